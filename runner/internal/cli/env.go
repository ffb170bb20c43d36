package cli

import (
	"strings"

	"memtally.dev/runner/internal/launch"
)

// memoryModeEnv makes runtimes with allocators of their own show their
// allocations to the malloc probes: CPython's pymalloc serves small objects
// from arenas malloc never sees unless PYTHONMALLOC=malloc, and V8's heap
// needs a forced GC (--expose-gc) for the JS integrations to measure it.
// A PYTHONMALLOC of the target's own wins; --expose-gc is added to any
// NODE_OPTIONS, the target's included.
func memoryModeEnv(env, targetEnv []string) []string {
	var memory []string
	if !hasVar(targetEnv, "PYTHONMALLOC") {
		memory = append(memory, "PYTHONMALLOC=malloc")
	}
	nodeOptions := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NODE_OPTIONS="); ok {
			nodeOptions = v
		}
	}
	if !strings.Contains(" "+nodeOptions+" ", " --expose-gc ") {
		nodeOptions = strings.TrimSpace(nodeOptions + " --expose-gc")
	}
	memory = append(memory, "NODE_OPTIONS="+nodeOptions)
	return launch.Environ(env, memory)
}

func hasVar(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}
