//! Reading criterion's saved results, so criterion users get benchstat's tables.
//!
//! criterion keeps, for every benchmark, a directory per baseline under
//! `target/criterion/<group>/<function>[/<parameter>]/<baseline>/`: `new` for the
//! latest run, `base` for the one before, or a name given to `--save-baseline`. In it,
//! `sample.json` holds the raw samples (`iters[i]` iterations took `times[i]`
//! nanoseconds), and `benchmark.json` the benchmark's id. Each sample becomes one
//! measurement in `ns/op` (`times[i] / iters[i]`), with `B/s` or `elem/s` beside it
//! when the benchmark declared a throughput: the same data benchstat reads from
//! `go test -bench -count=N`. criterion's `estimates.json` (its bootstrap estimates)
//! is not needed: the summaries are recomputed from the samples, as benchstat does.
//!
//! An input names a criterion directory as `target/criterion` (baseline `new`) or
//! `target/criterion@main` (baseline `main`).

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::benchfmt::{BenchResult, Record, SyntaxError, Value};
use crate::error::Error;
use crate::unit::tidy;

/// criterion's name for the latest run's baseline.
pub const DEFAULT_BASELINE: &str = "new";

/// If `input` names a directory (optionally with `@baseline`), the directory and the
/// baseline.
pub fn locate(input: &str) -> Option<(PathBuf, String)> {
    if Path::new(input).is_dir() {
        return Some((PathBuf::from(input), DEFAULT_BASELINE.to_string()));
    }
    let (dir, baseline) = input.rsplit_once('@')?;
    (Path::new(dir).is_dir() && !baseline.is_empty() && !baseline.contains('/'))
        .then(|| (PathBuf::from(dir), baseline.to_string()))
}

/// Reads every benchmark under `dir` that has a `baseline` directory, in path order.
///
/// # Errors
///
/// [`Error::Io`] if `dir` cannot be listed; [`Error::NoCriterionBaseline`] if no
/// benchmark has that baseline. A malformed `sample.json` becomes a [`SyntaxError`]
/// record, reported and skipped like a malformed benchmark line.
pub fn read(dir: &Path, baseline: &str) -> Result<Vec<Record>, Error> {
    let mut found = Vec::new();
    walk(dir, baseline, &mut found)?;
    if found.is_empty() {
        return Err(Error::NoCriterionBaseline {
            dir: dir.display().to_string(),
            baseline: baseline.to_string(),
        });
    }
    let mut out = Vec::new();
    for bench_dir in found {
        let rel = bench_dir
            .strip_prefix(dir)
            .unwrap_or(&bench_dir)
            .display()
            .to_string();
        match read_benchmark(&bench_dir.join(baseline), &rel) {
            Ok(results) => out.extend(results.into_iter().map(Record::Result)),
            Err((file_name, msg)) => out.push(Record::SyntaxError(SyntaxError {
                file_name,
                line: 1,
                msg,
            })),
        }
    }
    Ok(out)
}

fn walk(dir: &Path, baseline: &str, found: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io {
        path: dir.display().to_string(),
        source: e,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    if dir.join(baseline).join("sample.json").is_file() {
        found.push(dir.to_path_buf());
    }
    for e in entries {
        let name = e.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // criterion's own directories: HTML reports and the per-baseline data.
        if name == "report"
            || name == baseline
            || name == "new"
            || name == "base"
            || name == "change"
        {
            continue;
        }
        walk(&e, baseline, found)?;
    }
    Ok(())
}

fn read_json(path: &Path) -> Result<Json, (String, String)> {
    let name = path.display().to_string();
    let text = std::fs::read(path).map_err(|e| (name.clone(), e.to_string()))?;
    serde_json::from_slice(&text).map_err(|e| (name, format!("invalid JSON: {e}")))
}

/// One result per sample of one benchmark.
fn read_benchmark(dir: &Path, rel: &str) -> Result<Vec<BenchResult>, (String, String)> {
    let sample_path = dir.join("sample.json");
    let sample = read_json(&sample_path)?;
    let file_name = sample_path.display().to_string();
    let bad = |msg: &str| (file_name.clone(), msg.to_string());
    let floats = |key: &str| -> Result<Vec<f64>, (String, String)> {
        sample
            .get(key)
            .and_then(Json::as_array)
            .ok_or_else(|| bad(&format!("missing {key:?} array")))?
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| bad(&format!("{key:?} holds a non-number")))
            })
            .collect()
    };
    let (iters, times) = (floats("iters")?, floats("times")?);
    if iters.len() != times.len() || iters.is_empty() {
        return Err(bad(
            "\"iters\" and \"times\" must be non-empty and of equal length",
        ));
    }
    let meta = read_json(&dir.join("benchmark.json")).ok();
    let id = meta
        .as_ref()
        .and_then(|m| m.get("full_id").and_then(Json::as_str).map(str::to_string))
        .unwrap_or_else(|| rel.to_string());
    // Go benchmark names cannot hold spaces: the format splits fields at them.
    let name: String = id
        .chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect();
    let throughput = meta
        .as_ref()
        .and_then(|m| m.get("throughput"))
        .and_then(throughput_of);
    let mut out = Vec::new();
    for (i, (&n, &t)) in iters.iter().zip(&times).enumerate() {
        if n <= 0.0 {
            return Err(bad("\"iters\" holds a non-positive count"));
        }
        let ns = t / n;
        let (v, u) = tidy(ns, "ns/op");
        let mut values = vec![Value {
            value: v,
            unit: u,
            orig_value: ns,
            orig_unit: "ns/op".into(),
        }];
        if let Some((per_iter, unit)) = throughput {
            values.push(Value {
                value: per_iter / (ns * 1e-9),
                unit: unit.into(),
                orig_value: 0.0,
                orig_unit: String::new(),
            });
        }
        out.push(BenchResult {
            config: Vec::new(),
            name: name.clone(),
            iters: n as i64,
            values,
            file_name: file_name.clone(),
            line: i + 1,
        });
    }
    Ok(out)
}

/// criterion's `Throughput` as (amount per iteration, unit per second).
fn throughput_of(t: &Json) -> Option<(f64, &'static str)> {
    let obj = t.as_object()?;
    let (kind, v) = obj.iter().next()?;
    let n = v.as_f64()?;
    match kind.as_str() {
        "Bytes" | "BytesDecimal" => Some((n, "B/s")),
        "Elements" => Some((n, "elem/s")),
        _ => None,
    }
}
