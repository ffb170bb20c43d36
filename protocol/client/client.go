package client

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"memtally.dev/protocol"
)

// ErrNoRunner means the process is not running under a memtally runner: the
// environment names no FIFOs, or nobody holds the ctl FIFO open. An
// integration then behaves as the plain harness.
var ErrNoRunner = errors.New("no memtally runner")

// ErrTimeout means the runner did not take a request or answer it within the
// client's timeout; SPEC.md asks clients to treat it as the runner being gone.
var ErrTimeout = errors.New("no reply from the runner")

// DefaultTimeout is how long a client waits for each reply unless told
// otherwise, as SPEC.md recommends.
const DefaultTimeout = 5 * time.Second

// RemoteError is an Error reply from the runner.
type RemoteError struct {
	Reason string
}

func (e *RemoteError) Error() string { return "runner: " + e.Reason }

// Client is a connection to the runner. Its methods may be called from
// several goroutines; each request holds the connection until its reply, as
// the protocol's one-request-at-a-time rule requires.
type Client struct {
	mu      sync.Mutex
	ctl     *os.File
	ack     *os.File
	timeout time.Duration
	welcome protocol.Welcome
	closed  bool
}

// FromEnv connects to the runner named by the environment, introducing this
// process as integration at integrationVersion. It returns ErrNoRunner, and
// costs nothing more than two getenv calls, when the process is not running
// under the runner.
func FromEnv(integration, integrationVersion string) (*Client, error) {
	ctl, ack := os.Getenv(protocol.EnvCtlFifo), os.Getenv(protocol.EnvAckFifo)
	if ctl == "" || ack == "" {
		return nil, ErrNoRunner
	}
	return Dial(ctl, ack, protocol.Hello{
		Version:            protocol.Version,
		MinVersion:         protocol.MinVersion,
		Integration:        integration,
		IntegrationVersion: integrationVersion,
		PID:                uint32(os.Getpid()),
	})
}

// Dial opens the FIFOs as SPEC.md prescribes, sends hello and waits for the
// runner's Welcome. An Error reply comes back as a *RemoteError (wrapped);
// a Welcome whose version lies outside hello's range, or whose mode is not
// memory, is refused.
func Dial(ctlPath, ackPath string, hello protocol.Hello) (*Client, error) {
	// ctl first: its open is what tells whether a runner is listening.
	ctl, err := openFIFO(ctlPath, unix.O_WRONLY)
	if errors.Is(err, unix.ENXIO) {
		return nil, fmt.Errorf("open ctl fifo %s: %w", ctlPath, ErrNoRunner)
	}
	if err != nil {
		return nil, fmt.Errorf("open ctl fifo: %w", err)
	}
	ack, err := openFIFO(ackPath, unix.O_RDONLY)
	if err != nil {
		ctl.Close()
		return nil, fmt.Errorf("open ack fifo: %w", err)
	}
	c := &Client{ctl: ctl, ack: ack, timeout: DefaultTimeout}
	w, err := c.hello(hello)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.welcome = w
	return c, nil
}

// openFIFO opens path without blocking, whoever is or is not at the other
// end, and keeps O_NONBLOCK so that os.File goes through the runtime poller,
// which is what makes read and write deadlines work.
func openFIFO(path string, mode int) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, mode|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	// A regular file would accept the frames and never answer.
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		unix.Close(fd)
		return nil, fmt.Errorf("%s is not a fifo", path)
	}
	return os.NewFile(uintptr(fd), path), nil
}

func (c *Client) hello(h protocol.Hello) (protocol.Welcome, error) {
	reply, err := c.Request(h)
	if err != nil {
		return protocol.Welcome{}, fmt.Errorf("hello: %w", err)
	}
	switch r := reply.(type) {
	case protocol.Welcome:
		if r.Version < h.MinVersion || r.Version > h.Version {
			return r, fmt.Errorf("hello: runner chose protocol version %d, outside %d to %d", r.Version, h.MinVersion, h.Version)
		}
		if r.Mode != protocol.ModeMemory {
			return r, fmt.Errorf("hello: runner asked for unsupported mode %q", r.Mode)
		}
		return r, nil
	case protocol.Error:
		return protocol.Welcome{}, fmt.Errorf("hello: %w", &RemoteError{Reason: r.Reason})
	}
	return protocol.Welcome{}, fmt.Errorf("hello: unexpected reply %s", reply.Kind())
}

// Welcome returns the runner's reply to the hello that opened the session.
func (c *Client) Welcome() protocol.Welcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcome
}

// Start opens the measurement window for the benchmark uri. When it returns
// nil the runner is tracking, and the benchmark body may run.
func (c *Client) Start(uri string) error {
	return c.expectAck(protocol.Start{URI: uri})
}

// StartAfterWarmup is Start for a client that ran the body warmup times
// outside any window first, so that the runner records which call the
// window measured.
func (c *Client) StartAfterWarmup(uri string, warmup uint32) error {
	return c.expectAck(protocol.Start{URI: uri, Warmup: protocol.Warmup{Calls: warmup, Known: true}})
}

// Stop closes the measurement window. When it returns, the runner has
// stopped tracking.
func (c *Client) Stop() error {
	return c.expectAck(protocol.Stop{})
}

// Pause stops the counting of the open benchmark's allocations until
// Resume, for a region the harness excludes from measurement.
func (c *Client) Pause() error {
	return c.expectAck(protocol.Pause{})
}

// Resume counts the open benchmark's allocations again after Pause.
func (c *Client) Resume() error {
	return c.expectAck(protocol.Resume{})
}

// Marker records the instant timestamp (CLOCK_MONOTONIC nanoseconds) as name.
func (c *Client) Marker(name string, timestamp uint64) error {
	return c.expectAck(protocol.Marker{Name: name, Timestamp: timestamp})
}

func (c *Client) expectAck(m protocol.Message) error {
	reply, err := c.Request(m)
	if err != nil {
		return fmt.Errorf("%s: %w", m.Kind(), err)
	}
	switch r := reply.(type) {
	case protocol.Ack:
		return nil
	case protocol.Error:
		return fmt.Errorf("%s: %w", m.Kind(), &RemoteError{Reason: r.Reason})
	}
	return fmt.Errorf("%s: unexpected reply %s", m.Kind(), reply.Kind())
}

// Request sends m and returns the runner's reply, whatever it is. It is the
// raw form of Start, Stop and Marker, for tests that send what an integration
// should not.
func (c *Client) Request(m protocol.Message) (protocol.Message, error) {
	frame, err := protocol.AppendFrame(nil, m)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.write(frame); err != nil {
		return nil, err
	}
	return c.readReply()
}

// WriteRaw writes b to the ctl FIFO in one write, framed or not, for tests
// that send garbage. It does not wait for a reply; ReadReply does.
func (c *Client) WriteRaw(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.write(b)
}

// ReadReply waits, at most the client's timeout, for one reply.
func (c *Client) ReadReply() (protocol.Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readReply()
}

// SetTimeout sets how long each write and each reply may take; zero or less
// restores DefaultTimeout.
func (c *Client) SetTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultTimeout
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timeout = d
}

func (c *Client) write(b []byte) error {
	if c.closed {
		return fmt.Errorf("write request: %w", os.ErrClosed)
	}
	if err := c.ctl.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return fmt.Errorf("write request: %w", err)
	}
	// One Write call: the runtime finishes a partial write on the
	// non-blocking descriptor itself, so the frame is never cut short.
	_, err := c.ctl.Write(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("write request: %w", ErrTimeout)
	}
	if err != nil {
		return fmt.Errorf("write request: %w", err)
	}
	return nil
}

func (c *Client) readReply() (protocol.Message, error) {
	if c.closed {
		return nil, fmt.Errorf("read reply: %w", os.ErrClosed)
	}
	if err := c.ack.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return nil, fmt.Errorf("read reply: %w", err)
	}
	m, err := protocol.ReadMessage(c.ack)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, fmt.Errorf("read reply: %w", ErrTimeout)
	case err == io.EOF:
		// The runner holds the ack FIFO open for writing as long as it
		// lives, so end of file means it is gone.
		return nil, fmt.Errorf("read reply: runner closed the ack fifo: %w", io.ErrUnexpectedEOF)
	case err != nil:
		return nil, fmt.Errorf("read reply: %w", err)
	}
	return m, nil
}

// Close closes both FIFOs. The runner notices the end of the session when
// the process exits, not here.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	return errors.Join(c.ctl.Close(), c.ack.Close())
}
