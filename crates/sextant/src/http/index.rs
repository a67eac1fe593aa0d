//! `/debug/pprof/`: the HTML index of every profile, byte for byte in Go 1.19's structure
//! (`Index` and `indexTmplExecute`).

use std::fmt::Write;

use super::message::Response;

/// One row of the index.
struct Entry {
    name: &'static str,
    desc: &'static str,
    count: usize,
}

/// What Go's index adds beside the named profiles, with Go's descriptions; `symbol`, which
/// Go serves but does not list (golang/go#69897); and `wall`, sextant's own.
const OTHERS: &[(&str, &str)] = &[
    (
        "cmdline",
        "The command line invocation of the current program",
    ),
    (
        "profile",
        "CPU profile. You can specify the duration in the seconds GET parameter. After you get \
         the profile file, use the go tool pprof command to investigate the profile.",
    ),
    (
        "symbol",
        "Function names of program counters: GET with the addresses in the query, or POST them \
         in the body, as 0x-prefixed numbers joined by +. go tool pprof uses it to symbolize.",
    ),
    (
        "trace",
        "A trace of execution of the current program. You can specify the duration in the \
         seconds GET parameter. After you get the trace file, use the go tool trace command to \
         investigate the trace. (Not implemented yet: answers 501.)",
    ),
    (
        "wall",
        "Wall-clock profile: every thread's stack, running or waiting, sampled in real time \
         (sextant's own, fgprof's answer). You can specify the duration in the seconds GET \
         parameter and the rate in hz.",
    ),
];

pub(crate) fn index() -> Response {
    let mut entries: Vec<Entry> = crate::profiles()
        .into_iter()
        .map(|p| Entry {
            name: p.name(),
            desc: p.description(),
            count: p.count(),
        })
        .collect();
    entries.extend(OTHERS.iter().map(|&(name, desc)| Entry {
        name,
        desc,
        count: 0,
    }));
    entries.sort_by_key(|e| e.name);
    Response::new(200, "text/html; charset=utf-8", page(&entries).into_bytes())
}

fn page(entries: &[Entry]) -> String {
    let mut b = String::from(
        "<html>
<head>
<title>/debug/pprof/</title>
<style>
.profile-name{
\tdisplay:inline-block;
\twidth:6rem;
}
</style>
</head>
<body>
/debug/pprof/<br>
<br>
Types of profiles available:
<table>
<thead><td>Count</td><td>Profile</td></thead>
",
    );
    for e in entries {
        // Go builds the link as url.URL{Path: name, RawQuery: "debug=1"}; names are plain
        // lowercase words, which it prints as they are.
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td><a href='{}?debug=1'>{}</a></td></tr>",
            e.count,
            e.name,
            escape(e.name)
        );
    }
    b.push_str(
        "</table>
<a href=\"goroutine?debug=2\">full goroutine stack dump</a>
<br>
<p>
Profile Descriptions:
<ul>
",
    );
    for e in entries {
        let _ = writeln!(
            b,
            "<li><div class=profile-name>{}: </div> {}</li>",
            escape(e.name),
            escape(e.desc)
        );
    }
    b.push_str("</ul>\n</p>\n</body>\n</html>");
    b
}

/// Go's `html.EscapeString`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_go_1_19_structure() {
        let entries = [
            Entry {
                name: "allocs",
                desc: "A sampling of all past memory allocations",
                count: 5,
            },
            Entry {
                name: "cmdline",
                desc: "x < y & \"z\"",
                count: 0,
            },
        ];
        // Go 1.19's index for these two rows, as indexTmplExecute writes it.
        let want = "<html>\n<head>\n<title>/debug/pprof/</title>\n<style>\n.profile-name{\n\tdisplay:inline-block;\n\twidth:6rem;\n}\n</style>\n</head>\n<body>\n/debug/pprof/<br>\n<br>\nTypes of profiles available:\n<table>\n<thead><td>Count</td><td>Profile</td></thead>\n<tr><td>5</td><td><a href='allocs?debug=1'>allocs</a></td></tr>\n<tr><td>0</td><td><a href='cmdline?debug=1'>cmdline</a></td></tr>\n</table>\n<a href=\"goroutine?debug=2\">full goroutine stack dump</a>\n<br>\n<p>\nProfile Descriptions:\n<ul>\n<li><div class=profile-name>allocs: </div> A sampling of all past memory allocations</li>\n<li><div class=profile-name>cmdline: </div> x &lt; y &amp; &#34;z&#34;</li>\n</ul>\n</p>\n</body>\n</html>";
        assert_eq!(page(&entries), want);
    }

    #[test]
    fn the_index_lists_every_route_sorted() {
        let r = index();
        let body = String::from_utf8(r.into_body()).unwrap();
        let names: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("<li><div class=profile-name>"))
            .filter_map(|l| l.split(':').next())
            .collect();
        let want = [
            "allocs",
            "block",
            "cmdline",
            "goroutine",
            "heap",
            "mutex",
            "profile",
            "symbol",
            "threadcreate",
            "threads",
            "trace",
            "wall",
        ];
        assert_eq!(names, want);
    }
}
