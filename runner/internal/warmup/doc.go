// Package warmup is the runner's warm-up knob: how many calls of each
// benchmark's body an integration runs outside any window before the one
// call its window measures, passed to every command as MEMTALLY_WARMUP.
// Zero measures the cold first call, imports and caches included. When
// neither the command line nor the config says, the runner passes nothing
// and each integration runs its own default, sized to reach a call in
// steady state in its language: one call for C, C++, Rust and Python,
// three for JavaScript, whose inline caches and elements kinds take more
// than one call to settle.
package warmup
