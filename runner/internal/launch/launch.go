// Package launch starts a benchmark command in a process group of its own,
// so that signals, timeouts and clean-up reach every process it spawns and
// never the runner itself.
package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/determinism"
)

// Spec describes a command to start.
type Spec struct {
	Argv   []string
	Dir    string
	Env    []string // the complete environment
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Held starts the command stopped, before it has run an instruction
	// of its own, so that probes can be attached first; Resume lets it
	// go. A shell that stops itself and then execs the command does it;
	// the command keeps the shell's pid.
	Held bool
	// NoASLR starts the command with address-space randomisation off
	// (determinism.WithoutASLR), the runner keeping its own.
	NoASLR bool
	// Namespace, when set, starts the command inside it: Run runs the
	// start on an OS thread of its own in the namespace
	// (privlibs.Namespace).
	Namespace interface {
		Run(start func() error) error
	}
	// Cgroup, when set, is a cgroup2 directory the command is born in
	// (cgroup.Group.Dir), so that none of its processes runs outside it.
	Cgroup *os.File
}

// HeldCommand returns a command that runs argv behind a shell which stops
// itself, and once resumed replaces itself with argv, arguments unchanged,
// under the same pid. Start it, then WaitStopped.
func HeldCommand(argv ...string) *exec.Cmd {
	return exec.Command("/bin/sh", append([]string{"-c", `kill -STOP $$; exec "$@"`, "sh"}, argv...)...)
}

// Process is a started command.
type Process struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
}

// Start starts the command. A program that cannot be found or executed is
// an error here, not an exit code.
func Start(s Spec) (*Process, error) {
	if len(s.Argv) == 0 {
		return nil, errors.New("start command: empty command")
	}
	cmd := exec.Command(s.Argv[0], s.Argv[1:]...)
	if s.Held {
		cmd = HeldCommand(s.Argv...)
	}
	cmd.Dir = s.Dir
	cmd.Env = s.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.Stdin, s.Stdout, s.Stderr
	// Setpgid puts the command and its children in a group we can signal
	// as one. No Pdeathsig: it fires when the starting OS thread exits, not
	// the runner, and Go may retire that thread at any time.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.Cgroup != nil {
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = int(s.Cgroup.Fd())
	}
	start := cmd.Start
	switch {
	case s.Namespace != nil && s.NoASLR:
		start = func() error {
			return s.Namespace.Run(func() error { return determinism.WithoutASLRHere(cmd.Start) })
		}
	case s.Namespace != nil:
		start = func() error { return s.Namespace.Run(cmd.Start) }
	case s.NoASLR:
		start = func() error { return determinism.WithoutASLR(cmd.Start) }
	}
	if err := start(); err != nil {
		return nil, fmt.Errorf("start command: %w", err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	if !s.Held {
		go p.wait()
		return p, nil
	}
	if err := WaitStopped(cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("start command: %w", err)
	}
	return p, nil
}

// WaitStopped waits until the held shell of a HeldCommand has stopped
// itself. Only a stop is consumed; the shell ending instead is an error,
// and then its exit status is gone for cmd.Wait.
func WaitStopped(pid int) error {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, unix.WUNTRACED, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("wait for the held command: %w", err)
		}
		if ws.Stopped() {
			return nil
		}
		return fmt.Errorf("the held command ended before it could be resumed (wait status %#x)", uint32(ws))
	}
}

// Resume lets a held command run.
func (p *Process) Resume() error {
	go p.wait()
	if err := unix.Kill(p.PID(), unix.SIGCONT); err != nil {
		return fmt.Errorf("resume command: %w", err)
	}
	return nil
}

func (p *Process) wait() {
	p.waitErr = p.cmd.Wait()
	close(p.done)
}

// PID is the process id of the command, which is also its process group id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed once the command has exited and its output is copied.
func (p *Process) Done() <-chan struct{} { return p.done }

// SignalGroup sends sig to every process in the command's group.
func (p *Process) SignalGroup(sig syscall.Signal) error {
	err := unix.Kill(-p.PID(), sig)
	if err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("signal process group %d: %w", p.PID(), err)
	}
	return nil
}

// ExitCode is the command's exit status in shell terms: the code it exited
// with, or 128 plus the signal that killed it. Call it after Done.
func (p *Process) ExitCode() int {
	state := p.cmd.ProcessState
	if state == nil {
		return 1
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return state.ExitCode()
}

// Describe says how the command ended, for messages.
func (p *Process) Describe() string {
	state := p.cmd.ProcessState
	if state == nil {
		return fmt.Sprintf("wait: %v", p.waitErr)
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by signal " + unix.SignalName(ws.Signal())
	}
	return fmt.Sprintf("exit status %d", state.ExitCode())
}

// Environ returns base with overrides applied: a later KEY=VALUE replaces an
// earlier one with the same key instead of leaving a duplicate whose winner
// depends on the C library.
func Environ(base []string, overrides ...[]string) []string {
	index := map[string]int{}
	var env []string
	add := func(kv string) {
		key := kv
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				key = kv[:i]
				break
			}
		}
		if i, ok := index[key]; ok {
			env[i] = kv
			return
		}
		index[key] = len(env)
		env = append(env, kv)
	}
	for _, kv := range base {
		add(kv)
	}
	for _, list := range overrides {
		for _, kv := range list {
			add(kv)
		}
	}
	return env
}
