package bytesize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

var binaryUnits = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// Format renders n in the largest binary unit that keeps it at 1 or more:
// "512 B", "4.0 KiB", "1.5 MiB". One decimal is enough to see a change of a
// few percent, and exact counts are one --verbose away.
func Format(n uint64) string {
	return FormatFloat(float64(n))
}

// FormatFloat is Format for averages and medians, which need not be whole.
func FormatFloat(f float64) string {
	neg := f < 0
	if neg {
		f = -f
	}
	unit := 0
	for f >= 1024 && unit < len(binaryUnits)-1 {
		f /= 1024
		unit++
	}
	var s string
	switch {
	case unit == 0 && f == math.Trunc(f):
		s = fmt.Sprintf("%.0f B", f)
	case unit == 0:
		s = fmt.Sprintf("%.1f B", f)
	default:
		s = fmt.Sprintf("%.1f %s", f, binaryUnits[unit])
	}
	if neg {
		s = "-" + s
	}
	return s
}

var parseUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
}

// Parse reads a size: a whole or decimal number, optionally followed by a
// unit. KiB, MiB and GiB (and the shorthands K, M, G) are powers of 1024;
// KB, MB and GB are powers of 1000, as the SI defines them. Units are case
// insensitive and may be separated from the number by spaces.
func Parse(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	end := len(t)
	for i, r := range t {
		if (r < '0' || r > '9') && r != '.' {
			end = i
			break
		}
	}
	num, unit := t[:end], strings.ToLower(strings.TrimSpace(t[end:]))
	if num == "" {
		return 0, fmt.Errorf("invalid size %q: want a number of bytes such as 0, 4096 or 4KiB", s)
	}
	mult, ok := parseUnits[unit]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q; use B, KiB, MiB, GiB, KB, MB or GB", s, strings.TrimSpace(t[end:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: want a number of bytes such as 0, 4096 or 4KiB", s)
	}
	v := f * mult
	if v > math.MaxUint64/2 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return uint64(math.Round(v)), nil
}

// FormatRange renders a min–max range in one unit, "4.0–4.1 KiB", or in
// exact bytes when the unit would round both ends to the same text.
func FormatRange(lo, hi float64) string {
	a, b := FormatFloat(lo), FormatFloat(hi)
	ua, ub := a[strings.LastIndexByte(a, ' ')+1:], b[strings.LastIndexByte(b, ' ')+1:]
	switch {
	case a == b:
		return fmt.Sprintf("%s–%s B", exact(lo), exact(hi))
	case ua == ub:
		return strings.TrimSuffix(a, " "+ua) + "–" + b
	}
	return a + "–" + b
}

// exact prints whole numbers without decimals, and others with up to two.
func exact(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}
