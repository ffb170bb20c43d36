package capture

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestHandledNeedsLoader probes, with shared probes, a dynamic program
// whose loader's code is not in its mappings, as a process read in the
// middle of an exec has its new executable before its loader: an exec of
// that executable must still be held, or the libraries its loader maps
// would run unprobed. The same program with its loader mapped is handled.
func TestHandledNeedsLoader(t *testing.T) {
	bin := build(t, "noloader", "noloader.c", "-Wl,-z,now")
	var st unix.Stat_t
	if err := unix.Stat(bin, &st); err != nil {
		t.Fatal(err)
	}
	id := memtallyFileId{Dev: uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev)), Ino: st.Ino}
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			tr := newTracerWith(t, Options{SharedProbes: true})
			cmd := exec.Command(bin)
			if keep {
				cmd.Args = append(cmd.Args, "keep")
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			waitStopped(t, cmd.Process.Pid)
			pid := uint32(cmd.Process.Pid)
			maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
			if err != nil {
				t.Fatal(err)
			}
			if hasLoader := strings.Contains(string(maps), "ld-linux"); !hasLoader {
				t.Fatalf("the fixture unmapped all of its loader, not only its code:\n%s", maps)
			}
			if err := tr.objs.Tracked.Put(pid, uint8(1)); err != nil {
				t.Fatal(err)
			}
			if err := tr.attachAll(tr.process(pid)); err != nil {
				t.Fatal(err)
			}
			var v uint8
			handled := tr.objs.Handled.Lookup(&id, &v) == nil
			if handled != keep {
				t.Errorf("handled %v with the loader's code mapped %v\n%s", handled, keep, maps)
			}
		})
	}
}
