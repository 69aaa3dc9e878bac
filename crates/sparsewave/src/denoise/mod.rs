//! Denoisers: WSVD and its baselines, how one is chosen ([`denoiser`]), the `denoise` job
//! ([`job`]) and the Table 1 benchmark ([`mod@bench`]).

pub mod bands;
pub mod bench;
pub mod denoiser;
pub mod gate;
pub mod gaussian;
pub mod job;
pub mod shrink;
pub mod wsvd;

pub use bench::{denoise_bench, BenchParams, DenoiseBench};
pub use denoiser::{DenoiseMethod, DenoiseParams, Denoiser, WsvdOverrides, WsvdPreset};
pub use job::{denoise, Denoised};
