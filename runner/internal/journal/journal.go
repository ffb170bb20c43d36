package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"memtally.dev/runner/internal/results"
)

// FileName is the journal's name inside a run's results directory.
const FileName = "results.journal"

// InProgressReason is the reason of a target that results.json lists while
// it runs. If the runner dies, Fold replaces it with its own reason; if
// nothing folds the journal, it says what is known.
const InProgressReason = "the target was still running when results.json was last written, and the runner did not record its end"

// maxLine bounds one line when reading the journal back: a benchmark with
// its markers and timeline, with room to spare.
const maxLine = 64 << 20

// entry is one line. Index is the position the target or benchmark takes
// in results.json, so that lines already folded into a results.json
// written later are recognised and skipped.
type entry struct {
	Target    *results.Target    `json:"target,omitempty"`
	Benchmark *results.Benchmark `json:"benchmark,omitempty"`
	Index     int                `json:"index"`
}

// Journal appends to a run's journal file.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// Create starts an empty journal in the results directory dir.
func Create(dir string) (*Journal, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	return &Journal{f: f, path: path}, nil
}

// Target records that the target t, the index-th of the run, started.
// Folded, it appears as failed with the reason the runner died.
func (j *Journal) Target(index int, t results.Target) error {
	return j.append(entry{Target: &t, Index: index})
}

// Benchmark records a closed window, the index-th benchmark of the run.
// A later line with the same index replaces it, as when a JS heap report
// completes the window after it was recorded.
func (j *Journal) Benchmark(index int, b results.Benchmark) error {
	return j.append(entry{Benchmark: &b, Index: index})
}

func (j *Journal) append(e entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("append to journal: %w", err)
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	// One write(2) of the whole line, in O_APPEND mode: a runner killed
	// at any instant leaves whole lines and at most one torn last line,
	// and a killed process's writes stay in the page cache.
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("append to journal: %w", err)
	}
	return nil
}

// Reset empties the journal, once results.json holds all it recorded.
func (j *Journal) Reset() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("reset journal: %w", err)
	}
	return nil
}

// Remove closes and deletes the journal at the end of a run whose
// results.json is final.
func (j *Journal) Remove() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.f.Close()
	if rerr := os.Remove(j.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("remove journal: %w", err)
	}
	return nil
}

// Fold completes dir/results.json from dir's journal after the runner died:
// the target that was running is added as failed with reason, every
// recorded window not yet in results.json is added, the run is marked
// incomplete with reason, and the journal is removed. It reports how many
// benchmarks it added. A directory without a journal is left alone: its
// run ended normally.
func Fold(dir, reason string) (added int, err error) {
	path := filepath.Join(dir, FileName)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("fold journal: %w", err)
	}
	defer f.Close()
	run, err := results.Read(filepath.Join(dir, results.FileName))
	if err != nil {
		return 0, fmt.Errorf("fold journal: %w", err)
	}
	targets, benchmarks, err := read(f)
	if err != nil {
		return 0, fmt.Errorf("fold journal %s: %w", path, err)
	}
	inProgress := false
	var newTargets []results.Target
	for _, i := range sortedKeys(targets) {
		if i == len(run.Targets)+len(newTargets) {
			newTargets = append(newTargets, targets[i])
		}
	}
	var newBenchmarks []results.Benchmark
	for _, i := range sortedKeys(benchmarks) {
		// Lower indexes are already in results.json: the runner died
		// between writing it and emptying the journal.
		if i == len(run.Benchmarks)+len(newBenchmarks) {
			newBenchmarks = append(newBenchmarks, benchmarks[i])
		}
	}
	// A target that results.json lists as running was written there
	// while it ran; the journal says what became of it.
	for i := range targets {
		if i < len(run.Targets) && run.Targets[i].Reason == InProgressReason {
			run.Targets[i].Status = results.StatusFailed
			run.Targets[i].Reason = reason
			inProgress = true
		}
	}
	if run.Complete && len(newTargets) == 0 && len(newBenchmarks) == 0 && !inProgress {
		// The runner wrote its final results and died before it
		// removed the journal.
		return 0, removeJournal(path)
	}
	for _, t := range newTargets {
		t.Status = results.StatusFailed
		t.Reason = reason
		run.Targets = append(run.Targets, t)
	}
	added = len(newBenchmarks)
	run.Complete = false
	run.Reason = reason
	if run.FinishedAt.IsZero() {
		run.FinishedAt = time.Now().UTC()
	}
	// The journal's windows are written after the run's without
	// appending them, which would copy the run's.
	if err := results.WriteWith(dir, run, newBenchmarks, 0); err != nil {
		return 0, fmt.Errorf("fold journal: %w", err)
	}
	return added, removeJournal(path)
}

func removeJournal(path string) error {
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove journal: %w", err)
	}
	return nil
}

// read parses the journal. A last line without its newline is the write
// the runner died in the middle of, never acknowledged: it is dropped.
// Anything else that does not parse is an error.
func read(r io.Reader) (map[int]results.Target, map[int]results.Benchmark, error) {
	targets := map[int]results.Target{}
	benchmarks := map[int]results.Benchmark{}
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) {
			return targets, benchmarks, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		var e entry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch {
		case e.Target != nil:
			targets[e.Index] = *e.Target
		case e.Benchmark != nil:
			benchmarks[e.Index] = *e.Benchmark
		default:
			return nil, nil, fmt.Errorf("line %d: neither a target nor a benchmark", n)
		}
	}
}

// readLine returns the next complete line, or io.EOF when none is left.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("a line longer than %d bytes", maxLine)
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(line, []byte("\n")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return nil, io.EOF // a torn last line, or none
		default:
			return nil, err
		}
	}
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}
