//! `sparsewave serve`: the local web app. An axum server on a tokio runtime, bound to the
//! loopback address unless told otherwise, serving one page (every asset embedded in the
//! binary) and the job API it uses. Jobs call the library's product API on tokio's blocking
//! pool and keep their files in a private temporary folder that is removed on exit.

mod jobs;
mod params;
mod registry;
mod routes;
mod schema;

use anyhow::{Context, Result};
use registry::Registry;
use routes::AppState;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How to serve.
pub struct Config {
    /// Address to bind (loopback by default).
    pub host: IpAddr,
    /// Port (0: any free port).
    pub port: u16,
    /// Upload limit in MiB.
    pub max_upload_mb: u64,
    /// Open the page in the default browser.
    pub open: bool,
}

/// Jobs queued or running at most, per worker.
const QUEUE_PER_WORKER: usize = 4;

/// Serve until Ctrl-C (or SIGTERM), then remove every job's files.
pub fn run(config: Config) -> Result<()> {
    let root = tempfile::Builder::new()
        .prefix("sparsewave-serve-")
        .tempdir()
        .context("cannot create the server's temporary folder")?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let registry = Arc::new(Registry::new(
        root.path(),
        workers,
        workers * QUEUE_PER_WORKER,
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((config.host, config.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(AppState {
            registry,
            max_upload_bytes: config.max_upload_mb.saturating_mul(1024 * 1024),
            allowed_hosts: allowed_hosts(addr),
        });
        let url = format!("http://{addr}/");
        outln!("sparsewave: serving on {url} (Ctrl-C stops)");
        let _ = std::io::stdout().flush();
        eprintln!(
            "sparsewave: job files are kept in {} until the server stops",
            root.path().display()
        );
        if config.open {
            open_browser(&url);
        }
        axum::serve(listener, routes::app(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("the server stopped")
    });
    // Jobs still running are abandoned; their folder goes with the server's.
    runtime.shutdown_timeout(Duration::from_secs(1));
    root.close()
        .context("cannot remove the server's temporary folder")?;
    served
}

/// The `Host` values a server bound to `addr` answers to; `None` when bound to every interface.
fn allowed_hosts(addr: SocketAddr) -> Option<Vec<String>> {
    let ip = addr.ip();
    if ip.is_unspecified() {
        return None;
    }
    let port = addr.port();
    let mut hosts = vec![addr.to_string()];
    if ip.is_loopback() {
        hosts.extend([
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ]);
    }
    Some(hosts)
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("sparsewave: stopping");
}

/// Ask the desktop to open `url`; a failure is reported, not fatal.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("sparsewave: cannot open a browser ({opener}: {e}); open {url} yourself");
    }
}
