//! `sparsewave denoise`: WSVD and its baselines (wavelet shrinkage, Gaussian filter, spectral
//! gate), with metrics against a clean reference when one is given.

use super::common::{parse_list, print_metrics, print_report, sibling, with_spinner, OutputOpts};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use sparsewave::audio::Audio;
use sparsewave::denoise::gate::{spectral_gate, GateConfig, NoiseProfile};
use sparsewave::denoise::gaussian::GaussianFilter;
use sparsewave::denoise::shrink::{ThresholdKind, ThresholdRule, WaveletShrink};
use sparsewave::denoise::wsvd::{
    offset_grid, overlap_grid, plain_grid, wsvd_denoise, BandConfig, Junction, Mapping, SvdSolver,
    WsvdConfig,
};
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::metrics::Metrics;
use sparsewave::pipeline::{self, Report};
use sparsewave::plot::{self, WaveformComparison};
use std::path::{Path, PathBuf};

/// Length of the zoom panel of [`WaveformComparison`] (the plot module keeps its constant
/// private).
const ZOOM_SECONDS: f64 = 0.2;

/// noisereduce's threshold rule for a noise clip: mean + 1.5 standard deviations (dB).
const CLIP_N_STD: f64 = 1.5;

/// Denoise a recording.
///
/// Methods: wsvd (windowed SVD of Hankel matrices, optionally per frequency band; the default
/// is one band, w = 200, AIC rank, anti-diagonal averaging, 50 % crossfade), wavelet
/// (shrinkage of DWT detail coefficients), gaussian (Gaussian low-pass, σ in samples) and gate
/// (stationary spectral gating).
///
/// Metrics: with --clean REF they compare the output with the clean reference (and the noisy
/// input with it, as "input"), and NRR = 10·log10(var(noisy)/var(denoised)) compares the output
/// with the noisy input; without --clean they compare the output with the noisy input. SNR is
/// in power dB, 10·log10(‖x‖²/‖x − y‖²); the WSVD paper's printed formula omits the squares,
/// so its values are half of these.
#[derive(clap::Args, Debug)]
#[command(
    group(clap::ArgGroup::new("rank_choice").multiple(false)),
    after_help = "\
WSVD rank rules (one of; one value for all bands or one per band):
  --ratio R      r = ⌈R·q⌉ for a p×q window Hankel matrix (the paper's rule), R ∈ (0, 1]
  --rank K       fixed rank, 1 ≤ K ≤ min(p, q)
  --rank-rule aic|mdl   Wax–Kailath information criterion per window (default: aic)
  --energy F     smallest rank keeping a fraction F of Σσ²
AIC/MDL assume white noise over the window: inside a band (--bands) the noise is not white and
they tend to keep the full rank there.

Spectral gate: without --noise-clip the noise threshold is estimated from the signal itself
(a percentile of each frequency bin over time); on music with broadband noise that removes much
of the music. Give a noise-only clip (e.g. from `addnoise --noise-out`) for a usable result.

Examples:
  sparsewave denoise noisy.wav -o clean.wav
  sparsewave denoise noisy.wav -o clean.wav --clean reference.wav --json
  sparsewave denoise noisy.wav -o clean.wav --window 400 --ratio 0.1 --junction none
  sparsewave denoise noisy.wav -o clean.wav --preset paper
  sparsewave denoise noisy.wav -o clean.wav --bands 1000,3500 --window 150,100,100 --ratio 0.08,0.12,0.01
  sparsewave denoise noisy.wav -o clean.wav --method wavelet --wavelet sym4 --level 4
  sparsewave denoise noisy.wav -o clean.wav --method gaussian --sigma 2
  sparsewave denoise noisy.wav -o clean.wav --method gate --noise-clip noise.wav"
)]
pub struct Args {
    /// Noisy input audio.
    pub input: PathBuf,
    /// Denoised output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Clean reference: report the metrics against it (same rate, channels and length).
    #[arg(long, value_name = "REF")]
    pub clean: Option<PathBuf>,
    /// Boxed: the method flags are many, and the command enum holds every subcommand's Args.
    #[command(flatten)]
    pub method: Box<MethodOpts>,
    #[command(flatten)]
    pub out: OutputOpts,
}

/// The flags that choose and configure a denoiser.
#[derive(clap::Args, Clone, Debug)]
pub struct MethodOpts {
    /// Method: wsvd, wavelet, gaussian or gate.
    #[arg(long, default_value = "wsvd")]
    pub method: String,
    /// WSVD: start from a preset (default or paper); the flags below override its fields.
    /// paper: cuts 1000/3500 Hz, windows 150/100/100, ratios 0.08/0.12/0.01, paper mapping,
    /// junction mean filter.
    #[arg(long, default_value = "default")]
    pub preset: String,
    /// WSVD: window length in samples, one value or one per band ("150,100,100").
    #[arg(long, value_name = "W[,W...]")]
    pub window: Option<String>,
    /// WSVD: cut frequencies in Hz, strictly increasing, below Nyquist ("1000,3500"), or none.
    #[arg(long, value_name = "HZ[,HZ...]")]
    pub bands: Option<String>,
    /// WSVD: rank ratio R ∈ (0, 1], r = ⌈R·q⌉; one value or one per band.
    #[arg(long, value_name = "R[,R...]", group = "rank_choice")]
    pub ratio: Option<String>,
    /// WSVD: fixed rank; one value or one per band.
    #[arg(long, value_name = "K[,K...]", group = "rank_choice")]
    pub rank: Option<String>,
    /// WSVD: information criterion: aic or mdl.
    #[arg(long, value_name = "RULE", group = "rank_choice")]
    pub rank_rule: Option<String>,
    /// WSVD: energy fraction F ∈ (0, 1]; one value or one per band.
    #[arg(long, value_name = "F[,F...]", group = "rank_choice")]
    pub energy: Option<String>,
    /// WSVD: truncated SVD: lanczos, dense or auto.
    #[arg(long)]
    pub svd: Option<String>,
    /// WSVD: rank-r matrix to signal: antidiagonal (averaging) or paper (first column, last row).
    #[arg(long)]
    pub mapping: Option<String>,
    /// WSVD: window junctions: xfade (50 % overlap), interleave, meanfilt or none.
    #[arg(long)]
    pub junction: Option<String>,
    /// wavelet: dbN, symN, coifN or haar.
    #[arg(long, default_value = "db3")]
    pub wavelet: String,
    /// wavelet: decomposition level.
    #[arg(long, default_value_t = 3)]
    pub level: usize,
    /// wavelet: soft or hard thresholding.
    #[arg(long, default_value = "soft")]
    pub threshold: String,
    /// wavelet: threshold rule: bayes (BayesShrink, per level) or universal (σ·√(2 ln n)).
    #[arg(long, default_value = "bayes")]
    pub rule: String,
    /// wavelet: signal extension (PyWavelets' names): symmetric, periodization, zero, periodic,
    /// reflect.
    #[arg(long, default_value = "symmetric")]
    pub mode: String,
    /// gaussian: standard deviation in samples.
    #[arg(long, default_value_t = 1.0)]
    pub sigma: f64,
    /// gate: a noise-only recording to learn the noise threshold from. Without it the noise is
    /// estimated from the signal, which on music with broadband noise removes music.
    #[arg(long, value_name = "FILE")]
    pub noise_clip: Option<PathBuf>,
    /// gate (no noise clip): percentile over time of each bin's level taken as its noise floor.
    #[arg(long, default_value_t = 20.0)]
    pub gate_percentile: f64,
    /// gate (no noise clip): margin in dB above the noise floor.
    #[arg(long, default_value_t = 12.0, allow_hyphen_values = true)]
    pub gate_margin: f64,
    /// gate: attenuation of gated bins in dB.
    #[arg(long, default_value_t = 30.0)]
    pub gate_attenuation: f64,
}

/// A configured denoiser.
#[derive(Clone, Debug)]
pub enum Denoiser {
    Wsvd(WsvdConfig),
    Wavelet(WaveletShrink),
    Gaussian(GaussianFilter, f64),
    /// Spectral gate; `clips` holds a noise clip per channel (the last one serves any further
    /// channel) when the threshold is learnt from noise.
    Gate {
        cfg: GateConfig,
        clips: Option<Vec<Vec<f64>>>,
    },
}

/// What a denoiser reports for one channel.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ChannelInfo {
    /// WSVD: mean rank over all windows of all bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_rank: Option<f64>,
    /// WSVD: windows processed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows: Option<usize>,
    /// WSVD: per band, `{window, windows, mean_rank}`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Value>,
}

impl Denoiser {
    /// Denoise channel `channel` of a recording at `rate` Hz.
    pub fn run(
        &self,
        x: &[f64],
        rate: u32,
        channel: usize,
    ) -> sparsewave::Result<(Vec<f64>, ChannelInfo)> {
        match self {
            Denoiser::Wsvd(cfg) => {
                let out = wsvd_denoise(x, f64::from(rate), cfg)?;
                let info = ChannelInfo {
                    mean_rank: Some(out.mean_rank),
                    windows: Some(out.windows),
                    bands: out
                        .bands
                        .iter()
                        .map(|b| json!({"window": b.window, "windows": b.windows, "mean_rank": b.mean_rank}))
                        .collect(),
                };
                Ok((out.signal, info))
            }
            Denoiser::Wavelet(shrink) => Ok((shrink.denoise(x)?, ChannelInfo::default())),
            Denoiser::Gaussian(filter, _) => {
                let mut y = vec![0.0; x.len()];
                filter.apply(x, &mut y)?;
                Ok((y, ChannelInfo::default()))
            }
            Denoiser::Gate { cfg, clips } => {
                let y = match clips {
                    None => spectral_gate(x, rate, cfg)?,
                    Some(clips) => {
                        let noise = clips[channel.min(clips.len() - 1)].clone();
                        let cfg = GateConfig {
                            profile: NoiseProfile::Clip {
                                noise,
                                n_std: CLIP_N_STD,
                            },
                            ..cfg.clone()
                        };
                        spectral_gate(x, rate, &cfg)?
                    }
                };
                Ok((y, ChannelInfo::default()))
            }
        }
    }

    /// Every effective parameter, as JSON.
    pub fn params(&self) -> Value {
        match self {
            Denoiser::Wsvd(cfg) => json!({
                "method": "wsvd",
                "cuts_hz": cfg.cuts_hz,
                "bands": cfg.bands.iter().map(|b| json!({"window": b.window, "rank_rule": rule_json(b.rank)})).collect::<Vec<_>>(),
                "junction": junction_name(cfg.junction),
                "mapping": mapping_name(cfg.mapping),
                "svd": solver_name(cfg.solver),
                "tolerance": cfg.tolerance,
            }),
            Denoiser::Wavelet(s) => json!({
                "method": "wavelet",
                "wavelet": s.wavelet.to_string(),
                "level": s.level,
                "mode": s.mode.to_string(),
                "rule": match s.rule { ThresholdRule::Universal => "universal", ThresholdRule::Bayes => "bayes" },
                "threshold": match s.kind { ThresholdKind::Soft => "soft", ThresholdKind::Hard => "hard" },
            }),
            Denoiser::Gaussian(_, sigma) => json!({"method": "gaussian", "sigma": sigma}),
            Denoiser::Gate { cfg, clips } => json!({
                "method": "gate",
                "noise_clip": clips.is_some(),
                "n_std": clips.as_ref().map(|_| CLIP_N_STD),
                "config": cfg,
            }),
        }
    }

    /// Sample indices where WSVD windows start in `band` (empty for the other methods): the
    /// marks of the waveform figures.
    pub fn window_starts(&self, n: usize, band: usize) -> Vec<usize> {
        let Denoiser::Wsvd(cfg) = self else {
            return Vec::new();
        };
        let Some(w) = cfg.bands.get(band).map(|b| b.window) else {
            return Vec::new();
        };
        let spans = match cfg.junction {
            Junction::Xfade => overlap_grid(n, w),
            Junction::Interleave => {
                let mut s = plain_grid(n, w);
                s.extend(offset_grid(n, w));
                s
            }
            Junction::MeanFilt | Junction::None => plain_grid(n, w),
        };
        let mut starts: Vec<usize> = spans.iter().map(|s| s.start).collect();
        starts.sort_unstable();
        starts.dedup();
        starts
    }
}

fn rule_json(rule: RankRule) -> Value {
    match rule {
        RankRule::Ratio(r) => json!({"ratio": r}),
        RankRule::Fixed(k) => json!({"rank": k}),
        RankRule::Aic => json!("aic"),
        RankRule::Mdl => json!("mdl"),
        RankRule::Energy(f) => json!({"energy": f}),
    }
}

fn junction_name(j: Junction) -> &'static str {
    match j {
        Junction::Xfade => "xfade",
        Junction::Interleave => "interleave",
        Junction::MeanFilt => "meanfilt",
        Junction::None => "none",
    }
}

fn mapping_name(m: Mapping) -> &'static str {
    match m {
        Mapping::AntiDiagonal => "antidiagonal",
        Mapping::Paper => "paper",
    }
}

fn solver_name(s: SvdSolver) -> &'static str {
    match s {
        SvdSolver::Lanczos => "lanczos",
        SvdSolver::Dense => "dense",
        SvdSolver::Auto => "auto",
    }
}

/// One value for every band, or one per band.
fn per_band<T: Copy>(flag: &str, values: Vec<T>, bands: usize) -> Result<Vec<T>> {
    match values.len() {
        1 => Ok(vec![values[0]; bands]),
        n if n == bands => Ok(values),
        n => {
            bail!("invalid {flag}: {n} values for {bands} band(s); give one value or one per band")
        }
    }
}

impl MethodOpts {
    /// The validated denoiser. Reads the noise clip (gate) if one is given.
    pub fn denoiser(&self) -> Result<Denoiser> {
        Ok(match self.method.to_ascii_lowercase().as_str() {
            "wsvd" => Denoiser::Wsvd(self.wsvd_config()?),
            "wavelet" => Denoiser::Wavelet(self.wavelet_shrink()?),
            "gaussian" => Denoiser::Gaussian(GaussianFilter::new(self.sigma)?, self.sigma),
            "gate" => self.gate()?,
            other => {
                bail!("invalid --method: '{other}' is not one of wsvd, wavelet, gaussian, gate")
            }
        })
    }

    /// The preset, overridden field by field by the flags that were given.
    pub fn wsvd_config(&self) -> Result<WsvdConfig> {
        let mut cfg = match self.preset.as_str() {
            "default" => WsvdConfig::default(),
            "paper" => WsvdConfig::paper(),
            other => bail!("invalid --preset: '{other}' is not default or paper"),
        };
        if let Some(b) = &self.bands {
            cfg.cuts_hz = if b.trim().eq_ignore_ascii_case("none") {
                Vec::new()
            } else {
                parse_list("--bands", b)?
            };
            if cfg.cuts_hz.is_empty() && !b.trim().eq_ignore_ascii_case("none") {
                bail!("invalid --bands: give cut frequencies in Hz (\"1000,3500\") or none");
            }
        }
        let nb = cfg.cuts_hz.len() + 1;
        // The preset's per-band values when its band count still fits, else its first band's.
        let base: Vec<BandConfig> = if cfg.bands.len() == nb {
            cfg.bands.clone()
        } else {
            vec![cfg.bands[0]; nb]
        };
        let windows = match &self.window {
            Some(w) => per_band("--window", parse_list("--window", w)?, nb)?,
            None => base.iter().map(|b| b.window).collect(),
        };
        let rules: Vec<RankRule> = if let Some(r) = &self.ratio {
            per_band("--ratio", parse_list("--ratio", r)?, nb)?
                .into_iter()
                .map(RankRule::Ratio)
                .collect()
        } else if let Some(k) = &self.rank {
            per_band("--rank", parse_list("--rank", k)?, nb)?
                .into_iter()
                .map(RankRule::Fixed)
                .collect()
        } else if let Some(f) = &self.energy {
            per_band("--energy", parse_list("--energy", f)?, nb)?
                .into_iter()
                .map(RankRule::Energy)
                .collect()
        } else if let Some(rule) = &self.rank_rule {
            let rule = match rule.to_ascii_lowercase().as_str() {
                "aic" => RankRule::Aic,
                "mdl" => RankRule::Mdl,
                other => bail!("invalid --rank-rule: '{other}' is not aic or mdl"),
            };
            vec![rule; nb]
        } else {
            base.iter().map(|b| b.rank).collect()
        };
        cfg.bands = windows
            .into_iter()
            .zip(rules)
            .map(|(window, rank)| BandConfig { window, rank })
            .collect();
        if let Some(s) = &self.svd {
            cfg.solver = match s.to_ascii_lowercase().as_str() {
                "lanczos" => SvdSolver::Lanczos,
                "dense" => SvdSolver::Dense,
                "auto" => SvdSolver::Auto,
                other => bail!("invalid --svd: '{other}' is not lanczos, dense or auto"),
            };
        }
        if let Some(m) = &self.mapping {
            cfg.mapping = match m.to_ascii_lowercase().as_str() {
                "antidiagonal" | "anti-diagonal" => Mapping::AntiDiagonal,
                "paper" => Mapping::Paper,
                other => bail!("invalid --mapping: '{other}' is not antidiagonal or paper"),
            };
        }
        if let Some(j) = &self.junction {
            cfg.junction = match j.to_ascii_lowercase().as_str() {
                "xfade" => Junction::Xfade,
                "interleave" => Junction::Interleave,
                "meanfilt" => Junction::MeanFilt,
                "none" => Junction::None,
                other => bail!(
                    "invalid --junction: '{other}' is not xfade, interleave, meanfilt or none"
                ),
            };
        }
        // Checks what does not depend on the signal (a window length of 4 is the smallest).
        for band in &cfg.bands {
            if band.window < 4 {
                bail!(
                    "invalid --window: window length must be at least 4 samples, got {}",
                    band.window
                );
            }
            let (p, q) = sparsewave::linalg::hankel::hankel_dims(band.window);
            band.rank.validate(p, q)?;
        }
        Ok(cfg)
    }

    fn wavelet_shrink(&self) -> Result<WaveletShrink> {
        if self.level == 0 {
            bail!("invalid --level: must be at least 1");
        }
        Ok(WaveletShrink {
            wavelet: self.wavelet.parse()?,
            mode: self.mode.parse()?,
            level: Some(self.level),
            rule: match self.rule.to_ascii_lowercase().as_str() {
                "universal" | "visu" => ThresholdRule::Universal,
                "bayes" => ThresholdRule::Bayes,
                other => bail!("invalid --rule: '{other}' is not universal or bayes"),
            },
            kind: match self.threshold.to_ascii_lowercase().as_str() {
                "soft" => ThresholdKind::Soft,
                "hard" => ThresholdKind::Hard,
                other => bail!("invalid --threshold: '{other}' is not soft or hard"),
            },
        })
    }

    fn gate(&self) -> Result<Denoiser> {
        let cfg = GateConfig {
            profile: NoiseProfile::Percentile {
                percentile: self.gate_percentile,
                margin_db: self.gate_margin,
            },
            attenuation_db: self.gate_attenuation,
            ..GateConfig::default()
        };
        let clips = match &self.noise_clip {
            Some(path) => Some(pipeline::load(path, false)?.channels),
            None => None,
        };
        Ok(Denoiser::Gate { cfg, clips })
    }
}

/// Read the clean reference and check that it matches the noisy input.
fn load_clean(path: &Path, mono: bool, noisy: &Audio) -> Result<Audio> {
    let clean = pipeline::load(path, mono)?;
    if clean.sample_rate != noisy.sample_rate
        || clean.channel_count() != noisy.channel_count()
        || clean.frames() != noisy.frames()
    {
        bail!(
            "{}: the clean reference ({} Hz, {} channel(s), {} samples) does not match the noisy \
             input ({} Hz, {} channel(s), {} samples)",
            path.display(),
            clean.sample_rate,
            clean.channel_count(),
            clean.frames(),
            noisy.sample_rate,
            noisy.channel_count(),
            noisy.frames()
        );
    }
    Ok(clean)
}

/// Run `denoiser` on every channel of `noisy`; returns the outcome (metrics against the noisy
/// input) and the per-channel information.
pub fn run_denoiser(
    denoiser: &Denoiser,
    noisy: &Audio,
) -> sparsewave::Result<pipeline::Outcome<ChannelInfo>> {
    let mut channel = 0;
    pipeline::process(noisy, |_, x, rate| {
        let out = denoiser.run(x, rate, channel);
        channel += 1;
        out
    })
}

/// Mean rank over the channels (each channel weighted by its window count).
pub fn mean_rank(infos: &[ChannelInfo]) -> Option<f64> {
    let (mut sum, mut windows) = (0.0, 0usize);
    for i in infos {
        let (r, w) = (i.mean_rank?, i.windows?);
        sum += r * w as f64;
        windows += w;
    }
    Some(sum / windows.max(1) as f64)
}

/// Index of the first sample of the loudest `len`-sample stretch of `x` (hop `len/2`).
pub fn loudest_start(x: &[f64], len: usize) -> usize {
    let len = len.clamp(1, x.len().max(1));
    let hop = (len / 2).max(1);
    (0..=x.len().saturating_sub(len))
        .step_by(hop)
        .max_by(|&a, &b| {
            let e = |s: usize| x[s..s + len].iter().map(|v| v * v).sum::<f64>();
            e(a).total_cmp(&e(b))
        })
        .unwrap_or(0)
}

/// A waveform comparison zoomed on the loudest 0.2 s of `reference`, with `marks` (sample
/// indices) drawn inside the zoom.
pub fn waveform_figure(
    title: String,
    rate: u32,
    (reference, reference_label): (&[f64], &str),
    (estimate, estimate_label): (&[f64], &str),
    marks: &[usize],
) -> WaveformComparison {
    let zoom_len = (ZOOM_SECONDS * f64::from(rate)) as usize;
    let start = loudest_start(reference, zoom_len);
    let fs = f64::from(rate);
    WaveformComparison {
        title,
        sample_rate: rate,
        reference: reference.to_vec(),
        estimate: estimate.to_vec(),
        reference_label: reference_label.into(),
        estimate_label: estimate_label.into(),
        zoom_start: start as f64 / fs,
        markers: marks
            .iter()
            .filter(|&&m| m >= start && m <= start + zoom_len)
            .map(|&m| m as f64 / fs)
            .collect(),
    }
}

pub fn run(a: Args) -> Result<()> {
    let denoiser = a.method.denoiser()?;
    let bits = a.out.prepare()?;
    let mut inputs: Vec<&Path> = vec![&a.input];
    inputs.extend(a.clean.as_deref());
    inputs.extend(a.method.noise_clip.as_deref());
    pipeline::check_output(&a.output, &inputs)?;
    let noisy = pipeline::load(&a.input, a.out.mono)?;
    let clean = a
        .clean
        .as_deref()
        .map(|p| load_clean(p, a.out.mono, &noisy))
        .transpose()?;
    if let Denoiser::Gate {
        clips: Some(clips), ..
    } = &denoiser
    {
        let path = a.method.noise_clip.as_deref().unwrap_or(Path::new(""));
        if clips.first().is_none_or(|c| c.is_empty()) {
            bail!("{}: the noise clip is empty", path.display());
        }
    }
    let outcome = with_spinner("denoising", || run_denoiser(&denoiser, &noisy))
        .with_context(|| format!("{}", a.input.display()))?;
    let written = sparsewave::audio::write_wav(&a.output, &outcome.output, bits)?;
    let rate = noisy.sample_rate;
    let mut params = denoiser.params();
    params["mono"] = json!(a.out.mono);
    let mut report = Report::new("denoise", &noisy, &outcome, params)
        .with_files(&a.input, Some(&a.output))
        .with_write(written)
        .with("mean_rank", mean_rank(&outcome.infos))
        .with("channel_info", &outcome.infos);
    let nrr = |m: Metrics| m.with_nrr(&noisy.channels, &outcome.output.channels);
    let input_metrics = match &clean {
        Some(clean) => {
            report.metrics = nrr(Metrics::compute(
                &clean.channels,
                &outcome.output.channels,
                rate,
            )?);
            let m = Metrics::compute(&clean.channels, &noisy.channels, rate)?;
            report = report
                .with("reference", "clean")
                .with("clean", &a.clean)
                .with("input_metrics", &m);
            Some(m)
        }
        None => {
            report.metrics = nrr(report.metrics.clone());
            report = report.with("reference", "input");
            None
        }
    };
    if let Some(dir) = &a.out.plots {
        let stem = a
            .output
            .file_stem()
            .map_or("denoise".into(), |s| s.to_string_lossy().into_owned());
        let mut figs =
            plot::report::comparison_figures(dir, &stem, &noisy, &outcome.output, "denoised")?;
        let reference = clean.as_ref().map_or(&noisy, |c| c);
        let label = if clean.is_some() { "clean" } else { "noisy" };
        let x = &reference.channels[0];
        let path = sibling(&a.output, Some(dir), "_waveform_windows.png");
        plot::save(
            &path,
            &waveform_figure(
                format!("{label} vs denoised (channel 0; window starts marked)"),
                rate,
                (x, label),
                (&outcome.output.channels[0], "denoised"),
                &denoiser.window_starts(x.len(), 0),
            ),
        )?;
        figs.push(path);
        report = report.with("plots", figs);
    }
    if a.out.json {
        return print_report(&report, true);
    }
    println!("method: {}", denoiser.params());
    if let Some(r) = mean_rank(&outcome.infos) {
        println!("mean rank {r:.2} over {} channel(s)", outcome.infos.len());
    }
    match &clean {
        Some(_) => println!("metrics of the denoised output against the clean reference:"),
        None => println!("no --clean reference: metrics of the output against the noisy input"),
    }
    print_report(&report, false)?;
    if let Some(m) = &input_metrics {
        println!("noisy input against the clean reference:");
        print_metrics(m);
    }
    Ok(())
}
