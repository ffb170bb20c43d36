// Package report writes report.html, one self-contained page that shows a
// run: a sortable table of its benchmarks, and per benchmark a chart of
// live heap bytes over the window with the peak marked. Leaks and
// incomplete windows are highlighted. The page loads nothing: its data,
// script and styles are inlined, so it opens from disk with no network.
//
// The charts are drawn by uPlot (MIT, vendored in uplot/ with its licence,
// pinned by uplot/update.sh, and inlined at build time through go:embed).
// A charting library rather than hand-computed SVG: axes with readable
// ticks, scaling, a legend, hover read-outs and HiDPI canvases are solved
// problems there, and at 50 KB uPlot draws thousands of points per chart
// without slowing the page.
package report
