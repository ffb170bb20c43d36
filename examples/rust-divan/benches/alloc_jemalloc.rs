//! The known-allocation benchmarks with jemalloc as the global allocator.

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[path = "common/workloads.rs"]
mod workloads;

fn main() {
    divan::main();
}
