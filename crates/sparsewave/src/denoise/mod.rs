//! Denoisers: noise estimation ([`noise_estimate`]); the STFT-domain estimators LSA ([`lsa`])
//! and block thresholding ([`block`]) and their SURE-chosen combination ([`mod@auto`], the
//! default); WSVD and its baselines; how one is chosen ([`denoiser`]), the `denoise` job
//! ([`job`]) and the Table 1 benchmark ([`mod@bench`]).

pub mod auto;
pub mod bands;
pub mod bench;
pub mod block;
pub mod denoiser;
pub mod gate;
pub mod gaussian;
pub mod job;
pub mod lsa;
pub mod noise_estimate;
pub mod shrink;
pub mod wsvd;

pub use bench::{denoise_bench, BenchParams, DenoiseBench};
pub use denoiser::{DenoiseMethod, DenoiseParams, Denoiser, WsvdOverrides, WsvdPreset};
pub use job::{denoise, Denoised};
