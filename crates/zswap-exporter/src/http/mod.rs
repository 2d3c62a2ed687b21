//! The HTTP(S) server: `/metrics` (or `--web.telemetry-path`), a landing page at `/`, and
//! nothing else. HTTP/1.1 with hyper on a single-threaded tokio runtime; the kernel files are
//! read on tokio's blocking pool so that one slow scrape never stalls the others.
//!
//! Robustness limits: at most `max_connections` open connections (more are closed at once),
//! at most `max_requests` scrapes in flight (more get 503, as node_exporter's
//! `--web.max-requests`), request heads capped at 16 KiB (hyper answers 431), headers must
//! arrive within `header_timeout`, and a connection that moves no byte for `idle_timeout`
//! is closed.

mod idle;
mod negotiate;
pub(crate) mod webconfig;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::collector::{CollectConfig, CollectorName, Scrape, collect, families};
use crate::encode::{Format, render};
use idle::IdleTimeout;
pub(crate) use negotiate::negotiate;
use webconfig::WebConfig;

/// Server settings from the command line.
#[derive(Debug)]
pub(crate) struct ServerOptions {
    pub(crate) listen: Vec<SocketAddr>,
    /// `--web.systemd-socket`: serve on the sockets systemd passed instead of `listen`.
    pub(crate) systemd_socket: bool,
    pub(crate) telemetry_path: String,
    pub(crate) max_requests: usize,
    pub(crate) max_connections: usize,
    pub(crate) header_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) web: WebConfig,
    /// Where the exporter reads its own `process_*` figures (`/proc/self`).
    pub(crate) process_root: zswap_core::SysRoot,
}

struct State {
    collect: CollectConfig,
    telemetry_path: String,
    scrape_slots: Option<Arc<Semaphore>>,
    connections: AtomicUsize,
    max_connections: usize,
    header_timeout: Duration,
    idle_timeout: Duration,
    web: WebConfig,
    process_root: zswap_core::SysRoot,
    /// The last error of each collector, to log changes rather than every scrape.
    last_errors: Mutex<HashMap<CollectorName, Option<String>>>,
}

const VERSION: &str = env!("CARGO_PKG_VERSION");
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Reads the kernel once and renders the exposition; shared by the server and `--once`.
pub(crate) fn scrape_text(cfg: &CollectConfig, format: Format) -> Result<(String, Scrape)> {
    scrape_with_process(cfg, format, None)
}

/// [`scrape_text`], plus the server's own `process_*` families when `process_root` is given.
fn scrape_with_process(
    cfg: &CollectConfig,
    format: Format,
    process_root: Option<&zswap_core::SysRoot>,
) -> Result<(String, Scrape)> {
    let s = collect(cfg);
    let mut fams = families(&s, VERSION);
    if let Some(root) = process_root {
        crate::process::families(&mut fams, root);
    }
    let text = render(fams, format).context("encoding metrics")?;
    Ok((text, s))
}

/// Binds every address, then serves until the process is stopped.
pub(crate) async fn serve(collect_cfg: CollectConfig, opts: ServerOptions) -> Result<()> {
    let state = Arc::new(State {
        collect: collect_cfg,
        telemetry_path: opts.telemetry_path,
        scrape_slots: (opts.max_requests > 0).then(|| Arc::new(Semaphore::new(opts.max_requests))),
        connections: AtomicUsize::new(0),
        max_connections: opts.max_connections,
        header_timeout: opts.header_timeout,
        idle_timeout: opts.idle_timeout,
        web: opts.web,
        process_root: opts.process_root,
        last_errors: Mutex::new(HashMap::new()),
    });
    let mut tasks = tokio::task::JoinSet::new();
    let mut listeners = Vec::new();
    if opts.systemd_socket {
        listeners = systemd_listeners()?;
    } else {
        for addr in &opts.listen {
            listeners.push(bind(*addr).await.with_context(|| {
                format!("cannot listen on '{addr}': is the port in use? pick another with --web.listen-address")
            })?);
        }
    }
    for listener in listeners {
        let local = listener
            .local_addr()
            .context("the listening socket's address")?;
        // node_exporter's (exporter-toolkit's) "Listening on" line, with its fields
        log::info!(address:% = local, tls = state.web.tls_enabled(), path = state.telemetry_path.as_str(); "Listening on");
        tasks.spawn(accept_loop(listener, state.clone()));
    }
    // SIGTERM (systemd stop, docker stop) and SIGINT end the exporter cleanly: exit 0.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot catch SIGTERM")?;
    loop {
        tokio::select! {
            r = tasks.join_next() => match r {
                Some(r) => r.context("listener task")?,
                None => return Ok(()),
            },
            _ = term.recv() => {
                log::info!("stopping on SIGTERM");
                return Ok(());
            }
            _ = tokio::signal::ctrl_c() => {
                log::info!("stopping on SIGINT");
                return Ok(());
            }
        }
    }
}

/// The TCP sockets systemd passed (socket activation, as node_exporter's
/// `--web.systemd-socket`): `LISTEN_FDS` of them from fd 3, for this process only
/// (`LISTEN_PID`).
fn systemd_listeners() -> Result<Vec<TcpListener>> {
    let mut fds = listenfd::ListenFd::from_env();
    let mut out = Vec::new();
    for i in 0..fds.len() {
        let l = fds
            .take_tcp_listener(i)
            .with_context(|| format!("--web.systemd-socket: passed socket {i} is not a listening TCP socket: set ListenStream= to a port or address in the .socket unit"))?;
        let Some(l) = l else { continue };
        l.set_nonblocking(true)
            .context("--web.systemd-socket: making the socket non-blocking")?;
        out.push(TcpListener::from_std(l).context("--web.systemd-socket")?);
    }
    if out.is_empty() {
        anyhow::bail!(
            "--web.systemd-socket: systemd passed no socket (LISTEN_FDS unset, 0, or LISTEN_PID not this process): start zswap-exporter through zswap-exporter.socket, or drop the flag to listen on --web.listen-address"
        );
    }
    Ok(out)
}

/// Binds `addr`; the IPv6 wildcard falls back to the IPv4 one on hosts without IPv6.
async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    match TcpListener::bind(addr).await {
        Err(e) if addr.is_ipv6() && addr.ip().is_unspecified() => {
            let v4 = SocketAddr::from(([0, 0, 0, 0], addr.port()));
            TcpListener::bind(v4).await.map_err(|_| e)
        }
        r => r,
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    loop {
        let (tcp, _peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning
                log::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if state.connections.load(Ordering::Relaxed) >= state.max_connections {
            drop(tcp);
            continue;
        }
        state.connections.fetch_add(1, Ordering::Relaxed);
        let st = state.clone();
        tokio::spawn(async move {
            serve_connection(tcp, st.clone()).await;
            st.connections.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

async fn serve_connection(tcp: TcpStream, state: Arc<State>) {
    let _ = tcp.set_nodelay(true);
    if !state.web.tls_enabled() {
        let io = IdleTimeout::new(tcp, state.idle_timeout);
        return http1(TokioIo::new(io), state).await;
    }
    if plain_http_on_tls_port(&tcp, state.header_timeout).await {
        let mut tcp = tcp;
        // Go's answer (node_exporter's) to plain HTTP on a TLS port
        let _ = tcp
            .write_all(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
            .await;
        return;
    }
    // The files are read again for every connection, so that certificates rotate without a
    // restart; a file that no longer loads fails the handshake, as in exporter-toolkit.
    let tls = match state.web.tls_for_connection() {
        Ok(tls) => tls,
        Err(e) => {
            log::warn!("TLS handshake refused: {e:#}");
            return;
        }
    };
    let io = IdleTimeout::new(tcp, state.idle_timeout);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    // a failed or stalled handshake just drops the connection
    let handshake = tokio::time::timeout(state.header_timeout, acceptor.accept(io)).await;
    if let Ok(Ok(stream)) = handshake {
        http1(TokioIo::new(stream), state).await;
    }
}

/// True if the first bytes on a TLS port are an HTTP request line rather than a TLS
/// record (Go checks the same five bytes).
async fn plain_http_on_tls_port(tcp: &TcpStream, wait: Duration) -> bool {
    let mut first = [0u8; 5];
    let peeked = tokio::time::timeout(wait, async {
        loop {
            match tcp.peek(&mut first).await {
                Ok(n) if n < first.len() && n > 0 => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                r => return r,
            }
        }
    })
    .await;
    matches!(peeked, Ok(Ok(5)))
        && [&b"GET /"[..], b"HEAD ", b"POST ", b"PUT /", b"OPTIO"].contains(&&first[..])
}

async fn http1<I>(io: I, state: Arc<State>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let st = state.clone();
    let service = hyper::service::service_fn(move |req| handle(st.clone(), req));
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(state.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .serve_connection(io, service);
    // Errors here are the client's (garbage, timeouts, resets); hyper has already answered
    // what could be answered.
    let _ = conn.await;
}

type Body = Full<Bytes>;

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    if !state.web.configured() {
        return Ok(route(&state, req).await);
    }
    // headers and users come from the file as it is now, as in exporter-toolkit
    let web = match state.web.for_request() {
        Ok(w) => Arc::new(w),
        Err(e) => {
            log::error!("unable to parse the web config: {e:#}");
            return Ok(plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error\n",
            ));
        }
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec());
    let st = state.clone();
    let w = web.clone();
    // bcrypt takes tens of milliseconds: keep it off the network thread
    let ok = tokio::task::spawn_blocking(move || st.web.authorized(&w, given.as_deref()))
        .await
        .unwrap_or(false);
    let mut resp = if ok {
        route(&state, req).await
    } else {
        let mut r = plain(StatusCode::UNAUTHORIZED, "Unauthorized\n");
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        // as Go's http.Error, which answers node_exporter's 401
        r.headers_mut().insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        r
    };
    for (k, v) in &web.headers {
        // names and values were checked when the file was read
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().insert(k, v);
        }
    }
    Ok(resp)
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(text.to_owned())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn route(state: &Arc<State>, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let path = req.uri().path();
    if path == state.telemetry_path {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok());
        return metrics(state, negotiate(accept)).await;
    }
    if path == "/" {
        let mut r = Response::new(Full::new(Bytes::from(landing_page(&state.telemetry_path))));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return r;
    }
    plain(StatusCode::NOT_FOUND, "Not Found\n")
}

async fn metrics(state: &Arc<State>, format: Format) -> Response<Body> {
    let permit = match &state.scrape_slots {
        Some(slots) => match slots.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => {
                return plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Too many concurrent scrapes: raise --web.max-requests\n",
                );
            }
        },
        None => None,
    };
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let r = scrape_with_process(&st.collect, format, Some(&st.process_root));
        if let Ok((_, s)) = &r {
            note_errors(&st, s);
        }
        r.map(|(text, _)| text)
    })
    .await;
    match result {
        Ok(Ok(text)) => {
            let mut r = Response::new(Full::new(Bytes::from(text)));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            r
        }
        Ok(Err(e)) => {
            log::error!("scrape failed: {e:#}");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "scrape failed\n")
        }
        Err(e) => {
            log::error!("scrape task failed: {e}");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "scrape failed\n")
        }
    }
}

/// Logs a collector's error when it changes (first failure, new reason, recovery).
fn note_errors(state: &State, s: &Scrape) {
    let Ok(mut last) = state.last_errors.lock() else {
        return;
    };
    for o in &s.outcomes {
        let prev = last.insert(o.name, o.error.clone());
        if prev.as_ref() == Some(&o.error) {
            continue;
        }
        match (&o.error, prev) {
            (Some(e), _) => log::warn!("collector {} failed: {e}", o.name),
            (None, Some(Some(_))) => log::info!("collector {} recovered", o.name),
            (None, _) => {}
        }
    }
}

fn landing_page(telemetry_path: &str) -> String {
    let path = html_escape(telemetry_path);
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>zswap exporter</title></head>\n\
         <body><h1>zswap exporter</h1>\n<p>Prometheus metrics of Linux zswap: parameters, \
         debugfs counters, meminfo, vmstat and cgroups.</p>\n\
         <p><a href=\"{path}\">Metrics</a></p>\n<p>Version {VERSION}</p>\n</body></html>\n"
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landing_page_links_the_escaped_path() {
        let p = landing_page("/m<x>");
        assert!(p.contains("href=\"/m&lt;x&gt;\""), "{p}");
    }
}
