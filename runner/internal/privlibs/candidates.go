package privlibs

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
)

// libraryNames are the allocator libraries copied, as globs of the file
// names programs load them by: glibc's malloc and the loader's hook,
// libstdc++'s operator new and delete, and the system's jemalloc and
// mimalloc. A library found nowhere is left out; one a command loads from
// elsewhere keeps probes per process.
var libraryNames = []string{
	"libc.so.6",
	"ld-linux*.so.*",
	"libstdc++.so.6",
	"libjemalloc.so.2",
	"libmimalloc.so.*",
	"libmimalloc-secure.so.*",
}

// multiarch is Debian's library directory name for the machine.
func multiarch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64-linux-gnu"
	case "arm64":
		return "aarch64-linux-gnu"
	}
	return runtime.GOARCH + "-linux-gnu"
}

// Candidates lists the allocator libraries of the machine's library
// directories, each as the path of the file itself (symbolic links
// resolved, which a bind mount needs), once per file.
func Candidates() []string {
	ma := multiarch()
	dirs := []string{"/usr/lib/" + ma, "/lib/" + ma, "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib"}
	type id struct{ dev, ino uint64 }
	seen := map[id]bool{}
	var out []string
	for _, dir := range dirs {
		for _, name := range libraryNames {
			matches, _ := filepath.Glob(filepath.Join(dir, name))
			slices.Sort(matches)
			for _, m := range matches {
				real, err := filepath.EvalSymlinks(m)
				if err != nil {
					continue
				}
				info, err := os.Stat(real)
				if err != nil || !info.Mode().IsRegular() {
					continue
				}
				st, ok := info.Sys().(*syscall.Stat_t)
				if !ok {
					continue
				}
				k := id{uint64(st.Dev), st.Ino}
				if seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, real)
			}
		}
	}
	return out
}
