//! The PGBZ lattice chosen per input by the encoder.
//!
//! PGBZ on an M × N lattice (time step a = M, window `pgauss(M·N, M/N)`, whose width grows
//! like M) trades time resolution for frequency resolution: sustained partials (bowed strings,
//! ensembles) are sparsest on long windows, attacks and noise (drums, speech) on short ones.
//! The lattice is in the parameter block, so the decoder follows whatever the encoder picks.
//!
//! When the caller leaves the lattice open and asks for a rate target, the encoder tries the
//! lattices M_j ≈ √n·2^j, j = −2..=4 (the j = 0 one is the default square lattice; the others
//! have sides whose prime factors are all 3, 5, 7 or 11, N the smallest such odd number with
//! M·N ≥ n; lattices with a side below [`MIN_SIDE`] are skipped). On each it runs two or
//! three real trial encodings near the target — at the rate control's first guess of the
//! relative step, then secant steps towards the target — and estimates the file size at the
//! target SNR (or the SNR at the target bit rate) by interpolating log₂ bytes linearly in dB
//! between its two trials closest to the target. The lattice with the smallest estimated file
//! (the best estimated SNR) is then encoded with the full rate control ([`super::rate`]).

use super::params::{Method, PgbzParams};
use super::rate::first_log_step;
use super::{limits, prepare, Target};
use crate::audio::Audio;
use crate::metrics::joint_snr_db;
use crate::transform::zak::square_lattice_size;
use crate::Result;
use rayon::prelude::*;

/// Octaves of M around the square lattice's: j = −2..=4.
const OCTAVES: std::ops::RangeInclusive<i32> = -2..=4;
/// Neither side of a candidate lattice is below this.
pub const MIN_SIDE: usize = 9;
/// Trials per candidate (the third only when the second is still this many dB off target).
const MAX_TRIALS: usize = 3;
const CLOSE_DB: f64 = 1.0;
/// Slope bounds of log₂ bytes per dB used by the interpolation (measured: 0.08–0.15).
const SLOPE_BOUNDS: (f64, f64) = (0.03, 0.4);

/// One candidate lattice as the report lists it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct LatticeEstimate {
    /// M (frequency channels, also the time step in samples).
    pub m: usize,
    /// N (time positions).
    pub n: usize,
    /// Trial encodings run on it.
    pub trials: usize,
    /// `--snr`: estimated bytes at the target; `--bitrate`: estimated SNR (dB) at the budget.
    pub estimate: f64,
}

/// The smallest odd number ≥ v whose prime factors are all 3, 5, 7 or 11.
fn smooth_odd_at_least(v: usize) -> usize {
    let smooth = |mut x: usize| {
        for p in [3, 5, 7, 11] {
            while x % p == 0 {
                x /= p;
            }
        }
        x == 1
    };
    let mut x = v.max(1) | 1;
    while !smooth(x) {
        x += 2;
    }
    x
}

/// The candidate lattices for a signal of `len` samples, in increasing M (module docs).
pub fn candidates(len: usize) -> Vec<(usize, usize)> {
    let square = square_lattice_size(len);
    OCTAVES
        .filter_map(|j| {
            if j == 0 {
                return Some((square, square));
            }
            let m = smooth_odd_at_least((square as f64 * f64::from(j).exp2()).round() as usize);
            let n = smooth_odd_at_least(len.div_ceil(m));
            let method = Method::Pgbz(PgbzParams {
                lattice: Some((m, n)),
                refit: 0,
            });
            (m >= MIN_SIDE && n >= MIN_SIDE && limits::check_method(&method, Some(len)).is_ok())
                .then_some((m, n))
        })
        .collect()
}

/// `p` with its lattice chosen for `audio` and `target` (module docs), and the candidates'
/// estimates. A lattice given by the caller, a fixed target, or a re-fit (whose kept set the
/// rate control also searches) leave `p` as it is.
pub fn choose(
    audio: &Audio,
    p: PgbzParams,
    target: Target,
) -> Result<(PgbzParams, Vec<LatticeEstimate>)> {
    if p.lattice.is_some() || p.refit > 0 || matches!(target, Target::Fixed { .. }) {
        return Ok((p, Vec::new()));
    }
    let lattices = candidates(audio.frames());
    if lattices.len() < 2 {
        return Ok((p, Vec::new()));
    }
    let estimates: Vec<LatticeEstimate> = lattices
        .par_iter()
        .map(|&(m, n)| {
            estimate(
                audio,
                PgbzParams {
                    lattice: Some((m, n)),
                    ..p
                },
                target,
            )
        })
        .collect::<Result<_>>()?;
    let better = |a: &LatticeEstimate, b: &LatticeEstimate| match target {
        Target::Bitrate { .. } => a.estimate > b.estimate,
        _ => a.estimate < b.estimate,
    };
    let mut best = estimates[0];
    for e in &estimates[1..] {
        if better(e, &best) {
            best = *e;
        }
    }
    Ok((
        PgbzParams {
            lattice: Some((best.m, best.n)),
            ..p
        },
        estimates,
    ))
}

/// Two or three trials of one lattice near `target`, and the interpolated estimate.
fn estimate(audio: &Audio, p: PgbzParams, target: Target) -> Result<LatticeEstimate> {
    let (m, n) = p.lattice.expect("candidates have a lattice");
    let prepared = prepare(audio, &Method::Pgbz(p))?;
    // (log₂ relative step, log₂ bytes, SNR dB) of each trial.
    let mut points: Vec<(f64, f64, f64)> = Vec::with_capacity(MAX_TRIALS);
    let mut x = first_log_step(target);
    for _ in 0..MAX_TRIALS {
        let t = prepared.trial(Some(1.0), x.exp2(), true)?;
        let snr = joint_snr_db(&audio.channels, t.signals.as_deref().unwrap_or_default());
        let bytes = (t.file_bytes().max(1) as f64).log2();
        points.push((x, bytes, snr));
        // How far off target, and the step change that should close the gap.
        let (off, next) = match target {
            Target::Snr { db } => (snr - db, x + (snr - db) / 6.02),
            Target::Bitrate { kbps } => {
                let budget = (kbps * 1000.0 / 8.0 * audio.seconds()).max(1.0).log2();
                ((bytes - budget) * 6.02 / 0.7, x + (bytes - budget) / 0.7)
            }
            Target::Fixed { .. } => unreachable!("fixed targets keep the lattice"),
        };
        if points.len() >= 2 && off.abs() < CLOSE_DB {
            break;
        }
        x = next.clamp(x - 2.0, x + 2.0);
    }
    // The two trials closest to the target (by the measure the target sets).
    let distance = |q: &(f64, f64, f64)| match target {
        Target::Snr { db } => (q.2 - db).abs(),
        Target::Bitrate { kbps } => {
            (q.1 - (kbps * 1000.0 / 8.0 * audio.seconds()).max(1.0).log2()).abs()
        }
        Target::Fixed { .. } => 0.0,
    };
    points.sort_by(|a, b| distance(a).total_cmp(&distance(b)));
    let (a, b) = (points[0], points[1]);
    let slope = if (b.2 - a.2).abs() > 1e-9 {
        ((b.1 - a.1) / (b.2 - a.2)).clamp(SLOPE_BOUNDS.0, SLOPE_BOUNDS.1)
    } else {
        SLOPE_BOUNDS.0
    };
    let estimate = match target {
        Target::Snr { db } => (a.1 + (db - a.2) * slope).exp2(),
        Target::Bitrate { kbps } => {
            let budget = (kbps * 1000.0 / 8.0 * audio.seconds()).max(1.0).log2();
            a.2 + (budget - a.1) / slope
        }
        Target::Fixed { .. } => unreachable!("fixed targets keep the lattice"),
    };
    Ok(LatticeEstimate {
        m,
        n,
        trials: points.len(),
        estimate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_sides() {
        assert_eq!(smooth_odd_at_least(1), 1);
        assert_eq!(smooth_odd_at_least(12), 15);
        assert_eq!(smooth_odd_at_least(13), 15);
        assert_eq!(smooth_odd_at_least(17), 21);
        assert_eq!(smooth_odd_at_least(1328), 1331);
    }

    /// 10 s at 44.1 kHz: √n ≈ 664, the square lattice 665 × 665 and smooth ones around it.
    #[test]
    fn candidates_for_ten_seconds() {
        let c = candidates(441_000);
        assert_eq!(
            c,
            vec![
                (175, 2541),
                (343, 1323),
                (665, 665),
                (1331, 343),
                (2673, 165),
                (5445, 81),
                (10935, 45),
            ]
        );
        for (m, n) in c {
            assert!(m % 2 == 1 && n % 2 == 1 && m * n >= 441_000);
        }
    }

    /// A short signal keeps only the lattices with both sides ≥ MIN_SIDE.
    #[test]
    fn short_signals_drop_thin_lattices() {
        let c = candidates(400);
        assert!(c.contains(&(21, 21)));
        assert!(c.iter().all(|&(m, n)| m >= MIN_SIDE && n >= MIN_SIDE));
    }
}
