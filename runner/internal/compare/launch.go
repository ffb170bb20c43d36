package compare

import (
	"fmt"
	"strconv"

	"memtally.dev/runner/internal/results"
)

// launchChanges says how the starts of the targets both runs have differ:
// a command started without ASLR, PYTHONHASHSEED or the V8 flags, or with
// another warm-up, allocates differently for reasons other than the code.
// A target that one file does not record, as a file of a runner before
// environment.launch, is not a difference.
func launchChanges(base, head []results.Launch) []string {
	byTarget := map[string]results.Launch{}
	for _, l := range base {
		byTarget[l.Target] = l
	}
	var out []string
	for _, h := range head {
		b, ok := byTarget[h.Target]
		if !ok {
			continue
		}
		diff := func(what, a, b string) {
			if a != b {
				out = append(out, fmt.Sprintf("target %s: %s %q → %q", h.Target, what, a, b))
			}
		}
		diff("deterministic", strconv.FormatBool(b.Deterministic), strconv.FormatBool(h.Deterministic))
		diff("ASLR", b.ASLR.Value, h.ASLR.Value)
		diff("PYTHONHASHSEED", settingText(b.PythonHashSeed), settingText(h.PythonHashSeed))
		diff("V8 flags", settingText(b.V8Flags), settingText(h.V8Flags))
		diff("warm-up", b.WarmupText(), h.WarmupText())
	}
	return out
}

// settingText is a setting's value, or "unset".
func settingText(s *results.Setting) string {
	if s == nil {
		return "unset"
	}
	return s.Value
}
