//! `/debug/pprof/<name>`: the profiles of [`crate::lookup`], and their delta over `seconds`
//! (Go's `handler.ServeHTTP` and `serveDeltaProfile`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sextant_profile::Profile;

use super::message::{Request, Response, TEXT};
use super::routes::{
    WRITE_TIMEOUT_ERROR, collector_error, exceeds_write_timeout, int_param, sleep,
};
use super::timed::proto_response;
use crate::Lookup;

/// Profiles whose change over an interval means something (Go's `profileSupportsDelta`, with
/// `threads`, our name for `goroutine`).
const SUPPORTS_DELTA: &[&str] = &[
    "allocs",
    "block",
    "goroutine",
    "heap",
    "mutex",
    "threadcreate",
    "threads",
];

/// Serves the profile `name`: profile.proto for `debug=0` (the default), text otherwise;
/// with `seconds=N`, the difference between now and N seconds later. `gc` is accepted and
/// ignored: Rust frees memory as it goes, so a heap profile is always as of now.
pub(crate) fn named(req: &Request, name: &str) -> Response {
    let Some(p) = crate::lookup(name) else {
        return Response::error(404, "Unknown profile");
    };
    if let Some(sec) = req.form_value("seconds").filter(|s| !s.is_empty()) {
        return delta(req, p, &sec);
    }
    let debug = int_param(req, "debug");
    if debug == 0 {
        return match p.profile() {
            Ok(profile) => proto_response(&profile, name),
            Err(e) => collector_error(&format!("Could not collect the {name} profile"), &e),
        };
    }
    // Go passes a negative debug through to WriteTo, which prints text for most profiles;
    // here every non-zero debug is text, and a negative one is read as 1.
    let level = u32::try_from(debug).unwrap_or(1);
    let mut body = Vec::new();
    match p.write_to(&mut body, level) {
        Ok(()) => Response::new(200, TEXT, body),
        Err(e) => collector_error(&format!("Could not write the {name} profile"), &e),
    }
}

/// Go's `serveDeltaProfile`: the same checks in the same order, with Go's error texts.
fn delta(req: &Request, p: Lookup, sec: &str) -> Response {
    let sec = match sec.parse::<i64>() {
        Ok(s) if s > 0 => s,
        _ => {
            return Response::error(
                400,
                r#"invalid value for "seconds" - must be a positive integer"#,
            );
        }
    };
    if !SUPPORTS_DELTA.contains(&p.name()) {
        return Response::error(
            400,
            r#""seconds" parameter is not supported for this profile type"#,
        );
    }
    if exceeds_write_timeout(req, sec as f64) {
        return Response::error(400, WRITE_TIMEOUT_ERROR);
    }
    if int_param(req, "debug") != 0 {
        return Response::error(400, "seconds and debug params are incompatible");
    }
    let mut p0 = match collect(p) {
        Ok(p0) => p0,
        Err(r) => return r,
    };
    if sleep(req, Duration::from_secs(sec.unsigned_abs())) {
        // Go answers a cancelled request's context error; the client is gone anyway.
        return Response::error(500, "context canceled");
    }
    let p1 = match collect(p) {
        Ok(p1) => p1,
        Err(r) => return r,
    };
    let (ts, dur) = (p1.time_nanos, p1.time_nanos - p0.time_nanos);
    p0.scale(-1.0);
    let Ok(mut d) = sextant_profile::merge(&[&p0, &p1]) else {
        return Response::error(500, "failed to compute delta");
    };
    d.time_nanos = ts;
    d.duration_nanos = dur;
    proto_response(&d, &format!("{}-delta", p.name()))
}

/// Go's `collectProfile`: the profile, stamped with the time it was taken. A profile this
/// build does not collect is answered as everywhere else (501); other failures with Go's text.
fn collect(p: Lookup) -> Result<Profile, Response> {
    match p.profile() {
        Ok(mut profile) => {
            profile.time_nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
            Ok(profile)
        }
        Err(e @ crate::Error::Unavailable(_)) => Err(collector_error("", &e)),
        Err(_) => Err(Response::error(500, "failed to collect profile")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(target: &str) -> Response {
        super::super::handle(&Request::new("GET", target).unwrap())
    }

    fn text(r: &Response) -> &str {
        std::str::from_utf8(r.body()).unwrap()
    }

    #[test]
    fn unknown_profiles_are_go_404() {
        for t in [
            "/debug/pprof/nope",
            "/debug/pprof/heap/x",
            "/debug/pprof/Heap?debug=1",
        ] {
            let r = get(t);
            assert_eq!((r.status(), text(&r)), (404, "Unknown profile\n"), "{t}");
            assert_eq!(r.header("X-Go-Pprof"), Some("1"));
            assert_eq!(r.header("Content-Disposition"), None);
        }
    }

    #[test]
    fn delta_checks_come_in_go_order() {
        let bad = r#"invalid value for "seconds" - must be a positive integer"#;
        for s in ["0", "-1", "x", "1.5", "99999999999999999999", "%2B"] {
            let r = get(&format!("/debug/pprof/heap?seconds={s}"));
            assert_eq!((r.status(), text(&r).trim_end()), (400, bad), "seconds={s}");
        }
        let r = get("/debug/pprof/heap?seconds=1&debug=1");
        assert_eq!(
            (r.status(), text(&r)),
            (400, "seconds and debug params are incompatible\n")
        );
        let req = Request::new("GET", "/debug/pprof/mutex?seconds=5")
            .unwrap()
            .with_write_timeout(Duration::from_secs(5));
        let r = super::super::handle(&req);
        assert_eq!(
            (r.status(), text(&r).trim_end()),
            (400, WRITE_TIMEOUT_ERROR)
        );
    }

    #[test]
    fn an_empty_seconds_is_no_delta() {
        // Go tests `sec != ""`; the plain profile is served (or its collector's error).
        let r = get("/debug/pprof/heap?seconds=");
        assert_ne!(r.status(), 400, "{}", text(&r));
    }
}
