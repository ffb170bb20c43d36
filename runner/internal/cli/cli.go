// Package cli is the runner's command line: it parses arguments, runs the
// benchmark targets, and decides the exit code. It never exits itself; the
// main package does, with the code from ExitCode.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"memtally.dev/runner/internal/config"
	"memtally.dev/runner/internal/memlimit"
	"memtally.dev/runner/internal/prebuild"
	"memtally.dev/runner/internal/stdio"
	"memtally.dev/runner/internal/supervise"
	"memtally.dev/runner/internal/terminate"
	"memtally.dev/runner/internal/threshold"
	"memtally.dev/runner/internal/untrusted"
)

// Version is the runner's version, recorded in every results file.
const Version = "0.1.0"

const usage = `runner measures the heap of each benchmark: peak, bytes and count of
allocations, leaks, and memory over time.

Usage:
  runner [flags]                         run every target of codspeed.toml
  runner run [flags] -- CMD [ARGS...]    run one command
  runner compare [flags] BASE.json HEAD.json
                                         compare two results files
  runner report [--baseline BASE.json] RESULTS.json
                                         write report.html beside RESULTS.json
  runner version                         print the version
  runner help                            print this help

Without --config, codspeed.toml is looked up from the current directory up
to the root of the repository.

Flags of runner:
  --config FILE   the config file
  --out DIR       write results.json into DIR instead of a new directory
                  under the config's output-dir

Flags of runner run:
  --name NAME     the target's name (default: the program's base name)
  --out DIR       write results.json into DIR (default: a new directory
                  under .memtally/results)
  --timeout D     stop the command after D, for example 90s or 2m

Flags of runner and runner run:
  --kill-after D      how long a command has, after SIGTERM at its timeout
                      or the SIGINT or SIGTERM the runner received, before
                      its process group gets SIGKILL (default 10s; overrides
                      options.kill-after); a second signal kills at once
  --baseline FILE     compare with this results file, and fail on regressions
  --threshold M=T     a threshold for metric M (peak, total, count, leaked):
                      "5%", an amount such as 0 or 4KiB, auto, or off;
                      repeatable; overrides [thresholds] of codspeed.toml;
                      default auto (exact for a deterministic benchmark, 5%
                      beyond the spread of a noisy one), leaked 0
  --repeat N          run every target N times; report medians and ranges
  --markdown FILE     write a Markdown summary (also appended to
                      $GITHUB_STEP_SUMMARY when that is set)
  --format text|json  the end-of-run table as text, or as JSON with exact
                      numbers
  --quiet, -q         print only errors: no progress, no table
  --verbose, -v       a line per benchmark, and exact bytes in the table
  --allow-incomplete  exit 0 rather than 3 when a benchmark is incomplete
                      or was not judged (also options.allow-incomplete)
  --warmup N          calls of each benchmark's body the integrations run
                      outside its window before the one it measures
                      (default: each integration's own, 1, or 3 in
                      JavaScript; 0 measures the cold first call; overrides
                      a target's warmup and options.warmup)
  --no-deterministic  start commands as they are: without turning ASLR off
                      and without setting PYTHONHASHSEED=0 and
                      MEMTALLY_V8_FLAGS (also --deterministic=false;
                      --deterministic turns it on for every target;
                      overrides deterministic in codspeed.toml)
  --no-prebuild       run a cargo bench command as it is, without first
                      building its benchmarks outside the probes with
                      cargo bench --no-run (also options.prebuild = false)
  --per-process-probes
                      attach every probe per process of the command,
                      rather than once per library on private copies of
                      the allocator libraries in a mount namespace of the
                      command's own: the same numbers, but each fork
                      waits for its probes
  --shared-probes     probe each allocator once for the whole machine
                      rather than once per process of the command: a
                      command that forks many processes runs much faster,
                      but every other process of the machine that uses a
                      probed allocator pays its traps from the first
                      window until the runner exits, and valgrind's
                      tools die there (see BENCHMARKS.md)

Flags of runner compare:
  --config FILE       read [thresholds] from this codspeed.toml
  --threshold M=T     as above; overrides the config
  --markdown FILE     write the comparison as Markdown
  --allow-incomplete  exit 0 rather than 3 when a benchmark was not judged

Every run writes results.json and report.html, a self-contained page with a
sortable table and a chart of each benchmark's heap over time.

Exit status of runner and runner run, the first that applies:
  2      a usage or config error; nothing ran
  1      the runner itself failed: missing privileges, a capture that
         cannot start, results that cannot be written
  128+N  the runner was interrupted by signal N (130 for SIGINT, 143 for
         SIGTERM); the results so far are written
  other  a target failed: the status of the first that failed, as it
         exited; 124 when it timed out, 128+N when signal N killed it
  1      the comparison with --baseline found a regression
  3      every target ran, but a benchmark is incomplete, or the comparison
         with --baseline could not judge a benchmark in common, or found
         none in common; --allow-incomplete makes this 0
  0      every target succeeded, every benchmark is complete, and nothing
         regressed

Exit status of runner compare, the first that applies:
  2      a usage or config error, or a results file that cannot be read
  1      a regression over the thresholds
  3      a benchmark in common is incomplete on either side, so it was not
         judged, or the two files share no benchmark; --allow-incomplete
         makes this 0
  0      every benchmark in common was judged, within the thresholds
`

// ExitError carries an exit code. A nil Err means the code says it all.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

func usageError(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format+"\n(run 'runner help' for usage)", args...)}
}

// ExitCode maps an error from Run to the process exit status.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	return 1
}

// Main runs the runner with the process's arguments and streams, prints any
// error, and returns the exit status. A stdout or stderr whose reader has
// gone is discarded, never a failure: the status says what was measured.
func Main() int {
	// Only the runner's own process: tests call Run in theirs.
	defer memlimit.Start()()
	streams := stdio.Open(os.Stdout, os.Stderr)
	err := Run(os.Args[1:], os.Stdin, streams.Stdout, streams.Stderr)
	var exit *ExitError
	if err != nil && !(errors.As(err, &exit) && exit.Err == nil) {
		fmt.Fprintln(streams.Stderr, prefixLines("runner: ", err.Error()))
	}
	return ExitCode(err)
}

// prefixLines prefixes each line of an error. Errors quote names, URIs
// and reasons that come from benchmarks and results files, so each line is
// escaped for the terminal; the newlines between lines are the errors' own.
func prefixLines(prefix, text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		lines[i] = prefix + untrusted.Terminal(line)
	}
	return strings.Join(lines, "\n")
}

// Run executes the command line args.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "run":
			return runCommand(args[1:], stdin, stdout, stderr)
		case supervise.Subcommand:
			// Hidden: the watcher that outlives a killed runner.
			return supervise.Main(args[1:], stderr)
		case "compare":
			return runCompare(args[1:], stdout)
		case "report":
			return runReport(args[1:], stdout)
		case "help":
			_, err := io.WriteString(stdout, usage)
			return err
		case "version":
			_, err := fmt.Fprintf(stdout, "runner %s\n", Version)
			return err
		}
		if !strings.HasPrefix(args[0], "-") {
			return usageError("unknown command %q", args[0])
		}
	}
	return runConfig(args, stdin, stdout, stderr)
}

func newFlagSet(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() { io.WriteString(stdout, usage) }
	return fs
}

// parseFlags reports -h as a clean exit after printing the usage, and any
// other mistake as a usage error that names the flag.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (help bool, err error) {
	err = fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		_, err = io.WriteString(stdout, usage)
		return true, err
	}
	if err != nil {
		return false, usageError("%v", err)
	}
	return false, nil
}

func runConfig(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("runner", stdout)
	configPath := fs.String("config", "", "")
	outDir := fs.String("out", "", "")
	killAfterFlag := fs.Duration("kill-after", 0, "")
	noPrebuild := fs.Bool("no-prebuild", false, "")
	var out outputFlags
	out.register(fs)
	var starts launchFlags
	starts.register(fs)
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	if err := out.validate(); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q; to run a command, use: runner run -- CMD", fs.Arg(0))
	}
	if err := checkKillAfter(fs, *killAfterFlag); err != nil {
		return err
	}
	path := *configPath
	if path == "" {
		found, err := config.Find(".")
		if err != nil {
			return usageError("%v; pass --config FILE, or use runner run -- CMD", err)
		}
		path = relativeToCwd(found)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	targets := make([]target, len(cfg.Targets))
	for i, t := range cfg.Targets {
		targets[i] = target{
			name:            t.Name,
			kind:            t.Kind,
			argv:            t.Argv,
			dir:             t.WorkingDir,
			env:             t.Env,
			timeout:         t.Timeout,
			wholeIfNoClient: t.Kind == config.KindExec,
			deterministic:   t.Deterministic,
			warmup:          t.Warmup,
		}
		if cfg.Prebuild && !*noPrebuild {
			targets[i].build = prebuild.Step(t.Argv)
		}
	}
	if err := starts.override(fs, targets); err != nil {
		return err
	}
	r := &runner{stdin: stdin, stdout: stdout, stderr: stderr, outRoot: cfg.OutputDir, outDir: *outDir,
		out: out, thresholds: threshold.Defaults().Merge(cfg.Thresholds).Merge(threshold.Set(out.thresholds)),
		allowIncomplete: out.allowIncomplete || cfg.AllowIncomplete,
		killAfter:       firstPositive(*killAfterFlag, cfg.KillAfter, terminate.DefaultKillAfter)}
	return r.run(targets)
}

func runCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("runner run", stdout)
	name := fs.String("name", "", "")
	outDir := fs.String("out", "", "")
	timeout := fs.Duration("timeout", 0, "")
	killAfterFlag := fs.Duration("kill-after", 0, "")
	noPrebuild := fs.Bool("no-prebuild", false, "")
	var out outputFlags
	out.register(fs)
	var starts launchFlags
	starts.register(fs)
	if help, err := parseFlags(fs, args, stdout); help || err != nil {
		return err
	}
	if err := out.validate(); err != nil {
		return err
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return usageError("run needs a command: runner run [flags] -- CMD [ARGS...]")
	}
	if *timeout < 0 {
		return usageError("-timeout must not be negative, got %v", *timeout)
	}
	if err := checkKillAfter(fs, *killAfterFlag); err != nil {
		return err
	}
	if *name == "" {
		*name = filepath.Base(argv[0])
	}
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("get working directory: %w", err)
	}
	t := target{
		name:    *name,
		kind:    config.KindCommand,
		argv:    argv,
		dir:     cwd,
		timeout: *timeout,
		// A plain program has no integration to report benchmarks; it
		// is then measured whole, as one benchmark.
		wholeIfNoClient: true,
		deterministic:   true,
	}
	if !*noPrebuild {
		t.build = prebuild.Step(argv)
	}
	targets := []target{t}
	if err := starts.override(fs, targets); err != nil {
		return err
	}
	r := &runner{stdin: stdin, stdout: stdout, stderr: stderr, outRoot: config.DefaultOutputDir, outDir: *outDir,
		out: out, thresholds: threshold.Defaults().Merge(threshold.Set(out.thresholds)),
		allowIncomplete: out.allowIncomplete,
		killAfter:       firstPositive(*killAfterFlag, terminate.DefaultKillAfter)}
	return r.run(targets)
}

// checkKillAfter refuses a --kill-after that would let a command that
// ignores signals run forever, or kill it before it could stop.
func checkKillAfter(fs *flag.FlagSet, d time.Duration) error {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "kill-after" })
	if set && d <= 0 {
		return usageError("-kill-after must be positive, got %v", d)
	}
	return nil
}

// firstPositive returns the first of ds that is set: a flag, then the
// config, then the default.
func firstPositive(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

func relativeToCwd(path string) string {
	cwd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// target is what the runner needs of a benchmark target, whether it came
// from a config or from the command line.
type target struct {
	name    string
	kind    config.Kind
	argv    []string
	dir     string
	env     []string
	timeout time.Duration
	// wholeIfNoClient records the whole command as one benchmark when no
	// integration reported any.
	wholeIfNoClient bool
	// build is the command's build step, run first outside the probes,
	// or nil.
	build []string
	// deterministic starts the command with what makes its allocations
	// repeat (package determinism).
	deterministic bool
	// warmup is the MEMTALLY_WARMUP its integrations get; nil: none,
	// and each runs its own default.
	warmup *uint32
}
