//! Least-squares re-fit of the kept coefficients (the Genossar–Porat correction) by CGLS.
//!
//! Thresholding a non-orthogonal expansion and synthesising with the dual frame is not the best
//! approximation from the kept atoms. With `D` the synthesis operator, `S` the kept set and `P_S`
//! the restriction to it, the re-fit solves
//!
//! ```text
//! minimise ‖x − D P_S c‖₂   over c,
//! ```
//!
//! by CGLS (conjugate gradients on the normal equations `P_S D* D P_S c = P_S D* x`), starting from
//! the thresholded analysis coefficients. One iteration costs one synthesis and one adjoint. The
//! coefficient space carries the frame's weighted inner product ([`Frame::weight`]) and `D*` must be
//! the adjoint for it, so the iteration is CG in that Hilbert space.
//!
//! A frame may supply a [`Preconditioner`] `B ≈ (P_S D* D P_S)⁻¹` for its kept set
//! ([`Frame::preconditioner`]); the iteration is then preconditioned CG on the normal equations
//! (same solution, fewer iterations). PGBZ's is the Zak-domain deflation of
//! [`super::deflation`]; [`PgbzFrame::plain`] runs without it.

use rustfft::num_complex::Complex64;

use super::deflation::{ZakDeflation, MAX_REAL_MODES};
use crate::transform::zak::{Pgbz, PgbzScratch};
use crate::{Error, Result};

/// An approximate inverse `B` of the restricted normal operator `P_S D* D P_S`, symmetric
/// positive definite for the frame's weighted inner product.
pub trait Preconditioner {
    /// Replaces `v` (the kept coefficients, in the frame's order: entry `i` is the `i`-th kept
    /// coefficient) by `B v` and returns `⟨v, B v⟩_w`.
    fn apply(&mut self, v: &mut [Complex64]) -> f64;
}

impl Preconditioner for ZakDeflation {
    fn apply(&mut self, v: &mut [Complex64]) -> f64 {
        ZakDeflation::apply(self, v)
    }
}

/// A synthesis operator from (complex, weighted) coefficients to real signals, with its adjoint.
///
/// Real-coefficient frames (e.g. a DWT) use `im = 0` and unit weights.
pub trait Frame {
    /// Length of a synthesised signal.
    fn output_len(&self) -> usize;
    /// Number of stored coefficients.
    fn coef_len(&self) -> usize;
    /// `signal = D coefs` (`signal.len() == output_len()`).
    fn synthesize(&mut self, coefs: &[Complex64], signal: &mut [f64]) -> Result<()>;
    /// `coefs = D* signal`, the adjoint for the inner product `⟨u, v⟩_w = Re Σ w_i conj(u_i) v_i`.
    fn adjoint(&mut self, signal: &[f64], coefs: &mut [Complex64]) -> Result<()>;
    /// Weight `w_i` of stored coefficient `i` in the coefficient inner product.
    fn weight(&self, index: usize) -> f64;
    /// `⟨u, v⟩_w` of two vectors given on the coefficients `at` (ascending: entry `i` is
    /// coefficient `at[i]`); override when the weights have structure that makes this faster.
    fn dot(&self, at: &[usize], u: &[Complex64], v: &[Complex64]) -> f64 {
        at.iter()
            .zip(u.iter().zip(v))
            .map(|(&i, (a, b))| self.weight(i) * (a.re * b.re + a.im * b.im))
            .sum()
    }
    /// A preconditioner for the kept set `kept`, or `None` (plain CGLS; the default).
    fn preconditioner(&self, kept: &[bool]) -> Result<Option<Box<dyn Preconditioner>>> {
        let _ = kept;
        Ok(None)
    }
}

/// A shared PGBZ plan with the scratch its transforms run in: PGBZ as a [`Frame`].
pub struct PgbzFrame<'a> {
    plan: &'a Pgbz,
    scratch: &'a mut PgbzScratch,
    /// Real modes of the Zak-domain deflation preconditioner (0: none).
    deflation_modes: usize,
}

impl<'a> PgbzFrame<'a> {
    /// The frame of `plan`, running in `scratch` (from [`Pgbz::make_scratch`]), with the
    /// Zak-domain deflation preconditioner ([`ZakDeflation`], at most [`MAX_REAL_MODES`] modes).
    pub fn new(plan: &'a Pgbz, scratch: &'a mut PgbzScratch) -> Self {
        Self::with_deflation(plan, scratch, MAX_REAL_MODES)
    }

    /// The frame without a preconditioner: the re-fit runs plain CGLS.
    pub fn plain(plan: &'a Pgbz, scratch: &'a mut PgbzScratch) -> Self {
        Self::with_deflation(plan, scratch, 0)
    }

    /// The frame with a deflation preconditioner of at most `modes` real modes (0: none).
    pub fn with_deflation(plan: &'a Pgbz, scratch: &'a mut PgbzScratch, modes: usize) -> Self {
        PgbzFrame {
            plan,
            scratch,
            deflation_modes: modes,
        }
    }
}

/// PGBZ as a frame: synthesis with the dual window on the padded length `L`, half-layout
/// coefficients weighted 1 (`m = 0`) and 2 (`m ≥ 1`).
impl Frame for PgbzFrame<'_> {
    fn output_len(&self) -> usize {
        self.plan.padded_len()
    }
    fn coef_len(&self) -> usize {
        self.plan.coef_len()
    }
    fn synthesize(&mut self, coefs: &[Complex64], signal: &mut [f64]) -> Result<()> {
        self.plan.synthesize(coefs, signal, self.scratch)
    }
    fn adjoint(&mut self, signal: &[f64], coefs: &mut [Complex64]) -> Result<()> {
        self.plan.adjoint(signal, coefs, self.scratch)
    }
    fn weight(&self, index: usize) -> f64 {
        f64::from(Pgbz::cost(index % self.plan.half_channels()))
    }
    fn dot(&self, at: &[usize], u: &[Complex64], v: &[Complex64]) -> f64 {
        self.plan.weighted_dot(at, u, v)
    }
    fn preconditioner(&self, kept: &[bool]) -> Result<Option<Box<dyn Preconditioner>>> {
        if self.deflation_modes == 0 {
            return Ok(None);
        }
        Ok(ZakDeflation::new(self.plan, kept, self.deflation_modes)?
            .map(|d| Box::new(d) as Box<dyn Preconditioner>))
    }
}

/// When to stop the CGLS iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RefitOptions {
    /// Upper bound on iterations (each = one synthesis + one adjoint).
    pub max_iterations: usize,
    /// Stop once `‖P_S D* r_k‖_w ≤ tolerance · ‖P_S D* r_0‖_w` (relative normal-equation residual).
    pub tolerance: f64,
}

impl Default for RefitOptions {
    /// [`RefitOptions::DEFAULT_ITERATIONS`] iterations, tolerance 1e-6.
    fn default() -> Self {
        RefitOptions {
            max_iterations: Self::DEFAULT_ITERATIONS,
            tolerance: 1e-6,
        }
    }
}

impl RefitOptions {
    /// The default iteration cap, 8: with PGBZ's deflation preconditioner ([`PgbzFrame::new`]),
    /// 8 iterations reach at least the SNR of 30 plain CGLS iterations (the default before the
    /// preconditioner) on every shared recording at 4 % kept (`docs/compress.md`); 6 fall short
    /// by up to 0.01 dB.
    pub const DEFAULT_ITERATIONS: usize = 8;
}

/// What the re-fit did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RefitReport {
    /// Iterations run.
    pub iterations: usize,
    /// True when the tolerance was reached (false: stopped at `max_iterations`).
    pub converged: bool,
    /// Final `‖P_S D* r‖_w / ‖P_S D* r_0‖_w`.
    pub relative_residual: f64,
    /// SNR (dB) of the thresholded reconstruction `D P_S c0` against the target.
    pub snr_before_db: f64,
    /// SNR (dB) of the re-fitted reconstruction.
    pub snr_after_db: f64,
    /// `snr_after_db − snr_before_db`.
    pub gain_db: f64,
}

/// Re-fits the kept coefficients by CGLS.
///
/// - `target`: the signal `x` (at most `frame.output_len()` samples, zero-padded to it; the
///   least-squares problem is over the whole padded length, SNRs over `target.len()` samples).
/// - `kept`: the kept set `S` (length `frame.coef_len()`).
/// - `coefs`: on entry the starting coefficients (entries outside `S` are ignored and zeroed);
///   on exit the re-fitted ones (after an error, unspecified: it also carries the iteration's
///   synthesis inputs).
/// - `reconstruction`: receives `D P_S c` for the final `c` (length `frame.output_len()`).
///
/// With a preconditioner `B` ([`Frame::preconditioner`]) this is preconditioned CG on the
/// normal equations (`z = B s`, `ρ = ⟨s, z⟩_w`, `α = ρ/‖D p‖²`, `p ← z + (ρ'/ρ) p`); without one,
/// plain CGLS. The stopping rule is the same either way (`‖s‖_w` relative to its start).
///
/// Allocates one coefficient-sized vector, three vectors of |S| coefficients and two
/// signal-sized work vectors per call, plus the preconditioner's own set-up
/// (`O(q² + N·|J|)`, see [`super::deflation`]); none per iteration.
pub fn refit<F: Frame>(
    frame: &mut F,
    target: &[f64],
    kept: &[bool],
    coefs: &mut [Complex64],
    reconstruction: &mut [f64],
    options: &RefitOptions,
) -> Result<RefitReport> {
    let (len, coef_len) = (frame.output_len(), frame.coef_len());
    validate(target, kept, coefs, reconstruction, options, len, coef_len)?;
    // The iteration's coefficient vectors live on S (`at`, ascending): |S| entries instead of
    // the frame's coefficient length, a few per cent at the usual keep fractions. `coefs`
    // stays zero outside S and carries each synthesis input on S.
    let at: Vec<usize> = (0..coef_len).filter(|&i| kept[i]).collect();
    for (c, &k) in coefs.iter_mut().zip(kept) {
        if !k {
            *c = Complex64::default();
        }
    }
    let gather = |dense: &[Complex64], on_s: &mut [Complex64]| {
        for (v, &i) in on_s.iter_mut().zip(&at) {
            *v = dense[i];
        }
    };
    let scatter = |on_s: &[Complex64], dense: &mut [Complex64]| {
        for (v, &i) in on_s.iter().zip(&at) {
            dense[i] = *v;
        }
    };
    let mut fitted = vec![Complex64::default(); at.len()];
    gather(coefs, &mut fitted);

    // r = x − D c
    let mut residual = vec![0.0; len];
    frame.synthesize(coefs, reconstruction)?;
    for (i, (r, &y)) in residual.iter_mut().zip(reconstruction.iter()).enumerate() {
        *r = target.get(i).copied().unwrap_or(0.0) - y;
    }
    let snr_before_db = snr_db(target, reconstruction);

    // s = P_S D* r, z = B s, p = z. With a preconditioner `gradient` holds z after each step
    // (B is applied in place) and γ = ‖s‖²_w is taken before.
    let mut preconditioner = frame.preconditioner(kept)?;
    let mut adjoint = vec![Complex64::default(); coef_len];
    let mut gradient = vec![Complex64::default(); at.len()];
    frame.adjoint(&residual, &mut adjoint)?;
    gather(&adjoint, &mut gradient);
    let gamma0 = frame.dot(&at, &gradient, &gradient);
    let mut gamma = gamma0;
    // ρ = ⟨s, B s⟩_w (= γ without a preconditioner)
    let mut rho = match &mut preconditioner {
        Some(b) => b.apply(&mut gradient),
        None => gamma0,
    };
    let mut direction = gradient.clone();
    let mut image = vec![0.0; len];
    let threshold = options.tolerance * options.tolerance * gamma0;

    let mut iterations = 0;
    while gamma > threshold && iterations < options.max_iterations {
        // q = D p; α = ρ / ‖q‖²
        scatter(&direction, coefs);
        frame.synthesize(coefs, &mut image)?;
        let image_norm = image.iter().map(|v| v * v).sum::<f64>();
        if !(image_norm.is_finite() && image_norm > 0.0) {
            return Err(Error::Numerical(format!(
                "CGLS breakdown at iteration {iterations}: ‖D p‖² = {image_norm}"
            )));
        }
        let alpha = rho / image_norm;
        for (c, p) in fitted.iter_mut().zip(&direction) {
            *c += p * alpha;
        }
        for (r, q) in residual.iter_mut().zip(&image) {
            *r -= alpha * q;
        }
        frame.adjoint(&residual, &mut adjoint)?;
        gather(&adjoint, &mut gradient);
        gamma = frame.dot(&at, &gradient, &gradient);
        let rho_next = match &mut preconditioner {
            Some(b) => b.apply(&mut gradient),
            None => gamma,
        };
        let beta = rho_next / rho;
        for (p, z) in direction.iter_mut().zip(&gradient) {
            *p = z + *p * beta;
        }
        rho = rho_next;
        iterations += 1;
    }

    // Recompute D c rather than trusting the recursively updated residual.
    scatter(&fitted, coefs);
    frame.synthesize(coefs, reconstruction)?;
    let snr_after_db = snr_db(target, reconstruction);
    Ok(RefitReport {
        iterations,
        converged: gamma <= threshold,
        relative_residual: if gamma0 > 0.0 {
            (gamma / gamma0).sqrt()
        } else {
            0.0
        },
        snr_before_db,
        snr_after_db,
        gain_db: snr_after_db - snr_before_db,
    })
}

/// `10 log10(‖x‖² / ‖x − y‖²)` over the samples of `x` (∞ for an exact match).
fn snr_db(x: &[f64], y: &[f64]) -> f64 {
    let signal: f64 = x.iter().map(|v| v * v).sum();
    let error: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    10.0 * (signal / error).log10()
}

fn validate(
    target: &[f64],
    kept: &[bool],
    coefs: &[Complex64],
    reconstruction: &[f64],
    options: &RefitOptions,
    len: usize,
    coef_len: usize,
) -> Result<()> {
    if target.len() > len {
        return Err(Error::param(
            "signal",
            format!("{} samples exceed the frame's length {len}", target.len()),
        ));
    }
    if kept.len() != coef_len || coefs.len() != coef_len {
        return Err(Error::param(
            "coefficients",
            format!(
                "the frame has {coef_len} coefficients, got {} and a mask of {}",
                coefs.len(),
                kept.len()
            ),
        ));
    }
    if reconstruction.len() != len {
        return Err(Error::param(
            "output",
            format!(
                "{} samples for a frame of length {len}",
                reconstruction.len()
            ),
        ));
    }
    if options.tolerance.is_nan() || options.tolerance < 0.0 {
        return Err(Error::param(
            "tolerance",
            format!("{} is not a non-negative number", options.tolerance),
        ));
    }
    Ok(())
}
