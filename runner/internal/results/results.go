package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"memtally.dev/runner/internal/inputlimit"
)

// SchemaVersion changes whenever a field changes meaning or disappears;
// adding a field keeps it. protocol/results.schema.json describes this
// version, and the test suite validates every results file it writes
// against that schema.
const SchemaVersion = 1

// FileName is the results file inside a run's output directory.
const FileName = "results.json"

// Status values of a benchmark or a target.
const (
	StatusOK         = "ok"
	StatusIncomplete = "incomplete"
	StatusFailed     = "failed"
)

// Run is the content of results.json.
type Run struct {
	SchemaVersion int       `json:"schema_version"`
	Runner        Runner    `json:"runner"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
	Complete      bool      `json:"complete"` // false while running, or when the run was interrupted
	// Reason says why Complete is false: the run has not finished (it
	// is in progress, or the runner died), or which signal interrupted
	// it and when.
	Reason string `json:"reason,omitempty"`
	// Repeat is how many times the run ran every target (--repeat);
	// omitted for a single run.
	Repeat      int         `json:"repeat,omitempty"`
	Environment Environment `json:"environment"`
	Targets     []Target    `json:"targets"`
	// Spread is each benchmark's spread over the repetitions, written
	// at the end of a run with Repeat; omitted for a single run.
	Spread     []Spread    `json:"spread,omitempty"`
	Benchmarks []Benchmark `json:"benchmarks"`
}

// Runner identifies the program that wrote the file.
type Runner struct {
	Version string `json:"version"`
	// GoVersion is the Go release the runner was built with.
	GoVersion string `json:"go_version,omitempty"`
}

// Environment is where the numbers were measured. Two results files with
// different environments may differ for reasons other than the code: a
// comparison says so.
type Environment struct {
	OS            string `json:"os"`
	Arch          string `json:"arch"`
	Kernel        string `json:"kernel"`
	KernelVersion string `json:"kernel_version,omitempty"`
	CPU           CPU    `json:"cpu"`
	// Allocators lists every binary whose allocator was probed in any
	// window of the run, once.
	Allocators []AttachedAllocator `json:"allocators"`
	// Integrations lists every harness integration that connected, once
	// per name and version.
	Integrations []IntegrationVersion `json:"integrations"`
	// Launch lists, per target, what the runner applied when it started
	// the target's command; absent in files of runners before it.
	Launch []Launch `json:"launch,omitempty"`
	// Probes says how the allocators' probes were attached; absent in
	// files of runners before it, and when capture could not start.
	Probes *Probes `json:"probes,omitempty"`
}

// How probes are attached: what they cost the run, never what it measures.
const (
	// ProbesPrivateLibraries: the commands start in a mount namespace
	// with private copies of the allocator libraries, whose probes are
	// attached once per library; other binaries get probes per process.
	ProbesPrivateLibraries = "private_libraries"
	// ProbesPerProcess: every binary's probes are attached per process.
	ProbesPerProcess = "per_process"
	// ProbesShared: every binary's probes are attached once for the
	// whole machine (--shared-probes).
	ProbesShared = "shared"
)

// Probes is how the allocators' probes were attached.
type Probes struct {
	Mode string `json:"mode"`
	// Libraries are the private copies' paths, as the commands see them.
	Libraries []string `json:"libraries,omitempty"`
	// Reason says why probes are per process.
	Reason string `json:"reason,omitempty"`
}

// CPU describes the processor.
type CPU struct {
	Model       string `json:"model"`
	LogicalCPUs int    `json:"logical_cpus"`
}

// AttachedAllocator is an allocator binary that was probed, and its
// families.
type AttachedAllocator struct {
	Path     string   `json:"path"`
	Families []string `json:"families"`
}

// IntegrationVersion is a harness integration by name and version.
type IntegrationVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Target is one benchmark command and how it ended.
type Target struct {
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Command    []string `json:"command"`
	WorkingDir string   `json:"working_directory"`
	// Repetition numbers the run of the target under --repeat, from 1;
	// omitted for a single run.
	Repetition   int           `json:"repetition,omitempty"`
	Status       string        `json:"status"`
	Reason       string        `json:"reason,omitempty"`
	ExitCode     int           `json:"exit_code"`
	DurationNS   uint64        `json:"duration_ns"`
	Integrations []Integration `json:"integrations"`
	// UnswitchedHarness is set when the command's program is a harness
	// memtally has an integration for, and no integration connected: its
	// benchmarks were not measured one by one.
	UnswitchedHarness *UnswitchedHarness `json:"unswitched_harness,omitempty"`
}

// UnswitchedHarness is a known harness that a target ran without its
// memtally integration, and the switch that connects it.
type UnswitchedHarness struct {
	Kind    string `json:"kind"`
	Program string `json:"program"`
	Switch  string `json:"switch"`
}

// Integration is a harness integration that connected during a target.
type Integration struct {
	Name            string `json:"name"`
	Version         string `json:"version"`
	PID             int    `json:"pid"`
	ProtocolVersion uint32 `json:"protocol_version"`
	// Markers the client sent while no benchmark was running.
	Markers []Marker `json:"markers,omitempty"`
}

// Benchmark is one benchmark window. Timestamps are CLOCK_MONOTONIC
// nanoseconds, the clock the integrations and the kernel share.
type Benchmark struct {
	URI    string `json:"uri"`
	Target string `json:"target"`
	// Repetition numbers the run under --repeat, from 1; omitted for a
	// single run.
	Repetition int      `json:"repetition,omitempty"`
	PID        int      `json:"pid"`
	StartNS    uint64   `json:"start_ns"`
	StopNS     uint64   `json:"stop_ns"`
	Status     string   `json:"status"`
	Reason     string   `json:"reason,omitempty"`
	Markers    []Marker `json:"markers,omitempty"`
	// Warmup is how many calls of the body the integration ran outside
	// any window before the one this window measured (0: the cold first
	// call); nil when the integration did not say.
	Warmup *uint32 `json:"warmup,omitempty"`
	// JSHeap is what a JS integration reported of the V8 heap.
	JSHeap *JSHeap `json:"js_heap,omitempty"`
	Memory
}

// Marker is a named instant an integration reported inside a window.
type Marker struct {
	Name        string `json:"name"`
	TimestampNS uint64 `json:"timestamp_ns"`
}

// RecordEnvironment fills the allocators and integrations of the run's
// environment from its windows and targets, keeping the order in which they
// first appeared.
func (r *Run) RecordEnvironment() {
	r.Environment.Allocators = []AttachedAllocator{}
	seenAlloc := map[string]bool{}
	for _, b := range r.Benchmarks {
		for _, a := range b.Allocators {
			if !seenAlloc[a.Path] {
				seenAlloc[a.Path] = true
				r.Environment.Allocators = append(r.Environment.Allocators, AttachedAllocator{Path: a.Path, Families: a.Families})
			}
		}
	}
	r.Environment.Integrations = []IntegrationVersion{}
	seenInt := map[IntegrationVersion]bool{}
	for _, t := range r.Targets {
		for _, in := range t.Integrations {
			iv := IntegrationVersion{Name: in.Name, Version: in.Version}
			if !seenInt[iv] {
				seenInt[iv] = true
				r.Environment.Integrations = append(r.Environment.Integrations, iv)
			}
		}
	}
}

// Incomplete marks b incomplete, keeping the first reason: later problems
// are usually consequences of the first.
func (b *Benchmark) Incomplete(reason string) {
	if b.Status != StatusIncomplete {
		b.Status = StatusIncomplete
		b.Reason = reason
	}
}

// CreateDir makes a fresh directory for one run under root, named after the
// start time. Runs that start in the same second get a numeric suffix; Mkdir
// fails on an existing name, so two runners never share a directory.
func CreateDir(root string, start time.Time) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	base := filepath.Join(root, start.UTC().Format("20060102T150405Z"))
	for i := 1; ; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("create output directory: %w", err)
		}
	}
}

// Write stores run as dir/results.json through a temporary file and a
// rename, so readers see the old file or the new one, never a torn one.
func Write(dir string, run *Run) error {
	return WriteWith(dir, run, nil, 0)
}

// WriteWith is Write of run with more appended to its benchmarks, each
// with its Repetition set to rep when rep is not 0. A checkpoint of a
// target that is still running passes that target's windows as more, so
// that it need not copy the run's benchmarks to write them.
//
// The file is encoded as json.MarshalIndent(run, "", "  ") would encode
// it, byte for byte, but one benchmark at a time into a buffered file:
// encoding a run of 100,000 benchmarks whole takes several times the
// file's size in memory.
func WriteWith(dir string, run *Run, more []Benchmark, rep int) error {
	tmp, err := os.CreateTemp(dir, "."+FileName+".*")
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<16)
	if err := encode(w, run, more, rep); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write results: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write results: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write results: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, FileName)); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	// The rename is durable only once the directory is synced.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write results: sync directory: %w", err)
	}
	return nil
}

// benchmarksTail is how json.MarshalIndent ends a run whose benchmarks
// are an empty array: Benchmarks is Run's last field.
const benchmarksTail = "\n  \"benchmarks\": []\n}"

// encode writes run, with more appended to its benchmarks, to w as
// json.MarshalIndent(run, "", "  ") followed by a newline: everything
// but the benchmarks is encoded whole, then each benchmark on its own,
// indented as it would be inside the array.
func encode(w io.Writer, run *Run, more []Benchmark, rep int) error {
	n := len(run.Benchmarks) + len(more)
	if n == 0 && run.Benchmarks == nil {
		// A nil array encodes as null; nothing to stream.
		data, err := json.MarshalIndent(run, "", "  ")
		if err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		if _, err := w.Write(append(data, '\n')); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
		return nil
	}
	head := *run
	head.Benchmarks = []Benchmark{}
	data, err := json.MarshalIndent(&head, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	data, ok := bytes.CutSuffix(data, []byte(benchmarksTail))
	if !ok {
		return errors.New("encode results: the benchmarks are not the last field")
	}
	if n == 0 {
		data = append(data, benchmarksTail+"\n"...)
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
		return nil
	}
	data = append(data, "\n  \"benchmarks\": [\n"...)
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	// One encoder and one buffer for every benchmark, so that the
	// garbage per benchmark is what encoding/json makes of it alone.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	one := func(b *Benchmark, last bool) error {
		buf.Reset()
		buf.WriteString("    ")
		if err := enc.Encode(b); err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		// Encode ends with a newline, which becomes the separator.
		buf.Truncate(buf.Len() - 1)
		if !last {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
		if _, err := w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
		return nil
	}
	i := 0
	for j := range run.Benchmarks {
		i++
		if err := one(&run.Benchmarks[j], i == n); err != nil {
			return err
		}
	}
	for j := range more {
		i++
		b := &more[j]
		if rep != 0 {
			c := *b
			c.Repetition = rep
			b = &c
		}
		if err := one(b, i == n); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, "  ]\n}\n"); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// MaxFileSize is the largest results file Read accepts. Decoding takes a
// few times the file's size in memory; a run of 100,000 benchmarks with
// full timelines stays well below it.
const MaxFileSize = 1 << 30

// Read loads a results file. Its errors name the line where the JSON goes
// wrong. Nesting deeper than encoding/json's limit of 10,000 levels is
// refused while it validates, before anything is decoded.
func Read(path string) (*Run, error) {
	data, err := inputlimit.ReadFile(path, MaxFileSize)
	var large *inputlimit.TooLargeError
	if errors.As(err, &large) {
		return nil, fmt.Errorf("read results: %s: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var run Run
	if err := json.Unmarshal(data, &run); err != nil {
		if line, ok := jsonLine(data, err); ok {
			return nil, fmt.Errorf("read results: %s:%d: %w", path, line, err)
		}
		return nil, fmt.Errorf("read results: %s: %w", path, err)
	}
	return &run, nil
}

// jsonLine finds the line of data that a decoding error points at.
func jsonLine(data []byte, err error) (int, bool) {
	var offset int64
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	default:
		return 0, false
	}
	// The error comes after reading offset bytes: the last one read is
	// the culprit.
	offset = min(max(offset-1, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte("\n")), true
}

// LinkLatest points root/latest at dir, replacing an older link atomically,
// so scripts can find the newest results without listing timestamps.
func LinkLatest(root, dir string) error {
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return fmt.Errorf("link latest results: %w", err)
	}
	tmp := filepath.Join(root, fmt.Sprintf(".latest-%d", os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return fmt.Errorf("link latest results: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(root, "latest")); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("link latest results: %w", err)
	}
	return nil
}
