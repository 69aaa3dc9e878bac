//! How many singular triplets a truncated SVD keeps: one rule type for the spectrogram SVD
//! (`approx`) and the WSVD windows (`denoise`).
//!
//! For a `p × q` matrix with singular values `s` (descending):
//! - [`RankRule::Ratio`]: `r = ⌈ratio·q⌉` computed from the f64 product (so `0.3·101 =
//!   30.299999999999997` gives 31), clamped to `[1, min(p, q)]` — the WSVD paper's "ratio of
//!   singular values";
//! - [`RankRule::Fixed`]: `r` itself;
//! - [`RankRule::Aic`], [`RankRule::Mdl`]: the Wax–Kailath information criteria;
//! - [`RankRule::Energy`]: the smallest `r` keeping a fraction `F` of `Σ s²`;
//! - [`RankRule::Optimal`]: the Gavish–Donoho optimal hard threshold for white noise of a
//!   known standard deviation σ: keep the singular values above `τ = λ*(β)·√n·σ`, `β = m/n`
//!   (`m = min(p, q)`, `n = max(p, q)`), with
//!   `λ*(β) = √(2(β + 1) + 8β / ((β + 1) + √(β² + 14β + 1)))` ([`optimal_threshold_coefficient`];
//!   Gavish & Donoho, "The optimal hard threshold for singular values is 4/√3", 2014). The
//!   threshold is optimal (asymptotically, in mean squared error) for a matrix with i.i.d.
//!   noise entries; a Hankel matrix repeats each noise sample along an anti-diagonal, so for
//!   WSVD it is a principled level rather than an optimum.
//!
//! The information criteria, the energy rule and the optimal threshold need every singular
//! value of the window; the ratio and fixed rules need none. Only the optimal threshold needs
//! the noise level ([`RankRule::needs_noise`], [`RankRule::rank_with_noise`]).

use crate::{Error, Result};

/// A rank rule. See the module documentation for the formulas.
///
/// Serialises as `{"ratio": R}`, `{"rank": K}`, `"aic"`, `"mdl"`, `{"energy": F}` or
/// `"optimal"`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RankRule {
    /// `r = ⌈ratio·q⌉`, `ratio ∈ (0, 1]`.
    Ratio(f64),
    /// A fixed rank `1 ≤ r ≤ min(p, q)`.
    #[serde(rename = "rank")]
    Fixed(usize),
    /// Akaike information criterion (Wax–Kailath).
    Aic,
    /// Minimum description length (Wax–Kailath).
    Mdl,
    /// Smallest `r` with `Σ_{i<r} s_i² ≥ F·Σ_i s_i²`, `F ∈ (0, 1]`.
    Energy(f64),
    /// Gavish–Donoho optimal hard threshold at the noise level (module documentation).
    Optimal,
}

impl RankRule {
    /// Whether the rule needs all singular values of the window.
    pub fn needs_all_values(&self) -> bool {
        matches!(
            self,
            RankRule::Aic | RankRule::Mdl | RankRule::Energy(_) | RankRule::Optimal
        )
    }

    /// Whether the rule needs the noise standard deviation ([`RankRule::rank_with_noise`]).
    pub fn needs_noise(&self) -> bool {
        matches!(self, RankRule::Optimal)
    }

    /// Checks the rule's parameter against a `p × q` matrix.
    pub fn validate(&self, p: usize, q: usize) -> Result<()> {
        match *self {
            RankRule::Ratio(ratio) if !(ratio > 0.0 && ratio <= 1.0) => Err(Error::param(
                "ratio",
                format!("rank ratio must be in (0, 1], got {ratio}"),
            )),
            RankRule::Fixed(r) if r == 0 || r > p.min(q) => Err(Error::param(
                "rank",
                format!("{r} is outside 1..={} for a {p}×{q} matrix", p.min(q)),
            )),
            RankRule::Energy(f) if !(f > 0.0 && f <= 1.0) => Err(Error::param(
                "energy",
                format!("energy fraction must be in (0, 1], got {f}"),
            )),
            _ => Ok(()),
        }
    }

    /// The rank for a `p × q` matrix, in `[1, min(p, q)]`. `values` are the singular values
    /// (descending, `min(p, q)` of them) and are only read by the rules that need them
    /// ([`RankRule::needs_all_values`]); pass `&[]` otherwise.
    ///
    /// A [`RankRule::Fixed`] rank larger than the matrix allows is clamped to it (a short tail
    /// window of WSVD); call [`RankRule::validate`] first to refuse it instead.
    ///
    /// Errors: wrong number of values; [`RankRule::Optimal`], which needs the noise level
    /// ([`RankRule::rank_with_noise`]).
    pub fn rank(&self, p: usize, q: usize, values: &[f64]) -> Result<usize> {
        self.rank_with_noise(p, q, values, None)
    }

    /// [`RankRule::rank`] with the standard deviation `sigma` of the matrix's noise entries,
    /// which [`RankRule::Optimal`] needs (finite, `≥ 0`) and the other rules ignore.
    pub fn rank_with_noise(
        &self,
        p: usize,
        q: usize,
        values: &[f64],
        sigma: Option<f64>,
    ) -> Result<usize> {
        let m = p.min(q);
        if m == 0 {
            return Err(Error::param("window", "empty window"));
        }
        if self.needs_all_values() && values.len() != m {
            return Err(Error::param(
                "singular values",
                format!(
                    "rule {self:?} needs all {m} singular values, got {}",
                    values.len()
                ),
            ));
        }
        let r = match *self {
            RankRule::Ratio(ratio) => rank_from_ratio(ratio, q),
            RankRule::Fixed(r) => r,
            RankRule::Aic => information_rank(values, p.max(q), Information::Aic),
            RankRule::Mdl => information_rank(values, p.max(q), Information::Mdl),
            RankRule::Energy(f) => energy_rank(values, f),
            RankRule::Optimal => {
                let sigma = match sigma {
                    Some(s) if s.is_finite() && s >= 0.0 => s,
                    Some(s) => {
                        return Err(Error::param(
                            "noise",
                            format!("the noise level must be finite and ≥ 0, got {s}"),
                        ))
                    }
                    None => {
                        return Err(Error::param(
                            "rank_rule",
                            "the optimal rank rule needs the noise level",
                        ))
                    }
                };
                let tau = optimal_threshold(p, q, sigma);
                values.iter().take_while(|&&s| s > tau).count()
            }
        };
        Ok(r.clamp(1, m))
    }
}

/// The Gavish–Donoho coefficient `λ*(β) = √(2(β + 1) + 8β / ((β + 1) + √(β² + 14β + 1)))`
/// for an aspect ratio `β = m/n ∈ (0, 1]`: the optimal hard threshold for the singular values
/// of an `m × n` matrix with i.i.d. noise of standard deviation σ is `λ*(β)·√n·σ`
/// (`λ*(1) = 4/√3`).
pub fn optimal_threshold_coefficient(beta: f64) -> f64 {
    let b1 = beta + 1.0;
    (2.0 * b1 + 8.0 * beta / (b1 + (beta * beta + 14.0 * beta + 1.0).sqrt())).sqrt()
}

/// The Gavish–Donoho hard threshold `τ = λ*(β)·√n·σ` on the singular values of a `p × q`
/// matrix with i.i.d. noise of standard deviation `sigma` (`m = min(p, q)`, `n = max(p, q)`,
/// `β = m/n`, [`optimal_threshold_coefficient`]): [`RankRule::Optimal`] keeps the values `> τ`.
pub fn optimal_threshold(p: usize, q: usize, sigma: f64) -> f64 {
    let (m, n) = (p.min(q), p.max(q));
    optimal_threshold_coefficient(m as f64 / n as f64) * (n as f64).sqrt() * sigma
}

/// `⌈ratio·q⌉` from the f64 product (not clamped).
pub fn rank_from_ratio(ratio: f64, q: usize) -> usize {
    (ratio * q as f64).ceil() as usize
}

crate::choice::choice! {
    /// A rank rule that takes no parameter: a Wax–Kailath information criterion or the
    /// Gavish–Donoho optimal threshold at the (estimated) noise level.
    pub enum Criterion: "rank_rule" {
        /// Akaike information criterion.
        Aic = "aic",
        /// Minimum description length.
        Mdl = "mdl",
        /// Gavish–Donoho optimal hard threshold ([`RankRule::Optimal`]).
        Optimal = "optimal" | "gavish-donoho",
    }
}

impl From<Criterion> for RankRule {
    fn from(criterion: Criterion) -> Self {
        match criterion {
            Criterion::Aic => RankRule::Aic,
            Criterion::Mdl => RankRule::Mdl,
            Criterion::Optimal => RankRule::Optimal,
        }
    }
}

/// The two Wax–Kailath criteria.
#[derive(Clone, Copy)]
enum Information {
    Aic,
    Mdl,
}

/// Wax–Kailath: with `λ = s²`, `m = λ.len()`, `N` snapshots and `G_k`, `A_k` the geometric and
/// arithmetic means of `λ[k..]`,
///
/// ```text
/// AIC(k) = −2·N·(m − k)·log(G_k / A_k) + 2k(2m − k)
/// MDL(k) = −N·(m − k)·log(G_k / A_k) + ½·k(2m − k)·log N
/// ```
///
/// for `k = 0 .. m − 1`; returns `max(argmin, 1)`. Tails that are all zero fit perfectly
/// (log-ratio term 0); tails with some zeros but not all have `G = 0` and are never chosen.
/// Ties go to the smallest k.
fn information_rank(values: &[f64], snapshots: usize, criterion: Information) -> usize {
    let m = values.len();
    let n = snapshots as f64;
    // Suffix sums from the smallest value up, for accuracy.
    let mut sum = 0.0;
    let mut log_sum = 0.0;
    let mut zeros = 0usize;
    let mut best = (f64::INFINITY, 0usize);
    for k in (0..m).rev() {
        let lambda = values[k] * values[k];
        sum += lambda;
        if lambda > 0.0 {
            log_sum += lambda.ln();
        } else {
            zeros += 1;
        }
        let len = (m - k) as f64;
        let log_ratio = if sum == 0.0 {
            0.0
        } else if zeros > 0 {
            f64::NEG_INFINITY
        } else {
            log_sum / len - (sum / len).ln()
        };
        let kf = k as f64;
        let penalty = kf * (2.0 * m as f64 - kf);
        let score = match criterion {
            Information::Aic => -2.0 * n * len * log_ratio + 2.0 * penalty,
            Information::Mdl => -n * len * log_ratio + 0.5 * penalty * n.ln(),
        };
        if score <= best.0 {
            best = (score, k);
        }
    }
    best.1.max(1)
}

/// Smallest `r ≥ 1` with `Σ_{i<r} s_i² ≥ F·Σ s_i²` (up to a relative 1e-12, so that `F = 1`
/// is not defeated by the round-off of the partial sums).
fn energy_rank(values: &[f64], fraction: f64) -> usize {
    let total: f64 = values.iter().map(|s| s * s).sum();
    let target = fraction * total * (1.0 - 1e-12);
    let mut acc = 0.0;
    for (i, s) in values.iter().enumerate() {
        acc += s * s;
        if acc >= target {
            return i + 1;
        }
    }
    values.len()
}

/// Wax–Kailath AIC rank of singular values `values` with `snapshots` observations.
pub fn aic_rank(values: &[f64], snapshots: usize) -> usize {
    information_rank(values, snapshots, Information::Aic)
}

/// Wax–Kailath MDL rank of singular values `values` with `snapshots` observations.
pub fn mdl_rank(values: &[f64], snapshots: usize) -> usize {
    information_rank(values, snapshots, Information::Mdl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_examples_from_the_method_notes() {
        let r = |w: usize, ratio: f64| {
            let (p, q) = crate::linalg::hankel::hankel_dims(w);
            RankRule::Ratio(ratio).rank(p, q, &[]).unwrap()
        };
        assert_eq!(0.3 * 101.0, 30.299999999999997);
        assert_eq!(r(200, 0.1), 11);
        assert_eq!(r(200, 0.3), 31);
        assert_eq!(r(200, 0.05), 6);
        assert_eq!(r(150, 0.08), 7);
        assert_eq!(r(100, 0.12), 7);
        assert_eq!(r(100, 0.01), 1);
        assert_eq!(r(1000, 0.1), 51);
    }

    #[test]
    fn optimal_threshold_closed_forms() {
        // Gavish & Donoho: 4/√3 for square matrices, √2 in the limit β → 0.
        assert!((optimal_threshold_coefficient(1.0) - 4.0 / 3f64.sqrt()).abs() < 1e-15);
        assert!((optimal_threshold_coefficient(1e-12) - 2f64.sqrt()).abs() < 1e-9);
        // Increasing in β between the two.
        let c: Vec<f64> = (1..=10)
            .map(|i| optimal_threshold_coefficient(i as f64 / 10.0))
            .collect();
        assert!(c.windows(2).all(|w| w[0] < w[1]));
        // Counting: τ = (4/√3)·√4·1 = 4.6188 for a 4 × 4 matrix with σ = 1.
        let rule = RankRule::Optimal;
        assert_eq!(
            rule.rank_with_noise(4, 4, &[9.0, 4.7, 4.6, 1.0], Some(1.0))
                .unwrap(),
            2
        );
        assert_eq!(
            rule.rank_with_noise(4, 4, &[1.0, 0.5, 0.2, 0.1], Some(1.0))
                .unwrap(),
            1
        );
        assert!(rule.rank(4, 4, &[1.0, 0.5, 0.2, 0.1]).is_err());
        assert!(rule
            .rank_with_noise(4, 4, &[1.0; 4], Some(f64::NAN))
            .is_err());
    }
}
