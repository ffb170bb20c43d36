package server

import (
	"fmt"
	"unicode/utf8"

	"memtally.dev/protocol"
	"memtally.dev/runner/internal/monotime"
	"memtally.dev/runner/internal/results"
)

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
		s.marker(m)
	default:
		s.protocolError(fmt.Errorf("unexpected %s message from a client", msg.Kind()))
	}
}

func (s *Server) start(m protocol.Start) {
	if s.open != nil {
		s.reject(fmt.Sprintf("nested start of %q while %q was running", cutURI(m.URI), s.open.URI))
		return
	}
	if len(m.URI) > protocol.MaxURISize {
		// Recorded all the same, so that results.json says what became
		// of the benchmark rather than leave it out.
		reason := fmt.Sprintf("uri of %d bytes exceeds the limit of %d bytes", len(m.URI), protocol.MaxURISize)
		now := monotime.Now()
		b := s.newBenchmark(cutURI(m.URI), now)
		b.Warmup = warmupOf(m)
		b.StopNS = now
		b.Incomplete(reason)
		s.record(b)
		s.reject(reason)
		return
	}
	if s.tracker != nil {
		if err := s.tracker.Begin(m.URI, s.session.pid); err != nil {
			s.reject(fmt.Sprintf("start tracking %s: %v", m.URI, err))
			return
		}
	}
	s.lastStopped = -1
	b := s.newBenchmark(m.URI, monotime.Now())
	b.Warmup = warmupOf(m)
	s.open = &b
	s.reply(protocol.Ack{})
}

func (s *Server) newBenchmark(uri string, startNS uint64) results.Benchmark {
	return results.Benchmark{
		URI:     uri,
		Target:  s.target,
		PID:     s.session.pid,
		Status:  results.StatusOK,
		StartNS: startNS,
		// Empty, not absent, for a window that is never measured.
		Memory: results.Memory{Timeline: []results.TimelinePoint{}, Allocators: []results.Allocator{}},
	}
}

// warmupOf is the warm-up a start says ran before its window, or nil when
// the client did not say.
func warmupOf(m protocol.Start) *uint32 {
	if !m.Warmup.Known {
		return nil
	}
	calls := m.Warmup.Calls
	return &calls
}

// cutURI shortens a uri over MaxURISize to fit it, marking the cut with an
// ellipsis, so that no more than the limit is kept or echoed.
func cutURI(uri string) string {
	if len(uri) <= protocol.MaxURISize {
		return uri
	}
	const ellipsis = "…"
	n := protocol.MaxURISize - len(ellipsis)
	for n > 0 && !utf8.RuneStart(uri[n]) {
		n--
	}
	return uri[:n] + ellipsis
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
		s.reject(fmt.Sprintf("js_heap for %q, which is not the benchmark just stopped", cutURI(m.URI)))
		return
	}
	s.benchmarks[s.lastStopped].JSHeap = results.FromJSHeap(m)
	s.recordedAgain(s.lastStopped)
	s.lastStopped = -1
	s.reply(protocol.Ack{})
}

// marker records a marker with the open window, or with the client when
// none is open, up to MaxMarkers each.
func (s *Server) marker(m protocol.Marker) {
	if len(m.Name) > protocol.MaxNameSize {
		s.reject(fmt.Sprintf("marker name of %d bytes exceeds the limit of %d bytes", len(m.Name), protocol.MaxNameSize))
		return
	}
	markers, owner := &s.clients[s.session.client].Markers, "a client outside its benchmarks"
	if s.open != nil {
		markers, owner = &s.open.Markers, "a benchmark"
	}
	if len(*markers) >= protocol.MaxMarkers {
		s.reject(fmt.Sprintf("too many markers: %s keeps at most %d", owner, protocol.MaxMarkers))
		return
	}
	*markers = append(*markers, results.Marker{Name: m.Name, TimestampNS: m.Timestamp})
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
			// Also the window's bounds: when counting really
			// started and stopped, around the times taken here.
			s.open.SetMemory(m)
		}
	}
	s.record(*s.open)
	s.open = nil
	s.paused = false
}

// record keeps a finished benchmark: a closed window, or a start that was
// refused.
func (s *Server) record(b results.Benchmark) {
	s.benchmarks = append(s.benchmarks, b)
	s.recordedAgain(len(s.benchmarks) - 1)
}

// recordedAgain tells the OnRecord callback of the benchmark at index, new
// or completed.
func (s *Server) recordedAgain(index int) {
	if s.recorded != nil {
		s.recorded(index, s.benchmarks[index])
	}
}
