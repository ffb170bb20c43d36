package report

import (
	"fmt"
	"strings"

	"memtally.dev/runner/internal/results"
)

// launchText says in a line of the header how a target's command started:
// "target python: deterministic, ASLR off (runner), PYTHONHASHSEED 0
// (runner), V8 flags --predictable (runner), warm-up 1".
func launchText(l results.Launch) string {
	parts := []string{"not deterministic"}
	if l.Deterministic {
		parts[0] = "deterministic"
	}
	parts = append(parts, fmt.Sprintf("ASLR %s (%s)", l.ASLR.Value, l.ASLR.SetBy))
	for _, s := range []struct {
		name string
		set  *results.Setting
	}{{"PYTHONHASHSEED", l.PythonHashSeed}, {"V8 flags", l.V8Flags}} {
		if s.set != nil {
			value := s.set.Value
			if value == "" {
				value = "none"
			}
			parts = append(parts, fmt.Sprintf("%s %s (%s)", s.name, value, s.set.SetBy))
		}
	}
	parts = append(parts, "warm-up "+l.WarmupText())
	return fmt.Sprintf("target %s: %s", l.Target, strings.Join(parts, ", "))
}
