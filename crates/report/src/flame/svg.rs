//! The flame graph as one self-contained SVG file: frames as rectangles whose width is their
//! share of the samples, the root at the bottom, with inline CSS and script (`flame.css`,
//! `flame.js`) for hover details, click to zoom, search and an icicle (upside-down) view.
//! Nothing is fetched: the file works offline and from a mail attachment.
//!
//! Each frame is a `<g class="f">` holding a `<title>` (`name (value, percent)`), a `<rect>` and
//! a `<text>` (the name cut to fit). Its position in sample units rides along as attributes
//! (`data-o` offset from the left, `data-w` width, `data-d` depth), so that the script can zoom
//! without losing precision: pixels are recomputed from exact integers.

use std::io::Write;

use sextant_profile::Profile;

use super::{FlameGraph, Frame};
use crate::labels;
use crate::measurement;
use crate::report::{Error, Report};

const SCRIPT: &str = include_str!("flame.js");
const STYLE: &str = include_str!("flame.css");

/// Image width in pixels: inferno's and flamegraph.pl's default, which fits a laptop screen.
pub(crate) const WIDTH: f64 = 1200.0;
/// Margin left and right of the frames.
pub(crate) const PAD: f64 = 10.0;
/// Height of one frame row: room for 12 px text with a pixel between rows.
pub(crate) const FRAME_HEIGHT: f64 = 16.0;
/// Space above the frames: title, subtitle and the controls row.
const PAD_TOP: f64 = 70.0;
/// Space below the frames: the details line.
const PAD_BOTTOM: f64 = 30.0;
/// Font size of frame names.
const FONT_SIZE: f64 = 12.0;
/// Average glyph width of Verdana at 1 px font size (flamegraph.pl's figure), used to cut names.
const CHAR_WIDTH: f64 = 0.59;
/// Frames narrower than this many pixels are left out (flamegraph.pl's and inferno's
/// `--minwidth` default): they cannot be seen or pointed at, and a profile of many thousands
/// of stacks would otherwise make a file of hundreds of megabytes.
pub(crate) const MIN_WIDTH: f64 = 0.1;

/// Whether a frame of `weight` is wide enough to draw in a graph whose root weighs `total`.
pub(crate) fn visible(weight: i64, total: i64) -> bool {
    let inner = WIDTH - 2.0 * PAD;
    weight as f64 * (inner / total.max(1) as f64) >= MIN_WIDTH
}

/// Writes the SVG of `g`, with `p`'s header lines under the title.
pub(super) fn write(
    rpt: &Report,
    p: &Profile,
    g: &FlameGraph,
    w: &mut dyn Write,
) -> Result<(), Error> {
    let fmt = Formatter::new(rpt);
    let frames = g.frames();
    let total_weight = frames[0].weight.max(1);
    let inner = WIDTH - 2.0 * PAD;
    let scale = inner / total_weight as f64;
    let height = PAD_TOP + (g.max_depth() as f64 + 1.0) * FRAME_HEIGHT + PAD_BOTTOM;
    let max_delta = frames[1..]
        .iter()
        .map(|f| f.value.wrapping_abs())
        .max()
        .unwrap_or(0);

    let mut out = String::with_capacity(1 << 16);
    header(&mut out, rpt, p, g, height, total_weight);
    // Frames are in depth-first order, callees by name; offsets are in sample units.
    let drawn = if frames[0].weight > 0 {
        frames.len()
    } else {
        0
    };
    for (i, f) in frames[..drawn].iter().enumerate() {
        let x = PAD + f.offset as f64 * scale;
        let y = height - PAD_BOTTOM - (f.depth as f64 + 1.0) * FRAME_HEIGHT;
        let fill = if g.diff {
            diff_color(f.value, max_delta)
        } else {
            package_color(g.name(i))
        };
        let at = Geometry {
            offset: f.offset,
            width_units: f.weight,
            depth: f.depth,
            x,
            y,
            width: f.weight as f64 * scale,
        };
        frame(&mut out, g.name(i), &fmt.details(f), at, &fill);
        if out.len() > 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str("</g>\n");
    if frames[0].weight == 0 {
        out.push_str(&format!(
            "<text class=\"sub\" x=\"{}\" y=\"{}\">no samples to draw</text>\n",
            WIDTH / 2.0,
            height - PAD_BOTTOM - FRAME_HEIGHT
        ));
    }
    if g.omitted > 0 {
        out.push_str(&format!(
            "<!-- {} frames narrower than {MIN_WIDTH} px left out -->\n",
            g.omitted
        ));
    }
    out.push_str("</svg>\n");
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// The document up to the frames group: size, style, script, background, title, header lines,
/// controls and the details line.
fn header(out: &mut String, rpt: &Report, p: &Profile, g: &FlameGraph, height: f64, total: i64) {
    let mut lines = labels::profile_labels(rpt, p);
    if !rpt.options.active_filters.is_empty() {
        lines.push(format!(
            "Active filters: {}",
            rpt.options.active_filters.join(" ")
        ));
    }
    let title = if g.diff {
        "Differential flame graph"
    } else {
        "Flame graph"
    };
    let legend = if g.diff {
        "red: grew, blue: shrank (by the net change of the frame and its callees); width: old + new"
    } else {
        "width: share of the samples; colour: package"
    };
    out.push_str(&format!(
        "<?xml version=\"1.0\" standalone=\"no\"?>\n\
         <svg version=\"1.1\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
         xmlns=\"http://www.w3.org/2000/svg\" data-total=\"{total}\" data-pad=\"{PAD}\" \
         data-frame-height=\"{FRAME_HEIGHT}\" data-pad-top=\"{PAD_TOP}\" data-pad-bottom=\"{PAD_BOTTOM}\" \
         data-font=\"{FONT_SIZE}\" data-char=\"{CHAR_WIDTH}\">\n\
         <style type=\"text/css\"><![CDATA[\n{STYLE}]]></style>\n\
         <script type=\"text/ecmascript\"><![CDATA[\n{SCRIPT}]]></script>\n\
         <rect class=\"background\" x=\"0\" y=\"0\" width=\"100%\" height=\"100%\"/>\n\
         <text id=\"title\" x=\"{cx}\" y=\"22\">{title}</text>\n",
        cx = WIDTH / 2.0,
    ));
    let sub = escape(&lines.join("   "));
    out.push_str(&format!(
        "<text class=\"sub\" x=\"{PAD}\" y=\"40\">{sub}</text>\n\
         <text class=\"sub\" x=\"{PAD}\" y=\"56\">{}</text>\n",
        escape(legend)
    ));
    out.push_str(&format!(
        "<text id=\"reset\" class=\"ctl hide\" x=\"{PAD}\" y=\"22\">Reset zoom</text>\n\
         <text id=\"invert\" class=\"ctl\" x=\"{ix}\" y=\"56\">Invert</text>\n\
         <foreignObject x=\"{sx}\" y=\"8\" width=\"200\" height=\"24\">\
         <input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search\" type=\"search\" \
         placeholder=\"Search (regexp)\" title=\"Search frames by regexp; Esc clears\"/>\
         </foreignObject>\n\
         <text id=\"details\" x=\"{PAD}\" y=\"{dy}\"> </text>\n\
         <text id=\"matched\" class=\"hide\" x=\"{mx}\" y=\"{dy}\"> </text>\n\
         <g id=\"frames\">\n",
        ix = WIDTH - PAD - 40.0,
        sx = WIDTH - PAD - 200.0,
        mx = WIDTH - PAD,
        dy = height - 10.0,
    ));
}

/// Where a frame sits, in sample units (for the script) and in pixels.
struct Geometry {
    offset: i64,
    width_units: i64,
    depth: usize,
    x: f64,
    y: f64,
    width: f64,
}

fn frame(out: &mut String, name: &str, details: &str, at: Geometry, fill: &str) {
    let label = fit(name, at.width);
    out.push_str(&format!(
        "<g class=\"f\" data-o=\"{}\" data-w=\"{}\" data-d=\"{}\"><title>{} ({})</title>\
         <rect x=\"{:.2}\" y=\"{}\" width=\"{:.2}\" height=\"{}\" fill=\"{fill}\" rx=\"2\" ry=\"2\"/>\
         <text x=\"{:.2}\" y=\"{}\">{}</text></g>\n",
        at.offset,
        at.width_units,
        at.depth,
        escape(name),
        escape(details),
        at.x,
        at.y,
        at.width,
        FRAME_HEIGHT - 1.0,
        at.x + 3.0,
        at.y + FRAME_HEIGHT - 4.5,
        escape(&label),
    ));
}

/// The name as it fits `width` pixels: whole if it fits, else without its package path
/// ([`short_name`]), cut and ending in `..` if that is still too long; empty when fewer than
/// three characters fit (the script does the same when zooming).
pub(crate) fn fit(name: &str, width: f64) -> String {
    let fits = ((width - 6.0) / (FONT_SIZE * CHAR_WIDTH)).floor();
    if fits < 3.0 {
        return String::new();
    }
    let fits = fits as usize;
    if name.chars().count() <= fits {
        return name.to_string();
    }
    let name = short_name(name);
    if name.chars().count() <= fits {
        return name.to_string();
    }
    let mut s: String = name.chars().take(fits - 2).collect();
    s.push_str("..");
    s
}

/// A function name without the path that its package name already implies: Go's
/// `github.com/a/b.(*T).M` becomes `b.(*T).M`, Rust's `core::ptr::drop_in_place` becomes
/// `ptr::drop_in_place`; names with generic or trait parts (`<`) stay whole.
pub(crate) fn short_name(name: &str) -> &str {
    let head = name.find(['(', '[', '<']).unwrap_or(name.len());
    if let Some(slash) = name[..head].rfind('/') {
        return &name[slash + 1..];
    }
    if head == name.len() {
        let mut segments = name.rmatch_indices("::");
        if let (Some(_), Some((second, _))) = (segments.next(), segments.next()) {
            return &name[second + 2..];
        }
    }
    name
}

/// Values as the report prints them, and percentages of the report's total.
struct Formatter {
    unit: String,
    out_unit: String,
    ratio: f64,
    mean: bool,
    total: i64,
}

impl Formatter {
    fn new(rpt: &Report) -> Formatter {
        let o = &rpt.options;
        // pprof's `minimum` picks one unit for a whole table; a flame graph shows one value at
        // a time, so each gets its own best unit.
        let out_unit = if o.output_unit == "minimum" {
            "auto".to_string()
        } else {
            o.output_unit.clone()
        };
        Formatter {
            unit: o.sample_unit.clone(),
            out_unit,
            ratio: o.ratio,
            mean: o.value.mean,
            total: rpt.total,
        }
    }

    fn value(&self, v: i64, count: i64) -> String {
        let mut v = v;
        if self.mean && count != 0 {
            v /= count;
        }
        if self.ratio > 0.0 && self.ratio != 1.0 {
            v = (v as f64 * self.ratio) as i64;
        }
        measurement::scaled_label(v, &self.unit, &self.out_unit)
    }

    fn percent(&self, v: i64) -> String {
        if self.total == 0 {
            return "0%".to_string();
        }
        format!("{:.2}%", v as f64 * 100.0 / self.total as f64)
    }

    /// What the title says after the name: value and share, or for a comparison the change.
    fn details(&self, f: &Frame) -> String {
        let sign = if f.value > 0 { "+" } else { "" };
        if f.base != 0 {
            let after = f.value.wrapping_add(f.base);
            return format!(
                "{} → {}, {sign}{}, {sign}{}",
                self.value(f.base, f.count),
                self.value(after, f.count),
                self.value(f.value, f.count),
                self.percent(f.value)
            );
        }
        if f.value < 0 || f.weight != f.value.wrapping_abs() {
            // A -base comparison: only the net change is known.
            return format!(
                "net {sign}{}, {sign}{}",
                self.value(f.value, f.count),
                self.percent(f.value)
            );
        }
        format!(
            "{}, {}",
            self.value(f.value, f.count),
            self.percent(f.value)
        )
    }
}

/// A warm colour (reds, oranges, yellows, as flamegraph.pl's "hot" palette) chosen by a hash
/// of the frame's package, so that one package keeps one hue across the graph and across
/// graphs, nudged by the function's name.
pub(crate) fn package_color(name: &str) -> String {
    let h = fnv1a(package(name).as_bytes());
    let v = |shift: u32| ((h >> shift) & 0xff) as f64 / 255.0;
    // The function's own hash shifts the green a little, so that neighbours of one package
    // stay apart while the package's hue stays recognisable.
    let jitter = (fnv1a(name.as_bytes()) & 0xff) as f64 / 255.0 - 0.5;
    let r = 205.0 + 50.0 * v(0);
    let g = (230.0 * v(8) + 50.0 * jitter).clamp(0.0, 230.0);
    let b = 55.0 * v(16);
    format!("rgb({},{},{})", r as u8, g as u8, b as u8)
}

/// Red for growth, blue for shrinkage, deeper as the change nears the largest one; a light
/// grey for no change (flamegraph.pl's differential colours, by the frame's net change).
pub(crate) fn diff_color(delta: i64, max_delta: i64) -> String {
    if delta == 0 || max_delta == 0 {
        return "rgb(235,235,235)".to_string();
    }
    let r = (delta.unsigned_abs() as f64 / max_delta as f64).min(1.0);
    // Even the smallest change stays distinguishable from white.
    let light = (235.0 * (1.0 - (0.1 + 0.9 * r))) as u8 + 20;
    if delta > 0 {
        format!("rgb(255,{light},{light})")
    } else {
        format!("rgb({light},{light},255)")
    }
}

/// The package (Go) or crate (Rust) a function name belongs to: `runtime` for
/// `runtime.mallocgc`, `github.com/a/b` for `github.com/a/b.(*T).M`, `alloc` for
/// `<alloc::vec::Vec<T> as Drop>::drop`; the whole name when it has no such part (C).
pub(crate) fn package(name: &str) -> &str {
    let name = name.trim_start_matches(['<', '&', '*', '(']);
    if let Some(i) = name.find("::") {
        return &name[..i];
    }
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[slash..].find('.') {
        Some(i) => &name[..slash + i],
        None => name,
    }
}

/// 64-bit FNV-1a: small, stable across runs and platforms (unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Text for XML character data and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
