package harnessid

import (
	"bufio"
	"debug/elf"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Kind names a harness.
type Kind string

// The harnesses Identify recognises.
const (
	GoogleBenchmark Kind = "google-benchmark"
	Criterion       Kind = "criterion"
	Divan           Kind = "divan"
	Pytest          Kind = "pytest"
	Vitest          Kind = "vitest"
	Node            Kind = "node"
)

// Switch is the one-line change that connects each harness to memtally,
// as its integration's README gives it.
var Switch = map[Kind]string{
	GoogleBenchmark: "link memtally::benchmark_main (or memtally::benchmark) instead of benchmark::benchmark_main, after find_package(memtally-benchmark); see integrations/cpp/README.md",
	Criterion:       `in Cargo.toml, criterion = { package = "memtally-criterion-compat", ... }; see integrations/rust/README.md`,
	Divan:           `in Cargo.toml, divan = { package = "memtally-divan-compat", ... }; see integrations/rust/README.md`,
	Pytest:          "pip install ./integrations/python (pytest-memtally) in the suite's environment; see integrations/python/README.md",
	Vitest:          "plugins: [memtally()] from @memtally/vitest in vitest.config.*; see integrations/js/packages/vitest/README.md",
	Node:            "for a tinybench suite, node --import @memtally/tinybench/register (or withMemtally(new Bench(...))); see integrations/js/packages/tinybench/README.md",
}

// Harness is what Identify found.
type Harness struct {
	Kind Kind
	// Program is the file that gave it away: the harness binary, or the
	// interpreter's script.
	Program string
}

// maxDepth bounds how many #! lines and wrappers are followed.
const maxDepth = 4

// Identify recognises the harness that argv runs. dir is the command's
// working directory and path its PATH, to resolve argv[0] as exec would.
func Identify(argv []string, dir, path string) (Harness, bool) {
	var script string // the last script followed, and its arguments
	var scriptArgs []string
	for depth := 0; depth < maxDepth && len(argv) > 0; depth++ {
		prog, ok := lookPath(argv[0], dir, path)
		if !ok {
			return Harness{}, false
		}
		if interp, ok := shebang(prog); ok {
			script, scriptArgs = prog, argv[1:]
			// exec runs the interpreter with the script as its first
			// argument.
			argv = append(append(interp, prog), argv[1:]...)
			continue
		}
		if filepath.Base(prog) == "env" {
			argv = afterEnv(argv[1:])
			continue
		}
		if filepath.Base(prog) == "cargo" {
			return cargoBench(argv[1:], dir)
		}
		if h, ok := identifyELF(prog, argv[1:], dir); ok {
			return h, true
		}
		if shells[filepath.Base(prog)] && script != "" {
			return byName(script, scriptArgs, dir)
		}
		return Harness{}, false
	}
	return Harness{}, false
}

// shells run the wrapper scripts that version managers put on PATH in
// place of python, node and their tools (pyenv's shims, nvm's).
var shells = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true}

// byName recognises a harness from the name of a wrapper script, which
// runs the program of that name.
func byName(script string, args []string, dir string) (Harness, bool) {
	base := filepath.Base(script)
	switch {
	case base == "pytest" || base == "py.test":
		return Harness{Pytest, script}, true
	case base == "vitest":
		return Harness{Vitest, script}, true
	case base == "npx":
		return nodeHarness(script, append([]string{script}, args...), dir)
	case base == "node" || base == "nodejs":
		return nodeHarness(script, args, dir)
	case strings.HasPrefix(base, "python"):
		return pythonHarness(script, args)
	}
	return Harness{}, false
}

// identifyELF recognises a harness binary, or the harness an interpreter
// runs.
func identifyELF(prog string, args []string, dir string) (Harness, bool) {
	f, err := elf.Open(prog)
	if err != nil {
		return Harness{}, false
	}
	defer f.Close()
	syms := symbolNames(f)
	libs, _ := f.ImportedLibraries()
	for _, l := range libs {
		switch {
		case strings.HasPrefix(l, "libpython"):
			return pythonHarness(prog, args)
		case strings.HasPrefix(l, "libnode.so"):
			return nodeHarness(prog, args, dir)
		case strings.HasPrefix(l, "libbenchmark.so") || strings.HasPrefix(l, "libbenchmark_main.so"):
			return Harness{GoogleBenchmark, prog}, true
		}
	}
	switch {
	case syms["napi_create_object"]:
		return nodeHarness(prog, args, dir)
	case syms["Py_Initialize"]:
		return pythonHarness(prog, args)
	}
	for name := range syms {
		switch {
		case strings.HasPrefix(name, "_ZN9benchmark"):
			return Harness{GoogleBenchmark, prog}, true
		case rustCrate(name, "criterion"):
			return Harness{Criterion, prog}, true
		case rustCrate(name, "divan"):
			return Harness{Divan, prog}, true
		}
	}
	return Harness{}, false
}

// rustCrate reports whether a mangled Rust symbol names an item of crate.
func rustCrate(sym, crate string) bool {
	n := strconv.Itoa(len(crate)) + crate
	return strings.HasPrefix(sym, "_ZN"+n) || (strings.HasPrefix(sym, "_R") && strings.Contains(sym, "_"+n))
}

// symbolNames lists the functions f defines or imports, in .symtab and
// .dynsym.
func symbolNames(f *elf.File) map[string]bool {
	names := map[string]bool{}
	for _, read := range []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols} {
		syms, err := read()
		if err != nil {
			continue
		}
		for _, s := range syms {
			if t := elf.ST_TYPE(s.Info); t == elf.STT_FUNC || t == elf.STT_NOTYPE || t == elf.STT_GNU_IFUNC {
				names[s.Name] = true
			}
		}
	}
	return names
}

// nodeHarness tells vitest from any other node process.
func nodeHarness(node string, args []string, dir string) (Harness, bool) {
	script := firstOperand(args, map[string]bool{"-r": true, "--require": true, "--import": true, "--loader": true,
		"--experimental-loader": true, "--env-file": true, "--conditions": true, "-C": true, "--title": true,
		"-e": true, "--eval": true, "-p": true, "--print": true})
	if script == "" {
		return Harness{Node, node}, true
	}
	base := filepath.Base(script)
	switch {
	case base == "vitest.mjs" || base == "vitest":
		return Harness{Vitest, abs(script, dir)}, true
	case base == "npx-cli.js" || base == "npx":
		// npx NAME runs the package's bin.
		if i := indexOf(args, script); i >= 0 {
			if first := firstOperand(args[i+1:], map[string]bool{"-p": true, "--package": true, "-c": true, "--call": true}); first == "vitest" || strings.HasPrefix(first, "vitest@") {
				return Harness{Vitest, abs(script, dir)}, true
			}
		}
	}
	return Harness{Node, abs(script, dir)}, true
}

// pythonHarness recognises pytest run by a Python interpreter.
func pythonHarness(python string, args []string) (Harness, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-m" && i+1 < len(args):
			if args[i+1] == "pytest" || args[i+1] == "py.test" {
				return Harness{Pytest, python}, true
			}
			return Harness{}, false
		case a == "-c" || a == "-":
			return Harness{}, false
		case strings.HasPrefix(a, "-m"):
			if m := a[2:]; m == "pytest" || m == "py.test" {
				return Harness{Pytest, python}, true
			}
			return Harness{}, false
		case a == "-W" || a == "-X" || a == "--check-hash-based-pycs":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			if b := filepath.Base(a); b == "pytest" || b == "py.test" {
				return Harness{Pytest, a}, true
			}
			return Harness{}, false
		}
	}
	return Harness{}, false
}

// firstOperand returns the first argument that is not an option, skipping
// the values of the options in withValue.
func firstOperand(args []string, withValue map[string]bool) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				return args[i+1]
			}
			return ""
		}
		if !strings.HasPrefix(a, "-") {
			return a
		}
		if withValue[a] {
			i++
		}
	}
	return ""
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	return -1
}

// afterEnv skips env's options and assignments, to the command it runs.
func afterEnv(args []string) []string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-u" || a == "--unset" || a == "-C" || a == "--chdir" || a == "-S" || a == "--split-string":
			i++
		case strings.HasPrefix(a, "-"), strings.Contains(a, "="):
		default:
			return args[i:]
		}
	}
	return nil
}

// shebang returns the interpreter and its argument from the #! line of
// the file at path, if it has one.
func shebang(path string) ([]string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 256).ReadString('\n')
	if !strings.HasPrefix(line, "#!") || (err != nil && line == "") {
		return nil, false
	}
	// Linux passes everything after the interpreter as one argument.
	rest := strings.TrimSpace(line[2:])
	interp, arg, _ := strings.Cut(rest, " ")
	if interp == "" {
		return nil, false
	}
	out := []string{interp}
	if arg = strings.TrimSpace(arg); arg != "" {
		out = append(out, arg)
	}
	return out, true
}

// lookPath resolves name as execvp does: a name with a slash relative to
// dir, any other in path.
func lookPath(name, dir, path string) (string, bool) {
	if strings.Contains(name, "/") {
		p := abs(name, dir)
		return p, executable(p)
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := abs(filepath.Join(d, name), dir)
		if executable(p) {
			return p, true
		}
	}
	return "", false
}

func abs(p, dir string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func executable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}
