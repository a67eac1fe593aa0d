//! Go's own tools read our profiles: `go tool pprof -raw`, `-top`, `-traces`.
//!
//! CI installs Go; where `go` is not on PATH the test prints a note and passes.

use std::time::Duration;

use super::common::*;
use super::go::go_pprof;

#[test]
fn go_tool_pprof_reads_our_profiles() {
    let _g = serial();
    let p = sextant::cpu::ProfilerBuilder::new()
        .rate(200)
        .start()
        .unwrap();
    sextant::labels::with(&[("endpoint", "/api")], || burn(Duration::from_millis(300)));
    let p = p.stop().unwrap();
    let path = std::env::temp_dir().join(format!("sextant-interop-{}.pb.gz", std::process::id()));
    p.write(&mut std::fs::File::create(&path).unwrap()).unwrap();

    if let Some(raw) = go_pprof(&["-raw"], &path) {
        assert!(raw.contains("PeriodType: cpu nanoseconds"), "{raw}");
        assert!(raw.contains("samples/count cpu/nanoseconds"), "{raw}");
        assert!(raw.contains("cpu::common::spin"), "{raw}");
    }
    if let Some(top) = go_pprof(&["-top"], &path) {
        assert!(top.contains("cpu::common::spin"), "{top}");
    }
    if let Some(traces) = go_pprof(&["-traces"], &path) {
        assert!(
            traces.contains("endpoint:[/api]")
                || traces.contains("endpoint: /api")
                || traces.contains("/api"),
            "{traces}"
        );
        assert!(traces.contains("cpu::common::burn"), "{traces}");
    }
    if let Some(focused) = go_pprof(&["-top", "-tagfocus=endpoint=/api"], &path) {
        assert!(focused.contains("cpu::common::spin"), "{focused}");
    }
    std::fs::remove_file(&path).unwrap();
}
