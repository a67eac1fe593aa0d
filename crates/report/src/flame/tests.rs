//! The frame tree, folded stacks and SVG geometry on hand-made profiles whose numbers are
//! worked out by hand.

use sextant_profile::{
    Function, FunctionId, Label, Line, Location, LocationId, Profile, Sample, ValueType,
};

use super::svg::{PAD, WIDTH, diff_color, escape, fit, package, package_color, short_name};
use super::*;
use crate::report::Options;

const NAMES: [&str; 4] = ["main", "a", "b", "c"];

/// Functions 1..=4 named main, a, b, c; location i holds function i.
fn profile(samples: &[(&[u64], i64)]) -> Profile {
    let mut p = Profile {
        sample_type: vec![ValueType::new("samples", "count")],
        ..Profile::default()
    };
    for (i, name) in NAMES.iter().enumerate() {
        let id = i as u64 + 1;
        p.function.push(Function {
            id: FunctionId(id),
            name: (*name).into(),
            ..Default::default()
        });
        p.location.push(Location {
            id: LocationId(id),
            line: vec![Line {
                function_id: Some(FunctionId(id)),
                line: 1,
                column: 0,
            }],
            ..Default::default()
        });
    }
    for (stack, v) in samples {
        p.sample.push(Sample {
            location: stack.iter().map(|&l| LocationId(l)).collect(),
            value: vec![*v],
            label: vec![],
        });
    }
    p
}

/// main->a->b 30, main->a->c 10, main->a 20, main->c 40 (stacks leaf first): 100 in all.
fn small() -> Profile {
    profile(&[
        (&[3, 2, 1], 30),
        (&[4, 2, 1], 10),
        (&[2, 1], 20),
        (&[4, 1], 40),
    ])
}

fn report(p: &Profile) -> Report {
    let options = Options {
        sample_type: "samples".into(),
        sample_unit: "count".into(),
        ..Options::default()
    };
    Report::new(p, options)
}

fn folded(p: &Profile) -> String {
    let mut out = Vec::new();
    report(p).folded(p, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn svg(p: &Profile) -> String {
    let mut out = Vec::new();
    report(p).flame_graph(p, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// (name, x, width) of each frame rectangle, in document order.
fn rects(svg: &str) -> Vec<(String, f64, f64)> {
    let re = regex::Regex::new(
        r#"<title>([^<]*) \([^<]*\)</title><rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)""#,
    )
    .unwrap();
    re.captures_iter(svg)
        .map(|c| {
            (
                c[1].to_string(),
                c[2].parse().unwrap(),
                c[3].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn identical_paths_merge_into_one_frame_with_summed_values() {
    let p = small();
    let g = FlameGraph::new(&p, &report(&p));
    let f = g.frames();
    // all, main, main;a, main;a;b, main;a;c, main;c
    assert_eq!(f.len(), 6);
    assert_eq!((g.name(0), f[0].value, f[0].weight), ("all", 100, 100));
    let main = f[0].children[0];
    assert_eq!(
        (g.name(main), f[main].value, f[main].self_value),
        ("main", 100, 0)
    );
    let kids: Vec<(&str, i64, i64)> = f[main]
        .children
        .iter()
        .map(|&c| (g.name(c), f[c].value, f[c].self_value))
        .collect();
    assert_eq!(kids, [("a", 60, 20), ("c", 40, 40)]);
    assert_eq!(g.max_depth(), 3);
    assert!(!g.is_diff());
}

#[test]
fn folded_lines_are_hand_computed() {
    assert_eq!(
        folded(&small()),
        "main;a 20\nmain;a;b 30\nmain;a;c 10\nmain;c 40\n"
    );
}

#[test]
fn folded_recursion_keeps_each_level() {
    // main->a->a->a: one line with every level.
    let p = profile(&[(&[2, 2, 2, 1], 5), (&[2, 1], 1)]);
    assert_eq!(folded(&p), "main;a 1\nmain;a;a;a 5\n");
}

#[test]
fn folded_divides_as_divide_by_says() {
    let p = small();
    let mut rpt = report(&p);
    rpt.options.ratio = 0.1;
    let mut out = Vec::new();
    rpt.folded(&p, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "main;a 2\nmain;a;b 3\nmain;a;c 1\nmain;c 4\n"
    );
}

#[test]
fn widths_are_proportional_to_values() {
    let out = svg(&small());
    let inner = WIDTH - 2.0 * PAD; // 1180 px for 100 samples: 11.8 px each.
    let want = [
        ("all", PAD, inner),
        ("main", PAD, inner),
        ("a", PAD, 0.6 * inner),
        ("b", PAD, 0.3 * inner),
        ("c", PAD + 0.3 * inner, 0.1 * inner),
        ("c", PAD + 0.6 * inner, 0.4 * inner),
    ];
    let got = rects(&out);
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((gn, gx, gw), (wn, wx, ww)) in got.iter().zip(want) {
        assert_eq!(gn, wn);
        assert!((gx - wx).abs() < 0.01, "{gn}: x {gx}, want {wx}");
        assert!((gw - ww).abs() < 0.01, "{gn}: width {gw}, want {ww}");
    }
}

#[test]
fn titles_carry_value_and_share_of_the_total() {
    let out = svg(&small());
    assert!(out.contains("<title>a (60, 60.00%)</title>"), "{out}");
    assert!(out.contains("<title>all (100, 100.00%)</title>"));
    assert!(out.contains(r#"data-o="30" data-w="10" data-d="3"><title>c (10, 10.00%)"#));
}

#[test]
fn the_root_is_at_the_bottom() {
    let out = svg(&small());
    let y = |name: &str| -> f64 {
        let at = out.find(&format!("<title>{name} (")).unwrap();
        let rest = &out[at..];
        let y = rest.find(" y=\"").unwrap() + 4;
        rest[y..y + rest[y..].find('"').unwrap()].parse().unwrap()
    };
    assert!(y("all") > y("main"));
    assert!(y("main") > y("a"));
    assert_eq!(y("main") - y("a"), 16.0);
}

#[test]
fn frames_narrower_than_a_tenth_of_a_pixel_are_left_out() {
    // 1 in 20000 is 0.059 px wide.
    let p = profile(&[(&[2, 1], 19_999), (&[3, 1], 1)]);
    let out = svg(&p);
    assert!(!out.contains("<title>b ("), "{out}");
    assert!(out.contains("<!-- 1 frames narrower than 0.1 px left out -->"));
    // The dropped frame still takes its room: the sibling after it starts 1 sample in.
    let p = profile(&[(&[2, 1], 1), (&[3, 1], 19_999)]);
    let out = svg(&p);
    assert!(!out.contains("<title>a ("), "{out}");
    assert!(
        out.contains(r#"data-o="1" data-w="19999" data-d="2"><title>b ("#),
        "{out}"
    );
}

#[test]
fn diff_base_frames_show_before_and_after_in_red_and_blue() {
    // After: main->a 30, main->b 10. Before (diff_base samples, negated): main->a 10, main->b 20.
    let mut p = profile(&[(&[2, 1], 30), (&[3, 1], 10), (&[2, 1], -10), (&[3, 1], -20)]);
    for s in &mut p.sample[2..] {
        s.label.push(Label::str("pprof::base", "true"));
    }
    let g = FlameGraph::new(&p, &report(&p));
    assert!(g.is_diff());
    let main = g.frames()[0].children[0];
    let a = g.frames()[main].children[0];
    let f = &g.frames()[a];
    assert_eq!((f.value, f.weight, f.base), (20, 40, 10));
    let out = svg(&p);
    // The total is the base's (30), as pprof's: a grew by 20, 66.67% of it.
    assert!(
        out.contains("<title>a (10 → 30, +20, +66.67%)</title>"),
        "{out}"
    );
    assert!(
        out.contains("<title>b (20 → 10, -10, -33.33%)</title>"),
        "{out}"
    );
    assert!(out.contains("Differential flame graph"));
    // Net change of main is +10, a +20, b -10: a is the reddest.
    assert_eq!(diff_color(20, 20), "rgb(255,20,20)");
    assert!(out.contains(r#"fill="rgb(255,20,20)""#));
    assert!(out.contains(&format!(r#"fill="{}""#, diff_color(-10, 20))));
    assert!(diff_color(-10, 20).ends_with(",255)"));
}

#[test]
fn packages_of_go_and_rust_names() {
    assert_eq!(package("runtime.mallocgc"), "runtime");
    assert_eq!(package("github.com/a/b.(*T).M"), "github.com/a/b");
    assert_eq!(package("sextant::cpu::signal::handler"), "sextant");
    assert_eq!(
        package("<alloc::vec::Vec<T> as core::ops::Drop>::drop"),
        "alloc"
    );
    assert_eq!(package("malloc"), "malloc");
    // One package, one red and blue (the green varies by function); the palette is warm.
    let rb = |c: String| {
        let v: Vec<String> = c.split(',').map(String::from).collect();
        (v[0].clone(), v[2].clone())
    };
    assert_eq!(
        rb(package_color("runtime.a")),
        rb(package_color("runtime.b"))
    );
    let c = package_color("main.main");
    let v: Vec<u32> = c[4..c.len() - 1]
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(v[0] >= 205 && v[2] <= 55, "{c}");
}

#[test]
fn names_are_cut_to_fit_and_escaped() {
    // 12 px Verdana is about 7.08 px a character; 6 px of margin.
    assert_eq!(fit("main.main", 100.0), "main.main");
    // (60 - 6) / 7.08 = 7.6: seven characters, the last two of them "..".
    assert_eq!(fit("runtime.mallocgc", 60.0), "runti..");
    assert_eq!(fit("anything", 20.0), "");
    // Too long whole, the package path goes first: 130 px hold 17 characters.
    assert_eq!(
        fit("github.com/acme/shop/cache.buildFrame", 130.0),
        "cache.buildFrame"
    );
    assert_eq!(
        fit("github.com/acme/shop/cache.buildFrame", 100.0),
        "cache.build.."
    );
    assert_eq!(short_name("net/http.(*conn).serve"), "http.(*conn).serve");
    assert_eq!(
        short_name("sextant::cpu::signal::handler"),
        "signal::handler"
    );
    assert_eq!(
        short_name("<alloc::vec::Vec<T> as Drop>::drop"),
        "<alloc::vec::Vec<T> as Drop>::drop"
    );
    assert_eq!(short_name("main.main"), "main.main");
    assert_eq!(
        escape("<T as A>::f&\"x\""),
        "&lt;T as A&gt;::f&amp;&quot;x&quot;"
    );
}

#[test]
fn children_never_outgrow_their_parent() {
    let p = profile(&[
        (&[2, 1], 7),
        (&[3, 2, 1], 3),
        (&[4, 3, 2, 1], 11),
        (&[4, 1], 5),
        (&[1], 2),
        (&[2, 2, 1], 9),
    ]);
    let g = FlameGraph::new(&p, &report(&p));
    for f in g.frames() {
        let kids: i64 = f.children.iter().map(|&c| g.frames()[c].weight).sum();
        assert!(kids <= f.weight);
        assert_eq!(kids + f.self_value, f.weight);
    }
}

#[test]
fn an_empty_profile_says_so() {
    let out = svg(&profile(&[]));
    assert!(out.contains(">no samples to draw</text>"), "{out}");
    assert!(!out.contains("class=\"f\""));
    assert_eq!(folded(&profile(&[])), "");
}
