package overhead

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

func TestParseNsPerPair(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want float64
		ok   bool
	}{
		{"13.2\n", 13.2, true},
		{"  3192.5 \n", 3192.5, true},
		{"", 0, false},
		{"nan\n", 0, false},
		{"inf\n", 0, false},
		{"0.0\n", 0, false},
		{"12.0\n13.0\n", 0, false},
	} {
		got, err := ParseNsPerPair([]byte(tc.out))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseNsPerPair(%q) = %v, %v; want %v, ok %v", tc.out, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseMaps(t *testing.T) {
	const maps = `55d0c0a00000-55d0c0a04000 r--p 00000000 fe:01 1311 /usr/bin/dash
55d0c0a04000-55d0c0a18000 r-xp 00004000 fe:01 1311 /usr/bin/dash
7f1e2c028000-7f1e2c17d000 r-xp 00028000 fe:01 2623 /usr/lib/x86_64-linux-gnu/libc.so.6
7f1e2c200000-7f1e2c201000 r-xp 00001000 fe:01 2623 /usr/lib/x86_64-linux-gnu/libc.so.6
7f1e2c1d4000-7f1e2c1d8000 rw-p 00000000 00:00 0 
7f1e2c1e0000-7f1e2c1e2000 r-xp 00000000 00:00 0                          [vdso]
7f1e2c1f0000-7f1e2c1f1000 r-xp 00000000 fe:01 77 /tmp/a dir/lib x.so
`
	got, err := parseMaps(bufio.NewScanner(strings.NewReader(maps)))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/bin/dash", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/tmp/a dir/lib x.so"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("parseMaps = %q, want %q", got, want)
	}
}

func TestParseStatus(t *testing.T) {
	const status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nRssAnon:\t   512 kB\nRssFile:\t 512 kB\n"
	m, err := parseStatus(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	if m.HWM != 2048<<10 || m.RSS != 1024<<10 || m.RSSAnon != 512<<10 {
		t.Errorf("parseStatus = %+v", m)
	}
	if _, err := parseStatus(strings.NewReader("VmHWM:\t1 kB\nVmRSS:\t1 kB\n")); err == nil {
		t.Error("parseStatus accepted a status without RssAnon")
	}
	if _, err := parseStatus(strings.NewReader("VmHWM:\t1 MB\nVmRSS:\t1 kB\nRssAnon:\t1 kB\n")); err == nil {
		t.Error("parseStatus accepted a size not in kB")
	}
}

func TestParseSmapsBPF(t *testing.T) {
	const smaps = `7f0000000000-7f0008002000 r--s 00000000 00:0f 1057 anon_inode:bpf-map
Size:             131080 kB
Rss:              131076 kB
VmFlags: rd sh mr mw me ms
7f0010000000-7f0010001000 rw-p 00000000 00:00 0
Size:                  4 kB
Rss:                   4 kB
7f0020000000-7f0020002000 r--s 00000000 00:0f 1058 anon_inode:bpf-map
Rss:                   8 kB
`
	got, err := parseSmapsBPF(strings.NewReader(smaps))
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(131076+8) << 10; got != want {
		t.Errorf("parseSmapsBPF = %d, want %d", got, want)
	}
}

func TestReadMemory(t *testing.T) {
	if err := ResetPeak(); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMemory()
	if err != nil {
		t.Fatal(err)
	}
	if m.HeapInuse == 0 || m.RSSAnon == 0 || m.RSS < m.RSSAnon || m.HWM == 0 {
		t.Errorf("ReadMemory = %+v", m)
	}
}

// TestStartHeld checks that a held command is stopped before it runs, and
// runs once resumed.
func TestStartHeld(t *testing.T) {
	cmd := Held("/bin/sh", "-c", "exit 7")
	if err := StartHeld(cmd); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ...: the state follows the last parenthesis.
	if f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(f) == 0 || f[0] != "T" {
		t.Fatalf("held process state %q, want T (stopped)", f)
	}
	if err := Resume(cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != 7 {
		t.Fatalf("resumed command: %v, want exit status 7", err)
	}
}

// TestAttachNoop attaches the do-nothing probes to a held loop of 1000
// pairs and checks, through the kernel's program statistics, that they
// ran at every malloc and free entry and every malloc return.
func TestAttachNoop(t *testing.T) {
	requireBPF(t)
	const pairs = 1000
	bin := build(t, "pairs.c")
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		bpfUnavailable(t, err)
	}
	defer stats.Close()
	cmd := Held(bin, strconv.Itoa(pairs))
	if err := StartHeld(cmd); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	p, err := AttachNoop(cmd.Process.Pid)
	if err != nil {
		bpfUnavailable(t, err)
	}
	defer p.Close()
	libc := false
	for _, b := range p.Binaries {
		libc = libc || strings.Contains(b, "/libc.so")
	}
	if !libc || p.Entries == 0 || p.Returns == 0 || p.Returns > p.Entries {
		t.Fatalf("probed %q, %d entries and %d returns; want libc, with fewer returns than entries", p.Binaries, p.Entries, p.Returns)
	}
	if err := Resume(cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	entry, ret, err := p.Runs()
	if err != nil {
		t.Fatal(err)
	}
	// The shell and the loader allocate a little more before the loop.
	if entry < 2*pairs || ret < pairs {
		t.Errorf("entry program ran %d times and return program %d; want at least %d and %d", entry, ret, 2*pairs, pairs)
	}
}
