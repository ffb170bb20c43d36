package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"memtally.dev/protocol"
)

// File is the layout of vectors.json, described in SPEC.md.
type File struct {
	ProtocolVersion int       `json:"protocol_version"`
	MaxFrameSize    int       `json:"max_frame_size"`
	Valid           []Valid   `json:"valid"`
	Invalid         []Invalid `json:"invalid"`
}

// Valid is a frame that decodes to Message. When Canonical is set, encoding
// Message must give exactly the frame's bytes.
type Valid struct {
	Name      string  `json:"name"`
	FrameHex  string  `json:"frame_hex"`
	Message   Message `json:"message"`
	Canonical bool    `json:"canonical"`
}

// Invalid is an input that reading one message must reject with an error of
// Category ("truncated", "too_large", "malformed" or "unknown_kind").
type Invalid struct {
	Name     string `json:"name"`
	FrameHex string `json:"frame_hex"`
	Category string `json:"category"`
}

// Parse reads a vectors.json file.
func Parse(data []byte) (*File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse vectors: %w", err)
	}
	return &f, nil
}

// Encode renders f the way the checked-in file is written.
func Encode(f *File) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Keep URIs such as "a<b>" readable for people diffing the file.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encode vectors: %w", err)
	}
	return buf.Bytes(), nil
}

// Message is a protocol message in the vectors' JSON form: an object with the
// same keys as the msgpack map, "kind" first, integers as JSON numbers.
type Message struct {
	protocol.Message
}

type pair struct {
	key   string
	value any
}

func pairsOf(m protocol.Message) ([]pair, error) {
	kind := pair{"kind", string(m.Kind())}
	switch m := m.(type) {
	case protocol.Hello:
		return []pair{kind, {"version", m.Version}, {"min_version", m.MinVersion},
			{"integration", m.Integration}, {"integration_version", m.IntegrationVersion}, {"pid", m.PID}}, nil
	case protocol.Welcome:
		return []pair{kind, {"version", m.Version}, {"mode", m.Mode}}, nil
	case protocol.Start:
		if m.Warmup.Known {
			return []pair{kind, {"uri", m.URI}, {"warmup", m.Warmup.Calls}}, nil
		}
		return []pair{kind, {"uri", m.URI}}, nil
	case protocol.Stop, protocol.Pause, protocol.Resume, protocol.Ack:
		return []pair{kind}, nil
	case protocol.Error:
		return []pair{kind, {"reason", m.Reason}}, nil
	case protocol.Marker:
		return []pair{kind, {"name", m.Name}, {"timestamp", m.Timestamp}}, nil
	case protocol.JSHeap:
		return []pair{kind, {"uri", m.URI}, {"gc_forced", m.GCForced}, {"used_before", m.UsedBefore},
			{"used_after", m.UsedAfter}, {"peak", m.Peak}, {"retained_after", m.RetainedAfter}, {"gc_count", m.GCCount}}, nil
	}
	return nil, fmt.Errorf("unsupported message type %T", m)
}

// MarshalJSON writes the keys in canonical order, which encoding/json would
// sort alphabetically if given a map.
func (m Message) MarshalJSON() ([]byte, error) {
	pairs, err := pairsOf(m.Message)
	if err != nil {
		return nil, fmt.Errorf("marshal message: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, err := json.Marshal(p.key)
		if err != nil {
			return nil, fmt.Errorf("marshal message: %w", err)
		}
		value, err := json.Marshal(p.value)
		if err != nil {
			return nil, fmt.Errorf("marshal message: %w", err)
		}
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON is strict like the msgpack decoder, minus forward
// compatibility: a vector naming a field the message lacks is a broken vector.
func (m *Message) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return fmt.Errorf("unmarshal message: %w", err)
	}
	o := object{fields: obj, used: map[string]bool{}}
	switch kind := protocol.Kind(o.str("kind")); kind {
	case protocol.KindHello:
		m.Message = protocol.Hello{
			Version:            o.uint32("version"),
			MinVersion:         o.uint32("min_version"),
			Integration:        o.str("integration"),
			IntegrationVersion: o.str("integration_version"),
			PID:                o.uint32("pid"),
		}
	case protocol.KindWelcome:
		m.Message = protocol.Welcome{Version: o.uint32("version"), Mode: o.str("mode")}
	case protocol.KindStart:
		start := protocol.Start{URI: o.str("uri")}
		if _, ok := obj["warmup"]; ok {
			start.Warmup = protocol.Warmup{Calls: o.uint32("warmup"), Known: true}
		}
		m.Message = start
	case protocol.KindStop:
		m.Message = protocol.Stop{}
	case protocol.KindPause:
		m.Message = protocol.Pause{}
	case protocol.KindResume:
		m.Message = protocol.Resume{}
	case protocol.KindAck:
		m.Message = protocol.Ack{}
	case protocol.KindError:
		m.Message = protocol.Error{Reason: o.str("reason")}
	case protocol.KindMarker:
		m.Message = protocol.Marker{Name: o.str("name"), Timestamp: o.uint("timestamp", math.MaxUint64)}
	case protocol.KindJSHeap:
		m.Message = protocol.JSHeap{
			URI:           o.str("uri"),
			GCForced:      o.uint32("gc_forced"),
			UsedBefore:    o.uint("used_before", math.MaxUint64),
			UsedAfter:     o.uint("used_after", math.MaxUint64),
			Peak:          o.uint("peak", math.MaxUint64),
			RetainedAfter: o.uint("retained_after", math.MaxUint64),
			GCCount:       o.uint32("gc_count"),
		}
	default:
		if o.err == nil {
			o.err = fmt.Errorf("unknown kind %q", kind)
		}
	}
	for key := range obj {
		if !o.used[key] && o.err == nil {
			o.err = fmt.Errorf("unexpected key %q", key)
		}
	}
	if o.err != nil {
		return fmt.Errorf("unmarshal message: %w", o.err)
	}
	return nil
}

// object reads typed fields from a decoded JSON object, keeping the first error.
type object struct {
	fields map[string]any
	used   map[string]bool
	err    error
}

func (o *object) get(key string) any {
	v, ok := o.fields[key]
	if !ok && o.err == nil {
		o.err = fmt.Errorf("missing %s", key)
	}
	o.used[key] = true
	return v
}

func (o *object) str(key string) string {
	v := o.get(key)
	s, ok := v.(string)
	if !ok && o.err == nil {
		o.err = fmt.Errorf("%s is %T, want string", key, v)
	}
	return s
}

func (o *object) uint(key string, max uint64) uint64 {
	v := o.get(key)
	num, ok := v.(json.Number)
	if !ok {
		if o.err == nil {
			o.err = fmt.Errorf("%s is %T, want number", key, v)
		}
		return 0
	}
	n, err := strconv.ParseUint(num.String(), 10, 64)
	if (err != nil || n > max) && o.err == nil {
		o.err = fmt.Errorf("%s is %s, want an integer in 0..%d", key, num, max)
	}
	return n
}

func (o *object) uint32(key string) uint32 {
	return uint32(o.uint(key, math.MaxUint32))
}
