package protocol

import "math"

// Unmarshal decodes one payload (a frame without its header) strictly, as
// SPEC.md's decoding rules require. The payload must hold exactly one msgpack
// map; structural faults are reported before an unknown kind, and an unknown
// kind before faults in the fields, so that every implementation assigns the
// same category to the same bytes.
func Unmarshal(payload []byte) (Message, error) {
	if len(payload) == 0 {
		return nil, newError(ErrMalformed, "decode message: empty payload")
	}
	if len(payload) > MaxFrameSize {
		return nil, newError(ErrTooLarge, "decode message: payload of %d bytes exceeds %d", len(payload), MaxFrameSize)
	}
	fields, err := scanPayload(payload)
	if err != nil {
		return nil, err
	}
	kind, ok := fields["kind"]
	if !ok {
		return nil, newError(ErrMalformed, "decode message: missing kind")
	}
	if kind.typ != typeStr {
		return nil, newError(ErrMalformed, "decode message: kind is %s, want str", kind.typ)
	}
	d := fieldDecoder{kind: Kind(kind.data), fields: fields}
	var m Message
	switch d.kind {
	case KindHello:
		m = Hello{
			Version:            d.uint32("version"),
			MinVersion:         d.uint32("min_version"),
			Integration:        d.str("integration"),
			IntegrationVersion: d.str("integration_version"),
			PID:                d.uint32("pid"),
		}
	case KindWelcome:
		m = Welcome{Version: d.uint32("version"), Mode: d.str("mode")}
	case KindStart:
		m = Start{URI: d.nonEmptyStr("uri"), Warmup: d.warmup()}
	case KindStop:
		m = Stop{}
	case KindPause:
		m = Pause{}
	case KindResume:
		m = Resume{}
	case KindJSHeap:
		m = JSHeap{
			URI:           d.nonEmptyStr("uri"),
			GCForced:      d.uint32("gc_forced"),
			UsedBefore:    d.uint("used_before", math.MaxUint64),
			UsedAfter:     d.uint("used_after", math.MaxUint64),
			Peak:          d.uint("peak", math.MaxUint64),
			RetainedAfter: d.uint("retained_after", math.MaxUint64),
			GCCount:       d.uint32("gc_count"),
		}
	case KindAck:
		m = Ack{}
	case KindError:
		m = Error{Reason: d.str("reason")}
	case KindMarker:
		m = Marker{Name: d.nonEmptyStr("name"), Timestamp: d.uint("timestamp", math.MaxUint64)}
	default:
		return nil, newError(ErrUnknownKind, "decode message: unknown kind %q", d.kind)
	}
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

// scanPayload checks that payload is exactly one well-formed map with unique
// str keys and returns the head of each key's value.
func scanPayload(payload []byte) (map[string]head, error) {
	s := scanner{buf: payload}
	top, err := s.next()
	if err != nil {
		return nil, err
	}
	if top.typ != typeMap {
		return nil, newError(ErrMalformed, "decode message: top level is %s, want map", top.typ)
	}
	// A lying count cannot make this allocate much: the hint is bounded by the
	// payload size, since each pair takes at least two bytes.
	fields := make(map[string]head, min(top.n, uint64(len(payload)/2)))
	for i := uint64(0); i < top.n; i++ {
		at := s.off
		key, err := s.next()
		if err != nil {
			return nil, err
		}
		if key.typ != typeStr {
			return nil, newError(ErrMalformed, "decode message: key at offset %d is %s, want str", at, key.typ)
		}
		if _, dup := fields[string(key.data)]; dup {
			return nil, newError(ErrMalformed, "decode message: duplicate key %q", key.data)
		}
		val, err := s.value(1)
		if err != nil {
			return nil, err
		}
		fields[string(key.data)] = val
	}
	if !s.done() {
		return nil, newError(ErrMalformed, "decode message: trailing bytes after the map (%d)", len(payload)-s.off)
	}
	return fields, nil
}

// fieldDecoder extracts the required fields of one kind, keeping the first
// error so the constructors in Unmarshal read as a plain field list.
type fieldDecoder struct {
	kind   Kind
	fields map[string]head
	err    error
}

func (d *fieldDecoder) get(key string, want valueType) (head, bool) {
	if d.err != nil {
		return head{}, false
	}
	h, ok := d.fields[key]
	if !ok {
		d.err = newError(ErrMalformed, "decode %s: missing %s", d.kind, key)
		return head{}, false
	}
	// Both integer families satisfy an integer field; the range check follows.
	if h.typ != want && !(want == typeUint && h.typ == typeInt) {
		d.err = newError(ErrMalformed, "decode %s: %s is %s, want %s", d.kind, key, h.typ, want)
		return head{}, false
	}
	return h, true
}

func (d *fieldDecoder) str(key string) string {
	h, ok := d.get(key, typeStr)
	if !ok {
		return ""
	}
	return string(h.data)
}

func (d *fieldDecoder) nonEmptyStr(key string) string {
	v := d.str(key)
	if v == "" && d.err == nil {
		d.err = newError(ErrMalformed, "decode %s: %s is empty", d.kind, key)
	}
	return v
}

func (d *fieldDecoder) uint(key string, max uint64) uint64 {
	h, ok := d.get(key, typeUint)
	if !ok {
		return 0
	}
	v := h.uint
	if h.typ == typeInt {
		if h.int < 0 {
			d.err = newError(ErrMalformed, "decode %s: %s is negative (%d)", d.kind, key, h.int)
			return 0
		}
		v = uint64(h.int)
	}
	if v > max {
		d.err = newError(ErrMalformed, "decode %s: %s is %d, above its maximum %d", d.kind, key, v, max)
		return 0
	}
	return v
}

// warmup reads start's optional field; present, it must be a valid uint32
// like any other.
func (d *fieldDecoder) warmup() Warmup {
	if _, ok := d.fields["warmup"]; !ok {
		return Warmup{}
	}
	return Warmup{Calls: d.uint32("warmup"), Known: true}
}

func (d *fieldDecoder) uint32(key string) uint32 {
	return uint32(d.uint(key, math.MaxUint32))
}
