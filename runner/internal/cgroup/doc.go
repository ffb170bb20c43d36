// Package cgroup puts a benchmark command's process tree in a cgroup v2
// group of its own, so that the whole tree can be killed at once, processes
// stopped by the fork hold and processes forking at that very moment
// included, the way systemd's KillMode=control-group ends a unit.
//
// The group is made under the runner's own cgroup, or beside it when that
// is not allowed, in the cgroup2 hierarchy found in /proc/self/mountinfo:
// /sys/fs/cgroup on a pure cgroup v2 system, /sys/fs/cgroup/unified on a
// hybrid one. Killing relies on cgroup.kill (Linux 5.14). Where no writable
// hierarchy with cgroup.kill exists, New says why, and the caller falls
// back to the process group.
package cgroup
