package procstat

import (
	"os"
	"testing"
)

func TestParse(t *testing.T) {
	line := "1234 (a (b) c) T 1 1234 1234 0 -1 4194368 0 0 0 0 1 2 0 0 20 0 1 0 98765 0 0\n"
	st, err := Parse([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.State != 'T' || st.PPID != 1 || st.PGID != 1234 || st.Flags != 4194368 || st.StartTime != "98765" {
		t.Errorf("parsed %+v", st)
	}
	if _, err := Parse([]byte("1234 (x) R 1")); err == nil {
		t.Error("a short line was accepted")
	}
}

func TestReadSelf(t *testing.T) {
	st, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.PPID != os.Getppid() || st.Dead() || st.StartTime == "" {
		t.Errorf("own stat %+v, parent %d", st, os.Getppid())
	}
}
