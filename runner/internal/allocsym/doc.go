// Package allocsym finds the allocator entry points of an ELF binary and
// decides where to probe each one.
//
// Discover reads .symtab, or .dynsym when the binary is stripped, with
// debug/elf, matches defined functions against the names of glibc, the C++
// operators, jemalloc (the je_ and _rjem_ prefixes, and the unprefixed names
// of libjemalloc.so), mimalloc (mi_) and tcmalloc (tc_), and returns one
// Probe per distinct address: aliases such as glibc's memalign and
// aligned_alloc share an address and must be probed once.
//
// Each Probe carries a Kind that says how to read the call's arguments and
// result on x86-64. Functions whose result matters need a return probe,
// which the kernel can only place at the function's first instruction. The
// release functions need only an entry probe, and there the placement
// matters: a uprobe on an instruction the kernel cannot emulate is
// single-stepped out of line, which on glibc's free (test %rdi,%rdi) costs
// several microseconds per call. Discover decodes the prologue with
// golang.org/x/arch/x86/x86asm and moves such a probe past leading
// instructions that only set flags, onto the first one the kernel emulates
// (push, or a relative jmp, jcc or call). Skipped instructions change no
// register the probe reads and cannot branch, so the probe sees the
// arguments as the function received them.
package allocsym
