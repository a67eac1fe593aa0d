//! The seed's workloads (testdata/go/bench/bench_test.go), shared by the three suites so
//! that only the harness differs.

use std::hint::black_box;

/// The haystack of StringContains: 4 KiB without the needle, then the needle.
pub fn haystack() -> String {
    "abcdefgh".repeat(512) + "needle"
}

/// RuneCount's inputs: ASCII and mixed UTF-8.
pub fn rune_inputs() -> [(&'static str, String); 2] {
    [("ascii", "hello, world ".repeat(20)), ("mixed", "héllo, wörld ☺ ".repeat(20))]
}

/// StringBuilder's body: a string of `n` letters, built by pushing.
pub fn build_string(n: usize) -> String {
    let mut s = String::with_capacity(n);
    for i in 0..n {
        s.push((b'a' + (i % 26) as u8) as char);
    }
    s
}

/// Sort's input: `n` pseudo-random numbers from a fixed seed (xorshift).
pub fn random_u64s(n: usize) -> Vec<u64> {
    let mut seed = 1u64;
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        })
        .collect()
}

/// Sort's body: restore the input, sort it.
pub fn sort_into(xs: &mut [u64], orig: &[u64]) {
    xs.copy_from_slice(orig);
    xs.sort_unstable();
    black_box(xs);
}

/// The sizes of StringBuilder and Sort.
pub const BUILDER_SIZES: [usize; 3] = [10, 100, 1000];
/// The sizes of Sort.
pub const SORT_SIZES: [usize; 4] = [10, 100, 1000, 10000];
