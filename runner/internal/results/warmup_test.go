package results

import (
	"bytes"
	"strings"
	"testing"
)

func calls(n uint32) *uint32 { return &n }

func TestWarmupText(t *testing.T) {
	for _, c := range []struct {
		warmups []*uint32
		want    string
	}{
		{[]*uint32{nil}, ""},
		{[]*uint32{calls(0)}, "0"},
		{[]*uint32{calls(1), calls(1), calls(1)}, "1"},
		{[]*uint32{calls(3), nil, calls(1)}, "1–3"},
	} {
		g := Group{Target: "t", URI: "u"}
		for _, w := range c.warmups {
			g.Runs = append(g.Runs, Benchmark{Warmup: w})
		}
		if got := g.WarmupText(); got != c.want {
			t.Errorf("%v: %q, want %q", c.warmups, got, c.want)
		}
	}
}

// The verbose table has a WARMUP column once any window says its warm-up,
// "-" for those that do not; the plain table never has it.
func TestSummaryWarmupColumn(t *testing.T) {
	run := &Run{Benchmarks: []Benchmark{
		{Target: "t", URI: "cold", Status: StatusOK, Warmup: calls(0)},
		{Target: "t", URI: "silent", Status: StatusOK},
		{Target: "t", URI: "warm", Status: StatusOK, Warmup: calls(2)},
	}}
	var verbose, plain bytes.Buffer
	if err := WriteSummary(&verbose, run, SummaryOptions{Exact: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummary(&plain, run, SummaryOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(verbose.String(), "\n")
	want := [][2]string{{"WARMUP", "STATUS"}, {"0", "ok"}, {"-", "ok"}, {"2", "ok"}}
	for i, w := range want {
		f := strings.Fields(lines[i])
		if len(f) < 2 || f[len(f)-2] != w[0] || f[len(f)-1] != w[1] {
			t.Errorf("line %d = %q, want it to end in %s %s", i, lines[i], w[0], w[1])
		}
	}
	if strings.Contains(plain.String(), "WARMUP") {
		t.Errorf("plain table has WARMUP:\n%s", plain.String())
	}
	// Without any warm-up said, the verbose table is as before.
	run = &Run{Benchmarks: []Benchmark{{Target: "t", URI: "silent", Status: StatusOK}}}
	verbose.Reset()
	if err := WriteSummary(&verbose, run, SummaryOptions{Exact: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(verbose.String(), "WARMUP") {
		t.Errorf("table without warm-ups has WARMUP:\n%s", verbose.String())
	}
}
