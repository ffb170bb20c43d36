package warmup

import (
	"fmt"
	"math"
	"strconv"
)

// EnvVar carries the warm-up to the integrations.
const EnvVar = "MEMTALLY_WARMUP"

// Default is the warm-up when neither the command line nor the config says:
// one call, after which caches, interned strings and lazily compiled code
// of a first call are in place.
const Default uint32 = 1

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
