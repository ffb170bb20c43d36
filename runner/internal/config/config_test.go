package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"memtally.dev/runner/internal/threshold"
)

func TestParseValid(t *testing.T) {
	src := `# memory benchmarks
[options]
mode = "memory"
output-dir = "out"
kill-after = "3s"

[[benchmarks]]
name = "python"
command = "pytest benches/"
working-directory = "examples/python-pytest"

[[benchmarks]]
name = "cli-startup"
exec = ["./mytool", "--version"]
env = { RUST_LOG = "off", A = "1" }
timeout = "2m"
`
	cfg, err := Parse("codspeed.toml", "/proj", src)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OutputDir != "/proj/out" {
		t.Errorf("OutputDir = %q", cfg.OutputDir)
	}
	if cfg.KillAfter != 3*time.Second {
		t.Errorf("KillAfter = %v", cfg.KillAfter)
	}
	if len(cfg.Targets) != 2 {
		t.Fatalf("got %d targets", len(cfg.Targets))
	}
	py, cli := cfg.Targets[0], cfg.Targets[1]
	if py.Kind != KindCommand || strings.Join(py.Argv, "|") != "pytest|benches/" || py.WorkingDir != "/proj/examples/python-pytest" || py.Line != 7 {
		t.Errorf("python target = %+v", py)
	}
	if cli.Kind != KindExec || strings.Join(cli.Argv, "|") != "./mytool|--version" || cli.WorkingDir != "/proj" {
		t.Errorf("cli target = %+v", cli)
	}
	if strings.Join(cli.Env, ",") != "A=1,RUST_LOG=off" || cli.Timeout != 2*time.Minute || cli.Line != 12 {
		t.Errorf("cli target = %+v", cli)
	}
}

func TestCommandArgv(t *testing.T) {
	tests := map[string]string{
		"pytest benches/ -k fast":  "pytest|benches/|-k|fast",
		"  ./bench --n=3 ":         "./bench|--n=3",
		"cargo bench && echo done": "/bin/sh|-c|cargo bench && echo done",
		"echo $HOME":               "/bin/sh|-c|echo $HOME",
		"python -c 'print(1)'":     "/bin/sh|-c|python -c 'print(1)'",
		"FOO=1 ./bench":            "/bin/sh|-c|FOO=1 ./bench",
	}
	for line, want := range tests {
		if got := strings.Join(commandArgv(line), "|"); got != want {
			t.Errorf("commandArgv(%q) = %q, want %q", line, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty file", "", "codspeed.toml:1: empty config: no [[benchmarks]] defined"},
		{"comments only", "# nothing\n", "codspeed.toml:1: empty config"},
		{"no benchmarks", "[options]\nmode = \"memory\"\n", "codspeed.toml:1: no [[benchmarks]] defined"},
		{"syntax", "[[benchmarks]]\nname = \"x\ncommand = \"y\"\n", "codspeed.toml:2: benchmarks.name: syntax error: strings cannot contain newlines"},
		{"unknown key", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n\n[[benchmarks]]\nname = \"c\"\nworknig-directory = \"d\"\ncommand = \"e\"\n",
			`codspeed.toml:7: benchmarks.worknig-directory: unknown key (did you mean "working-directory"?)`},
		{"unknown top key", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n[threshold]\npeak = 1\n", `codspeed.toml:4: threshold: unknown key`},
		{"unknown option", "[options]\nmdoe = \"memory\"\n[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n", `codspeed.toml:2: options.mdoe: unknown key (did you mean "mode"?)`},
		{"wrong type", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\ntimeout = 5\n", "codspeed.toml:4: benchmarks.timeout: expected a string, got integer"},
		{"wrong env type", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\nenv = { X = 1 }\n", "codspeed.toml:4: benchmarks.env.X: expected a string, got integer"},
		{"wrong command type", "[[benchmarks]]\nname = \"a\"\ncommand = [\"b\", 2]\n", "codspeed.toml:3: benchmarks.command: element 1: expected a string, got integer"},
		{"neither", "[[benchmarks]]\nname = \"a\"\nworking-directory = \"x\"\n", "codspeed.toml:1: benchmarks: target needs command"},
		{"both", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\nexec = \"c\"\n", "codspeed.toml:4: benchmarks.exec: a target takes either command"},
		{"missing name", "[[benchmarks]]\ncommand = \"b\"\n", `codspeed.toml:1: benchmarks: missing required key "name"`},
		{"duplicate name", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n[[benchmarks]]\nname = \"a\"\ncommand = \"c\"\n", `codspeed.toml:5: benchmarks.name: duplicate target name "a" (first defined on line 1)`},
		{"bad duration", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\ntimeout = \"soon\"\n", `codspeed.toml:4: benchmarks.timeout: invalid duration "soon"`},
		{"bad kill-after", "[options]\nkill-after = \"later\"\n[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n", `codspeed.toml:2: options.kill-after: invalid duration "later"`},
		{"zero kill-after", "[options]\nkill-after = \"0s\"\n[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n", `codspeed.toml:2: options.kill-after: must be positive, got "0s"`},
		{"kill-after type", "[options]\nkill-after = 10\n[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n", "codspeed.toml:2: options.kill-after: expected a string, got integer"},
		{"bad mode", "[options]\nmode = \"cpu\"\n[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n", `codspeed.toml:2: options.mode: unsupported mode "cpu"`},
		{"benchmarks not tables", "benchmarks = 3\n", "codspeed.toml:1: benchmarks: expected an array of tables"},
		{"multi-line string before error", "[[benchmarks]]\nname = \"a\"\ncommand = \"\"\"\n[[benchmarks]]\nx = 1\n\"\"\"\nbogus = 1\n", "codspeed.toml:7: benchmarks.bogus: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("codspeed.toml", "/proj", tt.src)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error:\n%s\nwant prefix:\n%s", err, tt.want)
			}
		})
	}
}

func TestParseReportsEveryError(t *testing.T) {
	src := "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\nfoo = 1\n[[benchmarks]]\nname = \"c\"\nbar = 2\n"
	_, err := Parse("c.toml", "/", src)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 errors, got:\n%s", err)
	}
	for i, want := range []string{"c.toml:4: benchmarks.foo:", "c.toml:5: benchmarks: target needs", "c.toml:7: benchmarks.bar:"} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], want)
		}
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(deep); err == nil {
		t.Fatal("found a config where there is none")
	}
	want := filepath.Join(root, FileName)
	if err := os.WriteFile(want, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Find(deep)
	if err != nil || got != want {
		t.Fatalf("Find = %q, %v; want %q", got, err, want)
	}
}

func TestKeyLines(t *testing.T) {
	src := `[options]
mode = "memory" # a comment = with equals
"quoted.key" = 1
[[benchmarks]]
name = "a"
command = [
  "x",
  "[[benchmarks]]",
]
env = { A = "1", "B.C" = "2" }
[[benchmarks]]
name = "b"
`
	got := keyLines(src)
	want := map[string]int{
		"options": 1, "options.mode": 2, "options.quoted.key": 3,
		"benchmarks[0]": 4, "benchmarks[0].name": 5, "benchmarks[0].command": 6,
		"benchmarks[0].env": 10, "benchmarks[0].env.A": 10, "benchmarks[0].env.B.C": 10,
		"benchmarks[1]": 11, "benchmarks[1].name": 12,
	}
	for k, line := range want {
		if got[k] != line {
			t.Errorf("line of %q = %d, want %d", k, got[k], line)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d: %v", len(got), len(want), got)
	}
}

func TestParseThresholds(t *testing.T) {
	src := `[[benchmarks]]
name = "a"
command = "b"

[thresholds]
peak = "5%"
total = "1MiB"
count = "off"
leaked = 0
`
	cfg, err := Parse("codspeed.toml", "/proj", src)
	if err != nil {
		t.Fatal(err)
	}
	want := threshold.Set{
		threshold.Peak:   {Kind: threshold.Relative, Percent: 5},
		threshold.Total:  {Kind: threshold.Absolute, Amount: 1 << 20},
		threshold.Count:  {Kind: threshold.Off},
		threshold.Leaked: {Kind: threshold.Absolute, Amount: 0},
	}
	if !reflect.DeepEqual(cfg.Thresholds, want) {
		t.Errorf("Thresholds = %+v, want %+v", cfg.Thresholds, want)
	}

	cfg, err = Parse("codspeed.toml", "/proj", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n[thresholds]\ncount = \"auto\"\n")
	if err != nil || cfg.Thresholds[threshold.Count] != (threshold.Threshold{Kind: threshold.Auto}) {
		t.Errorf("count = \"auto\": %+v, %v", cfg.Thresholds, err)
	}

	cfg, err = Parse("codspeed.toml", "/proj", "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n")
	if err != nil || len(cfg.Thresholds) != 0 {
		t.Errorf("without [thresholds]: %+v, %v", cfg.Thresholds, err)
	}
}

func TestParseThresholdErrors(t *testing.T) {
	head := "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n[thresholds]\n"
	for src, want := range map[string]string{
		"peak = \"five\"\n":  `codspeed.toml:5: thresholds.peak: invalid size "five"`,
		"peak = \"-5%\"\n":   `codspeed.toml:5: thresholds.peak: invalid percentage "-5%"`,
		"count = \"4KiB\"\n": `codspeed.toml:5: thresholds.count: invalid threshold "4KiB": want a whole number of allocations`,
		"leaked = true\n":    "codspeed.toml:5: thresholds.leaked: expected a string such as \"5%\" or \"4KiB\", or an integer, got boolean",
		"paek = \"5%\"\n":    `codspeed.toml:5: thresholds.paek: unknown key (did you mean "peak"?)`,
	} {
		_, err := Parse("codspeed.toml", "/proj", head+src)
		if err == nil || err.Error() != want && !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %v, want prefix %q", src, err, want)
		}
	}
	_, err := Parse("codspeed.toml", "/proj", "thresholds = 5\n[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n")
	if err == nil || !strings.HasPrefix(err.Error(), "codspeed.toml:1: thresholds: expected a table, got integer") {
		t.Errorf("thresholds = 5: %v", err)
	}
}

// TestLoadWorkingDirectory checks that Load names a missing working
// directory, and one that is a file, with the line and key, together
// with the other mistakes; Read, for thresholds only, does not look.
func TestLoadWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "present"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "codspeed.toml")
	src := `[[benchmarks]]
name = "ok"
command = "a"
working-directory = "present"

[[benchmarks]]
name = "missing"
command = "b"
working-directory = "nope"

[[benchmarks]]
name = "file"
command = "c"
working-directory = "file"
timeout = "soon"
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + `:9: benchmarks.working-directory: no such directory "nope"` + "\n" +
		path + `:14: benchmarks.working-directory: "file" is not a directory` + "\n" +
		path + `:15: benchmarks.timeout: invalid duration "soon"; use Go duration syntax such as "90s" or "2m"`
	if err == nil || err.Error() != want {
		t.Errorf("Load:\n%v\nwant:\n%s", err, want)
	}
	src = strings.Replace(src, `timeout = "soon"`, "", 1)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Read(path)
	if err != nil || len(cfg.Targets) != 3 || cfg.Targets[1].WorkingDir != filepath.Join(dir, "nope") {
		t.Errorf("Read: %+v, %v", cfg, err)
	}
}

// TestLimits checks that a file over the size limit and nesting over the
// depth limit are refused before the TOML parser sees them, with the line.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "codspeed.toml")
	big := "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n" + strings.Repeat("# padding\n", MaxFileSize/10)
	if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || err.Error() != path+":1: larger than 1.0 MiB, the limit for this file" {
		t.Errorf("large file: %v", err)
	}
	n := 100_000
	deep := "[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\nenv = " + strings.Repeat("{a = ", n) + strings.Repeat("}", n) + "\n"
	if _, err := Parse("codspeed.toml", "/proj", deep); err == nil || err.Error() != "codspeed.toml:4: nested deeper than 16 levels; refusing to parse" {
		t.Errorf("deep file: %v", err)
	}
	// The deepest document within the limits, made as large as allowed,
	// still parses; the bound only catches a hang.
	line := "x" + strings.Repeat(".a", MaxDepth-2) + " = [1]\n"
	var b strings.Builder
	b.WriteString("[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n[z]\n")
	for i := 0; b.Len()+len(line)+10 < MaxFileSize; i++ {
		b.WriteString(strconv.Itoa(i) + line)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Parse("codspeed.toml", "/proj", b.String())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "z: unknown key") {
			t.Errorf("largest file: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a file within the limits did not parse within a minute")
	}
}

func TestAllowIncompleteOption(t *testing.T) {
	for src, want := range map[string]string{
		"[options]\nallow-incomplete = true\n":    "",
		"[options]\nallow-incomplete = \"yes\"\n": "codspeed.toml:2: options.allow-incomplete: expected a boolean (true or false), got string",
	} {
		cfg, err := Parse("codspeed.toml", "/proj", src+"[[benchmarks]]\nname = \"a\"\ncommand = \"b\"\n")
		switch {
		case want == "" && (err != nil || !cfg.AllowIncomplete):
			t.Errorf("%q: %+v, %v", src, cfg, err)
		case want != "" && (err == nil || err.Error() != want):
			t.Errorf("%q: %v, want %s", src, err, want)
		}
	}
}

func TestPrebuildOption(t *testing.T) {
	for _, c := range []struct {
		src      string
		prebuild bool
		err      string
	}{
		{"", true, ""},
		{"[options]\nprebuild = true\n", true, ""},
		{"[options]\nprebuild = false\n", false, ""},
		{"[options]\nprebuild = \"no\"\n", false, "codspeed.toml:2: options.prebuild: expected a boolean (true or false), got string"},
	} {
		cfg, err := Parse("codspeed.toml", "/proj", c.src+"[[benchmarks]]\nname = \"a\"\ncommand = \"cargo bench\"\n")
		switch {
		case c.err == "" && (err != nil || cfg.Prebuild != c.prebuild):
			t.Errorf("%q: %+v, %v; want prebuild %v", c.src, cfg, err, c.prebuild)
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("%q: %v, want %s", c.src, err, c.err)
		}
	}
}
