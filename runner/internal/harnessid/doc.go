// Package harnessid recognises a benchmark harness from the program a
// command runs, so that a suite that was not switched to its memtally
// integration is named, with its one-line switch, rather than silently
// measured as one whole-program record.
//
// It decides from the files alone, never by running anything:
//
//   - google-benchmark: an ELF program that defines or imports a function
//     of C++ namespace benchmark (_ZN9benchmark…), in .symtab or .dynsym,
//     or that needs libbenchmark.so.
//   - criterion and divan: an ELF program with functions of the Rust crate
//     criterion or divan, in the legacy mangling (_ZN9criterion…,
//     _ZN5divan…) or v0 (_R…_9criterion…, _R…_5divan…).
//   - cargo bench of a package whose Cargo.toml depends on criterion or
//     divan themselves, rather than on memtally's compat crates renamed to
//     them: the bench binaries cargo runs are such suites.
//   - node and vitest: the interpreter is node (an ELF program that
//     defines napi_create_object, as every node build exports for addons),
//     run directly, through a script whose #! line names it, or through
//     npx. The script run is vitest's own (vitest.mjs, or npx vitest) for
//     vitest; anything else is a node process, which tinybench suites are.
//   - pytest: the interpreter is CPython (an ELF program that defines
//     Py_Initialize) running -m pytest, or the pytest or py.test script.
//
// Wrappers that only set the environment (env VAR=… CMD) are looked
// through. A stripped program, or one the package cannot read, is not
// recognised: the warning is a help, and its absence promises nothing.
package harnessid
