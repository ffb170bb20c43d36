package cli

import (
	"os"
	"syscall"
	"testing"

	"memtally.dev/runner/internal/results"
)

// A signal that came while no command ran ends the run before the next
// target, and says so.
func TestSignalBetweenTargets(t *testing.T) {
	r := &runner{signals: make(chan os.Signal, 2)}
	r.takeSignal(target{name: "first"})
	if r.interrupted != 0 || r.stopReason != "" {
		t.Fatalf("interrupted with no signal: %v %q", r.interrupted, r.stopReason)
	}
	r.signals <- syscall.SIGTERM
	r.takeSignal(target{name: "second"})
	if r.interrupted != syscall.SIGTERM || r.stopReason != "interrupted by SIGTERM before target second" {
		t.Errorf("got %v %q", r.interrupted, r.stopReason)
	}
}

// Only the windows open at the signal that ended incomplete take the
// interruption as their reason.
func TestMarkInterrupted(t *testing.T) {
	bs := []results.Benchmark{
		{URI: "before", StartNS: 10, StopNS: 20, Status: results.StatusOK},
		{URI: "failed-before", StartNS: 20, StopNS: 30, Status: results.StatusIncomplete, Reason: "dropped"},
		{URI: "open", StartNS: 30, StopNS: 50, Status: results.StatusIncomplete, Reason: "client exited during benchmark"},
		{URI: "finished-after", StartNS: 30, StopNS: 50, Status: results.StatusOK},
	}
	markInterrupted(bs, 40, "interrupted by SIGINT")
	want := []string{"", "dropped", "interrupted by SIGINT (client exited during benchmark)", ""}
	for i, b := range bs {
		if b.Reason != want[i] {
			t.Errorf("%s: reason %q, want %q", b.URI, b.Reason, want[i])
		}
	}
}
