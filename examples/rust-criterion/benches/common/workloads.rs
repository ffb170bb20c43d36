// Benchmarks whose allocations are known exactly; every allocator variant
// runs the same ones.

use criterion::{black_box, Criterion};
use rust_criterion_example::{leak_page, probe, string_of_len, vec_u64};

pub fn workloads(c: &mut Criterion) {
    // Nothing at all: the harness itself must add nothing to the window.
    c.bench_function("empty", |b| b.iter(|| {}));

    // One allocation of 8000 bytes, dropped inside the window as criterion's
    // `iter` drops outputs inside its timing.
    c.bench_function("vec_u64_with_capacity", |b| {
        b.iter(|| {
            probe::hit("vec_u64_with_capacity");
            vec_u64(1000)
        })
    });

    // A string pushed to 100 bytes: allocations of 8, 16, 32, 64 and 128 bytes.
    c.bench_function("string_push_100", |b| {
        b.iter(|| {
            probe::hit("string_push_100");
            string_of_len(100)
        })
    });

    // One 4096-byte box, never freed.
    c.bench_function("leak_box_4096", |b| {
        b.iter(|| {
            probe::hit("leak_box_4096");
            black_box(leak_page());
        })
    });
}
