//! The example service's profile attributes time as its code says: `marshal_sql` has the
//! highest flat, `query_db`'s cum covers `marshal_sql`'s flat, and `process_request`'s cum
//! is the sum of its children's.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::common::*;

#[path = "../../examples/myapp.rs"]
#[allow(dead_code, unreachable_pub)]
mod myapp;

const P: &str = "cpu::example::myapp::server::";

#[test]
fn the_example_attributes_time_to_its_stages() {
    let _g = serial();
    let profiler = sextant::cpu::ProfilerBuilder::new()
        .rate(250)
        .start()
        .unwrap();
    myapp::server::run(Duration::from_millis(1500));
    let p = profiler.stop().unwrap();

    let (mut flat, mut cum) = (HashMap::<String, i64>::new(), HashMap::<String, i64>::new());
    for s in &p.sample {
        let v = s.value[1];
        let frames: Vec<String> = s.location.iter().flat_map(|&l| names(&p, l)).collect();
        if let Some(leaf) = frames.first() {
            *flat.entry(leaf.clone()).or_default() += v;
        }
        for f in frames.into_iter().collect::<HashSet<_>>() {
            *cum.entry(f).or_default() += v;
        }
    }
    let f = |n: &str| flat.get(&format!("{P}{n}")).copied().unwrap_or(0);
    let c = |n: &str| cum.get(&format!("{P}{n}")).copied().unwrap_or(0);
    println!(
        "flat: marshal_sql {} parse_json {} serialize {} query_db {}",
        f("marshal_sql"),
        f("parse_json"),
        f("serialize"),
        f("query_db")
    );
    let top = flat.iter().max_by_key(|(_, v)| **v).unwrap();
    assert_eq!(top.0, &format!("{P}marshal_sql"), "{flat:#?}");
    assert!(c("query_db") >= f("marshal_sql"));
    let children = c("parse_json") + c("query_db") + c("serialize");
    let parent = c("process_request");
    let err = (parent - children).abs() as f64 / parent as f64;
    assert!(
        err <= 0.05,
        "process_request {parent} vs children {children}"
    );
    assert!(cpu_with_label(&p, "endpoint", "/api/a") > Duration::ZERO);
    assert!(cpu_with_label(&p, "worker", "2") > Duration::ZERO);
}
