package threshold

import (
	"strings"
	"testing"
)

// TestForms covers every form a threshold can be written in, and where
// each draws the line between within and over.
func TestForms(t *testing.T) {
	for _, tc := range []struct {
		metric     Metric
		in         string
		want       Threshold
		base       float64
		within     float64 // the largest head that passes
		over       float64 // the smallest head that fails, or -1 for never
		wantString string
	}{
		{Peak, "5%", Threshold{Kind: Relative, Percent: 5}, 1000, 1050, 1051, "5%"},
		{Peak, " 2.5 % ", Threshold{Kind: Relative, Percent: 2.5}, 1000, 1025, 1026, "2.5%"},
		{Total, "0%", Threshold{Kind: Relative, Percent: 0}, 1000, 1000, 1001, "0%"},
		{Peak, "0%", Threshold{Kind: Relative, Percent: 0}, 0, 0, 1, "0%"},
		{Leaked, "0", Threshold{Kind: Absolute, Amount: 0}, 100, 100, 101, "0"},
		{Leaked, "4096", Threshold{Kind: Absolute, Amount: 4096}, 0, 4096, 4097, "4096"},
		{Peak, "4KiB", Threshold{Kind: Absolute, Amount: 4096}, 10, 4106, 4107, "4096"},
		{Peak, "1 MB", Threshold{Kind: Absolute, Amount: 1000000}, 0, 1e6, 1e6 + 1, "1000000"},
		{Count, "10", Threshold{Kind: Absolute, Amount: 10}, 28, 38, 39, "10"},
		{Count, "5%", Threshold{Kind: Relative, Percent: 5}, 100, 105, 106, "5%"},
		{Peak, "off", Threshold{Kind: Off}, 1, 1e18, -1, "off"},
		{Leaked, "OFF", Threshold{Kind: Off}, 0, 1e18, -1, "off"},
		// Unresolved, auto is exact: one more allocation exceeds it.
		{Count, "auto", Threshold{Kind: Auto}, 1000, 1000, 1001, "auto"},
		{Peak, " AUTO ", Threshold{Kind: Auto}, 0, 0, 1, "auto"},
	} {
		got, err := Parse(tc.metric, tc.in)
		if err != nil {
			t.Errorf("Parse(%s, %q): %v", tc.metric, tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse(%s, %q) = %+v, want %+v", tc.metric, tc.in, got, tc.want)
		}
		if got.String() != tc.wantString {
			t.Errorf("%q renders as %q, want %q", tc.in, got.String(), tc.wantString)
		}
		if got.Exceeded(tc.base, tc.within) {
			t.Errorf("%s %q: %g -> %g exceeds, want within", tc.metric, tc.in, tc.base, tc.within)
		}
		if tc.over >= 0 && !got.Exceeded(tc.base, tc.over) {
			t.Errorf("%s %q: %g -> %g is within, want exceeded", tc.metric, tc.in, tc.base, tc.over)
		}
		// Shrinking never exceeds.
		if got.Exceeded(tc.base, 0) && tc.base > 0 {
			t.Errorf("%s %q: shrinking to 0 exceeds", tc.metric, tc.in)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		metric Metric
		in     string
		want   string
	}{
		{Peak, "", "invalid size"},
		{Peak, "five", "invalid size"},
		{Peak, "-5%", "invalid percentage"},
		{Peak, "%", "invalid percentage"},
		{Peak, "5 parsecs", "unknown unit"},
		{Count, "4KiB", "whole number of allocations"},
		{Count, "1.5", "whole number of allocations"},
		{Leaked, "-1", "invalid size"},
	} {
		_, err := Parse(tc.metric, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s, %q) = %v, want an error containing %q", tc.metric, tc.in, err, tc.want)
		}
	}
}

func TestParseFlag(t *testing.T) {
	m, th, err := ParseFlag("peak=10%")
	if err != nil || m != Peak || th != (Threshold{Kind: Relative, Percent: 10}) {
		t.Errorf("ParseFlag(peak=10%%) = %s %+v %v", m, th, err)
	}
	for in, want := range map[string]string{
		"peak":        "want METRIC=THRESHOLD",
		"rss=5%":      `unknown metric "rss"`,
		"leaked=lots": "threshold leaked: invalid size",
	} {
		if _, _, err := ParseFlag(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFlag(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestDefaultsAndMerge(t *testing.T) {
	d := Defaults()
	for _, m := range Metrics {
		if _, ok := d[m]; !ok {
			t.Errorf("no default threshold for %s", m)
		}
	}
	merged := d.Merge(Set{Peak: {Kind: Off}})
	if merged[Peak].Kind != Off || merged[Leaked] != d[Leaked] {
		t.Errorf("Merge = %+v", merged)
	}
	if d[Peak].Kind != Auto {
		t.Errorf("Merge changed its receiver")
	}
}

// TestAutoResolve checks what the default thresholds demand: exact
// equality of a deterministic benchmark, and 5% beyond its spread of a
// noisy one. Every other kind ignores the noise.
func TestAutoResolve(t *testing.T) {
	d := Defaults()
	for _, m := range []Metric{Peak, Total, Count} {
		if d[m].Kind != Auto {
			t.Errorf("default %s = %s, want auto", m, d[m])
		}
	}
	exact := d[Count].Resolve(false)
	if exact != (Threshold{Kind: Absolute}) || !exact.Exceeded(1000, 1001) || exact.Exceeded(1000, 1000) {
		t.Errorf("auto, deterministic = %+v, want exact", exact)
	}
	noisy := d[Count].Resolve(true)
	if noisy != (Threshold{Kind: Relative, Percent: AutoNoisyPercent}) || noisy.Exceeded(1000, 1050) || !noisy.Exceeded(1000, 1051) {
		t.Errorf("auto, noisy = %+v, want 5%%", noisy)
	}
	for _, th := range []Threshold{{Kind: Relative, Percent: 5}, {Kind: Absolute, Amount: 3}, {Kind: Off}} {
		if th.Resolve(true) != th || th.Resolve(false) != th {
			t.Errorf("%+v resolves to something else", th)
		}
	}
	if d[Leaked].Resolve(true) != (Threshold{Kind: Absolute}) {
		t.Errorf("leaked resolves to %+v, want 0", d[Leaked].Resolve(true))
	}
}
