//! Every eigenvalue and only the leading eigenvectors of a small dense symmetric matrix.
//!
//! [`LeadingEig`] serves the WSVD Gram route, where the information criteria need every
//! eigenvalue of `G = H·Hᵀ` but the reconstruction only the `r` leading eigenvectors. A full
//! eigendecomposition spends most of its time accumulating the rotations of the tridiagonal QR
//! algorithm into all `n` eigenvectors (about `6n³` flops); here:
//!
//! 1. Householder tridiagonalization `A = Q·T·Qᵀ`, `Q = H₀·H₁·…·H_{n−2}`,
//!    `H_k = I − τ_k·v_k·v_kᵀ` acting on indices `k + 1 ..` (LAPACK `dsytd2` on the lower
//!    triangle, one sweep per step: `4n³/3` flops);
//! 2. the eigenvalues of `T` by the rational QL iteration (EISPACK `tqlrat`, `O(n²)`);
//! 3. for each of the `r` largest eigenvalues `λ`, inverse iteration on `T − σ·I` (LU with
//!    partial pivoting of the tridiagonal, three solves from a fixed start vector), with the
//!    shifts of eigenvalues closer than `10·ε·‖T‖₁` separated by that much and the vectors of
//!    a cluster (eigenvalues within `10⁻³·‖T‖₁` of their neighbour) orthogonalized against each
//!    other by modified Gram–Schmidt (LAPACK `dstein`'s rules);
//! 4. back-transformation `u = Q·z`: `r` applications of the `n − 2` reflectors (`2n²r`).
//!
//! Every vector is accepted only if its residual `‖T·z − λ·z‖₂ ≤ 64·n·ε·‖T‖₁` and the `r`
//! vectors are orthonormal to `64·n·ε`; otherwise [`LeadingEig::leading_vectors`] reports
//! `None` and the caller takes a full eigendecomposition instead.

use faer::MatRef;

use crate::linalg::vector::{axpy, dot, norm, with_avx2};
use crate::{Error, Result};

/// Inverse-iteration solves per eigenvector.
const INVERSE_ITERATIONS: usize = 3;

/// Workspace for every eigenvalue and the leading eigenvectors of a symmetric matrix; buffers
/// are sized by the first call and reused.
#[derive(Default)]
pub struct LeadingEig {
    n: usize,
    /// The lower triangle of the matrix, then (below the subdiagonal of column k) the reflector `v_k`
    /// with its leading 1 written in.
    a: Vec<f64>,
    tau: Vec<f64>,
    diag: Vec<f64>,
    offdiag: Vec<f64>,
    /// Eigenvalues, descending.
    values: Vec<f64>,
    /// Leading eigenvectors, `n × r` column-major.
    vectors: Vec<f64>,
    /// `p` then `w` of the current reflector step; LU factors and work vectors of the
    /// inverse iteration.
    work: Vec<f64>,
    lu: TridiagonalLu,
}

impl LeadingEig {
    /// A workspace; buffers are sized by the first call.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tridiagonalizes the symmetric `n × n` matrix whose lower triangle is `lower` (the strict
    /// upper triangle is not read) and computes all its eigenvalues.
    ///
    /// Errors: `lower` not square; [`Error::Numerical`] if the QR iteration does not converge.
    pub fn compute(&mut self, lower: MatRef<'_, f64>) -> Result<()> {
        let n = lower.nrows();
        if lower.ncols() != n || n == 0 {
            return Err(Error::param(
                "matrix",
                format!("must be square and not empty, got {}×{}", n, lower.ncols()),
            ));
        }
        self.n = n;
        self.a.resize(n * n, 0.0);
        for (j, column) in self.a.chunks_exact_mut(n).enumerate() {
            for (i, v) in column.iter_mut().enumerate().skip(j) {
                *v = lower[(i, j)];
            }
        }
        self.tau.resize(n, 0.0);
        self.diag.resize(n, 0.0);
        self.offdiag.resize(n, 0.0);
        self.work.resize(3 * n, 0.0);
        with_avx2(
            #[inline(always)]
            || {
                tridiagonalize(
                    n,
                    &mut self.a,
                    &mut self.tau,
                    &mut self.diag,
                    &mut self.offdiag,
                    &mut self.work,
                )
            },
        );
        self.values.resize(n, 0.0);
        tridiagonal_eigenvalues(
            &self.diag,
            &self.offdiag[..n - 1],
            &mut self.values,
            &mut self.work,
        )?;
        Ok(())
    }

    /// The eigenvalues, descending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The eigenvectors of the `r` largest eigenvalues (`n × r`, column-major, orthonormal), or
    /// `None` if inverse iteration did not meet its residual or orthogonality check (see the
    /// module documentation). Call [`LeadingEig::compute`] first.
    pub fn leading_vectors(&mut self, r: usize) -> Option<&[f64]> {
        if with_avx2(
            #[inline(always)]
            || self.inverse_iteration(r),
        ) {
            Some(&self.vectors)
        } else {
            None
        }
    }

    /// The `r` leading eigenvectors into `vectors`; false if a check failed.
    #[inline(always)]
    fn inverse_iteration(&mut self, r: usize) -> bool {
        let n = self.n;
        let r = r.min(n);
        self.vectors.resize(n * r, 0.0);
        let t_norm = (0..n)
            .map(|i| {
                let left = if i > 0 {
                    self.offdiag[i - 1].abs()
                } else {
                    0.0
                };
                let right = if i + 1 < n {
                    self.offdiag[i].abs()
                } else {
                    0.0
                };
                self.diag[i].abs() + left + right
            })
            .fold(0.0, f64::max);
        if t_norm == 0.0 || !t_norm.is_finite() {
            return false;
        }
        let eps = f64::EPSILON;
        let separation = 10.0 * eps * t_norm;
        let cluster_gap = 1e-3 * t_norm;
        let residual_bound = 64.0 * n as f64 * eps * t_norm;
        let mut cluster_start = 0;
        let mut shift = f64::INFINITY;
        for l in 0..r {
            let lambda = self.values[l];
            if l > 0 && self.values[l - 1] - lambda > cluster_gap {
                cluster_start = l;
            }
            shift = if l > cluster_start {
                lambda.min(shift - separation)
            } else {
                lambda
            };
            self.lu
                .factor(&self.diag, &self.offdiag[..n - 1], shift, eps * t_norm);
            let (done, rest) = self.vectors.split_at_mut(l * n);
            let z = &mut rest[..n];
            // A fixed start vector with every component of the same order.
            for (i, v) in z.iter_mut().enumerate() {
                *v = 1.0 + 0.5 * ((i as f64 + 1.0) * 0.618_033_988_749_895).fract();
            }
            for iteration in 0..INVERSE_ITERATIONS {
                self.lu.solve(z);
                if iteration + 1 == INVERSE_ITERATIONS {
                    let s = norm(z);
                    if !(s > 0.0 && s.is_finite()) {
                        return false;
                    }
                    z.iter_mut().for_each(|v| *v /= s);
                    // Modified Gram–Schmidt against the cluster, twice.
                    for _ in 0..2 {
                        for prev in done[cluster_start * n..].chunks_exact(n) {
                            let c = dot(prev, z);
                            axpy(-c, prev, z);
                        }
                    }
                }
                let s = norm(z);
                if !(s > 0.0 && s.is_finite()) {
                    return false;
                }
                z.iter_mut().for_each(|v| *v /= s);
            }
            if tridiagonal_residual(&self.diag, &self.offdiag[..n - 1], lambda, z) > residual_bound
            {
                return false;
            }
        }
        back_transform(n, &self.a, &self.tau, &mut self.vectors);
        true
    }
}

/// All eigenvalues of the symmetric tridiagonal `T` (diagonal `d`, off-diagonal `e`), written
/// to `values` in descending order: the rational (square-root-free) QL iteration with implicit
/// shifts of EISPACK `tqlrat` (Reinsch), working on `e²`; `work` holds at least `n` values.
///
/// Errors: [`Error::Numerical`] if an eigenvalue takes more than 30 iterations.
fn tridiagonal_eigenvalues(
    d: &[f64],
    e: &[f64],
    values: &mut [f64],
    work: &mut [f64],
) -> Result<()> {
    let n = d.len();
    let dd = values;
    dd.copy_from_slice(d);
    let e2 = &mut work[..n];
    for (s, v) in e2.iter_mut().zip(e) {
        *s = v * v;
    }
    e2[n - 1] = 0.0;
    let (mut f, mut t) = (0.0f64, 0.0f64);
    let (mut b, mut c) = (0.0, 0.0);
    for l in 0..n {
        let h = dd[l].abs() + e2[l].sqrt();
        if t < h {
            t = h;
            b = f64::EPSILON * t;
            c = b * b;
        }
        // e2[n − 1] = 0, so the search always stops.
        let m = (l..n).find(|&m| e2[m] <= c).unwrap_or(n - 1);
        if m > l {
            let mut iterations = 0;
            loop {
                if iterations == 30 {
                    return Err(Error::Numerical(format!(
                        "tridiagonal QL: eigenvalue {l} not converged in 30 iterations"
                    )));
                }
                iterations += 1;
                let s = e2[l].sqrt();
                let g = dd[l];
                let p = (dd[l + 1] - g) / (2.0 * s);
                let r = p.hypot(1.0);
                dd[l] = s / (p + r.copysign(p));
                let h = g - dd[l];
                for v in &mut dd[l + 1..] {
                    *v -= h;
                }
                f += h;
                let mut g = dd[m];
                if g == 0.0 {
                    g = b;
                }
                let mut h = g;
                let mut s = 0.0;
                for i in (l..m).rev() {
                    let p = g * h;
                    let r = p + e2[i];
                    e2[i + 1] = s * r;
                    s = e2[i] / r;
                    dd[i + 1] = h + s * (h + dd[i]);
                    g = dd[i] - e2[i] / g;
                    if g == 0.0 {
                        g = b;
                    }
                    h = g * p / r;
                }
                e2[l] = s * g;
                dd[l] = h;
                if h == 0.0 || e2[l].abs() <= (c / h).abs() {
                    break;
                }
                e2[l] *= h;
                if e2[l] == 0.0 {
                    break;
                }
            }
        }
        // Insert d[l] + f among the sorted (ascending) d[0 .. l].
        let p = dd[l] + f;
        let mut i = l;
        while i > 0 && p < dd[i - 1] {
            dd[i] = dd[i - 1];
            i -= 1;
        }
        dd[i] = p;
    }
    dd.reverse();
    Ok(())
}

/// `‖T·z − λ·z‖₂` for the symmetric tridiagonal `T` (diagonal `d`, off-diagonal `e`).
fn tridiagonal_residual(d: &[f64], e: &[f64], lambda: f64, z: &[f64]) -> f64 {
    let n = d.len();
    let mut sum = 0.0;
    for i in 0..n {
        let mut v = (d[i] - lambda) * z[i];
        if i > 0 {
            v += e[i - 1] * z[i - 1];
        }
        if i + 1 < n {
            v += e[i] * z[i + 1];
        }
        sum += v * v;
    }
    sum.sqrt()
}

/// LU factorization with partial pivoting of a shifted symmetric tridiagonal `T − σ·I`
/// (LAPACK `dlagtf`): `U` has the diagonal `u1` and two superdiagonals `u2`, `u3` (`u3` non-zero
/// only where rows were swapped); `mult[i]` eliminates row `i + 1` after the optional swap of
/// rows `i`, `i + 1` (`swapped[i]`). Pivots smaller than a tolerance are replaced by it (with
/// their sign), as `dlagts` does for inverse iteration.
#[derive(Default)]
struct TridiagonalLu {
    u1: Vec<f64>,
    /// `1/u1`.
    inv: Vec<f64>,
    u2: Vec<f64>,
    u3: Vec<f64>,
    mult: Vec<f64>,
    swapped: Vec<bool>,
}

impl TridiagonalLu {
    fn factor(&mut self, d: &[f64], e: &[f64], shift: f64, tiny: f64) {
        let n = d.len();
        self.u1.resize(n, 0.0);
        self.u2.resize(n, 0.0);
        self.u3.resize(n, 0.0);
        self.mult.resize(n, 0.0);
        self.swapped.resize(n, false);
        let mut cur_diag = d[0] - shift;
        let mut cur_sup = if n > 1 { e[0] } else { 0.0 };
        for i in 0..n - 1 {
            let next_diag = d[i + 1] - shift;
            let next_sup = if i + 2 < n { e[i + 1] } else { 0.0 };
            if cur_diag.abs() >= e[i].abs() {
                let m = if cur_diag != 0.0 {
                    e[i] / cur_diag
                } else {
                    0.0
                };
                self.u1[i] = cur_diag;
                self.u2[i] = cur_sup;
                self.u3[i] = 0.0;
                self.swapped[i] = false;
                self.mult[i] = m;
                cur_diag = next_diag - m * cur_sup;
                cur_sup = next_sup;
            } else {
                let m = cur_diag / e[i];
                self.u1[i] = e[i];
                self.u2[i] = next_diag;
                self.u3[i] = next_sup;
                self.swapped[i] = true;
                self.mult[i] = m;
                cur_diag = cur_sup - m * next_diag;
                cur_sup = -m * next_sup;
            }
        }
        self.u1[n - 1] = cur_diag;
        self.inv.resize(n, 0.0);
        for (inv, u) in self.inv.iter_mut().zip(&mut self.u1) {
            if u.abs() < tiny {
                *u = if *u < 0.0 { -tiny } else { tiny };
            }
            *inv = 1.0 / *u;
        }
    }

    /// Overwrites `y` by `(T − σ·I)⁻¹·y` (the carried values stay in registers: both sweeps
    /// are serial recurrences).
    fn solve(&self, y: &mut [f64]) {
        let n = y.len();
        let mut carried = y[0];
        for i in 0..n - 1 {
            let next = y[i + 1];
            let (pivot_row, other) = if self.swapped[i] {
                (next, carried)
            } else {
                (carried, next)
            };
            y[i] = pivot_row;
            carried = other - self.mult[i] * pivot_row;
        }
        let mut z1 = carried * self.inv[n - 1];
        y[n - 1] = z1;
        let mut z2 = 0.0;
        for i in (0..n - 1).rev() {
            let zi = (y[i] - self.u2[i] * z1 - self.u3[i] * z2) * self.inv[i];
            y[i] = zi;
            z2 = z1;
            z1 = zi;
        }
    }
}

/// Householder tridiagonalization of the symmetric `n × n` column-major `a`, of which only the
/// lower triangle is read and updated (see the module documentation); `work` holds `3n`
/// values. Compiled for AVX2 where the CPU has it ([`with_avx2`]).
///
/// Step `k` builds the reflector `H_k` from column `k` below the diagonal, then updates the
/// trailing block `A ← A − v·wᵀ − w·vᵀ` with `p = τ·A·v`, `w = p − (τ/2)(pᵀv)·v` (LAPACK
/// `dsytd2`). The symmetric product `p` of step `k + 1` is accumulated in the same sweep as the
/// update of step `k` (column `k + 1` is updated first, so `v_{k+1}` is known), so each step
/// reads the trailing triangle once.
#[inline(always)]
fn tridiagonalize(
    n: usize,
    a: &mut [f64],
    tau: &mut [f64],
    diag: &mut [f64],
    offdiag: &mut [f64],
    work: &mut [f64],
) {
    let (p, rest) = work.split_at_mut(n);
    let (w, next) = rest.split_at_mut(n);
    let next = &mut next[..n];
    let (mut p, mut next) = (p, next);
    if n == 1 {
        diag[0] = a[0];
        return;
    }
    reflector(n, a, 0, tau, offdiag);
    p.fill(0.0);
    if tau[0] != 0.0 {
        let (head, tail) = a.split_at_mut(n);
        symmetric_product_add(n, tail, 1, head, p);
        p[1..].iter_mut().for_each(|v| *v *= tau[0]);
    }
    for k in 0..n - 1 {
        diag[k] = a[k * n + k];
        let t = tau[k];
        let (left, right) = a.split_at_mut((k + 1) * n);
        let vk = &left[k * n..];
        if t != 0.0 {
            let mut pv = 0.0;
            for i in k + 1..n {
                pv += p[i] * vk[i];
            }
            let c = -0.5 * t * pv;
            for i in k + 1..n {
                w[i] = p[i] + c * vk[i];
            }
            // Column k + 1 first: the next reflector is built from it.
            rank2_update(&mut right[..n], k + 1, vk, w);
        }
        if k + 2 >= n {
            continue;
        }
        reflector(n, a, k + 1, tau, offdiag);
        let t1 = tau[k + 1];
        let (left, right) = a.split_at_mut((k + 2) * n);
        let vk = &left[k * n..(k + 1) * n];
        let v1 = &left[(k + 1) * n..];
        next.fill(0.0);
        for (col, c) in right.chunks_exact_mut(n).zip(k + 2..) {
            if t != 0.0 {
                rank2_update(col, c, vk, w);
            }
            if t1 != 0.0 {
                symmetric_column_product(col, c, v1, next);
            }
        }
        next[k + 2..].iter_mut().for_each(|v| *v *= t1);
        std::mem::swap(&mut p, &mut next);
    }
    diag[n - 1] = a[n * n - 1];
}

/// Builds reflector `k` from `a[k + 1 .., k]` (LAPACK `dlarfg`): `τ`, the off-diagonal `β`, and
/// `v` in place with its leading 1 written in (`τ = 0` and `v = e₁` when the column below
/// `k + 1` is already zero).
#[inline(always)]
fn reflector(n: usize, a: &mut [f64], k: usize, tau: &mut [f64], offdiag: &mut [f64]) {
    let col = &mut a[k * n + k + 1..(k + 1) * n];
    let alpha = col[0];
    let mut s = 0.0;
    for v in &col[1..] {
        s += v * v;
    }
    let tail_norm = s.sqrt();
    col[0] = 1.0;
    if tail_norm == 0.0 {
        tau[k] = 0.0;
        offdiag[k] = alpha;
        return;
    }
    let beta = -alpha.hypot(tail_norm).copysign(alpha);
    tau[k] = (beta - alpha) / beta;
    offdiag[k] = beta;
    let inv = 1.0 / (alpha - beta);
    col[1..].iter_mut().for_each(|v| *v *= inv);
}

/// Column `c` (its lower part, rows `c ..`) of `A ← A − v·wᵀ − w·vᵀ`; `col` is the whole
/// column, `v` and `w` are indexed by row.
#[inline(always)]
fn rank2_update(col: &mut [f64], c: usize, v: &[f64], w: &[f64]) {
    let (vc, wc) = (v[c], w[c]);
    for ((x, vi), wi) in col[c..].iter_mut().zip(&v[c..]).zip(&w[c..]) {
        *x -= vi * wc + wi * vc;
    }
}

/// Adds column `c`'s share of `A·v` for a symmetric `A` stored by its lower triangle: the
/// column below the diagonal times `v[c]`, and its transpose (the row) dotted with `v`.
#[inline(always)]
fn symmetric_column_product(col: &[f64], c: usize, v: &[f64], out: &mut [f64]) {
    let lower = &col[c..];
    axpy(v[c], lower, &mut out[c..]);
    out[c] += dot(&lower[1..], &v[c + 1..]);
}

/// `out[first ..] += A·v` over the trailing block that starts at row and column `first`;
/// `columns` holds the columns `first ..` of `A`, `vcol` the column holding `v`.
#[inline(always)]
fn symmetric_product_add(n: usize, columns: &[f64], first: usize, vcol: &[f64], out: &mut [f64]) {
    for (col, c) in columns.chunks_exact(n).zip(first..) {
        symmetric_column_product(col, c, vcol, out);
    }
}

/// `vectors ← Q·vectors` for `Q = H₀·H₁·…·H_{n−2}` stored in `a` and `tau`: each reflector
/// is applied to every vector before the next one, so it is read once for all of them (each
/// vector sees the same operations in the same order as one at a time).
#[inline(always)]
fn back_transform(n: usize, a: &[f64], tau: &[f64], vectors: &mut [f64]) {
    for k in (0..n.saturating_sub(1)).rev() {
        if tau[k] == 0.0 {
            continue;
        }
        let v = &a[k * n + k + 1..(k + 1) * n];
        for z in vectors.chunks_exact_mut(n) {
            let zk = &mut z[k + 1..];
            let s = tau[k] * dot(v, zk);
            axpy(-s, v, zk);
        }
    }
}
