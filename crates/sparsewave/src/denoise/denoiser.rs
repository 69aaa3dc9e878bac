//! A configured denoiser and how one is chosen: the method, the WSVD presets with their
//! field-by-field overrides, and the dispatch of a channel to `auto`, LSA, block thresholding,
//! WSVD, wavelet shrinkage, the Gaussian filter or the spectral gate.
//!
//! [`DenoiseParams`] holds every parameter a caller can set (the command line's flags, a web
//! form's fields) and [`DenoiseParams::denoiser`] validates them into a [`Denoiser`].

use std::str::FromStr;

use serde_json::{json, Value};

use crate::audio::Audio;
use crate::denoise::auto::{auto_denoise, AutoConfig, AutoReport, Estimator};
use crate::denoise::block::BlockConfig;
use crate::denoise::gate::{spectral_gate, GateConfig, NoiseProfile};
use crate::denoise::gaussian::GaussianFilter;
use crate::denoise::lsa::LsaConfig;
use crate::denoise::noise_estimate::NoiseEstimate;
use crate::denoise::shrink::{ThresholdKind, ThresholdRule, WaveletShrink};
use crate::denoise::wsvd::{
    offset_grid, overlap_grid, plain_grid, wsvd_denoise, BandConfig, BandStats, Junction, Mapping,
    SvdSolver, WsvdConfig,
};
use crate::linalg::hankel::hankel_dims;
use crate::linalg::rank_rule::{Criterion, RankRule};
use crate::transform::wavelet::{Family, Mode, Wavelet};
use crate::{Error, Result};

crate::choice::choice! {
    /// A denoising method.
    pub enum DenoiseMethod: "method" {
        /// The combination of LSA and block thresholding that minimises Stein's unbiased risk
        /// estimate per segment ([`crate::denoise::auto`]). The default.
        Auto = "auto",
        /// The Ephraim–Malah log-spectral-amplitude estimator ([`crate::denoise::lsa`]).
        Lsa = "lsa" | "mmse-lsa",
        /// Time–frequency block thresholding ([`crate::denoise::block`]).
        Block = "block",
        /// Windowed SVD of Hankel matrices ([`crate::denoise::wsvd`]).
        Wsvd = "wsvd",
        /// Shrinkage of DWT detail coefficients ([`crate::denoise::shrink`]).
        Wavelet = "wavelet",
        /// Gaussian low-pass filter ([`crate::denoise::gaussian`]).
        Gaussian = "gaussian",
        /// Stationary spectral gating ([`crate::denoise::gate`]).
        Gate = "gate",
    }
}

crate::choice::choice! {
    /// The WSVD configuration that [`WsvdOverrides`] start from.
    pub enum WsvdPreset: "preset" {
        /// [`WsvdConfig::default`]: one band, w = 200, AIC rank, anti-diagonal averaging,
        /// 50 % crossfade.
        Default = "default",
        /// [`WsvdConfig::paper`]: cuts 1000 / 3500 Hz, windows 150 / 100 / 100, ratios
        /// 0.08 / 0.12 / 0.01, the paper's mapping, junction mean filter.
        Paper = "paper",
    }
}

impl WsvdPreset {
    /// The preset's configuration.
    pub fn config(self) -> WsvdConfig {
        match self {
            WsvdPreset::Default => WsvdConfig::default(),
            WsvdPreset::Paper => WsvdConfig::paper(),
        }
    }
}

/// noisereduce's threshold rule for a noise clip: mean + 1.5 standard deviations (dB).
pub const CLIP_N_STD: f64 = 1.5;

/// Cut frequencies as a user writes them: `"1000,3500"` (Hz, comma-separated) or `"none"` (no
/// frequency division, an empty list). Parse errors name the parameter `bands`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cuts(pub Vec<f64>);

impl FromStr for Cuts {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(Cuts(Vec::new()));
        }
        let cuts = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<f64>().map_err(|_| {
                    Error::param("bands", format!("'{p}' in '{s}' is not a frequency in Hz"))
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        if cuts.is_empty() {
            return Err(Error::param(
                "bands",
                "give cut frequencies in Hz (\"1000,3500\") or none",
            ));
        }
        Ok(Cuts(cuts))
    }
}

/// Field-by-field changes to a WSVD preset. Every per-band list holds one value for all bands
/// or one per band; at most one of `ratio`, `rank`, `energy` and `rank_rule` may be given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WsvdOverrides {
    /// Cut frequencies in Hz (the `bands` parameter); empty for no frequency division.
    pub cuts_hz: Option<Vec<f64>>,
    /// Window length per band, samples (`≥ 4`).
    pub window: Option<Vec<usize>>,
    /// Rank ratio per band ([`RankRule::Ratio`]).
    pub ratio: Option<Vec<f64>>,
    /// Fixed rank per band ([`RankRule::Fixed`]).
    pub rank: Option<Vec<usize>>,
    /// Energy fraction per band ([`RankRule::Energy`]).
    pub energy: Option<Vec<f64>>,
    /// Parameterless rank rule for every band ([`RankRule::Aic`], [`RankRule::Mdl`],
    /// [`RankRule::Optimal`]).
    pub rank_rule: Option<Criterion>,
    /// Truncated SVD solver.
    pub svd: Option<SvdSolver>,
    /// Rank-r matrix to signal.
    pub mapping: Option<Mapping>,
    /// Window junctions.
    pub junction: Option<Junction>,
}

impl WsvdOverrides {
    /// The preset's configuration with every given field replaced, checked as far as it can be
    /// without the signal (window lengths, rank rules against each window's Hankel shape; the
    /// cut frequencies need the sample rate and are checked when denoising).
    ///
    /// Per-band fields not given keep the preset's value of each band when the band count is
    /// unchanged, else the preset's first band's value for every band.
    pub fn apply(&self, preset: WsvdPreset) -> Result<WsvdConfig> {
        let mut cfg = preset.config();
        let rank_choices = [
            self.ratio.is_some(),
            self.rank.is_some(),
            self.energy.is_some(),
            self.rank_rule.is_some(),
        ];
        if rank_choices.iter().filter(|&&given| given).count() > 1 {
            return Err(Error::param(
                "rank",
                "give at most one of ratio, rank, energy and rank_rule",
            ));
        }
        if let Some(cuts) = &self.cuts_hz {
            cfg.cuts_hz = cuts.clone();
        }
        let nb = cfg.cuts_hz.len() + 1;
        let base: Vec<BandConfig> = if cfg.bands.len() == nb {
            cfg.bands.clone()
        } else {
            vec![cfg.bands[0]; nb]
        };
        let windows = match &self.window {
            Some(w) => per_band("window", w, nb)?,
            None => base.iter().map(|b| b.window).collect(),
        };
        let rules: Vec<RankRule> = if let Some(r) = &self.ratio {
            per_band("ratio", r, nb)?
                .into_iter()
                .map(RankRule::Ratio)
                .collect()
        } else if let Some(k) = &self.rank {
            per_band("rank", k, nb)?
                .into_iter()
                .map(RankRule::Fixed)
                .collect()
        } else if let Some(f) = &self.energy {
            per_band("energy", f, nb)?
                .into_iter()
                .map(RankRule::Energy)
                .collect()
        } else if let Some(criterion) = self.rank_rule {
            vec![criterion.into(); nb]
        } else {
            base.iter().map(|b| b.rank).collect()
        };
        cfg.bands = windows
            .into_iter()
            .zip(rules)
            .map(|(window, rank)| BandConfig { window, rank })
            .collect();
        cfg.solver = self.svd.unwrap_or(cfg.solver);
        cfg.mapping = self.mapping.unwrap_or(cfg.mapping);
        cfg.junction = self.junction.unwrap_or(cfg.junction);
        for band in &cfg.bands {
            // The smallest window with a 2 × 3 Hankel matrix.
            if band.window < 4 {
                return Err(Error::param(
                    "window",
                    format!(
                        "window length must be at least 4 samples, got {}",
                        band.window
                    ),
                ));
            }
            let (p, q) = hankel_dims(band.window);
            band.rank.validate(p, q)?;
        }
        Ok(cfg)
    }
}

/// One value for every band, or one per band; otherwise an error naming `parameter`.
fn per_band<T: Copy>(parameter: &'static str, values: &[T], bands: usize) -> Result<Vec<T>> {
    match values {
        [one] => Ok(vec![*one; bands]),
        _ if values.len() == bands => Ok(values.to_vec()),
        _ => Err(Error::param(
            parameter,
            format!(
                "{} values for {bands} band(s); give one value or one per band",
                values.len()
            ),
        )),
    }
}

/// Every parameter of every method, as a command line or a form holds them; the defaults are
/// the command line's. [`DenoiseParams::denoiser`] reads those of the chosen method.
#[derive(Clone, Debug, PartialEq)]
pub struct DenoiseParams {
    /// The method.
    pub method: DenoiseMethod,
    /// WSVD: the starting configuration.
    pub preset: WsvdPreset,
    /// WSVD: changes to the preset.
    pub wsvd: WsvdOverrides,
    /// Wavelet shrinkage: the wavelet (default db3).
    pub wavelet: Wavelet,
    /// Wavelet shrinkage: decomposition level, `≥ 1` (default 3).
    pub level: usize,
    /// Wavelet shrinkage: soft or hard thresholding (default soft).
    pub threshold: ThresholdKind,
    /// Wavelet shrinkage: threshold rule (default BayesShrink).
    pub rule: ThresholdRule,
    /// Wavelet shrinkage: signal extension (default symmetric).
    pub mode: Mode,
    /// Gaussian filter: standard deviation in samples (default 1).
    pub sigma: f64,
    /// Spectral gate without a noise clip: percentile over time of each bin's level taken as
    /// its noise floor (default 20).
    pub gate_percentile: f64,
    /// Spectral gate without a noise clip: margin in dB above the noise floor (default 12).
    pub gate_margin: f64,
    /// Spectral gate: attenuation of gated bins in dB (default 30).
    pub gate_attenuation: f64,
    /// LSA (method `lsa`; `auto` has its own candidates, [`AutoConfig::default`]): α, ξ_min
    /// and the FFT size.
    pub lsa: LsaConfig,
    /// Block thresholding (method `block`): δ and the FFT size.
    pub block: BlockConfig,
    /// `auto`: segment length of the choice, seconds (default 2).
    pub auto_segment: f64,
}

impl Default for DenoiseParams {
    fn default() -> Self {
        DenoiseParams {
            method: DenoiseMethod::Auto,
            preset: WsvdPreset::Default,
            wsvd: WsvdOverrides::default(),
            wavelet: Wavelet::new(Family::Daubechies, 3).expect("db3 is a Daubechies wavelet"),
            level: 3,
            threshold: ThresholdKind::Soft,
            rule: ThresholdRule::Bayes,
            mode: Mode::Symmetric,
            sigma: 1.0,
            gate_percentile: 20.0,
            gate_margin: 12.0,
            gate_attenuation: 30.0,
            lsa: LsaConfig::default(),
            block: BlockConfig::default(),
            auto_segment: AutoConfig::default().segment_seconds,
        }
    }
}

impl DenoiseParams {
    /// The validated denoiser of the chosen method. `noise_clip` (a noise-only recording) is
    /// read by the spectral gate, `auto`, LSA and block thresholding (WSVD, wavelet shrinkage
    /// and the Gaussian filter estimate nothing): each channel learns its noise from the clip's
    /// channel of the same index, the clip's last channel serving any further channel.
    ///
    /// WSVD options (a preset other than the default, any [`WsvdOverrides`] field) with another
    /// method are an error naming `method`: they would be silently ignored.
    pub fn denoiser(&self, noise_clip: Option<&Audio>) -> Result<Denoiser> {
        if self.method != DenoiseMethod::Wsvd
            && (self.preset != WsvdPreset::Default || self.wsvd != WsvdOverrides::default())
        {
            return Err(Error::param(
                "method",
                format!(
                    "WSVD options (preset, window, bands, ratio, rank, rank_rule, energy, svd, \
                     mapping, junction) apply to method wsvd, not {}",
                    self.method
                ),
            ));
        }
        let noise = || NoiseInput::new(noise_clip);
        match self.method {
            DenoiseMethod::Auto => {
                let config = AutoConfig {
                    segment_seconds: self.auto_segment,
                    ..AutoConfig::default()
                };
                config.validate()?;
                Ok(Denoiser::Auto {
                    config,
                    noise: noise()?,
                })
            }
            DenoiseMethod::Lsa => {
                self.lsa.validate()?;
                Ok(Denoiser::Stft {
                    estimator: Estimator::Lsa(self.lsa),
                    noise: noise()?,
                })
            }
            DenoiseMethod::Block => {
                self.block.validate()?;
                Ok(Denoiser::Stft {
                    estimator: Estimator::Block(self.block),
                    noise: noise()?,
                })
            }
            DenoiseMethod::Wsvd => Ok(Denoiser::Wsvd(self.wsvd.apply(self.preset)?)),
            DenoiseMethod::Wavelet => {
                if self.level == 0 {
                    return Err(Error::param("level", "must be at least 1"));
                }
                Ok(Denoiser::Wavelet(WaveletShrink {
                    wavelet: self.wavelet,
                    mode: self.mode,
                    level: Some(self.level),
                    rule: self.rule,
                    kind: self.threshold,
                }))
            }
            DenoiseMethod::Gaussian => Denoiser::gaussian(self.sigma),
            DenoiseMethod::Gate => {
                let config = GateConfig {
                    profile: NoiseProfile::Percentile {
                        percentile: self.gate_percentile,
                        margin_db: self.gate_margin,
                    },
                    attenuation_db: self.gate_attenuation,
                    ..GateConfig::default()
                };
                Denoiser::gate(config, noise_clip)
            }
        }
    }
}

/// Where the noise-aware denoisers take the noise from: a noise-only clip per channel, or (none)
/// an estimate from each channel itself ([`NoiseEstimate::estimate`]).
#[derive(Clone, Debug, Default)]
pub struct NoiseInput {
    /// One noise-only signal per channel (non-empty), or `None`.
    pub clips: Option<Vec<Vec<f64>>>,
    /// The clips' sample rate.
    pub sample_rate: Option<u32>,
}

impl NoiseInput {
    /// From an optional noise clip (an empty clip is an error).
    pub fn new(clip: Option<&Audio>) -> Result<Self> {
        let clips = clip.map(|c| c.channels.clone());
        if let Some(clips) = &clips {
            if clips.first().is_none_or(|c| c.is_empty()) {
                return Err(Error::param("noise_clip", "the noise clip is empty"));
            }
        }
        Ok(NoiseInput {
            clips,
            sample_rate: clip.map(|c| c.sample_rate),
        })
    }

    /// The noise of channel `channel` (signal `x` at `rate` Hz).
    pub fn noise(&self, x: &[f64], rate: u32, channel: usize) -> Result<NoiseEstimate> {
        match &self.clips {
            Some(clips) => NoiseEstimate::from_clip(&clips[channel.min(clips.len() - 1)], rate),
            None => NoiseEstimate::estimate(x, rate),
        }
    }
}

/// A configured denoiser.
#[derive(Clone, Debug)]
pub enum Denoiser {
    /// `auto`: SURE-weighted combination of STFT-domain estimators.
    Auto {
        /// Candidates and segmentation.
        config: AutoConfig,
        /// Where the noise comes from.
        noise: NoiseInput,
    },
    /// One STFT-domain estimator (LSA or block thresholding).
    Stft {
        /// The estimator.
        estimator: Estimator,
        /// Where the noise comes from.
        noise: NoiseInput,
    },
    /// WSVD with this configuration.
    Wsvd(WsvdConfig),
    /// Wavelet shrinkage.
    Wavelet(WaveletShrink),
    /// Gaussian filter of standard deviation `sigma` samples.
    Gaussian {
        /// Standard deviation, samples.
        sigma: f64,
        /// The filter built from `sigma`.
        filter: GaussianFilter,
    },
    /// Spectral gate. With `noise_clips`, channel `c` learns its threshold from clip channel
    /// `min(c, clips − 1)` (mean + [`CLIP_N_STD`] standard deviations, which replaces the
    /// `config`'s percentile profile); without, from the signal itself.
    Gate {
        /// Gate parameters.
        config: GateConfig,
        /// One noise-only signal per channel (non-empty).
        noise_clips: Option<Vec<Vec<f64>>>,
        /// The clips' sample rate.
        clip_rate: Option<u32>,
    },
}

/// What a denoiser reports for one channel (WSVD: ranks, and the noise for the optimal rank
/// rule; `auto`, LSA, block: the noise;
/// `auto`: its choice).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ChannelInfo {
    /// The noise used ([`NoiseEstimate::json`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<Value>,
    /// `auto`: what it picked and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto: Option<AutoReport>,
    /// WSVD: mean rank over all windows of all bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_rank: Option<f64>,
    /// WSVD: windows processed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows: Option<usize>,
    /// WSVD: per band, window length, window count and mean rank.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<BandStats>,
}

impl Denoiser {
    /// The Gaussian filter of standard deviation `sigma > 0` samples.
    pub fn gaussian(sigma: f64) -> Result<Self> {
        Ok(Denoiser::Gaussian {
            sigma,
            filter: GaussianFilter::new(sigma)?,
        })
    }

    /// The spectral gate with `config`, its threshold learnt from `noise_clip` when one is given
    /// (an empty clip is an error).
    pub fn gate(config: GateConfig, noise_clip: Option<&Audio>) -> Result<Self> {
        let noise_clips = noise_clip.map(|clip| clip.channels.clone());
        match &noise_clips {
            Some(clips) => {
                if clips.first().is_none_or(|c| c.is_empty()) {
                    return Err(Error::param("noise_clip", "the noise clip is empty"));
                }
                clip_config(&config, &clips[0]).validate()?;
            }
            None => config.validate()?,
        }
        Ok(Denoiser::Gate {
            config,
            noise_clips,
            clip_rate: noise_clip.map(|c| c.sample_rate),
        })
    }

    /// Refuse to denoise audio at `sample_rate` Hz with a noise clip recorded at another rate
    /// (its spectrum would be read on the wrong frequency axis).
    pub fn check_noise_clip_rate(&self, sample_rate: u32) -> Result<()> {
        let clip_rate = match self {
            Denoiser::Auto { noise, .. } | Denoiser::Stft { noise, .. } => noise.sample_rate,
            Denoiser::Gate { clip_rate, .. } => *clip_rate,
            _ => None,
        };
        match clip_rate {
            Some(r) if r != sample_rate => Err(Error::param(
                "noise_clip",
                format!(
                    "the noise clip is sampled at {r} Hz and the input at {sample_rate} Hz; \
                     resample one of them"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The method.
    pub fn method(&self) -> DenoiseMethod {
        match self {
            Denoiser::Auto { .. } => DenoiseMethod::Auto,
            Denoiser::Stft {
                estimator: Estimator::Lsa(_),
                ..
            } => DenoiseMethod::Lsa,
            Denoiser::Stft {
                estimator: Estimator::Block(_),
                ..
            } => DenoiseMethod::Block,
            Denoiser::Wsvd(_) => DenoiseMethod::Wsvd,
            Denoiser::Wavelet(_) => DenoiseMethod::Wavelet,
            Denoiser::Gaussian { .. } => DenoiseMethod::Gaussian,
            Denoiser::Gate { .. } => DenoiseMethod::Gate,
        }
    }

    /// Denoises channel `channel` (`x`, sampled at `rate` Hz) of a recording.
    pub fn denoise_channel(
        &self,
        x: &[f64],
        rate: u32,
        channel: usize,
    ) -> Result<(Vec<f64>, ChannelInfo)> {
        match self {
            Denoiser::Auto { config, noise } => {
                let estimate = noise.noise(x, rate, channel)?;
                let (y, report) = auto_denoise(x, rate, &estimate, config)?;
                let info = ChannelInfo {
                    noise: Some(estimate.json()),
                    auto: Some(report),
                    ..ChannelInfo::default()
                };
                Ok((y, info))
            }
            Denoiser::Stft { estimator, noise } => {
                let estimate = noise.noise(x, rate, channel)?;
                let y = estimator.denoise(x, &estimate)?;
                let info = ChannelInfo {
                    noise: Some(estimate.json()),
                    ..ChannelInfo::default()
                };
                Ok((y, info))
            }
            Denoiser::Wsvd(cfg) => {
                let out = wsvd_denoise(x, f64::from(rate), cfg)?;
                let info = ChannelInfo {
                    noise: out.noise.as_ref().map(|e| e.json()),
                    mean_rank: Some(out.mean_rank),
                    windows: Some(out.windows),
                    bands: out.bands,
                    ..ChannelInfo::default()
                };
                Ok((out.signal, info))
            }
            Denoiser::Wavelet(shrink) => Ok((shrink.denoise(x)?, ChannelInfo::default())),
            Denoiser::Gaussian { filter, .. } => {
                let mut y = vec![0.0; x.len()];
                filter.apply(x, &mut y)?;
                Ok((y, ChannelInfo::default()))
            }
            Denoiser::Gate {
                config,
                noise_clips,
                ..
            } => {
                let y = match noise_clips {
                    None => spectral_gate(x, rate, config)?,
                    Some(clips) => {
                        let clip = &clips[channel.min(clips.len() - 1)];
                        spectral_gate(x, rate, &clip_config(config, clip))?
                    }
                };
                Ok((y, ChannelInfo::default()))
            }
        }
    }

    /// Every effective parameter, as the `params` of the `denoise` report:
    /// `{"method": "auto", "config": {"candidates", "segment_seconds", "seed", "epsilon"},
    /// "noise_clip"}`, `{"method": "lsa", "n_fft", "alpha", "xi_min_db", "noise_clip"}`,
    /// `{"method": "block", "n_fft", "delta", "noise_clip"}`, `{"method": "wsvd", "cuts_hz", "bands": [{"window", "rank_rule"}], "junction", "mapping",
    /// "svd", "tolerance"}`, `{"method": "wavelet", "wavelet", "level", "mode", "rule",
    /// "threshold"}`, `{"method": "gaussian", "sigma"}` or `{"method": "gate", "noise_clip"
    /// (whether one is used), "n_std", "config"}`.
    pub fn params(&self) -> Value {
        let mut params = match self {
            Denoiser::Auto { config, noise } => json!({
                "config": config,
                "noise_clip": noise.clips.is_some(),
            }),
            Denoiser::Stft { estimator, noise } => {
                let mut p = json!(estimator);
                p["noise_clip"] = json!(noise.clips.is_some());
                p
            }
            Denoiser::Wsvd(cfg) => json!(cfg),
            Denoiser::Wavelet(s) => json!({
                "wavelet": s.wavelet.to_string(),
                "level": s.level,
                "mode": s.mode.to_string(),
                "rule": s.rule,
                "threshold": s.kind,
            }),
            Denoiser::Gaussian { sigma, .. } => json!({ "sigma": sigma }),
            Denoiser::Gate {
                config,
                noise_clips,
                ..
            } => json!({
                "noise_clip": noise_clips.is_some(),
                "n_std": noise_clips.as_ref().map(|_| CLIP_N_STD),
                "config": config,
            }),
        };
        params["method"] = json!(self.method());
        params
    }

    /// Sample indices where the WSVD windows of `band` start in an `n`-sample signal (sorted,
    /// both grids for [`Junction::Interleave`]); `None` for the other methods or a band that
    /// does not exist. The marks of the waveform figures.
    pub fn window_starts(&self, n: usize, band: usize) -> Option<Vec<usize>> {
        let Denoiser::Wsvd(cfg) = self else {
            return None;
        };
        let w = cfg.bands.get(band)?.window;
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
        Some(starts)
    }
}

/// `config` with its threshold learnt from the noise-only signal `clip`.
fn clip_config(config: &GateConfig, clip: &[f64]) -> GateConfig {
    GateConfig {
        profile: NoiseProfile::Clip {
            noise: clip.to_vec(),
            n_std: CLIP_N_STD,
        },
        ..config.clone()
    }
}
