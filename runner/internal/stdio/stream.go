package stdio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

// Stream is one of the runner's output streams. Once its reader is gone
// (a write fails with EPIPE), it discards everything written to it and
// reports success. It is safe for concurrent use.
type Stream struct {
	file   *os.File
	name   string
	notice io.Writer // where to say that the stream closed, if anywhere

	closed atomic.Bool
	once   sync.Once
}

// Streams are the runner's stdout and stderr.
type Streams struct {
	Stdout, Stderr *Stream
}

// Open wraps the process's stdout and stderr, and makes SIGPIPE harmless
// to the runner for as long as it lives: writes to a closed pipe fail with
// EPIPE, which the Streams absorb. SIGPIPE is taken with a handler rather
// than ignored, because an ignored signal stays ignored across exec and
// the benchmark commands would inherit that.
func Open(stdout, stderr *os.File) *Streams {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	s := &Streams{
		Stdout: &Stream{file: stdout, name: "stdout"},
		Stderr: &Stream{file: stderr, name: "stderr"},
	}
	s.Stdout.notice = s.Stderr
	return s
}

// Write writes p, or discards it once the reader is gone.
func (s *Stream) Write(p []byte) (int, error) {
	if s.closed.Load() {
		return len(p), nil
	}
	n, err := s.file.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		s.gone()
		return len(p), nil
	}
	return n, err
}

// Closed reports whether the stream's reader has gone.
func (s *Stream) Closed() bool { return s.closed.Load() }

// File is the file behind the stream, for asking whether it is a terminal.
func (s *Stream) File() *os.File { return s.file }

func (s *Stream) gone() {
	s.closed.Store(true)
	s.once.Do(func() {
		if s.notice != nil {
			fmt.Fprintf(s.notice, "runner: %s was closed by its reader; what the runner and the benchmarks write there is discarded from now on\n", s.name)
		}
	})
}

// File returns the file behind w when w is a Stream or a file, and nil
// otherwise.
func File(w io.Writer) *os.File {
	switch w := w.(type) {
	case *Stream:
		return w.file
	case *os.File:
		return w
	}
	return nil
}
