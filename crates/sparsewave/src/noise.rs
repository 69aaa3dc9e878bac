//! Seeded, reproducible noise models: white Gaussian (AWGN), pink Gaussian (1/f power), Gaussian
//! mixture, symmetric α-stable and Middleton class A.
//!
//! Every draw comes from a [`ChaCha8Rng`] seeded with a `u64`, so the same seed gives the same
//! noise on every platform. The functions return the noise alone; the caller adds it to the
//! signal.
//!
//! Two levels:
//! - [`sample_noise`] draws `n` samples of a model at a given `scale` (see [`NoiseModel`] for what
//!   the scale means per model);
//! - [`make_noise`] draws noise for a signal `x` at a target input SNR,
//!   `SNR = 10·log10(‖x‖² / ‖e‖²)` (power dB). For every finite-variance model the drawn noise
//!   is rescaled so that this ratio holds *exactly* for the returned vector. For α-stable noise
//!   with α < 2 the variance is infinite and the empirical power is dominated by a handful of
//!   extreme draws, so the SNR is defined through the scale parameter γ instead (see
//!   [`NoiseModel::AlphaStable`]).

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1, Poisson, StandardNormal};

use crate::audio::Audio;
use crate::pipeline::{self, Report};
use crate::{Error, Result};

crate::choice::choice! {
    /// The name of a noise model, without its parameters (see [`NoiseModel`]).
    pub enum NoiseKind: "model" {
        /// White Gaussian noise.
        Awgn = "awgn" | "gaussian" | "white",
        /// Pink Gaussian noise (power spectral density ∝ 1/f).
        Pink = "pink" | "1/f",
        /// Two-component Gaussian mixture.
        Mixture = "mixture" | "gaussian-mixture",
        /// Symmetric α-stable noise.
        AlphaStable = "alpha-stable" | "alpha" | "stable",
        /// Middleton class A impulsive noise.
        Middleton = "middleton" | "middleton-a",
    }
}

/// Every parameter of every model, so that a caller (a command line, a form) can hold them all
/// and let [`NoiseModel::new`] pick those of the chosen model. The defaults are the command
/// line's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseParams {
    /// Mixture: probability ε ∈ [0, 1] of the wide component.
    pub epsilon: f64,
    /// Mixture: variance ratio κ > 0 of the wide to the narrow component.
    pub kappa: f64,
    /// α-stable: characteristic exponent α ∈ (0, 2].
    pub alpha: f64,
    /// Middleton: impulsive index A > 0.
    pub a: f64,
    /// Middleton: Gaussian-to-impulsive power ratio Γ > 0.
    pub gamma: f64,
}

impl Default for NoiseParams {
    /// ε = 0.1, κ = 100, α = 1.5, A = 0.1, Γ = 0.01.
    fn default() -> Self {
        NoiseParams {
            epsilon: 0.1,
            kappa: 100.0,
            alpha: 1.5,
            a: 0.1,
            gamma: 0.01,
        }
    }
}

/// A noise model. All models are zero-mean and symmetric.
///
/// Serialises as the model's name under `"model"` with its parameters beside it:
/// `{"model": "awgn"}`, `{"model": "pink"}`, `{"model": "mixture", "epsilon": ε, "kappa": κ}`,
/// `{"model": "alpha-stable", "alpha": α}`, `{"model": "middleton", "a": A, "gamma": Γ}`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "model")]
pub enum NoiseModel {
    /// White Gaussian noise N(0, s²); `scale` is the standard deviation s.
    #[serde(rename = "awgn")]
    Awgn,
    /// Pink Gaussian noise: white Gaussian noise shaped in the frequency domain so that its
    /// power spectral density falls as `1/f` (−3.01 dB per octave, −10 dB per decade). With
    /// `W = rfft(w)` of `n` white N(0, 1) samples, `P[k] = W[k]/√k` for `k ≥ 1`, `P[0] = 0`
    /// (zero mean), and the noise is `irfft(P)` scaled to standard deviation `scale` (its
    /// empirical variance is exactly `scale²`).
    #[serde(rename = "pink")]
    Pink,
    /// Gaussian mixture `(1−ε)·N(0, σ²) + ε·N(0, κ·σ²)`: each sample is, independently with
    /// probability ε, drawn from the wide component whose variance is κ times the narrow one.
    ///
    /// `scale` is the standard deviation of the whole mixture, i.e.
    /// `σ² = scale² / (1 − ε + ε·κ)`.
    #[serde(rename = "mixture")]
    GaussianMixture {
        /// Probability ε ∈ [0, 1] of the wide component.
        epsilon: f64,
        /// Variance ratio κ > 0 of the wide to the narrow component.
        kappa: f64,
    },
    /// Symmetric α-stable noise S(α, β = 0, γ, 0) with characteristic function
    /// `E[exp(i·t·X)] = exp(−|γ·t|^α)`, drawn by Chambers–Mallows–Stuck.
    ///
    /// `scale` is the scale parameter γ. For α = 2 the law is N(0, 2γ²) (Gaussian, finite
    /// variance) and is treated like the other finite-variance models. For α < 2 the variance is
    /// infinite; [`make_noise`] then sets γ from the target SNR through the *Gaussian-equivalent
    /// dispersion* `2γ²`: `γ = sqrt(‖x‖² / (n · 10^(SNR/10)) / 2)`, i.e. the noise has the same γ
    /// as the Gaussian (α = 2) noise of that SNR would have. The empirical SNR of a given draw is
    /// then random (and usually lower, because of the heavy tails).
    #[serde(rename = "alpha-stable")]
    AlphaStable {
        /// Characteristic exponent α ∈ (0, 2]; 2 is Gaussian, 1 is Cauchy.
        alpha: f64,
    },
    /// Middleton class A impulsive noise: for each sample an independent number of interferers
    /// `k ~ Poisson(A)` is drawn and the sample is `N(0, σ_k²)` with
    /// `σ_k² = σ² · (k/A + Γ) / (1 + Γ)`, so that the total variance is σ².
    ///
    /// `scale` is σ, the standard deviation of the whole process.
    #[serde(rename = "middleton")]
    MiddletonA {
        /// Impulsive index A > 0 (small A: rare, strong impulses).
        a: f64,
        /// Gaussian-to-impulsive power ratio Γ > 0.
        gamma: f64,
    },
}

impl NoiseModel {
    /// The model `kind` with its parameters taken from `params`, validated.
    pub fn new(kind: NoiseKind, params: &NoiseParams) -> Result<Self> {
        let model = match kind {
            NoiseKind::Awgn => NoiseModel::Awgn,
            NoiseKind::Pink => NoiseModel::Pink,
            NoiseKind::Mixture => NoiseModel::GaussianMixture {
                epsilon: params.epsilon,
                kappa: params.kappa,
            },
            NoiseKind::AlphaStable => NoiseModel::AlphaStable {
                alpha: params.alpha,
            },
            NoiseKind::Middleton => NoiseModel::MiddletonA {
                a: params.a,
                gamma: params.gamma,
            },
        };
        model.validate()?;
        Ok(model)
    }

    /// The model's name.
    pub fn kind(&self) -> NoiseKind {
        match self {
            NoiseModel::Awgn => NoiseKind::Awgn,
            NoiseModel::Pink => NoiseKind::Pink,
            NoiseModel::GaussianMixture { .. } => NoiseKind::Mixture,
            NoiseModel::AlphaStable { .. } => NoiseKind::AlphaStable,
            NoiseModel::MiddletonA { .. } => NoiseKind::Middleton,
        }
    }

    /// Checks the model's own parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            NoiseModel::Awgn | NoiseModel::Pink => Ok(()),
            NoiseModel::GaussianMixture { epsilon, kappa } => {
                if !(0.0..=1.0).contains(&epsilon) {
                    return Err(Error::param(
                        "epsilon",
                        format!("mixture weight must be in [0, 1], got {epsilon}"),
                    ));
                }
                if !(kappa.is_finite() && kappa > 0.0) {
                    return Err(Error::param(
                        "kappa",
                        format!("variance ratio must be finite and > 0, got {kappa}"),
                    ));
                }
                Ok(())
            }
            NoiseModel::AlphaStable { alpha } => {
                if !(alpha > 0.0 && alpha <= 2.0) {
                    return Err(Error::param(
                        "alpha",
                        format!("stability index must be in (0, 2], got {alpha}"),
                    ));
                }
                Ok(())
            }
            NoiseModel::MiddletonA { a, gamma } => {
                // Poisson(A) needs A finite and below rand_distr's MAX_LAMBDA; any useful A is far
                // below that bound.
                if !(a.is_finite() && a > 0.0 && a <= Poisson::<f64>::MAX_LAMBDA) {
                    return Err(Error::param(
                        "a",
                        format!("impulsive index must be finite and > 0, got {a}"),
                    ));
                }
                if !(gamma.is_finite() && gamma > 0.0) {
                    return Err(Error::param(
                        "gamma",
                        format!("Gaussian-to-impulsive ratio must be finite and > 0, got {gamma}"),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Whether the model's variance is finite (everything except α-stable with α < 2).
    pub fn has_finite_variance(&self) -> bool {
        !matches!(*self, NoiseModel::AlphaStable { alpha } if alpha < 2.0)
    }
}

/// Draws `n` noise samples of `model` at `scale` (see [`NoiseModel`] for the meaning of the
/// scale per model) from a [`ChaCha8Rng`] seeded with `seed`.
pub fn sample_noise(model: NoiseModel, n: usize, scale: f64, seed: u64) -> Result<Vec<f64>> {
    model.validate()?;
    if !(scale.is_finite() && scale >= 0.0) {
        return Err(Error::param(
            "scale",
            format!("noise scale must be finite and ≥ 0, got {scale}"),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![0.0; n];
    match model {
        NoiseModel::Awgn => fill_gaussian(&mut rng, &mut out, scale),
        NoiseModel::Pink => fill_pink(&mut rng, &mut out, scale),
        NoiseModel::GaussianMixture { epsilon, kappa } => {
            fill_mixture(&mut rng, &mut out, epsilon, kappa, scale)
        }
        NoiseModel::AlphaStable { alpha } => fill_alpha_stable(&mut rng, &mut out, alpha, scale),
        NoiseModel::MiddletonA { a, gamma } => fill_middleton(&mut rng, &mut out, a, gamma, scale)?,
    }
    Ok(out)
}

/// Draws noise for the signal `x` at input SNR `snr_db = 10·log10(‖x‖² / ‖e‖²)`.
///
/// Finite-variance models (AWGN, mixture, Middleton, α = 2) are drawn at unit scale and then
/// multiplied by `sqrt(‖x‖² / (10^(snr/10) · ‖e‖²))`, so the returned noise meets the SNR
/// exactly (up to round-off). α-stable noise with α < 2 is drawn with
/// `γ = sqrt(‖x‖² / (n · 10^(snr/10)) / 2)` (see [`NoiseModel::AlphaStable`]).
///
/// Errors: `snr_db` not finite, `x` empty or all zero (no signal power to refer to), invalid
/// model parameters.
pub fn make_noise(model: NoiseModel, x: &[f64], snr_db: f64, seed: u64) -> Result<Vec<f64>> {
    noise_for_energy(model, x.len(), x.iter().map(|v| v * v).sum(), snr_db, seed)
}

/// [`make_noise`] for `len` samples of a signal of energy `signal_power` (‖x‖²).
fn noise_for_energy(
    model: NoiseModel,
    len: usize,
    signal_power: f64,
    snr_db: f64,
    seed: u64,
) -> Result<Vec<f64>> {
    if !snr_db.is_finite() {
        return Err(Error::param(
            "snr",
            format!("SNR must be finite, got {snr_db}"),
        ));
    }
    model.validate()?;
    if len == 0 || signal_power <= 0.0 || !signal_power.is_finite() {
        return Err(Error::param(
            "signal",
            "the signal is empty, silent or not finite: an SNR cannot be referred to it",
        ));
    }
    let target_noise_energy = signal_power / 10f64.powf(snr_db / 10.0);
    if !model.has_finite_variance() {
        // Gaussian-equivalent dispersion: 2γ² equals the per-sample power of the target.
        let gamma = (target_noise_energy / len as f64 / 2.0).sqrt();
        return sample_noise(model, len, gamma, seed);
    }
    let mut e = sample_noise(model, len, 1.0, seed)?;
    let drawn_energy: f64 = e.iter().map(|v| v * v).sum();
    if drawn_energy <= 0.0 {
        return Err(Error::Numerical(
            "the drawn noise is identically zero and cannot be scaled to the SNR".into(),
        ));
    }
    let factor = (target_noise_energy / drawn_energy).sqrt();
    e.iter_mut().for_each(|v| *v *= factor);
    Ok(e)
}

/// A recording with added noise, the noise alone and the report of the `addnoise` job.
#[derive(Clone, Debug)]
pub struct NoisyAudio {
    /// `clean + noise`, channel by channel.
    pub audio: Audio,
    /// The noise alone (same rate, channels and length).
    pub noise: Audio,
    /// Keys of `addnoise --json`: the metrics compare the noisy audio with the clean input (so
    /// `snr_db` is the achieved input SNR); `params` is the model's JSON (see [`NoiseModel`])
    /// with `snr_db` and `seed`.
    pub report: Report,
}

#[cfg(feature = "plot")]
impl NoisyAudio {
    /// The figures of `addnoise --plots`: the comparison set of `clean` (the recording given to
    /// [`add_noise`]) against the noisy audio labelled `"noisy"`
    /// ([`comparison`](crate::plot::report::comparison)).
    pub fn figures(&self, clean: &Audio) -> Result<Vec<crate::plot::NamedPlot>> {
        crate::plot::report::comparison(clean, &self.audio, "noisy")
    }
}

/// The `params` of the `addnoise` report.
#[derive(serde::Serialize)]
struct AddNoiseParams {
    #[serde(flatten)]
    model: NoiseModel,
    snr_db: f64,
    seed: u64,
}

/// Adds noise of `model` to every channel of `clean` at input SNR `snr_db` (see
/// [`make_noise`]), each channel on its own: channel `c` draws from seed `seed + c` (wrapping),
/// so channel 1 of a stereo run equals a mono run of that channel with seed `seed + 1`.
///
/// A silent channel beside channels that are not (a stereo file with one empty side) gets noise
/// at the SNR of the mean energy of the others; a recording silent in every channel is an error.
pub fn add_noise(clean: &Audio, model: NoiseModel, snr_db: f64, seed: u64) -> Result<NoisyAudio> {
    let energies: Vec<f64> = clean
        .channels
        .iter()
        .map(|x| x.iter().map(|v| v * v).sum())
        .collect();
    let sounding: Vec<f64> = energies.iter().copied().filter(|&e| e > 0.0).collect();
    if sounding.is_empty() {
        return Err(Error::param(
            "signal",
            "the recording is silent in every channel: an SNR cannot be referred to it",
        ));
    }
    let mean_energy = sounding.iter().sum::<f64>() / sounding.len() as f64;
    let mut noise = Vec::with_capacity(clean.channel_count());
    let outcome = pipeline::process(clean, |c, x, _| {
        let energy = Some(energies[c])
            .filter(|&e| e > 0.0)
            .unwrap_or(mean_energy);
        let e = noise_for_energy(model, x.len(), energy, snr_db, seed.wrapping_add(c as u64))?;
        let y = x.iter().zip(&e).map(|(a, b)| a + b).collect();
        noise.push(e);
        Ok((y, ()))
    })?;
    let params = AddNoiseParams {
        model,
        snr_db,
        seed,
    };
    let report = Report::new("addnoise", clean, &outcome, params);
    Ok(NoisyAudio {
        noise: Audio {
            channels: noise,
            sample_rate: clean.sample_rate,
            format: clean.format,
            codec: clean.codec.clone(),
        },
        audio: outcome.output,
        report,
    })
}

fn fill_gaussian(rng: &mut ChaCha8Rng, out: &mut [f64], sd: f64) {
    for v in out {
        let z: f64 = rng.sample(StandardNormal);
        *v = sd * z;
    }
}

/// Pink noise (see [`NoiseModel::Pink`]): white Gaussian samples shaped by `1/√k` in the rfft
/// domain, DC removed, scaled to an empirical standard deviation `sd`.
fn fill_pink(rng: &mut ChaCha8Rng, out: &mut [f64], sd: f64) {
    let n = out.len();
    if n < 2 {
        // One sample has no spectrum to shape: zero mean leaves 0.
        out.iter_mut().for_each(|v| *v = 0.0);
        return;
    }
    fill_gaussian(rng, out, 1.0);
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(n);
    let inverse = planner.plan_fft_inverse(n);
    let mut spectrum = forward.make_output_vec();
    forward
        .process(out, &mut spectrum)
        .expect("buffer lengths come from the plan");
    spectrum[0] = Default::default();
    for (k, c) in spectrum.iter_mut().enumerate().skip(1) {
        *c /= (k as f64).sqrt();
    }
    if n % 2 == 0 {
        spectrum[n / 2].im = 0.0;
    }
    inverse
        .process(&mut spectrum, out)
        .expect("buffer lengths come from the plan");
    let power = out.iter().map(|v| v * v).sum::<f64>() / n as f64;
    let factor = if power > 0.0 { sd / power.sqrt() } else { 0.0 };
    out.iter_mut().for_each(|v| *v *= factor);
}

/// Narrow-component standard deviation σ = scale / sqrt(1 − ε + ε·κ) so the mixture has
/// standard deviation `scale`.
fn fill_mixture(rng: &mut ChaCha8Rng, out: &mut [f64], epsilon: f64, kappa: f64, scale: f64) {
    let sigma = scale / (1.0 - epsilon + epsilon * kappa).sqrt();
    let wide = sigma * kappa.sqrt();
    for v in out {
        // Draw both numbers for every sample so the stream layout does not depend on ε.
        let u: f64 = rng.random();
        let z: f64 = rng.sample(StandardNormal);
        *v = if u < epsilon { wide * z } else { sigma * z };
    }
}

/// Chambers–Mallows–Stuck for β = 0: with V ~ U(−π/2, π/2) and W ~ Exp(1),
/// `X = sin(αV) / cos(V)^(1/α) · (cos((1−α)V) / W)^((1−α)/α)` (α ≠ 1), `X = tan V` (α = 1);
/// X has characteristic function exp(−|t|^α). The result is multiplied by γ.
fn fill_alpha_stable(rng: &mut ChaCha8Rng, out: &mut [f64], alpha: f64, gamma: f64) {
    use std::f64::consts::FRAC_PI_2;
    for v in out {
        let u: f64 = rng.random();
        let v_ang = (u - 0.5) * std::f64::consts::PI;
        let w: f64 = rng.sample(Exp1);
        // u = 0 gives V = −π/2 exactly, where cos V = 0: nudge it into the open interval.
        let v_ang = v_ang.max(-FRAC_PI_2 + f64::EPSILON);
        let x = if alpha == 1.0 {
            v_ang.tan()
        } else {
            (alpha * v_ang).sin() / v_ang.cos().powf(1.0 / alpha)
                * ((v_ang - alpha * v_ang).cos() / w).powf((1.0 - alpha) / alpha)
        };
        *v = gamma * x;
    }
}

/// Middleton class A: `k ~ Poisson(A)`, sample `~ N(0, σ²·(k/A + Γ)/(1 + Γ))`.
fn fill_middleton(
    rng: &mut ChaCha8Rng,
    out: &mut [f64],
    a: f64,
    gamma: f64,
    sigma: f64,
) -> Result<()> {
    let poisson = Poisson::new(a).map_err(|e| Error::param("a", e.to_string()))?;
    for v in out {
        let k: f64 = poisson.sample(rng);
        let var = (k / a + gamma) / (1.0 + gamma);
        let z: f64 = rng.sample(StandardNormal);
        *v = sigma * var.sqrt() * z;
    }
    Ok(())
}
