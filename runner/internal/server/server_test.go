package server

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"memtally.dev/protocol"
	"memtally.dev/runner/internal/fifo"
	"memtally.dev/runner/internal/results"
)

// peer plays an integration in the test process, writing frames directly.
type peer struct {
	t   *testing.T
	ctl *os.File
	ack *os.File
}

// syncLog is the server's log, read by the test while the server writes.
type syncLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func startServer(t *testing.T) (*Server, *peer, chan struct{}, chan struct{}, *syncLog) {
	return startServerWith(t, nil)
}

func startServerWith(t *testing.T, tracker Tracker) (*Server, *peer, chan struct{}, chan struct{}, *syncLog) {
	t.Helper()
	return startServerSweeping(t, tracker, nil)
}

// startServerSweeping starts a server whose final sweep ends once treeDone
// is closed and the control FIFO is read, when treeDone is not nil.
func startServerSweeping(t *testing.T, tracker Tracker, treeDone <-chan struct{}) (*Server, *peer, chan struct{}, chan struct{}, *syncLog) {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	fifos, err := fifo.Create()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fifos.Close() })
	ctl, err := os.OpenFile(fifos.CtlPath, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := os.OpenFile(fifos.AckPath, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close(); ack.Close() })
	log := &syncLog{}
	srv := New(fifos, "t", log, tracker)
	if treeDone != nil {
		srv.SweepUntil(treeDone)
	}
	commandDone := make(chan struct{})
	served := make(chan struct{})
	go func() {
		srv.Serve(commandDone)
		close(served)
	}()
	return srv, &peer{t: t, ctl: ctl, ack: ack}, commandDone, served, log
}

func (p *peer) send(m protocol.Message) {
	p.t.Helper()
	if err := protocol.WriteMessage(p.ctl, m); err != nil {
		p.t.Fatal(err)
	}
}

func (p *peer) request(m protocol.Message) protocol.Message {
	p.t.Helper()
	p.send(m)
	return p.reply()
}

func (p *peer) reply() protocol.Message {
	p.t.Helper()
	p.ack.SetReadDeadline(time.Now().Add(5 * time.Second))
	reply, err := protocol.ReadMessage(p.ack)
	if err != nil {
		p.t.Fatalf("read reply: %v", err)
	}
	return reply
}

func hello() protocol.Hello {
	return protocol.Hello{Version: 1, MinVersion: 1, Integration: "test", IntegrationVersion: "0", PID: uint32(os.Getpid())}
}

func TestHelloRequired(t *testing.T) {
	srv, p, done, served, log := startServer(t)
	reply := p.request(protocol.Start{URI: "a"})
	if e, ok := reply.(protocol.Error); !ok || e.Reason != "hello required before start" {
		t.Fatalf("reply = %#v", reply)
	}
	close(done)
	<-served
	if len(srv.Benchmarks()) != 0 {
		t.Errorf("recorded %v", srv.Benchmarks())
	}
	if !strings.Contains(log.String(), "hello required") {
		t.Errorf("log = %q", log.String())
	}
}

func TestWindowWithMarker(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	if w, ok := p.request(hello()).(protocol.Welcome); !ok || w.Version != 1 || w.Mode != "memory" {
		t.Fatalf("welcome = %#v", w)
	}
	for _, m := range []protocol.Message{protocol.Start{URI: "f.py::b"}, protocol.Marker{Name: "m", Timestamp: 7}, protocol.Stop{}} {
		if reply := p.request(m); reply.Kind() != protocol.KindAck {
			t.Fatalf("%s: reply = %#v", m.Kind(), reply)
		}
	}
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != 1 {
		t.Fatalf("benchmarks = %+v", got)
	}
	b := got[0]
	if b.URI != "f.py::b" || b.Target != "t" || b.PID != os.Getpid() || b.Status != results.StatusOK || b.StartNS == 0 || b.StopNS < b.StartNS {
		t.Errorf("benchmark = %+v", b)
	}
	if len(b.Markers) != 1 || b.Markers[0] != (results.Marker{Name: "m", TimestampNS: 7}) {
		t.Errorf("markers = %+v", b.Markers)
	}
	if in := srv.Integrations(); len(in) != 1 || in[0].Name != "test" || in[0].ProtocolVersion != 1 {
		t.Errorf("integrations = %+v", in)
	}
}

// A Stop written just before the command exits, without waiting for its
// ack, still closes the window normally.
func TestStopJustBeforeExit(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	p.request(hello())
	p.request(protocol.Start{URI: "x"})
	p.send(protocol.Stop{})
	close(done)
	<-served
	if got := srv.Benchmarks(); len(got) != 1 || got[0].Status != results.StatusOK {
		t.Fatalf("benchmarks = %+v", got)
	}
}

// When the command's tree is gone by the time it exits, the sweep ends as
// soon as the FIFO is read, but everything written before the exit is read:
// many windows whose frames wait unread in the FIFO all close normally.
func TestSweepEndsWithTree(t *testing.T) {
	treeDone := make(chan struct{})
	close(treeDone)
	srv, p, done, served, log := startServerSweeping(t, nil, treeDone)
	p.request(hello())
	const windows = 200
	for i := range windows {
		p.send(protocol.Start{URI: fmt.Sprintf("b%d", i)})
		p.send(protocol.Stop{})
	}
	close(done)
	select {
	case <-served:
	case <-time.After(time.Minute):
		t.Fatal("Serve still runs a minute after the command and its tree are gone")
	}
	got := srv.Benchmarks()
	if len(got) != windows {
		t.Fatalf("%d benchmarks recorded, want %d; log: %s", len(got), windows, log.String())
	}
	for i, b := range got {
		if b.URI != fmt.Sprintf("b%d", i) || b.Status != results.StatusOK {
			t.Errorf("benchmark %d = %+v", i, b)
		}
	}
}

// A window still open when the command exits is kept, incomplete.
func TestOpenWindowAtExit(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	p.request(hello())
	p.request(protocol.Start{URI: "x"})
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != 1 || got[0].Status != results.StatusIncomplete || got[0].Reason != "the benchmark command exited during the benchmark" {
		t.Fatalf("benchmarks = %+v", got)
	}
}

// Replies that a departed client never read must not reach the next one,
// and its open window is closed as incomplete.
func TestNextClientAfterExit(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	first := exec.Command("sleep", "30")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	h := hello()
	h.PID = uint32(first.Process.Pid)
	p.request(h)
	// The first client starts a benchmark and dies before reading the ack.
	p.send(protocol.Start{URI: "abandoned"})
	time.Sleep(50 * time.Millisecond)
	first.Process.Kill()
	first.Wait()
	// Give the runner time to notice the exit, as it has when the next
	// client is a new process.
	time.Sleep(100 * time.Millisecond)

	if reply := p.request(hello()); reply.Kind() != protocol.KindWelcome {
		t.Fatalf("reply to the new client's hello = %#v", reply)
	}
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != 1 || got[0].URI != "abandoned" || got[0].Reason != "client exited during benchmark" {
		t.Fatalf("benchmarks = %+v", got)
	}
}

func TestPauseResume(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	p.request(hello())
	if e, ok := p.request(protocol.Pause{}).(protocol.Error); !ok || e.Reason != "pause without start" {
		t.Fatalf("pause without start: %#v", e)
	}
	p.request(protocol.Start{URI: "x"})
	for _, m := range []protocol.Message{protocol.Pause{}, protocol.Resume{}, protocol.Pause{}} {
		if reply := p.request(m); reply.Kind() != protocol.KindAck {
			t.Fatalf("%s: %#v", m.Kind(), reply)
		}
	}
	if reply := p.request(protocol.Pause{}); reply.Kind() != protocol.KindError {
		t.Fatalf("second pause: %#v", reply)
	}
	if reply := p.request(protocol.Stop{}); reply.Kind() != protocol.KindAck {
		t.Fatalf("stop while paused: %#v", reply)
	}
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != 1 || got[0].Status != results.StatusIncomplete || got[0].Reason != `pause of "x", which is already paused` {
		t.Fatalf("benchmarks = %+v", got)
	}
}

func TestJSHeap(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	p.request(hello())
	heap := protocol.JSHeap{URI: "a.bench.ts::x", GCForced: 1, UsedBefore: 1000, UsedAfter: 900, Peak: 5000, RetainedAfter: 1100, GCCount: 1}
	if reply := p.request(heap); reply.Kind() != protocol.KindError {
		t.Fatalf("js_heap before any benchmark: %#v", reply)
	}
	p.request(protocol.Start{URI: "a.bench.ts::x"})
	p.request(protocol.Stop{})
	if reply := p.request(protocol.JSHeap{URI: "other"}); reply.Kind() != protocol.KindError {
		t.Fatalf("js_heap for another uri: %#v", reply)
	}
	if reply := p.request(heap); reply.Kind() != protocol.KindAck {
		t.Fatalf("js_heap: %#v", reply)
	}
	if reply := p.request(heap); reply.Kind() != protocol.KindError {
		t.Fatalf("second js_heap: %#v", reply)
	}
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != 1 || got[0].JSHeap == nil {
		t.Fatalf("benchmarks = %+v", got)
	}
	h := *got[0].JSHeap
	if !h.GCForced || h.DeltaBytes != -100 || h.PeakDeltaBytes != 4000 || h.RetainedBytes == nil || *h.RetainedBytes != 100 || h.GCCount != 1 {
		t.Fatalf("js_heap = %+v", h)
	}
}

// What a client sent reaches the runner's log escaped: a URI cannot clear
// the terminal or forge a line of its own.
func TestLogEscapesClientText(t *testing.T) {
	log := &syncLog{}
	srv := New(nil, "tar\x1bget", log, nil)
	srv.logf("start tracking %s: %v", "a.py::x\x1b[2J\rrunner: all ok\n", "busy")
	want := "runner: target tar\\x1bget: start tracking a.py::x\\x1b[2J\\rrunner: all ok\\n: busy\n"
	if got := log.String(); got != want {
		t.Errorf("log = %q, want %q", got, want)
	}
}
