// Package privlibs gives a command's process tree private copies of the
// machine's allocator libraries (libc, the dynamic loader, libstdc++,
// jemalloc, mimalloc): a mount namespace of the tree's own, in which each
// library's path is bind-mounted from a byte-for-byte copy on a tmpfs.
//
// A uprobe belongs to a file. Probes attached once per library, for every
// process that maps it, then reach the tree's processes alone, since no
// other process maps the copies: the tree's forks need no hold and no
// attach of their own, which per-process probes pay with a walk over
// every mapping of the library on the machine, and processes outside the
// tree keep their code and their speed. The copies hold the same bytes at
// the same addresses, so what is measured is unchanged.
package privlibs
