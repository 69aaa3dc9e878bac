//! Thin and truncated SVDs of dense matrices, through faer.
//!
//! [`truncated_svd`] returns the k leading singular triplets A ≈ U_k Σ_k V_kᵀ. When k is a
//! sizeable fraction of min(m, n) it takes faer's thin SVD (all triplets, then keeps k); when
//! k ≪ min(m, n) it runs faer's restarted Lanczos bidiagonalization (`partial_svd`) on the matrix
//! as an operator, which costs a few dozen matrix–vector products instead of O(m n min(m, n)).
//! Lanczos triplets that fail to converge are never returned: the thin SVD takes over.

use crate::{Error, Result};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::eigen::{partial_svd, partial_svd_scratch, PartialEigenParams};
use faer::{Col, Mat, MatRef, Par};

/// Leading singular triplets: `u` is m×k, `v` is n×k, `s` descending.
#[derive(Clone, Debug)]
pub struct TruncatedSvd {
    pub u: Mat<f64>,
    pub s: Vec<f64>,
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
}

/// Which algorithm [`truncated_svd`] used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum SvdMethod {
    Thin,
    Lanczos,
}

/// Below this fraction k / min(m, n) the Lanczos route is taken.
const LANCZOS_MAX_FRACTION: f64 = 0.2;

/// All min(m, n) singular triplets.
pub fn thin_svd(a: MatRef<'_, f64>) -> Result<TruncatedSvd> {
    let svd = a
        .thin_svd()
        .map_err(|e| Error::Numerical(format!("SVD did not converge: {e:?}")))?;
    Ok(TruncatedSvd {
        u: svd.U().to_owned(),
        s: svd.S().column_vector().iter().copied().collect(),
        v: svd.V().to_owned(),
    })
}

/// Singular values only, descending (cheaper than the vectors).
pub fn singular_values(a: MatRef<'_, f64>) -> Result<Vec<f64>> {
    a.singular_values()
        .map_err(|e| Error::Numerical(format!("SVD did not converge: {e:?}")))
}

/// The `k` leading singular triplets of `a` (1 ≤ k ≤ min(m, n)).
pub fn truncated_svd(a: MatRef<'_, f64>, k: usize) -> Result<(TruncatedSvd, SvdMethod)> {
    let kmax = a.nrows().min(a.ncols());
    if k == 0 || k > kmax {
        return Err(Error::param(
            "--rank",
            format!(
                "{k} is outside 1..={kmax} (the matrix is {}×{})",
                a.nrows(),
                a.ncols()
            ),
        ));
    }
    if (k as f64) > LANCZOS_MAX_FRACTION * kmax as f64 || kmax < 64 {
        return truncated_svd_thin(a, k);
    }
    match lanczos_svd(a, k) {
        Some(t) => Ok((t, SvdMethod::Lanczos)),
        None => truncated_svd_thin(a, k),
    }
}

fn truncated_svd_thin(a: MatRef<'_, f64>, k: usize) -> Result<(TruncatedSvd, SvdMethod)> {
    let mut full = thin_svd(a)?;
    full.u = full.u.get(.., ..k).to_owned();
    full.v = full.v.get(.., ..k).to_owned();
    full.s.truncate(k);
    Ok((full, SvdMethod::Thin))
}

/// faer's restarted Lanczos bidiagonalization; `None` when fewer than `k` triplets converged.
fn lanczos_svd(a: MatRef<'_, f64>, k: usize) -> Option<TruncatedSvd> {
    let (m, n) = (a.nrows(), a.ncols());
    let op = a.to_owned();
    let params = PartialEigenParams {
        max_dim: (2 * k + 32).min(m.min(n)),
        ..Default::default()
    };
    let par = Par::rayon(0);
    let mut mem = MemBuffer::new(partial_svd_scratch::<f64>(&op, k, par, params));
    let mut u = Mat::<f64>::zeros(m, k);
    let mut v = Mat::<f64>::zeros(n, k);
    let mut s = vec![0.0; k];
    // A deterministic, non-degenerate start vector.
    let v0 = Col::<f64>::from_fn(n, |j| 1.0 + ((j * 7919) % 97) as f64 / 97.0);
    let v0 = &v0 * (1.0 / v0.norm_l2());
    let info = partial_svd(
        u.as_mut(),
        v.as_mut(),
        &mut s,
        &op,
        v0.as_ref(),
        f64::EPSILON * 64.0,
        par,
        MemStack::new(&mut mem),
        params,
    );
    if info.n_converged_eigen < k {
        return None;
    }
    // Order descending and make the values non-negative (flip the left vector's sign).
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&i, &j| s[j].abs().total_cmp(&s[i].abs()));
    let u_sorted = Mat::from_fn(m, k, |i, j| u[(i, order[j])] * s[order[j]].signum());
    let v_sorted = Mat::from_fn(n, k, |i, j| v[(i, order[j])]);
    let s_sorted = order.iter().map(|&j| s[j].abs()).collect();
    Some(TruncatedSvd {
        u: u_sorted,
        s: s_sorted,
        v: v_sorted,
    })
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
    fn lanczos_matches_thin_svd() {
        let a = test_matrix(300, 500);
        let full = thin_svd(a.as_ref()).unwrap();
        let (t, method) = truncated_svd(a.as_ref(), 10).unwrap();
        assert_eq!(method, SvdMethod::Lanczos);
        for i in 0..10 {
            assert!((t.s[i] - full.s[i]).abs() < 1e-9 * full.s[0], "σ{i}");
        }
        let diff = t.reconstruct(10) - full.reconstruct(10);
        assert!(diff.norm_l2() < 1e-8 * full.s[0]);
    }

    #[test]
    fn rank_out_of_range_is_an_error() {
        let a = test_matrix(5, 7);
        assert!(truncated_svd(a.as_ref(), 0).is_err());
        assert!(truncated_svd(a.as_ref(), 6).is_err());
        assert!(truncated_svd(a.as_ref(), 5).is_ok());
    }
}
