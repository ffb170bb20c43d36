package vectors

import (
	"encoding/binary"
	"math"
)

// Hand-made msgpack pieces for the vectors that the reference encoder would
// never produce: wider integers, reordered keys, and broken payloads. Each
// helper writes exactly the form its name says.

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// frame prefixes payload with its little-endian length.
func frame(payload []byte) []byte {
	return cat(header(uint32(len(payload))), payload)
}

func header(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }

// mapOf is a fixmap of already encoded key/value pairs.
func mapOf(pairs ...[]byte) []byte { return cat(fixmap(len(pairs)), cat(pairs...)) }

// kv is one map entry with a str key in its smallest form.
func kv(key string, value []byte) []byte { return cat(str(key), value) }

func fixmap(n int) []byte   { return []byte{0x80 | byte(n)} }
func map16(n int) []byte    { return be(0xde, 2, uint64(n)) }
func map32(n uint32) []byte { return be(0xdf, 4, uint64(n)) }
func fixarray(n int) []byte { return []byte{0x90 | byte(n)} }

var (
	nilValue  = []byte{0xc0}
	trueValue = []byte{0xc3}
)

// be is a lead byte followed by v in size big-endian bytes.
func be(lead byte, size int, v uint64) []byte {
	out := []byte{lead}
	for i := size - 1; i >= 0; i-- {
		out = append(out, byte(v>>(8*i)))
	}
	return out
}

// str is the smallest str form, as the canonical encoding requires.
func str(s string) []byte {
	switch n := len(s); {
	case n < 32:
		return cat([]byte{0xa0 | byte(n)}, []byte(s))
	case n <= math.MaxUint8:
		return str8(s)
	case n <= math.MaxUint16:
		return cat(be(0xda, 2, uint64(n)), []byte(s))
	default:
		return cat(be(0xdb, 4, uint64(n)), []byte(s))
	}
}

func str8(s string) []byte  { return cat(be(0xd9, 1, uint64(len(s))), []byte(s)) }
func str16(s string) []byte { return cat(be(0xda, 2, uint64(len(s))), []byte(s)) }
func bin8(s string) []byte  { return cat(be(0xc4, 1, uint64(len(s))), []byte(s)) }

// num is the smallest unsigned form, as the canonical encoding requires.
func num(v uint64) []byte {
	switch {
	case v <= math.MaxInt8:
		return []byte{byte(v)}
	case v <= math.MaxUint8:
		return u8(uint8(v))
	case v <= math.MaxUint16:
		return u16(uint16(v))
	case v <= math.MaxUint32:
		return u32(uint32(v))
	}
	return u64(v)
}

func u8(v uint8) []byte   { return be(0xcc, 1, uint64(v)) }
func u16(v uint16) []byte { return be(0xcd, 2, uint64(v)) }
func u32(v uint32) []byte { return be(0xce, 4, uint64(v)) }
func u64(v uint64) []byte { return be(0xcf, 8, v) }
func i8(v int8) []byte    { return be(0xd0, 1, uint64(v)) }
func i16(v int16) []byte  { return be(0xd1, 2, uint64(v)) }
func i32(v int32) []byte  { return be(0xd2, 4, uint64(v)) }
func i64(v int64) []byte  { return be(0xd3, 8, uint64(v)) }

func f32(v float32) []byte { return be(0xca, 4, uint64(math.Float32bits(v))) }
func f64(v float64) []byte { return be(0xcb, 8, math.Float64bits(v)) }
