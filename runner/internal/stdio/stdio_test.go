package stdio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// readAll reads what is in r until every writer has closed it, or fails
// after a bound that only a hang reaches.
func readAll(t *testing.T, r *os.File) string {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(30 * time.Second))
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(data)
}

func TestStreamDiscardsOnceTheReaderIsGone(t *testing.T) {
	outR, outW := pipe(t)
	errR, errW := pipe(t)
	s := Open(outW, errW)
	if _, err := io.WriteString(s.Stdout, "before\n"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := io.ReadFull(outR, buf); err != nil || string(buf) != "before\n" {
		t.Fatalf("read %q, %v", buf, err)
	}
	outR.Close()
	for range 3 {
		n, err := io.WriteString(s.Stdout, "after\n")
		if n != 6 || err != nil {
			t.Fatalf("write after the reader left = %d, %v; want 6, nil", n, err)
		}
	}
	if !s.Stdout.Closed() || s.Stderr.Closed() {
		t.Errorf("closed: stdout %v, stderr %v", s.Stdout.Closed(), s.Stderr.Closed())
	}
	errW.Close()
	want := "runner: stdout was closed by its reader; what the runner and the benchmarks write there is discarded from now on\n"
	if got := readAll(t, errR); got != want {
		t.Errorf("stderr = %q, want it said once: %q", got, want)
	}
}

// Errors other than a gone reader are still errors.
func TestStreamReportsOtherErrors(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := &Stream{file: f, name: "stdout"}
	if _, err := s.Write([]byte("x")); err == nil || errors.Is(err, syscall.EPIPE) {
		t.Errorf("write to a read-only file = %v, want an error", err)
	}
}

// start runs a shell script, with args as $1..., given the output o
// prepares.
func start(t *testing.T, o *Output, script string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "sh"}, args...)...)
	cmd.Stdout, cmd.Stderr = o.Stdout, o.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err := cmd.Start()
	o.Started()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	return cmd
}

// A command writing to a stdout whose reader has gone is not killed by
// SIGPIPE: it runs to its end and exits 0, what it wrote before reaches
// the reader, and stderr says the rest was discarded.
func TestCommandOutlivesItsReader(t *testing.T) {
	outR, outW := pipe(t)
	errR, errW := pipe(t)
	s := Open(outW, errW)
	o, err := Command(s.Stdout, s.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.Stdout == File(s.Stdout) || o.Stderr == File(s.Stderr) {
		t.Fatal("the command got one of the runner's pipes itself")
	}
	gone := filepath.Join(t.TempDir(), "gone")
	cmd := start(t, o, `echo first; while [ ! -e "$1" ]; do sleep 0.01; done
i=0; while [ $i -lt 10000 ]; do echo line $i; i=$((i+1)); done`, gone)
	buf := make([]byte, 6)
	if _, err := io.ReadFull(outR, buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("read %q, %v", buf, err)
	}
	outR.Close()
	if err := os.WriteFile(gone, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the command did not run to its end: %v", err)
	}
	o.Wait(time.Minute)
	errW.Close()
	if got := readAll(t, errR); !strings.HasPrefix(got, "runner: stdout was closed by its reader") {
		t.Errorf("stderr = %q", got)
	}
}

// stdout and stderr on one pipe give the command one pipe for both, so
// that what it writes to each keeps its order.
func TestSharedPipeKeepsOrder(t *testing.T) {
	r, w := pipe(t)
	s := Open(w, w)
	o, err := Command(s.Stdout, s.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.Stdout != o.Stderr {
		t.Fatal("stdout and stderr of the command are different pipes")
	}
	cmd := start(t, o, `i=0; while [ $i -lt 200 ]; do echo out $i; echo err $i >&2; i=$((i+1)); done`)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	o.Wait(time.Minute)
	w.Close()
	var want strings.Builder
	for i := range 200 {
		want.WriteString(fmt.Sprintf("out %d\nerr %d\n", i, i))
	}
	if got := readAll(t, r); got != want.String() {
		t.Errorf("output out of order:\n%s", got)
	}
}

// A file (as a terminal would be) is given to the command as it is: the
// command writes there itself, and sees what it is.
func TestFilePassedThrough(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, errW := pipe(t)
	s := Open(f, errW)
	o, err := Command(s.Stdout, s.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.Stdout != f {
		t.Fatalf("the command's stdout is %T, want the file itself", o.Stdout)
	}
	cmd := start(t, o, `echo hello`)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	o.Wait(time.Minute)
	if data, _ := os.ReadFile(path); string(data) != "hello\n" {
		t.Errorf("file holds %q", data)
	}
}

// A process the command leaves behind, holding the pipe open, neither
// keeps Wait waiting once everything written is passed on, nor dies of
// SIGPIPE when it writes later.
func TestWaitWithProcessLeftBehind(t *testing.T) {
	r, w := pipe(t)
	_, errW := pipe(t)
	s := Open(w, errW)
	o, err := Command(s.Stdout, s.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := start(t, o, `(while [ ! -e "$1/later" ]; do sleep 0.01; done; echo late; touch "$1/wrote") &
echo done`, dir)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() {
		o.Wait(time.Hour)
		close(waited)
	}()
	select {
	case <-waited:
	case <-time.After(30 * time.Second):
		t.Fatal("Wait waits for the process left behind")
	}
	// Wait returned with the output already in the runner's pipe.
	r.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(r, buf); err != nil || string(buf) != "done\n" {
		t.Fatalf("read %q, %v", buf, err)
	}
	r.Close()
	if err := os.WriteFile(filepath.Join(dir, "later"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "wrote")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the process left behind did not get past its write")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Writers that are not Streams, as in tests of the command line, are given
// to the command as they are.
func TestOtherWritersUnchanged(t *testing.T) {
	var out, errOut strings.Builder
	o, err := Command(&out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if o.Stdout != io.Writer(&out) || o.Stderr != io.Writer(&errOut) {
		t.Errorf("writers changed: %T %T", o.Stdout, o.Stderr)
	}
}
