package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
)

// BuildGo compiles the Go program in runner/testdata/fixtures/<fixture>
// as a module of its own, outside the workspace, with env added to the
// build's environment and args given to go build, into a program called
// name, and returns its path. A name built before is not built again.
func (f *Fixtures) BuildGo(t TB, name, fixture string, env []string, args ...string) string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := filepath.Join(f.dir, name)
	if _, err := os.Stat(out); err == nil {
		return out
	}
	src, err := os.ReadFile(filepath.Join(fixtureSources(), fixture, "main.go"))
	if err != nil {
		t.Fatalf("read fixture %s: %v", fixture, err)
	}
	mod, err := os.MkdirTemp(f.dir, name+".src-")
	if err != nil {
		t.Fatalf("create module of %s: %v", name, err)
	}
	defer os.RemoveAll(mod)
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module "+fixture+"\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatalf("write go.mod of %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(mod, "main.go"), src, 0o644); err != nil {
		t.Fatalf("write main.go of %s: %v", name, err)
	}
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, args...), ".")...)
	cmd.Dir = mod
	cmd.Env = append(append(os.Environ(), "GOWORK=off", "GOFLAGS="), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	return out
}
