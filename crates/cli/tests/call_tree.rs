//! `-call_tree` where go tool pprof's own output varies from run to run.
//!
//! pprof sorts the nodes of a call tree, and their label nodelets, with `sort.Sort` over maps:
//! nodes that tie on score, name and flat value (the same function in two contexts, common in
//! a tree) come out in a random order, so `-dot -call_tree` on goroutine, diff and address
//! profiles and `-callgrind -call_tree` on CPU profiles print differently on each run (the
//! stable cases are goldens under testdata/go/golden-report). Here sextant's output must equal
//! one of Go's runs once the tie order is taken out: DOT node numbers replaced by the node's
//! label, callgrind's compressed names and relative addresses expanded, lines or blocks
//! compared as sets. Without Go the tests skip with a note, and fail when CI is set.

mod support;

use std::collections::HashMap;
use std::process::Command;

use regex::Regex;
use support::{output, testdata};

/// Go runs per case at most: tie orders that change which nodes pass `-nodecount` need a few.
const GO_RUNS: usize = 8;

/// Whether go (1.19, whose pprof this matches) is here; a note, or a failure under CI, if not.
fn have_go() -> bool {
    let version = Command::new("go").args(["env", "GOVERSION"]).output();
    let version = match version {
        Ok(v) if v.status.success() => String::from_utf8_lossy(&v.stdout).trim().to_string(),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "go is not on PATH, and CI is set: CI must install Go 1.19"
            );
            println!("note: go is not on PATH; skipping the -call_tree comparisons");
            return false;
        }
    };
    if !version.starts_with("go1.19") {
        println!("note: these checks need Go 1.19's pprof, found {version}; skipping");
        return false;
    }
    true
}

/// Runs `program` (`go tool pprof` or `sextant pprof`) with `args` in testdata/go, with no
/// binary to be found for the mappings.
fn run(go: bool, args: &[&str]) -> String {
    let empty = std::env::temp_dir().join(format!("sextant-call-tree-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&empty);
    let mut cmd = if go {
        let mut c = Command::new("go");
        c.args(["tool", "pprof"]);
        c
    } else {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sextant"));
        c.arg("pprof");
        c
    };
    cmd.args(args)
        .current_dir(testdata())
        .env("PPROF_BINARY_PATH", &empty);
    let (ok, stdout, stderr) = output(cmd);
    let who = if go { "go tool pprof" } else { "sextant pprof" };
    assert!(ok, "{who} {} failed:\n{stderr}", args.join(" "));
    stdout
}

/// A DOT graph without its numbering: each `N<id>` reference becomes the node's label and
/// tooltip, nodelet numbers are dropped, and the lines are sorted.
fn canonical_dot(dot: &str) -> Vec<String> {
    let node = Regex::new(r#"^N(\d+) \[label="([^"]*)".*tooltip="([^"]*)""#).unwrap();
    let reference = Regex::new(r"\bN(\d+)(_\d+)?\b").unwrap();
    let node_id = Regex::new(r#"id="node\d+""#).unwrap();
    let nodelet_id = Regex::new(r#"id="N\d+_\d+""#).unwrap();
    let labels: HashMap<String, String> = dot
        .lines()
        .filter_map(|l| node.captures(l))
        .map(|c| (c[1].to_string(), format!("{}|{}", &c[2], &c[3])))
        .collect();
    let mut lines: Vec<String> = dot
        .lines()
        .map(|l| {
            let l = node_id.replace_all(l, "");
            let l = nodelet_id.replace_all(&l, "id=nodelet");
            reference
                .replace_all(&l, |c: &regex::Captures<'_>| {
                    let label = labels.get(&c[1]).map_or("?", String::as_str);
                    let nodelet = if c.get(2).is_some() { "_" } else { "" };
                    format!("<{label}>{nodelet}")
                })
                .into_owned()
        })
        .collect();
    lines.sort();
    lines
}

/// A callgrind report as a sorted list of blocks, each a node's object, file, function,
/// absolute address, line and cost with its calls (callee file, function with its
/// disambiguation index dropped, address, line, cost) sorted.
fn canonical_callgrind(text: &str) -> Vec<String> {
    // `(n) name` defines a compressed name, `(n)` uses it.
    fn expand(v: &str, names: &mut HashMap<String, String>) -> String {
        let Some(rest) = v.strip_prefix('(') else {
            return v.to_string();
        };
        let Some((id, name)) = rest.split_once(')') else {
            return v.to_string();
        };
        match name.strip_prefix(' ') {
            Some(name) => {
                names.insert(id.to_string(), name.to_string());
                name.to_string()
            }
            None => names.get(id).cloned().unwrap_or_else(|| format!("?{id}")),
        }
    }
    let index = Regex::new(r" \[\d+/(\d+)\]$").unwrap();
    let (mut obs, mut files, mut fns) = (HashMap::new(), HashMap::new(), HashMap::new());
    let (mut ob, mut fl, mut func, mut cfl, mut cfn) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    let mut prev = 0i64;
    let absolute = |a: &str, prev: i64| -> i64 {
        match a {
            "*" => prev,
            _ if a.starts_with('+') || a.starts_with('-') => prev + a.parse::<i64>().unwrap(),
            _ => i64::from_str_radix(a.trim_start_matches("0x"), 16).unwrap(),
        }
    };
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for l in text.lines() {
        if let Some(v) = l.strip_prefix("ob=") {
            ob = expand(v, &mut obs);
        } else if let Some(v) = l.strip_prefix("fl=") {
            fl = expand(v, &mut files);
        } else if let Some(v) = l.strip_prefix("fn=") {
            func = expand(v, &mut fns);
        } else if let Some(v) = l.strip_prefix("cfl=") {
            cfl = expand(v, &mut files);
        } else if let Some(v) = l.strip_prefix("cfn=") {
            cfn = index.replace(&expand(v, &mut fns), " [?/$1]").into_owned();
        } else if let Some(v) = l.strip_prefix("calls=0 ") {
            let (addr, line) = v.split_once(' ').unwrap();
            let call = format!("{cfl}|{cfn}|{:x}|{line}", absolute(addr, prev));
            blocks.last_mut().unwrap().1.push(call);
        } else if let Some(cost) = l.strip_prefix("* * ") {
            let block = blocks.last_mut().unwrap();
            block.1.last_mut().unwrap().push_str(&format!("|{cost}"));
        } else if let [addr, line, cost] = l.split(' ').collect::<Vec<_>>()[..]
            && (addr == "*" || addr.starts_with(['+', '-']) || addr.starts_with("0x"))
        {
            prev = absolute(addr, prev);
            blocks.push((
                format!("{ob}|{fl}|{func}|{prev:x}|{line}|{cost}"),
                Vec::new(),
            ));
        }
    }
    let mut out: Vec<String> = blocks
        .into_iter()
        .map(|(node, mut calls)| {
            calls.sort();
            format!("{node} -> {}", calls.join(", "))
        })
        .collect();
    out.sort();
    out
}

/// Checks that sextant's output for `args` equals, canonically, one of Go's runs.
fn matches_a_go_run(args: &[&str], canonical: fn(&str) -> Vec<String>) {
    let ours = run(false, args);
    let want_ours = canonical(&ours);
    assert!(want_ours.len() > 5, "too little output to compare:\n{ours}");
    let mut last = String::new();
    for _ in 0..GO_RUNS {
        let go = run(true, args);
        if canonical(&go) == want_ours {
            return;
        }
        last = go;
    }
    let go = canonical(&last);
    let only_go: Vec<_> = go
        .iter()
        .filter(|l| !want_ours.contains(l))
        .take(3)
        .collect();
    let only_ours: Vec<_> = want_ours
        .iter()
        .filter(|l| !go.contains(l))
        .take(3)
        .collect();
    panic!(
        "sextant pprof {} matches none of {GO_RUNS} go tool pprof runs, tie order aside;\n\
         only in Go's last: {only_go:#?}\nonly in ours: {only_ours:#?}",
        args.join(" ")
    );
}

#[test]
fn dot_call_tree_is_one_of_go_tool_pprofs_orders() {
    if !have_go() {
        return;
    }
    for args in [
        &["-dot", "-call_tree", "go1.19.goroutine.pb.gz"][..],
        &["-dot", "-call_tree", "go1.19.allocs.delta.pb.gz"],
        &["-dot", "-call_tree", "-addresses", "go1.19.cpu2.pb.gz"],
        &[
            "-dot",
            "-call_tree",
            "-diff_base=go1.19.cpu2.pb.gz",
            "go1.19.cpu.pb.gz",
        ],
        &[
            "-dot",
            "-call_tree",
            "-lines",
            "-nodecount=20",
            "go1.19.cpu2.pb.gz",
        ],
    ] {
        matches_a_go_run(args, canonical_dot);
    }
}

#[test]
fn callgrind_call_tree_is_one_of_go_tool_pprofs_orders() {
    if !have_go() {
        return;
    }
    for p in [
        "go1.19.cpu.pb.gz",
        "go1.19.cpu2.pb.gz",
        "go1.19.allocs.pb.gz",
    ] {
        matches_a_go_run(&["-callgrind", "-call_tree", p], canonical_callgrind);
    }
}

#[test]
fn canonical_forms_still_tell_outputs_apart() {
    // The comparison must not be so loose that a call graph passes for a call tree.
    let graph = std::fs::read_to_string(testdata().join("golden-report/cpu.dot.txt")).unwrap();
    let tree =
        std::fs::read_to_string(testdata().join("golden-report/cpu.call_tree.dot.txt")).unwrap();
    assert_ne!(canonical_dot(&graph), canonical_dot(&tree));
    // Numbering aside: N1 and N2 swapped is the same graph.
    let swap = Regex::new(r"\bN([12])(_\d+)?\b").unwrap();
    let renumbered = swap.replace_all(&tree, |c: &regex::Captures<'_>| {
        let other = if &c[1] == "1" { "N2" } else { "N1" };
        format!("{other}{}", c.get(2).map_or("", |m| m.as_str()))
    });
    assert_ne!(renumbered, tree);
    assert_eq!(canonical_dot(&tree), canonical_dot(&renumbered));
    let cg = std::fs::read_to_string(testdata().join("golden-report/mutex.callgrind.txt")).unwrap();
    let cg_tree =
        std::fs::read_to_string(testdata().join("golden-report/mutex.call_tree.callgrind.txt"))
            .unwrap();
    assert_ne!(canonical_callgrind(&cg), canonical_callgrind(&cg_tree));
}
