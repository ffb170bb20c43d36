// Package vectors builds and reads vectors/vectors.json, the conformance
// vectors every implementation of the protocol tests against.
//
// The vectors are generated from the Go reference codec: Generate checks every
// vector against it before writing anything, so the file can only state what
// the codec does, and a test in the protocol package fails when the
// checked-in file is no longer what Generate produces.
package vectors
