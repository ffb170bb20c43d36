package server

import (
	"os"
	"testing"

	"memtally.dev/protocol"
	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/results"
)

// tree is a Tracker whose process tree is the test process alone.
type tree struct{}

func (tree) Begin(string, int) error       { return nil }
func (tree) Connected() error              { return nil }
func (tree) Pause() error                  { return nil }
func (tree) Resume() error                 { return nil }
func (tree) End() (capture.Metrics, error) { return capture.Metrics{}, nil }
func (tree) InTree(pid int) bool           { return pid == os.Getpid() }

// A hello naming a live process outside the command's tree is refused,
// and the real client connects after it.
func TestHelloOutsideTree(t *testing.T) {
	srv, p, done, served, log := startServerWith(t, tree{})
	forged := hello()
	forged.PID = 1
	want := "hello names pid 1, which is not a process of the benchmark command"
	if e, ok := p.request(forged).(protocol.Error); !ok || e.Reason != want {
		t.Fatalf("reply to a hello as pid 1: %#v", e)
	}
	if w, ok := p.request(hello()).(protocol.Welcome); !ok || w.Version != 1 {
		t.Fatalf("reply to the real hello: %#v", w)
	}
	// While the real client is connected, a forged hello is refused for
	// what it is, and leaves the session alone.
	if e, ok := p.request(forged).(protocol.Error); !ok || e.Reason != want {
		t.Fatalf("reply to a second hello as pid 1: %#v", e)
	}
	p.request(protocol.Start{URI: "x"})
	if r := p.request(protocol.Stop{}); r.Kind() != protocol.KindAck {
		t.Fatalf("stop: %#v", r)
	}
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != 1 || got[0].Status != results.StatusOK || got[0].PID != os.Getpid() {
		t.Fatalf("benchmarks = %+v", got)
	}
	if in := srv.Integrations(); len(in) != 1 || in[0].PID != os.Getpid() {
		t.Errorf("integrations = %+v", in)
	}
	if n := len(log.String()); n == 0 {
		t.Errorf("nothing logged")
	}
}
