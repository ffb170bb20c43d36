// Package journal keeps what a run has measured since results.json was last
// written, one JSON line per event, so that a runner killed without warning
// loses nothing it had acknowledged: each line is a single append, done
// before the client hears that its benchmark stopped, and Fold merges the
// lines into results.json once the runner is gone.
//
// Rewriting results.json after every window would cost time and I/O that
// grow with the run (a 100,000-benchmark target would rewrite a file of
// hundreds of megabytes 100,000 times); an append costs the same for the
// first window and the last. The journal is emptied whenever results.json
// is written, and removed at the end of a normal run.
package journal
