//! Rate control: choose the keep fraction and the quantizer step jointly.
//!
//! The keep fraction F runs over the grid 1, 1/2, 1/4, …, 1/64 (for the SVD it sets the rank
//! to ⌊F·L/(m + n + 1)⌋, for interpolation the decimation factor to round(1/F)). For each F
//! the relative step Δ is found by bisection on log₂ Δ over [−14, 4] (12 halvings, a precision
//! of 0.005 octave), using that the file size falls and the error grows as Δ grows:
//!
//! - `--bitrate B`: the smallest Δ whose file fits B·duration/8 bytes; among the grid points
//!   the one with the highest decoded SNR wins;
//! - `--snr D`: the largest Δ whose decoded SNR is ≥ D; among the grid points the one with the
//!   smallest file wins.
//!
//! Every trial is a real encoding (entropy-coded sizes, SNR of the decoder's own synthesis),
//! so the chosen point meets its target exactly as measured. The grid points run in parallel.
//! When no point meets the target, the closest one is returned with `target_met = false`.

use super::{default_step, Prepared, Target};
use crate::audio::Audio;
use crate::metrics::joint_snr_db;
use crate::{Error, Result};
use rayon::prelude::*;

/// Keep fractions tried.
pub const KEEP_GRID: [f64; 7] = [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625];
/// Range of log₂ of the relative step.
const LOG_STEP_RANGE: (f64, f64) = (-14.0, 4.0);
const BISECTIONS: usize = 12;

/// What the rate control settled on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice {
    /// Keep fraction (`None`: the method's own setting).
    pub keep: Option<f64>,
    /// Relative quantizer step.
    pub step: f64,
    /// Trial encodings run.
    pub trials: usize,
    /// Whether the chosen point meets the target.
    pub target_met: bool,
}

/// One grid point's best (keep, step) and how it fares.
#[derive(Clone, Copy, Debug)]
struct Point {
    keep: f64,
    step: f64,
    bytes: usize,
    snr: f64,
    met: bool,
    trials: usize,
}

/// Choose keep and step for `target`.
pub fn choose(prepared: &dyn Prepared, audio: &Audio, target: Target) -> Result<Choice> {
    let points: Vec<Point> = match target {
        Target::Fixed { keep, step } => {
            return Ok(Choice {
                keep,
                step: step.unwrap_or_else(|| default_step(&prepared.method())),
                trials: 1,
                target_met: true,
            })
        }
        Target::Bitrate { kbps } => {
            if !(kbps.is_finite() && kbps > 0.0) {
                return Err(Error::param("bitrate", format!("{kbps} must be positive")));
            }
            let budget = (kbps * 1000.0 / 8.0 * audio.seconds()).floor() as usize;
            KEEP_GRID
                .par_iter()
                .map(|&keep| for_bitrate(prepared, audio, keep, budget))
                .collect::<Result<_>>()?
        }
        Target::Snr { db } => {
            if !db.is_finite() {
                return Err(Error::param("snr", format!("{db} is not a number")));
            }
            KEEP_GRID
                .par_iter()
                .map(|&keep| for_snr(prepared, audio, keep, db))
                .collect::<Result<_>>()?
        }
    };
    let trials = points.iter().map(|p| p.trials).sum();
    let met: Vec<&Point> = points.iter().filter(|p| p.met).collect();
    let best = match (target, met.is_empty()) {
        (Target::Bitrate { .. }, false) => {
            met.iter().copied().max_by(|a, b| a.snr.total_cmp(&b.snr))
        }
        (Target::Snr { .. }, false) => met.iter().copied().min_by_key(|p| p.bytes),
        // Nothing fits the bit budget: the smallest file; nothing reaches the SNR: the best SNR.
        (Target::Bitrate { .. }, true) => points.iter().min_by_key(|p| p.bytes),
        _ => points.iter().max_by(|a, b| a.snr.total_cmp(&b.snr)),
    }
    .expect("the grid is not empty");
    Ok(Choice {
        keep: Some(best.keep),
        step: best.step,
        trials,
        target_met: best.met,
    })
}

fn bytes_at(p: &dyn Prepared, keep: f64, log_step: f64) -> Result<usize> {
    Ok(p.trial(Some(keep), log_step.exp2(), false)?.file_bytes())
}

fn snr_at(p: &dyn Prepared, audio: &Audio, keep: f64, log_step: f64) -> Result<(f64, usize)> {
    let t = p.trial(Some(keep), log_step.exp2(), true)?;
    let signals = t.signals.as_deref().expect("signals were requested");
    Ok((joint_snr_db(&audio.channels, signals), t.file_bytes()))
}

fn for_bitrate(p: &dyn Prepared, audio: &Audio, keep: f64, budget: usize) -> Result<Point> {
    let (mut lo, mut hi) = LOG_STEP_RANGE;
    let mut trials = 2;
    let coarse = bytes_at(p, keep, hi)?;
    let point = |step: f64, trials: usize, met: bool| -> Result<Point> {
        let (snr, bytes) = snr_at(p, audio, keep, step)?;
        Ok(Point {
            keep,
            step: step.exp2(),
            bytes,
            snr,
            met,
            trials: trials + 1,
        })
    };
    if coarse > budget {
        return point(hi, trials, false);
    }
    if bytes_at(p, keep, lo)? <= budget {
        return point(lo, trials, true);
    }
    for _ in 0..BISECTIONS {
        let mid = 0.5 * (lo + hi);
        trials += 1;
        if bytes_at(p, keep, mid)? <= budget {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    point(hi, trials, true)
}

fn for_snr(p: &dyn Prepared, audio: &Audio, keep: f64, db: f64) -> Result<Point> {
    let (mut lo, mut hi) = LOG_STEP_RANGE;
    let point = |step: f64, snr: f64, bytes: usize, trials: usize, met: bool| Point {
        keep,
        step: step.exp2(),
        bytes,
        snr,
        met,
        trials,
    };
    let (fine_snr, fine_bytes) = snr_at(p, audio, keep, lo)?;
    if fine_snr < db {
        return Ok(point(lo, fine_snr, fine_bytes, 1, false));
    }
    let (coarse_snr, coarse_bytes) = snr_at(p, audio, keep, hi)?;
    if coarse_snr >= db {
        return Ok(point(hi, coarse_snr, coarse_bytes, 2, true));
    }
    let (mut best_snr, mut best_bytes) = (fine_snr, fine_bytes);
    for _ in 0..BISECTIONS {
        let mid = 0.5 * (lo + hi);
        let (snr, bytes) = snr_at(p, audio, keep, mid)?;
        if snr >= db {
            (lo, best_snr, best_bytes) = (mid, snr, bytes);
        } else {
            hi = mid;
        }
    }
    Ok(point(lo, best_snr, best_bytes, 2 + BISECTIONS, true))
}
