//! The `/debug/pprof` endpoint: Go's `net/http/pprof` for Rust programs.
//!
//! Add one line to `main`, as Go programs add `import _ "net/http/pprof"`:
//!
//! ```no_run
//! let _pprof = sextant::http::serve("127.0.0.1:6060")?;
//! // ... the program runs; the endpoint serves on a thread of its own ...
//! # Ok::<(), sextant::Error>(())
//! ```
//!
//! Then look at the program while it runs, with Go's tools or ours:
//!
//! ```text
//! go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=30   # CPU
//! go tool pprof http://127.0.0.1:6060/debug/pprof/heap                 # live memory
//! curl http://127.0.0.1:6060/debug/pprof/goroutine?debug=2             # every thread's stack
//! ```
//!
//! To see all available profiles, open `http://127.0.0.1:6060/debug/pprof/` in a browser.
//!
//! # Routes
//!
//! Go's, with its parameters, content types, headers, status codes and error texts
//! (`Unknown profile`, `Could not enable CPU profiling: cpu profiling already in use`,
//! `profile duration exceeds server's WriteTimeout`, ...):
//!
//! | route | answers |
//! |---|---|
//! | `/debug/pprof/` | the HTML index: every profile with its count and description |
//! | `profile?seconds=N` | a CPU profile of the next N seconds (default 30), [`crate::cpu`] |
//! | `heap`, `allocs` | memory profiles ([`crate::lookup`]); `gc=1` is accepted and ignored |
//! | `threads`, `goroutine` | every thread's stack; `debug=1` text, `debug=2` one dump per thread |
//! | `block`, `mutex`, `threadcreate` | the other profiles of [`crate::lookup`] |
//! | `<profile>?seconds=N` | the change over N seconds (heap, allocs, block, mutex, threads, threadcreate), as Go 1.16+ |
//! | `<profile>?debug=1` | Go's legacy text format instead of profile.proto |
//! | `cmdline` | the command line, arguments separated by NUL bytes |
//! | `symbol` | function names of addresses (GET query or POST body), for `go tool pprof` |
//! | `wall?seconds=N&hz=M` | beyond Go: a wall-clock profile of the next N seconds (default 30), every thread running or waiting, [`crate::wall`] |
//! | `trace?seconds=N` | a 501: sextant has no execution tracer yet |
//!
//! A profile this build does not collect is answered with a 501 that names it. Go 1.22 and
//! later answer only GET; this endpoint answers any method, as Go 1.19 did, so
//! `POST /debug/pprof/symbol` works for `go tool pprof`'s symbolizer.
//!
//! # Security
//!
//! Only loopback addresses are bound unless [`Builder::allow_remote`] says otherwise (a
//! warning then goes to stderr); [`Builder::token`] requires a bearer token; requests are
//! limited in size ([`Builder::max_request_bytes`]) and time ([`Builder::read_timeout`],
//! [`Builder::write_timeout`]), connections in number ([`Builder::max_connections`]); a panic
//! in a handler is answered with a 500 and never reaches the host program.
//!
//! # Other servers
//!
//! [`handle`] serves one [`Request`] and returns a [`Response`]; any framework can call it.
//! With the `axum` feature, `router()` mounts the same routes on an axum app.
//! Both go through [`handle`], as does [`serve`]'s own server.

#[cfg(feature = "axum")]
mod axum;
mod conn;
mod index;
mod message;
mod named;
mod routes;
mod server;
mod symbol;
mod timed;

#[cfg(feature = "axum")]
pub use self::axum::{router, router_with_token};
#[doc(hidden)]
pub use conn::{FuzzWire, fuzz_read_requests};
pub use message::{Request, Response};
pub use routes::handle;
pub use server::{
    Builder, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_READ_TIMEOUT, Server,
    serve,
};
