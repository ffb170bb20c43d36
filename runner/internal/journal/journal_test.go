package journal

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"memtally.dev/runner/internal/results"
)

const reason = "the runner was killed"

func newRun(t testing.TB, dir string, targets, benchmarks int) *results.Run {
	t.Helper()
	run := &results.Run{SchemaVersion: results.SchemaVersion, StartedAt: time.Now().UTC(),
		Targets: []results.Target{}, Benchmarks: []results.Benchmark{}}
	for i := 0; i < targets; i++ {
		run.Targets = append(run.Targets, results.Target{Name: "old", Status: results.StatusOK})
	}
	for i := 0; i < benchmarks; i++ {
		run.Benchmarks = append(run.Benchmarks, bench("old", i))
	}
	if err := results.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	return run
}

func bench(uri string, i int) results.Benchmark {
	return results.Benchmark{URI: uri, Target: "t", PID: 1, StartNS: uint64(i + 1), StopNS: uint64(i + 2), Status: results.StatusOK}
}

func uris(run *results.Run) []string {
	var out []string
	for _, b := range run.Benchmarks {
		out = append(out, b.URI)
	}
	return out
}

// A killed runner's journal adds the running target, failed, and every
// window it recorded, skipping lines already in results.json, keeping the
// last version of a window, and dropping a torn last line.
func TestFoldAfterKill(t *testing.T) {
	dir := t.TempDir()
	newRun(t, dir, 1, 2)
	j, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	steps := []error{
		j.Benchmark(1, bench("stale", 1)), // written before results.json was
		j.Target(1, results.Target{Name: "running", Status: results.StatusOK}),
		j.Benchmark(2, bench("a", 2)),
		j.Benchmark(3, bench("b", 3)),
	}
	completed := bench("b", 3)
	completed.JSHeap = &results.JSHeap{GCForced: true}
	steps = append(steps, j.Benchmark(3, completed))
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The write the runner died in.
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"benchmark":{"uri":"torn"`)
	f.Close()

	added, err := Fold(dir, reason)
	if err != nil {
		t.Fatal(err)
	}
	run, err := results.Read(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if added != 2 {
		t.Errorf("added %d, want 2", added)
	}
	if want := []string{"old", "old", "a", "b"}; !reflect.DeepEqual(uris(run), want) {
		t.Errorf("benchmarks %v, want %v", uris(run), want)
	}
	if run.Benchmarks[3].JSHeap == nil {
		t.Error("the later version of window 3 was not kept")
	}
	if len(run.Targets) != 2 || run.Targets[1].Name != "running" || run.Targets[1].Status != results.StatusFailed || run.Targets[1].Reason != reason {
		t.Errorf("targets %+v", run.Targets)
	}
	if run.Complete || run.Reason != reason || run.FinishedAt.IsZero() {
		t.Errorf("complete=%v reason=%q finished=%v", run.Complete, run.Reason, run.FinishedAt)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !os.IsNotExist(err) {
		t.Errorf("journal left behind: %v", err)
	}
}

// A runner that finished its results but died before removing the journal
// keeps its complete results.
func TestFoldAfterFinalWrite(t *testing.T) {
	dir := t.TempDir()
	run := newRun(t, dir, 1, 1)
	run.Complete = true
	if err := results.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	j, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Benchmark(0, bench("old", 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := Fold(dir, reason); err != nil {
		t.Fatal(err)
	}
	got, err := results.Read(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Complete || got.Reason != "" || len(got.Benchmarks) != 1 {
		t.Errorf("complete=%v reason=%q benchmarks=%d", got.Complete, got.Reason, len(got.Benchmarks))
	}
}

// Without a journal there is nothing to fold, and results.json stays as
// it is; a journal line that is not one is an error, not a silent skip.
func TestFoldNothingOrGarbage(t *testing.T) {
	dir := t.TempDir()
	newRun(t, dir, 0, 0)
	before, _ := os.ReadFile(filepath.Join(dir, results.FileName))
	if added, err := Fold(dir, reason); err != nil || added != 0 {
		t.Fatalf("Fold without a journal: %d, %v", added, err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, results.FileName))
	if string(before) != string(after) {
		t.Error("results.json changed")
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Fold(dir, reason); err == nil {
		t.Error("Fold accepted a line that is neither a target nor a benchmark")
	}
}

// Reset empties the journal once results.json holds it, and Remove
// deletes it.
func TestResetAndRemove(t *testing.T) {
	dir := t.TempDir()
	j, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Benchmark(0, bench("a", 0)); err != nil {
		t.Fatal(err)
	}
	if err := j.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := j.Benchmark(0, bench("b", 0)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(splitLines(data)); n != 1 {
		t.Errorf("%d lines after Reset and one append, want 1:\n%s", n, data)
	}
	if err := j.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !os.IsNotExist(err) {
		t.Errorf("journal left behind: %v", err)
	}
}

func splitLines(data []byte) []string {
	var out []string
	start := 0
	for i, c := range data {
		if c == '\n' {
			out = append(out, string(data[start:i]))
			start = i + 1
		}
	}
	return out
}

// A target that results.json lists as running, written there while it
// ran, is marked failed with the reason, keeping what it recorded; the
// windows written with it are not added twice.
func TestFoldTargetInProgress(t *testing.T) {
	dir := t.TempDir()
	run := newRun(t, dir, 0, 0)
	running := results.Target{Name: "running", Status: results.StatusFailed, Reason: InProgressReason,
		Integrations: []results.Integration{{Name: "fakebench"}}}
	run.Targets = append(run.Targets, running)
	run.Benchmarks = append(run.Benchmarks, bench("a", 0))
	if err := results.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	j, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		j.Target(0, results.Target{Name: "running", Status: results.StatusOK}),
		j.Benchmark(0, bench("a", 0)),
		j.Benchmark(1, bench("b", 1)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if added, err := Fold(dir, reason); err != nil || added != 1 {
		t.Fatalf("added %d, %v; want 1", added, err)
	}
	got, err := results.Read(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(uris(got), want) {
		t.Errorf("benchmarks %v, want %v", uris(got), want)
	}
	if len(got.Targets) != 1 || got.Targets[0].Reason != reason || got.Targets[0].Status != results.StatusFailed || len(got.Targets[0].Integrations) != 1 {
		t.Errorf("targets %+v", got.Targets)
	}
}
