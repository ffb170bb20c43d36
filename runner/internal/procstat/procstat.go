package procstat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Stat is what the runner reads of /proc/PID/stat.
type Stat struct {
	State byte // R, S, D, T, t, Z, X...
	PPID  int
	PGID  int
	Flags uint64 // the task's PF_* flags
	// StartTime is in clock ticks since boot: with the pid, a process's
	// identity.
	StartTime string
}

// Dead reports whether the process has exited, zombie or not yet reaped.
func (s Stat) Dead() bool { return s.State == 'Z' || s.State == 'X' }

// Read reads the stat of process pid.
func Read(pid int) (Stat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, fmt.Errorf("read process %d: %w", pid, err)
	}
	return Parse(data)
}

// Parse reads "pid (comm) state ppid pgrp session tty tpgid flags ...
// starttime ...".
func Parse(data []byte) (Stat, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return Stat{}, errors.New("parse process stat: no command name")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return Stat{}, errors.New("parse process stat: too few fields")
	}
	var s Stat
	var err1, err2, err3 error
	s.State = f[0][0]
	s.PPID, err1 = strconv.Atoi(f[1])
	s.PGID, err2 = strconv.Atoi(f[2])
	s.Flags, err3 = strconv.ParseUint(f[6], 10, 64)
	s.StartTime = f[19]
	if err := errors.Join(err1, err2, err3); err != nil {
		return Stat{}, fmt.Errorf("parse process stat: %w", err)
	}
	return s, nil
}
