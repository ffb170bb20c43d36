package supervise

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"memtally.dev/runner/internal/cgroup"
	"memtally.dev/runner/internal/journal"
	"memtally.dev/runner/internal/procstat"
)

const (
	// pollInterval is how often the watcher looks at the runner's state:
	// the delay between the runner's death and the first kill.
	pollInterval = 50 * time.Millisecond
	// killTimeout bounds the wait for a killed tree to be gone.
	killTimeout = 8 * time.Second
	// pfExiting is PF_EXITING in the flags of /proc/PID/stat.
	pfExiting = 0x4
)

// KilledReason is the reason a folded results.json gives.
const KilledReason = "the runner was killed before the run finished; results end with the last benchmark window it recorded"

// Main is the watcher: args are the runner's pid. It returns when the run
// ends normally, or once it has cleaned up after a dead runner.
func Main(args []string, stderr io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: runner " + Subcommand + " RUNNER_PID")
	}
	pid, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	// Nothing must stop the watcher before it has cleaned up: a closed
	// stderr is reported as an error, never a SIGPIPE death.
	signal.Ignore(syscall.SIGPIPE, syscall.SIGHUP)
	w, err := newWatcher(pid)
	if err != nil {
		return err
	}
	defer unix.Close(w.pidfd)
	// Tell Start that the runner is watched; stdout is for nothing else.
	if _, err := os.Stdout.Write([]byte{'\n'}); err != nil {
		return fmt.Errorf("supervise: signal ready: %w", err)
	}
	os.Stdout.Close()
	if err := unix.SetNonblock(0, true); err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	for {
		fds := []unix.PollFd{
			{Fd: 0, Events: unix.POLLIN},
			{Fd: int32(w.pidfd), Events: unix.POLLIN},
		}
		if _, err := unix.Poll(fds, int(pollInterval/time.Millisecond)); err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("supervise: poll: %w", err)
		}
		// Whatever the runner wrote before it died is in the pipe:
		// read it all before judging.
		eof, err := w.readMessages()
		if err != nil {
			fmt.Fprintf(stderr, "runner: supervisor: %v\n", err)
		}
		if w.exit {
			return nil
		}
		if eof || w.runnerGone() {
			return w.cleanUp()
		}
	}
}

type watcher struct {
	pid       int
	pidfd     int
	startTime string
	buf       []byte

	resultsDir string
	tree       *Tree
	treeStart  string // start time of the tree's first process
	exit       bool
}

func newWatcher(pid int) (*watcher, error) {
	if os.Getppid() != pid {
		return nil, fmt.Errorf("supervise: pid %d is not this process's parent", pid)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("supervise: open runner pidfd: %w", err)
	}
	st, err := procstat.Read(pid)
	if err != nil {
		unix.Close(pidfd)
		return nil, fmt.Errorf("supervise: %w", err)
	}
	return &watcher{pid: pid, pidfd: pidfd, startTime: st.StartTime}, nil
}

// readMessages applies every complete line waiting on stdin, and reports
// whether the runner's end is closed.
func (w *watcher) readMessages() (eof bool, err error) {
	chunk := make([]byte, 4096)
	for {
		n, rerr := unix.Read(0, chunk)
		if n > 0 {
			w.buf = append(w.buf, chunk[:n]...)
		}
		switch {
		case errors.Is(rerr, unix.EAGAIN):
			return false, w.applyLines()
		case errors.Is(rerr, unix.EINTR):
			continue
		case rerr != nil:
			return true, errors.Join(w.applyLines(), fmt.Errorf("read runner pipe: %w", rerr))
		case n == 0:
			return true, w.applyLines()
		}
	}
}

func (w *watcher) applyLines() error {
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return nil
		}
		var m message
		err := json.Unmarshal(w.buf[:i], &m)
		w.buf = w.buf[i+1:]
		if err != nil {
			return fmt.Errorf("read runner message: %w", err)
		}
		switch {
		case m.ResultsDir != "":
			w.resultsDir = m.ResultsDir
		case m.Target != nil:
			w.tree = m.Target
			w.treeStart = ""
			if st, err := procstat.Read(m.Target.PGID); err == nil {
				w.treeStart = st.StartTime
			}
		case m.TargetDone:
			w.tree = nil
		case m.Exit:
			w.exit = true
		}
	}
}

// runnerGone reports whether the runner has begun to exit. The pidfd is
// readable once it has exited; until then the pid is its own, and its
// flags say whether it is exiting.
func (w *watcher) runnerGone() bool {
	fds := []unix.PollFd{{Fd: int32(w.pidfd), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 0); err == nil && n > 0 {
		return true
	}
	st, err := procstat.Read(w.pid)
	if err != nil || st.StartTime != w.startTime {
		return true
	}
	return st.Flags&pfExiting != 0 || st.Dead()
}

// cleanUp does what the dead runner left undone: the tree first, since
// its held processes are frozen until then.
func (w *watcher) cleanUp() error {
	var errs []error
	// A command started but not yet reported, when the runner died in
	// between, is still the runner's child: until the slow end of its
	// exit, a dead process keeps its children. Any child but this
	// watcher is a command.
	for _, child := range w.commands() {
		if w.tree == nil || child.pid != w.tree.PGID {
			errs = append(errs, killTree(child.pid, child.startTime, killTimeout))
		}
	}
	if t := w.tree; t != nil {
		if t.Cgroup != "" {
			errs = append(errs, cgroup.Open(t.Cgroup).Remove(killTimeout))
		} else if w.treeStart != "" {
			errs = append(errs, killTree(t.PGID, w.treeStart, killTimeout))
		}
		if t.FifoDir != "" {
			if err := os.RemoveAll(t.FifoDir); err != nil {
				errs = append(errs, fmt.Errorf("remove fifo directory: %w", err))
			}
		}
	}
	if w.resultsDir != "" {
		if _, err := journal.Fold(w.resultsDir, KilledReason); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("supervisor: clean up after the runner: %w", err)
	}
	return nil
}

// commands lists the runner's children that lead a process group of their
// own, as the runner starts every command, other than this watcher.
func (w *watcher) commands() []member {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []member
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		st, err := procstat.Read(pid)
		if err == nil && st.PPID == w.pid && st.PGID == pid {
			out = append(out, member{pid: pid, startTime: st.StartTime})
		}
	}
	return out
}
