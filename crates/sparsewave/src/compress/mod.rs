//! Sparse time–frequency compression: keep the largest coefficients under a fair budget.
//!
//! [`job::compress`] is the product API (one recording in, its reconstruction and report out);
//! [`sweep::sweep`] measures error against kept coefficients for several methods at once.

pub mod analysis;
pub mod deflation;
pub mod job;
pub mod params;
pub mod refit;
pub mod sparsify;
pub mod sweep;
