package protocol

import (
	"errors"
	"fmt"
)

// The decode error categories of SPEC.md. Every error that ReadFrame,
// Unmarshal or ReadMessage returns for bad input wraps exactly one of them.
var (
	// ErrTruncated: the input ended before the header or the payload did.
	ErrTruncated = errors.New("truncated")
	// ErrTooLarge: the header announces more than MaxFrameSize payload bytes.
	ErrTooLarge = errors.New("too large")
	// ErrMalformed: the payload breaks any other rule of the spec.
	ErrMalformed = errors.New("malformed")
	// ErrUnknownKind: a well-formed payload whose kind this version lacks.
	ErrUnknownKind = errors.New("unknown kind")
)

// ErrUnsupportedVersion is wrapped by Negotiate when the client's and the
// runner's version ranges do not meet.
var ErrUnsupportedVersion = errors.New("unsupported protocol version")

// categoryError carries a detailed message while matching its category
// sentinel under errors.Is, so that callers get both without the sentinel's
// text repeated in the message.
type categoryError struct {
	category error
	msg      string
}

func (e *categoryError) Error() string { return e.msg }
func (e *categoryError) Unwrap() error { return e.category }

func newError(category error, format string, args ...any) error {
	return &categoryError{category: category, msg: fmt.Sprintf(format, args...)}
}

// Category names the category of a decode error as the vectors spell it:
// "truncated", "too_large", "malformed" or "unknown_kind". It returns "" for
// nil and for errors of no category, such as a failing reader.
func Category(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrTruncated):
		return "truncated"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	case errors.Is(err, ErrUnknownKind):
		return "unknown_kind"
	}
	return ""
}
