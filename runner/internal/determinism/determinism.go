package determinism

import (
	"slices"
	"strings"
)

// The environment variables a deterministic start sets.
const (
	// EnvPythonHashSeed seeds the hash of CPython's str and bytes, whose
	// dicts and sets otherwise grow, and allocate, differently each run.
	EnvPythonHashSeed = "PYTHONHASHSEED"
	// EnvV8Flags holds the V8 flags the JS integrations apply.
	EnvV8Flags = "MEMTALLY_V8_FLAGS"
)

// PythonHashSeed is the seed the runner sets when the user has not.
const PythonHashSeed = "0"

// Values of the aslr setting.
const (
	ASLROff = "off"
	ASLROn  = "on"
)

// Who set a setting: the runner, the user (their environment, the target's
// env, or a runner started without randomisation), or the system (the
// kernel's own default or sysctl).
const (
	ByRunner = "runner"
	ByUser   = "user"
	BySystem = "system"
)

// Start is what a command's start gets.
type Start struct {
	// NoASLR says to start the command with WithoutASLR.
	NoASLR bool
	// Env is the command's environment, the settings applied.
	Env []string
	// Record says what is in effect, for results.json; the caller fills
	// its target and warm-up.
	Record Launch
}

// Apply returns what a command whose environment is env gets: with on,
// address randomisation off, PYTHONHASHSEED=0 and MEMTALLY_V8_FLAGS=V8Flags,
// each unless the user set it; without, env unchanged. Either way the
// record says what is in effect and who set it. An empty PYTHONHASHSEED
// counts as unset, as CPython reads it; an empty MEMTALLY_V8_FLAGS is the
// user asking for no flags.
func Apply(env []string, on bool) Start {
	// Clipped, so that appending never writes into the caller's array.
	s := Start{Env: slices.Clip(env), Record: Launch{Deterministic: on}}
	if seed, ok := lookup(env, EnvPythonHashSeed); ok && seed != "" {
		s.Record.PythonHashSeed = &Setting{Value: seed, SetBy: ByUser}
	} else if on {
		s.Env = append(s.Env, EnvPythonHashSeed+"="+PythonHashSeed)
		s.Record.PythonHashSeed = &Setting{Value: PythonHashSeed, SetBy: ByRunner}
	}
	if flags, ok := lookup(env, EnvV8Flags); ok {
		s.Record.V8Flags = &Setting{Value: flags, SetBy: ByUser}
	} else if on {
		s.Env = append(s.Env, EnvV8Flags+"="+V8Flags)
		s.Record.V8Flags = &Setting{Value: V8Flags, SetBy: ByRunner}
	}
	if on {
		s.NoASLR = true
		s.Record.ASLR = Setting{Value: ASLROff, SetBy: ByRunner}
	} else {
		s.Record.ASLR = inheritedASLR()
	}
	return s
}

// lookup finds name in env; the last entry wins, as in launch.Environ.
func lookup(env []string, name string) (string, bool) {
	value, found := "", false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			value, found = v, true
		}
	}
	return value, found
}
