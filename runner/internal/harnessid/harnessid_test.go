package harnessid

import (
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

func want(t *testing.T, argv []string, dir string, kind Kind, program string) {
	t.Helper()
	h, ok := Identify(argv, dir, os.Getenv("PATH"))
	if kind == "" {
		if ok {
			t.Errorf("%q: recognised as %+v, want nothing", argv, h)
		}
		return
	}
	if !ok || h.Kind != kind || (program != "" && h.Program != program) {
		t.Errorf("%q: %+v (%v), want %s from %s", argv, h, ok, kind, program)
	}
	if Switch[h.Kind] == "" {
		t.Errorf("%s has no switch", h.Kind)
	}
}

// write puts an executable file in dir.
func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGoogleBenchmark: a suite linked against Debian's libbenchmark is
// recognised by the library it needs; one built into the program, by its
// symbols.
func TestGoogleBenchmark(t *testing.T) {
	dynamic := built.Build(t, "gbench", "gbench.cpp", "-lbenchmark", "-lpthread")
	want(t, []string{dynamic, "--benchmark_filter=all"}, "/", GoogleBenchmark, dynamic)
	static := built.Build(t, "gbench_own", "gbench_own.cpp", "-static")
	want(t, []string{static}, "/", GoogleBenchmark, static)
	// Relative to the working directory, and through env.
	want(t, []string{"env", "A=1", "./gbench"}, filepath.Dir(dynamic), GoogleBenchmark, dynamic)
}

// rustBench builds a program that uses a crate named crate, mangled as
// mangling says: a binary with that crate's symbols, as a bench target
// linked against it has.
func rustBench(t *testing.T, crate, mangling string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "lib.rs", "#[inline(never)]\npub fn main() { println!(\"{}\", std::hint::black_box(1)); }\n")
	write(t, dir, "main.rs", "fn main() { "+crate+"::main(); }\n")
	flags := []string{"--edition", "2021"}
	if mangling != "legacy" {
		flags = append(flags, "-C", "symbol-mangling-version="+mangling)
	}
	lib := filepath.Join(dir, "lib"+crate+".rlib")
	bin := filepath.Join(dir, "bench-"+crate)
	for _, args := range [][]string{
		append(flags, "--crate-type=rlib", "--crate-name", crate, "-o", lib, filepath.Join(dir, "lib.rs")),
		append(flags, "--extern", crate+"="+lib, "-o", bin, filepath.Join(dir, "main.rs")),
	} {
		if b, err := exec.Command("rustc", args...).CombinedOutput(); err != nil {
			t.Fatalf("rustc: %v\n%s", err, b)
		}
	}
	return bin
}

func TestRust(t *testing.T) {
	for _, mangling := range []string{"legacy", "v0"} {
		c := rustBench(t, "criterion", mangling)
		want(t, []string{c, "--bench"}, "/", Criterion, c)
		d := rustBench(t, "divan", mangling)
		want(t, []string{d, "--bench"}, "/", Divan, d)
		// A crate whose name merely contains another's.
		other := rustBench(t, "divans", mangling)
		want(t, []string{other}, "/", "", "")
	}
}

// TestCargoBench: cargo bench of a package that depends on criterion or
// divan is such a suite, unless the dependency is memtally's compat crate
// under that name.
func TestCargoBench(t *testing.T) {
	dir := t.TempDir()
	manifest := write(t, dir, "Cargo.toml", "[package]\nname = \"p\"\n\n[dev-dependencies]\ncriterion = { version = \"0.5\", features = [\"html_reports\"] }\n")
	want(t, []string{"cargo", "bench"}, dir, Criterion, manifest)
	want(t, []string{"cargo", "+stable", "bench", "--bench", "parse", "--", "--sample-count", "5"}, dir, Criterion, manifest)
	want(t, []string{"cargo", "build"}, dir, "", "")
	other := t.TempDir()
	want(t, []string{"cargo", "bench", "--manifest-path", manifest}, other, Criterion, manifest)
	want(t, []string{"cargo", "bench", "--manifest-path=" + manifest}, other, Criterion, manifest)
	write(t, dir, "Cargo.toml", "[package]\nname = \"p\"\n\n[dev-dependencies]\ndivan = \"0.1.14\"\n")
	want(t, []string{"cargo", "bench"}, dir, Divan, manifest)
	write(t, dir, "Cargo.toml", "[package]\nname = \"p\"\n\n[dev-dependencies]\ndivan = { package = \"memtally-divan-compat\", path = \"../x\" }\n")
	want(t, []string{"cargo", "bench"}, dir, "", "")
	write(t, dir, "Cargo.toml", "[package]\nname = \"p\"\n")
	want(t, []string{"cargo", "bench"}, dir, "", "")
}

func TestPytest(t *testing.T) {
	python := "/usr/bin/python3"
	dir := t.TempDir()
	// A console script, as pip installs it in a virtual environment.
	script := write(t, dir, "pytest", "#!"+python+"\nimport sys\nfrom pytest import console_main\nsys.exit(console_main())\n")
	want(t, []string{script, "-q"}, dir, Pytest, script)
	want(t, []string{python, "-m", "pytest", "-q"}, dir, Pytest, python)
	want(t, []string{python, "-X", "dev", "-mpytest"}, dir, Pytest, python)
	want(t, []string{python, "-c", "import pytest"}, dir, "", "")
	want(t, []string{python, "bench.py"}, dir, "", "")
	// A version manager's shim, a shell script in place of pytest.
	shims := t.TempDir()
	shim := write(t, shims, "pytest", "#!/usr/bin/env bash\nexec python3 -m pytest \"$@\"\n")
	want(t, []string{shim}, dir, Pytest, shim)
	pyshim := write(t, shims, "python3", "#!/usr/bin/env bash\nexec /usr/bin/python3 \"$@\"\n")
	want(t, []string{pyshim, "-m", "pytest"}, dir, Pytest, pyshim)
	want(t, []string{pyshim, "-c", "pass"}, dir, "", "")
}

func TestNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal(err)
	}
	node, _ = filepath.EvalSymlinks(node)
	dir := t.TempDir()
	bench := write(t, dir, "bench.js", "console.log(1)\n")
	want(t, []string{"node", "--import", "x", "bench.js"}, dir, Node, bench)
	want(t, []string{"node", "-e", "0"}, dir, Node, node)
	// vitest's bin, run by node or by its #! line, and npx vitest.
	vitestBin := write(t, dir, "vitest.mjs", "#!/usr/bin/env node\nimport './dist/cli.js'\n")
	want(t, []string{"node", vitestBin, "bench", "--run"}, dir, Vitest, vitestBin)
	want(t, []string{vitestBin, "bench"}, dir, Vitest, vitestBin)
	if _, err := exec.LookPath("npx"); err != nil {
		t.Fatal(err)
	}
	want(t, []string{"npx", "vitest", "bench", "--run"}, dir, Vitest, "")
	want(t, []string{"npx", "tsx", "bench.ts"}, dir, Node, "")
}

func TestNotAHarness(t *testing.T) {
	dir := t.TempDir()
	want(t, []string{"true"}, dir, "", "")
	want(t, []string{built.Build(t, "malloc_free", "malloc_free.c")}, dir, "", "")
	want(t, []string{write(t, dir, "run.sh", "#!/bin/sh\nexit 0\n")}, dir, "", "")
	want(t, []string{"no-such-program-here"}, dir, "", "")
	want(t, []string{}, dir, "", "")
}
