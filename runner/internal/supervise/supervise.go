package supervise

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// Subcommand is the hidden first argument that makes the runner's
// executable act as the watcher.
const Subcommand = "__supervise"

// message is one line from the runner to the watcher.
type message struct {
	ResultsDir string `json:"results_dir,omitempty"`
	Target     *Tree  `json:"target,omitempty"`
	TargetDone bool   `json:"target_done,omitempty"`
	Exit       bool   `json:"exit,omitempty"`
}

// Tree is what the watcher must clean up if the runner dies during a
// target.
type Tree struct {
	// Cgroup is the directory of the tree's cgroup; empty when the tree
	// is found through its process group instead.
	Cgroup string `json:"cgroup,omitempty"`
	// PGID is the command's process group, which is also its pid.
	PGID int `json:"pgid"`
	// FifoDir is the target's FIFO directory, if it has one.
	FifoDir string `json:"fifo_dir,omitempty"`
}

// Supervisor is the runner's end of a started watcher.
type Supervisor struct {
	cmd *exec.Cmd
	w   *os.File
	enc *json.Encoder
}

// Start starts the watcher for a run writing its results in resultsDir.
// The watcher's messages go to stderr, if not nil. argv0 is the name the executable
// was started under, which a multi-command binary (the test binary of the
// runner's suite) needs to dispatch.
func Start(argv0, resultsDir string, stderr *os.File) (*Supervisor, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start supervisor: %w", err)
	}
	defer r.Close()
	ready, readyW, err := os.Pipe()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("start supervisor: %w", err)
	}
	defer ready.Close()
	cmd := &exec.Cmd{
		Path:   "/proc/self/exe",
		Args:   []string{argv0, Subcommand, strconv.Itoa(os.Getpid())},
		Stdin:  r,
		Stdout: readyW,
		// A session of its own: a signal to the runner's process group
		// or terminal does not reach the watcher.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if stderr != nil {
		cmd.Stderr = stderr
	}
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("start supervisor: %w", err)
	}
	s := &Supervisor{cmd: cmd, w: w, enc: json.NewEncoder(w)}
	// No command may start before the watcher watches.
	if _, err := io.ReadFull(ready, make([]byte, 1)); err != nil {
		s.Close()
		return nil, fmt.Errorf("start supervisor: it exited before it was ready")
	}
	if err := s.send(message{ResultsDir: resultsDir}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// send writes one message. The pipe never fills: a run sends a few lines
// per target, and the watcher reads them as they come.
func (s *Supervisor) send(m message) error {
	if err := s.enc.Encode(m); err != nil {
		return fmt.Errorf("tell supervisor: %w", err)
	}
	return nil
}

// Target hands the watcher the tree of a target about to run. Call it
// while the command is still held, before it can fork.
func (s *Supervisor) Target(t Tree) error { return s.send(message{Target: &t}) }

// TargetDone tells the watcher that the runner has cleaned up the target
// itself.
func (s *Supervisor) TargetDone() error { return s.send(message{TargetDone: true}) }

// Close tells the watcher that the run ended normally and waits for it
// to exit.
func (s *Supervisor) Close() error {
	err := s.send(message{Exit: true})
	err = errors.Join(err, s.w.Close())
	if werr := s.cmd.Wait(); werr != nil {
		err = errors.Join(err, fmt.Errorf("supervisor: %w", werr))
	}
	return err
}
