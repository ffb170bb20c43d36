package stdio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Output is how one command's stdout and stderr reach the runner's.
type Output struct {
	// Stdout and Stderr are what to give the command: a file, passed
	// through as it is, or the write end of a pipe the runner copies.
	Stdout, Stderr io.Writer

	writeEnds []*os.File
	copies    []*copier
}

// Command prepares the stdout and stderr of a command about to start.
// Call Started once it has started, or failed to, and Wait once it has
// exited. Writers other than Streams are given to the command as they are.
func Command(stdout, stderr io.Writer) (*Output, error) {
	o := &Output{Stdout: stdout, Stderr: stderr}
	outPipe, errPipe := needsPipe(stdout), needsPipe(stderr)
	if outPipe && errPipe && sameFile(stdout.(*Stream).file, stderr.(*Stream).file) {
		w, err := o.pipe(stdout)
		if err != nil {
			return nil, err
		}
		o.Stdout, o.Stderr = w, w
		return o, nil
	}
	var err error
	if o.Stdout, err = o.route(stdout, outPipe); err != nil {
		return nil, err
	}
	if o.Stderr, err = o.route(stderr, errPipe); err != nil {
		o.Started()
		o.Wait(0)
		return nil, err
	}
	return o, nil
}

func (o *Output) route(w io.Writer, pipe bool) (io.Writer, error) {
	if pipe {
		return o.pipe(w)
	}
	if f := File(w); f != nil {
		// A terminal or a file: the command writes there itself.
		return f, nil
	}
	return w, nil
}

// pipe makes a pipe whose write end the command gets, copied to w.
func (o *Output) pipe(w io.Writer) (*os.File, error) {
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create output pipe: %w", err)
	}
	c := &copier{r: r, w: w, done: make(chan struct{})}
	go c.run()
	o.writeEnds = append(o.writeEnds, pw)
	o.copies = append(o.copies, c)
	return pw, nil
}

// Started closes the runner's copies of the write ends, so that the copies
// end when the command's processes have all closed theirs.
func (o *Output) Started() {
	for _, f := range o.writeEnds {
		f.Close()
	}
	o.writeEnds = nil
}

// Wait waits until the copies have passed on everything the command wrote:
// until every process holding a write end has closed it, or, when one
// that the command left behind holds it open, until the pipe is empty and
// nothing is being copied. It gives up after limit. Copies go on in the
// background for as long as processes left behind write, so that they
// never block nor die of SIGPIPE.
func (o *Output) Wait(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for _, c := range o.copies {
		for !c.flushed() && time.Now().Before(deadline) {
			select {
			case <-c.done:
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
}

// copier copies one pipe to a Stream, which never fails for want of a
// reader, so the pipe is drained until its last writer closes it.
type copier struct {
	r    *os.File
	w    io.Writer
	done chan struct{}
	// busy is set from just before a read until its bytes are written.
	busy atomic.Bool
}

func (c *copier) run() {
	defer close(c.done)
	defer c.r.Close()
	conn, err := c.r.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 32<<10)
	for {
		var n int
		var rerr error
		err := conn.Read(func(fd uintptr) bool {
			c.busy.Store(true)
			for {
				n, rerr = unix.Read(int(fd), buf)
				if !errors.Is(rerr, unix.EINTR) {
					break
				}
			}
			if errors.Is(rerr, unix.EAGAIN) {
				c.busy.Store(false)
				return false
			}
			return true
		})
		if err == nil {
			err = rerr
		}
		if n > 0 {
			// Any error but a closed reader, which the Stream
			// absorbs, loses this chunk only: the command must not
			// block on a pipe nobody drains.
			_, _ = c.w.Write(buf[:n])
		}
		c.busy.Store(false)
		if n <= 0 || err != nil {
			return
		}
	}
}

// flushed reports whether everything written to the pipe so far has been
// passed on. The pipe is asked first: bytes it no longer holds are either
// passed on or held by a read that set busy before taking them.
func (c *copier) flushed() bool {
	select {
	case <-c.done:
		return true
	default:
	}
	conn, err := c.r.SyscallConn()
	if err != nil {
		return true
	}
	unread := 0
	var ierr error
	if err := conn.Control(func(fd uintptr) {
		unread, ierr = unix.IoctlGetInt(int(fd), unix.TIOCINQ)
	}); err != nil || ierr != nil {
		return false
	}
	return unread == 0 && !c.busy.Load()
}

// needsPipe reports whether w is a Stream onto a pipe or a socket, whose
// reader may go away.
func needsPipe(w io.Writer) bool {
	s, ok := w.(*Stream)
	if !ok {
		return false
	}
	st, err := fstat(s.file)
	if err != nil {
		return false
	}
	mode := st.Mode & unix.S_IFMT
	return mode == unix.S_IFIFO || mode == unix.S_IFSOCK
}

func sameFile(a, b *os.File) bool {
	sa, aerr := fstat(a)
	sb, berr := fstat(b)
	return aerr == nil && berr == nil && sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// fstat asks about f without f.Fd, which would switch it to blocking mode.
func fstat(f *os.File) (unix.Stat_t, error) {
	var st unix.Stat_t
	conn, err := f.SyscallConn()
	if err != nil {
		return st, err
	}
	var serr error
	if err := conn.Control(func(fd uintptr) { serr = unix.Fstat(int(fd), &st) }); err != nil {
		return st, err
	}
	return st, serr
}
