//! The views: each request re-runs the report pipeline on the loaded profile with the URL's
//! options (pprof's `makeReport`), then renders one report as a page.

use sextant_profile::pipeline::{self, Prepared};
use sextant_report::Report;
use sextant_report::measurement::percentage;

use super::super::config::Config;
use super::super::{Failure, graphviz, option_failure, report_options};
use super::http::{Request, Response};
use super::page::{self, Page, escape};
use super::{State, configs, params, weblist};

/// Most rows the Top view lists (pprof's web UI sets `nodecount` to 500 there).
const TOP_NODES: i64 = 500;

/// A report made for one request.
struct Made {
    prepared: Prepared,
    cfg: Config,
    rpt: Report,
}

/// The configuration of the command line with the URL's options, set for `command`, through
/// the pipeline: pprof's `makeReport` and `generateRawReport`.
fn make(
    state: &State,
    req: &Request,
    command: &str,
    arg: Option<&str>,
    edit: impl FnOnce(&mut Config),
) -> Result<Made, Response> {
    let mut cfg = state.cfg.clone();
    params::apply(&mut cfg, &req.query).map_err(|m| error_page(state, req, 400, &m))?;
    cfg.command = command.to_string();
    cfg.command_arg = arg.map(String::from);
    edit(&mut cfg);
    cfg.apply_command_overrides();
    let fail = |f: Failure| error_page(state, req, 400, &f.message);
    let prepared = pipeline::prepare(state.profile.clone(), &cfg.report_options())
        .map_err(|e| fail(option_failure(e, &cfg)))?;
    let options = report_options(&prepared, &cfg).map_err(fail)?;
    let rpt = Report::with_total(options, prepared.total);
    Ok(Made { prepared, cfg, rpt })
}

/// A view's page, or the page (or plain-text error) that replaces it.
pub(super) type Reply = Result<Response, Response>;

/// `m`'s report as `m.cfg.command` prints it; a failure becomes an error page with `status`.
fn generated(state: &State, req: &Request, m: &mut Made, status: u16) -> Result<String, Response> {
    let mut out = Vec::new();
    m.rpt
        .generate(&m.prepared.profile, &mut out)
        .map_err(|e| error_page(state, req, status, &e.to_string()))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `/ui/`: the call graph, drawn by Graphviz, with the legend moved to the details box.
pub(super) fn graph(state: &State, req: &Request) -> Reply {
    let mut m = make(state, req, "svg", None, |_| {})?;
    let dot = generated(state, req, &mut m, 500)?;
    let (dot, legend) = split_legend(&dot);
    let nodes = node_names(&dot);
    let svg = match graphviz("svg", dot.as_bytes()) {
        Ok(svg) => svg,
        Err(_) => {
            return Err(Response::text_error(
                501,
                "Could not execute dot; may need to install graphviz.",
            ));
        }
    };
    let svg = String::from_utf8_lossy(&svg).replace("&;", "&amp;;");
    let svg = svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..]);
    Ok(render(
        state,
        req,
        &m.prepared,
        &legend,
        &nodes,
        "graphbtn",
        true,
        format!("<div id=\"graph\">{svg}</div>"),
    ))
}

/// `/ui/top`: the top table, every node of the trimmed graph up to 500.
pub(super) fn top(state: &State, req: &Request) -> Reply {
    let mut m = make(state, req, "top", None, |c| c.node_count = TOP_NODES)?;
    let (items, legend) = m.rpt.text_items(&m.prepared.profile);
    let total = m.rpt.total();
    let mut body = format!(
        "<table id=\"toptable\" data-total=\"{total}\" data-sort=\"{}\">\n<thead><tr>\
         <th data-sort=\"flat\">Flat</th><th data-sort=\"flat\">Flat%</th><th>Sum%</th>\
         <th data-sort=\"cum\">Cum</th><th data-sort=\"cum\">Cum%</th>\
         <th class=\"name\" data-sort=\"name\">Name</th><th class=\"name\">Inlined?</th>\
         </tr></thead>\n<tbody>\n",
        m.cfg.sort
    );
    let mut sum = 0i64;
    let mut nodes = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        sum += it.flat;
        let name = escape(&it.name);
        body.push_str(&format!(
            "<tr id=\"node{i}\" data-flat=\"{}\" data-cum=\"{}\" data-name=\"{name}\">\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"name\">{name}</td><td class=\"name\">{}</td></tr>\n",
            it.flat,
            it.cum,
            escape(&it.flat_format),
            percentage(it.flat, total).trim(),
            percentage(sum, total).trim(),
            escape(&it.cum_format),
            percentage(it.cum, total).trim(),
            escape(&it.inline_label),
        ));
        nodes.push(it.name.clone());
    }
    body.push_str("</tbody>\n</table>");
    Ok(render(
        state,
        req,
        &m.prepared,
        &legend,
        &nodes,
        "topbtn",
        false,
        body,
    ))
}

/// `/ui/flamegraph`: the page around the flame graph, which loads `flamegraph.svg` with the
/// same parameters (the SVG runs its own script, so it lives in its own document).
pub(super) fn flame_page(state: &State, req: &Request) -> Reply {
    let m = make(state, req, "flame", None, |c| c.trim = false)?;
    let legend = m.rpt.profile_labels(&m.prepared.profile);
    let src = if req.raw_query.is_empty() {
        "./flamegraph.svg".to_string()
    } else {
        format!("./flamegraph.svg?{}", req.raw_query)
    };
    let body = format!(
        "<iframe id=\"flame\" title=\"flame graph\" src=\"{}\"></iframe>",
        escape(&src)
    );
    Ok(render(
        state,
        req,
        &m.prepared,
        &legend,
        &[],
        "flamegraph",
        true,
        body,
    ))
}

/// `/ui/flamegraph.svg`: the `-flame` SVG for the URL's options.
pub(super) fn flame_svg(state: &State, req: &Request) -> Reply {
    let mut m = make(state, req, "flame", None, |c| c.trim = false)?;
    let mut svg = Vec::new();
    if let Err(e) = m.rpt.flame_graph(&m.prepared.profile, &mut svg) {
        return Err(Response::text_error(500, &e.to_string()));
    }
    Ok(Response::ok("image/svg+xml", svg))
}

/// `/ui/peek`: callers and callees of the functions `f` matches, at line granularity.
pub(super) fn peek(state: &State, req: &Request) -> Reply {
    let f = req.param("f").to_string();
    let mut m = make(state, req, "peek", Some(&f), |c| {
        c.granularity = "lines".into()
    })?;
    let text = generated(state, req, &mut m, 400)?;
    let legend: Vec<String> = text
        .lines()
        .take_while(|l| !l.starts_with("---"))
        .map(String::from)
        .collect();
    let body = format!("<pre>{}</pre>", escape(&text));
    Ok(render(
        state,
        req,
        &m.prepared,
        &legend,
        &[],
        "peek",
        false,
        body,
    ))
}

/// Most functions the Disassemble view prints (pprof's web UI `maxEntries`).
const MAX_FUNCTIONS: usize = 50;

/// `/ui/disasm`: the `-disasm` report of the functions `f` matches, the heaviest 50.
pub(super) fn disasm(state: &State, req: &Request) -> Reply {
    let f = req.param("f").to_string();
    let mut m = make(state, req, "disasm", Some(&f), |_| {})?;
    let mut out = Vec::new();
    let objtool = sextant_report::disasm::Binutils::default();
    let written = m
        .rpt
        .disasm(&m.prepared.profile, &objtool, Some(MAX_FUNCTIONS), &mut out);
    if let Err(e) = written {
        return Err(error_page(state, req, 400, &e.to_string()));
    }
    let legend = m.rpt.profile_labels(&m.prepared.profile);
    let body = format!("<pre>{}</pre>", escape(&String::from_utf8_lossy(&out)));
    Ok(render(
        state,
        req,
        &m.prepared,
        &legend,
        &[],
        "disasm",
        false,
        body,
    ))
}

/// `/ui/source`: the `-list` report of the functions `f` matches, one block per function,
/// lines with samples marked and their instructions a click away (pprof's weblist).
pub(super) fn source(state: &State, req: &Request) -> Reply {
    let f = req.param("f").to_string();
    let mut m = make(state, req, "list", Some(&f), |_| {})?;
    let out = generated(state, req, &mut m, 400)?;
    // The instructions are a bonus: a binary that is missing or rebuilt leaves them out.
    let mut notes = Vec::new();
    let asm = weblist::assembly(
        &mut m.rpt,
        &m.prepared.profile,
        Some(MAX_FUNCTIONS),
        &mut notes,
    );
    let body = weblist::html(&out, &asm);
    let legend = m.rpt.profile_labels(&m.prepared.profile);
    Ok(render(
        state,
        req,
        &m.prepared,
        &legend,
        &[],
        "list",
        false,
        body,
    ))
}

/// `/ui/download`: the profile as loaded, gzip-compressed protobuf.
pub(super) fn download(state: &State) -> Response {
    let mut out = Vec::new();
    if let Err(e) = state.profile.write(&mut out) {
        return Response::text_error(500, &format!("encoding the profile: {e}"));
    }
    let mut r = Response::ok("application/vnd.google.protobuf+gzip", out);
    r.headers.push((
        "Content-Disposition",
        "attachment;filename=profile.pb.gz".into(),
    ));
    r
}

/// Renders a view's page, titled from its legend as pprof titles it (`File Type`).
#[allow(clippy::too_many_arguments)]
fn render(
    state: &State,
    req: &Request,
    prepared: &Prepared,
    legend: &[String],
    nodes: &[String],
    view: &'static str,
    full: bool,
    body: String,
) -> Response {
    let errors = prepared.warnings.clone();
    let configs = configs::menu(&req.raw_query);
    let html = page::render(&Page {
        title: title(legend),
        view,
        query: &req.raw_query,
        legend,
        errors: &errors,
        sample_types: &state.sample_types,
        nodes,
        body,
        full,
        configs: &configs,
    });
    Response::ok("text/html; charset=utf-8", html)
}

/// A page that says what went wrong, with the header kept so that the URL can be fixed.
pub(super) fn error_page(state: &State, req: &Request, status: u16, message: &str) -> Response {
    let errors = [message.to_string()];
    let html = page::render(&Page {
        title: "error".into(),
        view: "",
        query: &req.raw_query,
        errors: &errors,
        sample_types: &state.sample_types,
        body: format!("<div class=\"error-page\"><p>{}</p></div>", escape(message)),
        ..Page::default()
    });
    let mut r = Response::ok("text/html; charset=utf-8", html);
    r.status = status;
    r
}

/// pprof's title: the legend's `File:` and `Type:` values.
fn title(legend: &[String]) -> String {
    let get = |key: &str| {
        legend
            .iter()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or("unknown")
            .to_string()
    };
    format!("{} {}", get("File: "), get("Type: "))
}

/// Takes the legend (`subgraph cluster_L`) out of the DOT text and returns its lines: the web
/// page shows them in the details box, as pprof's web UI does.
fn split_legend(dot: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(dot.len());
    let mut legend = Vec::new();
    for line in dot.lines() {
        if line.starts_with("subgraph cluster_L {") {
            if let Some(label) = attr(line, "label") {
                legend = label
                    .split("\\l")
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect();
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    (out, legend)
}

/// The full name of each node (`N<i>` with `id="node<i>"`), from its tooltip
/// (`name (value)`), indexed by `i`.
fn node_names(dot: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in dot.lines() {
        let Some(rest) = line.strip_prefix('N') else {
            continue;
        };
        let Some((num, _)) = rest.split_once(" [") else {
            continue;
        };
        let Ok(i) = num.parse::<usize>() else {
            continue;
        };
        let Some(tip) = attr(line, "tooltip") else {
            continue;
        };
        let name = tip
            .rsplit_once(" (")
            .map_or(tip.as_str(), |(n, _)| n)
            .to_string();
        if names.len() <= i {
            names.resize(i + 1, String::new());
        }
        names[i] = name;
    }
    names
}

/// The unescaped value of the quoted attribute `key` on a DOT line.
fn attr(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!(" {key}=\""))? + key.len() + 3;
    let mut out = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOT: &str = "digraph \"gen\" {\nnode [style=filled fillcolor=\"#f8f8f8\"]\n\
        subgraph cluster_L { \"File: gen\" [shape=box fontsize=16 label=\"File: gen\\lType: cpu\\l\\lSee x\\l\" tooltip=\"gen\"] }\n\
        N1 [label=\"main\\nrun\" id=\"node1\" fontsize=9 shape=box tooltip=\"main.run (35.59s)\" color=\"#b20000\"]\n\
        N1_0 [label = \"worker:1\" id=\"N1_0\" fontsize=8 shape=box3d tooltip=\"0.02s\"]\n\
        N2 [label=\"q\" id=\"node2\" tooltip=\"main.(*T).\\\"q\\\" (1s)\"]\n}\n";

    #[test]
    fn the_legend_leaves_the_graph_for_the_details_box() {
        let (dot, legend) = split_legend(DOT);
        assert!(!dot.contains("cluster_L"));
        assert!(dot.contains("N1 [label"));
        assert_eq!(legend, vec!["File: gen", "Type: cpu", "See x"]);
    }

    #[test]
    fn node_names_come_from_the_tooltips_by_id() {
        assert_eq!(node_names(DOT), vec!["", "main.run", "main.(*T).\"q\""]);
    }
}
