package determinism

import "strconv"

// Launch is what the runner applied when it started a target's command:
// the settings that make its allocations repeat (this package), and
// the warm-up it asked the integrations for. It is known before the target
// runs, so a run that dies still records it.
type Launch struct {
	Target string `json:"target"`
	// Deterministic is the target's deterministic setting: when false,
	// the runner changed nothing, and the settings below are what the
	// command inherited.
	Deterministic bool `json:"deterministic"`
	// ASLR is "off" or "on": address-space randomisation of the command.
	ASLR Setting `json:"aslr"`
	// PythonHashSeed is PYTHONHASHSEED, absent when unset.
	PythonHashSeed *Setting `json:"pythonhashseed,omitempty"`
	// V8Flags is MEMTALLY_V8_FLAGS, the V8 flags the JS integrations
	// apply, absent when unset.
	V8Flags *Setting `json:"v8_flags,omitempty"`
	// Warmup is MEMTALLY_WARMUP: how many calls of each benchmark's body
	// the integrations were asked to run before the measured one; absent
	// when the runner passed none and each ran its own default (each
	// benchmark's record says how many calls it ran).
	Warmup *uint32 `json:"warmup,omitempty"`
}

// Setting is a value in effect and who set it: "runner", "user" or
// "system".
type Setting struct {
	Value string `json:"value"`
	SetBy string `json:"set_by"`
}

// WarmupText is the warm-up the runner passed, or "default" when it passed
// none and each integration ran its own.
func (l Launch) WarmupText() string {
	if l.Warmup == nil {
		return "default"
	}
	return strconv.FormatUint(uint64(*l.Warmup), 10)
}
