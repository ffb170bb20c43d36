package cli

import (
	"fmt"
	"sync"

	"memtally.dev/runner/internal/capture"
)

// tracerLoad is a capture.Tracer started, and closed, in the background.
type tracerLoad struct {
	done   chan struct{}
	tracer *capture.Tracer
	err    error

	closing sync.Once
	closed  chan struct{}
}

func loadTracer(opts capture.Options) *tracerLoad {
	l := &tracerLoad{done: make(chan struct{}), closed: make(chan struct{})}
	go func() {
		defer close(l.done)
		if l.tracer, l.err = capture.New(opts); l.err != nil {
			l.err = fmt.Errorf("start capture: %w", l.err)
		}
	}()
	return l
}

// wait returns the tracer once it is started; it may be called again.
func (l *tracerLoad) wait() (*capture.Tracer, error) {
	<-l.done
	return l.tracer, l.err
}

// closeInBackground starts closing the tracer, once it is started.
func (l *tracerLoad) closeInBackground() {
	l.closing.Do(func() {
		go func() {
			defer close(l.closed)
			if tracer, _ := l.wait(); tracer != nil {
				tracer.Close()
			}
		}()
	})
}

// close closes the tracer and returns once it is closed: its held
// processes released, its probes detached.
func (l *tracerLoad) close() {
	l.closeInBackground()
	<-l.closed
}
