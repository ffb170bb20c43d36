package warmup

import (
	"strings"
	"testing"
)

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
	if got := Env(Max); got != "MEMTALLY_WARMUP=4294967295" {
		t.Errorf("Env(Max) = %q", got)
	}
}

func TestEnviron(t *testing.T) {
	three := uint32(3)
	for _, tc := range []struct {
		name string
		env  []string
		n    *uint32
		want []string
	}{
		{"set", []string{"A=1"}, &three, []string{"A=1", "MEMTALLY_WARMUP=3"}},
		{"replaces the inherited value", []string{"MEMTALLY_WARMUP=9", "A=1"}, &three, []string{"A=1", "MEMTALLY_WARMUP=3"}},
		{"unset removes every inherited value", []string{"MEMTALLY_WARMUP=9", "A=1", "MEMTALLY_WARMUP="}, nil, []string{"A=1"}},
		{"a longer name stays", []string{"MEMTALLY_WARMUPS=2"}, nil, []string{"MEMTALLY_WARMUPS=2"}},
	} {
		got := Environ(tc.env, tc.n)
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: Environ(%q) = %q, want %q", tc.name, tc.env, got, tc.want)
		}
	}
}
