//! Routing, and the small handlers: cmdline and trace (net/http/pprof's `Index` dispatch,
//! `Cmdline`, `Trace`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use super::message::{Request, Response, TEXT};
use super::{index, named, symbol, timed};
use crate::error::Error;

/// The prefix of every route, as Go's.
pub(crate) const PREFIX: &str = "/debug/pprof/";

/// How often a waiting handler looks whether its client has gone: often enough that a
/// cancelled 30 s profile frees its thread at once, rarely enough to cost nothing.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// Serves one request to `/debug/pprof/...`, as Go's net/http/pprof handlers do.
///
/// A handler that waits (`profile`, `wall`, delta profiles) blocks the calling thread for the
/// time asked, polling [`Request::is_cancelled`]; call it from a thread that may block
/// (axum's router runs it on tokio's blocking pool). A panic inside is caught and answered
/// with a 500, so a bug in a collector never takes the host program down.
pub fn handle(req: &Request) -> Response {
    guarded(req, route)
}

/// Runs `f`, turning a panic into a 500 that names the path.
pub(crate) fn guarded(req: &Request, f: impl FnOnce(&Request) -> Response) -> Response {
    match catch_unwind(AssertUnwindSafe(|| f(req))) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string panic payload".into());
            Response::error(
                500,
                &format!(
                    "internal error: the handler of {} panicked: {what}",
                    req.path()
                ),
            )
        }
    }
}

fn route(req: &Request) -> Response {
    let path = req.path();
    if path == PREFIX.trim_end_matches('/') {
        // Go's ServeMux redirects a subtree's root without its slash.
        return Response::new(301, "text/html; charset=utf-8", Vec::new())
            .with_header("Location", PREFIX);
    }
    let Some(name) = path.strip_prefix(PREFIX) else {
        return Response::new(404, TEXT, b"404 page not found\n".to_vec());
    };
    match name {
        "" => index::index(),
        "cmdline" => cmdline(),
        "profile" => timed::profile(req),
        "symbol" => symbol::symbol(req),
        "trace" => trace(req),
        "wall" => timed::wall(req),
        _ => named::named(req, name),
    }
}

/// The command line, arguments joined by NUL bytes (Go's `Cmdline`).
fn cmdline() -> Response {
    use std::os::unix::ffi::OsStrExt;
    let args: Vec<_> = std::env::args_os().collect();
    let body = args
        .iter()
        .map(|a| a.as_bytes())
        .collect::<Vec<_>>()
        .join(&0u8);
    Response::new(200, TEXT, body)
}

/// Go's `Trace`, up to the point where it would start the tracer, which sextant does not
/// have yet: the same duration checks, then a 501 that says so.
fn trace(req: &Request) -> Response {
    let sec = req
        .form_value("seconds")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|&s| s > 0.0)
        .unwrap_or(1.0);
    if exceeds_write_timeout(req, sec) {
        return Response::error(400, WRITE_TIMEOUT_ERROR);
    }
    Response::error(
        501,
        "Could not enable tracing: sextant has no execution tracer yet (sextant::trace is not \
         implemented); /debug/pprof/profile serves CPU profiles",
    )
}

/// Go's error text for a profile longer than the server's write timeout.
pub(crate) const WRITE_TIMEOUT_ERROR: &str = "profile duration exceeds server's WriteTimeout";

/// Go's `durationExceedsWriteTimeout`.
pub(crate) fn exceeds_write_timeout(req: &Request, seconds: f64) -> bool {
    req.write_timeout()
        .is_some_and(|t| !t.is_zero() && seconds >= t.as_secs_f64())
}

/// The `seconds` of the CPU and wall profiles: Go's `strconv.ParseInt(s, 10, 64)`, with
/// anything unparsable or not positive meaning 30.
pub(crate) fn profile_seconds(req: &Request) -> i64 {
    req.form_value("seconds")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(30)
}

/// Go's `strconv.Atoi` as net/http/pprof uses it for `debug` and `gc`: 0 when absent or
/// unparsable.
pub(crate) fn int_param(req: &Request, key: &str) -> i64 {
    req.form_value(key)
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0)
}

/// Sleeps for `d`, or until the client goes away (Go's `sleep(r, d)`). Returns whether it was
/// cancelled. Durations too long for the clock wait for cancellation alone.
pub(crate) fn sleep(req: &Request, d: Duration) -> bool {
    let deadline = Instant::now().checked_add(d);
    loop {
        if req.is_cancelled() {
            return true;
        }
        let left = match deadline {
            Some(t) => t.saturating_duration_since(Instant::now()),
            None => CANCEL_POLL,
        };
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(left.min(CANCEL_POLL));
    }
}

/// A collector's error as a response: a profile this build does not collect is a 501 that
/// says which; any other failure a 500 with `context` and the error.
pub(crate) fn collector_error(context: &str, e: &Error) -> Response {
    match e {
        Error::Unavailable(_) => Response::error(501, &format!("{e} (not implemented yet)")),
        _ => Response::error(500, &format!("{context}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(target: &str) -> Response {
        handle(&Request::new("GET", target).unwrap())
    }

    #[test]
    fn a_panicking_handler_is_answered_with_500() {
        let req = Request::new("GET", "/debug/pprof/boom").unwrap();
        let r = guarded(&req, |_| panic!("collector bug {}", 7));
        assert_eq!(r.status(), 500);
        let body = String::from_utf8(r.into_body()).unwrap();
        assert!(body.contains("/debug/pprof/boom"), "{body}");
        assert!(body.contains("collector bug 7"), "{body}");
    }

    #[test]
    fn routes_outside_the_prefix_are_go_mux_not_found() {
        let r = get("/debug/pprofx");
        assert_eq!((r.status(), r.body()), (404, &b"404 page not found\n"[..]));
        let r = get("/debug/pprof");
        assert_eq!(
            (r.status(), r.header("location")),
            (301, Some("/debug/pprof/"))
        );
    }

    #[test]
    fn cmdline_is_argv_joined_by_nul() {
        let r = get("/debug/pprof/cmdline");
        let want: Vec<String> = std::env::args().collect();
        assert_eq!(r.body(), want.join("\0").as_bytes());
        assert_eq!(r.header("content-type"), Some(TEXT));
    }

    #[test]
    fn trace_is_not_implemented_but_checks_the_write_timeout_first() {
        let r = get("/debug/pprof/trace?seconds=2");
        assert_eq!(r.status(), 501);
        let req = Request::new("GET", "/debug/pprof/trace?seconds=2.5")
            .unwrap()
            .with_write_timeout(Duration::from_secs(2));
        let r = handle(&req);
        assert_eq!(r.status(), 400);
        assert_eq!(r.body(), format!("{WRITE_TIMEOUT_ERROR}\n").as_bytes());
    }

    #[test]
    fn sleep_ends_when_the_client_goes() {
        let req = Request::new("GET", "/").unwrap().with_cancel(|| true);
        assert!(sleep(&req, Duration::MAX));
        let req = Request::new("GET", "/").unwrap();
        assert!(!sleep(&req, Duration::from_millis(1)));
    }
}
