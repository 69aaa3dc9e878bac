//! `sparsewave compress`: keep the largest time–frequency coefficients and listen to the result.

use super::common::{report_text, with_spinner, Done, OutputOpts};
use anyhow::Result;
use sparsewave::compress::job::compress;
use sparsewave::compress::params::{
    CompressMethod, CompressParams, Lattice, PostFilter, RepresentationParams,
};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::Keep;
use sparsewave::transform::wavelet::{Mode, Wavelet};
use std::path::PathBuf;

/// Flags that choose and parameterise a representation.
#[derive(clap::Args, Debug, Clone)]
pub struct RepresentationOpts {
    /// PGBZ lattice MxN (both odd, M·N ≥ length); default: the smallest odd square lattice.
    #[arg(long, value_name = "MxN")]
    pub lattice: Option<Lattice>,
    /// PGBZ: split into independent blocks of this many seconds (a variant for very long inputs).
    #[arg(long, value_name = "SECONDS")]
    pub block: Option<f64>,
    /// STFT baseline window length (Blackman–Harris analysis, Hamming synthesis, hop = length/8).
    #[arg(long, default_value_t = 1024)]
    pub window_length: usize,
    /// Wavelet: haar, db1–db38, sym2–sym20, coif1–coif17.
    #[arg(long, default_value = "db5")]
    pub wavelet: Wavelet,
    /// DWT boundary mode: periodization, symmetric, zero, periodic, reflect.
    #[arg(long, default_value = "periodization")]
    pub mode: Mode,
    /// DWT level (default: PyWavelets' maximum for the length, capped at 10).
    #[arg(long)]
    pub level: Option<usize>,
}

impl RepresentationOpts {
    /// The library's representation settings.
    pub fn params(&self) -> RepresentationParams {
        RepresentationParams {
            lattice: self.lattice,
            block_seconds: self.block,
            window_length: self.window_length,
            wavelet: self.wavelet,
            mode: self.mode,
            level: self.level,
        }
    }
}

/// Keep the largest coefficients of a time–frequency representation, under a budget of real numbers.
///
/// The budget is fair across methods: a complex coefficient costs 2 real numbers (1 when it is
/// self-conjugate), so "--keep 4%" keeps 4 % of the input's sample count in real numbers for
/// every method. PGBZ re-fits the kept coefficients by least squares (CGLS) unless --no-refit.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave compress song.wav -o song_pgbz4.wav --method pgbz --keep 4%
  sparsewave compress song.wav -o song_dwt.wav --method dwt --wavelet db5 --level 10 --keep 4%
  sparsewave compress song.wav -o song_stft.wav --method stft --keep-count 50000 --plots figs/
  sparsewave compress long.flac -o long.wav --method pgbz --keep 2% --block 30 --postfilter gate")]
pub struct Args {
    /// Input audio.
    pub input: PathBuf,
    /// Output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// pgbz, stft or dwt.
    #[arg(long, default_value = "pgbz")]
    pub method: CompressMethod,
    /// Fraction of the input's real degrees of freedom to keep ("4%" or "0.04"; default 4%).
    #[arg(long, conflicts_with_all = ["keep_count", "threshold"])]
    pub keep: Option<Keep>,
    /// Keep this many real numbers per channel.
    #[arg(long, conflicts_with = "threshold")]
    pub keep_count: Option<usize>,
    /// Keep every coefficient with |c| ≥ T.
    #[arg(long)]
    pub threshold: Option<f64>,
    /// PGBZ: no least-squares re-fit (plain thresholding, as in the paper).
    #[arg(long)]
    pub no_refit: bool,
    /// PGBZ re-fit: maximum CGLS iterations.
    #[arg(long, default_value_t = 30)]
    pub refit_iters: usize,
    /// PGBZ re-fit: relative tolerance on the normal-equation residual.
    #[arg(long, default_value_t = 1e-6)]
    pub refit_tol: f64,
    /// Post-filter against the compression artifact: "gate" (stationary spectral gate).
    #[arg(long)]
    pub postfilter: Option<PostFilter>,
    #[command(flatten)]
    pub rep: RepresentationOpts,
    #[command(flatten)]
    pub out: OutputOpts,
}

impl Args {
    /// The library's parameters.
    fn params(&self) -> Result<CompressParams> {
        let keep = match (self.keep, self.keep_count, self.threshold) {
            (_, Some(k), _) => Keep::RealNumbers(k),
            (_, _, Some(t)) => Keep::Threshold(t),
            (keep, None, None) => keep.unwrap_or_default(),
        };
        let params = CompressParams {
            method: self.method,
            keep,
            refit: (!self.no_refit).then_some(RefitOptions {
                max_iterations: self.refit_iters,
                tolerance: self.refit_tol,
            }),
            postfilter: self.postfilter,
            representation: self.rep.params(),
        };
        params.validate()?;
        Ok(params)
    }
}

/// Run the job without printing: read, compress, write, and report.
pub fn execute(a: &Args) -> Result<Done> {
    let params = a.params()?;
    let input = a.out.start(&a.input, &a.output)?;
    let job = compress(&input, &params, a.out.plots.is_some())?;
    let report = a
        .out
        .finish(&a.input, &a.output, &job.audio, job.report.clone(), || {
            job.figures(&input)
        })?;
    let text = format!(
        "{}: kept {} real values ({:.3} % of the input){}\n{}",
        params.method,
        job.kept.real_values,
        100.0 * job.kept.fraction,
        job.refit.map_or(String::new(), |r| format!(
            "; least-squares re-fit: {} iterations, {:+.2} dB",
            r.iterations, r.gain_db
        )),
        report_text(&report)
    );
    Ok(Done { report, text })
}

/// The `compress` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    let method = a.method;
    with_spinner(&format!("{method} compression"), || execute(&a))?.print(a.out.json)
}
