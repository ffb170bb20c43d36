package overhead

import (
	"errors"
	"fmt"
	"os/exec"

	"golang.org/x/sys/unix"
)

// Held returns a command that runs argv behind a shell which stops itself
// before exec'ing it: the runner's launch, which capture's Follow needs.
// Start it with StartHeld.
func Held(argv ...string) *exec.Cmd {
	return exec.Command("/bin/sh", append([]string{"-c", `kill -STOP $$; exec "$@"`, "sh"}, argv...)...)
}

// StartHeld starts cmd, made by Held, and returns once its shell has
// stopped, before argv has run. Attach, then Resume it. If StartHeld
// fails after starting the process, the process is killed.
func StartHeld(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start held: %w", err)
	}
	pid := cmd.Process.Pid
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, unix.WUNTRACED, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			_ = cmd.Process.Kill()
			return fmt.Errorf("start held: wait for the stop: %w", err)
		}
		if ws.Stopped() {
			return nil
		}
		// wait4 has reaped it, so cmd.Wait cannot: report it here.
		return fmt.Errorf("start held: the shell ended before stopping (%v)", ws)
	}
}

// Resume lets a held process go on.
func Resume(cmd *exec.Cmd) error {
	if err := unix.Kill(cmd.Process.Pid, unix.SIGCONT); err != nil {
		return fmt.Errorf("resume %d: %w", cmd.Process.Pid, err)
	}
	return nil
}
