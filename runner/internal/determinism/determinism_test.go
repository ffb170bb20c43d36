package determinism

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestApply(t *testing.T) {
	runnerSeed := &Setting{Value: "0", SetBy: ByRunner}
	runnerFlags := &Setting{Value: V8Flags, SetBy: ByRunner}
	for _, c := range []struct {
		name    string
		env     []string
		on      bool
		added   []string
		seed    *Setting
		v8Flags *Setting
	}{
		{"deterministic", []string{"A=1"}, true, []string{"PYTHONHASHSEED=0", "MEMTALLY_V8_FLAGS=" + V8Flags}, runnerSeed, runnerFlags},
		{"the user's seed stands", []string{"PYTHONHASHSEED=7"}, true, []string{"MEMTALLY_V8_FLAGS=" + V8Flags}, &Setting{Value: "7", SetBy: ByUser}, runnerFlags},
		{"the last of two entries", []string{"PYTHONHASHSEED=7", "PYTHONHASHSEED=random"}, true, []string{"MEMTALLY_V8_FLAGS=" + V8Flags}, &Setting{Value: "random", SetBy: ByUser}, runnerFlags},
		{"an empty seed is unset", []string{"PYTHONHASHSEED="}, true, []string{"PYTHONHASHSEED=0", "MEMTALLY_V8_FLAGS=" + V8Flags}, runnerSeed, runnerFlags},
		{"empty V8 flags ask for none", []string{"MEMTALLY_V8_FLAGS="}, true, []string{"PYTHONHASHSEED=0"}, runnerSeed, &Setting{Value: "", SetBy: ByUser}},
		{"off", []string{"A=1"}, false, nil, nil, nil},
		{"off, the user's kept", []string{"PYTHONHASHSEED=3", "MEMTALLY_V8_FLAGS=--x"}, false, nil, &Setting{Value: "3", SetBy: ByUser}, &Setting{Value: "--x", SetBy: ByUser}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := slices.Grow(slices.Clone(c.env), 4)
			s := Apply(env, c.on)
			if want := append(slices.Clone(c.env), c.added...); !slices.Equal(s.Env, want) {
				t.Errorf("env %q, want %q", s.Env, want)
			}
			// The caller's array is left as it was.
			if extra := env[len(env):cap(env)]; slices.ContainsFunc(extra[:min(len(extra), len(c.added))], func(kv string) bool { return kv != "" }) {
				t.Errorf("Apply wrote into the caller's array: %q", extra)
			}
			if s.NoASLR != c.on || s.Record.Deterministic != c.on {
				t.Errorf("NoASLR %v, deterministic %v, want %v", s.NoASLR, s.Record.Deterministic, c.on)
			}
			if c.on && s.Record.ASLR != (Setting{Value: ASLROff, SetBy: ByRunner}) {
				t.Errorf("aslr %+v", s.Record.ASLR)
			}
			if !c.on && s.Record.ASLR != inheritedASLR() {
				t.Errorf("aslr %+v, want what the runner has, %+v", s.Record.ASLR, inheritedASLR())
			}
			for _, got := range []struct {
				name      string
				got, want *Setting
			}{{"pythonhashseed", s.Record.PythonHashSeed, c.seed}, {"v8_flags", s.Record.V8Flags, c.v8Flags}} {
				if (got.got == nil) != (got.want == nil) || (got.got != nil && *got.got != *got.want) {
					t.Errorf("%s %+v, want %+v", got.name, got.got, got.want)
				}
			}
		})
	}
}

// The child started by WithoutASLR has ADDR_NO_RANDOMIZE; the test's own
// threads never keep it, once the thread that forked is gone.
func TestWithoutASLR(t *testing.T) {
	var out strings.Builder
	cmd := exec.Command("cat", "/proc/self/personality")
	cmd.Stdout = &out
	if err := WithoutASLR(cmd.Start); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "00040000" {
		t.Errorf("child's personality %s, want 00040000", got)
	}
	// The forking thread ends with its goroutine, soon after; the bound
	// only catches a thread that never ends.
	deadline := time.Now().Add(10 * time.Second)
	for {
		marked := threadsWithoutASLR(t)
		if len(marked) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("threads %v of the test process still have ADDR_NO_RANDOMIZE", marked)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// An error of start comes back as it is.
	missing := exec.Command("/nonexistent/program")
	if err := WithoutASLR(missing.Start); err == nil {
		t.Error("starting a missing program succeeded")
	}
}

func threadsWithoutASLR(t *testing.T) []string {
	tasks, err := filepath.Glob("/proc/self/task/*/personality")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("list threads: %v %v", tasks, err)
	}
	var marked []string
	for _, path := range tasks {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the thread has just exited
		}
		if strings.TrimSpace(string(b)) != "00000000" {
			marked = append(marked, filepath.Base(filepath.Dir(path))+"="+strings.TrimSpace(string(b)))
		}
	}
	return marked
}

// BenchmarkStart is the cost of starting a command without ASLR, against a
// plain start, both to the end of /bin/true: the locked thread and two
// personality calls are all WithoutASLR adds.
func BenchmarkStart(b *testing.B) {
	for _, c := range []struct {
		name string
		via  func(start func() error) error
	}{
		{"plain", func(start func() error) error { return start() }},
		{"without-aslr", WithoutASLR},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command("/bin/true")
				if err := c.via(cmd.Start); err != nil {
					b.Fatal(err)
				}
				if err := cmd.Wait(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
