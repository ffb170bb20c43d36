package overhead

// The generated noop_bpfel.go and noop_bpfel.o are committed so that
// building needs no clang; scripts/gen-bpf regenerates them with Debian
// 12's clang-14 and fails when they drift, as it does for capture's.
//go:generate go tool bpf2go -cc clang-14 -strip llvm-strip-14 -cflags "-O2 -g -Wall -Werror -Wpadded" -target bpfel -go-package overhead noop ../../../bpf/noop.c
