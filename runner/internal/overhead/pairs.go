package overhead

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseNsPerPair reads what the loop fixtures print: one line holding the
// nanoseconds per malloc+free pair, timed around the loop alone.
func ParseNsPerPair(out []byte) (float64, error) {
	s := strings.TrimSpace(string(out))
	ns, err := strconv.ParseFloat(s, 64)
	// The negation also rejects NaN.
	if err != nil || !(ns > 0) || math.IsInf(ns, 0) {
		return 0, fmt.Errorf("parse ns/pair: the loop printed %q", s)
	}
	return ns, nil
}
