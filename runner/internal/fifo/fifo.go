package fifo

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
	"memtally.dev/protocol"
)

// Pair is the control FIFO (integration to runner) and the ack FIFO (runner
// to integration) of one run.
type Pair struct {
	Dir     string
	CtlPath string
	AckPath string
	Ctl     *os.File
	Ack     *os.File
	lock    *os.File
}

const (
	pattern  = "memtally-"
	lockName = "lock"
)

// Create makes a fresh 0700 directory holding the two FIFOs and opens both
// read-write. Holding both ends means the runner never blocks in open, never
// sees EOF on ctl between clients, and a client's own opens never block.
func Create() (p *Pair, err error) {
	dir, err := makeDir()
	if err != nil {
		return nil, fmt.Errorf("create fifo directory: %w", err)
	}
	p = &Pair{Dir: dir, CtlPath: filepath.Join(dir, "ctl"), AckPath: filepath.Join(dir, "ack")}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create fifo directory: %w", err)
	}
	if p.lock, err = createLock(dir); err != nil {
		return nil, err
	}
	for _, path := range []string{p.CtlPath, p.AckPath} {
		if err := unix.Mkfifo(path, 0o600); err != nil {
			return nil, fmt.Errorf("create fifo %s: %w", path, err)
		}
	}
	if p.Ctl, err = os.OpenFile(p.CtlPath, os.O_RDWR, 0); err != nil {
		return nil, fmt.Errorf("open fifo: %w", err)
	}
	if p.Ack, err = os.OpenFile(p.AckPath, os.O_RDWR, 0); err != nil {
		return nil, fmt.Errorf("open fifo: %w", err)
	}
	return p, nil
}

// makeDir creates a fresh directory whose name has the same length on
// every run. The FIFO paths travel in the command's environment, which the
// kernel copies onto its stack: os.MkdirTemp's names vary in length, and
// would move the stack, and every address below it, from run to run.
func makeDir() (string, error) {
	for range 100 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		dir := filepath.Join(os.TempDir(), pattern+hex.EncodeToString(b[:]))
		err := os.Mkdir(dir, 0o700)
		if !errors.Is(err, os.ErrExist) {
			return dir, err
		}
	}
	return "", errors.New("no unused name after 100 tries")
}

// Env is what the benchmark command needs to find the runner. The CODSPEED_
// variables let harness integrations written for that runner's environment
// recognise memory mode too.
func (p *Pair) Env() []string {
	return []string{
		protocol.EnvCtlFifo + "=" + p.CtlPath,
		protocol.EnvAckFifo + "=" + p.AckPath,
		protocol.EnvMode + "=" + protocol.ModeMemory,
		"CODSPEED_ENV=runner",
		"CODSPEED_RUNNER_MODE=" + protocol.ModeMemory,
	}
}

// DrainAck discards replies that a departed client never read, so that the
// next client's first read is the reply to its own hello.
func (p *Pair) DrainAck() error {
	return drain(p.Ack)
}

func drain(f *os.File) error {
	buf := make([]byte, 4096)
	defer f.SetReadDeadline(time.Time{})
	for {
		// A short deadline rather than none: the poller reads what is
		// buffered first, and only waits when the pipe is empty.
		if err := f.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			return fmt.Errorf("drain fifo: %w", err)
		}
		if _, err := f.Read(buf); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil
			}
			return fmt.Errorf("drain fifo: %w", err)
		}
	}
}

// Close closes both FIFOs and removes them with their directory.
func (p *Pair) Close() error {
	var errs []error
	for _, f := range []*os.File{p.Ctl, p.Ack} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	// The lock is held until the directory is gone, so that no sweep
	// takes a directory still in use.
	errs = append(errs, os.RemoveAll(p.Dir))
	if p.lock != nil {
		errs = append(errs, p.lock.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove fifos: %w", err)
	}
	return nil
}
