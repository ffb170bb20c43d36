package results_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"memtally.dev/runner/internal/results"
)

// TestReadRefuses checks that Read refuses what would crash or exhaust the
// decoder, and names the file and the line of every JSON mistake.
func TestReadRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	n := 100_000
	deep := write("deep.json", "{\"schema_version\": 1,\n\"benchmarks\": "+strings.Repeat("[", n)+strings.Repeat("]", n)+"}\n")
	syntax := write("syntax.json", "{\n  \"schema_version\": 1,\n  \"complete\": tru\n}\n")
	typ := write("type.json", "{\n  \"schema_version\": \"one\"\n}\n")
	large := filepath.Join(dir, "large.json")
	f, err := os.Create(large)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: the size is over the limit, the disk holds nothing.
	if err := f.Truncate(results.MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for path, want := range map[string]string{
		deep:   "read results: " + deep + ":2: invalid character '[' exceeded max depth",
		syntax: "read results: " + syntax + ":3: invalid character '\\n' in literal true (expecting 'e')",
		typ:    "read results: " + typ + ":2: json: cannot unmarshal string into Go struct field Run.schema_version of type int",
		large:  "read results: " + large + ": larger than 1.0 GiB, the limit for this file",
	} {
		start := time.Now()
		_, err := results.Read(path)
		if err == nil || err.Error() != want {
			t.Errorf("Read(%s):\n got %v\nwant %s", filepath.Base(path), err, want)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Read(%s) took %v", filepath.Base(path), d)
		}
	}
}
