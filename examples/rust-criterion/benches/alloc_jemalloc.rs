//! The known-allocation benchmarks with jemalloc as the global allocator.

use criterion::{criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[path = "common/workloads.rs"]
mod workloads;

criterion_group!(benches, workloads::workloads);
criterion_main!(benches);
