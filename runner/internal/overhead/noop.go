package overhead

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"memtally.dev/runner/internal/allocsym"
)

// Probes are do-nothing programs attached to the allocators mapped into
// one process.
type Probes struct {
	objs  noopObjects
	links []link.Link
	// Binaries lists the files probed, as the process's mapping names
	// them.
	Binaries []string
	// Entries and Returns count the addresses probed.
	Entries, Returns int
}

// AttachNoop attaches the do-nothing programs to every allocator mapped
// into process pid, PID-scoped, where package capture attaches its own:
// one uprobe_multi link on the entries (allocsym's Probe.Entry, past an
// emulated prologue) and one uretprobe_multi link on the functions whose
// result is read (Probe.Func where Probe.Return), per binary. The process
// should be held stopped, as for capture's Follow, so that every
// allocation it makes runs under the probes. Like capture's, the probes
// stay on across an exec of a dynamic program, which maps the same libc.
func AttachNoop(pid int) (*Probes, error) {
	p, err := attachNoop(pid)
	if err != nil {
		return nil, fmt.Errorf("attach noop probes: %w", err)
	}
	return p, nil
}

func attachNoop(pid int) (*Probes, error) {
	p := &Probes{}
	if err := loadNoopObjects(&p.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("load programs: %+v", ve)
		}
		return nil, fmt.Errorf("load programs: %w", err)
	}
	paths, err := mappedFiles(pid)
	if err != nil {
		p.Close()
		return nil, err
	}
	for _, path := range paths {
		plan, err := allocsym.Discover(path)
		if errors.Is(err, allocsym.ErrNoAllocator) {
			// The shell, the program itself, the loader: capture
			// probes none of them for allocations either.
			continue
		}
		if err != nil {
			p.Close()
			return nil, err
		}
		if err := p.attach(pid, path, plan); err != nil {
			p.Close()
			return nil, err
		}
	}
	if len(p.Binaries) == 0 {
		p.Close()
		return nil, fmt.Errorf("no allocator mapped into process %d", pid)
	}
	return p, nil
}

// attach mirrors capture's attachPlan, minus the cookies, which the
// programs here do not read and which do not change what a trap costs.
func (p *Probes) attach(pid int, path string, plan allocsym.Plan) error {
	ex, err := link.OpenExecutable(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	var entries, returns []uint64
	for _, pr := range plan.Probes {
		entries = append(entries, pr.Entry)
		if pr.Return {
			returns = append(returns, pr.Func)
		}
	}
	l, err := ex.UprobeMulti(nil, p.objs.NoopEntry, &link.UprobeMultiOptions{Addresses: entries, PID: uint32(pid)})
	if err != nil {
		return fmt.Errorf("uprobe %s: %w", path, err)
	}
	p.links = append(p.links, l)
	if len(returns) > 0 {
		l, err := ex.UretprobeMulti(nil, p.objs.NoopReturn, &link.UprobeMultiOptions{Addresses: returns, PID: uint32(pid)})
		if err != nil {
			return fmt.Errorf("uretprobe %s: %w", path, err)
		}
		p.links = append(p.links, l)
	}
	p.Binaries = append(p.Binaries, path)
	p.Entries += len(entries)
	p.Returns += len(returns)
	return nil
}

// Runs returns how many times the entry and return programs ran. The
// kernel counts only while statistics are enabled (ebpf.EnableStats),
// which costs every BPF program two clock reads per run: enable them to
// check the probes, never while timing them.
func (p *Probes) Runs() (entry, ret uint64, err error) {
	e, err := p.objs.NoopEntry.Stats()
	if err != nil {
		return 0, 0, fmt.Errorf("read program stats: %w", err)
	}
	r, err := p.objs.NoopReturn.Stats()
	if err != nil {
		return 0, 0, fmt.Errorf("read program stats: %w", err)
	}
	return e.RunCount, r.RunCount, nil
}

// Close detaches the probes and frees the programs. Detaching a uprobe
// takes around a hundred milliseconds here, so call it outside anything
// timed.
func (p *Probes) Close() error {
	var errs []error
	for _, l := range p.links {
		errs = append(errs, l.Close())
	}
	p.links = nil
	errs = append(errs, p.objs.Close())
	return errors.Join(errs...)
}

// mappedFiles lists the distinct files mapped executable into process pid,
// reached through the process's own root, as capture finds them.
func mappedFiles(pid int) ([]string, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, fmt.Errorf("read mappings: %w", err)
	}
	defer f.Close()
	paths, err := parseMaps(bufio.NewScanner(f))
	if err != nil {
		return nil, fmt.Errorf("read mappings: %w", err)
	}
	for i, p := range paths {
		paths[i] = fmt.Sprintf("/proc/%d/root%s", pid, p)
	}
	return paths, nil
}

// parseMaps returns the paths of the distinct (by device and inode)
// file-backed executable mappings in a /proc/PID/maps listing.
func parseMaps(sc *bufio.Scanner) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || !strings.Contains(fields[1], "x") || !strings.HasPrefix(fields[5], "/") || fields[4] == "0" {
			continue
		}
		key := fields[3] + " " + fields[4]
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, strings.Join(fields[5:], " "))
	}
	return out, sc.Err()
}
