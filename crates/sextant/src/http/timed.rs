//! `/debug/pprof/profile`: a CPU profile of the next `seconds` (Go's `Profile`).

use std::time::Duration;

use super::message::{BINARY, Request, Response};
use super::routes::{WRITE_TIMEOUT_ERROR, exceeds_write_timeout, profile_seconds, sleep};

/// Samples the whole process for `seconds` (default 30) at the rate of
/// [`crate::cpu::set_rate`] and answers the profile. As in Go, a client that goes away ends
/// the wait early (the partial profile is still built, and its write fails), and a second
/// request while one runs gets Go's 500.
pub(crate) fn profile(req: &Request) -> Response {
    let sec = profile_seconds(req);
    if exceeds_write_timeout(req, sec as f64) {
        return Response::error(400, WRITE_TIMEOUT_ERROR);
    }
    let profiler = match crate::cpu::ProfilerBuilder::new().start() {
        Ok(p) => p,
        Err(e) => return Response::error(500, &format!("Could not enable CPU profiling: {e}")),
    };
    sleep(req, Duration::from_secs(sec.unsigned_abs()));
    let profile = match profiler.stop() {
        Ok(p) => p,
        Err(e) => return Response::error(500, &format!("Could not build the CPU profile: {e}")),
    };
    proto_response(&profile, "profile")
}

/// A profile as Go serves one: gzip-compressed profile.proto, `application/octet-stream`,
/// an attachment named `filename`.
pub(crate) fn proto_response(profile: &sextant_profile::Profile, filename: &str) -> Response {
    let mut body = Vec::new();
    if let Err(e) = profile.write(&mut body) {
        return Response::error(
            500,
            &format!("Could not encode the {filename} profile: {e}"),
        );
    }
    Response::new(200, BINARY, body).with_header(
        "Content-Disposition",
        &format!("attachment; filename=\"{filename}\""),
    )
}
