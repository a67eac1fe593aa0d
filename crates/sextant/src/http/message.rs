//! The request a handler reads and the response it returns, independent of any HTTP library,
//! with Go's URL decoding (`net/url`'s path unescaping and `ParseQuery`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};

type CancelFn = Arc<dyn Fn() -> bool + Send + Sync>;

/// A request to the endpoint, as [`handle`](super::handle) takes it.
///
/// The server of [`serve`](super::serve) and the axum router build one per request; another
/// framework builds it from its own request with [`Request::new`] and the `with_` methods.
#[derive(Clone)]
pub struct Request {
    method: String,
    path: String,
    raw_query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    write_timeout: Option<Duration>,
    cancelled: Option<CancelFn>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("raw_query", &self.raw_query)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("write_timeout", &self.write_timeout)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request with `method` for `target`, the second word of the request line: a path with
    /// an optional query (`/debug/pprof/heap?debug=1`) or an absolute URL
    /// (`http://127.0.0.1:6060/debug/pprof/heap`). The path is percent-decoded as Go's
    /// `URL.Path` is; the query is kept raw and decoded on lookup ([`Request::form_value`]).
    ///
    /// # Errors
    ///
    /// [`Error::Http`] if the target is neither form, or its path holds a malformed `%`
    /// escape.
    pub fn new(method: &str, target: &str) -> Result<Request> {
        let target = target.split_once('#').map_or(target, |(t, _)| t);
        let rest = if target.starts_with('/') {
            target
        } else if let Some((_, after)) = target.split_once("://") {
            after.find('/').map_or("/", |i| &after[i..])
        } else {
            return Err(Error::Http(format!(
                "malformed request target {target:?}: expected a path starting with '/' or an \
                 absolute URL"
            )));
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let decoded = unescape(path.as_bytes(), false).ok_or_else(|| {
            Error::Http(format!(
                "malformed request path {path:?}: '%' must be followed by two hex digits"
            ))
        })?;
        Ok(Request {
            method: method.to_string(),
            path: String::from_utf8_lossy(&decoded).into_owned(),
            raw_query: query.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            write_timeout: None,
            cancelled: None,
        })
    }

    /// The request with a header added (names compare case-insensitively).
    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The request with its body (read by `POST /debug/pprof/symbol`).
    pub fn with_body(mut self, body: Vec<u8>) -> Request {
        self.body = body;
        self
    }

    /// The serving server's write timeout (Go's `http.Server.WriteTimeout`): profiles asked
    /// to last as long or longer are refused with Go's error, since their response could not
    /// be written in time.
    pub fn with_write_timeout(mut self, timeout: Duration) -> Request {
        self.write_timeout = Some(timeout);
        self
    }

    /// The request with a test for the client having gone away (Go's `Request.Context().Done()`):
    /// handlers that wait, for a CPU or delta profile, poll it and end the wait early.
    pub fn with_cancel(mut self, cancelled: impl Fn() -> bool + Send + Sync + 'static) -> Request {
        self.cancelled = Some(Arc::new(cancelled));
        self
    }

    /// The method, such as `GET`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The percent-decoded path, such as `/debug/pprof/heap`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query as sent, without the `?` (what `/debug/pprof/symbol` reads on GET).
    pub fn raw_query(&self) -> &str {
        &self.raw_query
    }

    /// The first value of the header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The write timeout given by [`Request::with_write_timeout`].
    pub fn write_timeout(&self) -> Option<Duration> {
        self.write_timeout
    }

    /// Whether the client has gone away (or the server is stopping).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.as_ref().is_some_and(|f| f())
    }

    /// The first value of the form field `key`, as Go's `Request.FormValue`: fields of a
    /// `POST`, `PUT` or `PATCH` body of type `application/x-www-form-urlencoded` first, then
    /// those of the query. Pairs Go's `url.ParseQuery` rejects (a malformed `%` escape, a `;`)
    /// are skipped, as `FormValue` skips them.
    pub fn form_value(&self, key: &str) -> Option<String> {
        let form_body = matches!(self.method.as_str(), "POST" | "PUT" | "PATCH")
            && self.header("content-type").is_some_and(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|m| m.trim() == "application/x-www-form-urlencoded")
            });
        let body_value = form_body.then(|| first_value(&self.body, key)).flatten();
        body_value.or_else(|| first_value(self.raw_query.as_bytes(), key))
    }
}

/// The first value of `key` in a query string, decoded as Go's `url.ParseQuery` decodes it.
fn first_value(query: &[u8], key: &str) -> Option<String> {
    for pair in query.split(|&b| b == b'&') {
        if pair.is_empty() || pair.contains(&b';') {
            continue;
        }
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &pair[..0]),
        };
        let (Some(k), Some(v)) = (unescape(k, true), unescape(v, true)) else {
            continue;
        };
        if k == key.as_bytes() {
            return Some(String::from_utf8_lossy(&v).into_owned());
        }
    }
    None
}

/// Go's `url.unescape`: `%XX` to its byte, and in a query `+` to a space. `None` for a `%`
/// not followed by two hex digits.
fn unescape(s: &[u8], query: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let hi = hex(*s.get(i + 1)?)?;
                let lo = hex(*s.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if query => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A response from [`handle`](super::handle): status, headers and the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    /// A response with `status`, a `Content-Type` and a body, and net/http/pprof's
    /// `X-Content-Type-Options: nosniff`.
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![
                ("X-Content-Type-Options".into(), "nosniff".into()),
                ("Content-Type".into(), content_type.into()),
            ],
            body,
        }
    }

    /// Go's `serveError`: `text/plain`, `X-Go-Pprof: 1` (so `go tool pprof` prints the body),
    /// the text and a newline.
    pub(crate) fn error(status: u16, text: &str) -> Response {
        Response::new(status, TEXT, format!("{text}\n").into_bytes()).with_header("X-Go-Pprof", "1")
    }

    /// The response with a header set, replacing one of the same name.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of the header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header, in the order set.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, taken.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

/// Go's content type for text: debug profiles, cmdline, symbol, errors.
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";
/// Go's content type for profiles in profile.proto.
pub(crate) const BINARY: &str = "application/octet-stream";

/// The reason phrase of a status code, for the status line.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Request Entity Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(target: &str) -> Request {
        Request::new("GET", target).unwrap()
    }

    #[test]
    fn query_values_decode_as_go_parse_query() {
        let r = req("/x?seconds=5&debug=%31&name=a+b&seconds=9");
        assert_eq!(r.form_value("seconds").as_deref(), Some("5"));
        assert_eq!(r.form_value("debug").as_deref(), Some("1"));
        assert_eq!(r.form_value("name").as_deref(), Some("a b"));
        assert_eq!(r.form_value("gc"), None);
    }

    #[test]
    fn malformed_pairs_are_skipped_not_fatal() {
        // Go's ParseQuery records an error for these pairs and keeps the others.
        let r = req("/x?seconds=%zz&debug=1;gc=1&seconds=3&%=1&flag");
        assert_eq!(r.form_value("seconds").as_deref(), Some("3"));
        assert_eq!(r.form_value("debug"), None, "a pair with ';' is dropped");
        assert_eq!(r.form_value("flag").as_deref(), Some(""));
        assert_eq!(req("/x?seconds=%4").form_value("seconds"), None);
    }

    #[test]
    fn paths_are_percent_decoded_and_absolute_urls_reduced_to_their_path() {
        assert_eq!(req("/debug/pprof/%68eap").path(), "/debug/pprof/heap");
        assert_eq!(req("/a+b").path(), "/a+b", "'+' is a space only in queries");
        let r = req("http://127.0.0.1:1/debug/pprof/heap?debug=1#frag");
        assert_eq!((r.path(), r.raw_query()), ("/debug/pprof/heap", "debug=1"));
        assert_eq!(req("http://h").path(), "/");
        assert!(Request::new("GET", "/bad%zzpath").is_err());
        assert!(Request::new("GET", "*").is_err());
    }

    #[test]
    fn post_form_bodies_come_before_the_query() {
        let r = Request::new("POST", "/x?seconds=1")
            .unwrap()
            .with_header(
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .with_body(b"seconds=2".to_vec());
        assert_eq!(r.form_value("seconds").as_deref(), Some("2"));
        let r = r.with_header("X", "y");
        assert_eq!(r.header("x"), Some("y"));
        let octets = Request::new("POST", "/x?seconds=1")
            .unwrap()
            .with_body(b"seconds=2".to_vec());
        assert_eq!(octets.form_value("seconds").as_deref(), Some("1"));
    }

    #[test]
    fn errors_carry_go_pprof_headers() {
        let r = Response::error(404, "Unknown profile");
        assert_eq!(r.body(), b"Unknown profile\n");
        assert_eq!(r.header("x-go-pprof"), Some("1"));
        assert_eq!(r.header("content-type"), Some(TEXT));
        assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    }
}
