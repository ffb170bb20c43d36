// Package determinism is what the runner changes in a command's start so
// that its allocations repeat from run to run: address-space randomisation
// off for the command alone, Python's string hashing seeded, and the V8
// flags that make V8's malloc traffic reproducible handed to the JS
// integrations. A target can turn all of it off (deterministic = false),
// and every setting in effect is recorded in results.json with who set it.
package determinism
