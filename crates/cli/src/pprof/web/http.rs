//! The smallest HTTP/1.1 server the web UI needs: one request per connection, `GET` and `HEAD`
//! only, the response closes the connection. The UI is a local tool talking to one browser, so
//! keep-alive, chunked bodies and uploads are not worth their code.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long a client may take to send its request: a browser sends it at once; the limit only
/// frees the thread of a client that connects and goes silent.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest request head accepted. URLs carry a few regexps; 64 KiB leaves room for long
/// ones while bounding what a broken client can make us buffer.
const MAX_HEAD: u64 = 64 << 10;

/// A parsed request line: the method, the path (percent-decoded) and the query parameters.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    /// The raw query string, without `?`.
    pub(crate) raw_query: String,
    /// The decoded `key=value` pairs, in order.
    pub(crate) query: Vec<(String, String)>,
}

impl Request {
    /// The first value of query parameter `key`, as Go's `url.Values.Get` (empty when absent).
    pub(crate) fn param(&self, key: &str) -> &str {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A response ready to send.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// A 200 response with `content_type`.
    pub(crate) fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status: 200,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }

    /// An error with a plain-text body, as Go's `http.Error` writes it.
    pub(crate) fn text_error(status: u16, message: &str) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type", "text/plain; charset=utf-8".into()),
                ("X-Content-Type-Options", "nosniff".into()),
            ],
            body: format!("{message}\n").into_bytes(),
        }
    }

    /// A redirect to `location`.
    pub(crate) fn redirect(status: u16, location: &str) -> Response {
        Response {
            status,
            headers: vec![("Location", location.to_string())],
            body: Vec::new(),
        }
    }
}

/// Reads one request head from `stream`. `Ok(None)` means the client sent nothing usable (it
/// closed the connection, or the line is not HTTP); the caller answers 400 or just closes.
pub(crate) fn read_request(stream: &TcpStream) -> io::Result<Option<Request>> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let mut reader = BufReader::new(stream.take(MAX_HEAD));
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    // Drain the header lines; nothing in them changes the answer.
    let mut header = String::new();
    loop {
        header.clear();
        if reader.read_line(&mut header)? == 0 || header.trim_end().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    if !version.starts_with("HTTP/") {
        return Ok(None);
    }
    let (path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let raw_query = raw_query.split('#').next().unwrap_or("");
    Ok(Some(Request {
        method: method.to_string(),
        path: percent_decode(path, false),
        raw_query: raw_query.to_string(),
        query: parse_query(raw_query),
    }))
}

/// Writes `r` and closes the exchange; a `HEAD` request gets the head only.
pub(crate) fn write_response(
    stream: &mut TcpStream,
    r: &Response,
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        r.body.len()
    ));
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&r.body)?;
    }
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Unknown",
    }
}

/// Splits a query string into decoded pairs, as Go's `url.ParseQuery` does (`+` is a space).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split(['&', ';'])
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` as a space when `plus` is set); malformed escapes stay as
/// they are, and invalid UTF-8 is replaced rather than refused.
pub(crate) fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_decode_as_go_decodes_them() {
        let q = parse_query("f=main%5C.scan&i=a+b&si=cpu&empty=&bad=%zz%4");
        assert_eq!(
            q,
            vec![
                ("f".into(), "main\\.scan".into()),
                ("i".into(), "a b".into()),
                ("si".into(), "cpu".into()),
                ("empty".into(), String::new()),
                ("bad".into(), "%zz%4".into()),
            ]
        );
    }
}
