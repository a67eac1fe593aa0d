//! `sextant pprof -flame` and `-folded` on Go's fixtures: the SVG is well-formed, self-contained
//! XML whose frames nest and are as wide as their values; the folded stacks are go tool pprof's
//! `-traces` samples, merged (Go's golden is the oracle), and honour the pipeline's options.

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use support::{output, testdata};

/// Runs `sextant pprof ARGS` in testdata/go and returns its stdout; panics on failure.
fn pprof(args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant"));
    cmd.arg("pprof").args(args);
    let (ok, stdout, stderr) = output(cmd);
    assert!(ok, "sextant pprof {args:?} failed: {stderr}");
    stdout
}

/// Parses folded stacks into stack -> value, checking each line's shape.
fn parse_folded(text: &str) -> BTreeMap<String, i64> {
    let mut stacks = BTreeMap::new();
    for line in text.lines() {
        let (stack, value) = line
            .rsplit_once(' ')
            .expect("a folded line ends in a value");
        assert!(!stack.is_empty() && !stack.starts_with(';') && !stack.ends_with(';'));
        let value: i64 = value.parse().expect("an integer value");
        assert!(
            stacks.insert(stack.to_string(), value).is_none(),
            "{stack} twice"
        );
    }
    stacks
}

/// A value as go tool pprof prints it in a CPU report (`380ms`, `1.10s`), in nanoseconds.
fn nanos(v: &str) -> i64 {
    let (num, scale) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1e6)
    } else if let Some(n) = v.strip_suffix("us") {
        (n, 1e3)
    } else if let Some(n) = v.strip_suffix("ns") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e9)
    } else {
        panic!("unknown unit in {v}")
    };
    (num.parse::<f64>().unwrap() * scale).round() as i64
}

/// Go's `-traces` output folded by hand: each sample's frames reversed (callers first),
/// `(inline)` marks dropped, identical stacks summed.
fn fold_go_traces(traces: &str) -> BTreeMap<String, i64> {
    const SEPARATOR: &str = "-----------+-------------------------------------------------------";
    let mut stacks: BTreeMap<String, i64> = BTreeMap::new();
    let body = &traces[traces.find(SEPARATOR).expect("a separator")..];
    for block in body.split(SEPARATOR) {
        let mut value = None;
        let mut frames: Vec<&str> = Vec::new();
        for line in block.lines().filter(|l| l.len() > 13) {
            let (head, rest) = line.split_at(10);
            if rest.starts_with(":  ") {
                continue; // a label line
            }
            let name = rest[3..].trim_end_matches(" (inline)");
            if !head.trim().is_empty() {
                value = Some(nanos(head.trim()));
            }
            frames.push(name);
        }
        if let Some(v) = value {
            frames.reverse();
            *stacks.entry(frames.join(";")).or_default() += v;
        }
    }
    stacks
}

#[test]
fn folded_stacks_are_go_traces_merged() {
    let want = fold_go_traces(
        &std::fs::read_to_string(testdata().join("golden-report/cpu.traces.txt")).unwrap(),
    );
    let got = parse_folded(&pprof(&["-folded", "go1.19.cpu.pb.gz"]));
    assert!(want.len() > 10, "only {} stacks in Go's traces", want.len());
    assert_eq!(got, want);
    // Go's header: "Total samples = 35.67s".
    assert_eq!(got.values().sum::<i64>(), 35_670_000_000);
}

#[test]
fn folded_honours_sample_index_and_focus() {
    // Go: `go tool pprof -top -sample_index=samples go1.19.cpu.pb.gz` says "of 3567 total".
    let samples = parse_folded(&pprof(&[
        "-folded",
        "-sample_index=samples",
        "go1.19.cpu.pb.gz",
    ]));
    assert_eq!(samples.values().sum::<i64>(), 3567);
    // -focus keeps the samples through a matching frame, with all their frames.
    let focused = parse_folded(&pprof(&["-folded", "-focus=queryDB", "go1.19.cpu.pb.gz"]));
    assert!(!focused.is_empty());
    assert!(focused.keys().all(|s| s.contains("main.queryDB")));
    let all = parse_folded(&pprof(&["-folded", "go1.19.cpu.pb.gz"]));
    let through: i64 = all
        .iter()
        .filter(|(s, _)| s.contains("main.queryDB"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(focused.values().sum::<i64>(), through);
    // -ignore drops them.
    let ignored = parse_folded(&pprof(&["-folded", "-ignore=queryDB", "go1.19.cpu.pb.gz"]));
    assert!(ignored.keys().all(|s| !s.contains("main.queryDB")));
    assert_eq!(
        ignored.values().sum::<i64>() + through,
        all.values().sum::<i64>()
    );
}

/// One frame of the SVG: its sample-unit offset, width and depth, pixel x and width, name.
#[derive(Debug)]
struct SvgFrame {
    o: i64,
    w: i64,
    d: u32,
    x: f64,
    width: f64,
    name: String,
}

/// Parses the SVG as XML (failing on any well-formedness error) and returns its frames.
fn svg_frames(svg: &str) -> Vec<SvgFrame> {
    let doc = roxmltree::Document::parse(svg).expect("the flame graph is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let scripts: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("script"))
        .collect();
    assert_eq!(scripts.len(), 1, "one inline script");
    let script = scripts[0].text().unwrap_or("");
    assert!(script.contains("addEventListener") && script.len() > 1000);
    assert!(root.descendants().any(|n| n.has_tag_name("style")));
    for n in root.descendants() {
        for a in n.attributes() {
            assert!(
                !matches!(a.name(), "href" | "src"),
                "{} links to {}",
                n.tag_name().name(),
                a.value()
            );
        }
    }
    root.descendants()
        .filter(|n| n.attribute("class") == Some("f"))
        .map(|g| {
            let num = |n: roxmltree::Node<'_, '_>, a: &str| -> f64 {
                n.attribute(a).unwrap().parse().unwrap()
            };
            let rect = g.children().find(|c| c.has_tag_name("rect")).unwrap();
            let title = g.children().find(|c| c.has_tag_name("title")).unwrap();
            let title = title.text().unwrap();
            SvgFrame {
                o: g.attribute("data-o").unwrap().parse().unwrap(),
                w: g.attribute("data-w").unwrap().parse().unwrap(),
                d: g.attribute("data-d").unwrap().parse().unwrap(),
                x: num(rect, "x"),
                width: num(rect, "width"),
                name: title[..title.rfind(" (").unwrap()].to_string(),
            }
        })
        .collect()
}

#[test]
fn flame_graph_is_self_contained_well_formed_svg() {
    let svg = pprof(&["-flame", "go1.19.cpu.pb.gz"]);
    let frames = svg_frames(&svg);
    // No reference leaves the file: the only URLs are the XML namespaces.
    let rest = svg
        .replace("http://www.w3.org/2000/svg", "")
        .replace("http://www.w3.org/1999/xhtml", "");
    assert!(!rest.contains("://"), "a URL other than a namespace");
    assert!(!rest.contains("url(") && !rest.contains("@import"));
    // Every distinct path of the folded stacks is one frame, plus the root.
    let folded = parse_folded(&pprof(&["-folded", "go1.19.cpu.pb.gz"]));
    let mut paths = std::collections::BTreeSet::new();
    for stack in folded.keys() {
        let parts: Vec<&str> = stack.split(';').collect();
        for k in 1..=parts.len() {
            paths.insert(parts[..k].join(";"));
        }
    }
    assert!(!svg.contains("left out"), "no frame is too narrow here");
    assert_eq!(frames.len(), paths.len() + 1);
    assert_eq!(frames[0].name, "all");
}

#[test]
fn children_fit_inside_their_parent_and_widths_follow_values() {
    let svg = pprof(&["-flame", "go1.19.cpu.pb.gz"]);
    let frames = svg_frames(&svg);
    let total = frames[0].w;
    // 35.67 s of samples in 1180 px.
    assert_eq!(total, 35_670_000_000);
    let px = 1180.0 / total as f64;
    for f in &frames {
        assert!((f.width - f.w as f64 * px).abs() < 0.006, "{f:?}");
        assert!((f.x - (10.0 + f.o as f64 * px)).abs() < 0.006, "{f:?}");
        if f.d == 0 {
            continue;
        }
        let parents: Vec<&SvgFrame> = frames
            .iter()
            .filter(|p| p.d + 1 == f.d && p.o <= f.o && f.o + f.w <= p.o + p.w)
            .collect();
        assert_eq!(parents.len(), 1, "{f:?} has no single parent");
        let p = parents[0];
        let kids: i64 = frames
            .iter()
            .filter(|c| c.d == f.d && p.o <= c.o && c.o + c.w <= p.o + p.w)
            .map(|c| c.w)
            .sum();
        assert!(kids <= p.w, "children of {p:?} outgrow it");
    }
}

#[test]
fn diff_base_flame_graph_colours_growth_and_shrinkage() {
    let svg = pprof(&["-flame", "-diff_base=go1.19.cpu2.pb.gz", "go1.19.cpu.pb.gz"]);
    let frames = svg_frames(&svg);
    assert!(svg.contains("Differential flame graph"));
    // Width is old + new: cpu2 holds 11.90 s, cpu 35.67 s (Go's -top headers).
    assert_eq!(frames[0].w, 11_900_000_000 + 35_670_000_000);
    // cpu.pb.gz has more of every function than cpu2.pb.gz's 12 s: the root is red.
    assert!(svg.contains("<title>all (11.90s → 35.67s, +23.77s, +199.75%)</title>"));
}

#[test]
fn flame_graph_goes_to_the_output_file() {
    let out = std::env::temp_dir().join(format!("sextant-flame-{}.svg", std::process::id()));
    let stdout = pprof(&[
        "-flame",
        &format!("-output={}", out.display()),
        "go1.19.heap.pb.gz",
    ]);
    assert!(stdout.is_empty());
    let svg = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let frames = svg_frames(&svg);
    assert!(frames.len() > 3);
    assert!(svg.contains("Type: inuse_space"));
}

#[test]
fn flame_graph_values_follow_unit() {
    // 35.67 s in milliseconds, as pprof's -unit=ms scales it.
    let svg = pprof(&["-flame", "-unit=ms", "go1.19.cpu.pb.gz"]);
    assert!(
        svg.contains("<title>all (35670ms, 100.00%)</title>"),
        "no ms root title"
    );
    // Without -unit each value takes its own best unit.
    let svg = pprof(&["-flame", "go1.19.cpu.pb.gz"]);
    assert!(svg.contains("<title>all (35.67s, 100.00%)</title>"));
}

#[test]
fn folded_base_profile_holds_the_net_change() {
    // Go's -top headers: 35.67 s in cpu.pb.gz, 11.90 s in cpu2.pb.gz.
    let net = parse_folded(&pprof(&[
        "-folded",
        "-base=go1.19.cpu2.pb.gz",
        "go1.19.cpu.pb.gz",
    ]));
    assert_eq!(net.values().sum::<i64>(), 35_670_000_000 - 11_900_000_000);
    assert!(net.values().any(|&v| v < 0), "some stack shrank");
}
