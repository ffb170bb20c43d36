// Package server serves protocol v1 on a run's FIFOs: it answers the harness
// integration of a benchmark command, and turns its Start/Stop requests into
// benchmark windows. A misbehaving client gets an error reply and a message
// on the runner's stderr; it never stops or hangs the runner.
package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"memtally.dev/protocol"
	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/fifo"
	"memtally.dev/runner/internal/monotime"
	"memtally.dev/runner/internal/results"
)

const (
	// replyTimeout bounds how long a reply may wait for room in the ack
	// FIFO; a full pipe means nobody is reading.
	replyTimeout = time.Second
	// quietGap is how long the control FIFO must stay silent for the rest
	// of an oversize frame to count as discarded.
	quietGap = 10 * time.Millisecond
	// finalSweep is how long the runner keeps reading after the command
	// exited, for frames written just before the exit.
	finalSweep = 50 * time.Millisecond
	// exitSettle is how long a client's exit waits for the frames it
	// wrote just before dying to be read.
	exitSettle = 10 * time.Millisecond
)

// Tracker opens and closes the measurement windows. Begin returns once
// every later allocation counts; End once every allocation of the window
// has been accounted. uri names the benchmark, for the progress line.
type Tracker interface {
	Begin(uri string) error
	Pause() error
	Resume() error
	End() (capture.Metrics, error)
}

// Server serves one target's command.
type Server struct {
	fifos   *fifo.Pair
	target  string
	log     io.Writer
	tracker Tracker

	pending []byte // bytes of an incomplete frame

	session *session
	exited  []*session         // client exits noticed while their frames may be unread
	open    *results.Benchmark // the window in progress, if any
	paused  bool               // whether the open window is paused
	// lastStopped indexes benchmarks at the session's last stopped
	// benchmark, which a js_heap report may still describe; -1 when there
	// is none.
	lastStopped int
	benchmarks  []results.Benchmark
	clients     []results.Integration
	recorded    func(index int, b results.Benchmark)

	chunks  chan []byte
	exits   chan *session // sessions whose client process ended
	stopped chan struct{}
}

type session struct {
	pid     int
	version uint32
	client  int // index of its record in Server.clients

	mu    sync.Mutex
	pidfd int // -1 once the client has exited and the watcher closed it
}

// New returns a server for target on fifos, measuring each window with
// tracker; a nil tracker records the windows' times only. Messages about
// misbehaving clients go to log.
func New(fifos *fifo.Pair, target string, log io.Writer, tracker Tracker) *Server {
	return &Server{
		fifos:       fifos,
		target:      target,
		log:         log,
		tracker:     tracker,
		lastStopped: -1,
		chunks:      make(chan []byte, 16),
		exits:       make(chan *session),
		stopped:     make(chan struct{}),
	}
}

// Serve answers clients until commandDone is closed, then reads what is
// left in the control FIFO and closes any window still open as incomplete.
func (s *Server) Serve(commandDone <-chan struct{}) {
	defer close(s.stopped)
	go s.read()
	var settle <-chan time.Time
	for {
		select {
		case chunk, ok := <-s.chunks:
			if !ok {
				s.finish("the benchmark command exited during the benchmark")
				return
			}
			s.consume(chunk)
		case sess := <-s.exits:
			s.exited = append(s.exited, sess)
			settle = time.After(exitSettle)
		case <-settle:
			settle = nil
			// A client may write Stop and exit without waiting for
			// the ack; its exit must not overtake its last frames.
			if len(s.chunks) > 0 || !s.ctlEmpty() {
				settle = time.After(exitSettle)
				break
			}
			for _, sess := range s.exited {
				s.clientExited(sess)
			}
			s.exited = nil
		case <-commandDone:
			commandDone = nil
			// Give the reader a last look at the FIFO, for frames
			// written just before the exit; it closes chunks when the
			// deadline passes.
			if err := s.fifos.Ctl.SetReadDeadline(time.Now().Add(finalSweep)); err != nil {
				s.logf("stop reading control fifo: %v", err)
			}
		}
	}
}

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

// OnRecord makes the server call f with every window it records, and again
// when a later message completes it, before the client hears that the
// window stopped; index is its position in Benchmarks. Call it before
// Serve.
func (s *Server) OnRecord(f func(index int, b results.Benchmark)) { s.recorded = f }

// Benchmarks returns the windows recorded, in the order they opened.
func (s *Server) Benchmarks() []results.Benchmark { return s.benchmarks }

// Integrations returns the clients that completed a handshake.
func (s *Server) Integrations() []results.Integration { return s.clients }

// read copies the control FIFO into chunks. Framing happens in Serve, which
// owns all state: a frame cut short by a dying client can then be dropped
// when the client's exit is noticed, instead of swallowing the next client's
// first bytes.
func (s *Server) read() {
	defer close(s.chunks)
	for {
		buf := make([]byte, 4096)
		n, err := s.fifos.Ctl.Read(buf)
		if n > 0 {
			s.chunks <- buf[:n]
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				s.logf("read control fifo: %v", err)
			}
			return
		}
	}
}

func (s *Server) consume(chunk []byte) {
	s.pending = append(s.pending, chunk...)
	for len(s.pending) > 0 {
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
// until it has been quiet for quietGap.
func (s *Server) discardWaiting() {
	s.pending = nil
	for {
		select {
		case _, ok := <-s.chunks:
			if !ok {
				return
			}
		case <-time.After(quietGap):
			if s.ctlEmpty() {
				return
			}
		}
	}
}

func (s *Server) handle(msg protocol.Message) {
	if hello, ok := msg.(protocol.Hello); ok {
		s.hello(hello)
		return
	}
	if s.session == nil {
		s.reject(fmt.Sprintf("hello required before %s", msg.Kind()))
		return
	}
	switch m := msg.(type) {
	case protocol.Start:
		s.start(m)
	case protocol.Stop:
		s.stop()
	case protocol.JSHeap:
		s.jsHeap(m)
	case protocol.Pause:
		s.pause(true)
	case protocol.Resume:
		s.pause(false)
	case protocol.Marker:
		marker := results.Marker{Name: m.Name, TimestampNS: m.Timestamp}
		if s.open != nil {
			s.open.Markers = append(s.open.Markers, marker)
		} else {
			client := &s.clients[s.session.client]
			client.Markers = append(client.Markers, marker)
		}
		s.reply(protocol.Ack{})
	default:
		s.protocolError(fmt.Errorf("unexpected %s message from a client", msg.Kind()))
	}
}

func (s *Server) hello(h protocol.Hello) {
	if s.session != nil && s.session.pid != int(h.PID) {
		if s.session.alive() {
			s.reject(fmt.Sprintf("another client (pid %d) is connected", s.session.pid))
			return
		}
		s.clientExited(s.session)
	}
	version, err := protocol.Negotiate(h)
	if err != nil {
		s.reject(err.Error())
		return
	}
	if s.session != nil {
		// The connected process restarts its session.
		if s.open != nil {
			s.open.Incomplete("hello during benchmark")
			s.closeWindow()
		}
		s.session.version = version
		s.reply(protocol.Welcome{Version: version, Mode: protocol.ModeMemory})
		return
	}
	pidfd, err := unix.PidfdOpen(int(h.PID), 0)
	if err != nil {
		s.reject(fmt.Sprintf("hello names pid %d, which is not a running process", h.PID))
		return
	}
	if err := s.fifos.DrainAck(); err != nil {
		s.logf("%v", err)
	}
	s.session = &session{pid: int(h.PID), version: version, pidfd: pidfd, client: s.integration(h, version)}
	go s.watch(s.session)
	s.reply(protocol.Welcome{Version: version, Mode: protocol.ModeMemory})
}

// integration returns the index of the client's record, adding one unless
// the same process said hello before with the same identity.
func (s *Server) integration(h protocol.Hello, version uint32) int {
	for i, c := range s.clients {
		if c.PID == int(h.PID) && c.Name == h.Integration && c.Version == h.IntegrationVersion && c.ProtocolVersion == version {
			return i
		}
	}
	s.clients = append(s.clients, results.Integration{
		Name: h.Integration, Version: h.IntegrationVersion, PID: int(h.PID), ProtocolVersion: version,
	})
	return len(s.clients) - 1
}

func (s *Server) start(m protocol.Start) {
	if s.open != nil {
		s.reject(fmt.Sprintf("nested start of %q while %q was running", m.URI, s.open.URI))
		return
	}
	if s.tracker != nil {
		if err := s.tracker.Begin(m.URI); err != nil {
			s.reject(fmt.Sprintf("start tracking %s: %v", m.URI, err))
			return
		}
	}
	s.lastStopped = -1
	s.open = &results.Benchmark{
		URI:     m.URI,
		Target:  s.target,
		PID:     s.session.pid,
		Status:  results.StatusOK,
		StartNS: monotime.Now(),
	}
	s.reply(protocol.Ack{})
}

// pause pauses the open window, or resumes it.
func (s *Server) pause(pause bool) {
	verb := map[bool]string{true: "pause", false: "resume"}[pause]
	switch {
	case s.open == nil:
		s.reject(verb + " without start")
		return
	case s.paused == pause:
		s.reject(fmt.Sprintf("%s of %q, which is already %sd", verb, s.open.URI, verb))
		return
	}
	if s.tracker != nil {
		do := s.tracker.Resume
		if pause {
			do = s.tracker.Pause
		}
		if err := do(); err != nil {
			s.reject(fmt.Sprintf("%s tracking %s: %v", verb, s.open.URI, err))
			return
		}
	}
	s.paused = pause
	s.reply(protocol.Ack{})
}

func (s *Server) stop() {
	if s.open == nil {
		s.reject("stop without start")
		return
	}
	s.open.StopNS = monotime.Now()
	s.closeWindow()
	s.lastStopped = len(s.benchmarks) - 1
	s.reply(protocol.Ack{})
}

// jsHeap records what a JS integration measured of the V8 heap around the
// run of the benchmark it just stopped.
func (s *Server) jsHeap(m protocol.JSHeap) {
	if s.lastStopped < 0 || s.benchmarks[s.lastStopped].URI != m.URI {
		s.reject(fmt.Sprintf("js_heap for %q, which is not the benchmark just stopped", m.URI))
		return
	}
	s.benchmarks[s.lastStopped].JSHeap = results.FromJSHeap(m)
	s.record(s.lastStopped)
	s.lastStopped = -1
	s.reply(protocol.Ack{})
}

// closeWindow stops tracking and records the window.
func (s *Server) closeWindow() {
	if s.open.StopNS == 0 {
		s.open.StopNS = monotime.Now()
	}
	if s.tracker != nil {
		m, err := s.tracker.End()
		if err != nil {
			s.open.Incomplete(fmt.Sprintf("stop tracking: %v", err))
		} else {
			s.open.SetMemory(m)
		}
	}
	s.benchmarks = append(s.benchmarks, *s.open)
	s.open = nil
	s.paused = false
	s.record(len(s.benchmarks) - 1)
}

func (s *Server) record(index int) {
	if s.recorded != nil {
		s.recorded(index, s.benchmarks[index])
	}
}

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
	who := "client"
	if s.session != nil {
		who = fmt.Sprintf("client pid %d", s.session.pid)
	}
	s.logf("%s: %s", who, reason)
	s.reply(protocol.Error{Reason: reason})
}

func (s *Server) reply(msg protocol.Message) {
	frame, err := protocol.AppendFrame(nil, msg)
	if err != nil {
		s.logf("encode reply: %v", err)
		return
	}
	if err := s.fifos.Ack.SetWriteDeadline(time.Now().Add(replyTimeout)); err != nil {
		s.logf("reply: %v", err)
		return
	}
	if _, err := s.fifos.Ack.Write(frame); err != nil {
		s.logf("reply: ack fifo is full; no client is reading: %v", err)
	}
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

func (s *Server) finish(reason string) {
	for _, sess := range s.exited {
		s.clientExited(sess)
	}
	// Say it was the client that went away whenever it did, however the
	// notices raced.
	if s.session != nil && !s.session.alive() {
		s.clientExited(s.session)
	}
	if len(s.pending) > 0 {
		s.logf("the command exited in the middle of a frame; %d bytes dropped", len(s.pending))
	}
	s.endSession(reason)
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

func (s *Server) logf(format string, args ...any) {
	fmt.Fprintf(s.log, "runner: target %s: "+format+"\n", append([]any{s.target}, args...)...)
}
