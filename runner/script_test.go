package runner_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/cli"
	"memtally.dev/runner/internal/determinism"
	"memtally.dev/runner/internal/fakeharness"
	"memtally.dev/runner/internal/journal"
	"memtally.dev/runner/internal/procstat"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultschema"
	"memtally.dev/runner/internal/testutil"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"runner":    func() { os.Exit(cli.Main()) },
		"fakebench": func() { os.Exit(fakeharness.Main()) },
	})
}

// TestScripts runs the end-to-end suite in testdata/script. Set
// MEMTALLY_UPDATE_SCRIPTS=1 to rewrite the expected files in the archives.
//
// When a script ends, every results.json it produced is validated against
// protocol/results.schema.json, whatever the script itself checked.
func TestScripts(t *testing.T) {
	var validated atomic.Int64
	t.Cleanup(func() {
		// The cleanup runs once every script has; a suite that ran
		// benchmarks but validated nothing has lost its schema check.
		if ok, _ := bpfAvailable(); ok && validated.Load() == 0 && !t.Failed() {
			t.Error("no results.json was validated against the schema")
		}
	})
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("MEMTALLY_UPDATE_SCRIPTS") == "1",
		Setup: func(env *testscript.Env) error {
			fixtures, err := filepath.Abs(filepath.Join("testdata", "fixtures"))
			env.Setenv("FIXTURES", fixtures)
			schema, serr := filepath.Abs(filepath.Join("..", filepath.FromSlash(resultschema.RelPath)))
			env.Setenv("RESULTS_SCHEMA", schema)
			err = errors.Join(err, serr)
			// Runs report to $GITHUB_STEP_SUMMARY when it is set: a
			// test run inside GitHub Actions must not write there.
			env.Setenv("GITHUB_STEP_SUMMARY", "")
			// The V8 flags a deterministic target gets, which scripts
			// match as \Q$V8_FLAGS\E rather than repeat.
			env.Setenv("V8_FLAGS", determinism.V8Flags)
			// rustup finds its toolchains from HOME, which testscript
			// hides; scripts that build Rust need them.
			if home, err := os.UserHomeDir(); err == nil {
				for k, dir := range map[string]string{"RUSTUP_HOME": ".rustup", "CARGO_HOME": ".cargo"} {
					if v := os.Getenv(k); v != "" {
						env.Setenv(k, v)
					} else {
						env.Setenv(k, filepath.Join(home, dir))
					}
				}
			}
			workDir := env.WorkDir
			env.Defer(func() {
				n, err := resultschema.ValidateTree(workDir)
				validated.Add(int64(n))
				if err != nil {
					env.T().Fatal(err)
				}
			})
			return err
		},
		Condition: func(cond string) (bool, error) {
			if cond == "bpf" {
				return bpfAvailable()
			}
			if cond == "aslr" {
				// Whether the kernel randomises addresses: a test
				// that randomisation changes them needs it.
				b, err := os.ReadFile("/proc/sys/kernel/randomize_va_space")
				return err == nil && strings.TrimSpace(string(b)) != "0", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":     cmdWaitFile,
			"showresults":  cmdShowResults,
			"nofifos":      cmdNoFifos,
			"exitcode":     cmdExitCode,
			"unprivileged": cmdUnprivileged,
			"matchdhat":    cmdMatchDHAT,
			"validjson":    cmdValidJSON,
			"killrunner":   cmdKillRunner,
			"procsgone":    cmdProcsGone,
		},
	})
}

// bpfAvailable is the [bpf] condition: whether the runner can capture
// here. Missing privileges fail the script with the reason, unless
// MEMTALLY_SKIP_BPF=1 says that is known and the scripts should skip.
func bpfAvailable() (bool, error) {
	skip, err := testutil.BPFStatus(capture.CheckPrivileges())
	return !skip && err == nil, err
}

// cmdMatchDHAT runs a program under Valgrind's DHAT and requires the one
// benchmark of a results directory to have DHAT's numbers: allocations and
// bytes ("Total"), peak ("At t-gmax") and leaks ("At t-end").
//
// usage: matchdhat RESULTS_DIR PROGRAM [ARGS...]
func cmdMatchDHAT(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: matchdhat RESULTS_DIR PROGRAM [ARGS...]")
	}
	run, err := results.Read(filepath.Join(ts.MkAbs(args[0]), results.FileName))
	ts.Check(err)
	if len(run.Benchmarks) != 1 {
		ts.Fatalf("%d benchmarks in %s, want 1", len(run.Benchmarks), args[0])
	}
	b := run.Benchmarks[0]
	program := ts.MkAbs(args[1])
	d, err := testutil.RunDHAT(append([]string{program}, args[2:]...)...)
	ts.Check(err)
	ours := testutil.DHAT{AllocCount: b.AllocCount, TotalBytes: b.TotalBytes, PeakBytes: b.PeakBytes, LeakedCount: b.LeakedCount, LeakedBytes: b.LeakedBytes}
	fmt.Fprintf(ts.Stdout(), "dhat %+v\n", d)
	if ours != d || b.Status != results.StatusOK {
		ts.Fatalf("results differ from DHAT:\n dhat %+v\n ours %+v (status %s %s)", d, ours, b.Status, b.Reason)
	}
}

// cmdExitCode runs a program like exec does, and requires an exact exit
// status rather than just failure.
//
// usage: exitcode N PROGRAM [ARGS...]
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdUnprivileged runs one of the script's programs as the unprivileged
// user nobody, with no capabilities, from a copy that user can execute.
//
// usage: [!] unprivileged PROGRAM [ARGS...]
func cmdUnprivileged(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: [!] unprivileged PROGRAM [ARGS...]")
	}
	var program string
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if candidate := filepath.Join(dir, args[0]); fileExists(candidate) {
			program = candidate
			break
		}
	}
	if program == "" {
		ts.Fatalf("%s not found in PATH", args[0])
	}
	dir, err := os.MkdirTemp("", "memtally-unprivileged-")
	ts.Check(err)
	defer os.RemoveAll(dir)
	ts.Check(os.Chmod(dir, 0o755))
	data, err := os.ReadFile(program)
	ts.Check(err)
	copied := filepath.Join(dir, args[0])
	ts.Check(os.WriteFile(copied, data, 0o755))
	err = ts.Exec("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", copied}, args[1:]...)...)
	if neg && err == nil {
		ts.Fatalf("unexpected success")
	}
	if !neg && err != nil {
		ts.Fatalf("%v", err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// cmdWaitFile waits up to 20 seconds for a file to exist, so that a script
// can act once a background command has reached a known point.
//
// usage: waitfile FILE
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within 20s", args[0])
}

// cmdShowResults prints every results.json under the given paths in a
// stable form (times and pids vary between runs), after checking what
// every results file must satisfy: timeline points inside their window,
// and no journal left beside it. -memory adds each window's numbers.
// -journal allows a journal, and says so: nobody was left to fold it.
//
// A repeated run adds a line per benchmark of its spread.
//
// usage: showresults [-memory] [-journal] PATH...
func cmdShowResults(ts *testscript.TestScript, neg bool, args []string) {
	memory := len(args) > 0 && args[0] == "-memory"
	if memory {
		args = args[1:]
	}
	journalLeft := len(args) > 0 && args[0] == "-journal"
	if journalLeft {
		args = args[1:]
	}
	launch := len(args) > 0 && args[0] == "-launch"
	if launch {
		args = args[1:]
	}
	probes := len(args) > 0 && args[0] == "-probes"
	if probes {
		args = args[1:]
	}
	if neg || len(args) == 0 {
		ts.Fatalf("usage: showresults [-memory] [-journal] [-launch] [-probes] PATH...")
	}
	var files []string
	for _, arg := range args {
		root := ts.MkAbs(arg)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type()&fs.ModeSymlink == 0 && d.Name() == results.FileName {
				files = append(files, path)
			}
			return nil
		})
		ts.Check(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		ts.Fatalf("no %s under %s", results.FileName, strings.Join(args, " "))
	}
	for _, path := range files {
		ts.Check(resultschema.ValidateFile(path))
		// A journal outlives its run only when nothing folded it.
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), journal.FileName)); err == nil {
			if !journalLeft {
				ts.Fatalf("%s: a journal was left beside it", path)
			}
			fmt.Fprintln(ts.Stdout(), "journal left")
		}
		run, err := results.Read(path)
		ts.Check(err)
		if run.SchemaVersion != results.SchemaVersion {
			ts.Fatalf("%s: schema_version %d", path, run.SchemaVersion)
		}
		fmt.Fprintf(ts.Stdout(), "run complete=%v", run.Complete)
		if run.Reason != "" {
			fmt.Fprintf(ts.Stdout(), " reason=%q", run.Reason)
		}
		fmt.Fprintln(ts.Stdout())
		if launch {
			for _, l := range run.Environment.Launch {
				fmt.Fprintf(ts.Stdout(), "launch %s deterministic=%v aslr=%s/%s", l.Target, l.Deterministic, l.ASLR.Value, l.ASLR.SetBy)
				for _, s := range []struct {
					name string
					set  *results.Setting
				}{{"pythonhashseed", l.PythonHashSeed}, {"v8_flags", l.V8Flags}} {
					if s.set != nil {
						fmt.Fprintf(ts.Stdout(), " %s=%q/%s", s.name, s.set.Value, s.set.SetBy)
					}
				}
				if l.Warmup != nil {
					fmt.Fprintf(ts.Stdout(), " warmup=%d\n", *l.Warmup)
				} else {
					fmt.Fprintln(ts.Stdout(), " warmup=default")
				}
			}
		}
		if p := run.Environment.Probes; probes && p != nil {
			fmt.Fprintf(ts.Stdout(), "probes mode=%s", p.Mode)
			if len(p.Libraries) > 0 {
				var names []string
				for _, l := range p.Libraries {
					names = append(names, filepath.Base(l))
				}
				fmt.Fprintf(ts.Stdout(), " libraries=%s", strings.Join(names, ","))
			}
			if p.Reason != "" {
				fmt.Fprintf(ts.Stdout(), " reason=%q", p.Reason)
			}
			fmt.Fprintln(ts.Stdout())
		}
		for _, t := range run.Targets {
			fmt.Fprintf(ts.Stdout(), "target %s kind=%s status=%s exit=%d", t.Name, t.Kind, t.Status, t.ExitCode)
			if t.Reason != "" {
				fmt.Fprintf(ts.Stdout(), " reason=%q", t.Reason)
			}
			for _, in := range t.Integrations {
				fmt.Fprintf(ts.Stdout(), " integration=%s/%s/v%d", in.Name, in.Version, in.ProtocolVersion)
			}
			if h := t.UnswitchedHarness; h != nil {
				fmt.Fprintf(ts.Stdout(), " unswitched=%s", h.Kind)
			}
			fmt.Fprintln(ts.Stdout())
		}
		for _, b := range run.Benchmarks {
			if b.StartNS == 0 || b.StopNS < b.StartNS || b.PID <= 0 {
				ts.Fatalf("%s: %s: bad window start=%d stop=%d pid=%d", path, b.URI, b.StartNS, b.StopNS, b.PID)
			}
			for _, p := range b.Timeline {
				if p.TNS > b.StopNS-b.StartNS {
					ts.Fatalf("%s: %s: timeline point at %d ns, after the window's end at %d ns", path, b.URI, p.TNS, b.StopNS-b.StartNS)
				}
			}
			fmt.Fprintf(ts.Stdout(), "bench %s target=%s status=%s", b.URI, b.Target, b.Status)
			if b.Reason != "" {
				fmt.Fprintf(ts.Stdout(), " reason=%q", b.Reason)
			}
			if b.Warmup != nil {
				fmt.Fprintf(ts.Stdout(), " warmup=%d", *b.Warmup)
			}
			fmt.Fprintln(ts.Stdout())
			if memory {
				fmt.Fprintf(ts.Stdout(), "  allocs=%d total=%d avg=%g frees=%d peak=%d leaked=%d/%d untracked_frees=%d dropped=%d\n",
					b.AllocCount, b.TotalBytes, b.AvgAllocBytes, b.FreeCount, b.PeakBytes, b.LeakedCount, b.LeakedBytes, b.UntrackedFrees, b.DroppedEvents)
			}
		}
		// The spread of a repeated run, as the width (max − min) of
		// each metric's range.
		for _, sp := range run.Spread {
			m := sp.Metrics
			fmt.Fprintf(ts.Stdout(), "spread %s target=%s runs=%d noisy=%v widths: peak=%g total=%g count=%g leaked=%g\n",
				sp.URI, sp.Target, sp.Runs, sp.Noisy, m.PeakBytes.Max-m.PeakBytes.Min, m.TotalBytes.Max-m.TotalBytes.Min,
				m.AllocCount.Max-m.AllocCount.Min, m.LeakedBytes.Max-m.LeakedBytes.Min)
		}
	}
}

// cmdNoFifos checks that no run left its FIFO directory behind in the
// script's temporary directory.
//
// usage: nofifos
func cmdNoFifos(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: nofifos")
	}
	leftovers, err := filepath.Glob(filepath.Join(ts.Getenv("TMPDIR"), "memtally-*"))
	ts.Check(err)
	if len(leftovers) > 0 {
		ts.Fatalf("FIFO directories left behind: %s", strings.Join(leftovers, " "))
	}
}

// cmdValidJSON checks that a file parses as JSON, as the output of
// --format json must.
//
// usage: validjson FILE
func cmdValidJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: validjson FILE")
	}
	data := []byte(ts.ReadFile(args[0]))
	if !json.Valid(data) {
		ts.Fatalf("%s is not valid JSON:\n%s", args[0], data)
	}
}

// cmdProcsGone checks that nothing is left of the processes whose pids the
// files hold, nor of the process groups they lead: none may be stopped
// when the command runs, and each must be gone, or a zombie awaiting its
// reaper, within 10 seconds.
//
// usage: procsgone FILE...
func cmdProcsGone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: procsgone FILE...")
	}
	watched := map[int]bool{}
	for _, file := range args {
		for _, field := range strings.Fields(ts.ReadFile(file)) {
			pid, err := strconv.Atoi(field)
			ts.Check(err)
			watched[pid] = true
		}
	}
	if len(watched) == 0 {
		ts.Fatalf("no pid in %s", strings.Join(args, " "))
	}
	left := leftProcesses(ts, watched)
	for _, p := range left {
		if p.state == "T" || p.state == "t" {
			ts.Fatalf("processes left stopped: %v", left)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(left) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		left = leftProcesses(ts, watched)
	}
	if len(left) > 0 {
		ts.Fatalf("processes still alive 10s later: %v", left)
	}
}

type procState struct {
	pid, pgrp int
	state     string
}

// leftProcesses lists the live processes (zombies are dead) that are
// watched or in a group a watched pid leads.
func leftProcesses(ts *testscript.TestScript, watched map[int]bool) []procState {
	entries, err := os.ReadDir("/proc")
	ts.Check(err)
	var left []procState
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := procstat.Read(pid)
		if err != nil {
			continue // exited meanwhile
		}
		if (watched[pid] || watched[st.PGID]) && !st.Dead() {
			left = append(left, procState{pid: pid, pgrp: st.PGID, state: string(st.State)})
		}
	}
	return left
}
