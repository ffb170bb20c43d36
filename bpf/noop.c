//go:build ignore

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
//
// Probe programs that do nothing, for the overhead benchmark
// (runner/internal/overhead). Attached where memtally.c's allocator probes
// go, with the same link types, they measure what the uprobe traps alone
// cost, so the benchmark can tell the capture's own work apart from the
// floor any uprobe tracer pays on this kernel.

#include "headers/kernel.h"
#include "headers/bpf_helpers.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// The entry probes: memtally_entry's attach point and program type.
SEC("uprobe.multi")
int noop_entry(void *ctx)
{
	return 0;
}

// The return probes: memtally_return's attach point and program type.
SEC("uretprobe.multi")
int noop_return(void *ctx)
{
	return 0;
}
