//! `sparsewave encode`: write a `.swz` compressed file.

use super::common::{lines_text, metrics_text, with_spinner, Done};
use anyhow::Result;
use sparsewave::approx::interp::{InterpKind, InterpMethod};
use sparsewave::codec::{MethodKind, MethodSettings, Segmenting, SvdPhaseKind, Target};
use sparsewave::compress::params::Lattice;
use sparsewave::compress::sparsify::Keep;
use sparsewave::pipeline;
use sparsewave::stream::{codec::encode_file, StreamOptions};
use sparsewave::transform::wavelet::{Mode, Wavelet};
use sparsewave::transform::window::WindowKind;
use std::path::PathBuf;

/// Compress audio into a `.swz` file (format: docs/FORMAT.md).
///
/// Rate: `--keep F` and/or `--step Q` fix the keep fraction (of the input's real numbers, fair
/// count) and the quantizer step (relative to the RMS of what is quantized; for interp the
/// absolute step, default 16-bit); `--bitrate KBPS` or `--snr DB` let the encoder search both.
/// The reported SNR is that of the decoded file.
///
/// Long inputs: an input longer than one segment (`--segment-seconds`, default 20 s) is cut
/// into segments overlapping by 50 ms, each a complete file with its own method (`auto` picks
/// per segment) and its share of the target (`--snr D`: the error budget shared by duration, so
/// the file reaches D; `--bitrate`: the budget shared by duration; `--keep/--step`: per
/// segment, the step relative to the segment's RMS), joined without discontinuities by a
/// sin/cos cross-fade (docs/FORMAT.md). Such inputs are read twice and encoded one segment at
/// a time: memory is bounded by one segment's encoding (220–300 MB for 20 s of stereo, measured
/// with dwt and auto), whatever the input's length.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave encode song.wav -o song.swz --method dwt --bitrate 32
  sparsewave encode song.wav -o song.swz --method pgbz --snr 25
  sparsewave encode song.wav -o song.swz --method auto --snr 30 --json
  sparsewave encode song.wav -o song.swz --method hybrid --snr 30
  sparsewave encode song.wav -o song.swz --method pgbz-ls --keep 4% --step 0.1
  sparsewave encode song.wav -o song.swz --method stft --keep 10% --step 0.1
  sparsewave encode song.wav -o song.swz --method svd --rank 40 --phase griffin-lim
  sparsewave encode song.wav -o song.swz --method interp --factor 4 --interp cubic --json")]
pub struct Args {
    /// Input audio (WAV, FLAC, MP3, Ogg Vorbis).
    pub input: PathBuf,
    /// Output .swz file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Method: pgbz, pgbz-ls (PGBZ with the least-squares re-fit), dwt, stft, svd, interp,
    /// hybrid (PGBZ at a coarser target plus the DWT on its residual; --snr only), or auto
    /// (whichever of pgbz, dwt and, for --snr, hybrid gives the smallest file at the target).
    #[arg(long, default_value_t = MethodKind::Dwt)]
    pub method: MethodKind,
    #[command(flatten)]
    pub rate: RateOpts,
    #[command(flatten)]
    pub methods: MethodOpts,
    /// Segment length in seconds for inputs longer than it (default 20; a shorter input is
    /// one unsegmented file).
    #[arg(long, value_name = "S")]
    pub segment_seconds: Option<f64>,
    /// Mix all channels down to one before encoding.
    #[arg(long)]
    pub mono: bool,
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Rate flags.
#[derive(clap::Args, Debug, Clone)]
pub struct RateOpts {
    /// Keep fraction: "10%" or 0.1 (with --step; default: all, the dead zone decides).
    #[arg(long, conflicts_with_all = ["bitrate", "snr"])]
    pub keep: Option<Keep>,
    /// Relative quantizer step (default 0.05; interp: absolute, default 2^-15).
    #[arg(long, conflicts_with_all = ["bitrate", "snr"])]
    pub step: Option<f64>,
    /// Target bit rate in kbit/s: the best SNR that fits.
    #[arg(long, conflicts_with = "snr")]
    pub bitrate: Option<f64>,
    /// Target SNR in dB: the smallest file that reaches it.
    #[arg(long)]
    pub snr: Option<f64>,
}

impl RateOpts {
    /// The rate target the flags ask for.
    pub fn target(&self) -> Target {
        match (self.bitrate, self.snr) {
            (Some(kbps), _) => Target::Bitrate { kbps },
            (None, Some(db)) => Target::Snr { db },
            (None, None) => Target::Fixed {
                // `Keep` parses keep fractions only.
                keep: self.keep.and_then(|k| match k {
                    Keep::Fraction(f) => Some(f),
                    Keep::RealNumbers(_) | Keep::Threshold(_) => None,
                }),
                step: self.step,
            },
        }
    }
}

/// Method parameters (defaults: [`MethodSettings::default`]).
#[derive(clap::Args, Debug, Clone)]
pub struct MethodOpts {
    /// PGBZ lattice MxN (both odd, M·N ≥ length); default: the smallest odd square lattice.
    #[arg(long, value_name = "MxN")]
    pub lattice: Option<Lattice>,
    /// PGBZ re-fit: CGLS iterations (pgbz-ls default 30; pgbz default 0 = none).
    #[arg(long)]
    pub refit: Option<usize>,
    /// DWT wavelet: haar, db1–db38, sym2–sym20, coif1–coif17.
    #[arg(long, default_value_t = MethodSettings::default().wavelet)]
    pub wavelet: Wavelet,
    /// DWT boundary mode.
    #[arg(long, default_value_t = MethodSettings::default().mode)]
    pub mode: Mode,
    /// DWT level (default: the maximum for the length, capped at 10).
    #[arg(long)]
    pub level: Option<usize>,
    /// STFT/SVD FFT size.
    #[arg(long, default_value_t = MethodSettings::default().n_fft)]
    pub n_fft: usize,
    /// STFT/SVD hop (default: n_fft/2 for stft, n_fft/4 for svd).
    #[arg(long)]
    pub hop: Option<usize>,
    /// STFT/SVD window: hann, hamming, blackman-harris, gaussian[:F].
    #[arg(long, default_value_t = MethodSettings::default().window)]
    pub window: WindowKind,
    /// SVD rank.
    #[arg(long, default_value_t = MethodSettings::default().rank)]
    pub rank: usize,
    /// SVD phase: original (quantized) or griffin-lim (none stored).
    #[arg(long, default_value_t = MethodSettings::default().phase)]
    pub phase: SvdPhaseKind,
    /// SVD: bits per quantized phase value.
    #[arg(long, default_value_t = MethodSettings::default().phase_bits)]
    pub phase_bits: u8,
    /// SVD Griffin–Lim iterations at decode time.
    #[arg(long, default_value_t = MethodSettings::default().iters)]
    pub iters: u32,
    /// SVD Griffin–Lim seed.
    #[arg(long, default_value_t = MethodSettings::default().seed)]
    pub seed: u64,
    /// interp: decimation factor.
    #[arg(long, default_value_t = MethodSettings::default().factor)]
    pub factor: usize,
    /// interp: linear, quadratic, cubic, cubic-nak, lagrange, poly.
    #[arg(long, default_value_t = MethodSettings::default().interp.kind())]
    pub interp: InterpKind,
    /// interp: Lagrange order / polynomial degree.
    #[arg(long)]
    pub order: Option<usize>,
}

impl MethodOpts {
    /// The library's settings from the flags.
    pub fn settings(&self) -> Result<MethodSettings> {
        Ok(MethodSettings {
            lattice: self.lattice.map(|l| (l.m, l.n)),
            refit: self.refit,
            wavelet: self.wavelet,
            mode: self.mode,
            level: self.level,
            n_fft: self.n_fft,
            hop: self.hop,
            window: self.window,
            rank: self.rank,
            phase: self.phase,
            phase_bits: self.phase_bits,
            iters: self.iters,
            seed: self.seed,
            factor: self.factor,
            interp: InterpMethod::new(self.interp, self.order, None)?,
        })
    }
}

/// Run the job without printing: read, encode (the smaller file of the candidates with
/// `auto`, per segment for long inputs) in bounded memory, write the `.swz` file, and report.
pub fn execute(a: &Args) -> Result<Done> {
    let candidates = a.methods.settings()?.candidates(a.method)?;
    let target = a.rate.target();
    pipeline::check_output(&a.output, &[&a.input])?;
    let segmenting = match a.segment_seconds {
        Some(s) => {
            let rate = sparsewave::audio::probe_file(&a.input)?.sample_rate;
            Some(Segmenting::seconds(s, rate)?)
        }
        None => None,
    };
    let options = StreamOptions {
        mono: a.mono,
        ..StreamOptions::default()
    };
    let enc = encode_file(
        &a.input,
        &a.output,
        &candidates,
        target,
        segmenting,
        &options,
    )?;
    let mut report = enc.report.with_files(&a.input, Some(&a.output));
    report.params["mono"] = a.mono.into();
    let segments = report.extra.get("segments").map(|s| {
        format!(
            "  {} segments of {} samples (overlap {}): {}",
            s["count"], s["samples"], s["overlap"], s["methods"]
        )
    });
    let lines = [
        format!("{} → {}", a.input.display(), a.output.display()),
        format!(
            "  {}{} ({} bytes): {:.2} kbit/s, {:.4} bits/sample",
            enc.method.name(),
            if candidates.len() > 1 {
                " (chosen by auto)"
            } else {
                ""
            },
            enc.bytes,
            enc.kbps,
            enc.bits_per_sample
        ),
        format!(
            "  keep {:.4}, step {:.4} (relative), {} trials{}",
            enc.quant.keep,
            enc.relative_step,
            enc.trials,
            if enc.target_met {
                ""
            } else {
                "; WARNING: the target could not be met, closest encoding written"
            }
        ),
        format!(
            "  encoded in {:.3} s; decoded audio against the input:",
            report.seconds
        ),
    ];
    let lines: Vec<String> = lines.into_iter().chain(segments).collect();
    let text = lines_text(&lines) + &metrics_text(&report.metrics);
    Ok(Done { report, text })
}

/// The `encode` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    with_spinner("encoding", || execute(&a))?.print(a.json)
}
