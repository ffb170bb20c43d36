package protocol

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
)

// field is one key of a message after "kind", in canonical order.
type field struct {
	key      string
	str      string
	num      uint64
	isNum    bool
	nonEmpty bool
	max      int // the longest str allowed, in bytes; 0 for no limit but the frame's
}

func strField(key, v string) field        { return field{key: key, str: v} }
func numField(key string, v uint64) field { return field{key: key, num: v, isNum: true} }

// uriField and nameField are the strings a client sends that the runner
// keeps; their limits are SPEC.md's, so that no encoder sends what the
// runner would reject.
func uriField(key, v string) field { return field{key: key, str: v, nonEmpty: true, max: MaxURISize} }
func nameField(key, v string, nonEmpty bool) field {
	return field{key: key, str: v, nonEmpty: nonEmpty, max: MaxNameSize}
}

// fieldsOf lists m's fields in the canonical key order of SPEC.md. Pointers
// to messages are refused rather than dereferenced, so that one Go value has
// one meaning wherever a Message travels.
func fieldsOf(m Message) ([]field, error) {
	switch m := m.(type) {
	case Hello:
		return []field{
			numField("version", uint64(m.Version)),
			numField("min_version", uint64(m.MinVersion)),
			nameField("integration", m.Integration, false),
			nameField("integration_version", m.IntegrationVersion, false),
			numField("pid", uint64(m.PID)),
		}, nil
	case Welcome:
		return []field{numField("version", uint64(m.Version)), strField("mode", m.Mode)}, nil
	case Start:
		fields := []field{uriField("uri", m.URI)}
		if m.Warmup.Known {
			fields = append(fields, numField("warmup", uint64(m.Warmup.Calls)))
		}
		return fields, nil
	case Stop, Pause, Resume, Ack:
		return nil, nil
	case Error:
		return []field{strField("reason", m.Reason)}, nil
	case Marker:
		return []field{nameField("name", m.Name, true), numField("timestamp", m.Timestamp)}, nil
	case JSHeap:
		return []field{
			uriField("uri", m.URI),
			numField("gc_forced", uint64(m.GCForced)),
			numField("used_before", m.UsedBefore),
			numField("used_after", m.UsedAfter),
			numField("peak", m.Peak),
			numField("retained_after", m.RetainedAfter),
			numField("gc_count", uint64(m.GCCount)),
		}, nil
	}
	return nil, newError(ErrUnknownKind, "encode message: unsupported type %T", m)
}

// Marshal returns the canonical payload of m: a map with "kind" first and the
// other keys in SPEC.md's order, integers and strings in their smallest
// msgpack forms. It refuses messages that Unmarshal would reject (an empty
// uri or name, a string that is not UTF-8: ErrMalformed), strings over the
// runner's limits (MaxURISize, MaxNameSize: ErrTooLarge) and payloads over
// MaxFrameSize (ErrTooLarge), so a peer never receives them.
func Marshal(m Message) ([]byte, error) {
	fields, err := fieldsOf(m)
	if err != nil {
		return nil, err
	}
	kind := m.Kind()
	for _, f := range fields {
		switch {
		case f.isNum:
		case !utf8.ValidString(f.str):
			return nil, newError(ErrMalformed, "encode %s: %s is not valid UTF-8", kind, f.key)
		case f.nonEmpty && f.str == "":
			return nil, newError(ErrMalformed, "encode %s: %s is empty", kind, f.key)
		case f.max > 0 && len(f.str) > f.max:
			return nil, newError(ErrTooLarge, "encode %s: %s of %d bytes exceeds the limit of %d bytes", kind, f.key, len(f.str), f.max)
		}
	}

	// EncodeUint and EncodeString always choose the smallest form, which is
	// the canonical one; only the key order is up to this code.
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	if err := encodeMap(enc, kind, fields); err != nil {
		return nil, fmt.Errorf("encode %s: %w", kind, err)
	}
	if buf.Len() > MaxFrameSize {
		return nil, newError(ErrTooLarge, "encode %s: payload of %d bytes exceeds %d", kind, buf.Len(), MaxFrameSize)
	}
	return buf.Bytes(), nil
}

func encodeMap(enc *msgpack.Encoder, kind Kind, fields []field) error {
	if err := enc.EncodeMapLen(1 + len(fields)); err != nil {
		return err
	}
	if err := enc.EncodeString("kind"); err != nil {
		return err
	}
	if err := enc.EncodeString(string(kind)); err != nil {
		return err
	}
	for _, f := range fields {
		if err := enc.EncodeString(f.key); err != nil {
			return err
		}
		var err error
		if f.isNum {
			err = enc.EncodeUint(f.num)
		} else {
			err = enc.EncodeString(f.str)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// AppendFrame appends m's frame, the little-endian payload length followed by
// the canonical payload, to dst.
func AppendFrame(dst []byte, m Message) ([]byte, error) {
	payload, err := Marshal(m)
	if err != nil {
		return dst, err
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...), nil
}

// WriteMessage writes m's frame with exactly one call to w.Write, as SPEC.md
// asks of clients: on a pipe, a frame of up to PIPE_BUF bytes then arrives
// whole, never interleaved with another writer's bytes.
func WriteMessage(w io.Writer, m Message) error {
	frame, err := AppendFrame(nil, m)
	if err != nil {
		return err
	}
	n, err := w.Write(frame)
	if err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	if n != len(frame) {
		return fmt.Errorf("write frame: %w", io.ErrShortWrite)
	}
	return nil
}
