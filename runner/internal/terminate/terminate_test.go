package terminate

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"memtally.dev/runner/internal/launch"
)

// start runs script under sh in a process group of its own and waits until
// it prints its first line, so that the traps it sets are in place.
func start(t *testing.T, script string) (*launch.Process, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p, err := launch.Start(launch.Spec{Argv: []string{"/bin/sh", "-c", script}, Stdout: w, Stderr: os.Stderr})
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.SignalGroup(syscall.SIGKILL)
		<-p.Done()
		r.Close()
	})
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("read the command's first line: %v", err)
	}
	return p, strings.TrimSpace(line)
}

// stubborn ignores SIGINT and SIGTERM, as do the children it leaves in its
// group; it prints their pids.
const stubborn = `trap '' INT TERM
sleep 3600 & a=$!
sleep 3600 & b=$!
echo $a $b
while :; do sleep 0.05; done`

func signals(sigs ...os.Signal) chan os.Signal {
	ch := make(chan os.Signal, 4)
	for _, s := range sigs {
		ch <- s
	}
	return ch
}

// gone requires every process of pids to have exited.
func gone(t *testing.T, pids string) {
	t.Helper()
	for _, f := range strings.Fields(pids) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			data, err := os.ReadFile("/proc/" + f + "/stat")
			if err != nil {
				break
			}
			state := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))[0]
			if state == "Z" || state == "X" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("process %d still alive (state %s)", pid, state)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestKillAfterIgnoredSignal(t *testing.T) {
	p, children := start(t, stubborn)
	s := Start(p, Options{Target: "t", Signals: signals(syscall.SIGTERM), KillAfter: 200 * time.Millisecond, Log: io.Discard})
	if !s.Until(p.Done(), 0) {
		t.Fatal("Until returned before the command ended, without a limit")
	}
	o := s.Stop()
	if o.Interrupted != syscall.SIGTERM || o.Polite != syscall.SIGTERM || o.Killed != KilledAfterGrace || o.TimedOut || o.InterruptedNS == 0 {
		t.Errorf("outcome = %+v", o)
	}
	if code := p.ExitCode(); code != 128+int(syscall.SIGKILL) {
		t.Errorf("exit code %d, want 137", code)
	}
	if got, want := o.KillNote(), "still running 200ms after SIGTERM, so killed with SIGKILL"; got != want {
		t.Errorf("KillNote = %q, want %q", got, want)
	}
	gone(t, children)
}

func TestSecondSignalKillsAtOnce(t *testing.T) {
	p, children := start(t, stubborn)
	// An hour of kill-after: only the second signal can end this.
	var log strings.Builder
	s := Start(p, Options{Target: "t", Signals: signals(syscall.SIGINT, syscall.SIGTERM), KillAfter: time.Hour, Log: &log})
	s.Until(p.Done(), 0)
	o := s.Stop()
	if o.Interrupted != syscall.SIGINT || o.Killed != KilledAtSecondSignal || o.Second != syscall.SIGTERM {
		t.Errorf("outcome = %+v", o)
	}
	if got, want := o.KillNote(), "killed with SIGKILL at a second SIGTERM"; got != want {
		t.Errorf("KillNote = %q, want %q", got, want)
	}
	want := "runner: SIGINT: passing it on to target t, which gets SIGKILL in 1h0m0s or at a second signal\n" +
		"runner: second SIGTERM; killing target t with SIGKILL\n"
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
	gone(t, children)
}

func TestForwardedSignalEndsCommand(t *testing.T) {
	p, _ := start(t, "echo ready; exec sleep 3600")
	s := Start(p, Options{Target: "t", Signals: signals(syscall.SIGINT), KillAfter: time.Hour, Log: io.Discard})
	s.Until(p.Done(), 0)
	o := s.Stop()
	if o.Interrupted != syscall.SIGINT || o.Killed != NotKilled || o.KillNote() != "" {
		t.Errorf("outcome = %+v", o)
	}
	if code := p.ExitCode(); code != 128+int(syscall.SIGINT) {
		t.Errorf("exit code %d, want 130", code)
	}
}

func TestTimeoutEscalates(t *testing.T) {
	p, children := start(t, stubborn)
	var log strings.Builder
	s := Start(p, Options{Target: "t", Signals: signals(), Timeout: 100 * time.Millisecond, KillAfter: 100 * time.Millisecond, Log: &log})
	s.Until(p.Done(), 0)
	o := s.Stop()
	if !o.TimedOut || o.Interrupted != 0 || o.Polite != syscall.SIGTERM || o.Killed != KilledAfterGrace {
		t.Errorf("outcome = %+v", o)
	}
	want := "runner: target t timed out after 100ms; stopping it\n" +
		"runner: target t still runs 100ms after SIGTERM; killing it with SIGKILL\n"
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
	gone(t, children)
}

// A signal after the timeout reaches the command, keeps the kill-after of
// the timeout running, and a further one kills at once.
func TestSignalAfterTimeout(t *testing.T) {
	p, _ := start(t, stubborn)
	sigs := signals()
	s := Start(p, Options{Target: "t", Signals: sigs, Timeout: 50 * time.Millisecond, KillAfter: time.Hour, Log: io.Discard})
	if s.Until(p.Done(), 300*time.Millisecond) {
		t.Fatal("the command ended before it was killed")
	}
	if o := s.Outcome(); !o.TimedOut || o.Killed != NotKilled {
		t.Fatalf("outcome after the timeout = %+v", o)
	}
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGINT
	s.Until(p.Done(), 0)
	o := s.Stop()
	if !o.TimedOut || o.Interrupted != syscall.SIGINT || o.Polite != syscall.SIGTERM || o.Killed != KilledAtSecondSignal {
		t.Errorf("outcome = %+v", o)
	}
}

// Until with a limit returns when it passes, and the kill-after keeps
// counting into the next call, as while the runner waits for the tree.
func TestKillAfterSpansCalls(t *testing.T) {
	p, _ := start(t, stubborn)
	s := Start(p, Options{Target: "t", Signals: signals(syscall.SIGTERM), KillAfter: 300 * time.Millisecond, Log: io.Discard})
	never := make(chan struct{})
	if s.Until(never, 50*time.Millisecond) {
		t.Fatal("Until reported a channel that never closes as closed")
	}
	if o := s.Outcome(); o.Interrupted != syscall.SIGTERM || o.Killed != NotKilled {
		t.Fatalf("outcome = %+v", o)
	}
	s.Until(p.Done(), 0)
	if o := s.Stop(); o.Killed != KilledAfterGrace {
		t.Errorf("outcome = %+v", o)
	}
}
