//! What a profile holds: Go's sample types, mappings with build ids, names with full Rust
//! paths, lines, the `thread` label, and the entry points' rules.

use std::time::Duration;

use super::common::*;
use sextant_profile::LabelValue;

mod myapp {
    pub(crate) mod server {
        /// Work with a name to find: `cpu::profile::myapp::server::handle`.
        #[inline(never)]
        pub(crate) fn handle() {
            super::super::burn(std::time::Duration::from_millis(300));
        }
    }
}

#[test]
fn a_profile_has_gos_types_mappings_and_full_rust_names() {
    let _g = serial();
    let p = sextant::cpu::ProfilerBuilder::new()
        .rate(200)
        .start()
        .unwrap();
    myapp::server::handle();
    let p = p.stop().unwrap();

    let types: Vec<_> = p.sample_type.iter().map(|t| (&*t.kind, &*t.unit)).collect();
    assert_eq!(types, [("samples", "count"), ("cpu", "nanoseconds")]);
    let pt = p.period_type.as_ref().unwrap();
    assert_eq!((&*pt.kind, &*pt.unit), ("cpu", "nanoseconds"));
    assert_eq!(p.period, 5_000_000);
    assert!(p.duration_nanos > 0 && p.time_nanos > 0);

    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    assert_eq!(p.mapping[0].filename, exe.to_string_lossy());
    assert!(!p.mapping[0].build_id.is_empty());
    assert!(p.mapping.iter().any(|m| m.filename.contains("libc")));

    // Every sample of the burning thread has `spin` at the leaf and `handle` below it.
    let me = std::thread::current().name().unwrap().to_string();
    let comm: String = me.chars().take(15).collect();
    assert!(cpu_with_label(&p, "thread", &comm) >= Duration::from_millis(200));
    let stacks: Vec<Vec<String>> = p
        .sample
        .iter()
        .map(|s| s.location.iter().flat_map(|&l| names(&p, l)).collect())
        .collect();
    let handled = stacks
        .iter()
        .filter(|s| s.iter().any(|n| n == "cpu::profile::myapp::server::handle"))
        .count();
    assert!(handled > 0, "no stack through handle: {stacks:#?}");
    assert!(
        stacks
            .iter()
            .any(|s| s.first().is_some_and(|n| n == "cpu::common::spin"))
    );
    let spin = p
        .function
        .iter()
        .find(|f| f.name == "cpu::common::spin")
        .unwrap();
    assert!(spin.filename.ends_with("tests/cpu/common.rs"), "{spin:?}");
    assert!(p.location.iter().any(|l| l.line.iter().any(|x| x.line > 0)));
}

#[test]
fn a_second_start_is_gos_error() {
    let _g = serial();
    let first = sextant::cpu::ProfilerBuilder::new().start().unwrap();
    let err = sextant::cpu::ProfilerBuilder::new().start().unwrap_err();
    assert_eq!(err.to_string(), "cpu profiling already in use");
    let err = sextant::cpu::start(Vec::new()).unwrap_err();
    assert!(matches!(err, sextant::Error::AlreadyInUse));
    first.stop().unwrap();
    // Free again once stopped.
    sextant::cpu::ProfilerBuilder::new()
        .start()
        .unwrap()
        .stop()
        .unwrap();
}

#[test]
fn start_and_stop_write_a_gzipped_profile() {
    let _g = serial();
    let path = std::env::temp_dir().join(format!("sextant-cpu-{}.pb.gz", std::process::id()));
    sextant::cpu::set_rate(100);
    sextant::cpu::start(std::fs::File::create(&path).unwrap()).unwrap();
    burn(Duration::from_millis(100));
    sextant::cpu::stop().unwrap();
    sextant::cpu::stop().unwrap(); // a stop without a start does nothing, as in Go
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    let p = sextant_profile::Profile::parse(&bytes).unwrap();
    assert!(!p.sample.is_empty());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn threads_created_while_profiling_are_sampled() {
    let _g = serial();
    let p = sextant::cpu::ProfilerBuilder::new()
        .rate(250)
        .start()
        .unwrap();
    let t = std::thread::Builder::new()
        .name("late-thread".into())
        .spawn(|| burn(Duration::from_millis(300)))
        .unwrap();
    t.join().unwrap();
    let p = p.stop().unwrap();
    // Sampled from the start by the process timer, then by its own timer.
    let got = cpu_with_label(&p, "thread", "late-thread");
    assert!(got >= Duration::from_millis(250), "{got:?}");
    // Once it has its timer its stack is readable too: all but its first few samples (taken
    // before the profiler read where its stack is) reach `burn`, its caller.
    let whole: i64 = p
        .sample
        .iter()
        .filter(|s| {
            s.label
                .iter()
                .any(|l| matches!(&l.value, LabelValue::Str(v) if &**v == "late-thread"))
        })
        .filter(|s| {
            s.location
                .iter()
                .any(|&l| names(&p, l).iter().any(|n| n.ends_with("common::burn")))
        })
        .map(|s| s.value[1])
        .sum();
    let whole = Duration::from_nanos(whole as u64);
    assert!(
        whole * 10 >= got * 9,
        "{whole:?} of {got:?} unwound to burn"
    );
}

#[test]
fn the_process_wide_timer_is_named_in_the_comments() {
    let _g = serial();
    let p = sextant::cpu::ProfilerBuilder::new()
        .per_thread_timers(false)
        .start()
        .unwrap();
    burn(Duration::from_millis(200));
    let p = p.stop().unwrap();
    assert!(p.comments[0].contains("setitimer"), "{:?}", p.comments);
    assert!(total_cpu(&p) > Duration::ZERO);
}

trait Serve {
    fn serve(&self);
}

struct Handler;

impl Serve for Handler {
    #[inline(never)]
    fn serve(&self) {
        burn(Duration::from_millis(200));
    }
}

#[test]
fn trait_methods_are_named_as_rust_writes_them() {
    let _g = serial();
    let p = sextant::cpu::ProfilerBuilder::new()
        .rate(250)
        .start()
        .unwrap();
    std::hint::black_box(&Handler as &dyn Serve).serve();
    let p = p.stop().unwrap();
    let name = "<cpu::profile::Handler as cpu::profile::Serve>::serve";
    assert!(
        p.function.iter().any(|f| f.name == name),
        "{:?}",
        p.function.iter().map(|f| &f.name).collect::<Vec<_>>()
    );
}
