package noalloc

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"

	"memtally.dev/runner/internal/allocsym"
)

// The reasons Absent gives.
const (
	ReasonGo       = "Go program without cgo: the Go runtime allocates from memory it maps itself, not with malloc"
	ReasonNoSymbol = "static executable whose symbol table (.symtab) defines no malloc-family function"
)

// Absent reports whether the ELF executable at path runs no malloc-family
// allocator, and why. It returns false, with no reason, whenever the file
// leaves any doubt.
func Absent(path string) (reason string, ok bool, err error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", false, fmt.Errorf("open elf: %w", err)
	}
	defer f.Close()
	if !static(f) {
		return "", false, nil
	}
	if goWithoutCgo(f, path) {
		return ReasonGo, true, nil
	}
	if syms, err := f.Symbols(); err != nil || len(syms) == 0 {
		return "", false, nil
	}
	plan, err := allocsym.Discover(path)
	if errors.Is(err, allocsym.ErrNoAllocator) && plan.Table == ".symtab" {
		return ReasonNoSymbol, true, nil
	}
	return "", false, nil
}

// static reports whether f is an executable that no dynamic loader
// completes with libraries.
func static(f *elf.File) bool {
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return false
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	libs, _ := f.ImportedLibraries()
	return len(libs) == 0
}

// goWithoutCgo reports whether f is a Go program that links no cgo.
func goWithoutCgo(f *elf.File, path string) bool {
	names, ok := goFuncNames(f)
	if !ok {
		// Without a function table, only the build information can
		// vouch for a program built without cgo.
		info, err := buildinfo.ReadFile(path)
		if err != nil {
			return false
		}
		for _, s := range info.Settings {
			if s.Key == "CGO_ENABLED" {
				return s.Value == "0"
			}
		}
		return false
	}
	for _, marker := range cgoMarkers {
		if bytes.Contains(names, marker) {
			return false
		}
	}
	return true
}

// cgoMarkers are the starts of function names, as the Go function table
// stores them (each after the NUL that ends the one before), of cgo's
// runtime support, which only a program that uses cgo links: package
// runtime/cgo, and its assembly entry points crosscall2 and _cgo_*.
var cgoMarkers = [][]byte{[]byte("\x00runtime/cgo."), []byte("\x00_cgo_"), []byte("\x00crosscall2\x00")}

// pclntabMagic are the first four bytes of the Go function table, little
// endian, of Go 1.2, 1.16, 1.18 and 1.20 onwards.
var pclntabMagic = []uint32{0xfffffffb, 0xfffffffa, 0xfffffff0, 0xfffffff1}

// goFuncNames returns f's Go function table, which holds the names of the
// program's functions, and reports false when f has none. Searching its
// bytes costs a millisecond where decoding every function with
// debug/gosym took 50 on esbuild, while the process that runs it is held.
func goFuncNames(f *elf.File) ([]byte, bool) {
	pcln := f.Section(".gopclntab")
	if pcln == nil {
		return nil, false
	}
	data, err := pcln.Data()
	if err != nil || len(data) < 8 || data[4] != 0 || data[5] != 0 {
		return nil, false
	}
	magic := binary.LittleEndian.Uint32(data)
	for _, m := range pclntabMagic {
		if magic == m {
			return data, true
		}
	}
	return nil, false
}
