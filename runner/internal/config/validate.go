package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"memtally.dev/runner/internal/threshold"
	"memtally.dev/runner/internal/warmup"
)

type validator struct {
	file  string
	dir   string
	lines map[string]int
	errs  []error
	// checkDirs checks that directories exist, which Parse, looking at
	// nothing but its text, does not.
	checkDirs bool
}

// fail records an error at the line of path, or of its nearest parent that
// has a line. key is what the message names.
func (v *validator) fail(path, key, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: v.line(path), Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) line(path string) int {
	for path != "" {
		if l, ok := v.lines[path]; ok {
			return l
		}
		cut := strings.LastIndexAny(path, ".[")
		if cut < 0 {
			break
		}
		path = path[:cut]
	}
	return 1
}

var (
	topKeys     = []string{"options", "benchmarks", "thresholds"}
	optionKeys  = []string{"mode", "output-dir", "allow-incomplete", "kill-after", "prebuild", "deterministic", "warmup"}
	targetKeys  = []string{"name", "command", "exec", "working-directory", "env", "timeout", "deterministic", "warmup"}
	noBenchmark = "no [[benchmarks]] defined; add at least one target with a name and a command or exec"
)

func (v *validator) document(doc map[string]any) *Config {
	cfg := &Config{Mode: ModeMemory, OutputDir: filepath.Join(v.dir, DefaultOutputDir), Thresholds: threshold.Set{}, Prebuild: true,
		Deterministic: true}
	v.unknownKeys("", doc, topKeys)
	if raw, ok := doc["options"]; ok {
		if opts, ok := v.table("options", "options", raw); ok {
			v.options(cfg, opts)
		}
	}
	if raw, ok := doc["thresholds"]; ok {
		if table, ok := v.table("thresholds", "thresholds", raw); ok {
			v.thresholds(cfg, table)
		}
	}
	raw, ok := doc["benchmarks"]
	if !ok {
		if len(doc) == 0 {
			v.errs = append(v.errs, &Error{File: v.file, Line: 1, Msg: "empty config: " + noBenchmark})
		} else {
			v.errs = append(v.errs, &Error{File: v.file, Line: 1, Msg: noBenchmark})
		}
		return cfg
	}
	tables, ok := raw.([]map[string]any)
	if !ok {
		v.fail("benchmarks", "benchmarks", "expected an array of tables ([[benchmarks]]), got %s", typeName(raw))
		return cfg
	}
	if len(tables) == 0 {
		v.fail("benchmarks", "benchmarks", "%s", noBenchmark)
	}
	seen := map[string]int{}
	for i, t := range tables {
		target, ok := v.target(i, t, cfg)
		if !ok {
			continue
		}
		if first, dup := seen[target.Name]; dup {
			v.fail(fmt.Sprintf("benchmarks[%d].name", i), "benchmarks.name", "duplicate target name %q (first defined on line %d)", target.Name, first)
			continue
		}
		seen[target.Name] = target.Line
		cfg.Targets = append(cfg.Targets, target)
	}
	return cfg
}

func (v *validator) options(cfg *Config, opts map[string]any) {
	v.unknownKeys("options", opts, optionKeys)
	if raw, ok := opts["mode"]; ok {
		if mode, ok := v.str("options.mode", "options.mode", raw); ok {
			if mode != ModeMemory {
				v.fail("options.mode", "options.mode", "unsupported mode %q; memtally measures %q", mode, ModeMemory)
			}
		}
	}
	if raw, ok := opts["allow-incomplete"]; ok {
		if allow, ok := raw.(bool); ok {
			cfg.AllowIncomplete = allow
		} else {
			v.fail("options.allow-incomplete", "options.allow-incomplete", "expected a boolean (true or false), got %s", typeName(raw))
		}
	}
	if raw, ok := opts["prebuild"]; ok {
		if prebuild, ok := raw.(bool); ok {
			cfg.Prebuild = prebuild
		} else {
			v.fail("options.prebuild", "options.prebuild", "expected a boolean (true or false), got %s", typeName(raw))
		}
	}
	if raw, ok := opts["deterministic"]; ok {
		if on, ok := v.boolean("options.deterministic", "options.deterministic", raw); ok {
			cfg.Deterministic = on
		}
	}
	if raw, ok := opts["warmup"]; ok {
		if n, ok := v.warmup("options.warmup", "options.warmup", raw); ok {
			cfg.Warmup = &n
		}
	}
	if raw, ok := opts["kill-after"]; ok {
		if d, ok := v.duration("options.kill-after", "options.kill-after", raw); ok {
			cfg.KillAfter = d
		}
	}
	if raw, ok := opts["output-dir"]; ok {
		if dir, ok := v.str("options.output-dir", "options.output-dir", raw); ok {
			if dir == "" {
				v.fail("options.output-dir", "options.output-dir", "must not be empty")
			} else {
				cfg.OutputDir = v.resolve(dir)
			}
		}
	}
}

// thresholds reads [thresholds]: each metric takes a string ("5%", "4KiB",
// "auto", "off") or, for an absolute amount, an integer.
func (v *validator) thresholds(cfg *Config, table map[string]any) {
	known := make([]string, len(threshold.Metrics))
	for i, m := range threshold.Metrics {
		known[i] = string(m)
	}
	v.unknownKeys("thresholds", table, known)
	for _, m := range threshold.Metrics {
		raw, ok := table[string(m)]
		if !ok {
			continue
		}
		path := "thresholds." + string(m)
		var text string
		switch val := raw.(type) {
		case string:
			text = val
		case int64:
			text = strconv.FormatInt(val, 10)
		default:
			v.fail(path, path, "expected a string such as \"5%%\" or \"4KiB\", or an integer, got %s", typeName(raw))
			continue
		}
		t, err := threshold.Parse(m, text)
		if err != nil {
			v.fail(path, path, "%v", err)
			continue
		}
		cfg.Thresholds[m] = t
	}
}

func (v *validator) target(i int, t map[string]any, cfg *Config) (Target, bool) {
	at := fmt.Sprintf("benchmarks[%d]", i)
	errsBefore := len(v.errs)
	target := Target{Line: v.line(at), WorkingDir: v.dir, Deterministic: cfg.Deterministic, Warmup: cfg.Warmup}
	v.unknownKeys(at, t, targetKeys)

	if raw, ok := t["name"]; ok {
		if name, ok := v.str(at+".name", "benchmarks.name", raw); ok {
			if strings.TrimSpace(name) == "" {
				v.fail(at+".name", "benchmarks.name", "must not be empty")
			}
			target.Name = name
		}
	} else {
		v.fail(at, "benchmarks", "missing required key \"name\"")
	}

	command, hasCommand := t["command"]
	exec, hasExec := t["exec"]
	switch {
	case hasCommand && hasExec:
		v.fail(at+".exec", "benchmarks.exec", "a target takes either command (a harness with an integration) or exec (a plain program), not both")
	case hasCommand:
		target.Kind = KindCommand
		target.Argv, _ = v.argv(at+".command", "benchmarks.command", command)
	case hasExec:
		target.Kind = KindExec
		target.Argv, _ = v.argv(at+".exec", "benchmarks.exec", exec)
	default:
		v.fail(at, "benchmarks", "target needs command (a harness with an integration) or exec (a plain program)")
	}

	if raw, ok := t["working-directory"]; ok {
		if dir, ok := v.str(at+".working-directory", "benchmarks.working-directory", raw); ok {
			target.WorkingDir = v.resolve(dir)
			v.directory(at+".working-directory", "benchmarks.working-directory", dir, target.WorkingDir)
		}
	}
	if raw, ok := t["env"]; ok {
		if env, ok := v.table(at+".env", "benchmarks.env", raw); ok {
			keys := make([]string, 0, len(env))
			for k := range env {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if val, ok := v.str(at+".env."+k, "benchmarks.env."+k, env[k]); ok {
					if k == "" || strings.Contains(k, "=") {
						v.fail(at+".env."+k, "benchmarks.env", "invalid variable name %q", k)
						continue
					}
					if k == warmup.EnvVar {
						// The runner sets it for every command;
						// a value here would be overridden.
						v.fail(at+".env."+k, "benchmarks.env."+k, "set by the runner; use warmup = N in the target or options.warmup")
						continue
					}
					target.Env = append(target.Env, k+"="+val)
				}
			}
		}
	}
	if raw, ok := t["timeout"]; ok {
		if d, ok := v.duration(at+".timeout", "benchmarks.timeout", raw); ok {
			target.Timeout = d
		}
	}
	if raw, ok := t["deterministic"]; ok {
		if on, ok := v.boolean(at+".deterministic", "benchmarks.deterministic", raw); ok {
			target.Deterministic = on
		}
	}
	if raw, ok := t["warmup"]; ok {
		if n, ok := v.warmup(at+".warmup", "benchmarks.warmup", raw); ok {
			target.Warmup = &n
		}
	}
	return target, len(v.errs) == errsBefore
}

func (v *validator) boolean(at, key string, raw any) (bool, bool) {
	b, ok := raw.(bool)
	if !ok {
		v.fail(at, key, "expected a boolean (true or false), got %s", typeName(raw))
	}
	return b, ok
}

// warmup reads a warm-up: a non-negative integer, not a string, so that
// "1" and 1 do not both pass for the same thing.
func (v *validator) warmup(at, key string, raw any) (uint32, bool) {
	i, ok := raw.(int64)
	if !ok {
		v.fail(at, key, "expected a non-negative integer (0 measures the cold first call), got %s", typeName(raw))
		return 0, false
	}
	n, err := warmup.FromInt(i)
	if err != nil {
		v.fail(at, key, "%v", err)
		return 0, false
	}
	return n, true
}

// duration reads a positive duration in Go syntax.
func (v *validator) duration(at, key string, raw any) (time.Duration, bool) {
	s, ok := v.str(at, key, raw)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		v.fail(at, key, "invalid duration %q; use Go duration syntax such as \"90s\" or \"2m\"", s)
		return 0, false
	case d <= 0:
		v.fail(at, key, "must be positive, got %q", s)
		return 0, false
	}
	return d, true
}

func (v *validator) argv(path, key string, raw any) ([]string, bool) {
	switch val := raw.(type) {
	case string:
		if strings.TrimSpace(val) == "" {
			v.fail(path, key, "must not be empty")
			return nil, false
		}
		return commandArgv(val), true
	case []any:
		if len(val) == 0 {
			v.fail(path, key, "must not be empty")
			return nil, false
		}
		argv := make([]string, len(val))
		for i, a := range val {
			s, ok := a.(string)
			if !ok {
				v.fail(path, key, "element %d: expected a string, got %s", i, typeName(a))
				return nil, false
			}
			argv[i] = s
		}
		if argv[0] == "" {
			v.fail(path, key, "the program name must not be empty")
			return nil, false
		}
		return argv, true
	default:
		v.fail(path, key, "expected a string or an array of strings, got %s", typeName(raw))
		return nil, false
	}
}

func (v *validator) str(path, key string, raw any) (string, bool) {
	s, ok := raw.(string)
	if !ok {
		v.fail(path, key, "expected a string, got %s", typeName(raw))
	}
	return s, ok
}

func (v *validator) table(path, key string, raw any) (map[string]any, bool) {
	m, ok := raw.(map[string]any)
	if !ok {
		v.fail(path, key, "expected a table, got %s", typeName(raw))
	}
	return m, ok
}

func (v *validator) unknownKeys(at string, table map[string]any, known []string) {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if contains(known, k) {
			continue
		}
		path := k
		if at != "" {
			path = at + "." + k
		}
		msg := "unknown key"
		if guess := closest(k, known); guess != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", guess)
		}
		v.fail(path, displayKey(at, k), "%s", msg)
	}
}

// directory fails unless abs, given as dir, is a directory. A target whose
// directory is missing would otherwise fail only when it runs, after the
// targets before it, as if its program were missing.
func (v *validator) directory(path, key, dir, abs string) {
	if !v.checkDirs {
		return
	}
	info, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		v.fail(path, key, "no such directory %q", dir)
	case err != nil:
		v.fail(path, key, "%v", err)
	case !info.IsDir():
		v.fail(path, key, "%q is not a directory", dir)
	}
}

func (v *validator) resolve(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(v.dir, p)
}

// displayKey drops array indexes: users know their keys as
// "benchmarks.timeout", and the line number says which table.
func displayKey(at, key string) string {
	if at == "" {
		return key
	}
	if i := strings.IndexByte(at, '['); i >= 0 {
		at = at[:i]
	}
	return at + "." + key
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case time.Time:
		return "datetime"
	case []any:
		return "array"
	case []map[string]any:
		return "array of tables"
	case map[string]any:
		return "table"
	default:
		return fmt.Sprintf("%T", v)
	}
}
