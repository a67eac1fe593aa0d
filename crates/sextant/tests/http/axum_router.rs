//! `sextant::http::router()` merged into an axum app serves the same routes as the server of
//! `serve`, beside the app's own.

use std::net::SocketAddr;

use super::common::*;

/// Serves `app` on a free loopback port on its own runtime thread; dropping the returned
/// runtime stops it.
fn serve_axum(app: axum::Router) -> (tokio::runtime::Runtime, SocketAddr) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
    (rt, addr)
}

#[test]
fn the_routes_mount_on_an_axum_app() {
    let app = axum::Router::new()
        .route("/", axum::routing::get(|| async { "the app" }))
        .merge(sextant::http::router());
    let (_rt, addr) = serve_axum(app);
    assert_eq!(get(addr, "/").text(), "the app");

    let r = get(addr, "/debug/pprof/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.text().contains("<a href='heap?debug=1'>heap</a>"));

    let r = get(addr, "/debug/pprof/cmdline");
    let want: Vec<String> = std::env::args().collect();
    assert_eq!(r.body, want.join("\0").into_bytes());

    let r = get(addr, "/debug/pprof/nosuch");
    assert_eq!((r.status, r.text().as_str()), (404, "Unknown profile\n"));
    assert_eq!(r.header("x-go-pprof"), Some("1"));

    let r = request(addr, "POST", "/debug/pprof/symbol", &[], b"0x1");
    assert_eq!((r.status, r.text().as_str()), (200, "num_symbols: 1\n"));

    let r = get(addr, "/debug/pprof");
    assert_eq!(
        (r.status, r.header("location")),
        (301, Some("/debug/pprof/"))
    );
}

#[test]
fn a_cpu_profile_through_axum_shows_the_busy_function() {
    let _g = serial();
    let (_rt, addr) = serve_axum(sextant::http::router());
    let worker = std::thread::spawn(|| burn_in_http_test(std::time::Duration::from_millis(1500)));
    let r = get(addr, "/debug/pprof/profile?seconds=1");
    worker.join().unwrap();
    let p = r.profile("profile");
    assert!(
        p.function
            .iter()
            .any(|f| f.name.ends_with("burn_in_http_test"))
    );
}

#[test]
fn the_axum_router_can_require_a_token() {
    let (_rt, addr) = serve_axum(sextant::http::router_with_token("t0k"));
    assert_eq!(get(addr, "/debug/pprof/cmdline").status, 401);
    let r = request(
        addr,
        "GET",
        "/debug/pprof/cmdline",
        &[("Authorization", "Bearer t0k")],
        b"",
    );
    assert_eq!(r.status, 200);
}
