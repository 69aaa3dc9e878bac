//! `sparsewave compress`: keep the largest time–frequency coefficients and listen to the result.

use super::common::{report_text, with_spinner, Done, OutputOpts};
use anyhow::{Context, Result};
use sparsewave::compress::job::compress;
use sparsewave::compress::params::{
    CompressMethod, CompressParams, LatticeChoice, PostFilter, RepresentationParams,
};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::Keep;
use sparsewave::pipeline;
use sparsewave::stream;
use sparsewave::transform::wavelet::{Mode, Wavelet};
use std::path::PathBuf;

/// Flags that choose and parameterise a representation.
#[derive(clap::Args, Debug, Clone)]
pub struct RepresentationOpts {
    /// PGBZ lattice: "fast" (default: the smallest odd square lattice whose side has no prime
    /// factor above 11, so no FFT needs Bluestein's algorithm), "paper" (the smallest odd square
    /// lattice: the paper's rule, a prime side for many lengths) or MxN (both odd, M·N ≥
    /// length). With --block, the rules apply to each block's length.
    #[arg(long, value_name = "fast|paper|MxN", default_value = "fast")]
    pub lattice: LatticeChoice,
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
///
/// Memory: PGBZ is global over each block (the whole channel without --block): it holds about
/// 96 bytes per lattice point (L = M·N ≥ the block's samples: Zak-domain window, coefficients,
/// the re-fit's vectors) besides the input and output (16 bytes per sample and channel) —
/// measured 244 MiB for a minute of 44.1 kHz mono at --keep 4%; --block bounds it. Work whose
/// estimate exceeds --max-memory is refused before it starts. stft without --postfilter and
/// --plots runs streamed, in bounded memory whatever the input's length (a few MB per
/// channel): the input, a regular file, is read in blocks three times on music (two to six;
/// the STFT is made again each time to find the budget's cut exactly) and the output written
/// as it is made, with the same output and numbers as in memory (see docs/memory.md): 38 MB
/// for an hour of 44.1 kHz stereo. dwt without --postfilter and --plots on a regular file
/// whose decoded samples exceed 64 MiB (8 bytes per sample and channel: about 95 s of 44.1 kHz
/// stereo) runs streamed too: the signal and its coefficients go to temporary files (about 20
/// bytes per sample and channel on disk, removed at the end) and memory holds a few pieces of a
/// level, with the same output and numbers. Every other case decodes the whole input.
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
    #[arg(long, default_value_t = RefitOptions::DEFAULT_ITERATIONS)]
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
    /// The library's parameters, validated.
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
    // Check the flags before reading the input.
    let params = a.params()?;
    a.out.prepare()?;
    pipeline::check_output(&a.output, &[&a.input])?;
    if streamed(a, &params)? {
        return execute_streamed(a, &params);
    }
    let input = pipeline::load(&a.input, a.out.mono)?;
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

/// Whether the job runs streamed: no figures (they need the whole coefficient map), an input
/// that can be read several times (a regular file, not a pipe), and a job
/// [`stream::compress::prefers_streaming`] (the STFT without a post-filter; the DWT without one
/// on a long input).
fn streamed(a: &Args, params: &CompressParams) -> Result<bool> {
    if a.out.plots.is_some() || !std::fs::metadata(&a.input).is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    Ok(stream::compress::prefers_streaming(params, &a.input)?)
}

/// [`execute`] in bounded memory ([`stream::compress::compress_file`]).
fn execute_streamed(a: &Args, params: &CompressParams) -> Result<Done> {
    let options = a.out.stream_options();
    let job = stream::compress::compress_file(&a.input, &a.output, params, a.out.bits, &options)
        .with_context(|| a.input.display().to_string())?;
    let report = a.out.complete(&a.input, &a.output, job.report, job.write);
    let how = match job.passes {
        1 => "read once in blocks; the DWT through temporary files".to_string(),
        n => format!("read {n} times in blocks"),
    };
    let text = format!(
        "{}: kept {} real values ({:.3} % of the input)\nstreamed in bounded memory ({how})\n{}",
        params.method,
        job.kept.real_values,
        100.0 * job.kept.fraction,
        report_text(&report)
    );
    Ok(Done { report, text })
}

/// The `compress` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    let method = a.method;
    with_spinner(&format!("{method} compression"), || execute(&a))?.print(a.out.json)
}
