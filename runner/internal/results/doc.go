// Package results holds what a run measured, writes it as results.json
// atomically, so that a crash or a concurrent reader never sees half a file,
// and prints the end-of-run table.
//
// protocol/results.schema.json is the published schema of results.json.
package results
