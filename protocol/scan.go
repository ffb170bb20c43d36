package protocol

import (
	"encoding/binary"
	"unicode/utf8"
)

// The decoder walks msgpack itself instead of using the msgpack library's
// Decoder: the library reads nil as zero, bin as str and ext-wrapped maps as
// maps, and recurses on nesting, while the spec needs each of those rejected
// or bounded. Checking every lead byte before each library call would be as
// long as this file and harder to follow.

// valueType is the family of a msgpack value, as far as the protocol cares.
type valueType uint8

const (
	typeNil valueType = iota
	typeBool
	typeUint // positive fixint, uint 8/16/32/64
	typeInt  // negative fixint, int 8/16/32/64
	typeFloat
	typeStr
	typeBin
	typeArray
	typeMap
	typeExt
)

var typeNames = [...]string{
	typeNil:   "nil",
	typeBool:  "bool",
	typeUint:  "integer",
	typeInt:   "integer",
	typeFloat: "float",
	typeStr:   "str",
	typeBin:   "bin",
	typeArray: "array",
	typeMap:   "map",
	typeExt:   "ext",
}

func (t valueType) String() string { return typeNames[t] }

// head is what one msgpack value's leading bytes say. For str, bin and ext it
// includes the contents; for arrays and maps only the element count, the
// elements following in the input.
type head struct {
	typ  valueType
	uint uint64 // typeUint
	int  int64  // typeInt
	n    uint64 // typeArray: elements; typeMap: key/value pairs
	data []byte // typeStr, typeBin, typeExt
}

// elements is the number of values a container's contents consist of.
func (h head) elements() uint64 {
	switch h.typ {
	case typeArray:
		return h.n
	case typeMap:
		return 2 * h.n
	}
	return 0
}

func (h head) container() bool { return h.typ == typeArray || h.typ == typeMap }

// scanner reads msgpack values from a payload that is entirely in memory, so
// that every length can be checked against what is left before it is used.
type scanner struct {
	buf []byte
	off int
}

func (s *scanner) done() bool { return s.off == len(s.buf) }

func (s *scanner) take(n uint64, at int) ([]byte, error) {
	if n > uint64(len(s.buf)-s.off) {
		return nil, newError(ErrMalformed, "decode message: payload of %d bytes ends inside the value at offset %d", len(s.buf), at)
	}
	b := s.buf[s.off : s.off+int(n)]
	s.off += int(n)
	return b, nil
}

// bigEndian reads an unsigned big-endian integer of size 1, 2, 4 or 8 bytes.
func (s *scanner) bigEndian(size uint64, at int) (uint64, error) {
	b, err := s.take(size, at)
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(b)), nil
	}
	return binary.BigEndian.Uint64(b), nil
}

// sized reads a length of lenSize bytes, then that many bytes of contents.
func (s *scanner) sized(lenSize uint64, at int) ([]byte, error) {
	n, err := s.bigEndian(lenSize, at)
	if err != nil {
		return nil, err
	}
	return s.take(n, at)
}

// next reads the head of the next value. Every str is checked for UTF-8 here,
// wherever it sits, because the spec makes all str values text.
func (s *scanner) next() (head, error) {
	at := s.off
	lead, err := s.take(1, at)
	if err != nil {
		return head{}, err
	}
	c := lead[0]
	var h head
	switch {
	case c <= 0x7f:
		return head{typ: typeUint, uint: uint64(c)}, nil
	case c >= 0xe0:
		return head{typ: typeInt, int: int64(int8(c))}, nil
	case c <= 0x8f:
		return head{typ: typeMap, n: uint64(c & 0x0f)}, nil
	case c <= 0x9f:
		return head{typ: typeArray, n: uint64(c & 0x0f)}, nil
	case c <= 0xbf:
		h.typ = typeStr
		h.data, err = s.take(uint64(c&0x1f), at)
	case c == 0xc0:
		return head{typ: typeNil}, nil
	case c == 0xc1:
		return head{}, newError(ErrMalformed, "decode message: reserved byte 0xc1 at offset %d", at)
	case c == 0xc2 || c == 0xc3:
		return head{typ: typeBool}, nil
	case c >= 0xc4 && c <= 0xc6: // bin 8/16/32
		h.typ = typeBin
		h.data, err = s.sized(1<<(c-0xc4), at)
	case c >= 0xc7 && c <= 0xc9: // ext 8/16/32: length, type, data
		h.typ = typeExt
		var n uint64
		if n, err = s.bigEndian(1<<(c-0xc7), at); err == nil {
			h.data, err = s.take(1+n, at)
		}
	case c == 0xca || c == 0xcb: // float 32/64
		h.typ = typeFloat
		_, err = s.take(4<<(c-0xca), at)
	case c >= 0xcc && c <= 0xcf: // uint 8/16/32/64
		h.typ = typeUint
		h.uint, err = s.bigEndian(1<<(c-0xcc), at)
	case c >= 0xd0 && c <= 0xd3: // int 8/16/32/64
		h.typ = typeInt
		size := uint64(1) << (c - 0xd0)
		var u uint64
		u, err = s.bigEndian(size, at)
		// Sign-extend from the encoded width.
		shift := 64 - 8*size
		h.int = int64(u<<shift) >> shift
	case c >= 0xd4 && c <= 0xd8: // fixext 1/2/4/8/16: type, data
		h.typ = typeExt
		h.data, err = s.take(1+(1<<(c-0xd4)), at)
	case c >= 0xd9 && c <= 0xdb: // str 8/16/32
		h.typ = typeStr
		h.data, err = s.sized(1<<(c-0xd9), at)
	case c == 0xdc || c == 0xdd: // array 16/32
		h.typ = typeArray
		h.n, err = s.bigEndian(2<<(c-0xdc), at)
	default: // 0xde, 0xdf: map 16/32
		h.typ = typeMap
		h.n, err = s.bigEndian(2<<(c-0xde), at)
	}
	if err != nil {
		return head{}, err
	}
	if h.typ == typeStr && !utf8.Valid(h.data) {
		return head{}, newError(ErrMalformed, "decode message: str at offset %d is not valid UTF-8", at)
	}
	return h, nil
}

// value reads one complete value and returns its head, checking and skipping
// a container's elements. parent is the depth of the container holding the
// value.
func (s *scanner) value(parent int) (head, error) {
	h, err := s.next()
	if err != nil {
		return head{}, err
	}
	return h, s.skipElements(h, parent+1)
}

// skipElements consumes the elements of h, a value at depth depth, if it is a
// container. It keeps a count per open container instead of recursing, so a
// hostile payload costs no stack and at most MaxDepth counters.
func (s *scanner) skipElements(h head, depth int) error {
	var open []uint64
	for {
		if h.container() && depth+len(open) > MaxDepth {
			return newError(ErrMalformed, "decode message: containers nest deeper than %d", MaxDepth)
		}
		if n := h.elements(); n > 0 {
			open = append(open, n)
		} else {
			open = completeOne(open)
		}
		if len(open) == 0 {
			return nil
		}
		var err error
		if h, err = s.next(); err != nil {
			return err
		}
	}
}

// completeOne counts one finished value against the innermost open container,
// closing every container that this finishes.
func completeOne(open []uint64) []uint64 {
	for len(open) > 0 {
		open[len(open)-1]--
		if open[len(open)-1] > 0 {
			break
		}
		open = open[:len(open)-1]
	}
	return open
}
