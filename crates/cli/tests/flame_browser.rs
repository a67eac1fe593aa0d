//! The flame graph's script, run by a real browser: headless Chromium opens the SVG with a
//! link fragment (`#s=` search, `#z=` zoom, `#inverted`), lets the script run, and dumps the
//! resulting DOM, which is checked against go tool pprof's numbers and hand arithmetic.
//! Skipped with a note when Chromium is not installed (Debian's `chromium` package).

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::{output, testdata};

/// The DOM after the script ran on the CPU fixture's flame graph opened at `fragment`; `None`
/// when there is no Chromium.
fn dom(fragment: &str) -> Option<String> {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant"));
    cmd.args(["pprof", "-flame", "go1.19.cpu.pb.gz"]);
    let (ok, svg, stderr) = output(cmd);
    assert!(ok, "{stderr}");
    // Tests run at once: each its own file and browser profile directory (a second browser
    // on one directory hands its page to the first).
    let stem = format!(
        "sextant-flame-browser-{}-{}",
        std::process::id(),
        fragment.replace(['=', '.', '&'], "_")
    );
    let file: PathBuf = std::env::temp_dir().join(format!("{stem}.svg"));
    let profile_dir = std::env::temp_dir().join(stem);
    std::fs::write(&file, svg).unwrap();
    // `timeout` bounds a browser that hangs; the virtual time budget lets the load event fire.
    let out = Command::new("timeout")
        .args([
            "120",
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .args(["--virtual-time-budget=3000", "--dump-dom"])
        .arg(format!("file://{}#{fragment}", file.display()))
        .current_dir(testdata())
        .output()
        .expect("running chromium");
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir_all(&profile_dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// (class, title, x, width, y) of each frame in the dumped DOM.
fn frames(dom: &str) -> Vec<(String, String, f64, f64, f64)> {
    let re = regex::Regex::new(
        r#"<g class="(f[^"]*)"[^>]*><title>([^<]*)</title><rect x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)""#,
    )
    .unwrap();
    re.captures_iter(dom)
        .map(|c| {
            let num = |i: usize| c[i].parse::<f64>().unwrap();
            (c[1].to_string(), c[2].to_string(), num(3), num(5), num(4))
        })
        .collect()
}

fn title<'a>(
    fs: &'a [(String, String, f64, f64, f64)],
    prefix: &str,
) -> &'a (String, String, f64, f64, f64) {
    fs.iter()
        .find(|f| f.1.starts_with(prefix))
        .unwrap_or_else(|| panic!("no frame {prefix}"))
}

#[test]
fn search_shows_the_share_go_tool_pprof_gives() {
    let Some(dom) = dom("s=walkTree") else {
        println!("note: chromium is not installed; skipping the browser checks");
        return;
    };
    // go tool pprof -top go1.19.cpu.pb.gz: main.walkTree has a cum of 17.91%.
    assert!(
        dom.contains("Matched: 17.91% ("),
        "no matched share in the DOM"
    );
    let fs = frames(&dom);
    let matched: Vec<_> = fs.iter().filter(|f| f.0.contains("match")).collect();
    assert!(!matched.is_empty());
    assert!(matched.iter().all(|f| f.1.starts_with("main.walkTree ")));
    assert!(
        fs.iter()
            .filter(|f| f.1.starts_with("main.walkTree "))
            .all(|f| f.0.contains("match"))
    );
}

#[test]
fn click_zoom_fills_the_width_with_the_frame() {
    let Some(dom) = dom("z=main.processRequest") else {
        println!("note: chromium is not installed; skipping the browser checks");
        return;
    };
    let fs = frames(&dom);
    // The zoomed frame spans the 1180 px between the margins; its callers stay, dimmed.
    let zoomed = title(&fs, "main.processRequest ");
    assert_eq!((zoomed.2, zoomed.3), (10.0, 1180.0));
    assert!(title(&fs, "all ").0.contains("dim"));
    // A callee keeps its share of the zoomed frame: main.parseJSON is 8.62 s of 35.59 s
    // (go tool pprof -top -cum: 8.62s cum for parseJSON, 35.59s for processRequest).
    let parse = title(&fs, "main.parseJSON ");
    assert!((parse.3 - 1180.0 * 8.62 / 35.59).abs() < 0.5, "{parse:?}");
    // Frames outside the zoomed one are hidden.
    assert!(title(&fs, "main.keep ").0.contains("hide"));
}

#[test]
fn invert_puts_the_root_on_top() {
    let Some(dom) = dom("inverted") else {
        println!("note: chromium is not installed; skipping the browser checks");
        return;
    };
    let fs = frames(&dom);
    let (root, main) = (title(&fs, "all "), title(&fs, "main.runCPUWorkload.func2 "));
    // Below the 70 px header, one 16 px row per depth.
    assert_eq!((root.4, main.4), (70.0, 86.0));
}
