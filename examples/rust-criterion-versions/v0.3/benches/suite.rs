//! A suite written for criterion 0.3, in that version's idiom: the macros
//! through `#[macro_use] extern crate`, `criterion::black_box`, and the
//! `bench_function_over_inputs` that 0.4 removed.

#[macro_use]
extern crate criterion;

use criterion::{black_box, BatchSize, BenchmarkId, Criterion, Throughput};

use workloads::{string_of_len, sum, vec_u64};

fn plain(c: &mut Criterion) {
    c.bench_function("vec_u64_with_capacity", |b| {
        b.iter(|| black_box(vec_u64(1000)))
    });
    // Allocates on its first call only: nothing once warm, its table cold.
    c.bench_function("lazy_table", |b| {
        b.iter(|| black_box(workloads::lazy_table().len()))
    });
}

fn groups(c: &mut Criterion) {
    let mut group = c.benchmark_group("bytes");
    group.throughput(Throughput::Bytes(100));
    group.bench_function("string_push_100", |b| {
        b.iter(|| string_of_len(black_box(100)))
    });
    group.finish();

    let mut group = c.benchmark_group("sum");
    group.bench_with_input(BenchmarkId::new("vec", 10), &10usize, |b, &n| {
        b.iter(|| sum(&vec![1; n]))
    });
    // The input is built before the window and dropped after it.
    group.bench_function("batched_ref", |b| {
        b.iter_batched_ref(|| vec![1u64; 1000], |v| sum(v), BatchSize::SmallInput)
    });
    group.bench_function("batched", |b| {
        b.iter_batched(
            || vec_u64(10),
            |mut v| {
                v.push(1);
                v
            },
            BatchSize::PerIteration,
        )
    });
    // The output is dropped after the window.
    group.bench_with_input(BenchmarkId::from_parameter(4096), &4096usize, |b, &n| {
        b.iter_with_large_drop(|| vec![0u8; n])
    });
    group.finish();
}

fn plain_configured(c: &mut Criterion) {
    c.bench_function("configured_box_64", |b| b.iter(|| Box::new([0u8; 64])));
}

#[allow(deprecated)]
fn over_inputs(c: &mut Criterion) {
    c.bench_function_over_inputs("over", |b, &n| b.iter(|| vec![0u8; n]), vec![16usize, 32]);
}

criterion_group!(benches, plain, groups, over_inputs);
criterion_group! {
    name = configured;
    config = Criterion::default().sample_size(10);
    targets = plain_configured
}
criterion_main!(benches, configured);
