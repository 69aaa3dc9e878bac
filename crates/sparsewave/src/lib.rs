//! Approximate, compress and denoise audio with time–frequency and low-rank methods.
//!
//! sparsewave runs three published method families on real recordings and says, with numbers
//! and pictures, what was kept and what was lost:
//!
//! | family | jobs |
//! | --- | --- |
//! | spectrogram low-rank approximation ("Song-Approximation") | [`approx()`], [`interp()`] |
//! | sparse time–frequency compression (PGBZ: Gabor frames through the Zak transform; STFT and DWT baselines) | [`compress()`], [`sweep()`]; `.swz` files: [`encode()`], [`decode()`], [`rate_distortion()`] |
//! | low-rank denoising (WSVD: windowed Hankel SVD per frequency band) and its baselines | [`denoise()`], [`denoise_bench()`], [`add_noise()`] |
//!
//! Every job takes audio as samples per channel ([`Audio`]) and typed parameters, and returns the
//! output audio with a serialisable [`Report`] (the command line's `--json`); it never prints and
//! never exits. Every enumerated choice (method, window, wavelet, junction, noise model, …) is an
//! enum that parses from and prints as the command line's word ([`Choice`]); every failure is an
//! [`Error`] that names the file or the parameter at fault.
//!
//! # Quickstart
//!
//! Load a recording, add white noise at 10 dB, denoise it with the default method (`auto`, noise-blind), write
//! the result and print the SNR against the clean recording:
//!
//! ```
//! use sparsewave::{add_noise, denoise, load, write_wav, DenoiseParams, NoiseModel};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let clean = load("tests/data/folk_4s.wav".as_ref())?;
//! let noisy = add_noise(&clean, NoiseModel::Awgn, 10.0, 0)?.audio;
//! let denoiser = DenoiseParams::default().denoiser(None)?;
//! let result = denoise(&noisy, &denoiser, Some(&clean))?;
//!
//! let dir = tempfile::tempdir()?;
//! write_wav(&dir.path().join("denoised.wav"), &result.audio, None)?;
//! let snr = result.report.metrics.snr_db;
//! println!("SNR {snr:.2} dB (the noisy input had 10 dB)");
//! assert!(snr > 14.0);
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! Data flows down this list: [`audio`] (decode, WAV output) → [`transform`] (planned STFT,
//! PGBZ, DWT: `&self` plans with caller scratch) and [`linalg`] (SVD, Lanczos, Hankel operators,
//! rank rules) → the families [`approx`](mod@approx), [`compress`](mod@compress), [`denoise`](mod@denoise) (+ [`noise`]) and `codec` →
//! [`metrics`], [`pipeline`] (run a step per channel, measure, report) and `plot` (figures).
//! Features: `plot` (figures) and `codec` (`.swz` files), both on by default.
#![warn(missing_docs)]

pub mod approx;
pub mod audio;
mod choice;
#[cfg(feature = "codec")]
pub mod codec;
pub mod compress;
#[cfg(feature = "codec")]
pub mod demo;
pub mod denoise;
pub mod error;
pub mod linalg;
pub mod memory;
pub mod metrics;
pub mod noise;
pub mod pipeline;
#[cfg(feature = "plot")]
pub mod plot;
pub mod stream;
pub mod transform;

pub use choice::Choice;
pub use error::{Error, Result};

// Audio in and out.
pub use audio::{decode_file as load, write_wav, Audio, SampleFormat};

// Family 1: spectrogram low-rank approximation, decimation + interpolation.
pub use approx::interp::{InterpKind, InterpMethod};
pub use approx::interp_job::{interp, Decimation, Interpolated};
pub use approx::job::{approx, ApproxParams, Approximated, Phase, PhaseStart, StftParams};
pub use linalg::rank_rule::RankRule;

// Family 2: sparse time–frequency compression.
#[cfg(feature = "codec")]
pub use codec::{
    decode, encode, rate_distortion, Encoded, MethodKind, MethodSettings, RateDistortion, Target,
};
pub use compress::job::{compress, Compressed};
pub use compress::params::{
    CompressMethod, CompressParams, Lattice, PostFilter, RepresentationParams,
};
pub use compress::sparsify::Keep;
pub use compress::sweep::{sweep, Sweep, SweepConfig, SweepMethod};

// Family 3: denoising.
pub use denoise::bench::{denoise_bench, BenchParams, DenoiseBench};
pub use denoise::denoiser::{DenoiseMethod, DenoiseParams, Denoiser, WsvdOverrides, WsvdPreset};
pub use denoise::job::{denoise, Denoised};
pub use noise::{add_noise, NoiseKind, NoiseModel, NoiseParams, NoisyAudio};

// Measuring and reporting.
pub use metrics::Metrics;
pub use pipeline::Report;
