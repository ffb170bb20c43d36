package harnessid

import (
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// cargoBench recognises `cargo bench` of a package whose Cargo.toml
// depends on criterion or divan themselves, not on memtally's compat
// crates under their names: the bench binaries cargo runs are then
// unswitched suites.
func cargoBench(args []string, dir string) (Harness, bool) {
	manifest := filepath.Join(dir, "Cargo.toml")
	sub := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			i = len(args)
		case a == "--manifest-path" && i+1 < len(args):
			manifest = abs(args[i+1], dir)
			i++
		case strings.HasPrefix(a, "--manifest-path="):
			manifest = abs(strings.TrimPrefix(a, "--manifest-path="), dir)
		case strings.HasPrefix(a, "+"), strings.HasPrefix(a, "-"):
		case sub == "":
			sub = a
		}
	}
	if sub != "bench" {
		return Harness{}, false
	}
	var m struct {
		Dependencies    map[string]any `toml:"dependencies"`
		DevDependencies map[string]any `toml:"dev-dependencies"`
	}
	if _, err := toml.DecodeFile(manifest, &m); err != nil {
		return Harness{}, false
	}
	for _, c := range []struct {
		crate string
		kind  Kind
	}{{"criterion", Criterion}, {"divan", Divan}} {
		for _, deps := range []map[string]any{m.DevDependencies, m.Dependencies} {
			spec, ok := deps[c.crate]
			if !ok {
				continue
			}
			if t, ok := spec.(map[string]any); ok {
				if pkg, _ := t["package"].(string); strings.HasPrefix(pkg, "memtally-") {
					continue
				}
			}
			return Harness{c.kind, manifest}, true
		}
	}
	return Harness{}, false
}
