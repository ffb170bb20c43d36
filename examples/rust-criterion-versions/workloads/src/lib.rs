//! Functions whose allocations are known exactly, for the suites to measure.

/// A vector with room for `n` values: one allocation of `8 * n` bytes.
pub fn vec_u64(n: usize) -> Vec<u64> {
    Vec::with_capacity(n)
}

/// A string grown one character at a time to `len` bytes, through the
/// standard library's doubling (8, 16, 32, ... bytes).
pub fn string_of_len(len: usize) -> String {
    let mut s = String::new();
    for _ in 0..len {
        s.push('x');
    }
    s
}

/// The sum of `values`; allocates nothing.
pub fn sum(values: &[u64]) -> u64 {
    values.iter().sum()
}

/// A table built on the first call and kept for the rest of the process:
/// 512 values, one allocation of 4096 bytes, made by the first call only.
pub fn lazy_table() -> &'static [u64] {
    static TABLE: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..512).collect())
}
