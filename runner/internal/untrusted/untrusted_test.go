package untrusted

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTerminal(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "benches/parse.rs::json::small", "benches/parse.rs::json::small"},
		{"utf-8 kept", "café ▲ 名前 🦀", "café ▲ 名前 🦀"},
		{"real U+FFFD kept", "a\uFFFDb", "a\uFFFDb"},
		{"backslash kept", `a\nb`, `a\nb`},
		{"markdown kept", "a|b <i> # `x`", "a|b <i> # `x`"},
		{"ESC sequence", "\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`},
		{"OSC title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"CR overwrites", "ok\rFAIL", `ok\rFAIL`},
		{"LF adds a line", "a\nok: fine", `a\nok: fine`},
		{"tab", "a\tb", `a\tb`},
		{"NUL", "a\x00b", `a\x00b`},
		{"every C0", "\x01\x08\x0b\x0c\x1f", `\x01\x08\x0b\x0c\x1f`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 CSI", "a\u009b31mb", `a\u009b31mb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"bidi override", "user\u202etxt.exe", `user\u202etxt.exe`},
		{"bidi isolate", "\u2066a\u2069", `\u2066a\u2069`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"invalid byte", "a\xffb", `a\xffb`},
		{"lone C1 byte", "a\x9bb", `a\x9bb`},
		{"truncated rune", "a\xe2\x96", `a\xe2\x96`},
		{"overlong NUL", "\xc0\x80", `\xc0\x80`},
		{"surrogate", "\xed\xa0\x80", `\xed\xa0\x80`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Terminal(tt.in)
			if got != tt.want {
				t.Errorf("Terminal(%q) = %q, want %q", tt.in, got, tt.want)
			}
			assertShowable(t, got)
		})
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "benches/parse.rs::json::small", "benches/parse.rs::json::small"},
		{"utf-8 kept", "café ▲ 🦀", "café ▲ 🦀"},
		{"pipe adds a cell", "a | b", `a \| b`},
		{"newline adds a row", "a\n| x | y |", `a\n\| x \| y \|`},
		{"CR", "a\rb", `a\rb`},
		{"leading hash", "# title", `\# title`},
		{"inner hash kept", "a # b", "a # b"},
		{"leading list markers", "- a", `\- a`},
		{"leading plus", "+ a", `\+ a`},
		{"setext underline", "===", `\===`},
		{"script tag", "<script>alert(1)</script>", `\<script\>alert(1)\</script\>`},
		{"html comment", "<!-- x -->", `\<!-- x --\>`},
		{"backticks", "``code``", "\\`\\`code\\`\\`"},
		{"emphasis", "*a* _b_ ~c~", `\*a\* \_b\_ \~c\~`},
		{"link", "[x](http://e.com)", `\[x\](http://e.com)`},
		{"image", "![x](y)", `!\[x\](y)`},
		{"entity", "&lt;", `\&lt;`},
		{"math", "$x$", `\$x\$`},
		{"backslash", `a\|b`, `a\\\|b`},
		{"ESC", "\x1b[31m", `\x1b\[31m`},
		{"NUL", "a\x00b", `a\x00b`},
		{"invalid byte", "a\xffb", `a\xffb`},
		{"bidi", "a\u202eb", `a\u202eb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Markdown(tt.in)
			if got != tt.want {
				t.Errorf("Markdown(%q) = %q, want %q", tt.in, got, tt.want)
			}
			assertShowable(t, got)
			for i, r := range got {
				if strings.ContainsRune("|<>`", r) && (i == 0 || got[i-1] != '\\') {
					t.Errorf("Markdown(%q) = %q: unescaped %q at %d", tt.in, got, r, i)
				}
			}
		})
	}
}

// TestEveryByte checks each single byte and each character of the first
// 0x3000 code points: the output is valid UTF-8 with nothing a terminal
// acts on, and text that needs no escape comes back unchanged.
func TestEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := string([]byte{'a', byte(c), 'b'})
		assertShowable(t, Terminal(s))
		assertShowable(t, Markdown(s))
	}
	for r := rune(0); r < 0x3000; r++ {
		s := string(r)
		got := Terminal(s)
		assertShowable(t, got)
		assertShowable(t, Markdown(s))
		if !unsafeRune(r) && got != s {
			t.Errorf("Terminal(%q) = %q, want it unchanged", s, got)
		}
	}
}

func assertShowable(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%q is not valid UTF-8", s)
	}
	for _, r := range s {
		if unsafeRune(r) {
			t.Errorf("%q holds %U", s, r)
		}
	}
}

func BenchmarkTerminalClean(b *testing.B) {
	s := "benches/parse.rs::json::small"
	for b.Loop() {
		Terminal(s)
	}
}
