// Package procstat reads the fields of /proc/PID/stat that the runner and
// its tests need to tell a process's state, parent, group and identity.
//
// The command name in that file may hold spaces and parentheses, so every
// field is read after its last ')'; a pid is only an identity together
// with the start time, since pids are reused.
package procstat
