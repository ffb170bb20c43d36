/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few kernel and UAPI definitions memtally.c needs, instead of a
 * multi-megabyte vmlinux.h. The UAPI constants below are ABI and never
 * change value. The kernel structs are declared with preserve_access_index,
 * so every field access is a CO-RE relocation that libbpf-compatible loaders
 * (cilium/ebpf) resolve against the running kernel's BTF: their layout here
 * is irrelevant, only the field names and types matter.
 */
#ifndef MEMTALLY_KERNEL_H
#define MEMTALLY_KERNEL_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;

/* include/uapi/linux/bpf.h */
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};
enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};
enum {
	BPF_F_NO_PREALLOC = 1,
};
enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};
enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

/* include/linux/pid.h */
enum pid_type {
	PIDTYPE_PID = 0,
	PIDTYPE_TGID = 1,
};

/* Referenced by bpf_helper_defs.h prototypes only. */
enum rc_proto {
	RC_PROTO_UNKNOWN = 0,
};

/* arch/x86/include/asm/ptrace.h: the register file a uprobe program gets. */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

/* What sched_process_exec's binprm leads to: the executable's inode. */
struct super_block {
	unsigned int s_dev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct linux_binprm {
	struct file *file;
} __attribute__((preserve_access_index));

#endif
