package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/config"
	"memtally.dev/runner/internal/fifo"
	"memtally.dev/runner/internal/hostinfo"
	"memtally.dev/runner/internal/journal"
	"memtally.dev/runner/internal/launch"
	"memtally.dev/runner/internal/monotime"
	"memtally.dev/runner/internal/progress"
	"memtally.dev/runner/internal/report"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultschema"
	"memtally.dev/runner/internal/server"
	"memtally.dev/runner/internal/threshold"
	"memtally.dev/runner/internal/untrusted"
)

const (
	// stopGrace is how long a timed-out or interrupted command has
	// between the polite signal and SIGKILL.
	stopGrace = 5 * time.Second
	// exitTimedOut is the exit status of a timed-out target, as timeout(1)
	// uses it.
	exitTimedOut = 124
	// exitIncomplete is the exit status of a run or a comparison whose
	// numbers are not all to be trusted: a benchmark is incomplete, or
	// a comparison could not judge every benchmark in common.
	exitIncomplete = 3
)

type runner struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	outRoot        string // where timestamped run directories go
	outDir         string // an exact directory from --out, if given
	out            outputFlags
	thresholds     threshold.Set
	// allowIncomplete is --allow-incomplete or options.allow-incomplete.
	allowIncomplete bool
	progress        *progress.Reporter

	tracer      *capture.Tracer
	signals     chan os.Signal
	interrupted os.Signal

	rec   *recorder
	guard *treeGuard
}

// outcome is how one target ended.
type outcome struct {
	result     results.Target
	benchmarks []results.Benchmark
	exitCode   int
}

func (r *runner) run(targets []target) error {
	var baseline *results.Run
	if r.out.baseline != "" {
		var err error
		if baseline, err = readBaseline(r.out.baseline); err != nil {
			return err
		}
	}
	// Refuse before anything starts rather than fail half-way.
	if err := capture.CheckPrivileges(); err != nil {
		return err
	}
	tracer, err := capture.New(capture.Options{})
	if err != nil {
		return fmt.Errorf("start capture: %w", err)
	}
	defer tracer.Close()
	r.tracer = tracer

	dir, err := r.createOutputDir()
	if err != nil {
		return err
	}
	host := hostinfo.Collect()
	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		Runner:        results.Runner{Version: Version, GoVersion: goruntime.Version()},
		StartedAt:     time.Now().UTC(),
		Environment: results.Environment{
			OS: host.OS, Arch: host.Arch, Kernel: host.Kernel, KernelVersion: host.KernelVersion,
			CPU: results.CPU{Model: host.CPUModel, LogicalCPUs: host.LogicalCPUs},
		},
		Targets:    []results.Target{},
		Benchmarks: []results.Benchmark{},
	}
	if r.out.repeat > 1 {
		run.Repeat = r.out.repeat
	}
	write := func() error {
		run.RecordEnvironment()
		if err := results.Write(dir, run); err != nil {
			return err
		}
		if r.rec != nil {
			if err := r.rec.journal.Reset(); err != nil {
				return err
			}
		}
		return checkSchema(filepath.Join(dir, results.FileName))
	}
	// Written before anything runs, then after every target, so that a
	// run that dies half-way still leaves what it measured; the windows
	// of the target in progress go to the journal as they close.
	if err := write(); err != nil {
		return err
	}
	j, err := journal.Create(dir)
	if err != nil {
		return err
	}
	r.rec = &recorder{dir: dir, run: run, journal: j, validate: func(dir string) error {
		return checkSchema(filepath.Join(dir, results.FileName))
	}}
	defer func() {
		if r.rec != nil {
			r.rec.journal.Remove()
		}
	}()
	if r.guard, err = startTreeGuard(dir, r.stderr); err != nil {
		return err
	}
	defer func() {
		if err := r.guard.close(); err != nil {
			fmt.Fprintf(r.stderr, "runner: %v\n", err)
		}
	}()

	r.signals = make(chan os.Signal, 2)
	signal.Notify(r.signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(r.signals)

	// Progress shares stdout with the benchmarks' own output, except
	// under --format json, where stdout must parse as JSON.
	progressOut := r.stdout
	if r.out.format == "json" {
		progressOut = r.stderr
	}
	r.progress = progress.New(progressOut, progress.TerminalOf(progressOut), r.out.level())
	var failures []string
	firstCode := 0
	// Benchmarks per target in the previous repetition: the N of "n of
	// N" from the second repetition on.
	seen := map[string]int{}
	for rep := 1; rep <= r.out.repeat && r.interrupted == nil; rep++ {
		for i, t := range targets {
			if r.interrupted != nil {
				break
			}
			expected := seen[t.name]
			if t.kind == config.KindExec {
				expected = 1 // a plain program is one benchmark
			}
			r.progress.TargetStarted(t.name, i+1, len(targets), rep, r.out.repeat, expected)
			out := r.runTarget(t, slot{target: len(run.Targets), benchmark: len(run.Benchmarks), rep: rep})
			r.progress.TargetFinished(out.result.Status, time.Duration(out.result.DurationNS))
			seen[t.name] = len(out.benchmarks)
			if r.out.repeat > 1 {
				out.result.Repetition = rep
				for j := range out.benchmarks {
					out.benchmarks[j].Repetition = rep
				}
			}
			run.Targets = append(run.Targets, out.result)
			run.Benchmarks = append(run.Benchmarks, out.benchmarks...)
			if err := write(); err != nil {
				r.progress.Close()
				return err
			}
			if out.result.Status != results.StatusOK {
				failures = append(failures, fmt.Sprintf("target %s failed: %s", t.name, out.result.Reason))
				if firstCode == 0 {
					firstCode = out.exitCode
				}
			}
		}
	}
	r.progress.Close()
	run.FinishedAt = time.Now().UTC()
	run.Complete = r.interrupted == nil
	if err := write(); err != nil {
		return err
	}
	if err := r.rec.journal.Remove(); err != nil {
		return err
	}
	r.rec = nil
	if r.outDir == "" {
		if err := results.LinkLatest(r.outRoot, dir); err != nil {
			fmt.Fprintf(r.stderr, "runner: %v\n", err)
		}
	}
	var cmp *compare.Result
	if baseline != nil {
		cmp = compare.Runs(baseline, run, r.thresholds)
	}
	if err := report.Write(dir, run, cmp); err != nil {
		return err
	}
	if err := r.printSummary(run, cmp, dir); err != nil {
		return err
	}
	if err := writeMarkdown(r.out.markdown, run, cmp); err != nil {
		return err
	}

	if r.interrupted != nil {
		sig := r.interrupted.(syscall.Signal)
		return &ExitError{Code: 128 + int(sig), Err: fmt.Errorf("interrupted by %s; results so far are in %s", unix.SignalName(sig), displayPath(dir))}
	}
	if len(failures) > 0 {
		if firstCode == 0 {
			firstCode = 1
		}
		return &ExitError{Code: firstCode, Err: errors.New(strings.Join(failures, "\n"))}
	}
	if cmp != nil && cmp.Regressed() {
		return regressionError(cmp)
	}
	if !r.allowIncomplete {
		return incompleteError(run, cmp)
	}
	return nil
}

// printSummary prints the end-of-run table, the comparison with the
// baseline, and where the files are. --quiet prints none of it, and
// --format json prints the table as JSON only, so that stdout parses.
func (r *runner) printSummary(run *results.Run, cmp *compare.Result, dir string) error {
	if r.out.quiet {
		return nil
	}
	if r.out.format == "json" {
		return results.WriteSummaryJSON(r.stdout, run)
	}
	if err := results.WriteSummary(r.stdout, run, results.SummaryOptions{Exact: r.out.verbose}); err != nil {
		return err
	}
	if cmp != nil {
		fmt.Fprintf(r.stdout, "\ncompared with %s:\n", displayPath(r.out.baseline))
		if err := cmp.WriteText(r.stdout); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.stdout, "results: %s\n", displayPath(filepath.Join(dir, results.FileName)))
	_, err := fmt.Fprintf(r.stdout, "report: %s\n", displayPath(filepath.Join(dir, report.FileName)))
	return err
}

func (r *runner) createOutputDir() (string, error) {
	if r.outDir != "" {
		if err := os.MkdirAll(r.outDir, 0o755); err != nil {
			return "", fmt.Errorf("create output directory: %w", err)
		}
		return r.outDir, nil
	}
	return results.CreateDir(r.outRoot, time.Now())
}

// slot is where a target's records go in results.json: the target's
// index, the index its first benchmark takes, and its repetition.
type slot struct {
	target, benchmark, rep int
}

// runTarget runs one target to its end and reports how it went. Failures
// of the target are part of the outcome, never a reason to stop recording.
func (r *runner) runTarget(t target, at slot) outcome {
	out := outcome{result: results.Target{
		Name:         t.name,
		Kind:         string(t.kind),
		Command:      t.argv,
		WorkingDir:   t.dir,
		Status:       results.StatusOK,
		Integrations: []results.Integration{},
	}}
	fail := func(code int, reason string) outcome {
		out.result.Status = results.StatusFailed
		out.result.Reason = reason
		out.result.ExitCode = code
		out.exitCode = code
		return out
	}

	env := memoryModeEnv(launch.Environ(os.Environ(), t.env), t.env)
	var fifos *fifo.Pair
	if t.kind == config.KindCommand {
		var err error
		if fifos, err = fifo.Create(); err != nil {
			return fail(1, err.Error())
		}
		defer func() {
			if err := fifos.Close(); err != nil {
				fmt.Fprintf(r.stderr, "runner: target %s: %v\n", untrusted.Terminal(t.name), err)
			}
		}()
		env = launch.Environ(env, fifos.Env())
	}

	// The command starts held, so that its allocator probes are in place
	// before its first instruction.
	startNS := monotime.Now()
	proc, err := launch.Start(launch.Spec{
		Argv: t.argv, Dir: t.dir, Env: env,
		Stdin: r.stdin, Stdout: r.stdout, Stderr: r.stderr,
		Held: true,
	})
	if err != nil {
		return fail(127, err.Error())
	}
	// Before it can fork, the tree goes where a dead runner's supervisor
	// will find it, and the journal says which target was running.
	guarded, err := r.guard.enter(proc.PID(), fifos)
	if err == nil {
		defer guarded.leave(r.stderr)
		journaled := out.result
		if r.out.repeat > 1 {
			journaled.Repetition = at.rep
		}
		err = r.rec.target(at.target, journaled)
	}
	if err != nil {
		proc.SignalGroup(syscall.SIGKILL)
		proc.Resume()
		<-proc.Done()
		return fail(1, err.Error())
	}
	windows := &windows{tracer: r.tracer, progress: r.progress}
	err = r.tracer.Follow(proc.PID())
	if err == nil && t.wholeIfNoClient {
		// Measured from the exec of the command itself, not the
		// holding shell, until its whole tree has exited; a client
		// that reports benchmarks replaces this window with its own.
		err = r.tracer.BeginAtExec(proc.PID())
		windows.whole = err == nil
		if windows.whole {
			r.progress.BenchmarkStarted(t.name)
		}
	}
	if err != nil {
		proc.SignalGroup(syscall.SIGKILL)
		proc.Resume()
		<-proc.Done()
		return fail(1, fmt.Sprintf("follow the command: %v", err))
	}

	var srv *server.Server
	served := make(chan struct{})
	if fifos != nil {
		srv = server.New(fifos, t.name, r.stderr, windows)
		srv.OnRecord(func(i int, b results.Benchmark) {
			rep := 0
			if r.out.repeat > 1 {
				rep = at.rep
				b.Repetition = rep
			}
			// Called on the server's goroutine, which alone
			// changes srv.Benchmarks.
			running := out.result
			running.Integrations = append(running.Integrations[:0:0], srv.Integrations()...)
			if err := r.rec.window(at.benchmark+i, b, running, srv.Benchmarks(), rep); err != nil {
				fmt.Fprintf(r.stderr, "runner: target %s: %v\n", t.name, err)
			}
		})
		go func() {
			srv.Serve(proc.Done())
			close(served)
		}()
	} else {
		close(served)
	}
	if err := proc.Resume(); err != nil {
		proc.SignalGroup(syscall.SIGKILL)
	}

	timedOut := r.wait(proc, t)
	if timedOut || r.interrupted != nil {
		// Whatever the command left behind in its group goes too.
		proc.SignalGroup(syscall.SIGKILL)
	}
	<-served
	treeGone := true
	if windows.whole {
		treeGone = r.waitTree(t)
	}
	stopNS := monotime.Now()
	out.result.DurationNS = stopNS - startNS
	out.result.ExitCode = proc.ExitCode()

	if srv != nil {
		out.benchmarks = srv.Benchmarks()
		out.result.Integrations = append(out.result.Integrations, srv.Integrations()...)
	}
	if windows.whole {
		whole := results.Benchmark{
			URI: t.name, Target: t.name, PID: proc.PID(),
			StartNS: startNS, StopNS: stopNS, Status: results.StatusOK,
		}
		if code := proc.ExitCode(); code != 0 || timedOut {
			whole.Incomplete(proc.Describe())
		}
		if !treeGone {
			whole.Incomplete(fmt.Sprintf("processes of the command were still running %v after it exited", treeGrace))
		}
		m, err := r.tracer.End()
		if err != nil {
			whole.Incomplete(fmt.Sprintf("stop tracking: %v", err))
		} else {
			whole.SetMemory(m)
			r.progress.BenchmarkFinished(m.PeakBytes, m.TotalBytes, m.AllocCount)
		}
		out.benchmarks = append(out.benchmarks, whole)
	} else if len(out.benchmarks) == 0 && srv != nil && len(srv.Integrations()) == 0 {
		fmt.Fprintf(r.stderr, "runner: target %s: no harness integration connected, so no benchmark was recorded; is the memtally integration installed? (use exec = ... to measure a plain program whole)\n", untrusted.Terminal(t.name))
	}

	switch {
	case timedOut:
		return fail(exitTimedOut, fmt.Sprintf("timed out after %v", t.timeout))
	case r.interrupted != nil:
		return fail(proc.ExitCode(), "interrupted, "+proc.Describe())
	case proc.ExitCode() != 0:
		return fail(proc.ExitCode(), proc.Describe())
	}
	return out
}

// treeGrace is how long a whole-command window waits, after the command
// exited, for the processes it left behind.
const treeGrace = 10 * time.Second

// waitTree waits until every process of the command's tree has exited, as
// a whole-command window ends only then.
func (r *runner) waitTree(t target) bool {
	select {
	case <-r.tracer.TreeExited():
		return true
	case <-time.After(treeGrace):
		fmt.Fprintf(r.stderr, "runner: target %s: processes of the command still run %v after it exited; closing its window\n", untrusted.Terminal(t.name), treeGrace)
		return false
	}
}

// windows lets the protocol server open benchmark windows on the tracer,
// first discarding the whole-command window of a command that turned out
// to report its own benchmarks.
type windows struct {
	tracer   *capture.Tracer
	progress *progress.Reporter
	whole    bool
}

// Begin opens the window of the benchmark uri.
func (w *windows) Begin(uri string) error {
	if w.whole {
		w.whole = false
		w.progress.BenchmarkDiscarded()
		if _, err := w.tracer.End(); err != nil {
			return err
		}
	}
	if err := w.tracer.Begin(); err != nil {
		return err
	}
	w.progress.BenchmarkStarted(uri)
	return nil
}

// InTree tells whether pid belongs to the command's process tree, the
// only processes whose hello the server accepts.
func (w *windows) InTree(pid int) bool { return w.tracer.InTree(pid) }

func (w *windows) Pause() error  { return w.tracer.Pause() }
func (w *windows) Resume() error { return w.tracer.Resume() }

func (w *windows) End() (capture.Metrics, error) {
	m, err := w.tracer.End()
	if err == nil {
		w.progress.BenchmarkFinished(m.PeakBytes, m.TotalBytes, m.AllocCount)
	}
	return m, err
}

// wait waits for the command, forwarding SIGINT and SIGTERM to its process
// group and enforcing the timeout. It reports whether the timeout fired.
func (r *runner) wait(proc *launch.Process, t target) (timedOut bool) {
	var deadline <-chan time.Time
	if t.timeout > 0 {
		timer := time.NewTimer(t.timeout)
		defer timer.Stop()
		deadline = timer.C
	}
	for {
		select {
		case <-proc.Done():
			return timedOut
		case sig := <-r.signals:
			if r.interrupted != nil {
				// A second signal means the user is done waiting.
				proc.SignalGroup(syscall.SIGKILL)
				continue
			}
			r.interrupted = sig
			if err := proc.SignalGroup(sig.(syscall.Signal)); err != nil {
				fmt.Fprintf(r.stderr, "runner: %v\n", err)
			}
		case <-deadline:
			deadline = nil
			timedOut = true
			fmt.Fprintf(r.stderr, "runner: target %s timed out after %v; stopping it\n", untrusted.Terminal(t.name), t.timeout)
			go proc.Stop(syscall.SIGTERM, stopGrace)
		}
	}
}

// ValidateVar names the variable holding the path of a results schema
// (protocol/results.schema.json) that every results.json the runner writes
// is then checked against. scripts/test sets it, so that the files that the
// integrations' own suites make the runner write are checked too.
const ValidateVar = "MEMTALLY_VALIDATE_RESULTS"

func checkSchema(path string) error {
	schema := os.Getenv(ValidateVar)
	if schema == "" {
		return nil
	}
	if err := resultschema.ValidateFileAgainst(schema, path); err != nil {
		return fmt.Errorf("%s: %w", ValidateVar, err)
	}
	return nil
}

// memoryModeEnv makes runtimes with allocators of their own show their
// allocations to the malloc probes: CPython's pymalloc serves small objects
// from arenas malloc never sees unless PYTHONMALLOC=malloc, and V8's heap
// needs a forced GC (--expose-gc) for the JS integrations to measure it.
// A PYTHONMALLOC of the target's own wins; --expose-gc is added to any
// NODE_OPTIONS, the target's included.
func memoryModeEnv(env, targetEnv []string) []string {
	var memory []string
	if !hasVar(targetEnv, "PYTHONMALLOC") {
		memory = append(memory, "PYTHONMALLOC=malloc")
	}
	nodeOptions := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NODE_OPTIONS="); ok {
			nodeOptions = v
		}
	}
	if !strings.Contains(" "+nodeOptions+" ", " --expose-gc ") {
		nodeOptions = strings.TrimSpace(nodeOptions + " --expose-gc")
	}
	memory = append(memory, "NODE_OPTIONS="+nodeOptions)
	return launch.Environ(env, memory)
}

func hasVar(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

func displayPath(path string) string {
	return relativeToCwd(path)
}
