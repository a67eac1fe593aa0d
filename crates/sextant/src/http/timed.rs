//! The profiles of the next `seconds`: `/debug/pprof/profile` (CPU, Go's `Profile`) and
//! `/debug/pprof/wall` (wall-clock, sextant's own).

use std::time::Duration;

use sextant_profile::Profile;

use super::message::{BINARY, Request, Response};
use super::routes::{
    WRITE_TIMEOUT_ERROR, exceeds_write_timeout, int_param, profile_seconds, sleep,
};
use crate::error::Result;

/// Samples the CPU time of the whole process for `seconds` (default 30) at the rate of
/// [`crate::cpu::set_rate`] and answers the profile. As in Go, a client that goes away ends
/// the wait early (the partial profile is still built, and its write fails), and a second
/// request while one runs gets Go's 500.
pub(crate) fn profile(req: &Request) -> Response {
    timed(req, "profile", "CPU profiling", || {
        let p = crate::cpu::ProfilerBuilder::new().start()?;
        Ok(Box::new(move || p.stop()))
    })
}

/// Samples every thread's stack for `seconds` (default 30) of real time, running or waiting
/// ([`crate::wall`]), at `hz` samples a second (default [`crate::wall::DEFAULT_RATE`]).
pub(crate) fn wall(req: &Request) -> Response {
    let hz = u32::try_from(int_param(req, "hz"))
        .ok()
        .filter(|&hz| hz > 0)
        .unwrap_or(crate::wall::DEFAULT_RATE);
    timed(req, "wall", "wall-clock profiling", move || {
        let p = crate::wall::ProfilerBuilder::new().rate(hz).start()?;
        Ok(Box::new(move || p.stop()))
    })
}

type Stop = Box<dyn FnOnce() -> Result<Profile>>;

/// Go's `Profile` handler around any profiler: the duration and its checks, the start and
/// its error text, the wait, the answer.
fn timed(req: &Request, name: &str, what: &str, start: impl FnOnce() -> Result<Stop>) -> Response {
    let sec = profile_seconds(req);
    if exceeds_write_timeout(req, sec as f64) {
        return Response::error(400, WRITE_TIMEOUT_ERROR);
    }
    let stop = match start() {
        Ok(stop) => stop,
        Err(e) => return Response::error(500, &format!("Could not enable {what}: {e}")),
    };
    sleep(req, Duration::from_secs(sec.unsigned_abs()));
    match stop() {
        Ok(p) => proto_response(&p, name),
        Err(e) => Response::error(500, &format!("Could not build the {name} profile: {e}")),
    }
}

/// A profile as Go serves one: gzip-compressed profile.proto, `application/octet-stream`,
/// an attachment named `filename`.
pub(crate) fn proto_response(profile: &Profile, filename: &str) -> Response {
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
