package config

import (
	"strings"
	"testing"
)

// Each target gets its own deterministic and warmup, else the options',
// else true and no warm-up (-1 here): the integrations' own defaults.
func TestDeterministicAndWarmup(t *testing.T) {
	type got struct {
		deterministic bool
		warmup        int64
	}
	calls := func(n *uint32) int64 {
		if n == nil {
			return -1
		}
		return int64(*n)
	}
	for _, c := range []struct {
		options, target string
		want            got
	}{
		{"", "", got{true, -1}},
		{"deterministic = false\nwarmup = 0\n", "", got{false, 0}},
		{"deterministic = false\nwarmup = 0\n", "deterministic = true\nwarmup = 5\n", got{true, 5}},
		{"", "deterministic = false\nwarmup = 0\n", got{false, 0}},
		{"warmup = 3\n", "deterministic = false\n", got{false, 3}},
	} {
		src := "[options]\n" + c.options + "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n" + c.target +
			"[[benchmarks]]\nname = \"plain\"\ncommand = \"c\"\n"
		cfg, err := Parse("codspeed.toml", "/proj", src)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		a := cfg.Targets[0]
		if g := (got{a.Deterministic, calls(a.Warmup)}); g != c.want {
			t.Errorf("%q: target a gets %+v, want %+v", src, g, c.want)
		}
		// A target that says nothing takes the options, or the defaults.
		plain := cfg.Targets[1]
		if plain.Deterministic != cfg.Deterministic || calls(plain.Warmup) != calls(cfg.Warmup) {
			t.Errorf("%q: target plain gets %v %d, options %v %d", src, plain.Deterministic, calls(plain.Warmup), cfg.Deterministic, calls(cfg.Warmup))
		}
	}
}

func TestDeterministicAndWarmupErrors(t *testing.T) {
	const target = "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n"
	for src, want := range map[string]string{
		"[options]\ndeterministic = \"yes\"\n" + target: "codspeed.toml:2: options.deterministic: expected a boolean (true or false), got string",
		"[options]\nwarmup = -1\n" + target:             "codspeed.toml:2: options.warmup: expected a non-negative integer up to 4294967295, got -1",
		"[options]\nwarmup = \"1\"\n" + target:          "codspeed.toml:2: options.warmup: expected a non-negative integer (0 measures the cold first call), got string",
		target + "warmup = 1.5\n":                       "codspeed.toml:4: benchmarks.warmup: expected a non-negative integer (0 measures the cold first call), got float",
		target + "warmup = 4294967296\n":                "codspeed.toml:4: benchmarks.warmup: expected a non-negative integer up to 4294967295, got 4294967296",
		target + "deterministic = 0\n":                  "codspeed.toml:4: benchmarks.deterministic: expected a boolean (true or false), got integer",
		target + "env = { MEMTALLY_WARMUP = \"3\" }\n":  "codspeed.toml:4: benchmarks.env.MEMTALLY_WARMUP: set by the runner; use warmup = N in the target or options.warmup",
		target + "determinstic = false\n":               `codspeed.toml:4: benchmarks.determinstic: unknown key (did you mean "deterministic"?)`,
	} {
		_, err := Parse("codspeed.toml", "/proj", src)
		if err == nil || err.Error() != want {
			t.Errorf("%q:\n got %v\nwant %s", src, err, want)
		}
	}
	// Every mistake at once.
	_, err := Parse("codspeed.toml", "/proj", "[options]\nwarmup = -2\n"+target+"deterministic = \"no\"\n")
	if err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("want two errors, got %v", err)
	}
}
