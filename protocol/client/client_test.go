package client_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/protocol"
	"memtally.dev/protocol/client"
)

// mkfifos makes the ctl and ack FIFOs in a private directory, as the runner does.
func mkfifos(t *testing.T) (ctl, ack string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ctl, ack = filepath.Join(dir, "ctl"), filepath.Join(dir, "ack")
	for _, p := range []string{ctl, ack} {
		if err := unix.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ctl, ack
}

// handler answers one request; ok=false sends no reply.
type handler func(m protocol.Message, err error) (reply protocol.Message, ok bool)

// runner is a tiny stand-in for the real one: it holds both FIFOs open
// read-write from the start, as SPEC.md requires, and answers each request.
type runner struct {
	ctl, ack *os.File
	mu       sync.Mutex
	got      []protocol.Message
	done     chan struct{}
}

// standard behaves like a well-behaved runner with no benchmarks to track.
func standard(m protocol.Message, err error) (protocol.Message, bool) {
	if err != nil {
		return protocol.Error{Reason: err.Error()}, true
	}
	switch m := m.(type) {
	case protocol.Hello:
		v, err := protocol.Negotiate(m)
		if err != nil {
			return protocol.Error{Reason: err.Error()}, true
		}
		return protocol.Welcome{Version: v, Mode: protocol.ModeMemory}, true
	case protocol.Start, protocol.Stop, protocol.Marker:
		return protocol.Ack{}, true
	}
	return protocol.Error{Reason: "unexpected " + string(m.Kind())}, true
}

func startRunner(t *testing.T, ctlPath, ackPath string, h handler) *runner {
	t.Helper()
	r := &runner{done: make(chan struct{})}
	var err error
	if r.ctl, err = os.OpenFile(ctlPath, os.O_RDWR, 0); err != nil {
		t.Fatal(err)
	}
	if r.ack, err = os.OpenFile(ackPath, os.O_RDWR, 0); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		for {
			m, err := protocol.ReadMessage(r.ctl)
			if err != nil && protocol.Category(err) == "" {
				return // closed by the test
			}
			r.mu.Lock()
			r.got = append(r.got, m)
			r.mu.Unlock()
			if reply, ok := h(m, err); ok {
				if err := protocol.WriteMessage(r.ack, reply); err != nil {
					return
				}
			}
		}
	}()
	t.Cleanup(r.stop)
	return r
}

// stop closes the runner's ends, as a runner that exits would.
func (r *runner) stop() {
	r.ctl.Close()
	r.ack.Close()
	<-r.done
}

func (r *runner) received() []protocol.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]protocol.Message(nil), r.got...)
}

var testHello = protocol.Hello{Version: 1, MinVersion: 1, Integration: "go-test", IntegrationVersion: "0.0.1", PID: 1234}

func dial(t *testing.T, ctl, ack string) *client.Client {
	t.Helper()
	c, err := client.Dial(ctl, ack, testHello)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// within fails the test if f has not returned after d.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still blocked after %v", d)
	}
}

func TestDialStartStop(t *testing.T) {
	ctl, ack := mkfifos(t)
	r := startRunner(t, ctl, ack, standard)
	c := dial(t, ctl, ack)
	if w := c.Welcome(); w != (protocol.Welcome{Version: 1, Mode: protocol.ModeMemory}) {
		t.Errorf("Welcome() = %#v", w)
	}
	if err := c.Start("tests/test_x.py::test_y[1]"); err != nil {
		t.Fatal(err)
	}
	if err := c.Marker("setup_done", 42); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	want := []protocol.Message{testHello, protocol.Start{URI: "tests/test_x.py::test_y[1]"},
		protocol.Marker{Name: "setup_done", Timestamp: 42}, protocol.Stop{}}
	got := r.received()
	if len(got) != len(want) {
		t.Fatalf("runner received %#v, want %#v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: %#v, want %#v", i, got[i], want[i])
		}
	}
}

func TestFromEnv(t *testing.T) {
	ctl, ack := mkfifos(t)
	r := startRunner(t, ctl, ack, standard)
	t.Setenv(protocol.EnvCtlFifo, ctl)
	t.Setenv(protocol.EnvAckFifo, ack)
	t.Setenv(protocol.EnvMode, protocol.ModeMemory)
	c, err := client.FromEnv("go-test", "9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := protocol.Hello{Version: protocol.Version, MinVersion: protocol.MinVersion,
		Integration: "go-test", IntegrationVersion: "9.9.9", PID: uint32(os.Getpid())}
	if got := r.received(); len(got) != 1 || got[0] != want {
		t.Errorf("runner received %#v, want %#v", got, want)
	}
}

func TestFromEnvWithoutRunner(t *testing.T) {
	t.Setenv(protocol.EnvCtlFifo, "")
	t.Setenv(protocol.EnvAckFifo, "")
	if _, err := client.FromEnv("go-test", "1"); !errors.Is(err, client.ErrNoRunner) {
		t.Fatalf("FromEnv without the environment: %v, want ErrNoRunner", err)
	}
}

// TestDialNobodyListening is the case of a leftover environment: the FIFOs
// exist but no runner holds them. Opening must fail at once with ENXIO.
func TestDialNobodyListening(t *testing.T) {
	ctl, ack := mkfifos(t)
	within(t, 2*time.Second, func() {
		_, err := client.Dial(ctl, ack, testHello)
		if !errors.Is(err, client.ErrNoRunner) {
			t.Errorf("Dial with nobody listening: %v, want ErrNoRunner", err)
		}
	})
}

func TestDialBadPaths(t *testing.T) {
	ctl, ack := mkfifos(t)
	startRunner(t, ctl, ack, standard)
	regular := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(regular, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tt := range []struct{ name, ctl, ack string }{
		{"missing ctl", missing, ack},
		{"missing ack", ctl, missing},
		{"regular ctl", regular, ack},
		{"regular ack", ctl, regular},
	} {
		_, err := client.Dial(tt.ctl, tt.ack, testHello)
		if err == nil {
			t.Errorf("%s: Dial succeeded", tt.name)
		} else if errors.Is(err, client.ErrNoRunner) {
			t.Errorf("%s: %v is ErrNoRunner, which would hide a broken setup", tt.name, err)
		}
	}
}

func TestDialRemoteError(t *testing.T) {
	ctl, ack := mkfifos(t)
	startRunner(t, ctl, ack, standard)
	_, err := client.Dial(ctl, ack, protocol.Hello{Version: 5, MinVersion: 4, Integration: "future", PID: 1})
	var re *client.RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("Dial with an unsupported version: %v, want a RemoteError", err)
	}
	if want := "unsupported protocol version: client speaks 4 to 5, runner speaks 1 to 1"; re.Reason != want {
		t.Errorf("reason %q, want %q", re.Reason, want)
	}
	if re.Error() != "runner: "+re.Reason {
		t.Errorf("Error() = %q", re.Error())
	}
}

func TestDialRefusesBadWelcome(t *testing.T) {
	for _, w := range []protocol.Welcome{{Version: 2, Mode: protocol.ModeMemory}, {Version: 1, Mode: "cpu"}} {
		ctl, ack := mkfifos(t)
		startRunner(t, ctl, ack, func(protocol.Message, error) (protocol.Message, bool) { return w, true })
		if c, err := client.Dial(ctl, ack, testHello); err == nil {
			c.Close()
			t.Errorf("Dial accepted %#v", w)
		}
	}
}

func TestRemoteErrorOnStart(t *testing.T) {
	ctl, ack := mkfifos(t)
	startRunner(t, ctl, ack, func(m protocol.Message, err error) (protocol.Message, bool) {
		if _, ok := m.(protocol.Start); ok {
			return protocol.Error{Reason: "benchmark already open"}, true
		}
		return standard(m, err)
	})
	c := dial(t, ctl, ack)
	err := c.Start("a")
	var re *client.RemoteError
	if !errors.As(err, &re) || re.Reason != "benchmark already open" {
		t.Fatalf("Start: %v, want the runner's error", err)
	}
	if err.Error() != "start: runner: benchmark already open" {
		t.Errorf("error text %q", err)
	}
}

// TestReplyTimeout also proves that read deadlines work on the ack FIFO.
func TestReplyTimeout(t *testing.T) {
	ctl, ack := mkfifos(t)
	startRunner(t, ctl, ack, func(m protocol.Message, err error) (protocol.Message, bool) {
		if _, ok := m.(protocol.Hello); ok {
			return standard(m, err)
		}
		return nil, false
	})
	c := dial(t, ctl, ack)
	c.SetTimeout(100 * time.Millisecond)
	began := time.Now()
	within(t, 3*time.Second, func() {
		if err := c.Start("a"); !errors.Is(err, client.ErrTimeout) {
			t.Errorf("Start with a silent runner: %v, want ErrTimeout", err)
		}
	})
	if waited := time.Since(began); waited < 100*time.Millisecond {
		t.Errorf("gave up after %v, before the timeout", waited)
	}
}

func TestRunnerGone(t *testing.T) {
	ctl, ack := mkfifos(t)
	r := startRunner(t, ctl, ack, standard)
	c := dial(t, ctl, ack)
	r.stop()
	within(t, 2*time.Second, func() {
		if err := c.Start("a"); err == nil || errors.Is(err, client.ErrTimeout) {
			t.Errorf("Start after the runner left: %v, want an immediate error", err)
		}
	})
}

func TestWriteRawAndReadReply(t *testing.T) {
	ctl, ack := mkfifos(t)
	startRunner(t, ctl, ack, standard)
	c := dial(t, ctl, ack)
	if err := c.WriteRaw([]byte{1, 0, 0, 0, 0xc1}); err != nil {
		t.Fatal(err)
	}
	reply, err := c.ReadReply()
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := reply.(protocol.Error); !ok || e.Reason != "decode message: reserved byte 0xc1 at offset 0" {
		t.Errorf("reply to garbage: %#v", reply)
	}
	reply, err = c.Request(protocol.Stop{})
	if err != nil || reply != (protocol.Ack{}) {
		t.Errorf("Request(Stop) = %#v, %v", reply, err)
	}
}

// TestLargeFrame sends a frame larger than the pipe's buffer, which the
// non-blocking ctl descriptor can only write in several pieces. Only an
// error's reason may be that long; no request a client sends may.
func TestLargeFrame(t *testing.T) {
	ctl, ack := mkfifos(t)
	r := startRunner(t, ctl, ack, standard)
	c := dial(t, ctl, ack)
	// The map, "kind", "error" and "reason" take 19 bytes, the str16 header 3.
	large := protocol.Error{Reason: strings.Repeat("r", protocol.MaxFrameSize-22)}
	if _, err := c.Request(large); err != nil {
		t.Fatal(err)
	}
	if got := r.received(); len(got) != 2 || got[1] != large {
		t.Errorf("runner did not receive the large frame intact")
	}
}

// A uri over the runner's limit never leaves the client.
func TestRequestRefusesLongURI(t *testing.T) {
	ctl, ack := mkfifos(t)
	r := startRunner(t, ctl, ack, standard)
	c := dial(t, ctl, ack)
	err := c.Start(strings.Repeat("u", protocol.MaxURISize+1))
	if want := "start: encode start: uri of 4097 bytes exceeds the limit of 4096 bytes"; err == nil || err.Error() != want {
		t.Fatalf("Start with a long uri: %v, want %q", err, want)
	}
	if n := len(r.received()); n != 1 {
		t.Errorf("runner received %d messages, want only the hello", n)
	}
}

func TestRequestRefusesInvalid(t *testing.T) {
	ctl, ack := mkfifos(t)
	r := startRunner(t, ctl, ack, standard)
	c := dial(t, ctl, ack)
	if err := c.Start(""); err == nil {
		t.Fatal("Start with an empty uri succeeded")
	}
	if n := len(r.received()); n != 1 {
		t.Errorf("runner received %d messages, want only the hello", n)
	}
}

func TestClose(t *testing.T) {
	ctl, ack := mkfifos(t)
	startRunner(t, ctl, ack, standard)
	c := dial(t, ctl, ack)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.Stop(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Stop after Close: %v, want os.ErrClosed", err)
	}
}
