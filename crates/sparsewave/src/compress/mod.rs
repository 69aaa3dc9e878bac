//! Sparse time–frequency compression: keep the largest coefficients under a fair budget.

pub mod analysis;
pub mod refit;
pub mod sparsify;
pub mod sweep;
