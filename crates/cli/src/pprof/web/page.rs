//! The HTML around every view: the header bar (view, sample and refine menus, download, search
//! box, details), the error lines, then the view's body. The style and script are ours, kept
//! under `web/ui/` and built into the binary.

use std::fmt::Write as _;

/// The stylesheet of every page.
const CSS: &str = include_str!("../../../../../web/ui/common.css");
/// The script of every page: menus, selection, search, graph pan/zoom, table sorting.
const VIEWER_JS: &str = include_str!("../../../../../web/ui/viewer.js");
/// The source view's script: a click on a line opens its instructions.
const WEBLIST_JS: &str = super::weblist::WEBLIST_JS;

/// The views of the View menu: (id, path, label, help), in go tool pprof's order.
const VIEWS: &[(&str, &str, &str, &str)] = &[
    (
        "topbtn",
        "./top",
        "Top",
        "Show the top functions, as a sortable table",
    ),
    ("graphbtn", "./", "Graph", "Show the call graph"),
    (
        "flamegraph",
        "./flamegraph",
        "Flame Graph",
        "Show the profile as a flame graph",
    ),
    (
        "peek",
        "./peek",
        "Peek",
        "Show callers and callees of the selected functions",
    ),
    (
        "list",
        "./source",
        "Source",
        "Show source code annotated with the profile",
    ),
    (
        "disasm",
        "./disasm",
        "Disassemble",
        "Show the machine code annotated with the profile",
    ),
];

/// The entries of the Refine menu: (id, label, help).
const REFINE: &[(&str, &str, &str)] = &[
    (
        "focus",
        "Focus",
        "Keep only samples that pass through the selection",
    ),
    (
        "ignore",
        "Ignore",
        "Drop samples that pass through the selection",
    ),
    (
        "hide",
        "Hide",
        "Remove the selection's frames from every sample",
    ),
    (
        "show",
        "Show",
        "Keep only the selection's frames in every sample",
    ),
    (
        "show-from",
        "Show from",
        "Drop the frames above the selection",
    ),
];

/// What a page shows.
#[derive(Debug, Default)]
pub(crate) struct Page<'a> {
    /// The browser's title (`File Type`).
    pub(crate) title: String,
    /// The id of the current view in the View menu.
    pub(crate) view: &'static str,
    /// The query string of the request, kept on the header's links.
    pub(crate) query: &'a str,
    /// The report's header lines, shown in the details box.
    pub(crate) legend: &'a [String],
    /// Messages the report printed while it was made.
    pub(crate) errors: &'a [String],
    /// The sample types, for the Sample menu (shown when there are several).
    pub(crate) sample_types: &'a [String],
    /// The names of the view's selectable nodes (`node<i>` ids).
    pub(crate) nodes: &'a [String],
    /// The view itself, as HTML.
    pub(crate) body: String,
    /// Whether the body fills the window without scrolling (graph, flame graph).
    pub(crate) full: bool,
    /// The Config menu: Default and the saved configurations.
    pub(crate) configs: &'a [super::configs::MenuEntry],
}

/// Renders `page` as a whole HTML document.
pub(crate) fn render(page: &Page<'_>) -> String {
    let mut h = String::with_capacity(page.body.len() + CSS.len() + VIEWER_JS.len() + 8192);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        escape(&page.title)
    );
    header(&mut h, page);
    h.push_str("<div id=\"errors\">");
    for e in page.errors {
        let _ = write!(h, "<div>{}</div>", escape(e));
    }
    h.push_str("</div>\n");
    let class = if page.full { " class=\"full\"" } else { "" };
    let _ = write!(h, "<div id=\"content\"{class}>\n{}\n</div>\n", page.body);
    let _ = write!(
        h,
        "<script id=\"nodes-data\" type=\"application/json\">{}</script>\n\
         <script>\n{VIEWER_JS}{WEBLIST_JS}</script>\n</body>\n</html>\n",
        json_strings(page.nodes)
    );
    h
}

fn header(h: &mut String, page: &Page<'_>) {
    let q = if page.query.is_empty() {
        String::new()
    } else {
        format!("?{}", escape(page.query))
    };
    let _ = write!(
        h,
        "<div class=\"header\">\n<h1><a href=\"./{q}\">sextant pprof</a></h1>\n\
         <div class=\"menu\" id=\"view\"><div class=\"menu-name\">View</div><div class=\"submenu\">\n"
    );
    for &(id, path, label, help) in VIEWS {
        let current = if id == page.view { " current" } else { "" };
        let _ = writeln!(
            h,
            "<a id=\"{id}\" class=\"view{current}\" data-view=\"\" href=\"{path}{q}\" \
             title=\"{help}\">{label}</a>"
        );
    }
    h.push_str("</div></div>\n");
    if page.sample_types.len() > 1 {
        h.push_str(
            "<div class=\"menu\" id=\"sample\"><div class=\"menu-name\">Sample</div>\
             <div class=\"submenu\">\n",
        );
        for t in page.sample_types {
            let t = escape(t);
            let _ = writeln!(
                h,
                "<a id=\"si-{t}\" data-si=\"{t}\" href=\"?si={t}\">{t}</a>"
            );
        }
        h.push_str("</div></div>\n");
    }
    h.push_str(
        "<div class=\"menu\" id=\"refine\"><div class=\"menu-name\">Refine</div>\
         <div class=\"submenu\">\n",
    );
    for &(id, label, help) in REFINE {
        let _ = writeln!(h, "<a id=\"{id}\" href=\"?\" title=\"{help}\">{label}</a>");
    }
    h.push_str(
        "<hr>\n<a id=\"reset\" href=\"?\" title=\"Show the whole profile\">Reset</a>\n\
         </div></div>\n\
         <div class=\"menu\" id=\"config\"><div class=\"menu-name\">Config</div>\
         <div class=\"submenu\">\n\
         <a id=\"save-config\" href=\"#\" title=\"Save the current options under a name\">\
         Save as ...</a>\n<hr>\n",
    );
    for c in page.configs {
        let mark = if c.current { "\u{2713} " } else { "" };
        let delete = if c.user {
            format!(
                " <span class=\"config-delete\" data-config=\"{}\" title=\"Delete\">\u{2715}</span>",
                escape(&c.name)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            h,
            "<a class=\"config-entry\" href=\"?{}\">{mark}{}{delete}</a>",
            escape(&c.query),
            escape(&c.name)
        );
    }
    h.push_str(
        "</div></div>\n\
         <div class=\"menu\" id=\"download\"><div class=\"menu-name plain\">\
         <a href=\"./download\" title=\"Download the profile\">Download</a></div></div>\n\
         <input id=\"search\" type=\"text\" placeholder=\"Search regexp\" autocomplete=\"off\" \
         autocapitalize=\"none\" spellcheck=\"false\" size=\"40\">\n",
    );
    let _ = write!(
        h,
        "<div class=\"description\"><a id=\"details\" href=\"#\" \
         title=\"Show information about the profile and this view\">{}</a>\
         <div id=\"detailsbox\">",
        escape(&page.title)
    );
    for line in page.legend {
        let _ = write!(h, "<div>{}</div>", escape(line));
    }
    h.push_str("</div></div>\n</div>\n");
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON array of strings, safe inside a `<script>` element (`<` is escaped, so no `</script>`
/// can close it early).
fn json_strings(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '<' => out.push_str("\\u003c"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_out_of_the_page() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let json = json_strings(&["a\"b".into(), "</script>\n".into()]);
        assert_eq!(json, "[\"a\\\"b\",\"\\u003c/script>\\u000a\"]");
    }

    #[test]
    fn the_header_links_keep_the_query_and_mark_the_view() {
        let types = vec!["samples".to_string(), "cpu".to_string()];
        let html = render(&Page {
            title: "gen cpu".into(),
            view: "topbtn",
            query: "f=main&si=cpu",
            sample_types: &types,
            ..Page::default()
        });
        assert!(
            html.contains("class=\"view current\" data-view=\"\" href=\"./top?f=main&amp;si=cpu\"")
        );
        assert!(html.contains("href=\"./flamegraph?f=main&amp;si=cpu\""));
        assert!(html.contains("data-si=\"cpu\" href=\"?si=cpu\""));
        assert!(html.contains("<title>gen cpu</title>"));
    }
}
