package cli

import (
	"flag"
	"os"

	"memtally.dev/runner/internal/determinism"
	"memtally.dev/runner/internal/launch"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/warmup"
)

// launchFlags are the flags that change how each command starts: its
// warm-up and whether it starts deterministic. Set, they override the
// config's targets and options.
type launchFlags struct {
	warmup        uint32
	warmupSet     bool
	deterministic bool
	// noDeterministic is --no-deterministic, the same as
	// --deterministic=false.
	noDeterministic bool
}

func (l *launchFlags) register(fs *flag.FlagSet) {
	fs.Func("warmup", "", func(s string) error {
		n, err := warmup.Parse(s)
		l.warmup, l.warmupSet = n, err == nil
		return err
	})
	fs.BoolVar(&l.deterministic, "deterministic", true, "")
	fs.BoolVar(&l.noDeterministic, "no-deterministic", false, "")
}

// override applies the flags that were given to every target, and refuses
// --deterministic with --no-deterministic.
func (l *launchFlags) override(fs *flag.FlagSet, targets []target) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["deterministic"] && set["no-deterministic"] && l.deterministic == l.noDeterministic {
		return usageError("-deterministic=%v and -no-deterministic contradict each other; pass one", l.deterministic)
	}
	for i := range targets {
		if l.warmupSet {
			n := l.warmup
			targets[i].warmup = &n
		}
		switch {
		case set["no-deterministic"]:
			targets[i].deterministic = !l.noDeterministic
		case set["deterministic"]:
			targets[i].deterministic = l.deterministic
		}
	}
	return nil
}

// start is how target t's command starts: its environment, memory mode's
// settings, the warm-up and what makes it deterministic applied, and the
// record of what was applied.
func (t target) start() determinism.Start {
	env := memoryModeEnv(launch.Environ(os.Environ(), t.env), t.env)
	env = warmup.Environ(env, t.warmup)
	s := determinism.Apply(env, t.deterministic)
	s.Record.Target = t.name
	s.Record.Warmup = t.warmup
	return s
}

// launches records how each target starts, once per name.
func launches(targets []target) []results.Launch {
	out := []results.Launch{}
	seen := map[string]bool{}
	for _, t := range targets {
		if !seen[t.name] {
			seen[t.name] = true
			out = append(out, t.start().Record)
		}
	}
	return out
}
