package inputlimit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTOMLDepth(t *testing.T) {
	const limit = 4
	tests := []struct {
		name string
		src  string
		line int // 0: within the limit
	}{
		{"empty", "", 0},
		{"config", "[options]\nmode = \"memory\"\n\n[[benchmarks]]\nname = \"a\"\ncommand = [\"x\", \"y\"]\nenv = { A = \"1\", B = \"2\" }\n", 0},
		{"at the limit", "a = [[[[1]]]]\n", 0},
		{"arrays", "a = [[[[[1]]]]]\n", 1},
		{"inline tables", "x = 1\na = {a = {a = {a = {a = {}}}}}\n", 2},
		{"dotted key", "a.b.c.d.e.f = 1\n", 1},
		{"dotted header", "[a.b.c.d.e]\n", 1},
		{"dots add to brackets", "a.b.c = {d.e.f = 1}\n", 1},
		{"dots reset per line", "a.b.c.d = 1\ne.f.g.h = 2\n", 0},
		{"dots reset per element", "a = {b.c = 1, d.e = 2, f.g = 3}\n", 0},
		{"floats", "a = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]\n", 0},
		{"multi-line array", "a = [\n  [\n    [\n      [\n        [1]]]]]\n", 5},
		{"brackets in a basic string", "a = \"[[[[[[{{{{{....\"\n", 0},
		{"escaped quote in a string", "a = \"\\\"[[[[[[\"\n", 0},
		{"brackets in a literal string", "a = '[[[[[[\\'\n", 0},
		{"brackets in a comment", "a = 1 # [[[[[[[[....\n", 0},
		{"comment in a string", "a = \"#\" \nb = [[[[[1]]]]]\n", 2},
		{"multi-line basic string", "a = \"\"\"\n[[[[[[\n\"\"\"\nb = [[[[[1]]]]]\n", 4},
		{"multi-line literal string", "a = '''\n[[[[[[ ''\n'''\nb = 1\n", 0},
		{"quotes closing a multi-line string", "a = \"\"\"x\"\"\"\"\"\nb = [[[[[1]]]]]\n", 2},
		{"line continuation", "a = \"\"\"x\\\ny\"\"\"\nb = [[[[[1]]]]]\n", 3},
		{"unterminated string ends at the line", "a = \"[[[[[[\nb = [[[[[1]]]]]\n", 2},
		{"quoted key with dots", "\"a.b.c.d.e\" = 1\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := TOMLDepth([]byte(tt.src), limit)
			var depth *DepthError
			switch {
			case tt.line == 0 && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.line != 0 && !errors.As(err, &depth):
				t.Errorf("error %v, want a DepthError on line %d", err, tt.line)
			case tt.line != 0 && depth.Line != tt.line:
				t.Errorf("line %d, want %d", depth.Line, tt.line)
			}
		})
	}
}

// TestTOMLDepthDeep scans the input the issue saw: inline tables nested
// 100,000 deep, which the parser took 24 GB on. The scan refuses it at
// once, on its first line.
func TestTOMLDepthDeep(t *testing.T) {
	n := 100_000
	src := strings.Repeat("a = {", n) + strings.Repeat("}", n)
	err := TOMLDepth([]byte(src), 32)
	var depth *DepthError
	if !errors.As(err, &depth) || depth.Line != 1 || err.Error() != "nested deeper than 32 levels; refusing to parse" {
		t.Fatalf("got %v", err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(path, 5); err != nil || string(data) != "12345" {
		t.Errorf("at the limit: %q, %v", data, err)
	}
	_, err := ReadFile(path, 4)
	var large *TooLargeError
	if !errors.As(err, &large) || large.Limit != 4 || err.Error() != "larger than 4 B, the limit for this file" {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 4); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func BenchmarkTOMLDepth(b *testing.B) {
	src := []byte(strings.Repeat("[[benchmarks]]\nname = \"a\"\ncommand = \"x --flag 1.5\" # comment\nenv = { A = \"1\" }\n", 10_000))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := TOMLDepth(src, 32); err != nil {
			b.Fatal(err)
		}
	}
}
