package cli

import (
	"fmt"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/config"
	"memtally.dev/runner/internal/fifo"
	"memtally.dev/runner/internal/launch"
	"memtally.dev/runner/internal/monotime"
	"memtally.dev/runner/internal/prebuild"
	"memtally.dev/runner/internal/progress"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/server"
	"memtally.dev/runner/internal/stdio"
	"memtally.dev/runner/internal/terminate"
	"memtally.dev/runner/internal/untrusted"
)

// outcome is how one target ended.
type outcome struct {
	result     results.Target
	benchmarks []results.Benchmark
	exitCode   int
}

// slot is where a target's records go in results.json: the target's
// index, the index its first benchmark takes, and its repetition.
type slot struct {
	target, benchmark, rep int
	// last is set for the run's last target.
	last bool
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

	start := t.start()
	env := start.Env
	if t.build != nil {
		// Outside the probes, with the environment the command gets, so
		// that the command then finds its build up to date.
		if !r.out.quiet {
			fmt.Fprintf(r.stderr, "runner: target %s: build step %s\n", untrusted.Terminal(t.name), untrusted.Terminal(strings.Join(t.build, " ")))
		}
		built := prebuild.Run(prebuild.Spec{Argv: t.build, Dir: t.dir, Env: env, Stdout: r.stdout, Stderr: r.stderr,
			Stop: terminate.Options{Target: untrusted.Terminal(t.name), Signals: r.signals, Timeout: t.timeout, KillAfter: r.killAfter, Log: r.stderr}})
		if built.Err != nil {
			if sig := built.Outcome.Interrupted; sig != 0 {
				r.interrupted = sig
				r.stopReason = fmt.Sprintf("interrupted by %s during the build step of target %s", unix.SignalName(sig), t.name)
			}
			return fail(built.ExitCode, built.Err.Error())
		}
	}
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

	output, err := stdio.Command(r.stdout, r.stderr)
	if err != nil {
		return fail(1, err.Error())
	}
	// Everything the command wrote is passed on before the runner
	// reports the target's end.
	defer output.Wait(outputDrain)

	// The command starts held, so that its allocator probes are in place
	// before its first instruction.
	startNS := monotime.Now()
	guarded := r.guard.prepare()
	spec := launch.Spec{
		Argv: t.argv, Dir: t.dir, Env: env,
		Stdin: r.stdin, Stdout: output.Stdout, Stderr: output.Stderr,
		Held: true, NoASLR: start.NoASLR, Namespace: r.namespace(),
	}
	proc, err := guarded.start(spec)
	output.Started()
	if err != nil {
		return fail(127, err.Error())
	}
	// Before it can fork, the tree goes where a dead runner's supervisor
	// will find it, and the journal says which target was running.
	err = guarded.watch(proc.PID(), fifos)
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
		srv.SweepUntil(r.tracer.TreeExited())
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
				fmt.Fprintf(r.stderr, "runner: target %s: %v\n", untrusted.Terminal(t.name), err)
			}
		})
		go func() {
			srv.Serve(proc.Done())
			close(served)
		}()
	} else {
		close(served)
	}
	// A signal that came while the command was held waits in r.signals
	// for the supervisor, which passes it on once the command runs.
	if err := proc.Resume(); err != nil {
		proc.SignalGroup(syscall.SIGKILL)
	}

	sup := terminate.Start(proc, terminate.Options{
		Target: untrusted.Terminal(t.name), Signals: r.signals, Timeout: t.timeout, KillAfter: r.killAfter, Log: r.stderr,
	})
	sup.Until(proc.Done(), 0)
	if stopping(sup.Outcome()) {
		// Whatever the command left behind in its group goes too.
		proc.SignalGroup(syscall.SIGKILL)
	}
	<-served
	treeGone := true
	if windows.whole {
		treeGone = r.waitTree(t, sup)
	}
	if at.last {
		// The probes' detaching overlaps the end of the window and
		// the writing of the results.
		r.tracer.LastTreeDone()
	}
	stopNS := monotime.Now()
	o := sup.Stop()
	if stopping(o) {
		// A signal may have come while the tree was awaited; the
		// runner ends only once what it stopped is gone, so that
		// nothing it started outlives it, running or held.
		proc.SignalGroup(syscall.SIGKILL)
		if !windows.whole || !treeGone {
			r.waitKilled(t)
		}
	}
	out.result.DurationNS = stopNS - startNS
	out.result.ExitCode = proc.ExitCode()

	var interrupted string
	if o.Interrupted != 0 {
		interrupted = "interrupted by " + unix.SignalName(o.Interrupted)
		r.interrupted = o.Interrupted
		r.stopReason = fmt.Sprintf("%s during target %s", interrupted, t.name)
	}
	if srv != nil {
		out.benchmarks = srv.Benchmarks()
		out.result.Integrations = append(out.result.Integrations, srv.Integrations()...)
		if o.Interrupted != 0 {
			markInterrupted(out.benchmarks, o.InterruptedNS, interrupted)
		}
	}
	if srv != nil && len(srv.Integrations()) == 0 {
		out.result.UnswitchedHarness = unswitchedHarness(t.argv, t.dir, env)
	}
	if windows.whole {
		whole := results.Benchmark{
			URI: t.name, Target: t.name, PID: proc.PID(),
			StartNS: startNS, StopNS: stopNS, Status: results.StatusOK,
		}
		switch code := proc.ExitCode(); {
		case o.Interrupted != 0:
			// Cut short, whatever the command's status.
			whole.Incomplete(fmt.Sprintf("%s (%s)", interrupted, proc.Describe()))
		case code != 0 || o.TimedOut:
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
	} else if len(out.benchmarks) == 0 && srv != nil && len(srv.Integrations()) == 0 && out.result.UnswitchedHarness == nil {
		fmt.Fprintf(r.stderr, "runner: target %s: no harness integration connected, so no benchmark was recorded; is the memtally integration installed? (use exec = ... to measure a plain program whole)\n", untrusted.Terminal(t.name))
	}
	if h := out.result.UnswitchedHarness; h != nil {
		warnUnswitched(r.stderr, t.name, h, windows.whole)
	}

	switch {
	case o.TimedOut:
		reason := fmt.Sprintf("timed out after %v", t.timeout)
		if note := o.KillNote(); note != "" {
			reason += "; " + note
		}
		return fail(exitTimedOut, reason)
	case o.Interrupted != 0:
		how := o.KillNote()
		if how == "" {
			how = proc.Describe()
		}
		return fail(proc.ExitCode(), interrupted+"; "+how)
	case proc.ExitCode() != 0:
		return fail(proc.ExitCode(), proc.Describe())
	}
	return out
}

// stopping reports whether the runner is stopping the command rather than
// waiting for it to end on its own.
func stopping(o terminate.Outcome) bool {
	return o.Interrupted != 0 || o.TimedOut
}

// markInterrupted gives the windows that were open when the signal came at
// atNS, and ended incomplete, the interruption as their reason. Windows
// that closed normally after it, as a harness that finishes its benchmark
// on SIGTERM closes them, keep their numbers.
func markInterrupted(bs []results.Benchmark, atNS uint64, interrupted string) {
	for i := range bs {
		b := &bs[i]
		if b.Status == results.StatusIncomplete && b.StartNS <= atNS && b.StopNS >= atNS {
			b.Reason = fmt.Sprintf("%s (%s)", interrupted, b.Reason)
		}
	}
}

// outputDrain bounds the wait, after the command exited, for its output to
// be passed on, when processes it left behind keep the pipe open.
const outputDrain = time.Second

// killedGrace bounds the wait for a tree killed with SIGKILL to be gone:
// only a process outside the command's group, or stuck in the kernel,
// outlives it.
const killedGrace = 5 * time.Second

// waitKilled waits until the processes of the stopped command have exited.
func (r *runner) waitKilled(t target) {
	select {
	case <-r.tracer.TreeExited():
	case <-time.After(killedGrace):
		fmt.Fprintf(r.stderr, "runner: target %s: processes of the command still run %v after SIGKILL to its group\n", untrusted.Terminal(t.name), killedGrace)
	}
}

// treeGrace is how long a whole-command window waits, after the command
// exited, for the processes it left behind.
const treeGrace = 10 * time.Second

// waitTree waits until every process of the command's tree has exited, as
// a whole-command window ends only then.
// Signals and the timeout still apply meanwhile.
func (r *runner) waitTree(t target, sup *terminate.Stopper) bool {
	if sup.Until(r.tracer.TreeExited(), treeGrace) {
		return true
	}
	fmt.Fprintf(r.stderr, "runner: target %s: processes of the command still run %v after it exited; closing its window\n", untrusted.Terminal(t.name), treeGrace)
	return false
}

// windows lets the protocol server open benchmark windows on the tracer,
// first discarding the whole-command window of a command that turned out
// to report its own benchmarks.
type windows struct {
	tracer   *capture.Tracer
	progress *progress.Reporter
	whole    bool
}

// Connected discards the whole-command window: a command whose harness
// said hello reports its own benchmarks, or none (a suite run with its
// benchmarks skipped), never its whole run as one benchmark.
func (w *windows) Connected() error {
	if !w.whole {
		return nil
	}
	w.whole = false
	w.progress.BenchmarkDiscarded()
	if _, err := w.tracer.End(); err != nil {
		return fmt.Errorf("discard the whole-command window: %w", err)
	}
	return nil
}

// Begin opens the window of the benchmark uri, which counts its process,
// pid, and that process's descendants.
func (w *windows) Begin(uri string, pid int) error {
	if err := w.Connected(); err != nil {
		return err
	}
	if err := w.tracer.BeginIn(pid); err != nil {
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
