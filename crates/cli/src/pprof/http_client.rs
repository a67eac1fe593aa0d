//! A small HTTP/1.1 client for `sextant pprof http://...`: one GET over a `TcpStream`, the
//! answer's body read by `Content-Length`, chunked transfer encoding, or up to the close.
//!
//! Design note: profiles are fetched from a program's own `/debug/pprof` endpoint, nearly
//! always on the same machine or a port-forward, over plain HTTP. That needs a few hundred
//! lines, not an HTTP stack with a TLS library and an async runtime; `https://` sources get an
//! error saying so. Redirects are followed as Go's `http.Client` follows them (at most 10).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Go's `http.Client` gives up after 10 redirects.
const MAX_REDIRECTS: usize = 10;
/// The status line and headers of an answer may take this much; a server sending more is not
/// one we understand (Go's `http.Transport` allows 1 MiB).
const MAX_HEADER_BYTES: usize = 1 << 20;

/// An `http://` URL split into what a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// `host` or `host:port`, as the Host header carries it.
    pub(crate) host: String,
    /// The path and query, as the request line carries them (`/` at least).
    pub(crate) path_and_query: String,
}

impl Target {
    /// Splits `http://host[:port]/path?query` (a fragment is dropped, as HTTP never sends it).
    pub(crate) fn parse(url: &str) -> Result<Target, String> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(format!("{url} is not a URL"));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "http" => {}
            "https" | "https+insecure" => {
                return Err(
                    "https is not supported yet: sextant pprof fetches over plain http".to_string(),
                );
            }
            other => return Err(format!("unsupported protocol scheme {other:?}")),
        }
        let rest = rest.split('#').next().unwrap_or_default();
        let (host, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if host.is_empty() {
            return Err(format!("{url} names no host"));
        }
        let path_and_query = match path.strip_prefix('?') {
            Some(_) => format!("/{path}"),
            None if path.is_empty() => "/".to_string(),
            None => path.to_string(),
        };
        Ok(Target {
            host: host.to_string(),
            path_and_query,
        })
    }

    /// The address to connect to: the host with port 80 when none is given.
    fn address(&self) -> String {
        let has_port = match self.host.rfind(':') {
            Some(i) => !self.host[i..].contains(']'),
            None => false,
        };
        if has_port {
            self.host.clone()
        } else {
            format!("{}:80", self.host)
        }
    }

    /// Where a `Location` header sends a request for this target.
    pub(crate) fn redirect(&self, location: &str) -> Result<Target, String> {
        if location.contains("://") {
            return Target::parse(location);
        }
        let path_and_query = if location.starts_with('/') {
            location.to_string()
        } else {
            let path = self.path_and_query.split('?').next().unwrap_or("/");
            let dir = &path[..=path.rfind('/').unwrap_or(0)];
            format!("{dir}{location}")
        };
        Ok(Target {
            host: self.host.clone(),
            path_and_query,
        })
    }
}

/// A server's answer.
#[derive(Debug)]
pub(crate) struct Response {
    /// The status code, such as 200.
    pub(crate) code: u16,
    /// The status as Go's `Response.Status` holds it: the code and reason, `500 Internal
    /// Server Error`.
    pub(crate) status: String,
    headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive), or "".
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Why a GET failed.
#[derive(Debug)]
pub(crate) enum HttpError {
    /// No connection could be made (refused, unknown host, unreachable).
    Connect(io::Error),
    /// The server did not answer within the time allowed.
    Timeout(Duration),
    /// The answer is not HTTP as we read it, or the connection broke.
    Protocol(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Connect(e) => write!(f, "cannot connect: {e}"),
            HttpError::Timeout(d) => {
                write!(f, "timeout awaiting the response ({}s)", d.as_secs())
            }
            HttpError::Protocol(m) => f.write_str(m),
        }
    }
}

/// GETs `url`, following redirects; `timeout` bounds the connection, the wait for the answer's
/// headers and every wait for more of its body.
pub(crate) fn get(url: &str, timeout: Duration) -> Result<Response, HttpError> {
    let mut target = Target::parse(url).map_err(HttpError::Protocol)?;
    for _ in 0..=MAX_REDIRECTS {
        let resp = get_once(&target, timeout)?;
        let location = resp.header("Location");
        if !matches!(resp.code, 301 | 302 | 303 | 307 | 308) || location.is_empty() {
            return Ok(resp);
        }
        target = target.redirect(location).map_err(HttpError::Protocol)?;
    }
    Err(HttpError::Protocol(format!(
        "stopped after {MAX_REDIRECTS} redirects"
    )))
}

fn get_once(target: &Target, timeout: Duration) -> Result<Response, HttpError> {
    let proxy = super::http_proxy::for_host(&target.address()).map_err(HttpError::Protocol)?;
    // Through a proxy, the request line carries the whole URL.
    let (stream, request_target) = match proxy {
        None => (
            connect(&target.address(), timeout)?,
            target.path_and_query.clone(),
        ),
        Some(p) => {
            let via = Target {
                host: p.clone(),
                path_and_query: String::new(),
            };
            let stream = connect(&via.address(), timeout).map_err(|e| match e {
                HttpError::Connect(e) => HttpError::Protocol(format!(
                    "cannot connect to the proxy {p} (from HTTP_PROXY): {e}"
                )),
                e => e,
            })?;
            let url = format!("http://{}{}", target.host, target.path_and_query);
            (stream, url)
        }
    };
    let timed = |e: io::Error| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => HttpError::Timeout(timeout),
        _ => HttpError::Protocol(format!("reading the response: {e}")),
    };
    stream.set_read_timeout(Some(timeout)).map_err(timed)?;
    stream.set_write_timeout(Some(timeout)).map_err(timed)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: sextant-pprof\r\nAccept: */*\r\n\
         Connection: close\r\n\r\n",
        request_target, target.host
    );
    (&stream)
        .write_all(request.as_bytes())
        .map_err(|e| HttpError::Protocol(format!("sending the request: {e}")))?;
    read_response(&mut BufReader::new(stream)).map_err(timed)
}

/// Reads the answer to a GET: status line, headers and body, after any 1xx answers.
pub(crate) fn read_response(r: &mut impl BufRead) -> io::Result<Response> {
    loop {
        let (code, status, headers) = read_head(r)?;
        // 1xx answers (100 Continue) precede the real one.
        if (100..200).contains(&code) && code != 101 {
            continue;
        }
        let body = if code == 204 || code == 304 {
            Vec::new()
        } else {
            read_body(r, &headers)?
        };
        return Ok(Response {
            code,
            status,
            headers,
            body,
        });
    }
}

fn connect(address: &str, timeout: Duration) -> Result<TcpStream, HttpError> {
    let addrs = address.to_socket_addrs().map_err(HttpError::Connect)?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address found");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                return Err(HttpError::Timeout(timeout));
            }
            Err(e) => last = e,
        }
    }
    Err(HttpError::Connect(last))
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// One CRLF- (or LF-) terminated line, without its terminator; `budget` bounds the bytes read.
fn read_line(r: &mut impl BufRead, budget: &mut usize) -> io::Result<String> {
    let mut line = Vec::new();
    let n = r.take(*budget as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Err(bad("the server closed the connection before answering"));
    }
    if n > *budget {
        return Err(bad("the response headers are too long"));
    }
    *budget -= n;
    if line.last() != Some(&b'\n') {
        return Err(bad("the connection closed within the response headers"));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| bad("the response headers are not text"))
}

type Head = (u16, String, Vec<(String, String)>);

/// The status line and headers: `HTTP/1.x 200 OK`, then `Name: value` lines up to a blank one.
fn read_head(r: &mut impl BufRead) -> io::Result<Head> {
    let mut budget = MAX_HEADER_BYTES;
    let line = read_line(r, &mut budget)?;
    let Some(rest) = line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| line.strip_prefix("HTTP/1.0 "))
    else {
        return Err(bad(format!("not an HTTP/1.x response: {line:?}")));
    };
    let status = rest.trim().to_string();
    let code = status
        .get(..3)
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|_| status.len() == 3 || status.as_bytes()[3] == b' ')
        .ok_or_else(|| bad(format!("malformed HTTP status line: {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let h = read_line(r, &mut budget)?;
        if h.is_empty() {
            return Ok((code, status, headers));
        }
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| bad(format!("malformed HTTP header line: {h:?}")))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
}

fn read_body(r: &mut impl BufRead, headers: &[(String, String)]) -> io::Result<Vec<u8>> {
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let mut body = Vec::new();
    if get("Transfer-Encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked")) {
        read_chunked(r, &mut body)?;
    } else if let Some(len) = get("Content-Length") {
        let len: u64 = len
            .parse()
            .map_err(|_| bad(format!("malformed Content-Length {len:?}")))?;
        r.take(len).read_to_end(&mut body)?;
        if (body.len() as u64) < len {
            return Err(bad(format!(
                "the connection closed after {} of {len} body bytes",
                body.len()
            )));
        }
    } else {
        // No length: the body runs to the close, as we asked for with `Connection: close`.
        r.read_to_end(&mut body)?;
    }
    Ok(body)
}

/// A chunked body: `SIZE[;ext]` lines in hex, each followed by its data and CRLF, a zero size
/// to end, then trailers up to a blank line.
fn read_chunked(r: &mut impl BufRead, body: &mut Vec<u8>) -> io::Result<()> {
    let mut budget = MAX_HEADER_BYTES;
    loop {
        let line = read_line(r, &mut budget)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size, 16)
            .map_err(|_| bad(format!("malformed chunk size {line:?}")))?;
        if size == 0 {
            while !read_line(r, &mut budget)?.is_empty() {}
            return Ok(());
        }
        let before = body.len();
        r.take(size).read_to_end(body)?;
        if ((body.len() - before) as u64) < size {
            return Err(bad("the connection closed within a chunk"));
        }
        if !read_line(r, &mut budget)?.is_empty() {
            return Err(bad("a chunk is longer than its size"));
        }
        budget = MAX_HEADER_BYTES;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_host_path_and_query() {
        let t = Target::parse("http://127.0.0.1:6060/debug/pprof/profile?seconds=2#x").unwrap();
        assert_eq!(t.host, "127.0.0.1:6060");
        assert_eq!(t.path_and_query, "/debug/pprof/profile?seconds=2");
        assert_eq!(t.address(), "127.0.0.1:6060");
        let t = Target::parse("http://example.test?a=1").unwrap();
        assert_eq!(
            (t.address().as_str(), t.path_and_query.as_str()),
            ("example.test:80", "/?a=1")
        );
        assert!(
            Target::parse("https://h/")
                .unwrap_err()
                .contains("https is not supported")
        );
        assert_eq!(
            Target::parse("http://[::1]/").unwrap().address(),
            "[::1]:80"
        );
    }

    #[test]
    fn redirects_resolve_against_the_request() {
        let t = Target::parse("http://h:1/debug/pprof?x=1").unwrap();
        assert_eq!(
            t.redirect("/debug/pprof/").unwrap().path_and_query,
            "/debug/pprof/"
        );
        assert_eq!(t.redirect("heap").unwrap().path_and_query, "/debug/heap");
        assert_eq!(t.redirect("http://g:2/a").unwrap().host, "g:2");
    }

    #[test]
    fn chunked_bodies_are_joined_and_trailers_skipped() {
        let raw = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n";
        let mut body = Vec::new();
        read_chunked(&mut &raw[..], &mut body).unwrap();
        assert_eq!(body, b"Wikipedia");
        let short = b"9\r\nWiki";
        assert!(read_chunked(&mut &short[..], &mut Vec::new()).is_err());
    }

    #[test]
    fn heads_keep_go_status_text() {
        let raw = b"HTTP/1.1 500 Internal Server Error\r\nX-Go-Pprof: 1\r\n\r\n";
        let (code, status, headers) = read_head(&mut &raw[..]).unwrap();
        assert_eq!((code, status.as_str()), (500, "500 Internal Server Error"));
        assert_eq!(headers, vec![("X-Go-Pprof".to_string(), "1".to_string())]);
        assert!(read_head(&mut &b"SSH-2.0\r\n"[..]).is_err());
    }
}
