//! Dense and matrix-free linear algebra: thin and truncated SVDs, Lanczos bidiagonalization,
//! Hankel operators.

pub mod dense;
pub mod hankel;
pub mod lanczos;
pub mod rank_rule;
