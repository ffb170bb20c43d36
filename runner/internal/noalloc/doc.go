// Package noalloc decides, from an ELF executable alone, that it runs no
// malloc-family allocator, so that a process running it leaves no hole in
// what the probes see.
//
// The decision is conservative: Absent says so only on evidence in the
// file, and only for a static executable, since a dynamic one gets its
// allocator from libraries that are probed on their own.
//
//   - A Go program without cgo. The Go runtime allocates from memory it
//     maps itself, never through malloc. The program is recognised by its
//     .gopclntab, the function table every Go binary keeps even when
//     stripped (go build -ldflags=-s -w, as esbuild ships), and cgo by a
//     function of package runtime/cgo in that table, which any cgo program
//     links; a static cgo program carries libc's malloc. The build
//     information (debug/buildinfo), when present, confirms CGO_ENABLED=0.
//   - A program whose full symbol table (.symtab) defines none of the
//     functions package allocsym probes: a static Zig or assembly program,
//     say, built without stripping.
//
// Anything else, a stripped static C, C++ or Rust program above all, may
// hold glibc's, jemalloc's or mimalloc's malloc where no symbol names it,
// and stays unprobed: its allocations cannot be seen, and the windows it
// runs in are incomplete.
package noalloc
