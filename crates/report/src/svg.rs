//! The `-svg` call graph: Graphviz's SVG of the DOT report, made pannable and zoomable as go
//! tool pprof makes it (google/pprof's `internal/driver/svg.go`, `massageSVG`).
//!
//! Graphviz writes `<svg width=.. height=.. viewBox=..>` around a `<g id="graph0">`. pprof
//! drops the fixed size so that the drawing fills the browser window, puts a pan/zoom script
//! before the graph, and wraps the graph in a `<g id="viewport">` group that the script
//! transforms. The structure here is the same; the script is our own (pprof embeds the
//! third-party SVGPan library): drag to pan, wheel to zoom around the pointer, double-click to
//! reset.

use std::sync::LazyLock;

use regex::Regex;

/// The pan/zoom script placed in the SVG.
const PAN_ZOOM_JS: &str = include_str!("svg/pan.js");

/// Graphviz's root element with its fixed size (pprof's `viewBox` pattern).
static VIEW_BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<svg\s*width="[^"]+"\s*height="[^"]+"\s*viewBox="[^"]+""#).expect("valid regex")
});
/// The top-level group of Graphviz's drawing (pprof's `graphID` pattern).
static GRAPH_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<g id="graph\d""#).expect("valid regex"));

/// Rewrites Graphviz's SVG of the call graph as pprof's `massageSVG` does: the size becomes
/// the whole window, the pan/zoom script comes before the graph, and the graph sits in a
/// `viewport` group scaled by half.
///
/// Input that lacks one of the landmarks is left alone at that step, as in pprof.
pub fn massage_svg(svg: &str) -> String {
    // Graphviz sometimes leaves an ampersand unquoted, which makes the SVG unparsable.
    let mut svg = svg.replace("&;", "&amp;;");
    if let Some(m) = VIEW_BOX.find(&svg) {
        svg.replace_range(m.range(), r#"<svg width="100%" height="100%""#);
    }
    if let Some(m) = GRAPH_ID.find(&svg) {
        let prefix = format!(
            "<script type=\"text/ecmascript\"><![CDATA[{PAN_ZOOM_JS}]]></script>\
             <g id=\"viewport\" transform=\"scale(0.5,0.5) translate(0,0)\">"
        );
        svg.insert_str(m.start(), &prefix);
    }
    if let Some(at) = svg.find("</svg>") {
        svg.insert_str(at, "</g>");
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of Graphviz 2.43's output, cut down.
    const DOT_SVG: &str = "<?xml version=\"1.0\"?>\n<svg width=\"620pt\" height=\"400pt\"\n \
        viewBox=\"0.00 0.00 620.00 400.00\" xmlns=\"http://www.w3.org/2000/svg\">\n\
        <g id=\"graph0\" class=\"graph\" transform=\"translate(4 396)\">\n<title>a &; b</title>\n\
        </g>\n</svg>\n";

    #[test]
    fn massage_fills_the_window_and_wraps_the_graph_in_a_viewport() {
        let out = massage_svg(DOT_SVG);
        assert!(
            out.contains("<svg width=\"100%\" height=\"100%\" xmlns="),
            "{out}"
        );
        assert!(!out.contains("viewBox"));
        let script = out
            .find("<script type=\"text/ecmascript\"><![CDATA[")
            .unwrap();
        let viewport = out
            .find("<g id=\"viewport\" transform=\"scale(0.5,0.5) translate(0,0)\"><g id=\"graph0\"")
            .unwrap();
        assert!(script < viewport);
        assert!(out.ends_with("</g>\n</g></svg>\n"), "{out}");
        assert!(out.contains("a &amp;; b"));
    }

    #[test]
    fn the_script_cannot_end_its_cdata_section_early() {
        assert!(!PAN_ZOOM_JS.contains("]]>"));
    }

    #[test]
    fn input_without_landmarks_is_left_alone() {
        assert_eq!(massage_svg("<p>not svg</p>"), "<p>not svg</p>");
    }
}
