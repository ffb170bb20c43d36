package prebuild

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"memtally.dev/runner/internal/launch"
	"memtally.dev/runner/internal/stdio"
	"memtally.dev/runner/internal/terminate"
)

// cargoFlags are cargo's global flags that take no value.
var cargoFlags = map[string]bool{
	"-v": true, "-vv": true, "--verbose": true, "-q": true, "--quiet": true,
	"--locked": true, "--offline": true, "--frozen": true,
}

// cargoValueFlags are cargo's global options that take a value, as the next
// word or after '='.
var cargoValueFlags = map[string]bool{
	"--color": true, "--config": true, "-Z": true, "-C": true,
}

// Step returns the build step of the command argv, or nil when it has none
// that can be told from its words.
func Step(argv []string) []string {
	if len(argv) < 2 || filepath.Base(argv[0]) != "cargo" {
		return nil
	}
	i := 1
	if strings.HasPrefix(argv[i], "+") {
		i++ // a rustup toolchain
	}
	for ; i < len(argv); i++ {
		w := argv[i]
		if !strings.HasPrefix(w, "-") {
			break
		}
		name, _, withValue := strings.Cut(w, "=")
		switch {
		case cargoFlags[w]:
		case cargoValueFlags[name] && withValue:
		case cargoValueFlags[w]:
			i++
		case len(w) > 2 && (strings.HasPrefix(w, "-Z") || strings.HasPrefix(w, "-C")):
			// -Zflag, -Cdir: the value joined to the option.
		default:
			return nil
		}
	}
	if i >= len(argv) || argv[i] != "bench" {
		return nil
	}
	end := len(argv)
	for j := i + 1; j < len(argv); j++ {
		if argv[j] == "--" {
			end = j
			break
		}
		switch argv[j] {
		case "--no-run", "-h", "--help":
			return nil
		}
	}
	step := append([]string{}, argv[:end]...)
	return append(step, "--no-run")
}

// Spec says how to run a build step: where, with what environment, where
// its output goes, and how the runner's signals and the target's timeout
// stop it.
type Spec struct {
	Argv []string
	Dir  string
	Env  []string
	// Stdout and Stderr are the runner's; the step's output passes
	// through them as a command's does (stdio.Command).
	Stdout, Stderr io.Writer
	Stop           terminate.Options
}

// Result is how a build step ended.
type Result struct {
	// Err says why the step failed, naming it; nil when it succeeded.
	Err error
	// ExitCode is the runner's exit status for a failed step: the step's
	// own, 124 when it timed out, or 128+N when signal N killed it.
	ExitCode int
	// Outcome says whether a signal to the runner or the timeout stopped
	// the step.
	Outcome terminate.Outcome
	// Duration is how long the step ran.
	Duration time.Duration
}

// outputDrain bounds the wait, after the step exited, for its output to be
// passed on, when a process it left behind kept the pipe open.
const outputDrain = time.Second

// exitTimedOut is the exit status of a timed-out step, as timeout(1) uses it.
const exitTimedOut = 124

// Run runs the build step in a process group of its own, with no probes on
// it, and waits for the group to end. Its stdin is /dev/null: a build
// reads no input.
func Run(s Spec) Result {
	started := time.Now()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return Result{Err: fmt.Errorf("open %s: %w", os.DevNull, err), ExitCode: 1}
	}
	defer devNull.Close()
	output, err := stdio.Command(s.Stdout, s.Stderr)
	if err != nil {
		return Result{Err: fmt.Errorf("build step %s: %w", quote(s.Argv), err), ExitCode: 1}
	}
	// Everything the step wrote is passed on before the command starts.
	defer output.Wait(outputDrain)
	proc, err := launch.Start(launch.Spec{
		Argv: s.Argv, Dir: s.Dir, Env: s.Env,
		Stdin: devNull, Stdout: output.Stdout, Stderr: output.Stderr,
	})
	output.Started()
	if err != nil {
		return Result{Err: fmt.Errorf("build step %s: %w", quote(s.Argv), err), ExitCode: 127}
	}
	sup := terminate.Start(proc, s.Stop)
	sup.Until(proc.Done(), 0)
	o := sup.Stop()
	// Whatever the step left in its group goes with it: nothing it
	// started may run on into the measured command.
	proc.SignalGroup(syscall.SIGKILL)
	res := Result{Outcome: o, Duration: time.Since(started)}
	switch {
	case o.TimedOut:
		res.ExitCode = exitTimedOut
		res.Err = fmt.Errorf("build step %s timed out after %v", quote(s.Argv), s.Stop.Timeout)
	case o.Interrupted != 0:
		res.ExitCode = 128 + int(o.Interrupted)
		res.Err = fmt.Errorf("build step %s interrupted: %s", quote(s.Argv), proc.Describe())
	case proc.ExitCode() != 0:
		res.ExitCode = proc.ExitCode()
		res.Err = fmt.Errorf("build step %s failed: %s", quote(s.Argv), proc.Describe())
	}
	if note := o.KillNote(); note != "" && res.Err != nil {
		res.Err = fmt.Errorf("%w; %s", res.Err, note)
	}
	return res
}

// quote writes argv as the user would type it, for messages.
func quote(argv []string) string {
	words := make([]string, len(argv))
	for i, w := range argv {
		if w == "" || strings.ContainsAny(w, " \t\n'\"\\$`") {
			w = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		words[i] = w
	}
	return "`" + strings.Join(words, " ") + "`"
}
