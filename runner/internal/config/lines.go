package config

import (
	"strconv"
	"strings"
)

// keyLines maps each key path of a TOML document to the line it is defined
// on. The TOML decoder keeps key positions private, and errors that do not
// name a line force users to hunt, so the parsed file is scanned once more
// here. The document has already been parsed successfully, so the scanner
// only needs to follow table headers, keys, and values that span lines.
//
// Paths look like "options.mode", "benchmarks[1]" (the header of the second
// [[benchmarks]] table) and "benchmarks[1].env.RUST_LOG".
func keyLines(src string) map[string]int {
	lines := map[string]int{}
	arrayCount := map[string]int{}
	table := ""
	var closer string // the closing delimiter of a multi-line string in progress
	depth := 0        // bracket depth of a multi-line array or inline table

	for i, raw := range strings.Split(src, "\n") {
		lineNo := i + 1
		line := strings.TrimSpace(raw)
		if closer != "" {
			if strings.Contains(line, closer) {
				closer = ""
			}
			continue
		}
		if depth > 0 {
			depth += bracketDelta(line)
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[[") {
			name := joinKey(splitKey(strings.TrimSpace(headerBody(line[2:], "]]"))))
			table = name + "[" + strconv.Itoa(arrayCount[name]) + "]"
			arrayCount[name]++
			setFirst(lines, table, lineNo)
			continue
		}
		if strings.HasPrefix(line, "[") {
			table = joinKey(splitKey(strings.TrimSpace(headerBody(line[1:], "]"))))
			setFirst(lines, table, lineNo)
			continue
		}
		eq := indexOutsideQuotes(line, '=')
		if eq < 0 {
			continue
		}
		path := joinKey(splitKey(strings.TrimSpace(line[:eq])))
		if table != "" {
			path = table + "." + path
		}
		setFirst(lines, path, lineNo)
		value := strings.TrimSpace(line[eq+1:])
		for _, quote := range []string{`"""`, `'''`} {
			if strings.HasPrefix(value, quote) && !strings.Contains(value[3:], quote) {
				closer = quote
			}
		}
		if closer == "" {
			depth = bracketDelta(value)
			recordInlineKeys(lines, path, value, lineNo)
		}
	}
	return lines
}

func setFirst(lines map[string]int, path string, line int) {
	if _, ok := lines[path]; !ok {
		lines[path] = line
	}
}

// recordInlineKeys gives the keys of a one-line inline table the line of the
// key that holds it.
func recordInlineKeys(lines map[string]int, path, value string, line int) {
	if !strings.HasPrefix(value, "{") {
		return
	}
	for _, field := range strings.Split(strings.Trim(value, "{} "), ",") {
		eq := indexOutsideQuotes(field, '=')
		if eq < 0 {
			continue
		}
		setFirst(lines, path+"."+joinKey(splitKey(strings.TrimSpace(field[:eq]))), line)
	}
}

func headerBody(s, end string) string {
	if i := strings.Index(s, end); i >= 0 {
		return s[:i]
	}
	return s
}

// splitKey splits a dotted TOML key into its parts, unquoting quoted parts.
func splitKey(key string) []string {
	var parts []string
	for key != "" {
		key = strings.TrimSpace(key)
		var part string
		switch {
		case strings.HasPrefix(key, `"`), strings.HasPrefix(key, `'`):
			end := strings.IndexByte(key[1:], key[0])
			if end < 0 {
				return append(parts, key)
			}
			part = key[1 : end+1]
			key = key[end+2:]
		default:
			dot := strings.IndexByte(key, '.')
			if dot < 0 {
				dot = len(key)
			}
			part = strings.TrimSpace(key[:dot])
			key = key[dot:]
		}
		parts = append(parts, part)
		key = strings.TrimSpace(key)
		key = strings.TrimPrefix(key, ".")
	}
	return parts
}

func joinKey(parts []string) string { return strings.Join(parts, ".") }

func indexOutsideQuotes(s string, c byte) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch {
		case quote != 0:
			if s[i] == '\\' && quote == '"' {
				i++
			} else if s[i] == quote {
				quote = 0
			}
		case s[i] == '"' || s[i] == '\'':
			quote = s[i]
		case s[i] == '#':
			return -1
		case s[i] == c:
			return i
		}
	}
	return -1
}

// bracketDelta counts how many arrays or inline tables a line opens and does
// not close, ignoring brackets inside strings and comments.
func bracketDelta(s string) int {
	delta := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		switch {
		case quote != 0:
			if s[i] == '\\' && quote == '"' {
				i++
			} else if s[i] == quote {
				quote = 0
			}
		case s[i] == '"' || s[i] == '\'':
			quote = s[i]
		case s[i] == '#':
			return delta
		case s[i] == '[' || s[i] == '{':
			delta++
		case s[i] == ']' || s[i] == '}':
			delta--
		}
	}
	return delta
}
