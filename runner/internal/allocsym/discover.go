package allocsym

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"sort"

	"golang.org/x/arch/x86/x86asm"
)

// ErrNoAllocator is returned, wrapped with the reason, when a binary
// defines no allocator entry point.
var ErrNoAllocator = errors.New("no allocator symbols")

// Probe is one place to attach a uprobe.
type Probe struct {
	// Symbol is the name the function was found under; among aliases,
	// the shortest, then the first in sort order (free, not cfree).
	Symbol string
	// Kind says how to read the call.
	Kind Kind
	// Family is the allocator the function belongs to.
	Family Family
	// Func is the file offset of the function's first instruction, where
	// a return probe goes.
	Func uint64
	// Entry is the file offset for the entry probe: Func, or a later
	// instruction the kernel can emulate (see the package comment).
	Entry uint64
	// Return reports whether the call's result is needed.
	Return bool
}

// Plan is what Discover found in one binary.
type Plan struct {
	Path   string
	Static bool // an executable with no dynamic loader
	// Table is ".symtab" or ".dynsym", whichever the symbols came from.
	Table    string
	Families []Family
	Probes   []Probe
}

// Discover finds the allocator entry points defined in the ELF file at
// path. A binary with none returns an error wrapping ErrNoAllocator that
// says why, together with a Plan whose Static field is set.
func Discover(path string) (Plan, error) {
	f, err := elf.Open(path)
	if err != nil {
		return Plan{}, fmt.Errorf("open elf: %w", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		return Plan{}, fmt.Errorf("open elf: %s is %s, only x86-64 is supported", path, f.Machine)
	}
	plan := Plan{Path: path, Static: true}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			plan.Static = false
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		plan.Static = false
	}

	syms, err := f.Symbols()
	plan.Table = ".symtab"
	if err != nil || len(syms) == 0 {
		syms, err = f.DynamicSymbols()
		plan.Table = ".dynsym"
	}
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return plan, fmt.Errorf("read symbols: %w", err)
	}

	byAddr := map[uint64]Probe{}
	families := map[Family]bool{}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC && elf.ST_TYPE(s.Info) != elf.STT_GNU_IFUNC {
			continue
		}
		if s.Section == elf.SHN_UNDEF || s.Value == 0 {
			continue
		}
		e, ok := lookup(s.Name)
		if !ok {
			continue
		}
		off, ok := fileOffset(f, s.Value)
		if !ok {
			continue
		}
		families[e.family] = true
		p := Probe{Symbol: s.Name, Kind: e.kind, Family: e.family, Func: off, Entry: off}
		if prev, seen := byAddr[off]; seen {
			if !preferred(s.Name, prev.Symbol) {
				p.Symbol, p.Kind, p.Family = prev.Symbol, prev.Kind, prev.Family
			}
			// A function that some alias names as the allocator's own
			// free is one: libmimalloc's operator delete is mi_free
			// itself, not a wrapper that calls it.
			if prev.Kind == KindFree || e.kind == KindFree {
				p.Kind = KindFree
			}
		}
		p.Return = p.Kind != KindFree && p.Kind != KindFreeWrapper && p.Kind != KindNewWrapper
		byAddr[off] = p
	}
	if len(byAddr) == 0 {
		if plan.Table == ".dynsym" {
			return plan, fmt.Errorf("%w: stripped (no .symtab) and .dynsym names none", ErrNoAllocator)
		}
		return plan, fmt.Errorf("%w: neither .symtab nor .dynsym names one", ErrNoAllocator)
	}

	// The plain C names belong to whichever allocator defines them.
	plain := FamilyLibc
	switch {
	case families[FamilyJemalloc]:
		plain = FamilyJemalloc
	case families[FamilyMimalloc]:
		plain = FamilyMimalloc
	case families[FamilyTcmalloc]:
		plain = FamilyTcmalloc
	}
	for off, p := range byAddr {
		if p.Family == FamilyLibc {
			p.Family = plain
		}
		if p.Kind == KindNewWrapper && plain != FamilyLibc {
			// jemalloc, mimalloc and tcmalloc define operator new
			// themselves, as an allocation entry point of their own.
			p.Kind, p.Return = KindMalloc, true
		}
		if !p.Return {
			p.Entry = off + emulatedEntry(f, off)
		}
		byAddr[off] = p
	}
	if families[FamilyLibc] {
		delete(families, FamilyLibc)
		families[plain] = true
	}
	for fam := range families {
		plan.Families = append(plan.Families, fam)
	}
	sort.Slice(plan.Families, func(i, j int) bool { return plan.Families[i] < plan.Families[j] })
	for _, p := range byAddr {
		plan.Probes = append(plan.Probes, p)
	}
	sort.Slice(plan.Probes, func(i, j int) bool { return plan.Probes[i].Func < plan.Probes[j].Func })
	return plan, nil
}

// preferred reports whether alias a names a function better than b.
func preferred(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// fileOffset maps a virtual address to its offset in the file, through the
// executable PT_LOAD segment that contains it.
func fileOffset(f *elf.File, vaddr uint64) (uint64, bool) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Flags&elf.PF_X == 0 {
			continue
		}
		if vaddr >= p.Vaddr && vaddr < p.Vaddr+p.Filesz {
			return vaddr - p.Vaddr + p.Off, true
		}
	}
	return 0, false
}

// maxSkip bounds how far an entry probe may move: a few flag-setting
// instructions at most, so the skipped bytes are a prologue and not a place
// another path jumps into.
const maxSkip = 3

// emulatedEntry returns how many bytes past the function start at file
// offset off the entry probe should go.
func emulatedEntry(f *elf.File, off uint64) uint64 {
	code := make([]byte, 32)
	n, err := readAt(f, code, off)
	if err != nil {
		return 0
	}
	return entryOffset(code[:n])
}

// entryOffset returns 0 unless code starts with instructions that only set
// flags followed by one the kernel emulates; then it returns the offset of
// that instruction.
func entryOffset(code []byte) uint64 {
	skip := uint64(0)
	for i := 0; i <= maxSkip && skip < uint64(len(code)); i++ {
		inst, err := x86asm.Decode(code[skip:], 64)
		if err != nil {
			return 0
		}
		if emulated(inst) {
			return skip
		}
		if !flagsOnly(inst) {
			return 0
		}
		skip += uint64(inst.Len)
	}
	return 0
}

// readAt reads the file bytes at a file offset, via the section that holds
// them: elf.File does not expose the underlying reader.
func readAt(f *elf.File, buf []byte, off uint64) (int, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || off < p.Off || off >= p.Off+p.Filesz {
			continue
		}
		end := p.Off + p.Filesz - off
		if uint64(len(buf)) > end {
			buf = buf[:end]
		}
		n, err := p.ReadAt(buf, int64(off-p.Off))
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return n, err
	}
	return 0, fmt.Errorf("offset %#x is in no loaded segment", off)
}

// emulated reports whether the x86 uprobe code emulates inst instead of
// single-stepping it: push of a register, and relative jmp, jcc and call.
func emulated(inst x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.PUSH:
		_, ok := inst.Args[0].(x86asm.Reg)
		return ok
	case x86asm.JMP, x86asm.CALL,
		x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JNE,
		x86asm.JG, x86asm.JGE, x86asm.JL, x86asm.JLE, x86asm.JO, x86asm.JNO,
		x86asm.JP, x86asm.JNP, x86asm.JS, x86asm.JNS:
		_, ok := inst.Args[0].(x86asm.Rel)
		return ok
	}
	return false
}

// flagsOnly reports whether inst writes nothing but the flags: test and
// cmp read their operands and set flags.
func flagsOnly(inst x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.TEST, x86asm.CMP:
		return true
	}
	return false
}

// LoaderHook returns the file offset of _dl_debug_state in the dynamic
// loader at path: the function glibc's loader calls, for debuggers, each
// time it has changed the list of loaded objects. It runs after a library
// is mapped and before any of its code does, which is when a newly loaded
// allocator must be probed.
func LoaderHook(path string) (uint64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open elf: %w", err)
	}
	defer f.Close()
	for _, read := range []func() ([]elf.Symbol, error){f.DynamicSymbols, f.Symbols} {
		syms, err := read()
		if err != nil {
			continue
		}
		for _, s := range syms {
			if s.Name == "_dl_debug_state" && s.Section != elf.SHN_UNDEF && s.Value != 0 {
				if off, ok := fileOffset(f, s.Value); ok {
					return off, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("find _dl_debug_state in %s: %w", path, elf.ErrNoSymbols)
}
