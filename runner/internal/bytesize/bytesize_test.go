package bytesize

import "testing"

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{4586, "4.5 KiB"},
		{1536 * 1024, "1.5 MiB"},
		{5 << 30, "5.0 GiB"},
	} {
		if got := Format(tc.n); got != tc.want {
			t.Errorf("Format(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := FormatFloat(171.79); got != "171.8 B" {
		t.Errorf("FormatFloat(171.79) = %q", got)
	}
	if got := FormatFloat(-2048); got != "-2.0 KiB" {
		t.Errorf("FormatFloat(-2048) = %q", got)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
	}{
		{"0", 0},
		{"4096", 4096},
		{"4096B", 4096},
		{"4KiB", 4096},
		{"4 kib", 4096},
		{"4K", 4096},
		{"1.5MiB", 1536 * 1024},
		{"1MB", 1000000},
		{"2 GB", 2000000000},
		{"1GiB", 1 << 30},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "KiB", "4 parsecs", "1.2.3", "-4", "4%"} {
		if got, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %d, want an error", bad, got)
		}
	}
}

func TestFormatRange(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{4096, 4200, "4.0–4.1 KiB"},
		{8000, 8002, "8000–8002 B"},
		{800, 800.2, "800–800.2 B"},
		{1000, 4096, "1000 B–4.0 KiB"},
	} {
		if got := FormatRange(tc.lo, tc.hi); got != tc.want {
			t.Errorf("FormatRange(%g, %g) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}
