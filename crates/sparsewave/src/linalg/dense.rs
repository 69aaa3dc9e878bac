//! Dense factorizations through faer, with reusable buffers: the crate's one dense SVD
//! ([`DenseSvd`]), the symmetric eigendecomposition ([`SymmetricEig`]), and the truncated SVD
//! of a dense matrix ([`truncated_svd`]), which picks between [`DenseSvd`] and the crate's one
//! Lanczos SVD ([`LanczosSvd`]).
//!
//! [`truncated_svd`] returns the k leading singular triplets A ≈ U_k Σ_k V_kᵀ. When k is a
//! sizeable fraction of min(m, n) it takes the thin SVD (all triplets, then keeps k); when
//! k ≪ min(m, n) it runs Golub–Kahan–Lanczos on the matrix as an operator, which costs a few
//! dozen matrix–vector products instead of O(m n min(m, n)).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, MatMut, MatRef, Par, Spec};

use crate::linalg::lanczos::LanczosSvd;
use crate::linalg::triplets::SvdTriplets;
use crate::{Error, Result};

/// Leading singular triplets as owned matrices: `u` is m×k, `v` is n×k, `s` descending.
#[derive(Clone, Debug)]
pub struct TruncatedSvd {
    /// Left singular vectors `U_k` (m×k).
    pub u: Mat<f64>,
    /// Singular values `σ₁ ≥ … ≥ σ_k`.
    pub s: Vec<f64>,
    /// Right singular vectors `V_k` (n×k).
    pub v: Mat<f64>,
}

impl TruncatedSvd {
    /// Number of triplets held.
    pub fn rank(&self) -> usize {
        self.s.len()
    }

    /// U_k Σ_k V_kᵀ with the first `k` triplets (k ≤ rank).
    pub fn reconstruct(&self, k: usize) -> Mat<f64> {
        let k = k.min(self.rank());
        let mut us = self.u.get(.., ..k).to_owned();
        for j in 0..k {
            for i in 0..us.nrows() {
                us[(i, j)] *= self.s[j];
            }
        }
        &us * self.v.get(.., ..k).transpose()
    }

    /// The leading `k` (≤ `t.rank`) triplets of `t` as matrices.
    fn from_triplets(t: &SvdTriplets, k: usize) -> Self {
        let (m, n) = (t.nrows, t.ncols);
        TruncatedSvd {
            u: Mat::from_fn(m, k, |i, j| t.left[j * m + i]),
            s: t.values[..k].to_vec(),
            v: Mat::from_fn(n, k, |i, j| t.right[j * n + i]),
        }
    }
}

/// Which algorithm [`truncated_svd`] used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum SvdMethod {
    /// [`DenseSvd`]: every triplet, then the leading k kept.
    Thin,
    /// [`LanczosSvd`] on the matrix as an operator.
    Lanczos,
}

/// Below this fraction k / min(m, n) the Lanczos route is taken.
const LANCZOS_MAX_FRACTION: f64 = 0.2;

/// Singular values only, descending (cheaper than the vectors), by [`DenseSvd::parallel`].
pub fn singular_values(a: MatRef<'_, f64>) -> Result<Vec<f64>> {
    let mut values = Vec::new();
    DenseSvd::parallel().singular_values(a, &mut values)?;
    Ok(values)
}

/// The `k` leading singular triplets of `a` (1 ≤ k ≤ min(m, n)), and which route computed them:
/// [`LanczosSvd`] when `k ≤ 0.2·min(m, n)` and `min(m, n) ≥ 64`, else [`DenseSvd::parallel`].
pub fn truncated_svd(a: MatRef<'_, f64>, k: usize) -> Result<(TruncatedSvd, SvdMethod)> {
    let kmax = a.nrows().min(a.ncols());
    if k == 0 || k > kmax {
        return Err(Error::param(
            "rank",
            format!(
                "{k} is outside 1..={kmax} (the matrix is {}×{})",
                a.nrows(),
                a.ncols()
            ),
        ));
    }
    let mut triplets = SvdTriplets::default();
    if (k as f64) > LANCZOS_MAX_FRACTION * kmax as f64 || kmax < 64 {
        DenseSvd::parallel().compute(a, &mut triplets)?;
        return Ok((TruncatedSvd::from_triplets(&triplets, k), SvdMethod::Thin));
    }
    LanczosSvd::new().compute(&mut a.as_ref(), k, &mut triplets)?;
    Ok((
        TruncatedSvd::from_triplets(&triplets, k),
        SvdMethod::Lanczos,
    ))
}

/// faer's SVD of `a` (`m × n`) into `values` (length min(m, n)) and, if given, thin singular
/// vector buffers (`m × min`, `n × min`, column-major). The scratch buffer is regrown on demand
/// and tagged with the size it was made for.
fn dense_svd(
    a: MatRef<'_, f64>,
    values: &mut [f64],
    vectors: Option<(&mut [f64], &mut [f64])>,
    par: Par,
    scratch: &mut Option<(usize, MemBuffer)>,
) -> Result<()> {
    let (m, n) = (a.nrows(), a.ncols());
    let mn = m.min(n);
    let cv = if vectors.is_some() {
        ComputeSvdVectors::Thin
    } else {
        ComputeSvdVectors::No
    };
    let req = svd_scratch::<f64>(m, n, cv, cv, par, Spec::default());
    let bytes = req.size_bytes();
    if scratch.as_ref().is_none_or(|(size, _)| *size < bytes) {
        *scratch = Some((bytes, MemBuffer::new(req)));
    }
    let buf = &mut scratch.as_mut().expect("allocated above").1;
    let stack = MemStack::new(buf);
    let s = faer::diag::DiagMut::from_slice_mut(values);
    let result = match vectors {
        Some((u, v)) => svd(
            a,
            s,
            Some(MatMut::from_column_major_slice_mut(u, m, mn)),
            Some(MatMut::from_column_major_slice_mut(v, n, mn)),
            par,
            stack,
            Spec::default(),
        ),
        None => svd(a, s, None, None, par, stack, Spec::default()),
    };
    result.map_err(|e| Error::Numerical(format!("dense SVD did not converge: {e:?}")))
}

/// The crate's dense SVD: faer's thin SVD (or singular values only), with its scratch buffer
/// reused between calls.
pub struct DenseSvd {
    par: Par,
    scratch: Option<(usize, MemBuffer)>,
}

impl Default for DenseSvd {
    fn default() -> Self {
        Self::new()
    }
}

impl DenseSvd {
    /// A single-threaded workspace (for callers that are parallel themselves, e.g. one per
    /// WSVD thread); buffers are sized by the first call.
    pub fn new() -> Self {
        DenseSvd {
            par: Par::Seq,
            scratch: None,
        }
    }

    /// A workspace whose factorizations use faer's rayon parallelism (for one large matrix).
    pub fn parallel() -> Self {
        DenseSvd {
            par: Par::rayon(0),
            scratch: None,
        }
    }

    /// All `min(m, n)` singular triplets of `a` (values descending) into `out`.
    pub fn compute(&mut self, a: MatRef<'_, f64>, out: &mut SvdTriplets) -> Result<()> {
        let (m, n) = (a.nrows(), a.ncols());
        let mn = m.min(n);
        out.reset(m, n, mn);
        dense_svd(
            a,
            &mut out.values,
            Some((&mut out.left, &mut out.right)),
            self.par,
            &mut self.scratch,
        )
    }

    /// Singular values only (descending) into `values` (resized to `min(m, n)`): cheaper than
    /// [`DenseSvd::compute`], enough for the information criteria.
    pub fn singular_values(&mut self, a: MatRef<'_, f64>, values: &mut Vec<f64>) -> Result<()> {
        values.resize(a.nrows().min(a.ncols()), 0.0);
        dense_svd(a, values, None, self.par, &mut self.scratch)
    }
}

/// Eigendecomposition `G = U·Λ·Uᵀ` of a symmetric matrix (faer's self-adjoint EVD), eigenvalues
/// descending, with buffers reused between calls.
#[derive(Default)]
pub struct SymmetricEig {
    scratch: Option<(usize, MemBuffer)>,
    dim: usize,
    values: Vec<f64>,
    vectors: Vec<f64>,
}

impl SymmetricEig {
    /// A workspace; buffers are sized by the first call.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decomposes the symmetric `n × n` matrix whose lower triangle is `lower` (the strict upper
    /// triangle is not read).
    pub fn compute(&mut self, lower: MatRef<'_, f64>) -> Result<()> {
        let n = lower.nrows();
        if lower.ncols() != n {
            return Err(Error::param(
                "matrix",
                format!("must be square, got {}×{}", n, lower.ncols()),
            ));
        }
        self.dim = n;
        self.values.resize(n, 0.0);
        self.vectors.resize(n * n, 0.0);
        let req =
            self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, Par::Seq, Spec::default());
        let bytes = req.size_bytes();
        if self.scratch.as_ref().is_none_or(|(size, _)| *size < bytes) {
            self.scratch = Some((bytes, MemBuffer::new(req)));
        }
        let buf = &mut self.scratch.as_mut().expect("allocated above").1;
        self_adjoint_evd(
            lower,
            faer::diag::DiagMut::from_slice_mut(&mut self.values),
            Some(MatMut::from_column_major_slice_mut(&mut self.vectors, n, n)),
            Par::Seq,
            MemStack::new(buf),
            Spec::default(),
        )
        .map_err(|e| Error::Numerical(format!("symmetric eigensolver did not converge: {e:?}")))?;
        // faer sorts ascending; reverse values and eigenvector columns together.
        self.values.reverse();
        for j in 0..n / 2 {
            let (head, tail) = self.vectors.split_at_mut((n - 1 - j) * n);
            head[j * n..(j + 1) * n].swap_with_slice(&mut tail[..n]);
        }
        Ok(())
    }

    /// The eigenvalues, descending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The eigenvectors of the leading `r` eigenvalues: `n × r`, column-major, orthonormal.
    pub fn leading_vectors(&self, r: usize) -> &[f64] {
        &self.vectors[..self.dim * r.min(self.dim)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A matrix with known, well separated singular values.
    fn test_matrix(m: usize, n: usize) -> Mat<f64> {
        Mat::from_fn(m, n, |i, j| {
            let (x, y) = (i as f64 / m as f64, j as f64 / n as f64);
            (1.0 + x * y).recip() + 0.1 * ((i * 31 + j * 17) % 13) as f64 / 13.0
        })
    }

    #[test]
    fn lanczos_route_matches_thin_svd() {
        let a = test_matrix(300, 500);
        let (full, method) = truncated_svd(a.as_ref(), 200).unwrap();
        assert_eq!(method, SvdMethod::Thin);
        let (t, method) = truncated_svd(a.as_ref(), 10).unwrap();
        assert_eq!(method, SvdMethod::Lanczos);
        for i in 0..10 {
            assert!((t.s[i] - full.s[i]).abs() < 1e-9 * full.s[0], "σ{i}");
        }
        let diff = t.reconstruct(10) - full.reconstruct(10);
        assert!(diff.norm_l2() < 1e-8 * full.s[0]);
        let values = singular_values(a.as_ref()).unwrap();
        assert!(values
            .iter()
            .zip(&full.s)
            .all(|(a, b)| (a - b).abs() < 1e-12 * full.s[0]));
    }

    #[test]
    fn rank_out_of_range_is_an_error() {
        let a = test_matrix(5, 7);
        assert!(truncated_svd(a.as_ref(), 0).is_err());
        assert!(truncated_svd(a.as_ref(), 6).is_err());
        assert!(truncated_svd(a.as_ref(), 5).is_ok());
    }
}
