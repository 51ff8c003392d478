//! The listener, its connections and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use rmcp::ServerHandler;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::routes::{Stages, router};
use super::{HttpError, HttpOptions, MCP_PATH};

/// After the grace period and the cancellation of sessions: how long connections get to close.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// Pause after a failed `accept` (e.g. no file descriptors left).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A bound, not yet running, HTTP transport (so callers can learn the port of `127.0.0.1:0`).
pub struct HttpServer {
    listener: TcpListener,
    addr: SocketAddr,
    app: Router,
    stages: Stages,
    grace: Duration,
    header_read_timeout: Duration,
}

impl HttpServer {
    /// Validates `options`, builds the routes and binds the listener.
    pub async fn bind<S, F>(factory: F, options: HttpOptions) -> Result<Self, HttpError>
    where
        F: Fn() -> Result<S, std::io::Error> + Send + Sync + 'static,
        S: ServerHandler + Send + 'static,
    {
        options.validate()?;
        let stages = Stages::default();
        let app = router(factory, &options, &stages)?;
        let listener = TcpListener::bind(options.bind)
            .await
            .map_err(|source| HttpError::Bind {
                addr: options.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| HttpError::Bind {
            addr: options.bind,
            source,
        })?;
        Ok(Self {
            listener,
            addr,
            app,
            stages,
            grace: options.shutdown_grace,
            header_read_timeout: options.header_read_timeout,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` resolves, then: stops accepting connections, lets requests in flight finish for
    /// up to the grace period, cancels what is left (sessions, SSE streams) and returns `Ok`.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), HttpError> {
        let HttpServer {
            listener,
            addr,
            app,
            stages,
            grace,
            header_read_timeout,
        } = self;
        tracing::info!(%addr, path = MCP_PATH, "serving MCP over HTTP");
        let graceful = GracefulShutdown::new();
        let connections = TaskTracker::new();
        // Connections still open when `run` returns (or is dropped) are closed, not left running.
        let close = CancellationToken::new();
        let _close_on_exit = close.clone().drop_guard();
        tokio::pin!(shutdown);
        loop {
            let stream = tokio::select! {
                biased;
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                },
            };
            // The watcher is taken here, not in the task, so that no connection can miss the shutdown signal.
            connections.spawn(serve_connection(
                stream,
                app.clone(),
                header_read_timeout,
                graceful.watcher(),
                close.clone(),
            ));
        }
        drop(listener);
        tracing::info!(
            in_flight = stages.requests.len(),
            "shutting down: no new connections, waiting for requests in flight"
        );
        stages.draining.cancel();
        // The first poll of `all_closed` tells every connection to finish its current request and close.
        let all_closed = graceful.shutdown();
        tokio::pin!(all_closed);
        let closed = tokio::select! {
            biased;
            () = &mut all_closed => true,
            () = drain_requests(&stages, grace) => false,
        };
        stages.sessions.cancel();
        if !closed && tokio::time::timeout(CLOSE_GRACE, all_closed).await.is_err() {
            tracing::warn!(
                connections = connections.len(),
                "connections still open; closing them"
            );
            close.cancel();
        }
        connections.close();
        connections.wait().await;
        tracing::info!("HTTP server stopped");
        Ok(())
    }
}

/// Waits up to `grace` for the requests in flight; then answers those still running with an error and gives
/// the answers a moment to reach their clients.
async fn drain_requests(stages: &Stages, grace: Duration) {
    let requests = &stages.requests;
    requests.close();
    if tokio::time::timeout(grace, requests.wait()).await.is_err() {
        tracing::warn!(
            in_flight = requests.len(),
            grace_secs = grace.as_secs(),
            "grace period over; answering the requests still running with an error"
        );
        stages.abort.cancel();
        let _ = tokio::time::timeout(CLOSE_GRACE, requests.wait()).await;
    }
}

/// Serves one connection (HTTP/1.1) until it closes, `watcher` signals shutdown (then it finishes the request
/// in progress and closes) or `close` is cancelled (then it is dropped).
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    header_read_timeout: Duration,
    watcher: Watcher,
    close: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let service = TowerToHyperService::new(app);
    let mut builder = http1::Builder::new();
    // Slow-loris: a client that trickles its headers is cut off instead of holding a connection open forever.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let connection = watcher.watch(builder.serve_connection(TokioIo::new(stream), service));
    let result = tokio::select! {
        result = connection => result,
        () = close.cancelled() => return,
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}
