package stats

import "testing"

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want Summary
	}{
		{nil, Summary{}},
		{[]float64{7}, Summary{N: 1, Median: 7, Min: 7, Max: 7}},
		{[]float64{3, 1, 2}, Summary{N: 3, Median: 2, Min: 1, Max: 3}},
		{[]float64{4, 1, 2, 100}, Summary{N: 4, Median: 3, Min: 1, Max: 100}},
	} {
		if got := Of(tc.in); got != tc.want {
			t.Errorf("Of(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestSpread(t *testing.T) {
	if !Of([]float64{1, 2}).Spread() || Of([]float64{2, 2}).Spread() || Of([]float64{2}).Spread() {
		t.Error("Spread")
	}
}

func TestSpreadPercent(t *testing.T) {
	for _, tc := range []struct {
		in     []float64
		want   float64
		wantOK bool
	}{
		{[]float64{1000}, 0, true},
		{[]float64{1000, 1000, 1000}, 0, true},
		{[]float64{990, 1000, 1010}, 2, true},
		{[]float64{100, 200}, 100.0 * 100 / 150, true},
		{[]float64{0, 0}, 0, true},
		{[]float64{0, 0, 64}, 0, false},
	} {
		got, ok := Of(tc.in).SpreadPercent()
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("SpreadPercent(%v) = %g, %v; want %g, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestFormatPercent(t *testing.T) {
	for p, want := range map[float64]string{0: "0.0%", 2.54: "2.5%", 0.025: "0.03%", 0.001: "<0.01%", 350: "350.0%"} {
		if got := FormatPercent(p); got != want {
			t.Errorf("FormatPercent(%g) = %q, want %q", p, got, want)
		}
	}
}
