//! `sparsewave encode`: write a `.swz` compressed file.

use super::common::with_spinner;
use super::compress::{parse_keep_fraction, parse_lattice};
use anyhow::{bail, Result};
use serde_json::json;
use sparsewave::approx::interp::InterpMethod;
use sparsewave::audio::output::write_atomic;
use sparsewave::codec::{
    self, DwtParams, InterpParams, Method, PgbzParams, StftParams, SvdParams, SvdPhase, Target,
};
use sparsewave::metrics::Metrics;
use sparsewave::pipeline::{self, Outcome, Report};
use sparsewave::transform::stft::PadMode;
use std::path::PathBuf;
use std::time::Instant;

/// Compress audio into a `.swz` file (format: docs/FORMAT.md).
///
/// Rate: `--keep F` and/or `--step Q` fix the keep fraction (of the input's real numbers, fair
/// count) and the quantizer step (relative to the RMS of what is quantized; for interp the
/// absolute step, default 16-bit); `--bitrate KBPS` or `--snr DB` let the encoder search both.
/// The reported SNR is that of the decoded file.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave encode song.wav -o song.swz --method dwt --bitrate 32
  sparsewave encode song.wav -o song.swz --method pgbz --snr 25
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
    /// Method: pgbz, pgbz-ls (PGBZ with the least-squares re-fit), dwt, stft, svd, interp.
    #[arg(long, default_value = "dwt")]
    pub method: String,
    #[command(flatten)]
    pub rate: RateOpts,
    #[command(flatten)]
    pub methods: MethodOpts,
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
    pub keep: Option<String>,
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
    pub fn target(&self) -> Result<Target> {
        Ok(match (self.bitrate, self.snr) {
            (Some(kbps), _) => Target::Bitrate { kbps },
            (None, Some(db)) => Target::Snr { db },
            (None, None) => Target::Fixed {
                keep: self.keep.as_deref().map(parse_keep_fraction).transpose()?,
                step: self.step,
            },
        })
    }
}

/// Method parameters.
#[derive(clap::Args, Debug, Clone)]
pub struct MethodOpts {
    /// PGBZ lattice MxN (both odd, M·N ≥ length); default: the smallest odd square lattice.
    #[arg(long, value_name = "MxN")]
    pub lattice: Option<String>,
    /// PGBZ re-fit: CGLS iterations (pgbz-ls default 30; pgbz default 0 = none).
    #[arg(long)]
    pub refit: Option<usize>,
    /// DWT wavelet: haar, db1–db38, sym2–sym20, coif1–coif17.
    #[arg(long, default_value = "db8")]
    pub wavelet: String,
    /// DWT boundary mode.
    #[arg(long, default_value = "periodization")]
    pub mode: String,
    /// DWT level (default: the maximum for the length, capped at 10).
    #[arg(long)]
    pub level: Option<usize>,
    /// STFT/SVD FFT size.
    #[arg(long, default_value_t = 2048)]
    pub n_fft: usize,
    /// STFT/SVD hop (default: n_fft/2 for stft, n_fft/4 for svd).
    #[arg(long)]
    pub hop: Option<usize>,
    /// STFT/SVD window: hann, hamming, blackman-harris, gaussian[:F].
    #[arg(long, default_value = "hann")]
    pub window: String,
    /// SVD rank.
    #[arg(long, default_value_t = 20)]
    pub rank: usize,
    /// SVD phase: original (quantized) or griffin-lim (none stored).
    #[arg(long, default_value = "original")]
    pub phase: String,
    /// SVD: bits per quantized phase value.
    #[arg(long, default_value_t = 5)]
    pub phase_bits: u8,
    /// SVD Griffin–Lim iterations at decode time.
    #[arg(long, default_value_t = 50)]
    pub iters: u32,
    /// SVD Griffin–Lim seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// interp: decimation factor.
    #[arg(long, default_value_t = 4)]
    pub factor: usize,
    /// interp: linear, quadratic, cubic, cubic-nak, lagrange, poly.
    #[arg(long, default_value = "cubic")]
    pub interp: String,
    /// interp: Lagrange order / polynomial degree.
    #[arg(long)]
    pub order: Option<usize>,
}

impl MethodOpts {
    pub fn method(&self, name: &str) -> Result<Method> {
        let stft = |default_hop: usize| -> Result<StftParams> {
            Ok(StftParams {
                n_fft: self.n_fft,
                hop: self.hop.unwrap_or(default_hop),
                win_length: self.n_fft,
                window: self.window.parse()?,
                pad: PadMode::Zero,
            })
        };
        let lattice = self.lattice.as_deref().map(parse_lattice).transpose()?;
        Ok(match name {
            "pgbz" | "pgbz-ls" => Method::Pgbz(PgbzParams {
                lattice,
                refit: self.refit.unwrap_or(if name == "pgbz-ls" { 30 } else { 0 }),
            }),
            "dwt" => Method::Dwt(DwtParams {
                wavelet: self.wavelet.parse()?,
                mode: self.mode.parse()?,
                level: self.level,
            }),
            "stft" => Method::Stft(stft(self.n_fft / 2)?),
            "svd" => Method::Svd(SvdParams {
                stft: stft(self.n_fft / 4)?,
                rank: self.rank,
                phase: match self.phase.as_str() {
                    "original" => SvdPhase::Quantized {
                        bits: self.phase_bits,
                    },
                    "griffin-lim" => SvdPhase::GriffinLim {
                        iters: self.iters,
                        seed: self.seed,
                    },
                    p => bail!("invalid --phase: '{p}' is not original or griffin-lim"),
                },
            }),
            "interp" => Method::Interp(InterpParams {
                factor: self.factor,
                method: InterpMethod::parse(&self.interp, self.order, None)?,
            }),
            other => bail!(
                "invalid --method: '{other}' is not one of pgbz, pgbz-ls, dwt, stft, svd, interp"
            ),
        })
    }
}

pub fn run(a: Args) -> Result<()> {
    let method = a.methods.method(&a.method)?;
    if let Method::Svd(SvdParams {
        phase: SvdPhase::Quantized { bits },
        ..
    }) = method
    {
        if !(1..=16).contains(&bits) {
            bail!("invalid --phase-bits: {bits} is outside 1..=16");
        }
    }
    let target = a.rate.target()?;
    pipeline::check_output(&a.output, &[&a.input])?;
    let input = pipeline::load(&a.input, a.mono)?;
    let t0 = Instant::now();
    let enc = with_spinner("encoding", || codec::encode(&input, &method, target))?;
    let seconds = t0.elapsed().as_secs_f64();
    write_atomic(&a.output, &enc.bytes)?;

    let metrics = Metrics::compute(&input.channels, &enc.decoded.channels, input.sample_rate)?;
    let bytes = enc.bytes.len();
    let kbps = codec::kbps(bytes, input.seconds());
    let bits_per_sample = 8.0 * bytes as f64 / (input.frames() * input.channel_count()) as f64;
    let outcome = Outcome::<()> {
        output: enc.decoded.clone(),
        infos: Vec::new(),
        seconds,
        metrics,
    };
    let report = Report::new(
        "encode",
        &input,
        &outcome,
        json!({
            "method": method.name(), "target": target, "mono": a.mono,
            "relative_step": enc.relative_step, "step": enc.quant.step, "keep": enc.quant.keep,
        }),
    )
    .with_files(&a.input, Some(&a.output))
    .with("bytes", bytes)
    .with("kbps", kbps)
    .with("bits_per_sample", bits_per_sample)
    .with("kept_real_values", enc.kept_real_values)
    .with("nonzero_values", enc.nonzero_values)
    .with("trials", enc.trials)
    .with("target_met", enc.target_met);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("{} → {}", a.input.display(), a.output.display());
    println!(
        "  {} ({} bytes): {kbps:.2} kbit/s, {bits_per_sample:.4} bits/sample",
        method.name(),
        bytes
    );
    println!(
        "  keep {:.4}, step {:.4} (relative), {} trials{}",
        enc.quant.keep,
        enc.relative_step,
        enc.trials,
        if enc.target_met {
            ""
        } else {
            "; WARNING: the target could not be met, closest encoding written"
        }
    );
    println!("  encoded in {seconds:.3} s; decoded audio against the input:");
    super::common::print_metrics(&report.metrics);
    Ok(())
}
