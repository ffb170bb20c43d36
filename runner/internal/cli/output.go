package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/markdown"
	"memtally.dev/runner/internal/progress"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/threshold"
)

// outputFlags are the flags that shape what a run prints and what it
// compares with; runner, runner run and (in part) runner compare share them.
type outputFlags struct {
	baseline   string
	thresholds thresholdFlags
	repeat     int
	markdown   string
	format     string
	quiet      bool
	verbose    bool
	// allowIncomplete exits 0 rather than 3 when a benchmark is
	// incomplete or a comparison could not judge one.
	allowIncomplete bool
	// sharedProbes is capture.Options.SharedProbes.
	sharedProbes bool
	// perProcessProbes keeps every probe per process, without private
	// copies of the allocator libraries.
	perProcessProbes bool
}

func (o *outputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.baseline, "baseline", "", "")
	fs.Var(&o.thresholds, "threshold", "")
	fs.IntVar(&o.repeat, "repeat", 1, "")
	fs.StringVar(&o.markdown, "markdown", "", "")
	fs.StringVar(&o.format, "format", "text", "")
	fs.BoolVar(&o.quiet, "quiet", false, "")
	fs.BoolVar(&o.quiet, "q", false, "")
	fs.BoolVar(&o.verbose, "verbose", false, "")
	fs.BoolVar(&o.verbose, "v", false, "")
	fs.BoolVar(&o.allowIncomplete, "allow-incomplete", false, "")
	fs.BoolVar(&o.sharedProbes, "shared-probes", false, "")
	fs.BoolVar(&o.perProcessProbes, "per-process-probes", false, "")
}

func (o *outputFlags) validate() error {
	if o.repeat < 1 {
		return usageError("-repeat must be at least 1, got %d", o.repeat)
	}
	if o.format != "text" && o.format != "json" {
		return usageError("-format must be text or json, got %q", o.format)
	}
	if o.quiet && o.verbose {
		return usageError("-quiet and -verbose contradict each other; pass one")
	}
	if len(o.thresholds) > 0 && o.baseline == "" {
		return usageError("-threshold needs -baseline BASE.json to compare with")
	}
	return nil
}

func (o *outputFlags) level() progress.Level {
	switch {
	case o.quiet:
		return progress.Quiet
	case o.verbose:
		return progress.Verbose
	}
	return progress.Normal
}

// thresholdFlags collects --threshold METRIC=VALUE, each flag one metric.
type thresholdFlags threshold.Set

func (t *thresholdFlags) String() string { return "" }

func (t *thresholdFlags) Set(s string) error {
	m, th, err := threshold.ParseFlag(s)
	if err != nil {
		return err
	}
	if *t == nil {
		*t = thresholdFlags{}
	}
	(*t)[m] = th
	return nil
}

// readBaseline loads a baseline results file; a file that cannot be read
// is a usage error, found before anything runs.
func readBaseline(path string) (*results.Run, error) {
	return readResults("baseline", path)
}

// readResults loads a results file that role names in messages, and
// refuses one of another schema version, whose numbers may mean something
// else.
func readResults(role, path string) (*results.Run, error) {
	run, err := results.Read(path)
	if err != nil {
		return nil, &ExitError{Code: 2, Err: fmt.Errorf("%s: %w", role, err)}
	}
	if run.SchemaVersion != results.SchemaVersion {
		return nil, &ExitError{Code: 2, Err: fmt.Errorf("%s %s has schema_version %d; this runner reads %d", role, path, run.SchemaVersion, results.SchemaVersion)}
	}
	return run, nil
}

// writeMarkdown writes the Markdown summary to --markdown FILE, and appends
// it to $GITHUB_STEP_SUMMARY when that is set, as GitHub Actions expects of
// each step.
func writeMarkdown(path string, run *results.Run, cmp *compare.Result) error {
	var b strings.Builder
	if err := markdown.Write(&b, run, cmp); err != nil {
		return err
	}
	if path != "" {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("write markdown: %w", err)
		}
	}
	if summary := os.Getenv("GITHUB_STEP_SUMMARY"); summary != "" {
		f, err := os.OpenFile(summary, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("write step summary: %w", err)
		}
		_, err = io.WriteString(f, b.String()+"\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write step summary: %w", err)
		}
	}
	return nil
}

// incompleteError is the runner's error when every target ran but some
// numbers are not to be trusted: a benchmark of run is incomplete, or cmp,
// when not nil, could not judge every benchmark in common. It is nil when
// there is nothing to report. It lists a few of them; the table and
// results.json have them all.
func incompleteError(run *results.Run, cmp *compare.Result) error {
	const shown = 10
	var lines []string
	more := 0
	add := func(format string, args ...any) {
		if len(lines) < shown {
			lines = append(lines, "  "+fmt.Sprintf(format, args...))
		} else {
			more++
		}
	}
	incomplete := 0
	if run != nil {
		for _, b := range run.Benchmarks {
			if b.Status != results.StatusOK {
				incomplete++
				add("%s (target %s): %s", b.URI, b.Target, b.Reason)
			}
		}
	}
	var what []string
	if incomplete > 0 {
		what = append(what, compare.Plural(incomplete, "benchmark")+" incomplete")
	}
	if cmp != nil {
		if len(cmp.Rows) == 0 {
			what = append(what, "nothing in common with the baseline to compare")
		} else if nj := cmp.NotJudged(); len(nj) > 0 {
			what = append(what, compare.Plural(len(nj), "benchmark")+" not judged against the baseline")
			for _, row := range nj {
				// The run's own incomplete benchmarks are listed
				// already; the baseline's are not.
				if run == nil || strings.HasPrefix(row.Incomplete, "base ") {
					add("%s (target %s): %s", row.URI, row.Target, row.Incomplete)
				}
			}
		}
	}
	if len(what) == 0 {
		return nil
	}
	if more > 0 {
		lines = append(lines, fmt.Sprintf("  and %d more", more))
	}
	msg := strings.Join(what, ", and ") + "; exit status 3 (--allow-incomplete makes it 0)"
	if len(lines) > 0 {
		msg += ":\n" + strings.Join(lines, "\n")
	}
	return &ExitError{Code: exitIncomplete, Err: errors.New(msg)}
}

// regressionError is the runner's error when a comparison found
// regressions: exit status 1, after the explanation went to stdout.
func regressionError(cmp *compare.Result) error {
	n := len(cmp.Regressions())
	return &ExitError{Code: 1, Err: fmt.Errorf("%s over thresholds against the baseline", compare.Plural(n, "regression"))}
}

// parseInterspersed parses flags that may come before, between or after
// positional arguments, as in runner compare BASE HEAD --threshold peak=1%.
// Arguments after -- are positional.
func parseInterspersed(fs *flag.FlagSet, args []string, stdout io.Writer) (positional []string, help bool, err error) {
	for {
		help, err = parseFlags(fs, args, stdout)
		if help || err != nil {
			return nil, help, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, false, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), false, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}
