package cli

import (
	"fmt"
	"io"
	"strings"

	"memtally.dev/runner/internal/harnessid"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/untrusted"
)

// unswitchedHarness names the harness a command runs, resolved as the
// command's own environment resolves it, or returns nil.
func unswitchedHarness(argv []string, dir string, env []string) *results.UnswitchedHarness {
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	h, ok := harnessid.Identify(argv, dir, path)
	if !ok {
		return nil
	}
	return &results.UnswitchedHarness{Kind: string(h.Kind), Program: h.Program, Switch: harnessid.Switch[h.Kind]}
}

// warnUnswitched says, loudly, that a known harness ran without its
// integration, what that did to the numbers, and the switch to make.
func warnUnswitched(w io.Writer, target string, h *results.UnswitchedHarness, whole bool) {
	what := "no benchmark was recorded"
	if whole {
		what = "the whole program was measured as one record, not each benchmark"
	}
	fmt.Fprintf(w, "runner: WARNING: target %s runs a %s suite (%s), but no memtally integration connected: %s.\nrunner: WARNING: switch it: %s\n",
		untrusted.Terminal(target), h.Kind, untrusted.Terminal(h.Program), what, h.Switch)
}
