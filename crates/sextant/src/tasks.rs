//! The `tasks` profile: what every tokio task is waiting on, from tokio's task dumps
//! (feature `tokio`). Go's goroutine profile, for async tasks.
//!
//! ```no_run
//! # async fn f() -> Result<(), sextant::Error> {
//! let handle = tokio::runtime::Handle::current();
//! let profile = sextant::tasks::dump(&handle).await?;
//! let mut f = std::fs::File::create("tasks.pb.gz")?;
//! sextant::tasks::write_to(&handle, &mut f, 0).await?;
//! # Ok(()) }
//! ```
//!
//! # Build flags
//!
//! Task dumps are an unstable tokio feature: besides the feature `tokio` of this crate (which
//! turns on tokio's `taskdump` feature), the program must be built with
//!
//! ```sh
//! RUSTFLAGS="--cfg tokio_unstable --cfg tokio_taskdump" cargo build
//! ```
//!
//! (tokio 1.54 needs only `--cfg tokio_unstable`; older releases also `tokio_taskdump`, and
//! passing both is harmless.) Dumps exist on Linux on x86_64, aarch64, x86 and s390x. Built
//! without the flags, everything here compiles and returns
//! [`Error::NeedsBuildFlags`](crate::Error::NeedsBuildFlags)
//! naming them.
//!
//! # What it holds
//!
//! One sample per distinct stack, `tasks/count`: how many tasks were suspended there. A
//! task's trace ends in the tokio leaf futures it awaits (a socket read, a timer, a channel);
//! a task awaiting several at once (`join!`, `select!`) has one stack per leaf and is
//! counted under each. A task whose last poll reached no tokio leaf has no stack and is
//! counted under [`UNTRACED_TASK_FUNCTION`]. `debug=1` is Go's goroutine `debug=1` text
//! (`tasks profile: total N`, then `count @ addresses` and `#` frame lines); `debug=2` prints
//! each task with tokio's own trace tree, as Go's `debug=2` prints each goroutine.
//!
//! # Cost
//!
//! As tokio documents for `Handle::dump`: the runtime pauses its workers and re-polls every
//! task in tracing mode; a dump may never finish if a worker is blocked, so wrap the call in
//! a timeout. Resolving the backtraces reads debug info (often over 100 ms); it runs on the
//! calling task.

// `tokio_unstable` is tokio's cfg, set through RUSTFLAGS, which Cargo's check-cfg does not
// know about for this crate.
#![allow(unexpected_cfgs)]

use std::io::Write;

use sextant_profile::Profile;
use tokio::runtime::Handle;

use crate::error::Result;

/// The pseudo-function counting tasks whose trace reached no tokio leaf future.
pub const UNTRACED_TASK_FUNCTION: &str = "sextant::_UntracedTask";

/// Dumps every task of the runtime behind `handle` and returns the `tasks` profile. On a
/// current-thread runtime, call it from inside that runtime.
///
/// # Errors
///
/// [`Error::NeedsBuildFlags`](crate::Error::NeedsBuildFlags) when the program was built without the cfg flags task dumps
/// need; an error when this process's mappings cannot be read for symbolization.
pub async fn dump(handle: &Handle) -> Result<Profile> {
    imp::dump(handle).await
}

/// Writes the `tasks` profile of the runtime behind `handle`: `debug` 0 is gzip-compressed
/// profile.proto, 1 Go's goroutine-style `debug=1` text, 2 one trace tree per task.
///
/// # Errors
///
/// As [`dump`], and when writing to `w` fails.
pub async fn write_to<W: Write>(handle: &Handle, w: W, debug: u32) -> Result<()> {
    imp::write_to(handle, w, debug).await
}

#[cfg(all(
    tokio_unstable,
    any(
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "s390x"
    )
))]
mod imp {
    use std::collections::{HashMap, HashSet};
    use std::io::Write;

    use sextant_profile::{LocationId, Profile, Sample, ValueType};
    use sextant_symbolize::loaded_modules;
    use tokio::runtime::Handle;
    use tokio::runtime::dump::Dump;

    use super::UNTRACED_TASK_FUNCTION;
    use crate::error::Result;
    use crate::stackwalk::ProfileBuilder;

    /// Each task's distinct stacks, as lookup addresses (return addresses moved into their
    /// call), leaf first; an empty stack for a task with no trace.
    fn stacks(dump: &Dump) -> Vec<(Vec<u64>, i64)> {
        let mut counts: HashMap<Vec<u64>, i64> = HashMap::new();
        let mut order = Vec::new();
        for task in dump.tasks().iter() {
            let mut seen = HashSet::new();
            let traces = task.trace().resolve_backtraces();
            let keys: Vec<Vec<u64>> = if traces.is_empty() {
                vec![Vec::new()]
            } else {
                traces
                    .iter()
                    .map(|bt| {
                        bt.frames()
                            .map(|f| (f.ip() as u64).saturating_sub(1))
                            .collect()
                    })
                    .collect()
            };
            for k in keys {
                if seen.insert(k.clone()) {
                    let n = counts.entry(k.clone()).or_insert(0);
                    if *n == 0 {
                        order.push(k);
                    }
                    *n += 1;
                }
            }
        }
        let mut out: Vec<_> = order
            .into_iter()
            .map(|k| {
                let n = counts[&k];
                (k, n)
            })
            .collect();
        // Go's keysByCount: by count, largest first, then by key.
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    fn locations(b: &mut ProfileBuilder<'_>, pcs: &[u64]) -> Vec<LocationId> {
        if pcs.is_empty() {
            return vec![b.pseudo(UNTRACED_TASK_FUNCTION)];
        }
        pcs.iter().map(|&pc| b.location(pc)).collect()
    }

    fn build(dump: &Dump) -> Result<Profile> {
        let modules = loaded_modules()?;
        let mut b = ProfileBuilder::new(&modules, true);
        for (pcs, n) in stacks(dump) {
            let location = locations(&mut b, &pcs);
            b.profile.sample.push(Sample {
                location,
                value: vec![n],
                label: Vec::new(),
            });
        }
        let mut p = b.profile;
        p.sample_type = vec![ValueType::new("tasks", "count")];
        p.period_type = Some(ValueType::new("tasks", "count"));
        p.period = 1;
        p.time_nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        Ok(p)
    }

    pub(super) async fn dump(handle: &Handle) -> Result<Profile> {
        build(&handle.dump().await)
    }

    fn text(dump: &Dump) -> Result<String> {
        let stacks = stacks(dump);
        let modules = loaded_modules()?;
        let mut b = ProfileBuilder::new(&modules, true);
        let total: i64 = dump.tasks().iter().count() as i64;
        let mut out = format!("tasks profile: total {total}\n");
        for (pcs, n) in &stacks {
            out.push_str(&format!("{n} @"));
            for pc in pcs {
                out.push_str(&format!(" {:#x}", pc + 1));
            }
            out.push('\n');
            if pcs.is_empty() {
                out.push_str(&format!("#\t{UNTRACED_TASK_FUNCTION}\n"));
            }
            crate::sync::text::frames(&mut out, &mut b, pcs);
            out.push('\n');
        }
        Ok(out)
    }

    pub(super) async fn write_to<W: Write>(handle: &Handle, mut w: W, debug: u32) -> Result<()> {
        let dump = handle.dump().await;
        match debug {
            0 => build(&dump)?.write(&mut w)?,
            1 => w.write_all(text(&dump)?.as_bytes())?,
            _ => {
                for task in dump.tasks().iter() {
                    writeln!(w, "task {}:\n{}\n", task.id(), task.trace())?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(not(all(
    tokio_unstable,
    any(
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "s390x"
    )
)))]
mod imp {
    use std::io::Write;

    use sextant_profile::Profile;
    use tokio::runtime::Handle;

    use crate::error::{Error, Result};

    /// The flags [`Error::NeedsBuildFlags`] names.
    const FLAGS: &str = "RUSTFLAGS=\"--cfg tokio_unstable --cfg tokio_taskdump\"";

    fn unavailable() -> Error {
        Error::NeedsBuildFlags {
            profile: "tasks",
            flags: FLAGS,
        }
    }

    pub(super) async fn dump(_handle: &Handle) -> Result<Profile> {
        Err(unavailable())
    }

    pub(super) async fn write_to<W: Write>(_handle: &Handle, _w: W, _debug: u32) -> Result<()> {
        Err(unavailable())
    }
}

// The dump itself is tested only in a build with the flags, which rebuilds every dependency
// (about 8 minutes on a loaded 2-core machine), so CI runs the error path; by hand:
//   RUSTFLAGS="--cfg tokio_unstable --cfg tokio_taskdump" CARGO_TARGET_DIR=target/taskdump \
//   cargo test -p sextant --features tokio --lib tasks
#[cfg(test)]
mod tests {
    #[cfg(not(tokio_unstable))]
    #[test]
    fn without_the_cfg_a_dump_says_which_flags_it_needs() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let e = rt
            .block_on(super::dump(rt.handle()))
            .expect_err("no dumps without tokio_unstable");
        assert!(matches!(e, crate::Error::NeedsBuildFlags { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("--cfg tokio_unstable"), "{msg}");
        assert!(msg.contains("tasks"), "{msg}");
        let mut out = Vec::new();
        let e = rt
            .block_on(super::write_to(rt.handle(), &mut out, 1))
            .expect_err("no dumps without tokio_unstable");
        assert!(e.to_string().contains("tokio_unstable"));
        assert!(out.is_empty());
    }

    /// Sleeps forever in a function of its own, so the dump has a known frame.
    #[cfg(tokio_unstable)]
    #[inline(never)]
    async fn parked_in_sleep() {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }

    #[cfg(tokio_unstable)]
    #[test]
    fn a_dump_counts_the_tasks_parked_in_each_function() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        for _ in 0..3 {
            rt.spawn(parked_in_sleep());
        }
        let handle = rt.handle().clone();
        let p = rt.block_on(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            tokio::time::timeout(std::time::Duration::from_secs(30), super::dump(&handle))
                .await
                .expect("the dump finishes")
        });
        let p = p.unwrap();
        assert_eq!(p.sample_type[0].kind, "tasks");
        let parked: i64 = p
            .sample
            .iter()
            .filter(|s| {
                s.location.iter().any(|l| {
                    p.location[l.0 as usize - 1].line.iter().any(|line| {
                        line.function_id.is_some_and(|f| {
                            p.function[f.0 as usize - 1]
                                .name
                                .contains("parked_in_sleep")
                        })
                    })
                })
            })
            .map(|s| s.value[0])
            .sum();
        assert_eq!(parked, 3, "{p:?}");
        let mut text = Vec::new();
        let handle = rt.handle().clone();
        rt.block_on(async move { super::write_to(&handle, &mut text, 1).await.map(|_| text) })
            .map(|t| {
                let t = String::from_utf8(t).unwrap();
                assert!(t.starts_with("tasks profile: total 3\n"), "{t}");
                assert!(t.contains("\n3 @ 0x"), "{t}");
                assert!(t.contains("parked_in_sleep"), "{t}");
            })
            .unwrap();
        rt.shutdown_background();
    }
}
