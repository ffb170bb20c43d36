//! Memory benchmarks of the library, with the system allocator, written
//! against criterion's API as published suites use it.

use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput,
};
use rust_criterion_example::{probe, sum, vec_u64};

#[path = "common/workloads.rs"]
mod workloads;

fn sums(c: &mut Criterion) {
    let mut group = c.benchmark_group("sum");
    group.throughput(Throughput::Bytes(8000));
    // The input is built before the window and dropped after it.
    group.bench_function("batched", |b| {
        b.iter_batched(
            || {
                probe::hit("setup:sum::batched");
                vec_u64(1000)
            },
            |mut v| {
                probe::hit("sum::batched");
                v.push(1);
                sum(&v)
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("batched_ref", |b| {
        b.iter_batched_ref(
            || {
                probe::hit("setup:sum::batched_ref");
                vec![1u64; 1000]
            },
            |v| {
                probe::hit("sum::batched_ref");
                sum(v)
            },
            BatchSize::LargeInput,
        )
    });
    // One record per parameter.
    for n in [10usize, 100] {
        group.bench_with_input(BenchmarkId::new("vec", n), &n, |b, &n| {
            b.iter(|| {
                probe::hit(if n == 10 {
                    "sum::vec[10]"
                } else {
                    "sum::vec[100]"
                });
                sum(&vec![1; n])
            })
        });
    }
    group.bench_with_input(BenchmarkId::from_parameter(1000), &1000usize, |b, &n| {
        b.iter(|| {
            probe::hit("sum[1000]");
            sum(&vec![1; n])
        })
    });
    group.finish();

    // The same function name in another group is another benchmark.
    let mut group = c.benchmark_group("collect");
    group.bench_function("batched", |b| {
        b.iter_batched(
            || {
                probe::hit("setup:collect::batched");
                (0..1000u64).collect::<Vec<_>>()
            },
            |v| {
                probe::hit("collect::batched");
                v.into_iter().map(|x| x * 2).collect::<Vec<_>>()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn others(c: &mut Criterion) {
    // The output is dropped after the window.
    c.bench_function(&format!("large_drop_{}", 4096), |b| {
        b.iter_with_large_drop(|| {
            probe::hit("large_drop_4096");
            vec![0u8; 4096]
        })
    });
    c.bench_with_input(BenchmarkId::new("repeat", 3), &3usize, |b, &n| {
        b.iter(|| {
            probe::hit("repeat[3]");
            black_box("ab".repeat(n))
        })
    });
    // Allocates on its first call only: nothing once warm (the default),
    // its table with MEMTALLY_WARMUP=0, the cold first call.
    c.bench_function("lazy_table", |b| {
        b.iter(|| {
            probe::hit("lazy_table");
            black_box(rust_criterion_example::lazy_table().iter().sum::<u64>())
        })
    });
}

criterion_group!(benches, workloads::workloads, sums);
criterion_group! {
    name = configured;
    config = Criterion::default().sample_size(10);
    targets = others
}
criterion_main!(benches, configured);
