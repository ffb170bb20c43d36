package server

import (
	"errors"
	"fmt"
	"os"
	"time"

	"memtally.dev/protocol"
)

// protocolError answers a request the runner could not decode.
func (s *Server) protocolError(err error) {
	s.reject("protocol error: " + err.Error())
}

// reject answers a request with an error. A window in progress is marked
// incomplete: its client is confused, or another process interferes.
func (s *Server) reject(reason string) {
	if s.open != nil {
		s.open.Incomplete(reason)
	}
	if !s.stalled {
		s.logReject(reason)
	}
	s.reply(protocol.Error{Reason: reason})
}

// logReject logs a rejection, folding a run of identical ones (a client
// repeating the same mistake thousands of times) into one line and a count.
func (s *Server) logReject(reason string) {
	who := "client"
	if s.session != nil {
		who = fmt.Sprintf("client pid %d", s.session.pid)
	}
	line := who + ": " + reason
	if line == s.lastReject {
		s.repeats++
		return
	}
	s.flushRepeats()
	s.lastReject = line
	s.logf("%s", line)
}

func (s *Server) flushRepeats() {
	if s.repeats > 0 {
		s.logf("the last message repeated %d more times", s.repeats)
	}
	s.repeats = 0
	s.lastReject = ""
}

// reply writes msg to the ack FIFO, waiting at most replyTimeout for room.
// When that expires the client is not reading: its session ends, and
// nothing more is written until a new session drains the FIFO, so that the
// runner never waits on that client again.
func (s *Server) reply(msg protocol.Message) {
	if s.stalled {
		return
	}
	frame, err := protocol.AppendFrame(nil, msg)
	if err != nil {
		s.logf("encode reply: %v", err)
		return
	}
	if err := s.fifos.Ack.SetWriteDeadline(time.Now().Add(replyTimeout)); err != nil {
		s.logf("reply: %v", err)
		return
	}
	_, err = s.fifos.Ack.Write(frame)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.stall()
	case err != nil:
		s.logf("reply: %v", err)
	}
}

// stall gives up on a client that stopped reading replies. What it queued
// is discarded rather than served one blocked reply at a time.
func (s *Server) stall() {
	s.stalled = true
	reason := fmt.Sprintf("the client stopped reading replies: the ack fifo stayed full for %v", replyTimeout)
	if s.session != nil {
		reason = fmt.Sprintf("client pid %d stopped reading replies: the ack fifo stayed full for %v", s.session.pid, replyTimeout)
	}
	s.flushRepeats()
	s.logf("%s; its session is over, and requests go unanswered until a client says hello", reason)
	s.discardWaiting()
	s.endSession(reason)
}
