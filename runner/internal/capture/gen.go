package capture

// The generated memtally_bpfel.go and memtally_bpfel.o are committed so that
// building the runner needs no clang; scripts/gen-bpf regenerates them with
// Debian 12's clang-14 and fails when they drift.
//go:generate go tool bpf2go -cc clang-14 -strip llvm-strip-14 -cflags "-O2 -g -mcpu=v3 -Wall -Werror -Wpadded" -target bpfel -go-package capture -type event -type single_event -type batch_hdr -type cpu_batch -type flush_result -type ctl_event -type file_id -type hold_state -type own_state -type kind -type event_type -type ctl_type -type ctl_flags -type mark_op -type counter memtally ../../../bpf/memtally.c
