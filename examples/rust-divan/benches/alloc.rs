//! Memory benchmarks of the library, with the system allocator.

use divan::{black_box, Bencher};
use rust_divan_example::{probe, sum, vec_u64};

#[path = "common/workloads.rs"]
mod workloads;

fn main() {
    divan::main();
}

/// One record per argument.
#[divan::bench(args = [10, 100, 1000])]
fn vec_with_len(n: usize) -> Vec<u64> {
    probe::hit(match n {
        10 => "vec_with_len[10]",
        100 => "vec_with_len[100]",
        _ => "vec_with_len[1000]",
    });
    vec![0; n]
}

/// One record per type.
#[divan::bench(types = [u8, u64])]
fn default_vec<T: Default + Clone>() -> Vec<T> {
    probe::hit(std::any::type_name::<T>());
    vec![T::default(); 64]
}

/// One record per const.
#[divan::bench(consts = [16, 256])]
fn boxed_array<const N: usize>() -> Box<[u8; N]> {
    probe::hit(if N == 16 {
        "boxed_array[16]"
    } else {
        "boxed_array[256]"
    });
    Box::new([1; N])
}

/// The input is built before the window, and consumed inside it.
#[divan::bench]
fn sum_values(bencher: Bencher) {
    bencher
        .with_inputs(|| {
            probe::hit("setup:sum_values");
            vec_u64(1000)
        })
        .bench_values(|mut v| {
            probe::hit("sum_values");
            v.push(1);
            sum(&v)
        });
}

#[divan::bench(args = ["a", "bb"])]
fn repeat_local(bencher: Bencher, s: &str) {
    bencher.bench_local(|| {
        probe::hit(if s == "a" {
            "repeat_local[a]"
        } else {
            "repeat_local[bb]"
        });
        black_box(s.repeat(100))
    });
}

/// Allocates on its first call only: nothing once warm (the default), its
/// table with `MEMTALLY_WARMUP=0`, the cold first call.
#[divan::bench]
fn lazy_table() -> u64 {
    probe::hit("lazy_table");
    rust_divan_example::lazy_table().iter().sum()
}

/// Groups: the same benchmark name in two modules gives two URIs.
#[divan::bench_group(sample_count = 10)]
mod by_ref {
    use super::*;

    #[divan::bench]
    fn sum(bencher: Bencher) {
        bencher
            .with_inputs(|| {
                probe::hit("setup:by_ref::sum");
                vec![1u64; 1000]
            })
            .bench_refs(|v| {
                probe::hit("by_ref::sum");
                super::sum(v)
            });
    }
}

mod by_closure {
    use super::*;

    #[divan::bench]
    fn sum(bencher: Bencher) {
        let v = vec![1u64; 1000];
        probe::hit("setup:by_closure::sum");
        bencher.bench(|| {
            probe::hit("by_closure::sum");
            super::sum(&v)
        });
    }
}
