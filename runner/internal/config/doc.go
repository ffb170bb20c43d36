// Package config reads codspeed.toml, the file that lists the benchmark
// targets a run executes, and reports every mistake in it with the file, line
// and key so that users can fix a config without guessing.
//
// The schema:
//
//	[options]
//	mode = "memory"                      # the only mode memtally has
//	output-dir = ".memtally/results"     # relative to the config's directory
//	allow-incomplete = false             # true: exit 0, not 3, on incomplete benchmarks
//	kill-after = "10s"                   # SIGKILL this long after SIGTERM
//	prebuild = true                      # false: no build step before a cargo bench
//	deterministic = true                 # false: ASLR, PYTHONHASHSEED, V8 flags left as they are
//	warmup = 1                           # calls of each body before the measured one; 0: cold;
//	                                     # unset: each integration's default (1, JS 3)
//
//	[[benchmarks]]
//	name = "python"                      # unique, names the target in results
//	command = "pytest benches/"          # a program with a harness integration
//	# or: exec = "./mytool --version"    # a plain program, measured whole
//	working-directory = "examples/py"    # relative to the config's directory
//	env = { RUST_LOG = "off" }
//	timeout = "2m"                       # Go duration syntax
//	deterministic = false                # overrides options.deterministic
//	warmup = 0                           # overrides options.warmup
//
//	[thresholds]                         # optional; what runner compare fails on
//	peak = "5%"                          # a percentage of the baseline,
//	leaked = "0"                         # an amount ("4096", "4KiB"),
//	count = "off"                        # or off;
//	total = "auto"                       # or auto, the default: exact when deterministic
//
// command and exec take a string, run with /bin/sh -c, or an array of
// strings, run directly. A target's env may not set MEMTALLY_WARMUP, which
// the runner sets from warmup.
//
// Load checks that each working-directory is a directory, so that a
// mistake there is reported with the others, before anything runs. A file
// over MaxFileSize, or nested deeper than MaxDepth, is refused before the
// TOML parser sees it.
package config
