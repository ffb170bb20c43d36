package protocol_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"memtally.dev/protocol"
)

func TestReadFrameCleanEOF(t *testing.T) {
	if _, err := protocol.ReadFrame(bytes.NewReader(nil)); err != io.EOF {
		t.Fatalf("ReadFrame(empty) error = %v, want io.EOF itself", err)
	}
}

func TestReadFrameSequence(t *testing.T) {
	var stream []byte
	msgs := []protocol.Message{protocol.Start{URI: "a"}, protocol.Marker{Name: "m", Timestamp: 9}, protocol.Stop{}}
	for _, m := range msgs {
		var err error
		if stream, err = protocol.AppendFrame(stream, m); err != nil {
			t.Fatal(err)
		}
	}
	r := bytes.NewReader(stream)
	for _, want := range msgs {
		got, err := protocol.ReadMessage(r)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("read %#v, want %#v", got, want)
		}
	}
	if _, err := protocol.ReadMessage(r); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

// guardReader serves a header and fails the test if anything reads past it.
type guardReader struct {
	t      *testing.T
	header []byte
}

func (g *guardReader) Read(p []byte) (int, error) {
	if len(g.header) == 0 {
		g.t.Fatal("the reader asked for payload bytes after an oversize header")
	}
	n := copy(p, g.header)
	g.header = g.header[n:]
	return n, nil
}

func TestReadFrameTooLargeReadsOnlyHeader(t *testing.T) {
	for _, size := range []uint32{protocol.MaxFrameSize + 1, 1 << 31, 1<<32 - 1} {
		r := &guardReader{t: t, header: binary.LittleEndian.AppendUint32(nil, size)}
		_, err := protocol.ReadFrame(r)
		if !errors.Is(err, protocol.ErrTooLarge) {
			t.Errorf("size %d: error %v, want ErrTooLarge", size, err)
		}
	}
}

func TestReadFrameMaxSize(t *testing.T) {
	frame := binary.LittleEndian.AppendUint32(nil, protocol.MaxFrameSize)
	frame = append(frame, make([]byte, protocol.MaxFrameSize)...)
	payload, err := protocol.ReadFrame(bytes.NewReader(frame))
	if err != nil {
		t.Fatalf("frame of exactly MaxFrameSize: %v", err)
	}
	if len(payload) != protocol.MaxFrameSize {
		t.Errorf("payload has %d bytes, want %d", len(payload), protocol.MaxFrameSize)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestReadFrameReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := protocol.ReadFrame(failingReader{boom})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v does not wrap the reader's", err)
	}
	if c := protocol.Category(err); c != "" {
		t.Errorf("reader failure has category %q, want none", c)
	}
	if err.Error() != "read frame: boom" {
		t.Errorf("error text %q", err)
	}
}

// countingWriter records every Write call.
type countingWriter struct {
	writes [][]byte
	short  bool
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, append([]byte(nil), p...))
	if w.short {
		return len(p) - 1, nil
	}
	return len(p), nil
}

func TestWriteMessageSingleWrite(t *testing.T) {
	var w countingWriter
	m := protocol.Hello{Version: 1, MinVersion: 1, Integration: "i", IntegrationVersion: "v", PID: 3}
	if err := protocol.WriteMessage(&w, m); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 1 {
		t.Fatalf("WriteMessage made %d writes, want 1", len(w.writes))
	}
	want, err := protocol.AppendFrame(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.writes[0], want) {
		t.Errorf("wrote % x, want % x", w.writes[0], want)
	}
	if got := binary.LittleEndian.Uint32(want); int(got) != len(want)-protocol.HeaderSize {
		t.Errorf("header says %d, payload has %d bytes", got, len(want)-protocol.HeaderSize)
	}
}

func TestWriteMessageShortWrite(t *testing.T) {
	w := countingWriter{short: true}
	if err := protocol.WriteMessage(&w, protocol.Stop{}); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("error %v, want io.ErrShortWrite", err)
	}
}

func TestWriteMessageRefusesInvalid(t *testing.T) {
	var w countingWriter
	if err := protocol.WriteMessage(&w, protocol.Start{}); err == nil {
		t.Fatal("WriteMessage sent a start without a uri")
	}
	if len(w.writes) != 0 {
		t.Errorf("WriteMessage wrote %d times for a refused message", len(w.writes))
	}
}

func TestAppendFrameKeepsDst(t *testing.T) {
	dst := []byte("prefix")
	out, err := protocol.AppendFrame(dst, protocol.Ack{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("prefix")) {
		t.Errorf("AppendFrame lost dst: % x", out)
	}
	m, err := protocol.ReadMessage(bytes.NewReader(out[len("prefix"):]))
	if err != nil || m != (protocol.Ack{}) {
		t.Errorf("frame after dst reads back as %#v, %v", m, err)
	}
}
