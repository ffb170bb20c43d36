package untrusted

import (
	"strings"
	"unicode/utf8"
)

// Terminal returns s with every character a terminal would act on written
// as an escape: C0 controls and DEL as \t, \n, \r or \xNN (so ESC is \x1b),
// C1 controls and the Unicode bidirectional and line-separator controls as
// \uNNNN, and each byte of invalid UTF-8 as \xNN. A backslash already in s
// stays as it is: the output is for reading, not for parsing back.
func Terminal(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			writeHex(&b, `\x`, uint32(s[i]), 2)
			i++
			continue
		}
		writeRune(&b, r)
		i += size
	}
	return b.String()
}

// Markdown returns s as GitHub-flavoured Markdown inline text that renders
// as s itself: everything Terminal escapes, plus a backslash before each
// character that could start markup (|, <, >, backticks, emphasis,
// brackets, ~, &, $, \) and before a leading # + - or =. The result can
// therefore not end a table cell, add a row, a heading or a list item,
// open a code span or a link, or hold HTML, wherever inline text may go.
func Markdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			writeHex(&b, `\x`, uint32(s[i]), 2)
			size = 1
		case strings.ContainsRune(markdownPunct, r), i == 0 && strings.ContainsRune(markdownLeading, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			writeRune(&b, r)
		}
		i += size
	}
	return b.String()
}

const (
	// markdownPunct is escaped anywhere: each can open or close inline
	// markup, a table cell, raw HTML, an entity or (on GitHub) math.
	markdownPunct = "\\`*_[]<>|~&$"
	// markdownLeading is escaped at the start of the text, where it could
	// open a heading, a list item or a setext underline.
	markdownLeading = "#+-="
)

// clean reports whether s needs no escape at all, the common case.
func clean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			// RuneError may be a real U+FFFD; the slow path tells.
			return false
		}
	}
	return true
}

func writeRune(b *strings.Builder, r rune) {
	switch {
	case r == '\t':
		b.WriteString(`\t`)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r < 0x20 || r == 0x7f:
		writeHex(b, `\x`, uint32(r), 2)
	case unsafeRune(r):
		writeHex(b, `\u`, uint32(r), 4)
	default:
		b.WriteRune(r)
	}
}

// unsafeRune reports the characters a terminal or a renderer acts on
// rather than shows: C0 and C1 controls, DEL, the bidirectional controls
// that reorder what follows (as in "Trojan Source" attacks), and the
// Unicode line and paragraph separators.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

func writeHex(b *strings.Builder, prefix string, v uint32, digits int) {
	const hex = "0123456789abcdef"
	b.WriteString(prefix)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hex[(v>>shift)&0xf])
	}
}
