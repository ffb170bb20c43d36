package cli

import (
	"fmt"
	"sync"

	"memtally.dev/runner/internal/capture"
	"memtally.dev/runner/internal/privlibs"
	"memtally.dev/runner/internal/results"
)

// tracerLoad is a capture.Tracer started, and closed, in the background.
type tracerLoad struct {
	done   chan struct{}
	tracer *capture.Tracer
	err    error
	// ns holds the private copies of the allocator libraries the
	// commands start in, unless probes are per process; probes says
	// which, for results.json.
	ns     *privlibs.Namespace
	probes results.Probes

	closing sync.Once
	closed  chan struct{}
}

// loadTracer starts the tracer with opts; perProcess keeps every probe per
// process, rather than per binary on private copies of the allocator
// libraries (see privlibs).
func loadTracer(opts capture.Options, perProcess bool) *tracerLoad {
	l := &tracerLoad{done: make(chan struct{}), closed: make(chan struct{})}
	go func() {
		defer close(l.done)
		// The namespace is made beside the programs' loading, which
		// takes longer.
		var made chan namespaceMade
		if !opts.SharedProbes && !perProcess {
			made = make(chan namespaceMade, 1)
			go func() {
				ns, err := privlibs.New()
				made <- namespaceMade{ns, err}
			}()
		}
		l.tracer, l.err = capture.New(opts)
		var m namespaceMade
		if made != nil {
			m = <-made
		}
		if l.err != nil {
			l.err = fmt.Errorf("start capture: %w", l.err)
			if m.ns != nil {
				m.ns.Close()
			}
			return
		}
		switch {
		case opts.SharedProbes:
			l.probes = results.Probes{Mode: results.ProbesShared}
		case perProcess:
			l.probes = results.Probes{Mode: results.ProbesPerProcess, Reason: "--per-process-probes"}
		default:
			l.probes = l.sharePrivate(m.ns, m.err)
		}
	}()
	return l
}

type namespaceMade struct {
	ns  *privlibs.Namespace
	err error
}

// sharePrivate has the probes of the namespace's private libraries
// shared, given the namespace or why it could not be made. Without it,
// probes stay per process: the numbers are the same, and only a command
// that forks many processes is slower, so the run goes on and results.json
// says why.
func (l *tracerLoad) sharePrivate(ns *privlibs.Namespace, err error) results.Probes {
	if err != nil {
		return results.Probes{Mode: results.ProbesPerProcess, Reason: err.Error()}
	}
	var files []capture.PrivateFile
	var paths []string
	for _, lib := range ns.Libraries() {
		files = append(files, capture.PrivateFile{Dev: lib.Dev, Ino: lib.Ino})
		paths = append(paths, lib.Path)
	}
	if err := l.tracer.ShareProbesOf(files); err != nil {
		ns.Close()
		return results.Probes{Mode: results.ProbesPerProcess, Reason: err.Error()}
	}
	l.ns = ns
	return results.Probes{Mode: results.ProbesPrivateLibraries, Libraries: paths}
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
			if l.ns != nil {
				l.ns.Close()
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
