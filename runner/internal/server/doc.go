// Package server serves protocol v1 on a run's FIFOs: it answers the harness
// integration of a benchmark command, and turns its Start/Stop requests into
// benchmark windows. A misbehaving client gets an error reply and a message
// on the runner's stderr; it never stops or hangs the runner for longer than
// one reply's timeout, and never makes it keep more than a bounded amount per
// benchmark.
//
// The files follow the layers of the protocol: server.go runs the loop that
// owns all state; framing.go cuts the control FIFO into frames and discards
// what cannot be framed; session.go decides who the client is (hello, its
// identity and its exit); windows.go turns requests into benchmark windows;
// reply.go answers, and gives up on a client that stops reading.
package server
