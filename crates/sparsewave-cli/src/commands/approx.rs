//! `sparsewave approx`: rank-k SVD of the STFT magnitude, original or Griffin–Lim phase.

use super::common::{parse_list, report_text, sibling, with_spinner, Done, OutputOpts};
use anyhow::Result;
use serde_json::json;
use sparsewave::approx::job::{approx, ApproxParams, Phase, PhaseStart, RankPoint, StftParams};
use sparsewave::audio::output::write_atomic_with;
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::plot;
use sparsewave::transform::stft::PadMode;
use sparsewave::transform::window::WindowKind;
use std::path::PathBuf;

/// Low-rank approximation of the magnitude spectrogram.
///
/// A = |STFT(x)| is replaced by its best rank-k approximation (truncated SVD), negative values
/// are set to 0, the phase is the input's own (default) or found by Griffin–Lim, and the result
/// is transformed back. The storage report counts U_k, Σ_k, V_k and, with the original phase,
/// the phase matrix: about 2× the input for any k.
///
/// Memory: the SVD is global over each channel. Estimate (checked against --max-memory
/// before the work starts): 24 bytes per spectrogram entry ((n_fft/2 + 1) × (N/hop + 1) for N
/// samples) plus 16 bytes per sample, besides the input and output (16 bytes per sample and
/// channel). Measured for a minute of 44.1 kHz mono: 121 MiB at the defaults, 227 MiB with
/// --n-fft 4096, 400 MiB with Griffin–Lim.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave approx song.wav -o song_k20.wav --rank 20
  sparsewave approx song.wav -o song_e95.wav --energy 0.95 --plots figs/
  sparsewave approx song.wav -o song_gl.wav --rank 50 --phase griffin-lim --iters 100 --seed 1
  sparsewave approx song.wav -o song_k20.wav --rank 20 --sweep-ranks 1,5,10,20,50,100")]
pub struct Args {
    /// Input audio (WAV, FLAC, MP3, Ogg Vorbis).
    pub input: PathBuf,
    /// Output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Rank k of the approximation.
    #[arg(long, conflicts_with = "energy")]
    pub rank: Option<usize>,
    /// Smallest rank keeping this fraction of Σσ² (default 0.95 when --rank is not given).
    #[arg(long)]
    pub energy: Option<f64>,
    /// Also write the error-vs-rank curve (CSV + plot) for these ranks.
    #[arg(long, value_name = "K,K,...")]
    pub sweep_ranks: Option<String>,
    /// Phase of the approximation: original or griffin-lim.
    #[arg(long, default_value = "original")]
    pub phase: Phase,
    /// Griffin–Lim iterations.
    #[arg(long, default_value_t = 50)]
    pub iters: usize,
    /// Seed of the Griffin–Lim random start.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Griffin–Lim start: random or original.
    #[arg(long, default_value = "random")]
    pub init_phase: PhaseStart,
    /// FFT size.
    #[arg(long, default_value_t = 2048)]
    pub n_fft: usize,
    /// Hop in samples.
    #[arg(long, default_value_t = 512)]
    pub hop: usize,
    /// Window length (default: n_fft).
    #[arg(long)]
    pub win_length: Option<usize>,
    /// Window: hann, hamming, blackman-harris, gaussian[:F].
    #[arg(long, default_value = "hann")]
    pub window: WindowKind,
    /// Padding of the centred frames: zero (librosa ≥ 0.10) or reflect.
    #[arg(long, default_value = "zero")]
    pub pad: PadMode,
    #[command(flatten)]
    pub out: OutputOpts,
}

impl Args {
    /// The library's parameters.
    fn params(&self) -> Result<ApproxParams> {
        let params = ApproxParams {
            stft: StftParams {
                n_fft: self.n_fft,
                hop: self.hop,
                win_length: self.win_length,
                window: self.window,
                pad: self.pad,
            },
            rank: match (self.rank, self.energy) {
                (Some(k), _) => RankRule::Fixed(k),
                (None, Some(f)) => RankRule::Energy(f),
                (None, None) => ApproxParams::default().rank,
            },
            phase: self.phase,
            iters: self.iters,
            init_phase: self.init_phase,
            seed: self.seed,
            sweep_ranks: self
                .sweep_ranks
                .as_deref()
                .map(|s| parse_list("--sweep-ranks", s))
                .transpose()?,
            all_singular_values: self.out.plots.is_some(),
        };
        params.validate()?;
        Ok(params)
    }
}

/// Run the job without printing: read, approximate, write, and report.
pub fn execute(a: &Args) -> Result<Done> {
    let params = a.params()?;
    let input = a.out.start(&a.input, &a.output)?;
    let job = approx(&input, &params)?;
    let mut report = a
        .out
        .finish(&a.input, &a.output, &job.audio, job.report.clone(), || {
            job.figures(&input)
        })?;

    if let (Some(points), Some(figure)) = (&job.rank_sweep, job.rank_sweep_figure()) {
        let csv_path = sibling(&a.output, a.out.plots.as_deref(), "_rank_sweep.csv");
        write_sweep_csv(&csv_path, points)?;
        let png = csv_path.with_extension("png");
        plot::save(&png, &figure.plot)?;
        report = report.with("rank_sweep", json!({"csv": csv_path, "plot": png}));
    }
    let text = format!(
        "rank {} ({:?} SVD of a {}×{} magnitude spectrogram), phase: {}\n{}",
        job.rank,
        job.svd_method,
        job.shape.0,
        job.shape.1,
        params.phase,
        report_text(&report)
    );
    Ok(Done { report, text })
}

/// The `approx` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    with_spinner("low-rank approximation", || execute(&a))?.print(a.out.json)
}

fn write_sweep_csv(path: &std::path::Path, points: &[RankPoint]) -> Result<()> {
    write_atomic_with(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        for p in points {
            csv.serialize(p).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })?;
    Ok(())
}
