// Package client speaks the integration side of memtally's protocol, as a
// harness integration does: it connects to the runner through the FIFOs named
// in the environment, says hello, and brackets each benchmark with Start and
// Stop.
//
// It follows SPEC.md's opening rules, so a Client never blocks in open(2) and
// reports ErrNoRunner when no runner is listening. Every request waits for its
// reply for at most the client's timeout; ErrTimeout then means the runner is
// gone. Besides serving Go integrations, it is the runner's test harness: Request,
// WriteRaw and ReadReply let a test send what a misbehaving integration would.
package client
