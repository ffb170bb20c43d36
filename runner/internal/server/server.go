package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/fifo"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/untrusted"
)

const (
	// replyTimeout bounds how long a reply may wait for room in the ack
	// FIFO; a full pipe means nobody is reading, since a client following
	// the protocol reads each reply before its next request.
	replyTimeout = time.Second
	// quietGap is how long the control FIFO must stay silent for the rest
	// of a frame that cannot be read to count as discarded.
	quietGap = 10 * time.Millisecond
	// discardLimit bounds a discard, against a client that never stops
	// writing.
	discardLimit = time.Second
	// finalSweep is how long the runner keeps reading after the command
	// exited, for frames written just before the exit.
	finalSweep = 50 * time.Millisecond
	// sweepLimit bounds how long frames are still handled after the
	// command exited, however many a client queued: the target's timeout
	// must bound the whole target.
	sweepLimit = time.Second
	// exitSettle is how long a client's exit waits for the frames it
	// wrote just before dying to be read.
	exitSettle = 10 * time.Millisecond
)

// Tracker opens and closes the measurement windows. Begin returns once
// every later allocation counts; End once every allocation of the window
// has been accounted. uri names the benchmark, for the progress line.
// InTree tells whether pid is a process of the benchmark command's tree,
// the only processes whose hello is accepted.
type Tracker interface {
	// Begin opens the window of the benchmark uri, run by process pid,
	// the client's: the window counts pid and its descendants.
	Begin(uri string, pid int) error
	Pause() error
	Resume() error
	End() (capture.Metrics, error)
	InTree(pid int) bool
	// Connected is called when a client is welcomed: from then on the
	// command reports its own benchmarks, if any.
	Connected() error
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

	// stalled is set once a reply found the ack FIFO full for
	// replyTimeout: nothing more is written to it until a new session
	// drains it.
	stalled bool
	// sweepEnd is when frames stop being handled, once the command has
	// exited; zero before.
	sweepEnd time.Time
	// dropped counts the bytes left unhandled at sweepEnd.
	dropped int
	// treeDone, if set, is closed once no process of the command's tree
	// is left to write a frame (SweepUntil).
	treeDone <-chan struct{}
	// treeGone is set once treeDone is closed after the command exited:
	// the final sweep then ends as soon as the control FIFO is empty.
	treeGone bool
	// lastReject and repeats fold a flood of identical rejections into
	// one line of the log.
	lastReject string
	repeats    int

	chunks  chan []byte
	exits   chan *session // sessions whose client process ended
	stopped chan struct{}
}

// New returns a server for target on fifos, measuring each window with
// tracker; a nil tracker records the windows' times only, and accepts a
// hello from any running process. Messages about misbehaving clients go to
// log.
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
// It returns within about sweepLimit plus one replyTimeout of commandDone,
// whatever the clients do.
func (s *Server) Serve(commandDone <-chan struct{}) {
	defer close(s.stopped)
	go s.read()
	var settle <-chan time.Time
	var treeDone <-chan struct{} // watched once the command has exited
	for {
		select {
		case chunk, ok := <-s.chunks:
			if !ok {
				s.finish("the benchmark command exited during the benchmark")
				return
			}
			if s.overdue() {
				s.dropped += len(chunk)
				break
			}
			s.consume(chunk)
			s.endSweepIfRead()
		case <-treeDone:
			treeDone = nil
			s.treeGone = true
			s.endSweepIfRead()
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
			s.sweepEnd = time.Now().Add(sweepLimit)
			// Give the reader a last look at the FIFO, for frames
			// written just before the exit; it closes chunks when the
			// deadline passes.
			if err := s.fifos.Ctl.SetReadDeadline(time.Now().Add(finalSweep)); err != nil {
				s.logf("stop reading control fifo: %v", err)
			}
			treeDone = s.treeDone
		}
	}
}

// endSweepIfRead ends the final sweep now, once the command's tree is gone
// and every byte it wrote has been read: nothing more can come.
func (s *Server) endSweepIfRead() {
	if !s.treeGone || len(s.chunks) > 0 || !s.ctlEmpty() {
		return
	}
	if err := s.fifos.Ctl.SetReadDeadline(time.Now()); err != nil {
		s.logf("stop reading control fifo: %v", err)
	}
}

// overdue tells whether the command exited long enough ago that what the
// clients still send is dropped unread.
func (s *Server) overdue() bool {
	return !s.sweepEnd.IsZero() && time.Now().After(s.sweepEnd)
}

// OnRecord makes the server call f with every benchmark it records, and
// again when a later message completes it, before the client hears that the
// window stopped; index is its position in Benchmarks. Call it before
// Serve.
func (s *Server) OnRecord(f func(index int, b results.Benchmark)) { s.recorded = f }

// SweepUntil shortens the final sweep after the command exits: once
// treeDone is closed, no process is left that could still write a frame, so
// the sweep ends as soon as what they wrote has been read, rather than
// after finalSweep. Call it before Serve.
func (s *Server) SweepUntil(treeDone <-chan struct{}) { s.treeDone = treeDone }

// Benchmarks returns the windows recorded, in the order they opened.
func (s *Server) Benchmarks() []results.Benchmark { return s.benchmarks }

// Integrations returns the clients that completed a handshake, one record
// per client process.
func (s *Server) Integrations() []results.Integration { return s.clients }

// read copies the control FIFO into chunks. Framing happens in Serve, which
// owns all state: a frame cut short by a dying client can then be dropped
// when the client's exit is noticed, instead of swallowing the next client's
// first bytes.
func (s *Server) read() {
	defer close(s.chunks)
	// Each chunk is a copy of what one read returned, usually a frame
	// of a hundred bytes or so: a fresh 4 KiB buffer per read was most
	// of what the runner allocated on a target of 100,000 benchmarks.
	buf := make([]byte, 4096)
	for {
		n, err := s.fifos.Ctl.Read(buf)
		if n > 0 {
			s.chunks <- bytes.Clone(buf[:n])
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
	if s.dropped > 0 {
		s.logf("%d bytes of requests arrived more than %v after the command exited; dropped unread", s.dropped, sweepLimit)
	}
	s.endSession(reason)
	s.flushRepeats()
}

// logf writes a line about the target. Its text quotes what clients sent
// (URIs, names, reasons), so it is escaped as a whole: a client cannot
// rewrite the terminal or add lines.
func (s *Server) logf(format string, args ...any) {
	fmt.Fprintf(s.log, "runner: target %s: %s\n", untrusted.Terminal(s.target), untrusted.Terminal(fmt.Sprintf(format, args...)))
}
