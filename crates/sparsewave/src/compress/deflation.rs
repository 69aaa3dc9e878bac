//! Zak-domain deflation preconditioner for the PGBZ least-squares re-fit.
//!
//! # The operator
//!
//! With `D` the PGBZ synthesis and the half-layout coefficient space carrying the weighted inner
//! product `⟨u, v⟩_w = Re Σ w_m conj(u) v` (`w_0 = 1`, `w_{m≥1} = 2`), the normal operator
//! `H = D*D` is diagonal in the Zak domain. Its eigenvectors are the real plane waves
//!
//! ```text
//! û_{k,j,θ}[n, m] = α_k · cos(2π n k / N + θ) · e^{−2πi m j / M},   θ ∈ {0, π/2}
//! α_k = √(2/(N M))  (k ≥ 1),   α_0 = √(1/(N M))  (k = 0, θ = 0 only)
//! ```
//!
//! (`k = 0..(N+1)/2` the half Zak frequency, `j = 0..M` the Zak time), with eigenvalues
//! `λ(k, j) = 1 / (M |Zg[k, j]|²)`. `Zg` vanishes at `(N/2, M/2)`, between grid points for odd
//! lattices, so a few hundred eigenvalues near it are 10²–10⁶ times the mean eigenvalue
//! `tr(H)/(M N)` (the constant diagonal of `H`): they are the "periodic spiky" buzz of
//! PGBZ.md, and they are what makes plain CGLS slow.
//!
//! # The preconditioner
//!
//! The re-fit solves `H_S x = b` on the kept set `S` (`H_S = P_S H P_S`). Model `H` by a
//! constant `c` on every mode but its `q` largest, `T`:
//!
//! ```text
//! H ≈ c I + Σ_{t∈T} (λ_t − c) û_t û_t*,   so   H_S ≈ c I + Z Δ Z*,   Z = [P_S û_t]_{t∈T}
//! ```
//!
//! with `c` a quarter of the smallest deflated eigenvalue (at least the mean eigenvalue; the
//! measurements in `docs/compress.md` found anything from 2× the mean to a quarter of the edge
//! alike, the mean itself slower), and invert the model exactly with the Woodbury identity:
//!
//! ```text
//! B = (1/c) · (I − Z (c Δ⁻¹ + Z*Z)⁻¹ Z*)
//! ```
//!
//! `B` is symmetric positive definite for `⟨·,·⟩_w`, so preconditioned CG on the normal
//! equations converges to the same least-squares solution, in far fewer iterations.
//!
//! # Cost
//!
//! The modes are separable (a cosine in `n` times an exponential in `m`), so with `J` the Zak
//! times and `K` the Zak frequencies of `T` (a box around the zero of `Zg`):
//!
//! - `Z* v`: `P[n, j] = Σ_{m∈S_n} w_m v[n, m] e^{2πi m j/M}` (`|S|·|J|`), then one length-`N` sum
//!   per `(k, j)` (`N·|K|·|J|`); `Z s` is the transpose, same cost: a few percent of a synthesis.
//! - `Z*Z`: `⟨P_S û_t, P_S û_t'⟩_w = α α' Σ_n c_t(n) c_t'(n) Re W_n(j − j')` with
//!   `W_n(Δ) = Σ_{m∈S_n} w_m e^{2πi m Δ/M}`; the cosine products become sums and differences of
//!   frequencies, so one table `Y(κ, Δ) = Σ_n e^{2πi κ n/N} Re W_n(Δ)` over `3|K|` values of `κ`
//!   gives every entry. Then one Cholesky factorisation of the `2q × 2q` matrix, once per re-fit.
//! - Memory: `O(q² + N·|J|)`, made once; applying `B` allocates nothing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustfft::num_complex::Complex64;

use crate::error::check_mask;
use crate::transform::zak::Pgbz;
use crate::{Error, Result};

/// Real modes deflated at most (`2q`; the `2q × 2q` factorisation costs `(2q)³/3` flops, ≈ 0.1 s
/// at 1000; measured on the shared recordings in `docs/compress.md`).
pub const MAX_REAL_MODES: usize = 1000;

/// Only eigenvalues above this multiple of the mean are worth deflating (below it the model
/// `c I` is already within the spread CG handles in a few iterations).
const MIN_EIGENVALUE_RATIO: f64 = 4.0;

/// One deflated real mode `û_{k,j,θ}`.
#[derive(Clone, Copy, Debug)]
struct Mode {
    /// Index of `k` in the box `k_lo..k_lo + |K|`.
    kk: usize,
    /// Index of `j` in the box `j_lo..j_lo + |J|`.
    jj: usize,
    /// `θ = π/2` (the sine mode) when true.
    sine: bool,
    /// `α_k`.
    alpha: f64,
}

/// The Zak-domain deflation preconditioner `B` of one PGBZ plan and one kept set (see the
/// module documentation). Built once per re-fit; [`ZakDeflation::apply`] allocates nothing.
pub struct ZakDeflation {
    m: usize,
    n: usize,
    /// The model's constant `c`.
    level: f64,
    /// Kept coefficients per time position: `rows[n]..rows[n + 1]` index `kept_m`.
    rows: Vec<usize>,
    /// Frequency index `m` of each kept coefficient, row by row.
    kept_m: Vec<u32>,
    /// The Zak-time box `J = j_lo..j_lo + nj` (`j_lo` is folded into `exp_mj`) and frequency
    /// box `K = k_lo..k_lo + nk`.
    nj: usize,
    k_lo: usize,
    nk: usize,
    modes: Vec<Mode>,
    /// `e^{2πi t/N}`, `t = 0..N`.
    unit_n: Vec<Complex64>,
    /// `e^{2πi m j/M}` for `m = 0..Mh`, `j ∈ J`: row `m`.
    exp_mj: Vec<Complex64>,
    /// Lower Cholesky factor of `c Δ⁻¹ + Z*Z`, row-major `2q × 2q`.
    factor: Vec<f64>,
    /// Scratch: `P[n, j]` / `R[n, j]` (`N × |J|`), the per-`(k, j)` sums (`|K| × |J|`), and the
    /// coarse vector (`2q`).
    per_row: Vec<Complex64>,
    per_kj: Vec<Complex64>,
    coarse: Vec<f64>,
}

impl ZakDeflation {
    /// The preconditioner of `plan` for the kept set `kept` (half layout, length
    /// [`Pgbz::coef_len`]), deflating at most `max_real_modes` real modes; `None` when no
    /// eigenvalue is worth deflating (tiny lattices).
    pub fn new(plan: &Pgbz, kept: &[bool], max_real_modes: usize) -> Result<Option<Self>> {
        let (m, n) = plan.lattice();
        let (mh, nh) = (plan.half_channels(), n.div_ceil(2));
        check_mask(kept, plan.coef_len(), "coefficients")?;
        let zg = plan.zak_window();
        let eigen = |idx: usize| 1.0 / (m as f64 * zg[idx].norm_sqr());
        // zg[j·Nh + k]: the mean eigenvalue counts k ≥ 1 twice (two real modes).
        let trace: f64 = (0..m * nh)
            .map(|i| {
                if i % nh == 0 {
                    eigen(i)
                } else {
                    2.0 * eigen(i)
                }
            })
            .sum();
        let mean = trace / (m * n) as f64;

        // The largest eigenvalues above the worth-it ratio, at most max_real_modes real modes:
        // a bounded min-heap (no length-L array). λ > 0, so its bits order like its value.
        let limit = max_real_modes / 2;
        let mut heap = BinaryHeap::with_capacity(limit + 1);
        for i in 0..m * nh {
            let lambda = eigen(i);
            if limit > 0 && lambda > MIN_EIGENVALUE_RATIO * mean {
                heap.push(Reverse((lambda.to_bits(), i as u32)));
                if heap.len() > limit {
                    heap.pop();
                }
            }
        }
        let mut order: Vec<(f64, u32)> = heap
            .into_iter()
            .map(|Reverse((bits, i))| (f64::from_bits(bits), i))
            .collect();
        if order.is_empty() {
            return Ok(None);
        }
        order.sort_unstable_by_key(|&(_, i)| i);
        let (mut j_lo, mut j_hi, mut k_lo, mut k_hi) = (usize::MAX, 0, usize::MAX, 0);
        for &(_, i) in &order {
            let (j, k) = (i as usize / nh, i as usize % nh);
            (j_lo, j_hi, k_lo, k_hi) = (j_lo.min(j), j_hi.max(j), k_lo.min(k), k_hi.max(k));
        }
        let (nj, nk) = (j_hi - j_lo + 1, k_hi - k_lo + 1);
        let mut modes = Vec::with_capacity(2 * order.len());
        for &(_, i) in &order {
            let (j, k) = (i as usize / nh, i as usize % nh);
            let (kk, jj) = (k - k_lo, j - j_lo);
            let alpha = if k == 0 {
                (1.0 / (n * m) as f64).sqrt()
            } else {
                (2.0 / (n * m) as f64).sqrt()
            };
            modes.push(Mode {
                kk,
                jj,
                sine: false,
                alpha,
            });
            if k > 0 {
                modes.push(Mode {
                    kk,
                    jj,
                    sine: true,
                    alpha,
                });
            }
        }

        let mut rows = Vec::with_capacity(n + 1);
        let mut kept_m = Vec::new();
        rows.push(0);
        for row in kept.chunks_exact(mh) {
            kept_m.extend((0..mh as u32).filter(|&f| row[f as usize]));
            rows.push(kept_m.len());
        }
        let unit = |len: usize| -> Vec<Complex64> {
            (0..len)
                .map(|t| {
                    Complex64::from_polar(1.0, 2.0 * std::f64::consts::PI * t as f64 / len as f64)
                })
                .collect()
        };
        let unit_n = unit(n);
        let unit_m = unit(m);
        let exp_mj = (0..mh)
            .flat_map(|f| (j_lo..j_lo + nj).map(move |j| (f, j)))
            .map(|(f, j)| unit_m[(f * j) % m])
            .collect();
        // The model's constant: a quarter of the smallest deflated eigenvalue, which is at least
        // the mean since only eigenvalues above 4× the mean are deflated (measured on the shared
        // recordings: anything from 2× the mean to a quarter of the edge converges alike; the
        // mean itself is slower, half the mean much slower).
        let edge = order.iter().map(|o| o.0).fold(f64::INFINITY, f64::min);
        let level = edge / 4.0;
        let mut deltas = Vec::with_capacity(modes.len());
        for &(lambda, i) in &order {
            deltas.push(lambda - level);
            if i as usize % nh != 0 {
                deltas.push(lambda - level);
            }
        }
        let mut deflation = ZakDeflation {
            m,
            n,
            level,
            rows,
            kept_m,
            nj,
            k_lo,
            nk,
            modes,
            unit_n,
            exp_mj,
            factor: Vec::new(),
            per_row: vec![Complex64::default(); n * nj],
            per_kj: vec![Complex64::default(); nk * nj],
            coarse: vec![0.0; deltas.len()],
        };
        deflation.factorize(&deltas, &unit_m)?;
        Ok(Some(deflation))
    }

    /// Real modes deflated (`2q`, fewer when `k = 0` is among them).
    pub fn modes(&self) -> usize {
        self.modes.len()
    }

    /// The model's constant `c` (see the module documentation).
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Builds `c Δ⁻¹ + Z*Z` from the table `Y(κ, Δ)` and stores its lower Cholesky factor.
    fn factorize(&mut self, deltas: &[f64], unit_m: &[Complex64]) -> Result<()> {
        let (m, n, nj, nk) = (self.m, self.n, self.nj, self.nk);
        // Re W_n(Δ) = Σ_{m∈S_n} w_m cos(2π m Δ/M), Δ = 0..|J|, per row n.
        let mut re_w = vec![0.0; n * nj];
        for (row, out) in re_w.chunks_exact_mut(nj).enumerate() {
            for &f in &self.kept_m[self.rows[row]..self.rows[row + 1]] {
                let f = f as usize;
                let w = if f == 0 { 1.0 } else { 2.0 };
                for (d, o) in out.iter_mut().enumerate() {
                    *o += w * unit_m[(f * d) % m].re;
                }
            }
        }
        // Y(κ, Δ) for the differences κ = 0..|K| and the sums κ = 2k_lo..=2k_hi (as s = κ − 2k_lo).
        let sums = 2 * nk - 1;
        let mut y_diff = vec![Complex64::default(); nk * nj];
        let mut y_sum = vec![Complex64::default(); sums * nj];
        for (row, w_row) in re_w.chunks_exact(nj).enumerate() {
            for (kappa, out) in y_diff.chunks_exact_mut(nj).enumerate() {
                let e = self.unit_n[(kappa * row) % n];
                for (o, &w) in out.iter_mut().zip(w_row) {
                    *o += e * w;
                }
            }
            for (s, out) in y_sum.chunks_exact_mut(nj).enumerate() {
                let e = self.unit_n[((2 * self.k_lo + s) * row) % n];
                for (o, &w) in out.iter_mut().zip(w_row) {
                    *o += e * w;
                }
            }
        }
        // Re(e^{iφ} Y) for φ = (θ ∓ θ') ∈ {−π/2, 0, π/2, π} (quarter turns).
        let turn = |y: Complex64, quarters: i32| match quarters.rem_euclid(4) {
            0 => y.re,
            1 => -y.im,
            2 => -y.re,
            _ => y.im,
        };
        let q = self.modes.len();
        let mut matrix = faer::Mat::<f64>::zeros(q, q);
        for (a, ma) in self.modes.iter().enumerate() {
            for (b, mb) in self.modes.iter().enumerate().take(a + 1) {
                let d = ma.jj.abs_diff(mb.jj);
                let (ta, tb) = (i32::from(ma.sine), i32::from(mb.sine));
                // Y(k − k'): conjugate for negative differences (Re W is real).
                let diff = if ma.kk >= mb.kk {
                    y_diff[(ma.kk - mb.kk) * nj + d]
                } else {
                    y_diff[(mb.kk - ma.kk) * nj + d].conj()
                };
                let sum = y_sum[(ma.kk + mb.kk) * nj + d];
                let value = 0.5 * ma.alpha * mb.alpha * (turn(diff, ta - tb) + turn(sum, ta + tb));
                matrix[(a, b)] = value;
                matrix[(b, a)] = value;
            }
            matrix[(a, a)] += self.level / deltas[a];
        }
        let llt = matrix.llt(faer::Side::Lower).map_err(|e| {
            Error::Numerical(format!("re-fit preconditioner: Cholesky failed ({e:?})"))
        })?;
        let l = llt.L();
        self.factor = (0..q)
            .flat_map(|i| (0..q).map(move |j| (i, j)))
            .map(|(i, j)| if j <= i { l[(i, j)] } else { 0.0 })
            .collect();
        Ok(())
    }

    /// Replaces `r` by `B r` and returns `⟨r, B r⟩_w`, in place. `r` holds the kept
    /// coefficients only, in the half layout's order (time position, then channel: entry `i`
    /// is the `i`-th kept coefficient), as the re-fit iterates on them.
    ///
    /// # Panics
    /// If `r` does not hold one value per kept coefficient.
    pub fn apply(&mut self, r: &mut [Complex64]) -> f64 {
        assert_eq!(r.len(), self.kept_m.len(), "one value per kept coefficient");
        let (n, nj) = (self.n, self.nj);
        // P[n, j] = Σ_{m∈S_n} w_m r[n, m] e^{2πi m j/M}
        for (row, p) in self.per_row.chunks_exact_mut(nj).enumerate() {
            p.fill(Complex64::default());
            let kept = self.rows[row]..self.rows[row + 1];
            for (i, &f) in kept.clone().zip(&self.kept_m[kept]) {
                let f = f as usize;
                let w = if f == 0 { 1.0 } else { 2.0 };
                let v = r[i] * w;
                for (o, e) in p.iter_mut().zip(&self.exp_mj[f * nj..(f + 1) * nj]) {
                    *o += v * e;
                }
            }
        }
        // Q[k, j] = Σ_n e^{2πi k n/N} Re P[n, j]
        self.per_kj.fill(Complex64::default());
        for (row, p) in self.per_row.chunks_exact(nj).enumerate() {
            for (kk, q) in self.per_kj.chunks_exact_mut(nj).enumerate() {
                let e = self.unit_n[((self.k_lo + kk) * row) % n];
                for (o, v) in q.iter_mut().zip(p) {
                    *o += e * v.re;
                }
            }
        }
        // b_t = α Σ_n cos(ω n + θ) Re P = α Re Q (θ = 0) or −α Im Q (θ = π/2).
        for (b, mode) in self.coarse.iter_mut().zip(&self.modes) {
            let q = self.per_kj[mode.kk * nj + mode.jj];
            *b = mode.alpha * if mode.sine { -q.im } else { q.re };
        }
        solve_cholesky(&self.factor, &mut self.coarse);
        // R[n, j] = Σ_k α Re((s_cos + i s_sin) e^{iωn}): gather (s_cos + i s_sin)·α per (k, j).
        self.per_kj.fill(Complex64::default());
        for (s, mode) in self.coarse.iter().zip(&self.modes) {
            let slot = &mut self.per_kj[mode.kk * nj + mode.jj];
            if mode.sine {
                slot.im += mode.alpha * s;
            } else {
                slot.re += mode.alpha * s;
            }
        }
        for (row, p) in self.per_row.chunks_exact_mut(nj).enumerate() {
            p.fill(Complex64::default());
            for (kk, q) in self.per_kj.chunks_exact(nj).enumerate() {
                let e = self.unit_n[((self.k_lo + kk) * row) % n];
                for (o, v) in p.iter_mut().zip(q) {
                    o.re += (v * e).re;
                }
            }
        }
        // r ← (r − Z s)/c on the kept set, with (Z s)[n, m] = Σ_j e^{−2πi m j/M} R[n, j]; each
        // entry is read once before it is overwritten (P was taken from all of r above).
        let inv_c = 1.0 / self.level;
        let mut dot = 0.0;
        for (row, p) in self.per_row.chunks_exact(nj).enumerate() {
            let kept = self.rows[row]..self.rows[row + 1];
            for (i, &f) in kept.clone().zip(&self.kept_m[kept]) {
                let f = f as usize;
                let zs: Complex64 = p
                    .iter()
                    .zip(&self.exp_mj[f * nj..(f + 1) * nj])
                    .map(|(v, e)| e.conj() * v.re)
                    .sum();
                let mut out = (r[i] - zs) * inv_c;
                if f == 0 {
                    // m = 0 coefficients are real.
                    out.im = 0.0;
                }
                let w = if f == 0 { 1.0 } else { 2.0 };
                dot += w * (r[i].re * out.re + r[i].im * out.im);
                r[i] = out;
            }
        }
        dot
    }
}

/// Solves `L Lᵀ x = b` in place (`factor` row-major lower triangular, `b.len()` rows).
fn solve_cholesky(factor: &[f64], b: &mut [f64]) {
    let q = b.len();
    for i in 0..q {
        let row = &factor[i * q..i * q + i];
        let s: f64 = row.iter().zip(&b[..i]).map(|(l, x)| l * x).sum();
        b[i] = (b[i] - s) / factor[i * q + i];
    }
    for i in (0..q).rev() {
        let mut s = b[i];
        for j in i + 1..q {
            s -= factor[j * q + i] * b[j];
        }
        b[i] = s / factor[i * q + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `B` applied to `D*D v` for plane waves `v` with every coefficient kept: the deflated
    /// modes come back unchanged (`B = (cI + Σ_T Δ_t û_t û_t*)⁻¹` inverts `H` on them exactly),
    /// the others scaled by `λ/c`. Checks the eigenvalues `1/(M|Zg|²)`, the separable Gram and
    /// both separable products against the plan's own synthesis and adjoint.
    #[test]
    fn deflated_modes_are_inverted_exactly() {
        let (m, n) = (45, 39);
        let plan = Pgbz::with_lattice(m, n, m * n).unwrap();
        let mut scratch = plan.make_scratch();
        let kept = vec![true; plan.coef_len()];
        let all: Vec<usize> = (0..plan.coef_len()).collect();
        let mut b = ZakDeflation::new(&plan, &kept, 40).unwrap().unwrap();
        assert_eq!(b.modes(), 40);
        let (mh, nh) = (plan.half_channels(), n.div_ceil(2));
        let zg = plan.zak_window();
        let lambda = |k: usize, j: usize| 1.0 / (m as f64 * zg[j * nh + k].norm_sqr());
        // The largest eigenvalue (deflated) and the smallest with k ≥ 1 (not deflated).
        let by_lambda =
            |&a: &usize, &c: &usize| lambda(a % nh, a / nh).total_cmp(&lambda(c % nh, c / nh));
        let top = (0..m * nh).max_by(by_lambda).unwrap();
        let low = (0..m * nh)
            .filter(|i| i % nh != 0)
            .min_by(by_lambda)
            .unwrap();
        for (idx, deflated) in [(top, true), (low, false)] {
            let (k, j) = (idx % nh, idx / nh);
            let alpha = (2.0 / (n * m) as f64).sqrt();
            for theta in [0.0, std::f64::consts::FRAC_PI_2] {
                let v: Vec<Complex64> = (0..n * mh)
                    .map(|i| {
                        let (t, f) = (i / mh, i % mh);
                        let phase = -2.0 * std::f64::consts::PI * ((f * j) % m) as f64 / m as f64;
                        let amp = alpha
                            * (2.0 * std::f64::consts::PI * (t * k) as f64 / n as f64 + theta)
                                .cos();
                        let z = Complex64::from_polar(amp, phase);
                        if f == 0 {
                            Complex64::new(z.re, 0.0)
                        } else {
                            z
                        }
                    })
                    .collect();
                assert!((plan.weighted_dot(&all, &v, &v) - 1.0).abs() < 1e-12);
                let mut y = plan.make_signal();
                plan.synthesize(&v, &mut y, &mut scratch).unwrap();
                let mut hv = plan.make_coefficients();
                plan.adjoint(&y, &mut hv, &mut scratch).unwrap();
                let eig = plan.weighted_dot(&all, &v, &hv);
                assert!(
                    (eig / lambda(k, j) - 1.0).abs() < 1e-10,
                    "{eig} vs {}",
                    lambda(k, j)
                );
                let mut out = hv.clone();
                b.apply(&mut out);
                let want = if deflated { 1.0 } else { eig / b.level() };
                let err = out
                    .iter()
                    .zip(&v)
                    .map(|(o, v)| (o - v * want).norm())
                    .fold(0.0, f64::max);
                assert!(
                    err < 1e-9 * want.max(1.0),
                    "({k}, {j}) deflated {deflated}: {err:e}"
                );
            }
        }
    }

    /// On a partial kept set `B` is symmetric and positive definite for `⟨·,·⟩_w` and vanishes
    /// off the kept set.
    #[test]
    fn preconditioner_is_symmetric_positive_on_the_kept_set() {
        let plan = Pgbz::with_lattice(35, 41, 35 * 41).unwrap();
        let kept: Vec<bool> = (0..plan.coef_len()).map(|i| (i * 7919) % 13 < 3).collect();
        let mut b = ZakDeflation::new(&plan, &kept, 60).unwrap().unwrap();
        let vector = |seed: usize| -> Vec<Complex64> {
            (0..plan.coef_len())
                .map(|i| {
                    let t = (i * 31 + seed * 17) as f64;
                    let re = (t * 0.37).sin();
                    let im = if i % plan.half_channels() == 0 {
                        0.0
                    } else {
                        (t * 0.91).cos()
                    };
                    if kept[i] {
                        Complex64::new(re, im)
                    } else {
                        Complex64::default()
                    }
                })
                .collect()
        };
        // B acts on the kept coefficients, in the half layout's order.
        let at: Vec<usize> = (0..plan.coef_len()).filter(|&i| kept[i]).collect();
        let on_kept = |w: &[Complex64]| -> Vec<Complex64> { at.iter().map(|&i| w[i]).collect() };
        let (u, v) = (on_kept(&vector(1)), on_kept(&vector(2)));
        let (mut bu, mut bv) = (u.clone(), v.clone());
        let (ubu, vbv) = (b.apply(&mut bu), b.apply(&mut bv));
        let (ubv, buv) = (
            plan.weighted_dot(&at, &u, &bv),
            plan.weighted_dot(&at, &bu, &v),
        );
        assert!(
            (ubv - buv).abs() < 1e-12 * ubv.abs().max(1.0),
            "{ubv} vs {buv}"
        );
        assert!(ubu > 0.0 && vbv > 0.0);
        assert!((ubu - plan.weighted_dot(&at, &u, &bu)).abs() < 1e-12 * ubu);
    }
}
