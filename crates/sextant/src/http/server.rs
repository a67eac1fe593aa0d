//! The endpoint's own server: a listener thread, a thread per connection, the limits.
//!
//! # Design
//!
//! No async runtime: the endpoint is a diagnostic door that sees a handful of clients, and
//! its slow requests (a 30 s CPU profile) block on purpose, so a thread per connection is
//! the simple shape that fits. A flood cannot turn that into unbounded threads: past
//! [`Builder::max_connections`] a connection gets a 503 and is closed at once by the
//! listener thread. Every read has a deadline ([`Builder::read_timeout`]) and every write
//! one too ([`Builder::write_timeout`], or 30 s without progress), so no client can hold a
//! thread for long by sending or reading nothing. [`Server::stop`] shuts every connection's
//! socket down, which ends their reads, writes and waits at once.
//!
//! The listener thread is named `sextant-http`, connection threads `sextant-http-c` (Linux
//! keeps 15 bytes of a thread's name), so thread dumps and profiles tell them apart.

use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::conn::{Conn, ReadError, Wire};
use super::message::{Request, Response};
use super::routes::{guarded, handle};
use crate::error::{Error, Result};

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// Go's `http.DefaultMaxHeaderBytes`: room for any head a client sends, and for a
/// `POST /debug/pprof/symbol` of some 60,000 addresses.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 1 << 20;
/// A client on the same host sends its request in milliseconds; 10 s leaves room for a
/// loaded machine and bounds a client that connects and sends nothing.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// `go tool pprof` and curl use one connection each; 64 serves many at once while bounding
/// the threads (and their stacks) a flood can cost the host.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;

/// How long the listener thread waits for a connection before looking at the stop flag.
const ACCEPT_POLL: Duration = Duration::from_millis(100);
/// How long [`Server::stop`] waits for connection threads after shutting their sockets.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Options of the endpoint's server; [`serve`] is `Builder::new(addr).serve()`.
pub struct Builder {
    addrs: std::io::Result<Vec<SocketAddr>>,
    allow_remote: bool,
    token: Option<String>,
    max_request_bytes: usize,
    read_timeout: Duration,
    write_timeout: Option<Duration>,
    max_connections: usize,
    handler: Handler,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("addrs", &self.addrs)
            .field("allow_remote", &self.allow_remote)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("max_request_bytes", &self.max_request_bytes)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

/// Starts the endpoint on `addr` (such as `"127.0.0.1:6060"`, or port 0 for any free port)
/// with the default limits; see [`Builder`] for the options.
///
/// # Errors
///
/// As [`Builder::serve`].
pub fn serve(addr: impl ToSocketAddrs) -> Result<Server> {
    Builder::new(addr).serve()
}

impl Builder {
    /// Options for serving on `addr`: loopback only, no token, the default limits.
    pub fn new(addr: impl ToSocketAddrs) -> Builder {
        Builder {
            addrs: addr.to_socket_addrs().map(Iterator::collect),
            allow_remote: false,
            token: None,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            read_timeout: DEFAULT_READ_TIMEOUT,
            write_timeout: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            handler: Arc::new(handle),
        }
    }

    /// Whether an address other than loopback may be bound (default false). Profiles show
    /// the program's code, its command line and where its memory goes; serving them to the
    /// network is a decision, so it takes this call, and a warning goes to stderr.
    pub fn allow_remote(mut self, allow: bool) -> Builder {
        self.allow_remote = allow;
        self
    }

    /// Requires `Authorization: Bearer <token>` on every request; others get a 401.
    /// (`go tool pprof` sends no header: fetch with `curl -H`, then read the file.)
    pub fn token(mut self, token: impl Into<String>) -> Builder {
        self.token = Some(token.into());
        self
    }

    /// The largest request, head and body, accepted (default 1 MiB, Go's header limit).
    /// A larger head gets a 431, a larger body a 413.
    pub fn max_request_bytes(mut self, bytes: usize) -> Builder {
        self.max_request_bytes = bytes;
        self
    }

    /// How long a client has to send a whole request, head and body (Go's `ReadTimeout`;
    /// default 10 s). A client that sends part of one gets a 408; one that sends nothing,
    /// or nothing more on a kept-alive connection, is closed.
    pub fn read_timeout(mut self, timeout: Duration) -> Builder {
        self.read_timeout = timeout;
        self
    }

    /// How long after its request a response must be written (Go's `WriteTimeout`; none by
    /// default, as Go's). As in Go, profiles asked to last that long or longer are refused
    /// with "profile duration exceeds server's WriteTimeout". Without it, a client that stops
    /// reading is dropped after 30 s without progress.
    pub fn write_timeout(mut self, timeout: Duration) -> Builder {
        self.write_timeout = Some(timeout);
        self
    }

    /// The most connections served at once (default 64); one more gets a 503 and is closed.
    pub fn max_connections(mut self, n: usize) -> Builder {
        self.max_connections = n.max(1);
        self
    }

    /// Serves `handler` instead of [`handle`](super::handle), to add routes beside the
    /// profiles (call `handle` for the rest). Its panics are caught as `handle`'s are.
    pub fn handler(
        mut self,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> Builder {
        self.handler = Arc::new(handler);
        self
    }

    /// Binds and starts serving on a thread of its own, `sextant-http`.
    ///
    /// # Errors
    ///
    /// [`Error::Http`] if the address does not resolve, or is not loopback and
    /// [`Builder::allow_remote`] was not given; [`Error::Os`] if binding fails (the port is
    /// taken, say) or the thread cannot start.
    pub fn serve(self) -> Result<Server> {
        let addrs = self
            .addrs
            .as_ref()
            .map_err(|e| Error::Http(format!("resolving the address to serve on: {e}")))?;
        if addrs.is_empty() {
            return Err(Error::Http(
                "the address to serve on resolves to nothing".into(),
            ));
        }
        if let Some(a) = addrs.iter().find(|a| !is_loopback(a.ip())) {
            if !self.allow_remote {
                return Err(Error::Http(format!(
                    "refusing to serve /debug/pprof on {a}, which is not a loopback address: \
                     profiles expose the program's code, command line and memory; use \
                     Builder::allow_remote(true) to serve them to other hosts"
                )));
            }
        }
        let listener = TcpListener::bind(&addrs[..]).map_err(|source| Error::Os {
            call: "bind",
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| Error::Os {
            call: "getsockname",
            source,
        })?;
        if !is_loopback(addr.ip()) {
            eprintln!(
                "sextant::http: warning: serving /debug/pprof on {addr}, reachable from other \
                 hosts{}",
                if self.token.is_some() {
                    ""
                } else {
                    ", without a token"
                }
            );
        }
        let shared = Arc::new(Shared {
            config: self,
            stop: Arc::new(AtomicBool::new(false)),
            conns: Mutex::new(Conns::default()),
            drained: Condvar::new(),
        });
        let s = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("sextant-http".into())
            .spawn(move || accept_loop(listener, s))
            .map_err(|source| Error::Os {
                call: "spawn",
                source,
            })?;
        Ok(Server {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The running endpoint. Dropping it stops it, as [`Server::stop`]; keep it for as long as
/// the endpoint should serve (for the whole program: [`Server::detach`]).
#[must_use = "dropping the Server stops the endpoint at once; keep it, or call detach()"]
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// The address served, with the port chosen when port 0 was asked for.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, ends every open connection (a profile being collected is cut short
    /// and not sent, nor is any answer not yet written), and waits up to 5 s for their
    /// threads to finish.
    pub fn stop(mut self) {
        self.stop_now();
    }

    /// Serves until the program exits, without keeping the handle.
    pub fn detach(self) {
        std::mem::forget(self);
    }

    fn stop_now(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = acceptor.join();
        let mut conns = self.shared.lock();
        for s in conns.open.values() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let deadline = Instant::now() + STOP_GRACE;
        while !conns.open.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            conns = self
                .shared
                .drained
                .wait_timeout(conns, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_now();
    }
}

struct Shared {
    config: Builder,
    stop: Arc<AtomicBool>,
    conns: Mutex<Conns>,
    drained: Condvar,
}

/// The open connections, by id: a handle on each socket to shut it down at stop.
#[derive(Default)]
struct Conns {
    next: u64,
    open: HashMap<u64, TcpStream>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Conns> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    while !shared.stop.load(Ordering::SeqCst) {
        if !readable(&listener, ACCEPT_POLL) {
            continue;
        }
        match listener.accept() {
            Ok((stream, _)) => admit(stream, &shared),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                ) => {}
            // Out of descriptors or memory: wait for some to be freed rather than spin.
            Err(_) => std::thread::sleep(ACCEPT_POLL),
        }
    }
}

/// Whether `listener` has a connection waiting, after up to `timeout`.
fn readable(listener: &TcpListener, timeout: Duration) -> bool {
    let mut fds = [libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    }];
    // SAFETY: `fds` is one valid pollfd for the duration of the call, its descriptor is the
    // listener's, open while `listener` is borrowed.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), 1, timeout.as_millis() as libc::c_int) };
    n > 0
}

/// Hands a new connection to a thread of its own, or refuses it past the limit.
fn admit(stream: TcpStream, shared: &Arc<Shared>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_nodelay(true);
    let Ok(handle) = stream.try_clone() else {
        return;
    };
    let id = {
        let mut conns = shared.lock();
        if conns.open.len() >= shared.config.max_connections {
            drop(conns);
            let text = format!(
                "too many connections: the /debug/pprof endpoint serves at most {} at once",
                shared.config.max_connections
            );
            refuse(stream, &Response::error(503, &text));
            return;
        }
        conns.next += 1;
        let id = conns.next;
        conns.open.insert(id, handle);
        id
    };
    let s = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name("sextant-http-c".into())
        .spawn(move || {
            let _done = Done(&s, id);
            serve_conn(stream, &s);
        });
    if spawned.is_err() {
        let handle = shared.lock().open.remove(&id);
        if let Some(h) = handle {
            refuse(
                h,
                &Response::error(503, "cannot start a thread for this connection"),
            );
        }
    }
}

/// Removes its connection from the open set when the connection's thread ends, however it
/// ends.
struct Done<'a>(&'a Shared, u64);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.lock().open.remove(&self.1);
        self.0.drained.notify_all();
    }
}

/// Answers `resp` on a connection that will not be served, then closes it.
fn refuse(stream: TcpStream, resp: &Response) {
    let mut conn = Conn::new(stream);
    let _ = conn.write_response(
        resp,
        false,
        true,
        Some(Instant::now() + Duration::from_secs(1)),
    );
    let _ = conn.stream.shutdown(Shutdown::Write);
    // Read what the client already sent, so that closing does not reset the connection
    // and destroy the answer before the client reads it.
    if conn.stream.set_nonblocking(true).is_ok() {
        let mut sink = [0u8; 4096];
        while matches!(conn.stream.read(&mut sink), Ok(n) if n > 0) {}
    }
}

fn serve_conn(stream: TcpStream, shared: &Arc<Shared>) {
    let cfg = &shared.config;
    let probe = stream.try_clone().ok().map(Arc::new);
    let mut conn = Conn::new(stream);
    loop {
        let wire = match conn.read_request(cfg.max_request_bytes, cfg.read_timeout) {
            Ok(w) => w,
            Err(ReadError::Closed) => return,
            Err(ReadError::Reply(resp)) => {
                let deadline = cfg.write_timeout.map(|t| Instant::now() + t);
                if conn.write_response(&resp, false, true, deadline).is_ok() {
                    conn.linger_close();
                }
                return;
            }
        };
        let deadline = cfg.write_timeout.map(|t| Instant::now() + t);
        let resp = respond(&wire, shared, probe.clone());
        if shared.stop.load(Ordering::SeqCst) {
            // The server is stopping and ends every open connection: an answer it cut short
            // (a profile whose wait the stop ended) is not sent. Checked here, after the
            // handler, since the stop may come before `stop_now` shuts the socket down.
            return;
        }
        let close = !wire.keep_alive;
        let head_only = wire.method == "HEAD";
        if conn
            .write_response(&resp, head_only, close, deadline)
            .is_err()
            || close
        {
            return;
        }
    }
}

fn respond(wire: &Wire, shared: &Arc<Shared>, probe: Option<Arc<TcpStream>>) -> Response {
    let cfg = &shared.config;
    if let Some(refusal) = cfg
        .token
        .as_deref()
        .and_then(|t| check_token(wire.header("authorization"), t))
    {
        return refusal;
    }
    let mut req = match Request::new(&wire.method, &wire.target) {
        Ok(r) => r,
        Err(e) => return Response::error(400, &e.to_string()),
    };
    for (n, v) in &wire.headers {
        req = req.with_header(n, v);
    }
    req = req.with_body(wire.body.clone());
    if let Some(t) = cfg.write_timeout {
        req = req.with_write_timeout(t);
    }
    let stop = Arc::clone(&shared.stop);
    req = req.with_cancel(move || {
        stop.load(Ordering::SeqCst) || probe.as_deref().is_some_and(peer_gone)
    });
    guarded(&req, |r| (cfg.handler)(r))
}

/// Whether the client closed its side. The handler runs on the connection's thread, so
/// nothing else reads or writes the socket while this switches it to non-blocking for a peek.
fn peer_gone(s: &TcpStream) -> bool {
    if s.set_nonblocking(true).is_err() {
        return false;
    }
    let mut b = [0u8; 1];
    let gone = match s.peek(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
        ),
    };
    let _ = s.set_nonblocking(false);
    gone
}

/// The 401 for a request whose `Authorization` header does not carry `Bearer <token>`.
pub(crate) fn check_token(authorization: Option<&str>, token: &str) -> Option<Response> {
    let given = authorization.and_then(|v| v.strip_prefix("Bearer "));
    if given.is_some_and(|g| same(g.trim().as_bytes(), token.as_bytes())) {
        return None;
    }
    Some(
        Response::error(
            401,
            "unauthorized: this endpoint needs an Authorization: Bearer <token> header",
        )
        .with_header("WWW-Authenticate", "Bearer realm=\"sextant\""),
    )
}

/// Compares in time independent of where the first difference is, so the token cannot be
/// guessed a byte at a time from response times.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_binds_without_the_opt_in() {
        let e = Builder::new("0.0.0.0:0").serve().unwrap_err().to_string();
        assert!(e.contains("not a loopback address"), "{e}");
        assert!(e.contains("allow_remote"), "{e}");
        assert!(is_loopback("127.0.0.2".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_loopback("10.0.0.1".parse().unwrap()));
        assert!(!is_loopback("::".parse().unwrap()));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(!same(b"", b"x"));
    }
}
