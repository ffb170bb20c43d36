package overhead

import (
	"fmt"
	"os/exec"

	"golang.org/x/sys/unix"

	"memtally.dev/runner/internal/launch"
)

// Held returns a command that runs argv behind a shell which stops itself
// before exec'ing it: the runner's launch, which capture's Follow needs.
// Start it with StartHeld.
func Held(argv ...string) *exec.Cmd {
	return launch.HeldCommand(argv...)
}

// StartHeld starts cmd, made by Held, and returns once its shell has
// stopped, before argv has run. Attach, then Resume it. If StartHeld
// fails after starting the process, the process is killed.
func StartHeld(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start held: %w", err)
	}
	if err := launch.WaitStopped(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		return fmt.Errorf("start held: %w", err)
	}
	return nil
}

// Resume lets a held process go on.
func Resume(cmd *exec.Cmd) error {
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		return fmt.Errorf("resume %d: %w", cmd.Process.Pid, err)
	}
	return nil
}
