//! A suite written for criterion 0.7, with the standard library's
//! `black_box`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

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

criterion_group!(benches, plain, groups);
criterion_group! {
    name = configured;
    config = Criterion::default().sample_size(10);
    targets = plain_configured
}
criterion_main!(benches, configured);
