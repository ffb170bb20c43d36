package results

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
)

// TestWriteTableAlignsAsTabwriter checks writeTable against the
// tabwriter it replaces, on cells of several widths, runes of several
// bytes, empty cells, and characters a tabwriter interprets.
func TestWriteTableAlignsAsTabwriter(t *testing.T) {
	tables := [][][]string{
		{{"A", "B", "C"}},
		{{"TARGET", "BENCHMARK", "STATUS"}, {"t", "a–b ✓", "ok"}, {"", "long benchmark name", "incomplete [1]"}, {"ünïcode", "", ""}},
		{{"A", "B"}, {"tab\there", "x"}, {"y", "z"}},
		{{"A", "B"}, {"escape \xff byte", "x"}},
		{{"A", "B"}, {"line\nfeed", "x"}, {"v\vf\f", "y"}},
	}
	for i, table := range tables {
		var want bytes.Buffer
		tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
		for _, cells := range table {
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
		var got bytes.Buffer
		writeTable(&errWriter{w: &got}, func(f func([]string)) {
			for _, cells := range table {
				f(cells)
			}
		})
		if got.String() != want.String() {
			t.Errorf("table %d:\n%q\nwant:\n%q", i, got.String(), want.String())
		}
	}
}
