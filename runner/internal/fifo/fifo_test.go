package fifo

import (
	"strings"
	"testing"
)

// TestEnvSameLength creates many pairs: their environment, which lands on
// the command's stack, has the same length every time, so that a
// deterministic command's stack addresses repeat.
func TestEnvSameLength(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	want := -1
	for range 50 {
		p, err := Create()
		if err != nil {
			t.Fatal(err)
		}
		n := len(strings.Join(p.Env(), "\x00"))
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if want < 0 {
			want = n
		}
		if n != want {
			t.Fatalf("environment of %d bytes, then %d", want, n)
		}
	}
}
