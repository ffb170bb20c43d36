// Package fifo creates the pair of named pipes that one run's benchmark
// command uses to talk to the runner, in a private directory that only the
// runner's user can enter, so that concurrent runs and other users cannot
// read or inject frames.
//
// Each directory holds a lock file that its runner keeps flock'ed for as
// long as it uses the directory. The kernel drops the lock when the runner
// dies, however it dies, so a later Create removes exactly the directories
// whose runner is gone, and never a live run's.
package fifo
