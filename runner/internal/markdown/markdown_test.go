package markdown_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/golden"
	"memtally.dev/runner/internal/markdown"
	"memtally.dev/runner/internal/results"
	"memtally.dev/runner/internal/resultstest"
	"memtally.dev/runner/internal/threshold"
)

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := markdown.Write(&buf, resultstest.Sample(), nil); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "summary", buf.Bytes())

	base, head := resultstest.Sample(), resultstest.Sample()
	head.Benchmarks[0].PeakBytes = 5100
	head.Benchmarks[0].TotalBytes = 4700
	head.Benchmarks[1].URI = "benches/parse.rs::json::huge"
	head.Benchmarks[2].URI = "cli-new"
	head.Benchmarks[2].PeakBytes = 600
	buf.Reset()
	if err := markdown.Write(&buf, head, compare.Runs(base, head, threshold.Defaults())); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "baseline", buf.Bytes())

	buf.Reset()
	if err := markdown.Write(&buf, resultstest.Repeated(), compare.Runs(resultstest.Repeated(), resultstest.Repeated(), threshold.Defaults())); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "repeat", buf.Bytes())

	// A noisy baseline: a change within its spread is noise, with the
	// spread; the run's own repeats show in the Noise column.
	head = resultstest.Repeated()
	for i := range head.Benchmarks {
		if head.Benchmarks[i].URI == "pool::spawn" {
			head.Benchmarks[i].PeakBytes = 4400
		}
	}
	buf.Reset()
	if err := markdown.Write(&buf, head, compare.Runs(resultstest.Repeated(), head, threshold.Defaults())); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "noise", buf.Bytes())
}

// TestHostile checks that names, URIs and reasons from the benchmarks
// cannot add cells, rows, headings or HTML: each table row keeps its eight
// cells, and no line but the report's own starts a heading or holds a tag
// other than code.
func TestHostile(t *testing.T) {
	base, head := resultstest.Hostile(), resultstest.Hostile()
	head.Benchmarks[0].PeakBytes *= 2
	var buf bytes.Buffer
	if err := markdown.Write(&buf, head, compare.Runs(base, head, threshold.Defaults())); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "hostile", buf.Bytes())
	tags := regexp.MustCompile(`(?:^|[^\\])<(/?)([a-z]+)`)
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, "|") {
			cells := len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(line, -1)) - 1
			if cells != 8 {
				t.Errorf("%d cells in %q", cells, line)
			}
		}
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "## memtally") && !strings.HasPrefix(line, "### Target <code>") {
			t.Errorf("heading %q", line)
		}
		for _, m := range tags.FindAllStringSubmatch(line, -1) {
			if m[2] != "code" && m[2] != "br" {
				t.Errorf("tag <%s%s> in %q", m[1], m[2], line)
			}
		}
		if strings.ContainsAny(line, "\x00\x1b\r") {
			t.Errorf("control character in %q", line)
		}
	}
}

// TestNotJudged checks that the verdict never says "No regression" when a
// benchmark could not be judged or nothing was in common.
func TestNotJudged(t *testing.T) {
	ok := resultstest.Bench{Target: "t", URI: "fine", Peak: 100, Total: 100, Count: 1}
	other := resultstest.Bench{Target: "t", URI: "other", Peak: 200, Total: 200, Count: 2}
	broken := ok
	broken.Status, broken.Reason = results.StatusIncomplete, "client exited during benchmark"
	for name, sides := range map[string][2]*results.Run{
		"not-judged":        {resultstest.Run(ok), resultstest.Run(broken)},
		"nothing-in-common": {resultstest.Run(ok), resultstest.Run(other)},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := markdown.Write(&buf, sides[1], compare.Runs(sides[0], sides[1], threshold.Defaults())); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "No regression") {
				t.Errorf("says no regression:\n%s", buf.String())
			}
			golden.Check(t, name, buf.Bytes())
		})
	}
}
