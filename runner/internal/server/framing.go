package server

import (
	"bytes"
	"errors"
	"time"

	"golang.org/x/sys/unix"
	"memtally.dev/protocol"
)

// consume adds chunk to the bytes read so far and handles every whole frame.
func (s *Server) consume(chunk []byte) {
	s.pending = append(s.pending, chunk...)
	for len(s.pending) > 0 {
		if s.overdue() {
			s.dropped += len(s.pending)
			s.pending = nil
			return
		}
		r := bytes.NewReader(s.pending)
		payload, err := protocol.ReadFrame(r)
		switch {
		case errors.Is(err, protocol.ErrTruncated):
			return // wait for the rest of the frame
		case errors.Is(err, protocol.ErrTooLarge):
			// Frame boundaries are lost: drop what the client sent
			// before it reads the error, and end the session; the
			// client must say hello again.
			s.discardWaiting()
			s.protocolError(err)
			s.endSession("protocol error: " + err.Error())
			return
		case err != nil:
			s.pending = nil
			s.protocolError(err)
			return
		}
		s.pending = s.pending[len(s.pending)-r.Len():]
		msg, err := protocol.Unmarshal(payload)
		if err != nil {
			s.protocolError(err)
			continue
		}
		s.handle(msg)
	}
}

// discardWaiting drops every byte already sent on the control FIFO, waiting
// until it has been quiet for quietGap, or at most discardLimit.
func (s *Server) discardWaiting() {
	s.pending = nil
	limit := time.NewTimer(discardLimit)
	defer limit.Stop()
	for {
		select {
		case _, ok := <-s.chunks:
			if !ok {
				return
			}
		case <-time.After(quietGap):
			if len(s.chunks) == 0 && s.ctlEmpty() {
				return
			}
		case <-limit.C:
			s.logf("the control fifo was still being written after %v of discarding; reading on", discardLimit)
			return
		}
	}
}

// ctlEmpty tells whether the control FIFO holds no unread byte.
func (s *Server) ctlEmpty() bool {
	conn, err := s.fifos.Ctl.SyscallConn()
	if err != nil {
		return true
	}
	unread := 0
	conn.Control(func(fd uintptr) {
		// TIOCINQ is FIONREAD by another name; pipes answer it too.
		unread, err = unix.IoctlGetInt(int(fd), unix.TIOCINQ)
	})
	return err != nil || unread == 0
}
