//! `sparsewave compress`: keep the largest time–frequency coefficients and listen to the result.

use super::common::{report_text, with_spinner, Done, OutputOpts};
use anyhow::{Context, Result};
use sparsewave::compress::job::compress;
use sparsewave::compress::params::{
    block_samples, CompressMethod, CompressParams, Lattice, LatticeChoice, PostFilter,
    RepresentationParams,
};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::Keep;
use sparsewave::pipeline;
use sparsewave::stream::metrics::Shape;
use sparsewave::stream::{self, StreamOptions};
use sparsewave::transform::wavelet::{Mode, Wavelet};
use std::path::PathBuf;

/// Flags that choose and parameterise a representation.
#[derive(clap::Args, Debug, Clone)]
pub struct RepresentationOpts {
    /// PGBZ lattice: "paper" (default: the smallest odd square lattice), "fast" (odd sides with
    /// prime factors 3, 5, 7, 11 only, close to square: faster FFTs, different error), or MxN
    /// (both odd, M·N ≥ length).
    #[arg(long, value_name = "paper|fast|MxN")]
    pub lattice: Option<LatticeChoice>,
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
    /// The library's representation settings, with the lattice of a signal of `len` samples at
    /// `rate` Hz (the fast rule depends on the length of a block, or of the whole signal).
    pub fn params(&self, len: usize, rate: u32) -> Result<RepresentationParams> {
        Ok(RepresentationParams {
            lattice: self.lattice_for(len, rate)?,
            block_seconds: self.block,
            window_length: self.window_length,
            wavelet: self.wavelet,
            mode: self.mode,
            level: self.level,
        })
    }

    /// The PGBZ lattice for `len` samples at `rate` Hz (`None`: the paper's rule).
    pub fn lattice_for(&self, len: usize, rate: u32) -> Result<Option<Lattice>> {
        let block_len = match self.block {
            Some(seconds) => block_samples(seconds, rate)?.min(len),
            None => len,
        };
        Ok(self.lattice.and_then(|l| l.resolve(block_len)))
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
/// for an hour of 44.1 kHz stereo. Every other case decodes the whole input.
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
    /// The library's parameters; the lattice is that of a signal of `len` samples at `rate` Hz
    /// (see [`RepresentationOpts::lattice_for`]).
    fn params(&self, len: usize, rate: u32) -> Result<CompressParams> {
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
            representation: self.rep.params(len, rate)?,
        };
        params.validate()?;
        Ok(params)
    }
}

/// Run the job without printing: read, compress, write, and report.
pub fn execute(a: &Args) -> Result<Done> {
    // Check the flags before reading the input; the fast lattice rule needs its length.
    a.params(1, 1)?;
    a.out.prepare()?;
    pipeline::check_output(&a.output, &[&a.input])?;
    if streamed(a) {
        return execute_streamed(a);
    }
    let input = pipeline::load(&a.input, a.out.mono)?;
    let params = a.params(input.frames(), input.sample_rate)?;
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

/// Whether the job runs streamed: the STFT without a post-filter, no figures (they need the
/// whole coefficient map), and an input that can be read several times (a regular file, not a
/// pipe).
fn streamed(a: &Args) -> bool {
    a.method == CompressMethod::Stft
        && a.postfilter.is_none()
        && a.out.plots.is_none()
        && std::fs::metadata(&a.input).is_ok_and(|m| m.is_file())
}

/// [`execute`] in bounded memory ([`stream::compress::compress_file`]).
fn execute_streamed(a: &Args) -> Result<Done> {
    let options = StreamOptions {
        mono: a.out.mono,
        ..StreamOptions::default()
    };
    let shape = Shape::of(&a.input, &options).with_context(|| a.input.display().to_string())?;
    let params = a.params(shape.frames, shape.sample_rate)?;
    let job = stream::compress::compress_file(&a.input, &a.output, &params, a.out.bits, &options)
        .with_context(|| a.input.display().to_string())?;
    let mut report = job
        .report
        .with_files(&a.input, Some(&a.output))
        .with_write(job.write);
    report.params["mono"] = a.out.mono.into();
    let text = format!(
        "{}: kept {} real values ({:.3} % of the input)\nstreamed in bounded memory (read {} times in blocks)\n{}",
        params.method,
        job.kept.real_values,
        100.0 * job.kept.fraction,
        job.passes,
        report_text(&report)
    );
    Ok(Done { report, text })
}

/// The `compress` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    let method = a.method;
    with_spinner(&format!("{method} compression"), || execute(&a))?.print(a.out.json)
}
