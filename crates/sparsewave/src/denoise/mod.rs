//! Denoisers: WSVD and its baselines.

pub mod bands;
pub mod gate;
pub mod gaussian;
pub mod shrink;
pub mod wsvd;
