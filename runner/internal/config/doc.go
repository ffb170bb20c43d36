// Package config reads codspeed.toml, the file that lists the benchmark
// targets a run executes, and reports every mistake in it with the file, line
// and key so that users can fix a config without guessing.
//
// The schema:
//
//	[options]
//	mode = "memory"                      # the only mode memtally has
//	output-dir = ".memtally/results"     # relative to the config's directory
//
//	[[benchmarks]]
//	name = "python"                      # unique, names the target in results
//	command = "pytest benches/"          # a program with a harness integration
//	# or: exec = "./mytool --version"    # a plain program, measured whole
//	working-directory = "examples/py"    # relative to the config's directory
//	env = { RUST_LOG = "off" }
//	timeout = "2m"                       # Go duration syntax
//
// command and exec take a string, run with /bin/sh -c, or an array of
// strings, run directly.
package config
