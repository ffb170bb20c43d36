package server

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"memtally.dev/protocol"
	"memtally.dev/runner/internal/results"
)

// rawStart frames a start the codec refuses to encode.
func rawStart(t *testing.T, uri string) []byte {
	t.Helper()
	payload, err := msgpack.Marshal(map[string]string{"kind": "start", "uri": uri})
	if err != nil {
		t.Fatal(err)
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

func TestLongURI(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	p.request(hello())
	// Multi-byte characters across the cut: it must not split one.
	uri := "a.py::" + strings.Repeat("é", 3000)
	if _, err := p.ctl.Write(rawStart(t, uri)); err != nil {
		t.Fatal(err)
	}
	want := "uri of 6006 bytes exceeds the limit of 4096 bytes"
	if e, ok := p.reply().(protocol.Error); !ok || e.Reason != want {
		t.Fatalf("reply = %#v", e)
	}
	p.request(protocol.Start{URI: "a.py::next"})
	p.request(protocol.Stop{})
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != 2 || got[1].URI != "a.py::next" || got[1].Status != results.StatusOK {
		t.Fatalf("benchmarks = %+v", got)
	}
	b := got[0]
	if b.Status != results.StatusIncomplete || b.Reason != want {
		t.Errorf("refused benchmark: status %s, reason %q", b.Status, b.Reason)
	}
	if len(b.URI) > protocol.MaxURISize || !utf8.ValidString(b.URI) || !strings.HasSuffix(b.URI, "é…") || !strings.HasPrefix(uri, strings.TrimSuffix(b.URI, "…")) {
		t.Errorf("refused benchmark's uri is %d bytes, ends %q", len(b.URI), b.URI[len(b.URI)-8:])
	}
	if b.Timeline == nil || b.Allocators == nil {
		t.Errorf("refused benchmark has a null timeline or allocators: %+v", b.Memory)
	}
}

// Markers are bounded in a benchmark and, separately, outside them.
func TestMarkerLimit(t *testing.T) {
	srv, p, done, served, log := startServer(t)
	p.request(hello())
	send := func(n int) (acked int, refused []string) {
		for i := 0; i < n; i++ {
			switch r := p.request(protocol.Marker{Name: "m", Timestamp: uint64(i)}).(type) {
			case protocol.Ack:
				acked++
			case protocol.Error:
				refused = append(refused, r.Reason)
			}
		}
		return acked, refused
	}
	if acked, refused := send(150); acked != protocol.MaxMarkers || len(refused) != 50 || refused[0] != "too many markers: a client outside its benchmarks keeps at most 100" {
		t.Fatalf("outside benchmarks: %d acked, refused %d: %q", acked, len(refused), refused[:1])
	}
	p.request(protocol.Start{URI: "x"})
	if acked, refused := send(1000); acked != protocol.MaxMarkers || len(refused) != 900 || refused[0] != "too many markers: a benchmark keeps at most 100" {
		t.Fatalf("inside a benchmark: %d acked, refused %d: %q", acked, len(refused), refused[:1])
	}
	long := protocol.Marker{Name: strings.Repeat("n", protocol.MaxNameSize)}
	long.Name += "n"
	payload, _ := msgpack.Marshal(map[string]any{"kind": "marker", "name": long.Name, "timestamp": 1})
	p.ctl.Write(append(binary.LittleEndian.AppendUint32(nil, uint32(len(payload))), payload...))
	if e, ok := p.reply().(protocol.Error); !ok || e.Reason != "marker name of 257 bytes exceeds the limit of 256 bytes" {
		t.Fatalf("long marker name: %#v", e)
	}
	p.request(protocol.Stop{})
	close(done)
	<-served
	b := srv.Benchmarks()[0]
	if len(b.Markers) != protocol.MaxMarkers || b.Status != results.StatusIncomplete || b.Reason != "too many markers: a benchmark keeps at most 100" {
		t.Errorf("benchmark: %d markers, %s %q", len(b.Markers), b.Status, b.Reason)
	}
	if in := srv.Integrations(); len(in) != 1 || len(in[0].Markers) != protocol.MaxMarkers {
		t.Errorf("integrations = %+v", in)
	}
	// A thousand refusals are two lines of the log each time, not a thousand.
	if n := strings.Count(log.String(), "\n"); n != 5 {
		t.Errorf("log has %d lines:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), "the last message repeated 899 more times") {
		t.Errorf("log = %s", log.String())
	}
}

// A process that says hello again, whatever it says, keeps one record.
func TestOneRecordPerProcess(t *testing.T) {
	srv, p, done, served, _ := startServer(t)
	for i := 0; i < 50; i++ {
		h := hello()
		h.IntegrationVersion = strings.Repeat("v", i)
		p.request(h)
	}
	h := hello()
	h.Integration = strings.Repeat("i", protocol.MaxNameSize+1)
	payload, _ := msgpack.Marshal(map[string]any{"kind": "hello", "version": 1, "min_version": 1, "integration": h.Integration, "integration_version": "", "pid": h.PID})
	p.ctl.Write(append(binary.LittleEndian.AppendUint32(nil, uint32(len(payload))), payload...))
	if e, ok := p.reply().(protocol.Error); !ok || e.Reason != "integration of 257 bytes exceeds the limit of 256 bytes" {
		t.Fatalf("long integration name: %#v", e)
	}
	close(done)
	<-served
	if in := srv.Integrations(); len(in) != 1 || in[0].Version != strings.Repeat("v", 49) {
		t.Fatalf("integrations = %+v", in)
	}
}
