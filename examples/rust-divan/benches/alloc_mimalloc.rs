//! The known-allocation benchmarks with mimalloc as the global allocator.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/workloads.rs"]
mod workloads;

fn main() {
    divan::main();
}
