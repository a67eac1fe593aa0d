//! Go's benchmark data format: the header lines and one result line per run.
//!
//! Widths and number formats are `testing.BenchmarkResult.String` and `prettyPrint`'s, so the
//! decimal points of every column line up as in `go test -bench` output, and benchstat reads
//! the lines unchanged.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The outcome of one measured run, Go's `BenchmarkResult`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BenchResult {
    /// Iterations run (`b.N`).
    pub n: u64,
    /// Total measured time, in nanoseconds.
    pub t_ns: u64,
    /// Bytes processed per iteration (`b.set_bytes`), for MB/s.
    pub bytes: u64,
    /// Allocations during the measured time.
    pub mem_allocs: u64,
    /// Bytes allocated during the measured time.
    pub mem_bytes: u64,
    /// Metrics from `b.report_metric` and `-metrics`, by unit; they override the built-ins.
    pub extra: BTreeMap<String, f64>,
}

impl BenchResult {
    /// Nanoseconds per iteration, as a float (`ns/op`).
    pub fn ns_per_op(&self) -> f64 {
        if let Some(&v) = self.extra.get("ns/op") {
            return v;
        }
        if self.n == 0 {
            return 0.0;
        }
        self.t_ns as f64 / self.n as f64
    }

    fn mb_per_sec(&self) -> f64 {
        if let Some(&v) = self.extra.get("MB/s") {
            return v;
        }
        if self.bytes == 0 || self.t_ns == 0 || self.n == 0 {
            return 0.0;
        }
        (self.bytes as f64 * self.n as f64 / 1e6) / (self.t_ns as f64 / 1e9)
    }

    /// Allocations per iteration, by integer division as Go does (`allocs/op`).
    pub fn allocs_per_op(&self) -> i64 {
        match self.extra.get("allocs/op") {
            Some(&v) => v as i64,
            None if self.n == 0 => 0,
            None => (self.mem_allocs / self.n) as i64,
        }
    }

    /// Bytes allocated per iteration, by integer division as Go does (`B/op`).
    pub fn alloced_bytes_per_op(&self) -> i64 {
        match self.extra.get("B/op") {
            Some(&v) => v as i64,
            None if self.n == 0 => 0,
            None => (self.mem_bytes / self.n) as i64,
        }
    }

    /// The result columns after the name, without B/op and allocs/op (Go's `String`).
    pub fn columns(&self) -> String {
        let mut s = format!("{:8}", self.n);
        let ns = self.ns_per_op();
        if ns != 0.0 {
            s.push('\t');
            pretty_print(&mut s, ns, "ns/op");
        }
        let mbs = self.mb_per_sec();
        if mbs != 0.0 {
            let _ = write!(s, "\t{mbs:7.2} MB/s");
        }
        for (unit, &v) in &self.extra {
            if !matches!(unit.as_str(), "ns/op" | "MB/s" | "B/op" | "allocs/op") {
                s.push('\t');
                pretty_print(&mut s, v, unit);
            }
        }
        s
    }

    /// The B/op and allocs/op columns (Go's `MemString`).
    pub fn mem_columns(&self) -> String {
        format!(
            "{:8} B/op\t{:8} allocs/op",
            self.alloced_bytes_per_op(),
            self.allocs_per_op()
        )
    }
}

/// Go's `prettyPrint`: ten places before the decimal point, four significant figures for
/// small numbers, every format's decimal point in the same column.
pub(crate) fn pretty_print(s: &mut String, x: f64, unit: &str) {
    let y = x.abs();
    let _ = match () {
        _ if y == 0.0 || y >= 999.95 => write!(s, "{x:10.0} {unit}"),
        _ if y >= 99.995 => write!(s, "{x:12.1} {unit}"),
        _ if y >= 9.9995 => write!(s, "{x:13.2} {unit}"),
        _ if y >= 0.99995 => write!(s, "{x:14.3} {unit}"),
        _ if y >= 0.099995 => write!(s, "{x:15.4} {unit}"),
        _ if y >= 0.0099995 => write!(s, "{x:16.5} {unit}"),
        _ if y >= 0.00099995 => write!(s, "{x:17.6} {unit}"),
        _ => write!(s, "{x:18.7} {unit}"),
    };
}

/// The name with its `-P` suffix, left out when P is 1 (Go's `benchmarkName`).
pub(crate) fn benchmark_name(name: &str, procs: usize) -> String {
    if procs != 1 {
        format!("{name}-{procs}")
    } else {
        name.to_string()
    }
}

/// The configuration lines printed once before the first result.
pub(crate) fn header(pkg: &str) -> String {
    let mut s = format!("goos: {}\ngoarch: {}\n", goos(), goarch());
    if !pkg.is_empty() {
        let _ = writeln!(s, "pkg: {pkg}");
    }
    if let Some(cpu) = cpu_name() {
        let _ = writeln!(s, "cpu: {cpu}");
    }
    s
}

/// Go's `GOOS` for this target.
fn goos() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    }
}

/// Go's `GOARCH` for this target, so results compare with a Go program's on the same machine.
fn goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        arch => arch,
    }
}

/// The CPU's model name, from /proc/cpuinfo (what Go reads from CPUID on amd64).
fn cpu_name() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            matches!(k.trim(), "model name" | "Processor" | "cpu model").then(|| v.trim())
        })
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pp(x: f64) -> String {
        let mut s = String::new();
        pretty_print(&mut s, x, "ns/op");
        s
    }

    #[test]
    fn pretty_print_aligns_decimal_points_as_go_does() {
        assert_eq!(pp(0.0), "         0 ns/op");
        assert_eq!(pp(1234.5), "      1234 ns/op");
        assert_eq!(pp(280.72), "       280.7 ns/op");
        assert_eq!(pp(76.58), "        76.58 ns/op");
        assert_eq!(pp(8.0), "         8.000 ns/op");
        assert_eq!(pp(0.5), "         0.5000 ns/op");
        assert_eq!(pp(0.01), "         0.01000 ns/op");
        assert_eq!(pp(0.001), "         0.001000 ns/op");
        assert_eq!(pp(0.0001), "         0.0001000 ns/op");
    }

    #[test]
    fn result_line_matches_go_columns() {
        let mut r = BenchResult {
            n: 423902,
            t_ns: 118_984_000,
            bytes: 64,
            mem_allocs: 423902,
            mem_bytes: 32 * 423902,
            ..BenchResult::default()
        };
        r.extra.insert("words/op".into(), 8.0);
        // go1.19.8: BenchmarkHash/size=64 423902  280.7 ns/op  228.01 MB/s  8.000 words/op ...
        assert_eq!(
            format!("{}\t{}", r.columns(), r.mem_columns()),
            "  423902\t       280.7 ns/op\t 228.01 MB/s\t         8.000 words/op\t      32 B/op\t       1 allocs/op"
        );
    }

    #[test]
    fn reported_ns_per_op_of_zero_suppresses_the_column() {
        let mut r = BenchResult {
            n: 10,
            t_ns: 100,
            ..BenchResult::default()
        };
        r.extra.insert("ns/op".into(), 0.0);
        assert_eq!(r.columns(), "      10");
    }

    #[test]
    fn names_carry_the_procs_suffix_unless_one() {
        assert_eq!(benchmark_name("BenchmarkX/n=1", 1), "BenchmarkX/n=1");
        assert_eq!(benchmark_name("BenchmarkX/n=1", 4), "BenchmarkX/n=1-4");
    }
}
