package protocol_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"memtally.dev/protocol"
)

// FuzzReadMessage feeds arbitrary streams to ReadMessage. Whatever it accepts
// must re-encode canonically and decode to the same message, and be a single
// value that an independent msgpack implementation can also walk.
func FuzzReadMessage(f *testing.F) {
	vf := loadVectors(f)
	for _, v := range vf.Valid {
		b, err := hex.DecodeString(v.FrameHex)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, v := range vf.Invalid {
		b, err := hex.DecodeString(v.FrameHex)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := protocol.ReadMessage(bytes.NewReader(data))
		if err != nil {
			if len(data) == 0 && err == io.EOF {
				return
			}
			if protocol.Category(err) == "" {
				t.Fatalf("error %q has no category", err)
			}
			return
		}

		payload, err := protocol.Marshal(m)
		if errors.Is(err, protocol.ErrTooLarge) {
			// A string over a limit of the runner's: decoded, then
			// rejected by the runner, never sent by an encoder.
			return
		}
		if err != nil {
			t.Fatalf("accepted a %s message, which does not encode: %v", m.Kind(), err)
		}
		again, err := protocol.Unmarshal(payload)
		if err != nil {
			t.Fatalf("re-decoding %#v: %v", m, err)
		}
		if again != m {
			t.Fatalf("decoded %#v, re-decoded %#v", m, again)
		}
		if payload2, _ := protocol.Marshal(again); !bytes.Equal(payload, payload2) {
			t.Fatalf("encoding is not stable: % x then % x", payload, payload2)
		}

		size := binary.LittleEndian.Uint32(data)
		accepted := data[protocol.HeaderSize : protocol.HeaderSize+int(size)]
		r := bytes.NewReader(accepted)
		if err := msgpack.NewDecoder(r).Skip(); err != nil {
			t.Fatalf("accepted a payload the msgpack library cannot walk: %v", err)
		}
		if r.Len() != 0 {
			t.Fatalf("accepted a payload the msgpack library sees %d trailing bytes in", r.Len())
		}
	})
}
