package cli

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"memtally.dev/runner/internal/cgroup"
	"memtally.dev/runner/internal/fifo"
	"memtally.dev/runner/internal/launch"
	"memtally.dev/runner/internal/supervise"
)

// NoCgroupVar, set to 1, makes the runner keep commands out of cgroups and
// rely on process groups, as it must where no writable cgroup2 hierarchy
// exists; the suite sets it to test that path on machines that have one.
const NoCgroupVar = "MEMTALLY_NO_CGROUP"

// leftoverTimeout bounds the wait for a finished target's leftover
// processes to die.
const leftoverTimeout = 10 * time.Second

// treeGuard makes sure no command outlives the run: each target's tree
// gets a cgroup, and a supervisor process cleans up if the runner dies.
type treeGuard struct {
	sup    *supervise.Supervisor
	stderr io.Writer
	seq    atomic.Int64
	// noCgroup is why trees go without a cgroup, once that is known.
	noCgroup error
}

func startTreeGuard(resultsDir string, stderr io.Writer) (*treeGuard, error) {
	// Swept, rather than removed by the supervisor alone: a supervisor
	// can die too, and the kernel drops a dead runner's lock either way.
	removed, err := fifo.Sweep(os.TempDir())
	if err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
	}
	for _, dir := range removed {
		fmt.Fprintf(stderr, "runner: removed %s, the FIFO directory of a runner that is gone\n", dir)
	}
	errOut, _ := stderr.(*os.File)
	sup, err := supervise.Start(os.Args[0], resultsDir, errOut)
	if err != nil {
		return nil, err
	}
	g := &treeGuard{sup: sup, stderr: stderr}
	if os.Getenv(NoCgroupVar) == "1" {
		g.disableCgroups(fmt.Errorf("%s=1", NoCgroupVar))
	}
	return g, nil
}

func (g *treeGuard) disableCgroups(why error) {
	g.noCgroup = why
	fmt.Fprintf(g.stderr, "runner: no cgroup for the benchmark commands (%v); should the runner die, its supervisor finds a command's processes through its process group and /proc instead\n", why)
}

func (g *treeGuard) close() error { return g.sup.Close() }

// guarded is one target's tree under guard.
type guarded struct {
	g  *treeGuard
	cg *cgroup.Group
	// dir is cg's directory, which the command is born in.
	dir *os.File
}

// prepare makes the next target's cgroup, unless trees go without one.
// The command is then started in it (born in it, which costs far less than
// a move) and put under guard with watch.
func (g *treeGuard) prepare() *guarded {
	t := &guarded{g: g}
	if g.noCgroup != nil {
		return t
	}
	cg, err := cgroup.New(fmt.Sprintf("memtally-%d-%d", os.Getpid(), g.seq.Add(1)))
	if err == nil {
		if t.dir, err = cg.Dir(); err != nil {
			cg.Remove(leftoverTimeout)
		}
	}
	if err != nil {
		g.disableCgroups(err)
		return t
	}
	t.cg = cg
	return t
}

// start starts the command of spec in t's cgroup, if any. Should the
// start fail there and succeed without it, the cgroup was to blame, and
// trees go without one from then on.
func (t *guarded) start(spec launch.Spec) (*launch.Process, error) {
	if t.dir == nil {
		return launch.Start(spec)
	}
	spec.Cgroup = t.dir
	proc, err := launch.Start(spec)
	if err == nil {
		return proc, nil
	}
	spec.Cgroup = nil
	again, againErr := launch.Start(spec)
	if againErr != nil {
		t.abandon()
		return nil, againErr
	}
	t.refused(err)
	return again, nil
}

// refused drops the cgroup the command could not be started in, for this
// target and the next: delegation rules can refuse it (EBUSY where the
// parent enables controllers, EACCES across owners), and the command then
// runs all the same, without one.
func (t *guarded) refused(err error) {
	path := t.cg.Path
	t.abandon()
	t.g.disableCgroups(fmt.Errorf("start in cgroup %s: %w", path, err))
}

// abandon removes the cgroup of a command that did not start.
func (t *guarded) abandon() {
	t.closeDir()
	if t.cg != nil {
		t.cg.Remove(leftoverTimeout)
		t.cg = nil
	}
}

func (t *guarded) closeDir() {
	if t.dir != nil {
		t.dir.Close()
		t.dir = nil
	}
}

// watch puts the held command pid, started in t's cgroup if any, with its
// FIFOs if any, under the supervisor's guard.
func (t *guarded) watch(pid int, fifos *fifo.Pair) error {
	t.closeDir()
	tree := supervise.Tree{PGID: pid}
	if fifos != nil {
		tree.FifoDir = fifos.Dir
	}
	if t.cg != nil {
		tree.Cgroup = t.cg.Path
	}
	if err := t.g.sup.Target(tree); err != nil {
		t.leave(io.Discard)
		return err
	}
	return nil
}

// leave ends the target's tree, as systemd ends a unit: whatever it left
// running is killed with its cgroup.
func (t *guarded) leave(stderr io.Writer) {
	t.closeDir()
	if t.cg != nil {
		if err := t.cg.Remove(leftoverTimeout); err != nil {
			fmt.Fprintf(stderr, "runner: %v\n", err)
		}
	}
	if err := t.g.sup.TargetDone(); err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
	}
}
