package memlimit

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestLimit(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, Floor},
		{Floor / 2, Floor},
		{Floor, Floor * 3 / 2},
		{1 << 30, 3 << 29},
	} {
		if got := Limit(c.live); got != c.want {
			t.Errorf("Limit(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}

func TestStartSetsTheLimit(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	stop := Start()
	defer stop()
	if got := debug.SetMemoryLimit(-1); got < Floor || got == math.MaxInt64 {
		t.Errorf("limit %d after Start, want at least %d", got, Floor)
	}
}
