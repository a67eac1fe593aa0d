//! The source listing as HTML (pprof's `weblist`): the `-list` report, one block per function,
//! the lines with samples marked; a click on such a line opens the machine instructions the
//! debug information attributes to it, with their own values (from `-disasm`'s data).
//!
//! The web UI's Source view and `sextant pprof -weblist=regexp` (one standalone page, written
//! to stdout or `-output`) both render it.

use std::collections::HashMap;
use std::io::Write;

use sextant_profile::Profile;
use sextant_report::Report;
use sextant_report::disasm::{AsmFunction, AsmInst, Binutils};

use super::page::escape;

/// The stylesheet of the standalone page.
const CSS: &str = include_str!("../../../../../web/ui/common.css");
/// Opens and closes a line's instructions on click.
pub(super) const WEBLIST_JS: &str = include_str!("../../../../../web/ui/weblist.js");

/// The disassembly of the functions the report's regexp matches, at most `max` of them, for the
/// listing; `notes` gets what kept a binary out (missing binutils, another build).
pub(super) fn assembly(
    rpt: &mut Report,
    p: &Profile,
    max: Option<usize>,
    notes: &mut Vec<String>,
) -> Vec<AsmFunction> {
    match rpt.disasm_functions(p, &Binutils::default(), max) {
        Ok((functions, n)) => {
            notes.extend(n);
            functions
        }
        Err(e) => {
            notes.push(format!("no disassembly: {e}"));
            Vec::new()
        }
    }
}

/// The `-list` text as HTML, with each sampled line's instructions from `asm` (matched by
/// function name, file base name and line) after it.
pub(super) fn html(list: &str, asm: &[AsmFunction]) -> String {
    let mut h = String::from("<div class=\"source\">\n");
    let mut open = false;
    let mut by_line: HashMap<i64, Vec<&AsmInst>> = HashMap::new();
    let mut lines = list.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("ROUTINE ======================== ") {
            if open {
                h.push_str("</pre></div>\n");
            }
            let (name, file) = rest.split_once(" in ").unwrap_or((rest, ""));
            by_line = instructions_by_line(asm, name, file);
            h.push_str(&format!(
                "<div class=\"routine\"><h2>{} <span class=\"file\">{}</span></h2>\n",
                escape(name),
                escape(file)
            ));
            if let Some(total) = lines.next_if(|l| l.contains("(flat, cum)")) {
                h.push_str(&format!(
                    "<div class=\"total\">{}</div>\n",
                    escape(total.trim())
                ));
            }
            h.push_str("<pre>");
            open = true;
            continue;
        }
        if !open {
            // "Total: ..." before the first routine.
            h.push_str(&format!("<div class=\"total\">{}</div>\n", escape(line)));
            continue;
        }
        let mut cols = line.split_whitespace();
        let (flat, cum) = (cols.next(), cols.next());
        let live = matches!((flat, cum), (Some(a), Some(b)) if a != "." || b != ".");
        let insts = line_number(line).and_then(|n| by_line.get(&n));
        let mut class = String::from(if live { "line live" } else { "line" });
        if insts.is_some() {
            class.push_str(" has-asm");
        }
        h.push_str(&format!("<span class=\"{class}\">{}</span>", escape(line)));
        if let Some(insts) = insts {
            h.push_str("<span class=\"asm\">");
            for i in insts {
                h.push_str(&escape(&format!(
                    "{:>10} {:>10} {:>10x}: {}\n",
                    i.flat_format, i.cum_format, i.addr, i.text
                )));
            }
            h.push_str("</span>");
        }
    }
    if open {
        h.push_str("</pre></div>\n");
    }
    h.push_str("</div>");
    h
}

/// The source line number of a `-list` row (`flat cum line:text`).
fn line_number(row: &str) -> Option<i64> {
    let mut rest = row.trim_start();
    for _ in 0..2 {
        rest = rest.split_once(char::is_whitespace)?.1.trim_start();
    }
    rest.split_once(':')?.0.parse().ok()
}

/// The instructions of function `name` that the debug information puts in `file`, by line.
fn instructions_by_line<'a>(
    asm: &'a [AsmFunction],
    name: &str,
    file: &str,
) -> HashMap<i64, Vec<&'a AsmInst>> {
    let base = file.rsplit('/').next().unwrap_or(file);
    let mut by_line: HashMap<i64, Vec<&AsmInst>> = HashMap::new();
    for f in asm.iter().filter(|f| f.names.iter().any(|n| n == name)) {
        for i in f.insts.iter().filter(|i| i.file == base && i.line > 0) {
            by_line.entry(i.line).or_default().push(i);
        }
    }
    by_line
}

/// `-weblist=regexp`: the listing as one standalone HTML page.
pub(crate) fn standalone(
    rpt: &mut Report,
    p: &Profile,
    w: &mut dyn Write,
    notes: &mut Vec<String>,
) -> Result<(), sextant_report::Error> {
    let mut list = Vec::new();
    rpt.generate(p, &mut list)?;
    let asm = assembly(rpt, p, None, notes);
    let legend = rpt.profile_labels(p);
    let title = legend
        .iter()
        .find_map(|l| l.strip_prefix("File: "))
        .unwrap_or("profile");
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<div id=\"content\">\n\
         <div class=\"legend\">",
        escape(title)
    );
    for l in &legend {
        h.push_str(&format!("<div>{}</div>", escape(l)));
    }
    h.push_str("</div>\n");
    h.push_str(&html(&String::from_utf8_lossy(&list), &asm));
    h.push_str(&format!(
        "\n</div>\n<script>\n{WEBLIST_JS}</script>\n</body>\n</html>\n"
    ));
    w.write_all(h.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(addr: u64, line: i64, flat: &str) -> AsmInst {
        AsmInst {
            addr,
            text: "add    $0x1,%rax".into(),
            function: "main.f".into(),
            file: "a.go".into(),
            line,
            flat: 0,
            cum: 0,
            flat_format: flat.into(),
            cum_format: flat.into(),
        }
    }

    #[test]
    fn sampled_lines_carry_their_instructions() {
        let list = "Total: 1s\nROUTINE ======================== main.f in /src/a.go\n     \
                    1s    1s (flat, cum) 100% of Total\n         .          .      1:func f() {\n     \
                    10ms       1s      2:\tg()\n";
        let asm = [AsmFunction {
            names: vec!["main.f".into()],
            insts: vec![
                inst(0x10, 2, "10ms"),
                inst(0x14, 2, "."),
                inst(0x18, 3, "."),
            ],
        }];
        let h = html(list, &asm);
        assert!(h.contains("<h2>main.f <span class=\"file\">/src/a.go</span></h2>"));
        assert!(
            h.contains("<span class=\"line\">         .          .      1:func f() {</span><span")
        );
        assert!(h.contains(
            "<span class=\"line live has-asm\">     10ms       1s      2:\tg()</span>\
             <span class=\"asm\">      10ms       10ms         10: add    $0x1,%rax\n         \
             .          .         14: add    $0x1,%rax\n</span>"
        ));
        assert_eq!(line_number("     10ms       1s      2:\tg()"), Some(2));
        assert_eq!(line_number("garbage"), None);
    }
}
