// Package golden compares a test's output with the expected file
// testdata/NAME.stdout. On a mismatch it writes what it got to
// testdata/NAME.got-stdout, to diff or copy over; MEMTALLY_UPDATE_GOLDEN=1
// rewrites the expected files instead.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Check fails t unless got equals testdata/NAME.stdout.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	want := filepath.Join("testdata", name+".stdout")
	gotPath := filepath.Join("testdata", name+".got-stdout")
	if os.Getenv("MEMTALLY_UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(want, got, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(gotPath)
		return
	}
	expected, err := os.ReadFile(want)
	if err != nil {
		os.WriteFile(gotPath, got, 0o644)
		t.Fatalf("read golden file: %v (output written to %s; MEMTALLY_UPDATE_GOLDEN=1 creates it)", err, gotPath)
	}
	if !bytes.Equal(got, expected) {
		if err := os.WriteFile(gotPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Errorf("output differs from %s; got is in %s:\n%s", want, gotPath, got)
		return
	}
	os.Remove(gotPath)
}
