package warmup

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// EnvVar carries the warm-up to the integrations.
const EnvVar = "MEMTALLY_WARMUP"

// Max is the largest warm-up: the protocol's start.warmup is a uint32.
const Max = math.MaxUint32

// Parse reads a warm-up as the command line gives it: a non-negative
// decimal integer up to Max.
func Parse(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("expected a non-negative integer up to %d, got %q", uint64(Max), s)
	}
	return uint32(n), nil
}

// FromInt checks a warm-up as a config gives it, an integer.
func FromInt(n int64) (uint32, error) {
	if n < 0 || n > Max {
		return 0, fmt.Errorf("expected a non-negative integer up to %d, got %d", uint64(Max), n)
	}
	return uint32(n), nil
}

// Env is the environment entry that passes n to a command.
func Env(n uint32) string {
	return EnvVar + "=" + strconv.FormatUint(uint64(n), 10)
}

// Environ sets MEMTALLY_WARMUP in env to n, or removes it when n is nil,
// so that an integration runs its own default rather than a value the
// runner's own environment happened to carry.
func Environ(env []string, n *uint32) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, EnvVar+"=") {
			out = append(out, kv)
		}
	}
	if n != nil {
		out = append(out, Env(*n))
	}
	return out
}
