package noalloc

import (
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"strings"

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
	funcs, ok := goFuncs(f)
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
	for _, name := range funcs {
		if cgoFunc(name) {
			return false
		}
	}
	return true
}

// cgoFunc reports whether a Go function table entry belongs to cgo's
// runtime support, which only a program using cgo links: package
// runtime/cgo, and its assembly entry points crosscall2 and _cgo_*.
func cgoFunc(name string) bool {
	return strings.HasPrefix(name, "runtime/cgo.") || strings.HasPrefix(name, "_cgo_") || name == "crosscall2"
}

// goFuncs lists the function names of f's Go function table, and reports
// false when f has no readable one.
func goFuncs(f *elf.File) ([]string, bool) {
	pcln := f.Section(".gopclntab")
	text := f.Section(".text")
	if pcln == nil || text == nil {
		return nil, false
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, false
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil || len(tab.Funcs) == 0 {
		return nil, false
	}
	names := make([]string, len(tab.Funcs))
	for i, fn := range tab.Funcs {
		names[i] = fn.Name
	}
	return names, true
}
