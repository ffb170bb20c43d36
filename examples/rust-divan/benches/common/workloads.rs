// Benchmarks whose allocations are known exactly; every allocator variant
// runs the same ones.

use divan::black_box;
use rust_divan_example::{leak_page, probe, string_of_len, vec_u64};

/// Nothing at all: the harness itself must add nothing to the window.
#[divan::bench]
fn empty() {}

/// One allocation of 8000 bytes, freed inside the window.
#[divan::bench]
fn vec_u64_with_capacity() {
    probe::hit("vec_u64_with_capacity");
    black_box(vec_u64(1000));
}

/// A string pushed to 100 bytes: allocations of 8, 16, 32, 64 and 128 bytes.
#[divan::bench]
fn string_push_100() {
    probe::hit("string_push_100");
    black_box(string_of_len(100));
}

/// One 4096-byte box, never freed.
#[divan::bench]
fn leak_box_4096() {
    probe::hit("leak_box_4096");
    black_box(leak_page());
}
