package terminate

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/monotime"
)

// DefaultKillAfter is how long a command has between the polite signal and
// SIGKILL unless the user says otherwise: systemd's default stop timeout
// is longer, but a benchmark has no state worth saving.
const DefaultKillAfter = 10 * time.Second

// Group is the process group of a running command.
type Group interface {
	// SignalGroup sends sig to every process of the group.
	SignalGroup(sig syscall.Signal) error
}

// Options say how to stop one target's command.
type Options struct {
	// Target names the target in messages.
	Target string
	// Signals delivers the SIGINT and SIGTERM the runner receives. One
	// that arrives while no Until runs waits in the channel.
	Signals <-chan os.Signal
	// Timeout stops the command with SIGTERM after this long, counted
	// from Start; zero means never.
	Timeout time.Duration
	// KillAfter is how long the group has after the first signal (or the
	// timeout's SIGTERM) before it gets SIGKILL. It must be positive.
	KillAfter time.Duration
	// Log receives a line for each step taken, for the user.
	Log io.Writer
}

// Kill says why the group got SIGKILL before the command had ended.
type Kill int

const (
	// NotKilled means the command ended without SIGKILL from the
	// supervisor.
	NotKilled Kill = iota
	// KilledAfterGrace means the command still ran KillAfter after the
	// polite signal.
	KilledAfterGrace
	// KilledAtSecondSignal means the runner received a second SIGINT or
	// SIGTERM.
	KilledAtSecondSignal
)

// Outcome is what happened while supervising.
type Outcome struct {
	// Interrupted is the first SIGINT or SIGTERM the runner received,
	// or 0.
	Interrupted syscall.Signal
	// InterruptedNS is when it arrived, in CLOCK_MONOTONIC nanoseconds.
	InterruptedNS uint64
	// TimedOut is set when the timeout expired before any signal came.
	TimedOut bool
	// Killed says whether and why the group got SIGKILL.
	Killed Kill
	// Second is the signal that killed the group, when Killed is
	// KilledAtSecondSignal.
	Second syscall.Signal
	// Polite is the signal that started the kill-after: the first
	// signal, or SIGTERM at the timeout; 0 when neither came.
	Polite syscall.Signal
	// KillAfter is the grace the command had.
	KillAfter time.Duration
}

// KillNote says why the group got SIGKILL, as text for a reason in the
// results, or "" when it did not.
func (o Outcome) KillNote() string {
	switch o.Killed {
	case KilledAfterGrace:
		return fmt.Sprintf("still running %v after %s, so killed with SIGKILL", o.KillAfter, unix.SignalName(o.Polite))
	case KilledAtSecondSignal:
		return fmt.Sprintf("killed with SIGKILL at a second %s", unix.SignalName(o.Second))
	}
	return ""
}

// Stopper watches one command from Start until Stop.
type Stopper struct {
	group Group
	opts  Options
	out   Outcome

	deadline <-chan time.Time
	timer    *time.Timer
	grace    <-chan time.Time
	kill     *time.Timer
}

// Start begins supervising a command that has just started: its timeout
// counts from now.
func Start(g Group, opts Options) *Stopper {
	s := &Stopper{group: g, opts: opts, out: Outcome{KillAfter: opts.KillAfter}}
	if opts.Timeout > 0 {
		s.timer = time.NewTimer(opts.Timeout)
		s.deadline = s.timer.C
	}
	return s
}

// Until applies the policy until done is closed, or until limit has passed
// when it is positive, and reports whether done was closed. A caller waits
// for the command first, then, if it likes, for what the command left
// behind: the timeout and the kill-after keep counting between the calls.
func (s *Stopper) Until(done <-chan struct{}, limit time.Duration) bool {
	var expired <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		expired = t.C
	}
	for {
		select {
		case <-done:
			return true
		case <-expired:
			return false
		case sig := <-s.opts.Signals:
			s.signalled(sig.(syscall.Signal))
		case <-s.deadline:
			s.deadline = nil
			s.out.TimedOut = true
			s.logf("target %s timed out after %v; stopping it", s.opts.Target, s.opts.Timeout)
			s.polite(syscall.SIGTERM)
		case <-s.grace:
			s.grace = nil
			s.logf("target %s still runs %v after %s; killing it with SIGKILL", s.opts.Target, s.opts.KillAfter, unix.SignalName(s.out.Polite))
			s.killGroup(KilledAfterGrace)
		}
	}
}

func (s *Stopper) signalled(sig syscall.Signal) {
	if s.out.Interrupted != 0 {
		// A second signal means the user is done waiting.
		if s.out.Killed == NotKilled {
			s.out.Second = sig
			s.logf("second %s; killing target %s with SIGKILL", unix.SignalName(sig), s.opts.Target)
		}
		s.killGroup(KilledAtSecondSignal)
		return
	}
	s.out.Interrupted = sig
	s.out.InterruptedNS = monotime.Now()
	// The timeout no longer matters: the command is being stopped.
	s.deadline = nil
	if s.out.Polite != 0 {
		// Already stopping after the timeout: the signal reaches the
		// command all the same, and the kill-after keeps counting.
		s.logf("%s: passing it on to target %s, already stopping; a second signal kills it at once", unix.SignalName(sig), s.opts.Target)
		s.send(sig)
		return
	}
	s.logf("%s: passing it on to target %s, which gets SIGKILL in %v or at a second signal", unix.SignalName(sig), s.opts.Target, s.opts.KillAfter)
	s.polite(sig)
}

// polite sends sig to the group and starts the kill-after.
func (s *Stopper) polite(sig syscall.Signal) {
	s.out.Polite = sig
	s.send(sig)
	s.kill = time.NewTimer(s.opts.KillAfter)
	s.grace = s.kill.C
}

func (s *Stopper) killGroup(why Kill) {
	if s.out.Killed == NotKilled {
		s.out.Killed = why
	}
	s.grace = nil
	s.send(syscall.SIGKILL)
}

func (s *Stopper) send(sig syscall.Signal) {
	if err := s.group.SignalGroup(sig); err != nil {
		s.logf("%v", err)
	}
}

// Outcome is what has happened so far.
func (s *Stopper) Outcome() Outcome { return s.out }

// Stop releases the timers and returns the outcome.
func (s *Stopper) Stop() Outcome {
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.kill != nil {
		s.kill.Stop()
	}
	s.deadline, s.grace = nil, nil
	return s.out
}

func (s *Stopper) logf(format string, args ...any) {
	if s.opts.Log != nil {
		fmt.Fprintf(s.opts.Log, "runner: "+format+"\n", args...)
	}
}
