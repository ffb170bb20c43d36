package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/BurntSushi/toml"
	"memtally.dev/runner/internal/inputlimit"
	"memtally.dev/runner/internal/threshold"
)

// FileName is the config file the runner looks for.
const FileName = "codspeed.toml"

// DefaultOutputDir is where results go when the config does not say.
const DefaultOutputDir = ".memtally/results"

// ModeMemory is the only measurement mode.
const ModeMemory = "memory"

// Config is a validated codspeed.toml.
type Config struct {
	Path      string // as given, for messages
	Dir       string // absolute directory of the file; relative paths resolve here
	Mode      string
	OutputDir string // absolute
	// KillAfter is options.kill-after: how long a command has between
	// SIGTERM (or the signal the runner received) and SIGKILL; zero
	// when the file does not say.
	KillAfter time.Duration
	Targets   []Target
	// Thresholds holds the [thresholds] the file sets; metrics it leaves
	// out keep their defaults.
	Thresholds threshold.Set
	// AllowIncomplete is options.allow-incomplete: a run whose every
	// target ran exits 0 even when a benchmark is incomplete.
	AllowIncomplete bool
	// Prebuild is options.prebuild: run a target's build step, when its
	// command has one (package prebuild), before the command, outside
	// the probes. True unless the file says false.
	Prebuild bool
	// Deterministic is options.deterministic, the default of every
	// target's: true unless the file says false.
	Deterministic bool
	// Warmup is options.warmup, the default of every target's; nil when
	// the file does not say, and each integration runs its own default.
	Warmup *uint32
}

// Kind says how a target reports its benchmarks.
type Kind string

const (
	// KindCommand targets run a harness that reports each benchmark over
	// the protocol.
	KindCommand Kind = "command"
	// KindExec targets are plain programs measured whole, as one benchmark.
	KindExec Kind = "exec"
)

// Target is one [[benchmarks]] entry.
type Target struct {
	Name       string
	Kind       Kind
	Argv       []string
	WorkingDir string   // absolute
	Env        []string // KEY=VALUE, sorted by key
	Timeout    time.Duration
	Line       int // of its [[benchmarks]] header
	// Deterministic says to start the command with what makes its
	// allocations repeat (package determinism): the target's own
	// deterministic, else options.deterministic, else true.
	Deterministic bool
	// Warmup is the warm-up its integrations are asked for: the target's
	// own warmup, else options.warmup, else nil: their own defaults.
	Warmup *uint32
}

// Error is one mistake in a config file.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg)
}

// ErrNotFound is returned by Find when no config exists up to the repository
// root.
var ErrNotFound = errors.New("no " + FileName + " found")

// Find looks for codspeed.toml in dir and its parents, stopping at the root
// of the repository (a directory holding .git) or of the file system.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find config: %w", err)
	}
	start := dir
	for {
		candidate := filepath.Join(dir, FileName)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("%w in %s or its parents up to the repository root", ErrNotFound, start)
}

// Limits on a config file, far beyond any real one, that keep the TOML
// parser's memory and time small: its cost grows faster than the square
// of the nesting depth.
const (
	MaxFileSize = 1 << 20
	MaxDepth    = 16
)

// Load reads and validates the config at path, and checks that the working
// directory of every target is a directory, so that nothing runs before
// every mistake is known. A non-nil error is either an I/O error or an
// errors.Join of *Error values, one per mistake.
func Load(path string) (*Config, error) { return load(path, true) }

// Read is Load without the directory checks, for commands that only use
// the config's thresholds, on a machine that may not have its targets.
func Read(path string) (*Config, error) { return load(path, false) }

func load(path string, checkDirs bool) (*Config, error) {
	src, err := inputlimit.ReadFile(path, MaxFileSize)
	var large *inputlimit.TooLargeError
	if errors.As(err, &large) {
		return nil, &Error{File: path, Line: 1, Msg: err.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parse(path, filepath.Dir(abs), string(src), checkDirs)
}

// Parse validates src, which was read from file; relative paths in it resolve
// against dir. It looks at nothing but src: Load checks the directories.
func Parse(file, dir, src string) (*Config, error) { return parse(file, dir, src, false) }

func parse(file, dir, src string, checkDirs bool) (*Config, error) {
	if len(src) > MaxFileSize {
		return nil, &Error{File: file, Line: 1, Msg: (&inputlimit.TooLargeError{Limit: MaxFileSize}).Error()}
	}
	var depth *inputlimit.DepthError
	if err := inputlimit.TOMLDepth([]byte(src), MaxDepth); errors.As(err, &depth) {
		return nil, &Error{File: file, Line: depth.Line, Msg: err.Error()}
	}
	var doc map[string]any
	if _, err := toml.Decode(src, &doc); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, &Error{File: file, Line: max(perr.Position.Line, 1), Key: perr.LastKey, Msg: "syntax error: " + perr.Message}
		}
		return nil, &Error{File: file, Line: 1, Msg: "syntax error: " + err.Error()}
	}
	v := validator{file: file, dir: dir, lines: keyLines(src), checkDirs: checkDirs}
	cfg := v.document(doc)
	if len(v.errs) > 0 {
		sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].(*Error).Line < v.errs[j].(*Error).Line })
		return nil, errors.Join(v.errs...)
	}
	cfg.Path = file
	cfg.Dir = dir
	return cfg, nil
}
