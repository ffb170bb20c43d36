package runner_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/testutil"
)

// scaleBenchmarks is how many benchmarks BenchmarkScale runs in its one
// target; MEMTALLY_BENCH_SCALE lowers it for a quick look.
const scaleBenchmarks = 100_000

// BenchmarkScale runs the runner, built from cmd/runner as users build it,
// on the fake harness with scaleBenchmarks benchmarks in one target, each
// a Start/Stop pair around a malloc and free of 1 KiB, under URIs of the
// length real suites use. It reports what the target of BENCHMARKS.md
// bounds:
//   - rss-MiB: the runner's peak resident set, VmHWM sampled from /proc
//     every 20 ms until it exits (the runner's alone: the BPF rings'
//     mappings count, the harness does not);
//   - maxrss-MiB: getrusage's ru_maxrss of the runner once it has exited,
//     which Linux takes over it and its waited-for children, the harness
//     among them, so an upper bound that no sample can miss;
//   - json-bytes/bench: results.json's size per benchmark, and
//     json-bytes/bench-no-timeline without the timelines, each benchmark
//     re-encoded as the runner indents it;
//   - us/bench: the wall time of the whole run per benchmark.
//
// The run must record every benchmark, complete, or the benchmark fails.
func BenchmarkScale(b *testing.B) {
	ok, err := bpfAvailable()
	if !ok {
		testutil.RequireBPF(b, err)
	}
	n := scaleBenchmarks
	if s := os.Getenv("MEMTALLY_BENCH_SCALE"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("MEMTALLY_BENCH_SCALE=%q: want a positive count", s)
		}
	}
	dir := b.TempDir()
	runner := filepath.Join(dir, "runner")
	if out, err := exec.Command("go", "build", "-o", runner, "./cmd/runner").CombinedOutput(); err != nil {
		b.Fatalf("build the runner: %v\n%s", err, out)
	}
	// testscript.Main put the fake harness on PATH.
	harness, err := exec.LookPath("fakebench")
	if err != nil {
		b.Fatal(err)
	}
	for run := 0; b.Loop(); run++ {
		out := filepath.Join(dir, fmt.Sprintf("out%d", run))
		stdout, err := os.Create(filepath.Join(dir, "stdout"))
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(runner, "run", "--out", out, "--", harness, "-n", strconv.Itoa(n),
			"-file", "benches/parsers/json_document_bench.rs", "-group", "parse_document::utf8_input::medium",
			"-alloc", "1024")
		cmd.Stdout = stdout
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Env = withoutEnv(os.Environ(), "GITHUB_STEP_SUMMARY")
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var hwm atomic.Uint64
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			for {
				kib, err := vmHWM(cmd.Process.Pid)
				if err != nil {
					return // it has exited
				}
				hwm.Store(kib)
				time.Sleep(20 * time.Millisecond)
			}
		}()
		err = cmd.Wait()
		elapsed := time.Since(start)
		<-sampled
		stdout.Close()
		if err != nil {
			b.Fatalf("runner: %v\n%s", err, stderr.String())
		}
		maxrss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
		whole, bare := resultsBytes(b, out, n)
		b.ReportMetric(float64(hwm.Load())/1024, "rss-MiB")
		b.ReportMetric(float64(maxrss)/1024, "maxrss-MiB")
		b.ReportMetric(whole, "json-bytes/bench")
		b.ReportMetric(bare, "json-bytes/bench-no-timeline")
		b.ReportMetric(float64(elapsed.Microseconds())/float64(n), "us/bench")
	}
}

// resultsBytes checks that the results.json under out records n complete
// benchmarks, and returns its bytes per benchmark, whole and without the
// timelines.
func resultsBytes(b *testing.B, out string, n int) (whole, bare float64) {
	b.Helper()
	var path string
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == results.FileName {
			path = p
		}
		return err
	})
	if err != nil || path == "" {
		b.Fatalf("no %s under %s: %v", results.FileName, out, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var run struct {
		Complete   bool                         `json:"complete"`
		Benchmarks []map[string]json.RawMessage `json:"benchmarks"`
	}
	if err := json.Unmarshal(data, &run); err != nil {
		b.Fatal(err)
	}
	if !run.Complete || len(run.Benchmarks) != n {
		b.Fatalf("%s: complete=%v with %d benchmarks, want %d", path, run.Complete, len(run.Benchmarks), n)
	}
	withoutTimelines := 0
	for _, bench := range run.Benchmarks {
		if string(bench["status"]) != `"ok"` {
			b.Fatalf("%s: a benchmark has status %s", path, bench["status"])
		}
		delete(bench, "timeline")
		// As results.Write indents it, inside the run's benchmarks
		// array, with its separator.
		enc, err := json.MarshalIndent(bench, "    ", "  ")
		if err != nil {
			b.Fatal(err)
		}
		withoutTimelines += len("    ") + len(enc) + len(",\n")
	}
	return float64(len(data)) / float64(n), float64(withoutTimelines) / float64(n)
}

// vmHWM reads the peak resident set of process pid, in KiB.
func vmHWM(pid int) (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			return strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	// A zombie has no memory left to report.
	return 0, fmt.Errorf("read /proc/%d/status: no VmHWM", pid)
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
