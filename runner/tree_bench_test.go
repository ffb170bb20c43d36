package runner_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/testutil"
)

// BenchmarkTree measures process trees under the runner against the same
// programs bare, each ratio taken between runs made moments apart:
//   - forkrate.c forking 1,000 children one at a time ("serial") and 2,000
//     (MEMTALLY_BENCH_WIDE) alive at once ("wide"), timed by the program from its first fork to
//     its last child reaped, bare, under the runner as it is by default
//     (probes per library on private copies of the allocator libraries),
//     with --per-process-probes and with --shared-probes; every window is
//     checked to have counted each child's malloc and free;
//   - the runner's fixed cost, `runner run -- true` from start to exit;
//   - `node -e 0` and `python3 -c pass` as whole-command targets (an exec
//     target, every malloc in the window), what the runner adds beyond its
//     fixed cost against their bare time;
//   - what a process outside the tree pays: pairs.c's ns per malloc+free
//     pair, untraced, then while a runner's command is probed, by default
//     and with --shared-probes.
//
// One iteration is one repetition; scripts/bench takes the medians.
func BenchmarkTree(b *testing.B) {
	testutil.RequireBPF(b, capture.CheckPrivileges())
	fixtures, err := testutil.NewFixtures("-O2")
	if err != nil {
		b.Fatal(err)
	}
	defer fixtures.Remove()
	forkrate := fixtures.Build(b, "forkrate", "forkrate.c")
	pairs := fixtures.Build(b, "pairs", "pairs.c")
	codebytes := fixtures.Build(b, "codebytes", "codebytes.c", "-ldl")
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	runner := func(flags []string, argv ...string) ([]byte, time.Duration) {
		defer lockIfShared(b, flags)()
		out := filepath.Join(dir, "out")
		os.RemoveAll(out)
		args := append([]string{"runner", "run", "--quiet", "--out", out}, flags...)
		// The test binary is the runner when started under that name
		// (see TestMain).
		cmd := &exec.Cmd{Path: self, Args: append(append(args, "--"), argv...)}
		cmd.Stderr = os.Stderr
		start := time.Now()
		stdout, err := cmd.Output()
		elapsed := time.Since(start)
		if err != nil {
			b.Fatalf("runner %v: %v", argv, err)
		}
		checkForkWindow(b, out, argv)
		return stdout, elapsed
	}
	bare := func(argv ...string) ([]byte, time.Duration) {
		start := time.Now()
		stdout, err := exec.Command(argv[0], argv[1:]...).Output()
		elapsed := time.Since(start)
		if err != nil {
			b.Fatalf("%v: %v", argv, err)
		}
		return stdout, elapsed
	}
	forkNS := func(out []byte) float64 {
		ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			b.Fatalf("forkrate printed %q", out)
		}
		return ns
	}
	shared := []string{"--shared-probes"}
	perProcess := []string{"--per-process-probes"}
	// The median of five, for the short runs.
	median5 := func(run func() time.Duration) float64 {
		var ds []float64
		for range 5 {
			ds = append(ds, run().Seconds())
		}
		sort.Float64s(ds)
		return ds[2]
	}
	wideN := 2000
	if v := os.Getenv("MEMTALLY_BENCH_WIDE"); v != "" {
		if wideN, err = strconv.Atoi(v); err != nil || wideN < 1 {
			b.Fatalf("MEMTALLY_BENCH_WIDE=%q: want a positive number", v)
		}
	}
	for i := 0; i < b.N; i++ {
		const serialN = 1000
		out, _ := bare(forkrate, strconv.Itoa(serialN), "serial")
		serialBare := forkNS(out)
		out, _ = runner(nil, forkrate, strconv.Itoa(serialN), "serial")
		serialRun := forkNS(out)
		out, _ = runner(perProcess, forkrate, strconv.Itoa(serialN), "serial")
		serialPerProcess := forkNS(out)
		out, _ = runner(shared, forkrate, strconv.Itoa(serialN), "serial")
		serialShared := forkNS(out)
		b.ReportMetric(serialN/serialPerProcess*1e9, "forks/s-serial-perprocess")
		b.ReportMetric(serialPerProcess/serialBare, "serial-perprocess/bare")
		b.ReportMetric(float64(serialN)/serialBare*1e9, "forks/s-serial-bare")
		b.ReportMetric(serialN/serialRun*1e9, "forks/s-serial-runner")
		b.ReportMetric(serialN/serialShared*1e9, "forks/s-serial-shared")
		b.ReportMetric(serialRun/serialBare, "serial-runner/bare")
		b.ReportMetric(serialShared/serialBare, "serial-shared/bare")

		out, _ = bare(forkrate, strconv.Itoa(wideN), "wide")
		wideBare := forkNS(out)
		out, _ = runner(nil, forkrate, strconv.Itoa(wideN), "wide")
		wideRun := forkNS(out)
		out, _ = runner(perProcess, forkrate, strconv.Itoa(wideN), "wide")
		widePerProcess := forkNS(out)
		out, _ = runner(shared, forkrate, strconv.Itoa(wideN), "wide")
		wideShared := forkNS(out)
		b.ReportMetric(widePerProcess/1e9, "s-wide-perprocess")
		b.ReportMetric(widePerProcess/wideBare, "wide-perprocess/bare")
		b.ReportMetric(wideBare/1e9, "s-wide-bare")
		b.ReportMetric(wideRun/1e9, "s-wide-runner")
		b.ReportMetric(wideShared/1e9, "s-wide-shared")
		b.ReportMetric(wideRun/wideBare, "wide-runner/bare")
		b.ReportMetric(wideShared/wideBare, "wide-shared/bare")

		out, err := exec.Command(pairs, "2000000").Output()
		if err != nil {
			b.Fatal(err)
		}
		untraced, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			b.Fatalf("pairs printed %q", out)
		}
		byDefault := unrelatedPairs(b, self, pairs, codebytes, nil, 2000000)
		sharedNS := unrelatedPairs(b, self, pairs, codebytes, shared, 200000)
		b.ReportMetric(untraced, "unrelated-ns/pair-untraced")
		b.ReportMetric(byDefault, "unrelated-ns/pair-runner")
		b.ReportMetric(sharedNS, "unrelated-ns/pair-shared")
		b.ReportMetric(byDefault/untraced, "unrelated-runner/untraced")
		b.ReportMetric(sharedNS/untraced, "unrelated-shared/untraced")

		fixed := median5(func() time.Duration { _, d := runner(nil, "true"); return d })
		b.ReportMetric(fixed*1e3, "ms-fixed")
		for _, rt := range []struct {
			name string
			argv []string
		}{{"node", []string{"node", "-e", "0"}}, {"python", []string{"python3", "-c", "pass"}}} {
			if _, err := exec.LookPath(rt.argv[0]); err != nil {
				continue
			}
			bareS := median5(func() time.Duration { _, d := bare(rt.argv...); return d })
			runS := median5(func() time.Duration { _, d := runner(nil, rt.argv...); return d })
			b.ReportMetric(bareS*1e3, "ms-"+rt.name+"-bare")
			b.ReportMetric(runS*1e3, "ms-"+rt.name+"-runner")
			b.ReportMetric((runS-fixed)/bareS, rt.name+"-added/bare")
		}
	}
	b.ReportMetric(0, "ns/op")
}

// unrelatedPairs runs pairs.c outside the tree while the runner, with
// flags, holds a window open on a command that waits, and returns its ns
// per malloc+free pair. With shared probes it first waits until they are
// in: libc's code then carries breakpoints in every process.
func unrelatedPairs(b *testing.B, self, pairs, codebytes string, flags []string, n int) float64 {
	b.Helper()
	defer lockIfShared(b, flags)()
	dir := b.TempDir()
	args := append([]string{"runner", "run", "--quiet", "--out", filepath.Join(dir, "out")}, flags...)
	cmd := &exec.Cmd{Path: self, Args: append(args, "--", "/bin/sh", "-c", "read line || true")}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Fatalf("runner: %v", err)
		}
	}()
	before, err := exec.Command(codebytes).Output()
	if err != nil {
		b.Fatal(err)
	}
	if sharedFlag(flags) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			now, err := exec.Command(codebytes).Output()
			if err != nil {
				b.Fatal(err)
			}
			if string(now) != string(before) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("the shared probes did not show in libc's code")
			}
			time.Sleep(10 * time.Millisecond)
		}
	} else {
		// The held shell is resumed once its probes are in.
		time.Sleep(time.Second)
	}
	out, err := exec.Command(pairs, strconv.Itoa(n)).Output()
	if err != nil {
		b.Fatal(err)
	}
	ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		b.Fatalf("pairs printed %q", out)
	}
	return ns
}

// checkForkWindow fails the benchmark unless the whole-command window of a
// forkrate run counted each child's malloc and free, and lost nothing.
func checkForkWindow(b *testing.B, out string, argv []string) {
	b.Helper()
	if !strings.HasSuffix(argv[0], "forkrate") {
		return
	}
	n, _ := strconv.ParseUint(argv[1], 10, 64)
	run := readResults(b, out)
	if len(run.Benchmarks) != 1 {
		b.Fatalf("%v: %d benchmarks", argv, len(run.Benchmarks))
	}
	m := run.Benchmarks[0]
	// Each child's malloc(16) and free, and the parent's stdout buffer.
	if m.AllocCount != n+1 || m.FreeCount != n || m.DroppedEvents != 0 || m.Status != "ok" {
		b.Fatalf("%v: %s: %d allocations, %d frees, %d dropped; want %d, %d, 0",
			argv, m.Status, m.AllocCount, m.FreeCount, m.DroppedEvents, n+1, n)
	}
}

func readResults(b *testing.B, out string) *results.Run {
	b.Helper()
	run, err := results.Read(filepath.Join(out, results.FileName))
	if err != nil {
		b.Fatal(err)
	}
	return run
}

// lockIfShared keeps the DHAT cross-checks of tests running beside a
// --shared-probes run waiting until the returned function is called:
// valgrind dies on shared probes' breakpoints.
func lockIfShared(b *testing.B, flags []string) (unlock func()) {
	if !sharedFlag(flags) {
		return func() {}
	}
	unlock, err := testutil.LockSharedProbes()
	if err != nil {
		b.Fatal(err)
	}
	return unlock
}

func sharedFlag(flags []string) bool {
	for _, f := range flags {
		if f == "--shared-probes" {
			return true
		}
	}
	return false
}
