// Package fakeharness is a benchmark harness that speaks protocol v1 the way
// an integration does, for the runner's end-to-end tests. It runs N named
// benchmarks, and on request breaks the protocol in one specific way, so
// that each misbehaviour the runner must survive has a test.
package fakeharness

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"memtally.dev/protocol"
	"memtally.dev/protocol/client"
)

const name = "fakebench"

// Misbehaviours, each applied inside the first benchmark unless said.
var misbehaviours = map[string]string{
	"":                   "none",
	"garbage":            "send a frame whose payload is not msgpack",
	"oversize":           "send a frame header announcing 1 MiB, then say hello again",
	"unknown":            "send a message of an unknown kind",
	"version":            "say hello with protocol version 99 only (before any benchmark)",
	"second-client":      "start a second client process while connected",
	"die":                "exit with status 1 right after the Start ack",
	"truncated":          "write half a frame, then exit with status 1",
	"stop-without-start": "send Stop before the first Start",
	"nested-start":       "send a second Start inside the first benchmark",
	"long-uri":           "send a Start whose uri is 5000 bytes long (before any benchmark)",
	"markers":            "send 5000 markers",
	"deaf":               "stop reading replies, queue 4000 pause/resume pairs and more benchmarks, then sleep for a minute",
	"forge-hello":        "say hello naming pid 1 first (before any benchmark)",
}

// Main runs the fake harness with the process's arguments and returns its
// exit status.
func Main() int {
	err := run(os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		var exit exitCode
		if errors.As(err, &exit) {
			return int(exit)
		}
		return 1
	}
	return 0
}

type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exiting with status %d", int(e)) }

type harness struct {
	out    io.Writer
	client *client.Client
	hello  protocol.Hello
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	count := fs.Int("n", 3, "number of benchmarks")
	file := fs.String("file", "fake/bench.go", "source file named in the URIs")
	group := fs.String("group", "group", "group named in the URIs")
	misbehave := fs.String("misbehave", "", "how to break the protocol")
	exit := fs.Int("exit", 0, "exit status after the benchmarks")
	hold := fs.Duration("hold", 0, "time spent inside each benchmark, from -ready-at on")
	ready := fs.String("ready", "", "file created, holding the pid, once benchmark -ready-at is running (with -stall-after, once it stalls)")
	readyAt := fs.Int("ready-at", 1, "the benchmark that creates -ready, and from which -hold applies")
	ignoreSignals := fs.Bool("ignore-signals", false, "ignore SIGINT and SIGTERM, as a benchmark that does not stop on them")
	stallAfter := fs.Int("stall-after", 0, "after this many benchmarks, start the next one and never stop it")
	spawn := fs.String("spawn", "", "a command, split at spaces, started before the first benchmark and left running")
	expectReject := fs.Bool("expect-reject", false, "succeed only if the runner rejects the hello")
	allocBytes := fs.Int("alloc", 0, "malloc and free this many bytes inside each benchmark")
	leakBytes := fs.Int("leak", 0, "malloc this many bytes inside each benchmark, never freed")
	pausedBytes := fs.Int("paused", 0, "malloc and free this many bytes in a paused region of each benchmark")
	warmupEnv := fs.Bool("warmup-env", false, "run each body MEMTALLY_WARMUP times (1 when unset) outside its window first, and say so in start")
	allocFirst := fs.Int("alloc-first", 0, "malloc and free this many bytes on the first call of each benchmark's body only")
	jsHeap := fs.Bool("js-heap", false, "report a V8 heap that grew by 2000 bytes after each benchmark, as a JS integration does")
	var uris []string
	fs.Func("uri", "a benchmark URI in Go's quoted syntax, so that it can hold any byte; repeatable, replaces -n", func(s string) error {
		uri, err := strconv.Unquote(s)
		uris = append(uris, uri)
		return err
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(uris) > 0 {
		*count = len(uris)
	}
	if _, ok := misbehaviours[*misbehave]; !ok {
		return fmt.Errorf("unknown -misbehave %q", *misbehave)
	}
	if *ignoreSignals {
		signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	}

	h := &harness{out: out, hello: protocol.Hello{
		Version: protocol.Version, MinVersion: protocol.MinVersion,
		Integration: name, IntegrationVersion: "1.0.0", PID: uint32(os.Getpid()),
	}}
	if *misbehave == "version" {
		h.hello.Version, h.hello.MinVersion = 99, 99
	}
	ctl, ack := os.Getenv(protocol.EnvCtlFifo), os.Getenv(protocol.EnvAckFifo)
	if ctl == "" || ack == "" {
		fmt.Fprintf(out, "%s: no runner; running as a plain harness\n", name)
		return nil
	}
	if *misbehave == "forge-hello" {
		forged := h.hello
		forged.PID = 1
		_, err := client.Dial(ctl, ack, forged)
		h.report("hello as pid 1", err)
	}
	c, err := client.Dial(ctl, ack, h.hello)
	var remote *client.RemoteError
	if errors.As(err, &remote) {
		fmt.Fprintf(out, "%s: hello rejected: %s\n", name, remote.Reason)
		if *expectReject {
			return nil
		}
		fmt.Fprintf(out, "%s: running as a plain harness\n", name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	if *expectReject {
		return errors.New("hello was accepted, want a rejection")
	}
	h.client = c
	fmt.Fprintf(out, "%s: welcome version=%d mode=%s\n", name, c.Welcome().Version, c.Welcome().Mode)

	if *spawn != "" {
		argv := strings.Fields(*spawn)
		bg := exec.Command(argv[0], argv[1:]...)
		bg.Stdout, bg.Stderr = out, os.Stderr
		if err := bg.Start(); err != nil {
			return fmt.Errorf("spawn: %w", err)
		}
	}
	if *misbehave == "stop-without-start" {
		h.report("stop before start", c.Stop())
	}
	if *misbehave == "second-client" {
		second := exec.Command(name, "-expect-reject")
		second.Stdout, second.Stderr = out, os.Stderr
		if err := second.Run(); err != nil {
			return fmt.Errorf("second client: %w", err)
		}
	}
	if *misbehave == "long-uri" {
		uri := fmt.Sprintf("%s::%s::long-", *file, *group)
		uri += strings.Repeat("x", 5000-len(uri))
		payload, err := msgpack.Marshal(map[string]string{"kind": "start", "uri": uri})
		if err != nil {
			return err
		}
		if err := h.rawRequest("long uri", frame(payload)); err != nil {
			return err
		}
	}
	calls := uint32(0)
	if *warmupEnv {
		if calls, err = warmupCalls(); err != nil {
			return err
		}
	}
	// body is a benchmark's body; only its first call, the cold one,
	// allocates -alloc-first, as a body that fills a cache does.
	body := func(call uint32) {
		if *allocFirst > 0 && call == 0 {
			allocate(*allocFirst, false)
		}
		if *allocBytes > 0 {
			allocate(*allocBytes, false)
		}
		if *leakBytes > 0 {
			allocate(*leakBytes, true)
		}
	}
	for i := 1; i <= *count; i++ {
		uri := fmt.Sprintf("%s::%s::bench%d", *file, *group, i)
		shown := uri
		if len(uris) > 0 {
			// Quoted, so that the harness's own output never
			// carries what the runner must escape.
			uri = uris[i-1]
			shown = strconv.Quote(uri)
		}
		start := c.Start
		if *warmupEnv {
			for call := range calls {
				body(call)
			}
			start = func(uri string) error { return c.StartAfterWarmup(uri, calls) }
		}
		if err := start(uri); err != nil {
			return fmt.Errorf("start %s: %w", shown, err)
		}
		if *stallAfter > 0 && i == *stallAfter+1 {
			if *ready != "" {
				if err := writeReady(*ready); err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "%s: stalling in %s\n", name, uri)
			for {
				time.Sleep(time.Hour)
			}
		}
		if i == *readyAt && *ready != "" && *stallAfter == 0 {
			if err := writeReady(*ready); err != nil {
				return err
			}
		}
		if i == 1 {
			closed, err := h.misbehave(*misbehave)
			if err != nil {
				return err
			}
			if closed {
				fmt.Fprintf(out, "%s: the runner closed %s\n", name, shown)
				continue
			}
		}
		body(calls)
		if *pausedBytes > 0 {
			if err := c.Pause(); err != nil {
				return fmt.Errorf("pause %s: %w", shown, err)
			}
			allocate(*pausedBytes, false)
			if err := c.Resume(); err != nil {
				return fmt.Errorf("resume %s: %w", shown, err)
			}
		}
		if i >= *readyAt {
			time.Sleep(*hold)
		}
		if err := c.Stop(); err != nil {
			return fmt.Errorf("stop %s: %w", shown, err)
		}
		if *jsHeap {
			heap := protocol.JSHeap{URI: uri, GCForced: 1, UsedBefore: 1000, UsedAfter: 3000, Peak: 5000, RetainedAfter: 1500, GCCount: 1}
			if reply, err := c.Request(heap); err != nil || reply.Kind() != protocol.KindAck {
				return fmt.Errorf("js_heap %s: %v %v", shown, reply, err)
			}
		}
		fmt.Fprintf(out, "%s: ran %s\n", name, shown)
	}
	if *exit != 0 {
		return exitCode(*exit)
	}
	return nil
}

// warmupCalls reads the warm-up the runner asks for, as an integration
// does: one call when the variable is absent, as from an older runner.
func warmupCalls() (uint32, error) {
	v, ok := os.LookupEnv("MEMTALLY_WARMUP")
	if !ok {
		return 1, nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("MEMTALLY_WARMUP=%q: %w", v, err)
	}
	return uint32(n), nil
}

// writeReady creates the file that tells a test the benchmark runs, holding
// the harness's pid, which is also its process group's when the runner
// started it: written aside and renamed, so that the file never exists
// without its pid.
func writeReady(path string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d\n", os.Getpid()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// misbehave breaks the protocol inside a benchmark window. It reports
// whether the runner closed the window, as it does when the session ends.
func (h *harness) misbehave(mode string) (closed bool, err error) {
	c := h.client
	switch mode {
	case "garbage":
		payload := []byte{0xc1, 0xc1, 0xc1}
		return false, h.rawRequest("garbage frame", frame(payload))
	case "oversize":
		header := make([]byte, protocol.HeaderSize, protocol.HeaderSize+16)
		binary.LittleEndian.PutUint32(header, 1<<20)
		if err := h.rawRequest("oversize frame", append(header, make([]byte, 16)...)); err != nil {
			return false, err
		}
		reply, err := c.Request(h.hello)
		if err != nil {
			return false, fmt.Errorf("hello again: %w", err)
		}
		fmt.Fprintf(h.out, "%s: hello again: %s\n", name, reply.Kind())
		return true, nil
	case "unknown":
		payload, err := msgpack.Marshal(map[string]string{"kind": "bogus"})
		if err != nil {
			return false, err
		}
		return false, h.rawRequest("unknown message", frame(payload))
	case "nested-start":
		h.report("nested start", c.Start("fake/bench.go::group::nested"))
	case "markers":
		acked, refused := 0, map[string]int{}
		for i := 0; i < 5000; i++ {
			var remote *client.RemoteError
			switch err := c.Marker("tick", uint64(i)); {
			case err == nil:
				acked++
			case errors.As(err, &remote):
				refused[remote.Reason]++
			default:
				return false, fmt.Errorf("marker %d: %w", i, err)
			}
		}
		fmt.Fprintf(h.out, "%s: 5000 markers: %d acked\n", name, acked)
		for reason, n := range refused {
			fmt.Fprintf(h.out, "%s: 5000 markers: %d refused: %s\n", name, n, reason)
		}
	case "deaf":
		return false, h.deaf()
	case "die":
		return false, exitCode(1)
	case "truncated":
		header := make([]byte, protocol.HeaderSize)
		binary.LittleEndian.PutUint32(header, 10)
		if err := c.WriteRaw(append(header, 0x81, 0xa4)); err != nil {
			return false, err
		}
		return false, exitCode(1)
	}
	return false, nil
}

// deaf stops reading replies: it queues far more requests than the ack
// FIFO has room for replies, then the rest of the benchmarks, and sleeps
// for a minute without reading anything.
func (h *harness) deaf() error {
	var queued []byte
	var err error
	for i := 0; i < 4000 && err == nil; i++ {
		queued, err = protocol.AppendFrame(queued, protocol.Pause{})
		if err == nil {
			queued, err = protocol.AppendFrame(queued, protocol.Resume{})
		}
	}
	for _, m := range []protocol.Message{protocol.Stop{}, protocol.Start{URI: "fake/bench.go::group::queued"}, protocol.Stop{}} {
		if err == nil {
			queued, err = protocol.AppendFrame(queued, m)
		}
	}
	if err != nil {
		return err
	}
	if err := h.client.WriteRaw(queued); err != nil {
		return fmt.Errorf("queue requests: %w", err)
	}
	fmt.Fprintf(h.out, "%s: queued %d bytes of requests; not reading replies\n", name, len(queued))
	time.Sleep(time.Minute)
	return errors.New("still running a minute later")
}

// rawRequest sends bytes the codec would never produce and prints the
// runner's reply.
func (h *harness) rawRequest(what string, b []byte) error {
	if err := h.client.WriteRaw(b); err != nil {
		return fmt.Errorf("send %s: %w", what, err)
	}
	reply, err := h.client.ReadReply()
	if err != nil {
		return fmt.Errorf("reply to %s: %w", what, err)
	}
	if e, ok := reply.(protocol.Error); ok {
		fmt.Fprintf(h.out, "%s: %s: runner error: %s\n", name, what, e.Reason)
		return nil
	}
	fmt.Fprintf(h.out, "%s: %s: runner replied %s\n", name, what, reply.Kind())
	return nil
}

func (h *harness) report(what string, err error) {
	var remote *client.RemoteError
	switch {
	case errors.As(err, &remote):
		fmt.Fprintf(h.out, "%s: %s: runner error: %s\n", name, what, remote.Reason)
	case err != nil:
		fmt.Fprintf(h.out, "%s: %s: %v\n", name, what, err)
	default:
		fmt.Fprintf(h.out, "%s: %s: accepted\n", name, what)
	}
}

func frame(payload []byte) []byte {
	b := make([]byte, protocol.HeaderSize, protocol.HeaderSize+len(payload))
	binary.LittleEndian.PutUint32(b, uint32(len(payload)))
	return append(b, payload...)
}
