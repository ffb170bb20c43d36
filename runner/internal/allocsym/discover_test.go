package allocsym

import (
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

const libc = "/lib/x86_64-linux-gnu/libc.so.6"

func probesByName(p Plan) map[string]Probe {
	m := map[string]Probe{}
	for _, pr := range p.Probes {
		m[pr.Symbol] = pr
	}
	return m
}

func TestDiscoverLibc(t *testing.T) {
	plan, err := Discover(libc)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Static {
		t.Error("libc reported static")
	}
	if len(plan.Families) != 1 || plan.Families[0] != FamilyLibc {
		t.Errorf("families %v", plan.Families)
	}
	addrs := map[uint64]bool{}
	for _, pr := range plan.Probes {
		if addrs[pr.Func] {
			t.Errorf("address %#x probed twice", pr.Func)
		}
		addrs[pr.Func] = true
	}
	by := probesByName(plan)
	for name, kind := range map[string]Kind{"malloc": KindMalloc, "calloc": KindCalloc, "realloc": KindRealloc,
		"reallocarray": KindReallocArray, "posix_memalign": KindPosixMemalign, "valloc": KindMalloc,
		"pvalloc": KindPvalloc, "free": KindFree} {
		pr, ok := by[name]
		if !ok {
			t.Errorf("%s not probed (aliases chosen: %v)", name, plan.Probes)
			continue
		}
		if pr.Kind != kind {
			t.Errorf("%s: kind %d, want %d", name, pr.Kind, kind)
		}
		if pr.Return == (kind == KindFree) {
			t.Errorf("%s: return probe %v", name, pr.Return)
		}
		if pr.Return && pr.Entry != pr.Func {
			t.Errorf("%s: entry moved although it has a return probe", name)
		}
	}
	// glibc's memalign and aligned_alloc are one function, and so are
	// free and cfree.
	if _, ok := by["memalign"]; !ok {
		t.Errorf("memalign (alias of aligned_alloc) not probed: %v", plan.Probes)
	}
	for _, alias := range []string{"aligned_alloc", "cfree"} {
		if _, ok := by[alias]; ok {
			t.Errorf("%s probed besides its alias", alias)
		}
	}
}

// TestFreeEntryMoved checks the probe on glibc's free moves past its
// leading test %rdi,%rdi onto an emulated instruction, as decoded from
// the machine code itself.
func TestFreeEntryMoved(t *testing.T) {
	plan, err := Discover(libc)
	if err != nil {
		t.Fatal(err)
	}
	free := probesByName(plan)["free"]
	f, err := elf.Open(libc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code := make([]byte, 16)
	if _, err := readAt(f, code, free.Func); err != nil {
		t.Fatal(err)
	}
	first, err := x86asm.Decode(code, 64)
	if err != nil {
		t.Fatal(err)
	}
	if emulated(first) {
		if free.Entry != free.Func {
			t.Errorf("free starts with emulated %v but the probe moved", first)
		}
		return
	}
	if free.Entry == free.Func {
		t.Fatalf("free starts with %v, which is single-stepped, and the probe did not move", first)
	}
	at, err := x86asm.Decode(code[free.Entry-free.Func:], 64)
	if err != nil || !emulated(at) {
		t.Errorf("probe moved to %v (%v), which is not emulated", at, err)
	}
}

func TestEmulatedEntry(t *testing.T) {
	for _, c := range []struct {
		name string
		code []byte
		want uint64
	}{
		{"push first", []byte{0x55, 0x48, 0x89, 0xe5}, 0},
		{"test then je", []byte{0x48, 0x85, 0xff, 0x0f, 0x84, 0x10, 0, 0, 0}, 3},
		{"cmp mem then je", []byte{0x80, 0x3d, 1, 2, 3, 4, 0, 0x74, 0x07}, 7},
		{"mov first", []byte{0x48, 0x89, 0xf0, 0x55}, 0},
		{"test then mov", []byte{0x48, 0x85, 0xff, 0x48, 0x89, 0xf0}, 0},
		{"jmp rel32", []byte{0xe9, 1, 2, 3, 4}, 0},
		{"jmp indirect after test", []byte{0x48, 0x85, 0xff, 0xff, 0xe0}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := entryOffset(c.code); got != c.want {
				t.Errorf("got %d, want %d", got, c.want)
			}
		})
	}
}

func gcc(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "p.c")
	if err := os.WriteFile(src, []byte("#include <stdlib.h>\nvoid *volatile s;\nint main(void){s=malloc(3);free(s);return 0;}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "p")
	cmd := exec.Command("gcc", append([]string{"-o", out, src}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	return out
}

func TestDiscoverStatic(t *testing.T) {
	plan, err := Discover(gcc(t, "-static"))
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Static || plan.Table != ".symtab" {
		t.Errorf("static %v table %s", plan.Static, plan.Table)
	}
	if _, ok := probesByName(plan)["malloc"]; !ok {
		t.Errorf("malloc not found: %v", plan.Probes)
	}
}

func TestDiscoverStrippedStatic(t *testing.T) {
	plan, err := Discover(gcc(t, "-static", "-s"))
	if !errors.Is(err, ErrNoAllocator) {
		t.Fatalf("err %v, want ErrNoAllocator", err)
	}
	if !plan.Static {
		t.Error("not reported static")
	}
}

func TestDiscoverDynamicExecutable(t *testing.T) {
	plan, err := Discover(gcc(t))
	if !errors.Is(err, ErrNoAllocator) {
		t.Fatalf("err %v, want ErrNoAllocator", err)
	}
	if plan.Static {
		t.Error("dynamic executable reported static")
	}
}

func TestDiscoverJemallocMimalloc(t *testing.T) {
	for path, fam := range map[string]Family{
		"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2": FamilyJemalloc,
		"/usr/lib/x86_64-linux-gnu/libmimalloc.so.2": FamilyMimalloc,
	} {
		plan, err := Discover(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		by := probesByName(plan)
		found := false
		for _, f := range plan.Families {
			found = found || f == fam
		}
		if !found {
			t.Errorf("%s: families %v", path, plan.Families)
		}
		for _, pr := range plan.Probes {
			if pr.Symbol == "malloc" && pr.Family != fam {
				t.Errorf("%s: malloc attributed to %s", path, pr.Family)
			}
		}
		if fam == FamilyJemalloc {
			for _, n := range []string{"mallocx", "rallocx", "sdallocx", "dallocx"} {
				if _, ok := by[n]; !ok {
					t.Errorf("jemalloc %s not probed", n)
				}
			}
		}
	}
}

func TestLookupPrefixes(t *testing.T) {
	for name, want := range map[string]entry{
		"_rjem_mallocx":        {KindMalloc, FamilyJemalloc},
		"je_sdallocx":          {KindFree, FamilyJemalloc},
		"_rjem_realloc":        {KindRealloc, FamilyJemalloc},
		"mi_zalloc":            {KindMalloc, FamilyMimalloc},
		"mi_calloc_aligned":    {KindCalloc, FamilyMimalloc},
		"_ZdlPvm":              {KindFreeWrapper, FamilyCXX},
		"_ZnamSt11align_val_t": {KindNewWrapper, FamilyCXX},
	} {
		if got, ok := lookup(name); !ok || got != want {
			t.Errorf("%s: got %v %v, want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{"je_", "mallocz", "_rjem_", "mi_heap_malloc"} {
		if _, ok := lookup(name); ok {
			t.Errorf("%s matched", name)
		}
	}
}

func TestLoaderHook(t *testing.T) {
	off, err := LoaderHook("/lib64/ld-linux-x86-64.so.2")
	if err != nil || off == 0 {
		t.Fatalf("got %#x, %v", off, err)
	}
	if _, err := LoaderHook(libc); err == nil {
		t.Error("libc has no _dl_debug_state")
	}
}

// TestAliasKeepsBaseFree checks that libmimalloc's operator delete, an
// alias of mi_free, is probed as the base free it is.
func TestAliasKeepsBaseFree(t *testing.T) {
	plan, err := Discover("/usr/lib/x86_64-linux-gnu/libmimalloc.so.2")
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open("/usr/lib/x86_64-linux-gnu/libmimalloc.so.2")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name != "_ZdlPv" {
			continue
		}
		off, _ := fileOffset(f, s.Value)
		for _, pr := range plan.Probes {
			if pr.Func == off && pr.Kind != KindFree {
				t.Errorf("_ZdlPv (%s) probed as kind %d", pr.Symbol, pr.Kind)
			}
		}
	}
}

func TestDiscoverLibstdcxx(t *testing.T) {
	plan, err := Discover("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Families) != 1 || plan.Families[0] != FamilyCXX {
		t.Errorf("families %v, want [c++]", plan.Families)
	}
	pr, ok := probesByName(plan)["_ZnwmSt11align_val_t"]
	if !ok {
		t.Fatalf("aligned operator new not probed")
	}
	// No return probe: the bad_alloc new throws must unwind.
	if pr.Kind != KindNewWrapper || pr.Return {
		t.Errorf("aligned operator new: kind %d, return %v", pr.Kind, pr.Return)
	}
}

// TestAllocatorOwnNew checks that an allocator library's operator new is
// probed as that allocator's own entry point, with a return probe: it does
// not call a probed malloc that would report the block.
func TestAllocatorOwnNew(t *testing.T) {
	plan, err := Discover("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")
	if err != nil {
		t.Fatal(err)
	}
	pr, ok := probesByName(plan)["_Znwm"]
	if !ok {
		t.Fatalf("jemalloc's operator new not probed")
	}
	if pr.Kind != KindMalloc || !pr.Return {
		t.Errorf("jemalloc's operator new: kind %d, return %v", pr.Kind, pr.Return)
	}
}
