package cli

import (
	"fmt"
	"io"
	"path/filepath"

	"memtally.dev/runner/internal/compare"
	"memtally.dev/runner/internal/config"
	"memtally.dev/runner/internal/report"
	"memtally.dev/runner/internal/threshold"
)

// runCompare is runner compare: it diffs two results files and fails on
// regressions over the thresholds.
func runCompare(args []string, stdout io.Writer) error {
	fs := newFlagSet("runner compare", stdout)
	configPath := fs.String("config", "", "")
	var thresholds thresholdFlags
	fs.Var(&thresholds, "threshold", "")
	markdownPath := fs.String("markdown", "", "")
	allowIncomplete := fs.Bool("allow-incomplete", false, "")
	files, help, err := parseInterspersed(fs, args, stdout)
	if help || err != nil {
		return err
	}
	if len(files) != 2 {
		return usageError("compare needs two results files: runner compare [flags] BASE.json HEAD.json")
	}
	set := threshold.Defaults()
	if *configPath != "" {
		cfg, err := config.Read(*configPath)
		if err != nil {
			return &ExitError{Code: 2, Err: err}
		}
		set = set.Merge(cfg.Thresholds)
	}
	set = set.Merge(threshold.Set(thresholds))
	base, err := readBaseline(files[0])
	if err != nil {
		return err
	}
	head, err := readResults("head", files[1])
	if err != nil {
		return err
	}
	cmp := compare.Runs(base, head, set)
	if err := cmp.WriteText(stdout); err != nil {
		return err
	}
	if err := writeMarkdown(*markdownPath, head, cmp); err != nil {
		return err
	}
	if cmp.Regressed() {
		return regressionError(cmp)
	}
	if !*allowIncomplete {
		return incompleteError(nil, cmp)
	}
	return nil
}

// runReport is runner report: it (re)writes report.html beside a results
// file, for results from another machine or an older runner.
func runReport(args []string, stdout io.Writer) error {
	fs := newFlagSet("runner report", stdout)
	baseline := fs.String("baseline", "", "")
	files, help, err := parseInterspersed(fs, args, stdout)
	if help || err != nil {
		return err
	}
	if len(files) != 1 {
		return usageError("report needs one results file: runner report [--baseline BASE.json] RESULTS.json")
	}
	run, err := readResults("results", files[0])
	if err != nil {
		return err
	}
	var cmp *compare.Result
	if *baseline != "" {
		base, err := readBaseline(*baseline)
		if err != nil {
			return err
		}
		cmp = compare.Runs(base, run, threshold.Defaults())
	}
	dir := filepath.Dir(files[0])
	if err := report.Write(dir, run, cmp); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "report: %s\n", displayPath(filepath.Join(dir, report.FileName)))
	return err
}
