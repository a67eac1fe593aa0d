//! The routes on an axum app (feature `axum`): every request goes to [`handle`] on tokio's
//! blocking pool, since profile requests wait for seconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Body;
use axum::routing::any;

use super::message::{Request, Response};
use super::routes::handle;
use super::server::{DEFAULT_MAX_REQUEST_BYTES, check_token};

/// The `/debug/pprof` routes as an axum [`Router`], to merge into an app:
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let app = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "hello" }))
///     .merge(sextant::http::router());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:6060").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
///
/// The routes, answers and limits on request bodies are [`handle`]'s and
/// [`serve`](super::serve)'s; authentication is the app's (or [`router_with_token`]).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    build(None)
}

/// As [`router`], answering 401 to requests without `Authorization: Bearer <token>`.
pub fn router_with_token<S: Clone + Send + Sync + 'static>(token: impl Into<String>) -> Router<S> {
    build(Some(token.into()))
}

fn build<S: Clone + Send + Sync + 'static>(token: Option<String>) -> Router<S> {
    let token = Arc::new(token);
    let h = move |req: axum::extract::Request| {
        let token = Arc::clone(&token);
        async move { to_axum(serve(req, token.as_deref()).await) }
    };
    Router::new()
        .route("/debug/pprof", any(h.clone()))
        .route("/debug/pprof/", any(h.clone()))
        .route("/debug/pprof/{*name}", any(h))
}

/// Sets its flag when dropped: axum drops a request's future when the client goes away, and
/// the handler, on another thread, sees the flag as [`Request::is_cancelled`].
struct Gone(Arc<AtomicBool>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

async fn serve(req: axum::extract::Request, token: Option<&str>) -> Response {
    let (parts, body) = req.into_parts();
    if let Some(refusal) = token.and_then(|t| {
        let given = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        check_token(given, t)
    }) {
        return refusal;
    }
    let body = match axum::body::to_bytes(body, DEFAULT_MAX_REQUEST_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            return Response::error(
                413,
                &format!(
                    "reading the request body (at most {DEFAULT_MAX_REQUEST_BYTES} bytes): {e}"
                ),
            );
        }
    };
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut r = match Request::new(parts.method.as_str(), target) {
        Ok(r) => r,
        Err(e) => return Response::error(400, &e.to_string()),
    };
    for (n, v) in &parts.headers {
        if let Ok(v) = v.to_str() {
            r = r.with_header(n.as_str(), v);
        }
    }
    let gone = Gone(Arc::new(AtomicBool::new(false)));
    let flag = Arc::clone(&gone.0);
    let r = r
        .with_body(body.to_vec())
        .with_cancel(move || flag.load(Ordering::SeqCst));
    let answer = tokio::task::spawn_blocking(move || handle(&r)).await;
    drop(gone);
    answer.unwrap_or_else(|e| Response::error(500, &format!("internal error: {e}")))
}

fn to_axum(r: Response) -> axum::response::Response {
    let mut b = axum::http::Response::builder().status(r.status());
    for (n, v) in r.headers() {
        b = b.header(n, v);
    }
    b.body(Body::from(r.into_body())).unwrap_or_else(|e| {
        let mut fallback = axum::response::Response::new(Body::from(format!(
            "internal error: building the response: {e}\n"
        )));
        *fallback.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
