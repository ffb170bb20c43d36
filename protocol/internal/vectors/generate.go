package vectors

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"

	"memtally.dev/protocol"
)

// Generate builds the vectors and renders them as vectors.json. It fails if
// the reference codec disagrees with any vector, so a mistake in a vector's
// expectation cannot reach the file.
func Generate() ([]byte, error) {
	var g generator
	g.valid()
	g.decodeOnly()
	g.invalid()
	if g.err != nil {
		return nil, g.err
	}
	return Encode(&File{
		ProtocolVersion: protocol.Version,
		MaxFrameSize:    protocol.MaxFrameSize,
		Valid:           g.valids,
		Invalid:         g.invalids,
	})
}

type generator struct {
	valids   []Valid
	invalids []Invalid
	names    map[string]bool
	err      error
}

func (g *generator) fail(name string, format string, args ...any) {
	g.err = errors.Join(g.err, fmt.Errorf("vector %s: %s", name, fmt.Sprintf(format, args...)))
}

func (g *generator) claim(name string) {
	if g.names == nil {
		g.names = map[string]bool{}
	}
	if g.names[name] {
		g.fail(name, "duplicate name")
	}
	g.names[name] = true
}

// readOne reads one message from input as a stream that ends with it.
func readOne(input []byte) (protocol.Message, error) {
	r := bytes.NewReader(input)
	m, err := protocol.ReadMessage(r)
	if err == nil && r.Len() != 0 {
		return nil, fmt.Errorf("%d bytes left after the frame", r.Len())
	}
	return m, err
}

func (g *generator) addValid(name string, input []byte, want protocol.Message, canonical bool) {
	g.claim(name)
	got, err := readOne(input)
	if err != nil {
		g.fail(name, "decode: %v", err)
		return
	}
	if got != want {
		g.fail(name, "decodes to %#v, want %#v", got, want)
	}
	enc, err := protocol.AppendFrame(nil, want)
	switch {
	case err != nil && canonical:
		g.fail(name, "encode: %v", err)
		return
	case err != nil:
		// A message over a limit of the runner's: decoders accept it, and
		// no encoder produces it at all.
	case bytes.Equal(enc, input) != canonical:
		g.fail(name, "canonical is %v, but the encoder gives % x", canonical, enc)
	}
	g.valids = append(g.valids, Valid{Name: name, FrameHex: hex.EncodeToString(input), Message: Message{want}, Canonical: canonical})
}

// canonical adds a vector whose frame is what the encoder produces for m.
func (g *generator) canonical(name string, m protocol.Message) {
	frame, err := protocol.AppendFrame(nil, m)
	if err != nil {
		g.claim(name)
		g.fail(name, "encode: %v", err)
		return
	}
	g.addValid(name, frame, m, true)
}

// accepted adds a vector the decoder must accept although no encoder may
// produce it.
func (g *generator) accepted(name string, payload []byte, want protocol.Message) {
	g.addValid(name, frame(payload), want, false)
}

// rejected adds an input that reading one message must reject.
func (g *generator) rejected(name, category string, input []byte) {
	g.claim(name)
	m, err := readOne(input)
	if err == nil {
		g.fail(name, "accepted as %#v, want a %s error", m, category)
		return
	}
	if got := protocol.Category(err); got != category {
		g.fail(name, "error %q has category %q, want %q", err, got, category)
	}
	g.invalids = append(g.invalids, Invalid{Name: name, FrameHex: hex.EncodeToString(input), Category: category})
}

// rejectedPayload frames payload correctly, so that only its contents are at fault.
func (g *generator) rejectedPayload(name, category string, payload []byte) {
	g.rejected(name, category, frame(payload))
}

// entries are ordered map entries, for building variants of one message.
type entries []entry

type entry struct {
	key   string
	value []byte
}

func (e entries) payload() []byte {
	out := fixmap(len(e))
	for _, x := range e {
		out = cat(out, kv(x.key, x.value))
	}
	return out
}

// with returns a copy with key's value replaced, or appended if key is absent.
func (e entries) with(key string, value []byte) entries {
	out := append(entries(nil), e...)
	for i := range out {
		if out[i].key == key {
			out[i].value = value
			return out
		}
	}
	return append(out, entry{key, value})
}

func (e entries) without(key string) entries {
	var out entries
	for _, x := range e {
		if x.key != key {
			out = append(out, x)
		}
	}
	return out
}

func (e entries) reversed() entries {
	out := make(entries, len(e))
	for i, x := range e {
		out[len(e)-1-i] = x
	}
	return out
}

// The messages most variants start from, with their canonical entries.
var (
	hello = protocol.Hello{Version: 1, MinVersion: 1, Integration: "pytest-memtally", IntegrationVersion: "0.1.0", PID: 4242}

	helloEntries = entries{
		{"kind", str("hello")}, {"version", num(1)}, {"min_version", num(1)},
		{"integration", str("pytest-memtally")}, {"integration_version", str("0.1.0")}, {"pid", num(4242)},
	}
	welcomeEntries = entries{{"kind", str("welcome")}, {"version", num(1)}, {"mode", str("memory")}}
	startEntries   = entries{{"kind", str("start")}, {"uri", str(startURI)}}
	stopEntries    = entries{{"kind", str("stop")}}
	ackEntries     = entries{{"kind", str("ack")}}
	errorEntries   = entries{{"kind", str("error")}, {"reason", str("hello required")}}
	markerEntries  = entries{{"kind", str("marker")}, {"name", str("setup_done")}, {"timestamp", num(123456789)}}
	jsHeapEntries  = entries{{"kind", str("js_heap")}, {"uri", str("b::x")}, {"gc_forced", num(1)}, {"used_before", num(10)},
		{"used_after", num(20)}, {"peak", num(30)}, {"retained_after", num(11)}, {"gc_count", num(0)}}
)

const startURI = "tests/test_parse.py::TestJSON::test_loads[small]"

// frameURI makes a start payload of exactly MaxFrameSize bytes: the map,
// "kind", "start" and "uri" take 16 bytes and the str16 header 3 more. It is
// longer than MaxURISize, so decoders accept it and encoders refuse it (the
// runner then rejects the start, SPEC.md 6.7).
var frameURI = "tests/test_long.py::test_" + strings.Repeat("x", protocol.MaxFrameSize-19-len("tests/test_long.py::test_"))

// maxURI is the longest uri an encoder sends.
var maxURI = "tests/test_long.py::test_" + strings.Repeat("x", protocol.MaxURISize-len("tests/test_long.py::test_"))

func (g *generator) valid() {
	g.canonical("hello", hello)
	for _, pid := range []uint32{0, 127, 128, 255, 256, 65535, 65536, math.MaxUint32} {
		h := hello
		h.PID = pid
		g.canonical(fmt.Sprintf("hello_pid_%d", pid), h)
	}
	g.canonical("hello_version_range_1_to_3", protocol.Hello{Version: 3, MinVersion: 1, Integration: "memtally-divan", IntegrationVersion: "0.3.1", PID: 77})
	g.canonical("hello_empty_strings", protocol.Hello{Version: 1, MinVersion: 1, PID: 1})
	g.canonical("welcome", protocol.Welcome{Version: 1, Mode: protocol.ModeMemory})
	g.canonical("start", protocol.Start{URI: startURI})
	g.canonical("start_divan", protocol.Start{URI: "benches/collections.rs::vec::push[1000]"})
	g.canonical("start_google_benchmark", protocol.Start{URI: "bench/string.cpp::BM_StringCopy/64"})
	g.canonical("start_vitest", protocol.Start{URI: "src/sort.bench.ts::sorting::quicksort"})
	g.canonical("start_utf8", protocol.Start{URI: "benches/ünïcode.rs::π::naïve[日本]"})
	for _, n := range []int{1, 31, 32, 255, 256} {
		g.canonical(fmt.Sprintf("start_uri_%d_bytes", n), protocol.Start{URI: strings.Repeat("u", n)})
	}
	g.canonical("start_uri_max_size", protocol.Start{URI: maxURI})
	for _, n := range []uint32{0, 1, 128, math.MaxUint32} {
		g.canonical(fmt.Sprintf("start_warmup_%d", n), protocol.Start{URI: startURI, Warmup: protocol.Warmup{Calls: n, Known: true}})
	}
	g.canonical("marker_name_max_size", protocol.Marker{Name: strings.Repeat("m", protocol.MaxNameSize), Timestamp: 1})
	g.canonical("stop", protocol.Stop{})
	g.canonical("pause", protocol.Pause{})
	g.canonical("resume", protocol.Resume{})
	g.canonical("js_heap", protocol.JSHeap{URI: "bench/parse.bench.ts::json::parse", GCForced: 1,
		UsedBefore: 4_200_000, UsedAfter: 9_800_000, Peak: 12_345_678, RetainedAfter: 4_300_000, GCCount: 2})
	g.canonical("js_heap_no_gc", protocol.JSHeap{URI: "b::x", UsedBefore: math.MaxUint64, UsedAfter: 0, Peak: 1 << 53})
	g.canonical("ack", protocol.Ack{})
	g.canonical("error", protocol.Error{Reason: "hello required"})
	g.canonical("error_empty_reason", protocol.Error{})
	g.canonical("marker", protocol.Marker{Name: "setup_done", Timestamp: 123456789})
	for _, ts := range []uint64{0, math.MaxUint32, math.MaxUint32 + 1, math.MaxUint64} {
		g.canonical(fmt.Sprintf("marker_timestamp_%d", ts), protocol.Marker{Name: "t", Timestamp: ts})
	}
}

func (g *generator) decodeOnly() {
	start := protocol.Start{URI: startURI}
	stop := protocol.Stop{}
	ack := protocol.Ack{}
	marker := protocol.Marker{Name: "setup_done", Timestamp: 123456789}
	welcome := protocol.Welcome{Version: 1, Mode: protocol.ModeMemory}

	// Key order and container forms.
	g.accepted("hello_keys_reversed", helloEntries.reversed().payload(), hello)
	g.accepted("start_kind_last", startEntries.reversed().payload(), start)
	g.accepted("ack_map16", cat(map16(1), kv("kind", str("ack"))), ack)
	g.accepted("ack_map32", cat(map32(1), kv("kind", str("ack"))), ack)

	// Wider and signed integer encodings of in-range values.
	g.accepted("hello_version_uint16_encoding", helloEntries.with("version", u16(1)).payload(), hello)
	g.accepted("hello_pid_uint32_encoding", helloEntries.with("pid", u32(4242)).payload(), hello)
	g.accepted("hello_pid_uint64_encoding", helloEntries.with("pid", u64(4242)).payload(), hello)
	g.accepted("hello_version_uint8_encoding", helloEntries.with("version", u8(1)).payload(), hello)
	g.accepted("hello_version_int8_encoding", helloEntries.with("version", i8(1)).payload(), hello)
	g.accepted("hello_pid_int16_encoding", helloEntries.with("pid", i16(4242)).payload(), hello)
	g.accepted("hello_pid_int32_encoding", helloEntries.with("pid", i32(4242)).payload(), hello)
	maxPID := hello
	maxPID.PID = math.MaxUint32
	g.accepted("hello_pid_4294967295_int64_encoding", helloEntries.with("pid", i64(math.MaxUint32)).payload(), maxPID)
	g.accepted("hello_pid_4294967295_uint64_encoding", helloEntries.with("pid", u64(math.MaxUint32)).payload(), maxPID)
	g.accepted("welcome_version_uint32_encoding", welcomeEntries.with("version", u32(1)).payload(), welcome)
	g.accepted("marker_timestamp_uint64_encoding", markerEntries.with("timestamp", u64(123456789)).payload(), marker)
	g.accepted("marker_timestamp_int64_max", markerEntries.with("timestamp", i64(math.MaxInt64)).payload(),
		protocol.Marker{Name: "setup_done", Timestamp: math.MaxInt64})

	// Wider string encodings.
	g.accepted("start_warmup_int8_encoding", startEntries.with("warmup", i8(1)).payload(),
		protocol.Start{URI: startURI, Warmup: protocol.Warmup{Calls: 1, Known: true}})
	g.accepted("start_uri_str8_encoding", startEntries.with("uri", str8(startURI[:5])).payload(), protocol.Start{URI: startURI[:5]})
	g.accepted("start_uri_str16_encoding", startEntries.with("uri", str16(startURI)).payload(), start)
	g.accepted("start_uri_max_frame", startEntries.with("uri", str16(frameURI)).payload(), protocol.Start{URI: frameURI})
	g.accepted("stop_kind_str8_encoding", entries{{"kind", str8("stop")}}.payload(), stop)
	g.accepted("stop_key_str16_encoding", cat(fixmap(1), str16("kind"), str("stop")), stop)

	// Unknown keys are ignored, whatever well-formed value they hold.
	g.accepted("start_unknown_key_nil", startEntries.with("retries", nilValue).payload(), start)
	g.accepted("hello_unknown_keys_first", append(entries{
		{"x-debug", trueValue},
		{"capabilities", cat(fixarray(2), str("markers"), str("gc"))},
	}, helloEntries...).payload(), hello)
	g.accepted("stop_unknown_key_kind_uppercase", stopEntries.with("Kind", str("start")).payload(), stop)
	g.accepted("marker_unknown_key_nested_values", markerEntries.with("extra", cat(
		fixarray(7),
		mapOf(cat(num(1), str("int key")), cat(nilValue, fixarray(0))),
		f32(1.5), f64(-2.25), bin8("\x00\xff"),
		[]byte{0xd6, 0xff, 0, 0, 0, 1},           // fixext 4, type -1
		cat([]byte{0xc7, 2, 0x05}, []byte{1, 2}), // ext 8, type 5
		[]byte{0xff},                             // negative fixint
	)).payload(), marker)
	g.accepted("ack_unknown_value_duplicate_nested_keys",
		ackEntries.with("extra", cat(fixmap(2), kv("a", num(1)), kv("a", num(2)))).payload(), ack)
	g.accepted("stop_unknown_value_depth_32", stopEntries.with("deep", nested(31)).payload(), stop)
}

// nested is n arrays, each holding the next, the innermost empty. As a value
// of the top-level map, its innermost array sits at depth n+1.
func nested(n int) []byte {
	return cat(bytes.Repeat(fixarray(1), n-1), fixarray(0))
}

func (g *generator) invalid() {
	const (
		truncated   = "truncated"
		tooLarge    = "too_large"
		malformed   = "malformed"
		unknownKind = "unknown_kind"
	)
	stopPayload := stopEntries.payload()

	// Framing.
	g.rejected("truncated_header_1_byte", truncated, []byte{0x05})
	g.rejected("truncated_header_3_bytes", truncated, []byte{0x05, 0x00, 0x00})
	g.rejected("truncated_payload_missing", truncated, header(uint32(len(stopPayload))))
	g.rejected("truncated_payload_last_byte", truncated, frame(stopPayload)[:protocol.HeaderSize+len(stopPayload)-1])
	g.rejected("too_large_65537_header_only", tooLarge, header(protocol.MaxFrameSize+1))
	g.rejected("too_large_4294967295_header_only", tooLarge, header(math.MaxUint32))
	g.rejected("too_large_65537_before_valid_payload", tooLarge, cat(header(protocol.MaxFrameSize+1), stopPayload))
	g.rejected("zero_length", malformed, header(0))
	g.rejected("zero_length_then_valid_frame", malformed, cat(header(0), frame(stopPayload)))

	// Payload structure.
	g.rejectedPayload("trailing_nil_after_map", malformed, cat(stopPayload, nilValue))
	g.rejectedPayload("trailing_second_map", malformed, cat(stopPayload, stopPayload))
	g.rejectedPayload("top_level_array", malformed, cat(fixarray(1), str("stop")))
	g.rejectedPayload("top_level_str", malformed, str("stop"))
	g.rejectedPayload("top_level_nil", malformed, nilValue)
	g.rejectedPayload("top_level_int", malformed, num(1))
	g.rejectedPayload("top_level_bin", malformed, bin8("\x81\xa4kind\xa4stop"))
	g.rejectedPayload("top_level_ext_wrapping_map", malformed, cat([]byte{0xc7, byte(len(stopPayload)), 0x01}, stopPayload))
	g.rejectedPayload("reserved_c1_top_level", malformed, []byte{0xc1})
	g.rejectedPayload("reserved_c1_as_key", malformed, cat(fixmap(2), kv("kind", str("stop")), []byte{0xc1}, nilValue))
	g.rejectedPayload("reserved_c1_in_unknown_value", malformed, stopEntries.with("extra", cat(fixarray(1), []byte{0xc1})).payload())
	g.rejectedPayload("map_count_exceeds_entries", malformed, cat(fixmap(2), kv("kind", str("stop"))))
	g.rejectedPayload("map32_count_4294967295", malformed, cat(map32(math.MaxUint32), kv("kind", str("stop"))))
	g.rejectedPayload("str_length_exceeds_payload", malformed, cat(fixmap(2), kv("kind", str("start")), str("uri"), []byte{0xd9, 200}, []byte("abc")))
	g.rejectedPayload("array32_count_exceeds_payload", malformed, stopEntries.with("extra", []byte{0xdd, 0xff, 0xff, 0xff, 0xff}).payload())
	g.rejectedPayload("key_int", malformed, cat(fixmap(2), kv("kind", str("stop")), num(1), nilValue))
	g.rejectedPayload("key_nil", malformed, cat(fixmap(2), nilValue, nilValue, kv("kind", str("stop"))))
	g.rejectedPayload("key_bin", malformed, cat(fixmap(1), bin8("kind"), str("stop")))
	g.rejectedPayload("key_invalid_utf8", malformed, cat(fixmap(2), kv("kind", str("stop")), str("\xff"), nilValue))
	g.rejectedPayload("duplicate_key_kind", malformed, cat(fixmap(2), kv("kind", str("stop")), kv("kind", str("stop"))))
	g.rejectedPayload("duplicate_key_uri", malformed, cat(fixmap(3), kv("kind", str("start")), kv("uri", str("a")), kv("uri", str("b"))))
	g.rejectedPayload("duplicate_unknown_key", malformed, cat(fixmap(3), kv("kind", str("stop")), kv("x", nilValue), kv("x", nilValue)))
	g.rejectedPayload("unknown_value_depth_33", malformed, stopEntries.with("deep", nested(32)).payload())
	g.rejectedPayload("unknown_value_invalid_utf8", malformed, stopEntries.with("extra", str("\xc3\x28")).payload())

	// The kind key.
	g.rejectedPayload("empty_map", malformed, fixmap(0))
	g.rejectedPayload("missing_kind", malformed, entries{{"uri", str(startURI)}}.payload())
	g.rejectedPayload("kind_int", malformed, entries{{"kind", num(3)}}.payload())
	g.rejectedPayload("kind_nil", malformed, entries{{"kind", nilValue}}.payload())
	g.rejectedPayload("kind_bin", malformed, entries{{"kind", bin8("stop")}}.payload())
	g.rejectedPayload("kind_array", malformed, entries{{"kind", cat(fixarray(1), str("stop"))}}.payload())
	g.rejectedPayload("kind_invalid_utf8", malformed, entries{{"kind", str("st\xffp")}}.payload())
	g.rejectedPayload("kind_unknown", unknownKind, entries{{"kind", str("bogus")}}.payload())
	g.rejectedPayload("kind_empty", unknownKind, entries{{"kind", str("")}}.payload())
	g.rejectedPayload("kind_uppercase", unknownKind, entries{{"kind", str("Start")}}.payload())
	g.rejectedPayload("kind_unknown_with_fields", unknownKind, entries{{"kind", str("suspend")}, {"uri", num(1)}}.payload())
	g.rejectedPayload("kind_unknown_with_duplicate_key", malformed, cat(fixmap(3), kv("kind", str("suspend")), kv("x", nilValue), kv("x", nilValue)))
	g.rejectedPayload("kind_unknown_with_trailing_bytes", malformed, cat(entries{{"kind", str("suspend")}}.payload(), nilValue))

	// Missing fields.
	for _, key := range []string{"version", "min_version", "integration", "integration_version", "pid"} {
		g.rejectedPayload("hello_missing_"+key, malformed, helloEntries.without(key).payload())
	}
	g.rejectedPayload("welcome_missing_version", malformed, welcomeEntries.without("version").payload())
	g.rejectedPayload("welcome_missing_mode", malformed, welcomeEntries.without("mode").payload())
	g.rejectedPayload("start_missing_uri", malformed, startEntries.without("uri").payload())
	g.rejectedPayload("error_missing_reason", malformed, errorEntries.without("reason").payload())
	g.rejectedPayload("marker_missing_name", malformed, markerEntries.without("name").payload())
	g.rejectedPayload("marker_missing_timestamp", malformed, markerEntries.without("timestamp").payload())
	g.rejectedPayload("js_heap_missing_peak", malformed, jsHeapEntries.without("peak").payload())
	g.rejectedPayload("js_heap_empty_uri", malformed, jsHeapEntries.with("uri", str("")).payload())
	g.rejectedPayload("js_heap_gc_count_over_u32", malformed, jsHeapEntries.with("gc_count", u64(math.MaxUint32+1)).payload())
	g.rejectedPayload("js_heap_used_before_negative", malformed, jsHeapEntries.with("used_before", i8(-1)).payload())

	// Wrong types.
	g.rejectedPayload("start_uri_int", malformed, startEntries.with("uri", num(7)).payload())
	g.rejectedPayload("start_uri_bin", malformed, startEntries.with("uri", bin8(startURI)).payload())
	g.rejectedPayload("start_uri_nil", malformed, startEntries.with("uri", nilValue).payload())
	g.rejectedPayload("start_uri_array", malformed, startEntries.with("uri", cat(fixarray(1), str(startURI))).payload())
	g.rejectedPayload("start_warmup_nil", malformed, startEntries.with("warmup", nilValue).payload())
	g.rejectedPayload("start_warmup_str", malformed, startEntries.with("warmup", str("1")).payload())
	g.rejectedPayload("start_warmup_negative_fixint", malformed, startEntries.with("warmup", []byte{0xff}).payload())
	g.rejectedPayload("start_warmup_above_uint32", malformed, startEntries.with("warmup", u64(math.MaxUint32+1)).payload())
	g.rejectedPayload("hello_pid_str", malformed, helloEntries.with("pid", str("4242")).payload())
	g.rejectedPayload("hello_pid_nil", malformed, helloEntries.with("pid", nilValue).payload())
	g.rejectedPayload("hello_pid_bool", malformed, helloEntries.with("pid", trueValue).payload())
	g.rejectedPayload("hello_pid_float64", malformed, helloEntries.with("pid", f64(4242)).payload())
	g.rejectedPayload("hello_version_float32", malformed, helloEntries.with("version", f32(1)).payload())
	g.rejectedPayload("hello_version_float64", malformed, helloEntries.with("version", f64(1)).payload())
	g.rejectedPayload("hello_integration_bin", malformed, helloEntries.with("integration", bin8("pytest-memtally")).payload())
	g.rejectedPayload("welcome_mode_int", malformed, welcomeEntries.with("mode", num(0)).payload())
	g.rejectedPayload("welcome_version_str", malformed, welcomeEntries.with("version", str("1")).payload())
	g.rejectedPayload("error_reason_nil", malformed, errorEntries.with("reason", nilValue).payload())
	g.rejectedPayload("error_reason_bin", malformed, errorEntries.with("reason", bin8("hello required")).payload())
	g.rejectedPayload("marker_name_bin", malformed, markerEntries.with("name", bin8("setup_done")).payload())
	g.rejectedPayload("marker_timestamp_str", malformed, markerEntries.with("timestamp", str("123456789")).payload())
	g.rejectedPayload("marker_timestamp_float64", malformed, markerEntries.with("timestamp", f64(123456789)).payload())
	g.rejectedPayload("marker_timestamp_ext", malformed, markerEntries.with("timestamp", []byte{0xd6, 0xff, 0, 0, 0, 1}).payload())

	// Integers out of range.
	g.rejectedPayload("hello_pid_negative_fixint", malformed, helloEntries.with("pid", []byte{0xff}).payload())
	g.rejectedPayload("hello_pid_negative_int64", malformed, helloEntries.with("pid", i64(-4242)).payload())
	g.rejectedPayload("hello_pid_4294967296_uint64", malformed, helloEntries.with("pid", u64(math.MaxUint32+1)).payload())
	g.rejectedPayload("hello_pid_4294967296_int64", malformed, helloEntries.with("pid", i64(math.MaxUint32+1)).payload())
	g.rejectedPayload("hello_version_4294967296", malformed, helloEntries.with("version", u64(math.MaxUint32+1)).payload())
	g.rejectedPayload("hello_min_version_negative_int8", malformed, helloEntries.with("min_version", i8(-1)).payload())
	g.rejectedPayload("welcome_version_negative_int32", malformed, welcomeEntries.with("version", i32(-1)).payload())
	g.rejectedPayload("marker_timestamp_negative_int64", malformed, markerEntries.with("timestamp", i64(-1)).payload())
	g.rejectedPayload("marker_timestamp_int64_min", malformed, markerEntries.with("timestamp", i64(math.MinInt64)).payload())

	// String contents.
	g.rejectedPayload("start_uri_empty", malformed, startEntries.with("uri", str("")).payload())
	g.rejectedPayload("start_uri_empty_str8", malformed, startEntries.with("uri", str8("")).payload())
	g.rejectedPayload("marker_name_empty", malformed, markerEntries.with("name", str("")).payload())
	g.rejectedPayload("start_uri_invalid_utf8_ff", malformed, startEntries.with("uri", str("tests/\xff.py::t")).payload())
	g.rejectedPayload("start_uri_invalid_utf8_overlong", malformed, startEntries.with("uri", str("tests\xc0\xaft")).payload())
	g.rejectedPayload("start_uri_invalid_utf8_surrogate", malformed, startEntries.with("uri", str("t\xed\xa0\x80")).payload())
	g.rejectedPayload("start_uri_invalid_utf8_above_max", malformed, startEntries.with("uri", str("t\xf4\x90\x80\x80")).payload())
	g.rejectedPayload("start_uri_invalid_utf8_cut_sequence", malformed, startEntries.with("uri", str("t\xe2\x82")).payload())
	g.rejectedPayload("hello_integration_invalid_utf8", malformed, helloEntries.with("integration", str("py\x80test")).payload())
	g.rejectedPayload("error_reason_invalid_utf8", malformed, errorEntries.with("reason", str("bad \xfe")).payload())
}
