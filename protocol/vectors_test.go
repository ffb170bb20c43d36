package protocol_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"memtally.dev/protocol"
	"memtally.dev/protocol/internal/vectors"
)

const vectorsPath = "vectors/vectors.json"

func loadVectors(t testing.TB) *vectors.File {
	t.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vectors.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestVectorsUpToDate(t *testing.T) {
	want, err := vectors.Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the generator produces; run `go generate ./...` in protocol/ and commit the result", vectorsPath)
	}
}

func TestVectorsHeader(t *testing.T) {
	f := loadVectors(t)
	if f.ProtocolVersion != protocol.Version || f.MaxFrameSize != protocol.MaxFrameSize {
		t.Errorf("file is for version %d with frames up to %d; the codec is version %d with %d",
			f.ProtocolVersion, f.MaxFrameSize, protocol.Version, protocol.MaxFrameSize)
	}
	seen := map[string]bool{}
	kinds := map[protocol.Kind]bool{}
	for _, v := range f.Valid {
		if seen[v.Name] {
			t.Errorf("duplicate vector name %q", v.Name)
		}
		seen[v.Name] = true
		if v.Canonical {
			kinds[v.Message.Kind()] = true
		}
	}
	for _, v := range f.Invalid {
		if seen[v.Name] {
			t.Errorf("duplicate vector name %q", v.Name)
		}
		seen[v.Name] = true
	}
	for _, k := range []protocol.Kind{protocol.KindHello, protocol.KindWelcome, protocol.KindStart, protocol.KindStop,
		protocol.KindAck, protocol.KindError, protocol.KindMarker, protocol.KindPause, protocol.KindResume, protocol.KindJSHeap} {
		if !kinds[k] {
			t.Errorf("no canonical vector for kind %q", k)
		}
	}
}

func frameBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readWithin reads one message from r, failing the test rather than hanging
// if the codec waits for input that will not come.
func readWithin(t *testing.T, r io.Reader) (protocol.Message, error) {
	t.Helper()
	type result struct {
		m   protocol.Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := protocol.ReadMessage(r)
		done <- result{m, err}
	}()
	select {
	case res := <-done:
		return res.m, res.err
	case <-time.After(5 * time.Second):
		t.Fatal("ReadMessage did not return")
		return nil, nil
	}
}

// openStream serves data and then blocks, as a FIFO whose writer stays open
// does: a reader that asks for more than the frame it was told about hangs.
func openStream(t *testing.T, data []byte) io.Reader {
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	go pw.Write(data)
	return pr
}

func TestValidVectors(t *testing.T) {
	for _, v := range loadVectors(t).Valid {
		t.Run(v.Name, func(t *testing.T) {
			frame := frameBytes(t, v.FrameHex)
			r := bytes.NewReader(frame)
			got, err := readWithin(t, r)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got != v.Message.Message {
				t.Errorf("decoded %#v, want %#v", got, v.Message.Message)
			}
			if r.Len() != 0 {
				t.Errorf("%d bytes left after the frame", r.Len())
			}
			if got, err := readWithin(t, openStream(t, frame)); err != nil || got != v.Message.Message {
				t.Errorf("from an open stream: %#v, %v", got, err)
			}
			enc, err := protocol.AppendFrame(nil, v.Message.Message)
			if err != nil && (v.Canonical || !errors.Is(err, protocol.ErrTooLarge)) {
				t.Fatalf("encode: %v", err)
			}
			if v.Canonical && !bytes.Equal(enc, frame) {
				t.Errorf("encodes to\n%x\nwant\n%x", enc, frame)
			}
			if !v.Canonical && bytes.Equal(enc, frame) {
				t.Errorf("marked non-canonical, but the encoder produces it")
			}
		})
	}
}

func TestInvalidVectors(t *testing.T) {
	for _, v := range loadVectors(t).Invalid {
		t.Run(v.Name, func(t *testing.T) {
			frame := frameBytes(t, v.FrameHex)
			m, err := readWithin(t, bytes.NewReader(frame))
			if err == nil {
				t.Fatalf("accepted as %#v, want a %s error", m, v.Category)
			}
			if got := protocol.Category(err); got != v.Category {
				t.Errorf("error %q has category %q, want %q", err, got, v.Category)
			}
			// Only a truncated input needs its end to be seen; every other
			// rejection must come from the bytes the header accounts for.
			if v.Category != "truncated" {
				_, err := readWithin(t, openStream(t, frame))
				if got := protocol.Category(err); got != v.Category {
					t.Errorf("from an open stream: error %v has category %q, want %q", err, got, v.Category)
				}
			}
		})
	}
}
