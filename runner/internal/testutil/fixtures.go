package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Fixtures builds the programs of runner/testdata/fixtures into one
// directory for a test binary's run, each once: every process of a
// fixture's tree must reach it, so it is not a per-test directory.
type Fixtures struct {
	dir   string
	flags []string
	mu    sync.Mutex
}

// NewFixtures makes the directory. flags go before the sources of every
// build, for example -O2 for loops that are timed.
func NewFixtures(flags ...string) (*Fixtures, error) {
	dir, err := os.MkdirTemp("", "memtally-fixtures-")
	if err != nil {
		return nil, fmt.Errorf("create fixture directory: %w", err)
	}
	return &Fixtures{dir: dir, flags: flags}, nil
}

// Remove deletes the built fixtures.
func (f *Fixtures) Remove() { os.RemoveAll(f.dir) }

// Build compiles the fixture sources among args (.c with gcc, .cpp with
// g++), passing the other args to the compiler, into a program called name,
// and returns its path. A name built before is not built again.
func (f *Fixtures) Build(t TB, name string, args ...string) string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := filepath.Join(f.dir, name)
	if _, err := os.Stat(out); err == nil {
		return out
	}
	cc := "gcc"
	cmdArgs := append(append([]string(nil), f.flags...), "-o", out)
	for _, a := range args {
		if strings.HasSuffix(a, ".c") || strings.HasSuffix(a, ".cpp") {
			if strings.HasSuffix(a, ".cpp") {
				cc = "g++"
			}
			a = filepath.Join(fixtureSources(), a)
		}
		cmdArgs = append(cmdArgs, a)
	}
	if b, err := exec.Command(cc, cmdArgs...).CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	return out
}

// fixtureSources is runner/testdata/fixtures, found from this file so that
// a test in any package reaches it.
func fixtureSources() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "fixtures")
}

// RunWithFixtures is the body of a TestMain whose tests build fixtures: it
// makes *built with flags, runs the tests, removes the fixtures, and returns
// the exit code for os.Exit.
func RunWithFixtures(m interface{ Run() int }, built **Fixtures, flags ...string) int {
	f, err := NewFixtures(flags...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*built = f
	defer f.Remove()
	return m.Run()
}
