package warmup

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"10", 10, true},
		{"4294967295", Max, true},
		{"4294967296", 0, false},
		{"-1", 0, false},
		{"", 0, false},
		{"1.5", 0, false},
		{"two", 0, false},
		{" 1", 0, false},
		{"+1", 0, false},
	} {
		got, err := Parse(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestFromInt(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want uint32
		ok   bool
	}{
		{0, 0, true},
		{3, 3, true},
		{Max, Max, true},
		{Max + 1, 0, false},
		{-1, 0, false},
	} {
		got, err := FromInt(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("FromInt(%d) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestEnv(t *testing.T) {
	if got := Env(0); got != "MEMTALLY_WARMUP=0" {
		t.Errorf("Env(0) = %q", got)
	}
	if got := Env(Default); got != "MEMTALLY_WARMUP=1" {
		t.Errorf("Env(Default) = %q", got)
	}
}
