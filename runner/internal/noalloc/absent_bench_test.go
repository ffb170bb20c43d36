package noalloc

import (
	"os"
	"testing"
)

// BenchmarkAbsentGo measures the decision on a stripped static Go program,
// which the tracer makes while the process that execs it is held.
func BenchmarkAbsentGo(b *testing.B) {
	bin := built.BuildGo(b, "go_bench", "go_nomalloc", []string{"CGO_ENABLED=0"}, "-trimpath", "-ldflags=-s -w")
	if _, err := os.Stat(bin); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, ok, err := Absent(bin); !ok || err != nil {
			b.Fatalf("Absent: %v %v", ok, err)
		}
	}
}
