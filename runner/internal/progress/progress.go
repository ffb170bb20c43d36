package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"memtally.dev/runner/internal/bytesize"
	"memtally.dev/runner/internal/untrusted"
)

// Level is how much a run prints.
type Level int

const (
	// Quiet prints nothing but errors and warnings.
	Quiet Level = iota
	// Normal prints the progress and the end-of-run table.
	Normal
	// Verbose adds a line per finished benchmark with its numbers, and
	// exact byte counts in the table.
	Verbose
)

// Terminal describes the terminal a reporter draws on.
type Terminal struct {
	// Rows and Cols are its size, 0 when unknown.
	Rows, Cols int
}

// TerminalOf returns the terminal w writes to, or nil when w is not one
// (a pipe, a file, a CI log), where progress is plain lines.
func TerminalOf(w io.Writer) *Terminal {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return nil
	}
	t := &Terminal{}
	if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
		t.Rows, t.Cols = int(ws.Row), int(ws.Col)
	}
	return t
}

// Reporter prints the progress of a run. Its methods may be called from
// several goroutines.
type Reporter struct {
	w    io.Writer
	tty  bool
	term Terminal
	// pinned is set when the status line lives on the terminal's last row,
	// below a scroll region that holds everything else (as apt draws its
	// progress): the benchmarks write to the same terminal whenever they
	// like, and the region keeps their output from running into the line.
	pinned bool
	level  Level
	now    func() time.Time

	mu          sync.Mutex
	runStart    time.Time
	target      string
	targetIndex int
	targets     int
	rep, reps   int
	bench       int // windows opened in this target so far
	expected    int // windows the previous repetition of this target had, 0 if unknown
	uri         string
	benchStart  time.Time
	drawn       bool
	stop        chan struct{}
	done        chan struct{}
}

// New returns a reporter writing to w: a redrawn status line when term is
// a terminal, plain lines when it is nil.
func New(w io.Writer, term *Terminal, level Level) *Reporter {
	r := &Reporter{w: w, tty: term != nil, level: level, now: time.Now, runStart: time.Now(), reps: 1}
	if term == nil || level == Quiet {
		return r
	}
	r.term = *term
	if r.term.Rows >= 3 {
		// Make room below the cursor, confine scrolling to every row
		// but the last, and go back to where the cursor was.
		r.pinned = true
		fmt.Fprintf(r.w, "\n\x1b7\x1b[1;%dr\x1b8\x1b[1A", r.term.Rows-1)
	}
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	go r.tick()
	return r
}

// tick redraws the status line so that the elapsed time moves while a
// benchmark runs.
func (r *Reporter) tick() {
	defer close(r.done)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.mu.Lock()
			if r.target != "" {
				r.draw()
			}
			r.mu.Unlock()
		}
	}
}

// TargetStarted says that target i of n (from 1) starts, in repetition rep
// of reps. expected is how many benchmarks the target had in the previous
// repetition, 0 when unknown: a harness announces its benchmarks only as
// it runs them, so N is known from the second repetition on.
func (r *Reporter) TargetStarted(name string, i, n, rep, reps, expected int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.target, r.targetIndex, r.targets, r.rep, r.reps = untrusted.Terminal(name), i, n, rep, reps
	r.bench, r.expected, r.uri = 0, expected, ""
	r.benchStart = r.now()
	if r.level == Quiet {
		return
	}
	if r.tty {
		r.draw()
		return
	}
	fmt.Fprintf(r.w, "runner: %s target %s\n", r.position(), r.target)
}

// BenchmarkStarted says that a window opened. uri may be empty when the
// caller does not know it yet. It comes from the benchmark, and is shown
// escaped, as the target's name is: a raw escape sequence or carriage
// return in either would redraw the terminal.
func (r *Reporter) BenchmarkStarted(uri string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bench++
	r.uri = untrusted.Terminal(uri)
	r.benchStart = r.now()
	if r.level == Quiet {
		return
	}
	if r.tty {
		r.draw()
		return
	}
	if r.level == Verbose {
		fmt.Fprintf(r.w, "runner: %s %s %s\n", r.position(), r.target, r.benchText())
	}
}

// BenchmarkDiscarded says that the open window was dropped unrecorded: a
// whole-command window gives way when the command's harness reports its
// own benchmarks.
func (r *Reporter) BenchmarkDiscarded() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bench > 0 {
		r.bench--
	}
	r.uri = ""
}

// BenchmarkFinished says that the open window closed, with its peak and
// total.
func (r *Reporter) BenchmarkFinished(peak, total, allocs uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.level != Verbose {
		return
	}
	r.clear()
	fmt.Fprintf(r.w, "runner: %s %s %s done in %s: peak %s (%d), total %s (%d), %d allocations\n",
		r.position(), r.target, r.benchText(), round(r.now().Sub(r.benchStart)),
		bytesize.Format(peak), peak, bytesize.Format(total), total, allocs)
}

// TargetFinished says that the current target ended, and how many of its
// benchmarks are incomplete: a target that ran is "ok" even when none of
// its numbers can be trusted, and the line must not read as if they could.
func (r *Reporter) TargetFinished(status string, incomplete int, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.level == Quiet {
		r.target = ""
		return
	}
	r.clear()
	noun := "benchmarks"
	if r.bench == 1 {
		noun = "benchmark"
	}
	what := fmt.Sprintf("%d %s", r.bench, noun)
	if incomplete > 0 {
		what += fmt.Sprintf(", %d INCOMPLETE", incomplete)
	}
	fmt.Fprintf(r.w, "runner: %s target %s %s: %s in %s\n", r.position(), r.target, status, what, round(elapsed))
	r.target = ""
}

// Close stops redrawing, erases the status line and gives the terminal
// its whole height back.
func (r *Reporter) Close() {
	if r.stop != nil {
		close(r.stop)
		<-r.done
		r.stop = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	if r.pinned {
		fmt.Fprintf(r.w, "\x1b7\x1b[1;%dr\x1b8", r.term.Rows)
		r.pinned = false
	}
}

func (r *Reporter) position() string {
	s := fmt.Sprintf("[%d/%d]", r.targetIndex, r.targets)
	if r.reps > 1 {
		s = fmt.Sprintf("[run %d/%d %d/%d]", r.rep, r.reps, r.targetIndex, r.targets)
	}
	return s
}

func (r *Reporter) benchText() string {
	s := fmt.Sprintf("benchmark %d", r.bench)
	if r.expected > 0 {
		s = fmt.Sprintf("benchmark %d/%d", r.bench, r.expected)
	}
	if r.uri != "" {
		s += " " + r.uri
	}
	return s
}

// draw rewrites the status line. Pinned, it saves the cursor, writes the
// last row and restores the cursor, in one write, which the terminal
// driver does not interleave with the benchmarks' writes. Otherwise it is
// a carriage return, the line, and an erase to its end, so that a shorter
// line leaves nothing of a longer one.
func (r *Reporter) draw() {
	line := fmt.Sprintf("%s %s", r.position(), r.target)
	if r.bench > 0 {
		line += " " + r.benchText()
	}
	line += fmt.Sprintf("  %s (total %s)", round(r.now().Sub(r.benchStart)), round(r.now().Sub(r.runStart)))
	if r.term.Cols > 1 {
		if runes := []rune(line); len(runes) >= r.term.Cols {
			line = string(runes[:r.term.Cols-2]) + "…"
		}
	}
	if r.pinned {
		fmt.Fprintf(r.w, "\x1b7\x1b[%d;1H\x1b[7m%s\x1b[K\x1b[0m\x1b8", r.term.Rows, line)
	} else {
		fmt.Fprintf(r.w, "\r%s\x1b[K", line)
	}
	r.drawn = true
}

// clear erases the status line. A pinned line stays put, as plain lines
// scroll above it.
func (r *Reporter) clear() {
	if !r.drawn {
		return
	}
	if r.pinned {
		if r.stop == nil {
			fmt.Fprintf(r.w, "\x1b7\x1b[%d;1H\x1b[K\x1b8", r.term.Rows)
			r.drawn = false
		}
		return
	}
	fmt.Fprint(r.w, "\r\x1b[K")
	r.drawn = false
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
