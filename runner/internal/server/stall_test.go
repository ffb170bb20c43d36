package server

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"memtally.dev/protocol"
	"memtally.dev/runner/internal/results"
)

// hangBound only catches hangs: what it bounds takes a second or two.
const hangBound = 20 * time.Second

func waitLog(t *testing.T, log *syncLog, text string) {
	t.Helper()
	deadline := time.Now().Add(hangBound)
	for !strings.Contains(log.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q:\n%s", text, log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func frames(t *testing.T, msgs ...protocol.Message) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = protocol.AppendFrame(b, m); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// A client that stops reading replies costs one reply's timeout: its open
// window is incomplete, what it queued is not served, and the next hello
// gets a session whose replies arrive.
func TestClientStopsReading(t *testing.T) {
	srv, p, done, served, log := startServer(t)
	p.request(hello())
	p.request(protocol.Start{URI: "deaf"})
	var flood []byte
	for i := 0; i < 4000; i++ {
		flood = append(flood, frames(t, protocol.Pause{}, protocol.Resume{})...)
	}
	flood = append(flood, frames(t, protocol.Stop{}, protocol.Start{URI: "queued"}, protocol.Stop{})...)
	p.ctl.SetWriteDeadline(time.Now().Add(hangBound))
	if _, err := p.ctl.Write(flood); err != nil {
		t.Fatal(err)
	}
	stalled := fmt.Sprintf("client pid %d stopped reading replies: the ack fifo stayed full for 1s", os.Getpid())
	waitLog(t, log, stalled)
	// The discard that follows ends within discardLimit.
	time.Sleep(2 * discardLimit)
	// The runner empties the ack FIFO when it takes the next hello, but
	// this peer could read a stale reply before that: it reads them all
	// first. Nothing new arrives meanwhile, since the runner is stalled.
	stale := make([]byte, 1<<16)
	for {
		p.ack.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := p.ack.Read(stale); err != nil {
			break
		}
	}
	if r := p.request(hello()); r != (protocol.Welcome{Version: 1, Mode: protocol.ModeMemory}) {
		t.Fatalf("reply to a new hello: %#v", r)
	}
	p.request(protocol.Start{URI: "after"})
	if r := p.request(protocol.Stop{}); r.Kind() != protocol.KindAck {
		t.Fatalf("stop: %#v", r)
	}
	close(done)
	<-served
	got := srv.Benchmarks()
	if len(got) != 2 || got[0].URI != "deaf" || got[0].Status != results.StatusIncomplete || got[0].Reason != stalled ||
		got[1].URI != "after" || got[1].Status != results.StatusOK {
		t.Fatalf("benchmarks = %+v", got)
	}
}

// A client that never stops writing cannot keep Serve from returning once
// the command is done.
func TestEndlessWriter(t *testing.T) {
	_, p, done, served, log := startServer(t)
	p.request(hello())
	p.request(protocol.Start{URI: "x"})
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		// A header announcing 4 GiB, over and over: framing is lost
		// for good.
		junk := bytes.Repeat([]byte{0xff}, 4096)
		for {
			select {
			case <-stop:
				return
			default:
			}
			p.ctl.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			p.ctl.Write(junk)
		}
	}()
	waitLog(t, log, "frame of 4294967295 bytes exceeds 65536")
	close(done)
	select {
	case <-served:
	case <-time.After(hangBound):
		t.Fatalf("Serve still running %v after the command ended:\n%s", hangBound, log.String())
	}
}
