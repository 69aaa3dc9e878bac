//! `sparsewave interp`: decimation and reconstruction by interpolation.

use super::common::{report_text, with_spinner, Done, OutputOpts};
use anyhow::Result;
use sparsewave::approx::interp::{InterpKind, InterpMethod};
use sparsewave::approx::interp_job::{interp, Decimation};
use std::path::PathBuf;

/// Keep every R-th sample (and the last), rebuild all samples by interpolation.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Methods: linear, quadratic (quadratic spline), cubic (natural cubic spline), cubic-nak
(not-a-knot cubic spline), lagrange (local, centred, --order n), poly (least-squares
polynomial of degree --order per block of --block kept samples; stores only coefficients).

Examples:
  sparsewave interp song.wav -o song_r4.wav --factor 4 --method cubic
  sparsewave interp song.wav -o song_l5.wav --factor 3 --method lagrange --order 5
  sparsewave interp song.wav -o song_p.wav --factor 2 --method poly --order 3 --block 16")]
pub struct Args {
    /// Input audio.
    pub input: PathBuf,
    /// Output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Decimation factor R: keep samples 0, R, 2R, … and the last.
    #[arg(long)]
    pub factor: usize,
    /// Reconstruction method.
    #[arg(long, default_value = "cubic")]
    pub method: InterpKind,
    /// Lagrange order n, or polynomial degree d (default 3).
    #[arg(long)]
    pub order: Option<usize>,
    /// poly: knot intervals per block (default 4·(d + 1)).
    #[arg(long)]
    pub block: Option<usize>,
    #[command(flatten)]
    pub out: OutputOpts,
}

/// Run the job without printing: read, decimate and interpolate, write, and report.
pub fn execute(a: &Args) -> Result<Done> {
    let params = Decimation {
        factor: a.factor,
        method: InterpMethod::new(a.method, a.order, a.block)?,
    };
    params.validate()?;
    let input = a.out.start(&a.input, &a.output)?;
    let job = interp(&input, &params)?;
    let report = a
        .out
        .finish(&a.input, &a.output, &job.audio, job.report.clone(), || {
            job.figures(&input)
        })?;
    let text = format!(
        "decimation by {} with {:?} reconstruction\n{}",
        params.factor,
        params.method,
        report_text(&report)
    );
    Ok(Done { report, text })
}

/// The `interp` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    with_spinner("interpolating", || execute(&a))?.print(a.out.json)
}
