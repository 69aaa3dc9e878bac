//! sparsewave: approximate, compress and denoise audio with time–frequency and low-rank methods.

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
pub mod metrics;
pub mod noise;
pub mod pipeline;
#[cfg(feature = "plot")]
pub mod plot;
pub mod transform;

pub use choice::Choice;
pub use error::{Error, Result};
