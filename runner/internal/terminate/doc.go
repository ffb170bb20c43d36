// Package terminate waits for a benchmark command the way timeout(1)
// --kill-after and systemd's stop do, so that a command that ignores the
// polite signal never leaves the runner waiting forever.
//
// The first SIGINT or SIGTERM the runner receives is passed on to the
// command's process group, and so is SIGTERM when the target's timeout
// expires. If the command still runs KillAfter later, its group gets
// SIGKILL; a second SIGINT or SIGTERM sends SIGKILL at once. The Outcome
// says which of these happened, for the results and the exit status.
package terminate
