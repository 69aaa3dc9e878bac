//! `sparsewave serve`: the local web app.

use anyhow::Result;
use std::net::IpAddr;

/// Serve the web app: open a recording, run any method, listen, see and compare.
///
/// The page and its assets are embedded in the binary (no network needed). The server binds
/// to the loopback address unless --host says otherwise, answers only to requests addressed to
/// it (Host header), keeps every job's files in a private temporary folder removed on exit, and
/// runs at most one job per core. The HTTP API the page uses is documented in docs/web.md.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave serve                       then open http://127.0.0.1:8787/
  sparsewave serve --open --port 9000
  sparsewave serve --port 0              any free port (the URL is printed)")]
pub struct Args {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Address to bind; anything but a loopback address exposes the app to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Largest upload in MiB (a larger one is refused with 413).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_upload_mb: u64,
}

pub fn run(a: Args) -> Result<()> {
    crate::serve::run(crate::serve::Config {
        host: a.host,
        port: a.port,
        max_upload_mb: a.max_upload_mb,
        open: a.open,
    })
}
