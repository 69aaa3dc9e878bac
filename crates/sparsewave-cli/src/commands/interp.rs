//! `sparsewave interp`: decimation and reconstruction by interpolation.

use super::common::{report_text, with_spinner, Done, OutputOpts};
use anyhow::{Context, Result};
use sparsewave::approx::interp::{InterpKind, InterpMethod};
use sparsewave::approx::interp_job::{interp, Decimation};
use sparsewave::pipeline;
use sparsewave::stream;
use std::path::PathBuf;

/// Keep every R-th sample (and the last), rebuild all samples by interpolation.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Methods: linear, quadratic (quadratic spline), cubic (natural cubic spline), cubic-nak
(not-a-knot cubic spline), lagrange (local, centred, --order n), poly (least-squares
polynomial of degree --order per block of --block kept samples; stores only coefficients).

An input file of more than 64 MiB of decoded samples (8 bytes per sample and channel: about
95 s of 44.1 kHz stereo) without --plots runs streamed, in bounded memory whatever its length:
read twice in blocks, the kept samples and the spline's eliminated system in a temporary file
(8 to 56 bytes per kept sample and channel), with the same output and report as in memory.

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
    a.out.prepare()?;
    pipeline::check_output(&a.output, &[&a.input])?;
    if streamed(a)? {
        return execute_streamed(a, &params);
    }
    let input = pipeline::load(&a.input, a.out.mono)?;
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

/// Whether the job runs streamed: no figures, an input that can be read twice (a regular
/// file, not a pipe) of more than 64 MiB decoded, where memory is faster below
/// ([`stream::exceeds_dwt_in_memory`]).
fn streamed(a: &Args) -> Result<bool> {
    if a.out.plots.is_some() || !std::fs::metadata(&a.input).is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    Ok(stream::exceeds_dwt_in_memory(&a.input)?)
}

/// [`execute`] in bounded memory ([`stream::interp::interp_file`]).
fn execute_streamed(a: &Args, params: &Decimation) -> Result<Done> {
    let options = a.out.stream_options();
    let job = stream::interp::interp_file(&a.input, &a.output, params, a.out.bits, &options)
        .with_context(|| a.input.display().to_string())?;
    let report = a.out.complete(&a.input, &a.output, job.report, job.write);
    let text = format!(
        "decimation by {} with {:?} reconstruction\nstreamed in bounded memory (read {} times in \
         blocks)\n{}",
        params.factor,
        params.method,
        job.passes,
        report_text(&report)
    );
    Ok(Done { report, text })
}

/// The `interp` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    with_spinner("interpolating", || execute(&a))?.print(a.out.json)
}
