//! `sextant pprof -http`: the web UI served by the real binary, asked over loopback.
//!
//! Each test starts `sextant pprof -http=127.0.0.1:0 -no_browser` on a Go-written profile,
//! reads the URL it prints, and GETs views with a small client. The Top view must list the
//! rows go tool pprof's `-top` prints for the same options (the goldens under
//! `testdata/go/golden-report`), URL parameters must act as the flags they stand for, and
//! errors must come back as pages with Go's status codes.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::testdata;

/// Bound on any wait for the server (its start, one response): a debug build reporting on a
/// small profile answers in well under a second; the bound only keeps a broken build from
/// hanging the test run.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A running `sextant pprof -http` process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the web UI on the CPU fixture with `extra` flags before the profile.
fn start(extra: &[&str]) -> Server {
    start_with_env(extra, &[])
}

/// [`start`] with environment variables set for the server.
fn start_with_env(extra: &[&str], env: &[(&str, &std::path::Path)]) -> Server {
    let mut args = vec![
        "pprof",
        "-http=127.0.0.1:0",
        "-no_browser",
        "-source_path=gen",
    ];
    args.extend_from_slice(extra);
    args.push("go1.19.cpu.pb.gz");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sextant"))
        .args(&args)
        .current_dir(testdata())
        .env("TZ", "UTC")
        .envs(env.iter().map(|&(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning sextant");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut server = Server { child, port: 0 };
    loop {
        let line = rx
            .recv_timeout(TIMEOUT)
            .expect("sextant printed no 'Serving web UI on' line");
        if let Some(url) = line.strip_prefix("Serving web UI on http://127.0.0.1:") {
            server.port = url.parse().expect("a port number");
            return server;
        }
    }
}

/// A response: status, headers (names lowercased) and body.
struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// GETs `path` (with its query, already encoded) from the server.
fn get(s: &Server, path: &str) -> Got {
    let mut conn = TcpStream::connect(("127.0.0.1", s.port)).expect("connecting to the UI");
    conn.set_read_timeout(Some(TIMEOUT)).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
        s.port
    )
    .unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("reading the response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    Got {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The rows of the Top view's table: flat, flat%, sum%, cum, cum%, name, inlined.
fn table_rows(html: &str) -> Vec<Vec<String>> {
    let body = html
        .split_once("<tbody>")
        .and_then(|(_, b)| b.split_once("</tbody>"))
        .expect("a table body")
        .0;
    body.split("</tr>")
        .filter(|r| r.contains("<td"))
        .map(|r| {
            r.split("<td")
                .skip(1)
                .map(|c| {
                    let c = &c[c.find('>').expect("a cell") + 1..];
                    unescape(&c[..c.find("</td>").expect("a closed cell")])
                })
                .collect()
        })
        .collect()
}

/// The rows of a go tool pprof `-top` golden, split into the same columns.
fn golden_rows(golden: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(testdata().join("golden-report").join(golden))
        .unwrap_or_else(|e| panic!("reading {golden}: {e}"));
    let mut lines = text.lines();
    for l in lines.by_ref() {
        if l.trim_start().starts_with("flat  flat%") {
            break;
        }
    }
    lines
        .map(|l| {
            let mut cols: Vec<String> = l.split_whitespace().take(5).map(String::from).collect();
            let rest = l.split_whitespace().skip(5).collect::<Vec<_>>().join(" ");
            let (name, inline) = match rest.rsplit_once(' ') {
                Some((n, i)) if i.starts_with('(') && i.ends_with("inline)") => (n, i),
                _ => (rest.as_str(), ""),
            };
            cols.push(name.to_string());
            cols.push(inline.to_string());
            cols
        })
        .collect()
}

/// Whether Graphviz's dot can run; without it the graph view answers 501 (CI installs it).
fn have_dot() -> bool {
    let ok = Command::new("dot")
        .arg("-V")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "Graphviz's dot is not installed (CI installs the graphviz package)"
    );
    ok
}

#[test]
fn top_lists_the_rows_of_go_tool_pprof_top() {
    let s = start(&[]);
    let got = get(&s, "/ui/top");
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("text/html; charset=utf-8"));
    let html = got.text();
    assert_eq!(table_rows(&html), golden_rows("cpu.top.txt"));
    assert!(
        html.contains("<title>gen cpu</title>"),
        "title from File: and Type:"
    );
    assert!(html.contains("<div>Duration: 105.77s, Total samples = 35.67s (33.72%)</div>"));
}

#[test]
fn url_parameters_act_as_the_flags_they_stand_for() {
    let s = start(&[]);
    let got = get(&s, "/ui/top?i=walkTree&sort=cum");
    assert_eq!(got.status, 200);
    assert_eq!(
        table_rows(&got.text()),
        golden_rows("cpu.ignore=walkTree.cum.top.txt")
    );
    let got = get(
        &s,
        "/ui/top?f=walkTree&i=parseJSON&h=runtime&s=main%5C.&tf=worker%3D%5E1",
    );
    assert_eq!(got.status, 200);
    let html = got.text();
    assert_eq!(
        table_rows(&html),
        golden_rows(
            "cpu.focus=walkTree.ignore=parseJSON.hide=runtime.show=main..tagfocus=worker=^1.top.txt"
        )
    );
    assert!(
        html.contains("<div>   focus=walkTree</div>"),
        "active filters in the details"
    );
    // The search box's Enter sets f=, which is -focus.
    let focused = table_rows(&get(&s, "/ui/top?f=queryDB").text());
    assert!(focused.iter().any(|r| r[5] == "main.marshalSQL"));
    assert!(focused.iter().all(|r| r[5] != "main.walkTree"));
}

#[test]
fn command_line_options_are_the_defaults_of_every_view() {
    let s = start(&["-cum", "-ignore=walkTree"]);
    let html = get(&s, "/ui/top").text();
    assert_eq!(
        table_rows(&html),
        golden_rows("cpu.ignore=walkTree.cum.top.txt")
    );
}

#[test]
fn graph_view_embeds_graphvizs_svg_with_selectable_nodes() {
    if !have_dot() {
        println!("note: Graphviz's dot is not installed; skipping the graph view");
        return;
    }
    let s = start(&[]);
    let got = get(&s, "/ui/");
    assert_eq!(got.status, 200);
    let html = got.text();
    assert!(html.contains("<div id=\"graph\"><svg"));
    assert!(html.contains("<g id=\"node1\" class=\"node\">"));
    assert!(html.contains("<title>N1</title>"));
    // The legend moves to the details box, so the drawing starts with the graph's nodes.
    assert!(!html.contains("cluster_L"));
    assert!(html.contains("<div>Type: cpu</div>"));
    // The node names the selection and the Refine menu work on, by node id.
    let nodes = html
        .split_once("<script id=\"nodes-data\" type=\"application/json\">")
        .and_then(|(_, r)| r.split_once("</script>"))
        .expect("the node names")
        .0;
    assert!(
        nodes.starts_with("[\"\",\"main.processRequest\","),
        "{nodes}"
    );
    assert!(nodes.contains("\"main.marshalSQL\""));
    // -focus applies to the graph too.
    let focused = get(&s, "/ui/?f=walkTree").text();
    assert!(focused.contains("walkTree"));
    assert!(!focused.contains("marshalSQL"));
}

#[test]
fn flame_graph_view_loads_the_flame_svg_with_the_same_options() {
    let s = start(&[]);
    let page = get(&s, "/ui/flamegraph?f=queryDB");
    assert_eq!(page.status, 200);
    assert!(page.text().contains(
        "<iframe id=\"flame\" title=\"flame graph\" src=\"./flamegraph.svg?f=queryDB\">"
    ));
    let svg = get(&s, "/ui/flamegraph.svg?f=queryDB");
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    let svg = svg.text();
    assert!(
        svg.starts_with("<?xml") || svg.starts_with("<svg"),
        "{}",
        &svg[..80]
    );
    assert!(svg.contains("main.marshalSQL"));
    assert!(
        !svg.contains("main.walkTree"),
        "focus=queryDB leaves walkTree out"
    );
}

#[test]
fn source_view_shows_the_list_rows() {
    let s = start(&[]);
    let got = get(&s, "/ui/source?f=main.scan");
    assert_eq!(got.status, 200);
    let html = unescape(&got.text());
    let golden = std::fs::read_to_string(
        testdata().join("golden-report/cpu.source_path=gen.list=main.scan.txt"),
    )
    .unwrap();
    let rows: Vec<&str> = golden
        .lines()
        .filter(|l| l.contains(':') && !l.contains("ROUTINE") && !l.contains("(flat, cum)"))
        .filter(|l| !l.starts_with("Total:"))
        .collect();
    assert!(rows.len() > 10);
    for row in rows {
        assert!(
            html.contains(&format!("\">{row}</span>")),
            "missing row {row:?}"
        );
    }
    assert!(html.contains(
        "<span class=\"line live\">     350ms      4.95s    139:\tif isSpace(c) {</span>"
    ));
    assert!(html.contains("<h2>main.scanByte <span class=\"file\">cpu.go</span></h2>"));
}

#[test]
fn peek_view_shows_callers_and_callees_by_line() {
    let s = start(&[]);
    let got = get(&s, "/ui/peek?f=isSpace");
    assert_eq!(got.status, 200);
    let html = got.text();
    assert!(html.contains("flat  flat%   sum%        cum   cum%   calls calls% + context"));
    // Peek is at line granularity in the web UI, as in pprof's.
    assert!(html.contains("| main.isSpace cpu.go:145"), "{html}");
}

#[test]
fn errors_come_back_with_gos_status_codes() {
    let s = start(&[]);
    let nope = get(&s, "/ui/nope");
    assert_eq!(nope.status, 404);
    assert_eq!(nope.text(), "404 page not found\n");
    let bad = get(&s, "/ui/top?f=%28");
    assert_eq!(bad.status, 400);
    // The message names the option and the regexp's error (its wording is the pipeline's).
    let text = bad.text();
    assert!(text.contains("focus") && text.contains("regexp"), "{text}");
    let bad = get(&s, "/ui/top?n=x");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains(
        "error setting config field nodecount: strconv.Atoi: parsing &quot;x&quot;: invalid syntax"
    ));
    let bad = get(&s, "/ui/top?si=nosuch");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("sample_index"));
    let root = get(&s, "/?f=x");
    assert_eq!(root.status, 307);
    assert_eq!(root.header("location"), Some("/ui/?f=x"));
}

#[test]
fn download_returns_the_loaded_profile() {
    let s = start(&[]);
    let got = get(&s, "/ui/download");
    assert_eq!(got.status, 200);
    assert_eq!(
        got.header("content-disposition"),
        Some("attachment;filename=profile.pb.gz")
    );
    assert_eq!(&got.body[..2], &[0x1f, 0x8b], "gzip");
    let served = sextant_profile::Profile::parse(&got.body).expect("a profile");
    let file = std::fs::read(testdata().join("go1.19.cpu.pb.gz")).unwrap();
    let original = sextant_profile::Profile::parse(&file).unwrap();
    // Loading merges identical samples, as pprof's fetch does: the totals stay.
    let totals = |p: &sextant_profile::Profile| {
        (0..p.sample_type.len())
            .map(|i| p.sample.iter().map(|s| s.value[i]).sum::<i64>())
            .collect::<Vec<_>>()
    };
    assert_eq!(served.sample_type, original.sample_type);
    assert_eq!(totals(&served), totals(&original));
    assert!(!served.sample.is_empty());
}

#[test]
fn the_server_exits_when_killed_and_stops_answering() {
    let mut s = start(&[]);
    assert_eq!(get(&s, "/ui/top").status, 200);
    s.child.kill().unwrap();
    let status = s.child.wait().unwrap();
    assert!(!status.success());
    assert!(TcpStream::connect(("127.0.0.1", s.port)).is_err());
}

#[test]
fn http_conflicts_are_usage_errors() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sextant"))
            .args(args)
            .current_dir(testdata())
            .output()
            .unwrap()
    };
    let out = run(&["pprof", "-http=:0", "-top", "go1.19.cpu.pb.gz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("-http is not compatible with an output format on the command line")
    );
    let out = run(&["pprof", "-no_browser", "-top", "go1.19.cpu.pb.gz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("-no_browser only makes sense with -http")
    );
    let out = run(&["pprof", "-http=nohostport", "go1.19.cpu.pb.gz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not split http address"));
}

#[test]
fn configs_are_saved_in_gos_settings_file_and_offered_in_the_menu() {
    let dir = std::env::temp_dir().join(format!("sextant-web-configs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let s = start_with_env(&[], &[("XDG_CONFIG_HOME", &dir)]);
    let saved = get(
        &s,
        "/ui/saveconfig?config=mine&f=walkTree&trim=f&si=samples",
    );
    assert_eq!(saved.status, 200, "{}", saved.text());
    let file = dir.join("pprof/settings.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("settings.json")).unwrap();
    // Go's config with empty values left out: focus set, trim false (so absent), the
    // non-zero defaults kept, the sample index not saved.
    let entry = &json["configs"][0];
    assert_eq!(entry["name"], "mine");
    assert_eq!(entry["focus"], "walkTree");
    assert_eq!(entry["unit"], "minimum");
    assert_eq!(entry["nodecount"], -1);
    assert_eq!(entry["granularity"], "functions");
    assert!(entry.get("trim").is_none() && entry.get("sample_index").is_none());
    // The menu links the entry to the current page; it is marked where the page matches it.
    let top = get(&s, "/ui/top?si=samples").text();
    assert!(
        top.contains(
            "<a class=\"config-entry\" href=\"?f=walkTree&amp;si=samples&amp;trim=f\">mine"
        ),
        "{top}"
    );
    assert!(top.contains("\u{2713} Default"));
    let here = get(&s, "/ui/top?f=walkTree&trim=f").text();
    assert!(here.contains("\u{2713} mine"));
    assert_eq!(get(&s, "/ui/deleteconfig?config=mine").status, 200);
    let again = get(&s, "/ui/deleteconfig?config=mine");
    assert_eq!(
        (again.status, again.text().as_str()),
        (400, "config mine not found\n")
    );
    assert_eq!(
        get(&s, "/ui/saveconfig?f=x").status,
        400,
        "a name is required"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
