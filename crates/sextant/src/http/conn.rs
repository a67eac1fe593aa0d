//! HTTP/1.1 on one connection: reading a request (request line, headers, a `Content-Length`
//! body) within the size and time limits, and writing a response within the write deadline.
//!
//! Only what clients of the endpoint send is understood: `go tool pprof`, curl, browsers,
//! load generators. Chunked request bodies are refused with a 501 that says to send
//! `Content-Length` (no client of these routes sends one); `Expect: 100-continue` is honoured,
//! as curl sends it for bodies over 1 KiB.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::message::{Response, reason};

/// A write that makes no progress for this long means a client that stopped reading; its
/// connection is closed. Used when the server has no write timeout (the default, as Go's):
/// long enough for any reader that is reading, short enough to bound a stuck one.
pub(crate) const STALLED_WRITE: Duration = Duration::from_secs(30);

/// A request as it came off the wire.
#[derive(Debug)]
pub(crate) struct Wire {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) keep_alive: bool,
}

impl Wire {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request was read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The client closed, broke or idled out between requests: close without a word.
    Closed,
    /// A bad or incomplete request: answer this, then close.
    Reply(Response),
}

/// What a connection reads requests from: a socket, or bytes in a fuzz target.
pub(crate) trait Source: Read + Write {
    /// Bounds how long the next read may wait.
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
}

impl Source for TcpStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
}

/// One connection, with the bytes read past the last request (pipelined requests).
#[derive(Debug)]
pub(crate) struct Conn<S = TcpStream> {
    pub(crate) stream: S,
    buf: Vec<u8>,
}

impl<S: Source> Conn<S> {
    pub(crate) fn new(stream: S) -> Conn<S> {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads the next request; all of it (head and body) must arrive within `timeout` and
    /// fit in `max_bytes`.
    pub(crate) fn read_request(
        &mut self,
        max_bytes: usize,
        timeout: Duration,
    ) -> Result<Wire, ReadError> {
        let deadline = Instant::now() + timeout;
        let end = loop {
            // Stray line ends between requests are skipped, as RFC 9112 allows.
            let skip = self
                .buf
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            self.buf.drain(..skip);
            // The limit holds however the head arrives: in one read, it may come whole
            // and longer than the limit.
            let end = head_end(&self.buf);
            if end.map_or(self.buf.len() >= max_bytes, |end| end > max_bytes) {
                return Err(reply(
                    431,
                    &format!("request head exceeds {max_bytes} bytes"),
                ));
            }
            if let Some(end) = end {
                break end;
            }
            self.fill(deadline, "the request head")?;
        };
        let mut wire = parse_head(&self.buf[..end])?;
        let len = body_length(&wire)?;
        if len > max_bytes.saturating_sub(end) {
            return Err(reply(
                413,
                &format!(
                    "request of {} bytes exceeds the limit of {max_bytes}",
                    end + len
                ),
            ));
        }
        let want = end + len;
        if self.buf.len() < want
            && wire
                .header("expect")
                .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
        {
            let _ = self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        while self.buf.len() < want {
            self.fill(deadline, "the request body")?;
        }
        wire.body = self.buf[end..want].to_vec();
        self.buf.drain(..want);
        Ok(wire)
    }

    /// Reads more bytes before `deadline`.
    fn fill(&mut self, deadline: Instant, what: &str) -> Result<(), ReadError> {
        let pending = !self.buf.is_empty();
        let timed_out = || {
            if pending {
                reply(
                    408,
                    &format!("{what} did not arrive within the read timeout"),
                )
            } else {
                ReadError::Closed
            }
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        let _ = self.stream.set_read_timeout(Some(left));
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(ReadError::Closed),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(timed_out())
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(_) => Err(ReadError::Closed),
        }
    }
}

impl Conn {
    /// Ends the connection after an error answer sent before the request was read whole:
    /// half-closes, then reads and drops what the client still sends (up to 1 MiB, for up to
    /// 1 s), because closing with unread input resets the connection, and the reset can
    /// destroy the answer before the client reads it.
    pub(crate) fn linger_close(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut sink = [0u8; 8192];
        let mut left = 1usize << 20;
        while left > 0 {
            let wait = deadline.saturating_duration_since(Instant::now());
            if wait.is_zero() || self.stream.set_read_timeout(Some(wait)).is_err() {
                return;
            }
            match self.stream.read(&mut sink) {
                Ok(0) | Err(_) => return,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    }

    /// Writes `resp` (without its body for `HEAD`), each write bounded by what is left
    /// before `deadline`, or by [`STALLED_WRITE`] without one.
    pub(crate) fn write_response(
        &mut self,
        resp: &Response,
        head_only: bool,
        close: bool,
        deadline: Option<Instant>,
    ) -> io::Result<()> {
        let head = response_head(resp, close);
        let body = if head_only { &[][..] } else { resp.body() };
        let mut parts = [head.as_bytes(), body];
        for part in &mut parts {
            // Large bodies go in slices so that the deadline is checked between them.
            for chunk in part.chunks(64 * 1024) {
                let left = match deadline {
                    Some(d) => d.saturating_duration_since(Instant::now()),
                    None => STALLED_WRITE,
                };
                if left.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                self.stream.set_write_timeout(Some(left))?;
                self.stream.write_all(chunk)?;
            }
        }
        self.stream.flush()
    }
}

fn reply(status: u16, text: &str) -> ReadError {
    ReadError::Reply(Response::error(status, text))
}

/// The index just past the blank line that ends the head, if it has arrived.
fn head_end(buf: &[u8]) -> Option<usize> {
    let i = buf.windows(2).position(|w| w == b"\n\n" || w == b"\n\r")?;
    match &buf[i + 1..] {
        [b'\n', ..] => Some(i + 2),
        [b'\r', b'\n', ..] => Some(i + 3),
        [b'\r'] => None,
        // "\n\rX": not a blank line; look further on.
        _ => head_end(&buf[i + 1..]).map(|e| e + i + 1),
    }
}

fn parse_head(head: &[u8]) -> Result<Wire, ReadError> {
    let head = std::str::from_utf8(head)
        .map_err(|_| reply(400, "malformed request: the head is not UTF-8"))?;
    let mut lines = head.lines();
    let line = lines.next().unwrap_or("");
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(reply(
            400,
            &format!("malformed request line {line:?}: expected METHOD TARGET HTTP/1.1"),
        ));
    };
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!".contains(&b))
    {
        return Err(reply(400, &format!("malformed request method {method:?}")));
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => {
            return Err(reply(505, &format!("{v} is not supported: use HTTP/1.1")));
        }
        v => return Err(reply(400, &format!("malformed HTTP version {v:?}"))),
    };
    let mut headers = Vec::new();
    for l in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = l.split_once(':') else {
            return Err(reply(400, &format!("malformed header line {l:?}: no ':'")));
        };
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(reply(400, &format!("malformed header name {name:?}")));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let connection = |token: &str| {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    let keep_alive = if http11 {
        !connection("close")
    } else {
        connection("keep-alive")
    };
    Ok(Wire {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: Vec::new(),
        keep_alive,
    })
}

/// The body length the headers announce: `Content-Length` (every copy equal), or 0.
fn body_length(wire: &Wire) -> Result<usize, ReadError> {
    if wire.header("transfer-encoding").is_some() {
        return Err(reply(
            501,
            "chunked request bodies are not supported: send the body with Content-Length",
        ));
    }
    let mut len = None;
    for (_, v) in wire
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        let n: usize = v
            .parse()
            .ok()
            .filter(|_| v.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| reply(400, &format!("malformed Content-Length {v:?}")))?;
        if len.is_some_and(|l| l != n) {
            return Err(reply(400, "conflicting Content-Length headers"));
        }
        len = Some(n);
    }
    Ok(len.unwrap_or(0))
}

/// The status line and headers, with `Content-Length`, `Date` and, when the connection ends
/// after this response, `Connection: close`.
fn response_head(resp: &Response, close: bool) -> String {
    let mut h = format!("HTTP/1.1 {} {}\r\n", resp.status(), reason(resp.status()));
    for (n, v) in resp.headers() {
        // A header that would split the response is dropped rather than sent.
        if [n, v].iter().any(|s| s.contains(['\r', '\n'])) {
            continue;
        }
        h.push_str(&format!("{n}: {v}\r\n"));
    }
    h.push_str(&format!("Content-Length: {}\r\n", resp.body().len()));
    h.push_str(&format!("Date: {}\r\n", http_date(SystemTime::now())));
    if close {
        h.push_str("Connection: close\r\n");
    }
    h.push_str("\r\n");
    h
}

/// An HTTP date (RFC 9110's IMF-fixdate), such as `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let days = secs.div_euclid(86_400);
    let (y, m, d) = sextant_profile::civil_from_days(days);
    let s = secs.rem_euclid(86_400);
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
        // 1970-01-01 was a Thursday.
        WEEKDAYS[(days + 4).rem_euclid(7) as usize],
        MONTHS[(m as usize).saturating_sub(1).min(11)],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// A request as [`fuzz_read_requests`] returns it: method, target, headers, body, and whether
/// the connection stays open after it.
#[doc(hidden)]
pub type FuzzWire = (String, String, Vec<(String, String)>, Vec<u8>, bool);

/// Reads requests as the server does, from a client that sends `input` in pieces of at most
/// `piece` bytes, then closes: the requests read, in order, up to one that closes the
/// connection, and the status of the error answer that ended it, if one did.
///
/// Public, hidden, for the fuzz targets (`fuzz/`); not a stable API.
#[doc(hidden)]
pub fn fuzz_read_requests(
    input: &[u8],
    piece: usize,
    max_bytes: usize,
) -> (Vec<FuzzWire>, Option<u16>) {
    /// The client's side: `input` a piece at a time; what the server writes is dropped.
    struct Client<'a>(&'a [u8], usize);
    impl Read for Client<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    impl Write for Client<'_> {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Source for Client<'_> {
        fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> {
            Ok(())
        }
    }
    let mut conn = Conn::new(Client(input, piece.max(1)));
    let mut wires = Vec::new();
    loop {
        match conn.read_request(max_bytes, Duration::from_secs(3600)) {
            Ok(w) => {
                let keep_alive = w.keep_alive;
                wires.push((w.method, w.target, w.headers, w.body, keep_alive));
                if !keep_alive {
                    return (wires, None);
                }
            }
            Err(ReadError::Closed) => return (wires, None),
            Err(ReadError::Reply(r)) => return (wires, Some(r.status())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(e: ReadError) -> u16 {
        match e {
            ReadError::Reply(r) => r.status(),
            ReadError::Closed => 0,
        }
    }

    #[test]
    fn the_head_ends_at_the_first_blank_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nrest"), Some(24));
        assert_eq!(head_end(b"GET / HTTP/1.1\nA: b\n\nrest"), Some(21));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n"), None);
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n\r"), None);
    }

    #[test]
    fn request_lines_and_headers_parse_or_get_a_clear_400() {
        let w = parse_head(b"GET /x?a=1 HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n").unwrap();
        assert_eq!((w.method.as_str(), w.target.as_str()), ("GET", "/x?a=1"));
        assert_eq!(w.header("host"), Some("h"));
        assert!(!w.keep_alive);
        assert!(parse_head(b"GET / HTTP/1.1\r\n").unwrap().keep_alive);
        assert!(!parse_head(b"GET / HTTP/1.0\r\n").unwrap().keep_alive);
        assert_eq!(status(parse_head(b"GET /\r\n").unwrap_err()), 400);
        assert_eq!(status(parse_head(b"GET  / HTTP/1.1\r\n").unwrap_err()), 400);
        assert_eq!(status(parse_head(b"GET / HTTP/2.0\r\n").unwrap_err()), 505);
        assert_eq!(status(parse_head(b"GET / FTP/1.0\r\n").unwrap_err()), 400);
        assert_eq!(
            status(parse_head(b"GET / HTTP/1.1\r\nNoColon\r\n").unwrap_err()),
            400
        );
        assert_eq!(
            status(parse_head(b"GET / HTTP/1.1\r\n folded: x\r\n").unwrap_err()),
            400
        );
        assert_eq!(
            status(parse_head(b"G\x01T / HTTP/1.1\r\n").unwrap_err()),
            400
        );
    }

    #[test]
    fn body_lengths_must_be_digits_and_agree() {
        let len = |h: &[u8]| body_length(&parse_head(h).unwrap());
        assert_eq!(
            len(b"POST / HTTP/1.1\r\nContent-Length: 12\r\n").unwrap(),
            12
        );
        assert_eq!(len(b"POST / HTTP/1.1\r\n").unwrap(), 0);
        let e = |h: &[u8]| status(len(h).unwrap_err());
        assert_eq!(e(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n"), 400);
        assert_eq!(e(b"POST / HTTP/1.1\r\nContent-Length: +1\r\n"), 400);
        assert_eq!(
            e(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n"),
            400
        );
        assert_eq!(e(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"), 501);
    }

    #[test]
    fn the_head_limit_holds_however_the_head_arrives() {
        // Found by fuzz/fuzz_targets/http_request.rs: a head longer than the limit was
        // refused (431) when it came a little at a time, accepted when it came in one read.
        let input = format!("GET / HTTP/1.1\r\nHost: {}\r\n\r\n", "x".repeat(100));
        for piece in [1, 7, input.len()] {
            let (wires, error) = fuzz_read_requests(input.as_bytes(), piece, 64);
            assert_eq!((wires.len(), error), (0, Some(431)), "pieces of {piece}");
        }
        // A head that fits exactly is read, in one piece or many.
        let head = "GET / HTTP/1.1\r\n\r\n";
        for piece in [1, head.len()] {
            let (wires, error) = fuzz_read_requests(head.as_bytes(), piece, head.len());
            assert_eq!((wires.len(), error), (1, None), "pieces of {piece}");
        }
    }

    #[test]
    fn dates_are_imf_fixdate() {
        // RFC 9110's example date, 784111777 seconds after the epoch.
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn responses_carry_length_and_close() {
        let r = Response::new(200, "text/plain", b"hi".to_vec()).with_header("Bad", "a\r\nb");
        let h = response_head(&r, true);
        assert!(h.starts_with("HTTP/1.1 200 OK\r\n"), "{h}");
        assert!(h.contains("\r\nContent-Length: 2\r\n"), "{h}");
        assert!(h.contains("\r\nConnection: close\r\n"), "{h}");
        assert!(!h.contains("Bad"), "{h}");
        assert!(h.ends_with("\r\n\r\n"));
    }
}
