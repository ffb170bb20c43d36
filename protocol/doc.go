// Package protocol is the reference codec for memtally's integration protocol,
// the messages a benchmark harness exchanges with the runner to mark where each
// benchmark starts and stops.
//
// SPEC.md beside this file is the normative, language-neutral definition; this
// package implements it and generates the conformance vectors in vectors/ that
// every other implementation tests against. Messages are plain values (Hello,
// not *Hello). Marshal produces the canonical payload, byte for byte; Unmarshal
// applies the strict decoding rules, so the runner rejects exactly what every
// other decoder rejects. Decode errors wrap one of ErrTruncated, ErrTooLarge,
// ErrMalformed or ErrUnknownKind, and Category names it the way the vectors do.
package protocol
