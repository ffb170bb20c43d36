// Package prebuild runs the build step of a benchmark command before the
// command itself runs under the probes, so that a compiler never runs probed:
// every allocation of a probed process is trapped, and a compiler makes
// millions of them.
//
// A build step is known for one kind of command, recognised from its words
// (a command line that needs a shell is not looked into):
//
//	cargo [+TOOLCHAIN] [GLOBAL OPTIONS] bench [ARGS] [-- HARNESS ARGS]
//
// whose build step is the same cargo invocation with --no-run added and the
// harness arguments left out:
//
//	cargo [+TOOLCHAIN] [GLOBAL OPTIONS] bench [ARGS] --no-run
//
// The global options recognised are cargo's flags without a value (-v, -q,
// --locked, --offline, --frozen, ...) and --color, --config, -Z and -C with
// their values. Anything else before the subcommand (an unknown flag, a
// cargo alias, cargo-criterion's `cargo criterion`) leaves the command
// without a build step, since what it builds cannot be told from its words;
// so does a bench invocation that already has --no-run, or asks for help.
//
// The step runs with the command's working directory and environment (less
// the protocol's FIFOs), so that the command then finds its build up to date
// and builds nothing under the probes. Its output passes through as the
// command's does. The runner's signals and the target's timeout stop it as
// they stop the command; the timeout counts for the step and for the
// command separately. A step that fails fails its target with the step's
// exit status, and the command does not run.
package prebuild
