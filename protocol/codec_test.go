package protocol_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"memtally.dev/protocol"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMarshalBytes pins a few payloads by hand, independently of the vector
// generator, which uses this same encoder for its canonical vectors.
func TestMarshalBytes(t *testing.T) {
	tests := []struct {
		msg  protocol.Message
		want string
	}{
		{protocol.Stop{}, "81 a4 6b696e64 a4 73746f70"},
		{protocol.Pause{}, "81 a4 6b696e64 a5 7061757365"},
		{protocol.Resume{}, "81 a4 6b696e64 a6 726573756d65"},
		{protocol.Ack{}, "81 a4 6b696e64 a3 61636b"},
		{protocol.Start{URI: "a::b"}, "82 a4 6b696e64 a5 7374617274 a3 757269 a4 613a3a62"},
		{protocol.Welcome{Version: 1, Mode: "memory"}, "83 a4 6b696e64 a7 77656c636f6d65 a7 76657273696f6e 01 a4 6d6f6465 a6 6d656d6f7279"},
		{protocol.Error{Reason: ""}, "82 a4 6b696e64 a5 6572726f72 a6 726561736f6e a0"},
		{protocol.Marker{Name: "m", Timestamp: 1 << 32}, "83 a4 6b696e64 a6 6d61726b6572 a4 6e616d65 a1 6d a9 74696d657374616d70 cf 0000000100000000"},
		{protocol.Marker{Name: "m", Timestamp: 128}, "83 a4 6b696e64 a6 6d61726b6572 a4 6e616d65 a1 6d a9 74696d657374616d70 cc 80"},
		{
			protocol.Hello{Version: 1, MinVersion: 1, Integration: "x", IntegrationVersion: "", PID: 65536},
			"86 a4 6b696e64 a5 68656c6c6f a7 76657273696f6e 01 ab 6d696e5f76657273696f6e 01" +
				" ab 696e746567726174696f6e a1 78 b3 696e746567726174696f6e5f76657273696f6e a0 a3 706964 ce 00010000",
		},
	}
	for _, tt := range tests {
		got, err := protocol.Marshal(tt.msg)
		if err != nil {
			t.Errorf("Marshal(%#v): %v", tt.msg, err)
			continue
		}
		if want := mustHex(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("Marshal(%#v) = % x, want % x", tt.msg, got, want)
		}
	}
}

func TestMarshalStringForms(t *testing.T) {
	for _, tt := range []struct {
		n    int
		lead byte
	}{{31, 0xbf}, {32, 0xd9}, {255, 0xd9}, {256, 0xda}} {
		payload, err := protocol.Marshal(protocol.Error{Reason: strings.Repeat("r", tt.n)})
		if err != nil {
			t.Fatal(err)
		}
		// The reason's str header follows "kind", "error" and "reason".
		if got := payload[1+5+6+7]; got != tt.lead {
			t.Errorf("reason of %d bytes encoded with lead byte %#x, want %#x", tt.n, got, tt.lead)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	msgs := []protocol.Message{
		protocol.Hello{Version: 7, MinVersion: 2, Integration: "memtally-criterion", IntegrationVersion: "1.2.3", PID: 1 << 31},
		protocol.Welcome{Version: 1, Mode: protocol.ModeMemory},
		protocol.Start{URI: "benches/b.rs::g::f[1]"},
		protocol.Stop{},
		protocol.Pause{},
		protocol.Resume{},
		protocol.JSHeap{URI: "a::b", GCForced: 1, UsedBefore: 1, UsedAfter: 2, Peak: 1 << 40, RetainedAfter: 3, GCCount: 4},
		protocol.Ack{},
		protocol.Error{Reason: "nested start"},
		protocol.Marker{Name: "gc", Timestamp: 1<<64 - 1},
	}
	for _, m := range msgs {
		payload, err := protocol.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", m, err)
		}
		got, err := protocol.Unmarshal(payload)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(%#v)): %v", m, err)
		}
		if got != m {
			t.Errorf("round trip of %#v gave %#v", m, got)
		}
		if got.Kind() != m.Kind() {
			t.Errorf("Kind() = %q, want %q", got.Kind(), m.Kind())
		}
	}
}

func TestMarshalRefuses(t *testing.T) {
	tests := []struct {
		name     string
		msg      protocol.Message
		category string
	}{
		{"empty uri", protocol.Start{}, "malformed"},
		{"empty marker name", protocol.Marker{Timestamp: 1}, "malformed"},
		{"uri not UTF-8", protocol.Start{URI: "a\xffb"}, "malformed"},
		{"integration not UTF-8", protocol.Hello{Integration: "\xc0\xaf"}, "malformed"},
		{"reason not UTF-8", protocol.Error{Reason: "\xed\xa0\x80"}, "malformed"},
		{"payload over the limit", protocol.Error{Reason: strings.Repeat("r", protocol.MaxFrameSize)}, "too_large"},
		{"uri over its limit", protocol.Start{URI: strings.Repeat("u", protocol.MaxURISize+1)}, "too_large"},
		{"js_heap uri over its limit", protocol.JSHeap{URI: strings.Repeat("u", protocol.MaxURISize+1)}, "too_large"},
		{"marker name over its limit", protocol.Marker{Name: strings.Repeat("m", protocol.MaxNameSize+1)}, "too_large"},
		{"integration over its limit", protocol.Hello{Integration: strings.Repeat("i", protocol.MaxNameSize+1)}, "too_large"},
		{"integration version over its limit", protocol.Hello{IntegrationVersion: strings.Repeat("v", protocol.MaxNameSize+1)}, "too_large"},
		{"pointer", &protocol.Stop{}, "unknown_kind"},
		{"foreign type", foreign{}, "unknown_kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := protocol.Marshal(tt.msg)
			if err == nil {
				t.Fatalf("Marshal(%#v) = % x, want an error", tt.msg, b)
			}
			if got := protocol.Category(err); got != tt.category {
				t.Errorf("Marshal error %q has category %q, want %q", err, got, tt.category)
			}
			if _, err := protocol.AppendFrame(nil, tt.msg); err == nil {
				t.Errorf("AppendFrame accepted what Marshal refused")
			}
		})
	}
}

type foreign struct{}

func (foreign) Kind() protocol.Kind { return "foreign" }

func TestMarshalNil(t *testing.T) {
	if _, err := protocol.Marshal(nil); err == nil {
		t.Fatal("Marshal(nil) succeeded")
	}
}

func TestUnmarshalLimits(t *testing.T) {
	if _, err := protocol.Unmarshal(nil); !errors.Is(err, protocol.ErrMalformed) {
		t.Errorf("Unmarshal(nil) = %v, want ErrMalformed", err)
	}
	big := make([]byte, protocol.MaxFrameSize+1)
	if _, err := protocol.Unmarshal(big); !errors.Is(err, protocol.ErrTooLarge) {
		t.Errorf("Unmarshal of %d bytes = %v, want ErrTooLarge", len(big), err)
	}
}

// TestUnmarshalDoesNotAlias checks that decoded strings survive the reuse of
// the payload buffer, as a reader that recycles buffers would do.
func TestUnmarshalDoesNotAlias(t *testing.T) {
	payload, err := protocol.Marshal(protocol.Start{URI: "tests/t.py::test"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := protocol.Unmarshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	for i := range payload {
		payload[i] = 'X'
	}
	if got := m.(protocol.Start).URI; got != "tests/t.py::test" {
		t.Errorf("URI changed with the payload buffer: %q", got)
	}
}

func TestCategory(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{io.EOF, ""},
		{errors.New("other"), ""},
		{protocol.ErrTruncated, "truncated"},
		{protocol.ErrTooLarge, "too_large"},
		{protocol.ErrMalformed, "malformed"},
		{protocol.ErrUnknownKind, "unknown_kind"},
	}
	for _, tt := range tests {
		if got := protocol.Category(tt.err); got != tt.want {
			t.Errorf("Category(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestDecodeErrorText(t *testing.T) {
	payload := mustHex(t, "82 a4 6b696e64 a5 7374617274 a3 757269 a0")
	_, err := protocol.Unmarshal(payload)
	if err == nil || err.Error() != "decode start: uri is empty" {
		t.Errorf("error = %v, want %q", err, "decode start: uri is empty")
	}
}

// Strings exactly at their limits are sent: the limits are inclusive.
func TestMarshalAtLimits(t *testing.T) {
	for _, m := range []protocol.Message{
		protocol.Start{URI: strings.Repeat("u", protocol.MaxURISize)},
		protocol.JSHeap{URI: strings.Repeat("u", protocol.MaxURISize)},
		protocol.Marker{Name: strings.Repeat("m", protocol.MaxNameSize)},
		protocol.Hello{Integration: strings.Repeat("i", protocol.MaxNameSize), IntegrationVersion: strings.Repeat("v", protocol.MaxNameSize)},
	} {
		if _, err := protocol.Marshal(m); err != nil {
			t.Errorf("Marshal of a %s at its limits: %v", m.Kind(), err)
		}
	}
}
