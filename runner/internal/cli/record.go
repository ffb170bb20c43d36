package cli

import (
	"time"

	"memtally.dev/runner/internal/journal"
	"memtally.dev/runner/internal/results"
)

const (
	// checkpointEvery is the least time between two rewrites of
	// results.json while a target runs.
	checkpointEvery = time.Second
	// checkpointShare caps the time spent rewriting at one part in this
	// many: a results.json that takes longer to write is rewritten less
	// often, so a target of 100,000 benchmarks does not spend its time
	// rewriting a file that grows with each.
	checkpointShare = 20
)

// recorder keeps what a target measures safe while the target runs: each
// closed window goes to the journal at once, and results.json is rewritten
// with the windows so far as often as that is cheap. The journal is exact
// (the supervisor folds it in if the runner dies); the rewrites keep
// results.json close behind even if the supervisor dies too.
type recorder struct {
	dir     string
	run     *results.Run
	journal *journal.Journal
	next    time.Time // when results.json may be rewritten again
	// validate checks a written results.json, as every write is.
	validate func(path string) error
}

// target records that target t starts, at index in the run.
func (rec *recorder) target(index int, t results.Target) error {
	return rec.journal.Target(index, t)
}

// window records the index-th window of the run, then rewrites
// results.json if that is due, with t, the target running, and
// benchmarks, all its windows so far.
func (rec *recorder) window(index int, b results.Benchmark, t results.Target, benchmarks []results.Benchmark, rep int) error {
	if err := rec.journal.Benchmark(index, b); err != nil {
		return err
	}
	now := time.Now()
	if now.Before(rec.next) {
		return nil
	}
	snap := *rec.run
	t.Status = results.StatusFailed
	t.Reason = journal.InProgressReason
	n := len(rec.run.Targets)
	snap.Targets = append(rec.run.Targets[:n:n], t)
	// The target's windows follow the run's in the file without being
	// copied after them: at 100,000 windows a copy would cost more than
	// the rewrite.
	err := results.WriteWith(rec.dir, &snap, benchmarks, rep)
	rec.next = now.Add(max(checkpointEvery, checkpointShare*time.Since(now)))
	if err != nil {
		return err
	}
	return rec.validate(rec.dir)
}
