package server

import (
	"testing"

	"memtally.dev/protocol"
)

// Each window records the warm-up its start said ran before it: a count,
// zero for the cold first call, and nothing when the start did not say.
func TestStartWarmupRecorded(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	p.request(hello())
	starts := []protocol.Start{
		{URI: "a", Warmup: protocol.Warmup{Calls: 3, Known: true}},
		{URI: "b", Warmup: protocol.Warmup{Calls: 0, Known: true}},
		{URI: "c"},
		{URI: "d", Warmup: protocol.Warmup{Calls: 4294967295, Known: true}},
	}
	for _, s := range starts {
		for _, m := range []protocol.Message{s, protocol.Stop{}} {
			if reply := p.request(m); reply.Kind() != protocol.KindAck {
				t.Fatalf("%s %s: reply = %#v", s.URI, m.Kind(), reply)
			}
		}
	}
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != len(starts) {
		t.Fatalf("benchmarks = %+v", got)
	}
	for i, s := range starts {
		w := got[i].Warmup
		switch {
		case !s.Warmup.Known && w != nil:
			t.Errorf("%s: warmup = %d, want none", s.URI, *w)
		case s.Warmup.Known && (w == nil || *w != s.Warmup.Calls):
			t.Errorf("%s: warmup = %v, want %d", s.URI, w, s.Warmup.Calls)
		}
	}
}
