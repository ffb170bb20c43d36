// Package warmup is the runner's warm-up knob: how many calls of each
// benchmark's body an integration runs outside any window before the one
// call its window measures, passed to every command as MEMTALLY_WARMUP. The
// default, one, measures a call in steady state; zero measures the cold
// first call, imports and caches included.
package warmup
