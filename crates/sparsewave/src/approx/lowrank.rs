//! Spectrogram low-rank approximation.
//!
//! With A = |STFT(x)| (bins × frames) and φ = arg STFT(x):
//!
//! ```text
//! B = U_k Σ_k V_kᵀ          (rank-k truncated SVD of A, Eckart–Young optimal)
//! B⁺ = max(B, 0)           (a magnitude cannot be negative)
//! G = B⁺ · e^{iφ}          (original phase)   or   Griffin–Lim on B⁺
//! y = ISTFT(G)
//! ```
//!
//! Storage honestly counted: k(m + n + 1) real numbers for U_k, Σ_k, V_k, plus m·n phase values
//! when the original phase is kept — about the size of the input itself, so that with the
//! original phase the method stores ~2× the input for any k (a finding, not a bug).

use super::griffin_lim::{griffin_lim, PhaseInit};
use crate::linalg::dense::{singular_values, truncated_svd, SvdMethod, TruncatedSvd};
use crate::linalg::rank_rule::RankRule;
use crate::transform::stft::{Spectrogram, Stft};
use crate::{Error, Result};
use faer::Mat;
use realfft::num_complex::Complex64;

/// How the phase of the approximated magnitude is obtained.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum PhaseMode {
    /// The input's own phase φ.
    Original,
    /// Griffin–Lim iterations from the given start.
    GriffinLim {
        /// Iterations.
        iters: usize,
        /// The start.
        init: PhaseInit,
    },
}

/// The result of one approximation.
#[derive(Clone, Debug)]
pub struct LowRankOutput {
    /// The approximated signal, the input's length.
    pub signal: Vec<f64>,
    /// The rank used.
    pub rank: usize,
    /// The leading singular values computed (at least `rank` of them).
    pub singular_values: Vec<f64>,
    /// ‖A‖_F², for energy fractions.
    pub total_energy: f64,
    /// ‖A − B‖_F (before clipping negatives): equals sqrt(Σ_{i>k} σ_i²) by Eckart–Young.
    pub frobenius_error: f64,
    /// Real numbers the representation stores.
    pub stored_real_values: usize,
    /// Which SVD algorithm ran.
    pub svd_method: SvdMethod,
    /// Spectrogram shape (bins, frames).
    pub shape: (usize, usize),
}

/// |X| as a bins × frames matrix.
pub fn magnitude_matrix(spec: &Spectrogram) -> Mat<f64> {
    Mat::from_fn(spec.bins, spec.frames, |k, t| {
        spec.data[t * spec.bins + k].norm()
    })
}

/// Choose k from the rule for a spectrogram of `shape`; `all_sv` must hold every singular value
/// for the rules that need them ([`RankRule::needs_all_values`]).
pub fn choose_rank(rule: RankRule, shape: (usize, usize), all_sv: Option<&[f64]>) -> Result<usize> {
    let (m, n) = shape;
    rule.validate(m, n)?;
    let values = match (rule.needs_all_values(), all_sv) {
        (false, _) => &[][..],
        (true, Some(sv)) => sv,
        (true, None) => {
            return Err(Error::Numerical(format!(
                "rank rule {rule:?} needs every singular value of the spectrogram"
            )))
        }
    };
    rule.rank(m, n, values)
}

/// Storage of a rank-k representation: k(m + n + 1), plus m·n for a stored phase.
pub fn stored_real_values(k: usize, shape: (usize, usize), phase: PhaseMode) -> usize {
    let factors = k * (shape.0 + shape.1 + 1);
    match phase {
        PhaseMode::Original => factors + shape.0 * shape.1,
        PhaseMode::GriffinLim { .. } => factors,
    }
}

/// The planned approximation: STFT of the input, SVD of its magnitude.
pub struct LowRankApprox<'a> {
    stft: &'a Stft,
    spec: Spectrogram,
    magnitude: Mat<f64>,
    len: usize,
    total_energy: f64,
    all_sv: Option<Vec<f64>>,
}

impl<'a> LowRankApprox<'a> {
    /// Analyse `x`. `need_all_singular_values` computes the full spectrum (energy rule, plots).
    pub fn new(stft: &'a Stft, x: &[f64], need_all_singular_values: bool) -> Result<Self> {
        let spec = stft.forward(x)?;
        let magnitude = magnitude_matrix(&spec);
        let total_energy = magnitude.squared_norm_l2();
        let all_sv = if need_all_singular_values {
            Some(singular_values(magnitude.as_ref())?)
        } else {
            None
        };
        Ok(LowRankApprox {
            stft,
            spec,
            magnitude,
            len: x.len(),
            total_energy,
            all_sv,
        })
    }

    /// (bins, frames).
    pub fn shape(&self) -> (usize, usize) {
        (self.magnitude.nrows(), self.magnitude.ncols())
    }

    /// All singular values, when they were computed.
    pub fn all_singular_values(&self) -> Option<&[f64]> {
        self.all_sv.as_deref()
    }

    /// The input's spectrogram.
    pub fn spectrogram(&self) -> &Spectrogram {
        &self.spec
    }

    /// Resolve a rank rule against this spectrogram.
    pub fn rank_for(&self, rule: RankRule) -> Result<usize> {
        choose_rank(rule, self.shape(), self.all_sv.as_deref())
    }

    /// The k leading triplets of A.
    pub fn svd(&self, k: usize) -> Result<(TruncatedSvd, SvdMethod)> {
        truncated_svd(self.magnitude.as_ref(), k)
    }

    /// Rebuild the signal from the first `k` triplets of `svd` with the given phase.
    pub fn synthesize(
        &self,
        svd: &TruncatedSvd,
        k: usize,
        phase: PhaseMode,
    ) -> Result<(Vec<f64>, f64)> {
        let b = svd.reconstruct(k);
        let frobenius_error = (&self.magnitude - &b).norm_l2();
        let (bins, frames) = self.shape();
        // Time-major B⁺ = max(B, 0).
        let mut mag = vec![0.0; bins * frames];
        for t in 0..frames {
            for f in 0..bins {
                mag[t * bins + f] = b[(f, t)].max(0.0);
            }
        }
        let signal = match phase {
            PhaseMode::Original => {
                let data = self
                    .spec
                    .data
                    .iter()
                    .zip(&mag)
                    .map(|(c, &m)| {
                        let n = c.norm();
                        if n > 0.0 {
                            c * (m / n)
                        } else {
                            Complex64::new(m, 0.0)
                        }
                    })
                    .collect();
                let g = Spectrogram { frames, bins, data };
                self.stft.inverse(&g, self.len)?
            }
            PhaseMode::GriffinLim { iters, init } => griffin_lim(
                self.stft,
                &mag,
                frames,
                self.len,
                iters,
                init,
                Some(&self.spec),
            )?,
        };
        Ok((signal, frobenius_error))
    }

    /// Approximate with the rank `rule` and `phase`.
    pub fn run(&self, rule: RankRule, phase: PhaseMode) -> Result<LowRankOutput> {
        let k = self.rank_for(rule)?;
        let (svd, svd_method) = self.svd(k)?;
        let (signal, frobenius_error) = self.synthesize(&svd, k, phase)?;
        Ok(LowRankOutput {
            signal,
            rank: k,
            singular_values: self.all_sv.clone().unwrap_or_else(|| svd.s.clone()),
            total_energy: self.total_energy,
            frobenius_error,
            stored_real_values: stored_real_values(k, self.shape(), phase),
            svd_method,
            shape: self.shape(),
        })
    }

    /// ‖A‖_F².
    pub fn total_energy(&self) -> f64 {
        self.total_energy
    }
}
