package server

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
	"memtally.dev/protocol"
	"memtally.dev/runner/internal/results"
)

type session struct {
	pid     int
	version uint32
	client  int // index of its record in Server.clients

	mu    sync.Mutex
	pidfd int // -1 once the client has exited and the watcher closed it
}

func (s *Server) hello(h protocol.Hello) {
	if reason := overlongHello(h); reason != "" {
		s.reject(reason)
		return
	}
	pid := int(h.PID)
	if s.session != nil && s.session.pid == pid {
		s.restart(h)
		return
	}
	pidfd, reason := s.claim(pid)
	if reason != "" {
		s.reject(reason)
		return
	}
	if s.session != nil {
		if s.session.alive() {
			unix.Close(pidfd)
			s.reject(fmt.Sprintf("another client (pid %d) is connected", s.session.pid))
			return
		}
		s.clientExited(s.session)
	}
	version, err := protocol.Negotiate(h)
	if err != nil {
		unix.Close(pidfd)
		s.reject(err.Error())
		return
	}
	if err := s.fifos.DrainAck(); err != nil {
		s.logf("%v", err)
	}
	// The FIFO is empty again: a client that stopped reading no longer
	// stands in the way of this one.
	s.stalled = false
	s.session = &session{pid: pid, version: version, pidfd: pidfd, client: s.integration(h, version)}
	go s.watch(s.session)
	if s.tracker != nil {
		if err := s.tracker.Connected(); err != nil {
			s.logf("%v", err)
		}
	}
	s.reply(protocol.Welcome{Version: version, Mode: protocol.ModeMemory})
}

// restart renegotiates the session of the process already connected.
func (s *Server) restart(h protocol.Hello) {
	version, err := protocol.Negotiate(h)
	if err != nil {
		s.reject(err.Error())
		return
	}
	if s.open != nil {
		s.open.Incomplete("hello during benchmark")
		s.closeWindow()
	}
	s.session.version = version
	s.session.client = s.integration(h, version)
	s.reply(protocol.Welcome{Version: version, Mode: protocol.ModeMemory})
}

// claim checks the pid a hello names, and returns a pidfd of it, or why it
// cannot be the client. Only a process of the command's own tree may
// connect: any other pid, such as 1, would lock the real client out for as
// long as that process lives. The pidfd is taken first, so that a pid
// reused after the check cannot pass for a process of the tree: a process
// leaves the tree when it exits, before its pid can be reused.
func (s *Server) claim(pid int) (pidfd int, reason string) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1, fmt.Sprintf("hello names pid %d, which is not a running process", pid)
	}
	if s.tracker != nil && !s.tracker.InTree(pid) {
		unix.Close(pidfd)
		return -1, fmt.Sprintf("hello names pid %d, which is not a process of the benchmark command", pid)
	}
	return pidfd, ""
}

// overlongHello says which string of h is over its limit, if one is.
func overlongHello(h protocol.Hello) string {
	for _, f := range []struct{ name, value string }{
		{"integration", h.Integration},
		{"integration_version", h.IntegrationVersion},
	} {
		if len(f.value) > protocol.MaxNameSize {
			return fmt.Sprintf("%s of %d bytes exceeds the limit of %d bytes", f.name, len(f.value), protocol.MaxNameSize)
		}
	}
	return ""
}

// integration returns the index of the client process's record, which a
// later hello of the same process updates: one record per process, however
// often it says hello.
func (s *Server) integration(h protocol.Hello, version uint32) int {
	rec := results.Integration{
		Name: h.Integration, Version: h.IntegrationVersion, PID: int(h.PID), ProtocolVersion: version,
	}
	for i := range s.clients {
		if s.clients[i].PID == rec.PID {
			rec.Markers = s.clients[i].Markers
			s.clients[i] = rec
			return i
		}
	}
	s.clients = append(s.clients, rec)
	return len(s.clients) - 1
}

func (s *Server) clientExited(sess *session) {
	if s.session != sess {
		return
	}
	if len(s.pending) > 0 {
		s.logf("client pid %d exited in the middle of a frame; %d bytes dropped", sess.pid, len(s.pending))
		s.pending = nil
	}
	s.endSession("client exited during benchmark")
	// Replies the dead client never read would otherwise be the next
	// client's first read.
	if err := s.fifos.DrainAck(); err != nil {
		s.logf("%v", err)
	}
}

// endSession forgets the client, closing its open window as incomplete.
// Its watcher keeps the pidfd until the process exits, and its report is
// then ignored.
func (s *Server) endSession(reason string) {
	s.lastStopped = -1
	if s.open != nil {
		s.open.Incomplete(reason)
		s.closeWindow()
	}
	s.session = nil
}

// watch reports when a client's process ends. A pidfd becomes readable at
// exit, zombie or not, and cannot be fooled by pid reuse.
func (s *Server) watch(sess *session) {
	fds := []unix.PollFd{{Fd: int32(sess.pidfd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		if err == nil || !errors.Is(err, unix.EINTR) {
			break
		}
	}
	sess.mu.Lock()
	unix.Close(sess.pidfd)
	sess.pidfd = -1
	sess.mu.Unlock()
	select {
	case s.exits <- sess:
	case <-s.stopped:
	}
}

// alive tells whether the client process still runs, without waiting for
// its watcher to notice an exit that has already happened.
func (sess *session) alive() bool {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.pidfd < 0 {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(sess.pidfd), Events: unix.POLLIN}}
	for {
		// The runtime's preemption signals can interrupt even a poll
		// that does not wait.
		n, err := unix.Poll(fds, 0)
		if !errors.Is(err, unix.EINTR) {
			return err == nil && n == 0
		}
	}
}
