package noalloc

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"memtally.dev/runner/internal/testutil"
)

var built *testutil.Fixtures

func TestMain(m *testing.M) {
	os.Exit(testutil.RunWithFixtures(m, &built))
}

func check(t *testing.T, path string, wantOK bool, wantReason string) {
	t.Helper()
	reason, ok, err := Absent(path)
	if err != nil {
		t.Fatal(err)
	}
	if ok != wantOK || reason != wantReason {
		t.Errorf("Absent = %q, %v; want %q, %v", reason, ok, wantReason, wantOK)
	}
}

// A stripped, static Go program, as esbuild ships, allocates without
// malloc.
func TestGoStrippedStatic(t *testing.T) {
	bin := built.BuildGo(t, "go_stripped", "go_nomalloc", []string{"CGO_ENABLED=0"}, "-trimpath", "-ldflags=-s -w")
	check(t, bin, true, ReasonGo)
}

// CGO_ENABLED=1 without any cgo import links no libc either.
func TestGoCgoEnabledUnused(t *testing.T) {
	bin := built.BuildGo(t, "go_cgo_unused", "go_nomalloc", []string{"CGO_ENABLED=1"}, "-ldflags=-s -w")
	check(t, bin, true, ReasonGo)
}

// A Go program without build information, as some release builds come,
// is still known by its function table.
func TestGoWithoutBuildInfo(t *testing.T) {
	bin := built.BuildGo(t, "go_no_buildinfo", "go_nomalloc", []string{"CGO_ENABLED=0"}, "-ldflags=-s -w")
	if b, err := exec.Command("objcopy", "--remove-section", ".go.buildinfo", bin).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, b)
	}
	if _, err := buildinfo.ReadFile(bin); err == nil {
		t.Fatal("the build information is still there")
	}
	check(t, bin, true, ReasonGo)
}

// A static cgo program carries libc's malloc: stripped, it cannot be
// probed, and Absent must not excuse it.
func TestGoCgoStaticStripped(t *testing.T) {
	bin := built.BuildGo(t, "go_cgo_static", "go_cgo", []string{"CGO_ENABLED=1"},
		"-ldflags=-s -w -linkmode=external -extldflags=-static")
	check(t, bin, false, "")
}

// A dynamic cgo program gets malloc from libc.so, which is probed.
func TestGoCgoDynamic(t *testing.T) {
	check(t, built.BuildGo(t, "go_cgo_dynamic", "go_cgo", []string{"CGO_ENABLED=1"}), false, "")
}

// A stripped static C program may hold glibc's malloc anywhere.
func TestCStrippedStatic(t *testing.T) {
	check(t, built.Build(t, "c_static_stripped", "malloc_free.c", "-static", "-s"), false, "")
}

// An unstripped static C program defines malloc, which is probed.
func TestCStatic(t *testing.T) {
	check(t, built.Build(t, "c_static", "malloc_free.c", "-static"), false, "")
}

func TestCDynamic(t *testing.T) {
	check(t, built.Build(t, "c_dynamic", "malloc_free.c"), false, "")
}

// A static program whose symbol table is complete and names no allocator
// has none.
func TestNoLibcSymbols(t *testing.T) {
	check(t, built.Build(t, "nolibc", "nolibc.c", "-static", "-nostdlib", "-O2"), true, ReasonNoSymbol)
}

// Stripped, the same program gives no evidence.
func TestNoLibcStripped(t *testing.T) {
	check(t, built.Build(t, "nolibc_stripped", "nolibc.c", "-static", "-nostdlib", "-O2", "-s"), false, "")
}

func TestNotELF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Absent(path); err == nil {
		t.Error("Absent of a shell script: no error")
	}
}
