//! The known-allocation benchmarks with mimalloc as the global allocator.

use criterion::{criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/workloads.rs"]
mod workloads;

criterion_group!(benches, workloads::workloads);
criterion_main!(benches);
