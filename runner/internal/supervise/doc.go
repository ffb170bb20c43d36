// Package supervise keeps a benchmark command from outliving the runner: a
// watcher process, the runner's own executable started again in a session
// of its own, kills the command's tree, removes its FIFO directory and
// completes results.json as soon as the runner dies, however it dies.
//
// The watcher cannot wait for the usual signs of death. A runner killed
// with SIGKILL stays an exiting process for tens of seconds while the
// kernel releases its uprobe links one grace period at a time, and its
// pidfd, its children's SIGCHLD and EOF on its pipes all come only after
// that; meanwhile the fork hold keeps stopping new children that nobody
// resumes. The watcher therefore polls the runner's /proc/PID/stat for
// PF_EXITING, which the kernel sets as the exit begins, alongside the
// pidfd, which rules out a reused pid.
//
// The runner tells the watcher, over a pipe, what it would have to clean up:
// the results directory, and for the target in progress its cgroup (see
// package cgroup) or, where there is none, its process group, plus its
// FIFO directory. Without a cgroup the tree is found through the process
// group and a walk of /proc for the command's descendants, frozen with
// SIGSTOP until no new member appears, then killed.
package supervise
