//! `sparsewave compress`: keep the largest time–frequency coefficients and listen to the result.

use super::common::{comparison_plots, print_report, with_spinner, OutputOpts};
use anyhow::{bail, Context, Result};
use serde_json::json;
use sparsewave::compress::analysis::{Analysis, Representation};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::{select, Keep};
use sparsewave::denoise::gate::{spectral_gate, GateConfig};
use sparsewave::pipeline::{self, Report, Storage};
use sparsewave::plot::{self, SpectrogramImage};
use sparsewave::transform::wavelet::{Mode, Wavelet};
use std::path::PathBuf;

/// Flags that choose and parameterise a representation.
#[derive(clap::Args, Debug, Clone)]
pub struct RepresentationOpts {
    /// PGBZ lattice MxN (both odd, M·N ≥ length); default: the smallest odd square lattice.
    #[arg(long, value_name = "MxN")]
    pub lattice: Option<String>,
    /// PGBZ: split into independent blocks of this many seconds (a variant for very long inputs).
    #[arg(long, value_name = "SECONDS")]
    pub block: Option<f64>,
    /// STFT baseline window length (Blackman–Harris analysis, Hamming synthesis, hop = length/8).
    #[arg(long, default_value_t = 1024)]
    pub window_length: usize,
    /// Wavelet: haar, db1–db38, sym2–sym20, coif1–coif17.
    #[arg(long, default_value = "db5")]
    pub wavelet: String,
    /// DWT boundary mode: periodization, symmetric, zero, periodic, reflect.
    #[arg(long, default_value = "periodization")]
    pub mode: String,
    /// DWT level (default: PyWavelets' maximum for the length, capped at 10).
    #[arg(long)]
    pub level: Option<usize>,
}

impl RepresentationOpts {
    /// The representation named `method` ("pgbz", "stft", "dwt").
    pub fn representation(
        &self,
        method: &str,
        rate: u32,
        level: Option<usize>,
    ) -> Result<Representation> {
        Ok(match method {
            "pgbz" => Representation::Pgbz {
                lattice: self.lattice.as_deref().map(parse_lattice).transpose()?,
                block: match self.block {
                    Some(s) if s.is_finite() && s > 0.0 => {
                        Some((s * f64::from(rate)).round().max(1.0) as usize)
                    }
                    Some(s) => bail!("invalid --block: {s} seconds is not positive"),
                    None => None,
                },
            },
            "stft" => Representation::Stft {
                window_length: self.window_length,
            },
            "dwt" => Representation::Dwt {
                wavelet: self.wavelet.parse::<Wavelet>()?,
                mode: self.mode.parse::<Mode>()?,
                level: level.or(self.level),
            },
            other => bail!("invalid --method: '{other}' is not one of pgbz, stft, dwt"),
        })
    }
}

pub fn parse_lattice(s: &str) -> Result<(usize, usize)> {
    let (m, n) = s.split_once(['x', 'X']).with_context(|| {
        format!("invalid --lattice: '{s}' is not of the form MxN (e.g. 665x665)")
    })?;
    let parse = |v: &str| {
        v.trim()
            .parse::<usize>()
            .with_context(|| format!("invalid --lattice: '{v}' in '{s}' is not a whole number"))
    };
    Ok((parse(m)?, parse(n)?))
}

/// Parse `--keep`: "4%", "4 %" or a fraction "0.04".
pub fn parse_keep_fraction(s: &str) -> Result<f64> {
    let t = s.trim();
    let f = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .with_context(|| {
        format!("invalid --keep: '{s}' is not a percentage like 4% or a fraction like 0.04")
    })?;
    if !(f > 0.0 && f <= 1.0) {
        bail!("invalid --keep: {s} is outside (0 %, 100 %]");
    }
    Ok(f)
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
    pub method: String,
    /// Fraction of the input's real degrees of freedom to keep ("4%" or "0.04"; default 4%).
    #[arg(long, conflicts_with_all = ["keep_count", "threshold"])]
    pub keep: Option<String>,
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
    pub postfilter: Option<String>,
    #[command(flatten)]
    pub rep: RepresentationOpts,
    #[command(flatten)]
    pub out: OutputOpts,
}

/// What compressing one channel produced.
struct ChannelInfo {
    kept_reals: usize,
    kept_entries: usize,
    total_reals: usize,
    refit: Option<(usize, f64)>,
    describe: serde_json::Value,
    images: Option<(SpectrogramImage, SpectrogramImage)>,
}

/// The coefficient map before and after thresholding, on one dB scale.
fn coefficient_images(
    analysis: &Analysis,
    rep: &Representation,
    mask: &[bool],
    rate: u32,
) -> (SpectrogramImage, SpectrogramImage) {
    let img = |mask: Option<&[bool]>, title: String| {
        let (magnitude, frames, bins, step) = analysis.coefficient_image(mask, rate);
        SpectrogramImage {
            title,
            magnitude,
            frames,
            bins,
            sample_rate: rate,
            frame_step: step,
            log_freq: false,
            range_db: 90.0,
            reference: None,
        }
    };
    let mut before = img(None, format!("{} coefficients |c| (dB)", rep.name()));
    let mut after = img(
        Some(mask),
        format!("{} coefficients kept (dB, same scale)", rep.name()),
    );
    let peak = before.magnitude.iter().fold(0.0_f64, |m, v| m.max(*v));
    before.reference = Some(peak);
    after.reference = Some(peak);
    (before, after)
}

pub fn run(a: Args) -> Result<()> {
    let keep = match (&a.keep, a.keep_count, a.threshold) {
        (_, Some(k), _) => Keep::RealNumbers(k),
        (_, _, Some(t)) if t.is_finite() && t >= 0.0 => Keep::Threshold(t),
        (_, _, Some(t)) => bail!("invalid --threshold: {t} is not a finite number ≥ 0"),
        (Some(s), _, _) => Keep::Fraction(parse_keep_fraction(s)?),
        (None, None, None) => Keep::Fraction(0.04),
    };
    let gate = match a.postfilter.as_deref() {
        None => None,
        Some("gate") => Some(GateConfig::default()),
        Some(other) => bail!("invalid --postfilter: '{other}' is not gate"),
    };
    let refit = (a.method == "pgbz" && !a.no_refit).then_some(RefitOptions {
        max_iterations: a.refit_iters,
        tolerance: a.refit_tol,
    });
    let bits = a.out.prepare()?;
    pipeline::check_output(&a.output, &[&a.input])?;
    let input = pipeline::load(&a.input, a.out.mono)?;
    let rep = a.rep.representation(&a.method, input.sample_rate, None)?;
    let want_images = a.out.plots.is_some();
    let outcome = with_spinner(&format!("{} compression", a.method), || {
        pipeline::process(&input, |_, x, rate| {
            let mut analysis = Analysis::new(&rep, x)?;
            let sel = select(analysis.magnitudes(), analysis.costs(), keep, x.len())?;
            let mut y = vec![0.0; x.len()];
            let images = want_images.then(|| coefficient_images(&analysis, &rep, &sel.mask, rate));
            let describe = analysis.describe();
            let total_reals = analysis.total_real_values();
            let refit_info = match &refit {
                Some(opts) => {
                    let reports = analysis.into_refit(x, &sel.mask, &mut y, opts)?;
                    let iters = reports.iter().map(|r| r.iterations).max().unwrap_or(0);
                    let n = reports.len() as f64;
                    let gain = reports.iter().map(|r| r.gain_db).sum::<f64>() / n;
                    Some((iters, gain))
                }
                None => {
                    analysis.reconstruct(&sel.mask, &mut y)?;
                    None
                }
            };
            if let Some(cfg) = &gate {
                y = spectral_gate(&y, rate, cfg)?;
            }
            let info = ChannelInfo {
                kept_reals: sel.kept_reals,
                kept_entries: sel.kept_entries,
                total_reals,
                refit: refit_info,
                describe,
                images,
            };
            Ok((y, info))
        })
    })?;
    let written = sparsewave::audio::write_wav(&a.output, &outcome.output, bits)?;
    let kept: usize = outcome.infos.iter().map(|i| i.kept_reals).sum();
    let samples = input.frames() * input.channel_count();
    let first = &outcome.infos[0];
    let mut report = Report::new("compress", &input, &outcome, json!({
            "method": a.method, "keep": format!("{keep:?}"), "refit": refit.map(|r| json!({"max_iterations": r.max_iterations, "tolerance": r.tolerance})),
            "postfilter": a.postfilter, "representation": first.describe, "mono": a.out.mono,
        }),
    )
    .with_files(&a.input, Some(&a.output))
    .with_write(written)
    .with("kept", json!({"real_values": kept, "fraction": kept as f64 / samples as f64, "coefficients": outcome.infos.iter().map(|i| i.kept_entries).sum::<usize>()}))
    .with("representation_real_values", outcome.infos.iter().map(|i| i.total_reals).sum::<usize>());
    if let Some((iters, gain)) = first.refit {
        report = report.with("refit", json!({"iterations": iters, "gain_db": gain}));
    }
    report.storage = Some(Storage::new(kept, samples));
    if let Some(dir) = &a.out.plots {
        let (stem, mut figs) = comparison_plots(dir, &a.output, &input, &outcome, &a.method)?;
        if let Some((before, after)) = &first.images {
            for (name, img) in [("coefficients", before), ("coefficients_kept", after)] {
                let p = dir.join(format!("{stem}_{name}.png"));
                plot::save(&p, img)?;
                figs.push(p);
            }
        }
        report = report.with("plots", figs);
    }
    if !a.out.json {
        println!(
            "{}: kept {} real values ({:.3} % of the input){}",
            a.method,
            kept,
            100.0 * kept as f64 / samples as f64,
            first.refit.map_or(String::new(), |(i, g)| format!(
                "; least-squares re-fit: {i} iterations, {g:+.2} dB"
            ))
        );
    }
    print_report(&report, a.out.json)
}
