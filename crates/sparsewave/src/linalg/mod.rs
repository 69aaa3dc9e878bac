//! Dense and matrix-free linear algebra: thin and truncated SVDs, Lanczos bidiagonalization,
//! Hankel operators.
//!
//! Dependencies run one way: [`vector`] (kernels) ← [`triplets`] (the SVD result type) ←
//! [`lanczos`] (the truncated SVD of any [`lanczos::LinearOperator`]) ← [`dense`] (faer
//! wrappers and the dense truncated SVD) and [`hankel`] (the Hankel operator).

pub mod dense;
pub mod hankel;
pub mod lanczos;
pub mod leading_eig;
pub mod rank_rule;
pub mod triplets;
pub mod vector;
