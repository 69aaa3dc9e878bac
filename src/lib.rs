//! sparsewave: approximate, compress and denoise audio with time–frequency and low-rank methods.

pub mod approx;
pub mod audio;
pub mod codec;
pub mod compress;
pub mod denoise;
pub mod error;
pub mod linalg;
pub mod metrics;
pub mod noise;
pub mod pipeline;
pub mod plot;
pub mod transform;

pub use error::{Error, Result};
