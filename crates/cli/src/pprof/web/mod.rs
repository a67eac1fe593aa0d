//! `sextant pprof -http=host:port`: go tool pprof's web UI (`internal/driver/webui.go`).
//!
//! The profile is fetched once and kept; every request re-runs the report pipeline on a copy
//! with the options of its URL (the command line's, then the query's `f=`, `i=`, `si=`...), so
//! links and the browser's history hold the whole state. Routes are pprof's, under `/ui/`:
//! the graph (`/ui/`), `top`, `flamegraph` (our `-flame` SVG), `peek`, `source`, `disasm`
//! (through binutils) and `download`. The server is a plain `std::net` loop, one thread per
//! connection: the UI has one user, and a slow report must not block the next click.
//!
//! As in pprof, a server bound to a local name answers local clients only, and with no host
//! it binds the loopback interface.

mod configs;
mod http;
mod page;
mod params;
mod views;
mod weblist;

pub(crate) use weblist::standalone as weblist;

use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;

use sextant_profile::Profile;

use super::Failure;
use super::config::Config;
use http::{Request, Response};

/// What every request works from: the loaded profile and the command line's options.
#[derive(Debug)]
pub(crate) struct State {
    profile: Profile,
    cfg: Config,
    sample_types: Vec<String>,
    /// Whether only loopback clients are served (the host is a local name).
    local_only: bool,
}

/// Serves the web UI on `hostport` until the process is killed; prints Go's
/// `Serving web UI on http://host:port` line first.
pub(crate) fn serve(
    hostport: &str,
    profile: Profile,
    cfg: Config,
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    let (host, port) = split_host_port(hostport)?;
    let listener = bind(&host, port)?;
    let port = listener
        .local_addr()
        .map_err(|e| Failure::failed(format!("could not read the listening address: {e}")))?
        .port();
    let sample_types = profile.sample_type.iter().map(|t| t.kind.clone()).collect();
    let state = Arc::new(State {
        profile,
        cfg,
        sample_types,
        local_only: is_localhost(&host),
    });
    let shown = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let _ = writeln!(stderr, "Serving web UI on http://{shown}:{port}");
    let _ = stderr.flush();
    for conn in listener.incoming() {
        let Ok(stream) = conn else {
            continue;
        };
        let state = Arc::clone(&state);
        std::thread::spawn(move || handle(&state, stream));
    }
    Ok(())
}

/// Go's `net.SplitHostPort` plus pprof's defaults: no host means `localhost`, no port a free
/// one.
fn split_host_port(hostport: &str) -> Result<(String, u16), Failure> {
    let bad = |why: &str| {
        Failure::usage(format!(
            "could not split http address: address {hostport}: {why}"
        ))
        .hint("give -http=host:port, such as -http=localhost:8080 or -http=:0")
    };
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (h, p) = rest
            .split_once(']')
            .ok_or_else(|| bad("missing ']' in address"))?;
        (
            h,
            p.strip_prefix(':')
                .ok_or_else(|| bad("missing port in address"))?,
        )
    } else {
        let (h, p) = hostport
            .rsplit_once(':')
            .ok_or_else(|| bad("missing port in address"))?;
        if h.contains(':') {
            return Err(bad("too many colons in address"));
        }
        (h, p)
    };
    let host = if host.is_empty() { "localhost" } else { host };
    let port = if port.is_empty() {
        0
    } else {
        port.parse::<u16>()
            .map_err(|_| Failure::usage(format!("invalid port number: {port:?}")))?
    };
    Ok((host.to_string(), port))
}

/// Listens on `host:port`; `localhost` means the IPv4 loopback, so that the server is never
/// reachable from another machine by accident.
fn bind(host: &str, port: u16) -> Result<TcpListener, Failure> {
    let addrs: Vec<SocketAddr> = if host == "localhost" {
        vec![SocketAddr::from(([127, 0, 0, 1], port))]
    } else {
        (host, port)
            .to_socket_addrs()
            .map_err(|e| Failure::failed(format!("could not resolve {host}: {e}")))?
            .collect()
    };
    TcpListener::bind(&addrs[..])
        .map_err(|e| Failure::failed(format!("could not listen on {host}:{port}: {e}")))
}

/// pprof's `isLocalhost`.
fn is_localhost(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1")
}

fn handle(state: &State, mut stream: TcpStream) {
    let req = match http::read_request(&stream) {
        Ok(Some(r)) => r,
        Ok(None) => {
            let r = Response::text_error(400, "malformed request");
            let _ = http::write_response(&mut stream, &r, false);
            return;
        }
        Err(_) => return,
    };
    let peer_local = stream
        .peer_addr()
        .map(|a| is_loopback(a.ip()))
        .unwrap_or(false);
    let response = if state.local_only && !peer_local {
        Response::text_error(403, "permission denied")
    } else if req.method != "GET" && req.method != "HEAD" {
        let mut r = Response::text_error(405, "method not allowed");
        r.headers.push(("Allow", "GET, HEAD".into()));
        r
    } else {
        route(state, &req)
    };
    let _ = http::write_response(&mut stream, &response, req.method == "HEAD");
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v| v.is_loopback()),
    }
}

/// pprof's handlers, mounted under `/ui/`; the root redirects there with its query.
fn route(state: &State, req: &Request) -> Response {
    let query = if req.raw_query.is_empty() {
        String::new()
    } else {
        format!("?{}", req.raw_query)
    };
    match req.path.as_str() {
        "/" => Response::redirect(307, &format!("/ui/{query}")),
        "/ui" => Response::redirect(301, &format!("/ui/{query}")),
        "/ui/" => views::graph(state, req).unwrap_or_else(|r| r),
        "/ui/top" => views::top(state, req).unwrap_or_else(|r| r),
        "/ui/flamegraph" => views::flame_page(state, req).unwrap_or_else(|r| r),
        "/ui/flamegraph.svg" => views::flame_svg(state, req).unwrap_or_else(|r| r),
        "/ui/peek" => views::peek(state, req).unwrap_or_else(|r| r),
        "/ui/source" => views::source(state, req).unwrap_or_else(|r| r),
        "/ui/disasm" => views::disasm(state, req).unwrap_or_else(|r| r),
        "/ui/download" => views::download(state),
        "/ui/saveconfig" => match configs::save(&state.cfg, &req.query) {
            Ok(()) => Response::ok("text/plain; charset=utf-8", ""),
            Err(e) => Response::text_error(400, &e),
        },
        "/ui/deleteconfig" => match configs::delete(req.param("config")) {
            Ok(()) => Response::ok("text/plain; charset=utf-8", ""),
            Err(e) => Response::text_error(400, &e),
        },
        _ => Response::text_error(404, "404 page not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_peers_count_as_local() {
        assert!(is_loopback("127.0.0.1".parse().unwrap()));
        assert!(is_loopback("127.3.2.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_loopback("192.168.1.5".parse().unwrap()));
        assert!(!is_loopback("::ffff:10.0.0.1".parse().unwrap()));
        assert!(is_localhost("localhost") && is_localhost("::1"));
        assert!(!is_localhost("0.0.0.0"));
    }

    #[test]
    fn addresses_split_as_go_splits_them() {
        assert_eq!(split_host_port(":0").unwrap(), ("localhost".into(), 0));
        assert_eq!(
            split_host_port("127.0.0.1:8080").unwrap(),
            ("127.0.0.1".into(), 8080)
        );
        assert_eq!(split_host_port("[::1]:").unwrap(), ("::1".into(), 0));
        assert_eq!(
            split_host_port("localhost").unwrap_err().message,
            "could not split http address: address localhost: missing port in address"
        );
        assert_eq!(
            split_host_port("h:x").unwrap_err().message,
            "invalid port number: \"x\""
        );
    }
}
