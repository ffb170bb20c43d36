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
	"memtally.dev/runner/internal/hostinfo"
	"memtally.dev/runner/internal/journal"
	"memtally.dev/runner/internal/privlibs"
	"memtally.dev/runner/internal/progress"
	"memtally.dev/runner/internal/report"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultschema"
	"memtally.dev/runner/internal/stdio"
	"memtally.dev/runner/internal/threshold"
)

const (
	// exitTimedOut is the exit status of a timed-out target, as
	// timeout(1) uses it.
	exitTimedOut = 124
	// exitIncomplete is the exit status of a run or a comparison whose
	// numbers are not all to be trusted: a benchmark is incomplete, or
	// a comparison could not judge every benchmark in common.
	exitIncomplete = 3
)

// notFinished is the reason of every results file written before the run
// ends: if the runner dies, the file says so itself.
const notFinished = "the run has not finished: the runner is still running, or it died"

type runner struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	outRoot        string // where timestamped run directories go
	outDir         string // an exact directory from --out, if given
	out            outputFlags
	thresholds     threshold.Set
	// killAfter is how long a command has between the polite signal and
	// SIGKILL.
	killAfter time.Duration
	// allowIncomplete is --allow-incomplete or options.allow-incomplete.
	allowIncomplete bool
	// ns is the namespace of private allocator libraries the commands
	// start in; nil when probes are per process or shared.
	ns       *privlibs.Namespace
	progress *progress.Reporter

	tracer  *capture.Tracer
	signals chan os.Signal
	// interrupted is the first SIGINT or SIGTERM, and stopReason says
	// when it came, for results.json.
	interrupted syscall.Signal
	stopReason  string

	rec   *recorder
	guard *treeGuard
}

func (r *runner) run(targets []target) error {
	// From here on, SIGINT and SIGTERM stop the run cleanly: one that
	// comes before a target starts ends the run before it.
	r.signals = make(chan os.Signal, 2)
	signal.Notify(r.signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(r.signals)

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
	// Loading and verifying the programs is most of the runner's fixed
	// cost; the output directory and the supervisor, the other part,
	// need nothing from it and are made meanwhile.
	loading := loadTracer(capture.Options{SharedProbes: r.out.sharedProbes}, r.out.perProcessProbes)
	defer loading.close()

	dir, err := r.createOutputDir()
	if err != nil {
		return err
	}
	host := hostinfo.Collect()
	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		Runner:        results.Runner{Version: Version, GoVersion: goruntime.Version()},
		StartedAt:     time.Now().UTC(),
		Reason:        notFinished,
		Environment: results.Environment{
			OS: host.OS, Arch: host.Arch, Kernel: host.Kernel, KernelVersion: host.KernelVersion,
			CPU:    results.CPU{Model: host.CPUModel, LogicalCPUs: host.LogicalCPUs},
			Launch: launches(targets),
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
	if r.tracer, err = loading.wait(); err == nil {
		r.ns = loading.ns
		run.Environment.Probes = &loading.probes
	} else {
		// The results file says why nothing ran, rather than that the
		// run is still going.
		run.Reason = err.Error()
		if werr := write(); werr != nil {
			fmt.Fprintf(r.stderr, "runner: %v\n", werr)
		}
		return err
	}

	// Progress shares stdout with the benchmarks' own output, except
	// under --format json, where stdout must parse as JSON.
	progressOut := r.stdout
	if r.out.format == "json" {
		progressOut = r.stderr
	}
	r.progress = progress.New(progressOut, terminalOf(progressOut), r.out.level())
	var failures []string
	firstCode := 0
	// Benchmarks per target in the previous repetition: the N of "n of
	// N" from the second repetition on.
	seen := map[string]int{}
	for rep := 1; rep <= r.out.repeat && r.interrupted == 0; rep++ {
		for i, t := range targets {
			if r.interrupted == 0 {
				r.takeSignal(t)
			}
			if r.interrupted != 0 {
				break
			}
			expected := seen[t.name]
			if t.kind == config.KindExec {
				expected = 1 // a plain program is one benchmark
			}
			r.progress.TargetStarted(t.name, i+1, len(targets), rep, r.out.repeat, expected)
			last := rep == r.out.repeat && i == len(targets)-1
			out := r.runTarget(t, slot{target: len(run.Targets), benchmark: len(run.Benchmarks), rep: rep, last: last})
			incomplete := 0
			for _, b := range out.benchmarks {
				if b.Status == results.StatusIncomplete {
					incomplete++
				}
			}
			r.progress.TargetFinished(out.result.Status, incomplete, time.Duration(out.result.DurationNS))
			seen[t.name] = len(out.benchmarks)
			if r.out.repeat > 1 {
				out.result.Repetition = rep
				for j := range out.benchmarks {
					out.benchmarks[j].Repetition = rep
				}
			}
			run.Targets = append(run.Targets, out.result)
			if len(run.Benchmarks) == 0 && len(out.benchmarks) > 0 {
				// The target's windows become the run's without a
				// copy, which would double them at the end of a
				// first target of 100,000 benchmarks. A target
				// without any leaves the run's empty array, which
				// results.json must show as [], not null.
				run.Benchmarks = out.benchmarks
			} else {
				run.Benchmarks = append(run.Benchmarks, out.benchmarks...)
			}
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
	// Nothing is measured any more: the tracer's detaches, which wait
	// for grace periods, overlap the writing of the results.
	loading.closeInBackground()
	run.FinishedAt = time.Now().UTC()
	run.Complete = r.interrupted == 0
	run.Reason = r.stopReason
	run.RecordSpread()
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

	if r.interrupted != 0 {
		sig := r.interrupted
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

// takeSignal ends the run before target t when a signal came while no
// command ran.
func (r *runner) takeSignal(t target) {
	select {
	case sig := <-r.signals:
		r.interrupted = sig.(syscall.Signal)
		r.stopReason = fmt.Sprintf("interrupted by %s before target %s", unix.SignalName(r.interrupted), t.name)
	default:
	}
}

// terminalOf describes the terminal behind w, if it is one.
func terminalOf(w io.Writer) *progress.Terminal {
	if f := stdio.File(w); f != nil {
		return progress.TerminalOf(f)
	}
	return progress.TerminalOf(w)
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

func displayPath(path string) string {
	return relativeToCwd(path)
}

// namespace is what launch.Spec.Namespace wants: nil, not a nil pointer,
// when there is no namespace.
func (r *runner) namespace() interface{ Run(func() error) error } {
	if r.ns == nil {
		return nil
	}
	return r.ns
}
