package config

import (
	"strings"
)

// commandArgv runs a command line through /bin/sh, unless it is plain
// words that need no shell: those run directly, so that the shell's own
// allocations never reach a whole-command measurement.
func commandArgv(line string) []string {
	words := strings.Fields(line)
	// A leading NAME=value is an assignment, and builtins and reserved
	// words exist only in a shell.
	if strings.IndexFunc(line, needsShell) >= 0 || strings.Contains(words[0], "=") || shellWords[words[0]] {
		return []string{"/bin/sh", "-c", line}
	}
	return words
}

// shellWords are POSIX sh's builtins and reserved words, and source.
var shellWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`break : . continue eval exec exit export readonly return set shift times
		trap unset alias bg cd command fc fg getopts hash jobs newgrp pwd read type ulimit umask
		unalias wait ! { } case do done elif else esac fi for if in then until while source`) {
		shellWords[w] = true
	}
}

func needsShell(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	case strings.ContainsRune(" \t_-./=:,+@%", r):
		return false
	}
	return true
}
