// Package threshold decides how much a benchmark's memory may grow from its
// baseline before the change counts as a regression. A threshold is written
// as a percentage of the baseline ("5%"), an absolute amount ("0", "4096",
// "4KiB"), or "off".
package threshold
