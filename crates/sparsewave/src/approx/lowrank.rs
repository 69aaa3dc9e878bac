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
use crate::transform::stft::{magnitude, Spectrogram, Stft};
use crate::{Error, Result};
use faer::{Mat, MatRef};
use rayon::prelude::*;
use realfft::num_complex::Complex64;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// |X| as a bins × frames matrix, from a spectrogram already at hand.
pub fn magnitude_matrix(spec: &Spectrogram) -> Mat<f64> {
    Mat::from_fn(spec.bins, spec.frames, |k, t| {
        magnitude(spec.data[t * spec.bins + k])
    })
}

/// A = |STFT(x)| as a bins × frames matrix, each column made from its frame as it is
/// transformed (frames in parallel): the same values as `magnitude_matrix(&stft.forward(x)?)`
/// without the complex spectrogram (16 bytes per bin and frame) ever being held.
pub fn signal_magnitude_matrix(stft: &Stft, x: &[f64]) -> Result<MagnitudeMatrix> {
    if x.is_empty() {
        return Err(Error::param("signal", "is empty"));
    }
    let (bins, frames) = (stft.bins(), stft.frame_count(x.len()));
    crate::memory::check(
        || {
            format!(
                "the magnitude spectrogram of {} samples ({frames} frames × {bins} bins)",
                x.len()
            )
        },
        8.0 * frames as f64 * bins as f64,
    )?;
    // A zeroed `Vec` comes from fresh pages without a pass over them (`faer::Mat::zeros` writes
    // its 8·bins·frames bytes on one thread first), so the pages are first touched by the
    // parallel fill below.
    let mut data = vec![0.0; bins * frames];
    data.par_chunks_exact_mut(bins).enumerate().for_each_init(
        || (stft.frame_scratch(), vec![Complex64::default(); bins]),
        |(scratch, frame), (t, column)| {
            stft.forward_frame(x, t, scratch, frame);
            for (a, c) in column.iter_mut().zip(frame.iter()) {
                *a = magnitude(*c);
            }
        },
    );
    Ok(MagnitudeMatrix { data, bins, frames })
}

/// A bins × frames magnitude spectrogram, column-major (one frame per column).
pub struct MagnitudeMatrix {
    data: Vec<f64>,
    bins: usize,
    frames: usize,
}

impl MagnitudeMatrix {
    /// The matrix as a faer view.
    pub fn as_ref(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.data, self.bins, self.frames)
    }

    /// Frame `t`'s `bins` magnitudes.
    pub fn column(&self, t: usize) -> &[f64] {
        &self.data[t * self.bins..(t + 1) * self.bins]
    }
}

/// The rank-k model B = U_k Σ_k V_kᵀ, laid out to make one frame (column) at a time:
/// B[f, t] = Σ_j U[f, j] · c[t, j] with c[t, j] = σ_j V[t, j]. A frame costs k·bins
/// multiply–adds, and the bins × frames matrix B is never formed.
struct FrameModel {
    k: usize,
    bins: usize,
    /// U_k column-major (k columns of `bins`), so that a frame is k passes of `out += c·u`
    /// over contiguous columns, which vectorise across bins.
    u_columns: Vec<f64>,
    /// Σ_k V_kᵀ column-major, i.e. (frames × k) row-major.
    coeffs: Vec<f64>,
}

impl FrameModel {
    fn new(svd: &TruncatedSvd, k: usize) -> Self {
        let k = k.min(svd.rank());
        let (bins, frames) = (svd.u.nrows(), svd.v.nrows());
        let u_columns = (0..k)
            .flat_map(|j| (0..bins).map(move |f| svd.u[(f, j)]))
            .collect();
        let coeffs = (0..frames)
            .flat_map(|t| (0..k).map(move |j| svd.s[j] * svd.v[(t, j)]))
            .collect();
        FrameModel {
            k,
            bins,
            u_columns,
            coeffs,
        }
    }

    /// `out[f] = B[f, t]` for every bin f of frame t. Each bin's sum runs over j in order from
    /// −0.0 (as `Iterator::sum` does), so the values do not depend on the layout.
    fn frame(&self, t: usize, out: &mut [f64]) {
        let c = &self.coeffs[t * self.k..(t + 1) * self.k];
        out.fill(-0.0);
        for (u, &c) in self.u_columns.chunks_exact(self.bins).zip(c) {
            for (o, u) in out.iter_mut().zip(u) {
                *o += u * c;
            }
        }
    }
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
///
/// Memory: the magnitude A (8 bytes per bin and frame), made frame by frame; the phase is
/// recomputed frame by frame when the signal is synthesized (one more forward STFT instead of
/// keeping the spectrogram).
pub struct LowRankApprox<'a> {
    stft: &'a Stft,
    x: &'a [f64],
    magnitude: MagnitudeMatrix,
    total_energy: f64,
    all_sv: Option<Vec<f64>>,
}

impl<'a> LowRankApprox<'a> {
    /// Analyse `x`. `need_all_singular_values` computes the full spectrum (energy rule, plots).
    pub fn new(stft: &'a Stft, x: &'a [f64], need_all_singular_values: bool) -> Result<Self> {
        let magnitude = signal_magnitude_matrix(stft, x)?;
        let total_energy = magnitude.as_ref().squared_norm_l2();
        let all_sv = if need_all_singular_values {
            Some(singular_values(magnitude.as_ref())?)
        } else {
            None
        };
        Ok(LowRankApprox {
            stft,
            x,
            magnitude,
            total_energy,
            all_sv,
        })
    }

    /// (bins, frames).
    pub fn shape(&self) -> (usize, usize) {
        (self.magnitude.bins, self.magnitude.frames)
    }

    /// All singular values, when they were computed.
    pub fn all_singular_values(&self) -> Option<&[f64]> {
        self.all_sv.as_deref()
    }

    /// Resolve a rank rule against this spectrogram.
    pub fn rank_for(&self, rule: RankRule) -> Result<usize> {
        choose_rank(rule, self.shape(), self.all_sv.as_deref())
    }

    /// The k leading triplets of A.
    pub fn svd(&self, k: usize) -> Result<(TruncatedSvd, SvdMethod)> {
        truncated_svd(self.magnitude.as_ref(), k)
    }

    /// Rebuild the signal from the first `k` triplets of `svd` with the given phase; also
    /// returns ‖A − B‖_F (before clipping negatives). Frames are made on demand from the
    /// factors, in parallel: no bins × frames matrix beyond the input's own spectrogram.
    pub fn synthesize(
        &self,
        svd: &TruncatedSvd,
        k: usize,
        phase: PhaseMode,
    ) -> Result<(Vec<f64>, f64)> {
        let model = FrameModel::new(svd, k);
        let (bins, frames) = self.shape();
        // ‖A − B‖_F² per frame, summed in frame order at the end: with the original phase the
        // synthesis makes every frame of B once and measures it on the way.
        let frame_errors: Vec<AtomicU64> = (0..frames).map(|_| AtomicU64::new(0)).collect();
        let measure = |t: usize, b: &[f64]| {
            let a = self.magnitude.column(t);
            let sum = b.iter().zip(a.iter()).fold(0.0, |sum, (b, a)| {
                let d = a - b;
                sum + d * d
            });
            frame_errors[t].store(sum.to_bits(), Ordering::Relaxed);
        };
        let signal = match phase {
            PhaseMode::Original => {
                let stft = self.stft;
                // G[f, t] = max(B[f, t], 0) · X[f, t] / |X[f, t]| (B⁺ where X is 0).
                stft.inverse_with(
                    frames,
                    self.x.len(),
                    || {
                        (
                            stft.frame_scratch(),
                            vec![Complex64::default(); bins],
                            vec![0.0; bins],
                        )
                    },
                    |(scratch, x, b), t, out| {
                        stft.forward_frame(self.x, t, scratch, x);
                        model.frame(t, b);
                        measure(t, b);
                        for ((out, &x), &b) in out.iter_mut().zip(x.iter()).zip(b.iter()) {
                            let m = b.max(0.0);
                            let n = magnitude(x);
                            *out = if n > 0.0 {
                                x * (m / n)
                            } else {
                                Complex64::new(m, 0.0)
                            };
                        }
                    },
                )
            }
            PhaseMode::GriffinLim { iters, init } => {
                // Time-major B⁺ = max(B, 0).
                let mut mag = vec![0.0; bins * frames];
                mag.par_chunks_mut(bins).enumerate().for_each(|(t, col)| {
                    model.frame(t, col);
                    measure(t, col);
                    col.iter_mut().for_each(|b| *b = b.max(0.0));
                });
                let phase_source = match init {
                    PhaseInit::Given => Some(self.stft.forward(self.x)?),
                    _ => None,
                };
                griffin_lim(
                    self.stft,
                    &mag,
                    frames,
                    self.x.len(),
                    iters,
                    init,
                    phase_source.as_ref(),
                )?
            }
        };
        let frobenius_error = frame_errors
            .iter()
            .map(|e| f64::from_bits(e.load(Ordering::Relaxed)))
            .sum::<f64>()
            .sqrt();
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
