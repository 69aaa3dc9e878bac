//! The PGBZ lattice chosen per input by the encoder.
//!
//! PGBZ on an M × N lattice (time step a = M, window `pgauss(M·N, M/N)`, whose width grows
//! like M) trades time resolution for frequency resolution: sustained partials (bowed strings,
//! ensembles) are sparsest on long windows, attacks and noise (drums, speech) on short ones.
//! The lattice is in the parameter block, so the decoder follows whatever the encoder picks.
//!
//! When the caller leaves the lattice open and asks for a rate target, the encoder considers
//! the lattices M_j ≈ √n·2^j, j = −2..=4 (the j = 0 one is the default square lattice; the
//! others have sides whose prime factors are all 3, 5, 7 or 11, N the smallest such odd
//! number with M·N ≥ n; lattices with a side below [`MIN_SIDE`] are skipped):
//!
//! 1. every candidate is analysed and ranked by a sparsity [`proxy`] (the magnitude bits a
//!    dead-zone quantizer would spend at the target, from the largest coefficients — no
//!    encoding);
//! 2. the [`TRIALED`] best-ranked ones keep their analysis (the others' is dropped) and get
//!    two or three real trial encodings near the target —
//!    at the rate control's first guess of the relative step, then the rate control's own
//!    secant steps towards the target — and the file size at the target SNR (or the SNR at the
//!    target bit rate) is estimated by interpolating log₂ bytes linearly in dB between the two
//!    trials closest to the target;
//! 3. the lattice with the smallest estimated file (the best estimated SNR) is encoded with the
//!    full rate control ([`super::rate`]) on the analysis already prepared for its trials, and
//!    its trials are reused by the rate control wherever it asks for the same step
//!    ([`Seeded`]).
//!
//! Measured on the shared clips at 20 and 30 dB (`docs/compress.md`): the lattice the seven
//! trial-encoded estimates chose is among the proxy's best three on every clip but one (drums
//! at 30 dB, where the chosen one's estimate is 0.6 % larger).

use super::params::{Method, PgbzParams};
use super::rate::{first_log_step, second_log_step};
use super::{analyse_pgbz, limits, prepare_analysed, Analysed, Prepared, Target, Trial};
use crate::audio::Audio;
use crate::metrics::joint_snr_db;
use crate::transform::zak::square_lattice_size;
use crate::Result;
use rayon::prelude::*;

/// Octaves of M around the square lattice's: j = −2..=4.
const OCTAVES: std::ops::RangeInclusive<i32> = -2..=4;
/// Neither side of a candidate lattice is below this.
pub const MIN_SIDE: usize = 9;
/// Candidates (best by the proxy) that get trial encodings.
pub const TRIALED: usize = 4;
/// Trials per trialed candidate (the third only when the second is still this many dB off
/// target).
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
    /// The sparsity [`proxy`] the candidates are ranked by (lower is better).
    pub proxy: f64,
    /// Trial encodings run on it (0: ranked out by the proxy).
    pub trials: usize,
    /// `--snr`: estimated bytes at the target; `--bitrate`: estimated SNR (dB) at the budget;
    /// `None` when the candidate was not trial-encoded.
    pub estimate: Option<f64>,
}

/// What [`choose`] settled on.
pub struct Chosen {
    /// The parameters with the chosen lattice.
    pub params: PgbzParams,
    /// Every candidate, in increasing M (empty when the lattice was not chosen here).
    pub estimates: Vec<LatticeEstimate>,
    /// The chosen lattice prepared, with its trials for the rate control to reuse (`None` when
    /// the lattice was not chosen here).
    pub prepared: Option<Box<dyn Prepared>>,
}

/// A prepared method that answers the trials it has already run from memory: the trials the
/// lattice choice ran on the chosen lattice, at exactly the steps the rate control asks for
/// first ([`second_log_step`]), are not encoded twice. Every answer is a real encoding.
pub struct Seeded {
    inner: Box<dyn Prepared>,
    /// (keep, relative step) and the trial run there, with its decoded signals.
    known: Vec<((f64, f64), Trial)>,
}

impl Prepared for Seeded {
    fn method(&self) -> Method {
        self.inner.method()
    }

    fn keep_grid(&self) -> &'static [f64] {
        self.inner.keep_grid()
    }

    fn trial(&self, keep: Option<f64>, step: f64, want_signals: bool) -> Result<Trial> {
        let key = (keep.unwrap_or(1.0), step);
        match self.known.iter().find(|(k, _)| *k == key) {
            Some((_, t)) => {
                let mut t = t.clone();
                if !want_signals {
                    t.signals = None;
                }
                Ok(t)
            }
            None => self.inner.trial(keep, step, want_signals),
        }
    }
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
            let method = Method::Pgbz(pgbz_params(
                PgbzParams {
                    lattice: None,
                    refit: 0,
                },
                m,
                n,
            ));
            (m >= MIN_SIDE && n >= MIN_SIDE && limits::check_method(&method, Some(len)).is_ok())
                .then_some((m, n))
        })
        .collect()
}

/// `p`'s settings on the lattice M × N.
fn pgbz_params(p: PgbzParams, m: usize, n: usize) -> PgbzParams {
    PgbzParams {
        lattice: Some((m, n)),
        ..p
    }
}

/// `p` with its lattice chosen for `audio` and `target` (module docs), the candidates'
/// estimates and the chosen lattice prepared. A lattice given by the caller, a fixed target,
/// or a re-fit (whose kept set the rate control also searches) leave `p` as it is.
pub fn choose(audio: &Audio, p: PgbzParams, target: Target) -> Result<Chosen> {
    let unchosen = Chosen {
        params: p,
        estimates: Vec::new(),
        prepared: None,
    };
    if p.lattice.is_some() || p.refit > 0 || matches!(target, Target::Fixed { .. }) {
        return Ok(unchosen);
    }
    let lattices = candidates(audio.frames());
    if lattices.len() < 2 {
        return Ok(unchosen);
    }
    // 1. Rank by the proxy (one analysis each, kept for the trials of the best ones).
    let mut ranked: Vec<(usize, f64, Analysed)> = lattices
        .par_iter()
        .enumerate()
        .map(|(i, &(m, n))| {
            let a = analyse_pgbz(audio, &pgbz_params(p, m, n))?;
            Ok((i, proxy(a.slots(), target, audio.seconds()), a))
        })
        .collect::<Result<_>>()?;
    let proxies: Vec<f64> = ranked.iter().map(|&(_, proxy, _)| proxy).collect();
    // Stable: equal proxies keep the candidates' order.
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    ranked.truncate(TRIALED);
    // 2. Trial-encode the best-ranked ones.
    let trialed: Vec<(usize, Trialed)> = ranked
        .into_par_iter()
        .map(|(i, _, a)| {
            let (m, n) = lattices[i];
            Ok((i, estimate(audio, pgbz_params(p, m, n), a, target)?))
        })
        .collect::<Result<_>>()?;
    let better = |a: f64, b: f64| match target {
        Target::Bitrate { .. } => a > b,
        _ => a < b,
    };
    let mut estimates: Vec<LatticeEstimate> = lattices
        .iter()
        .zip(&proxies)
        .map(|(&(m, n), &proxy)| LatticeEstimate {
            m,
            n,
            proxy,
            trials: 0,
            estimate: None,
        })
        .collect();
    let mut best: Option<(usize, Trialed)> = None;
    for (i, t) in trialed {
        estimates[i].trials = t.trials.len();
        estimates[i].estimate = Some(t.estimate);
        if best
            .as_ref()
            .is_none_or(|(_, b)| better(t.estimate, b.estimate))
        {
            best = Some((i, t));
        }
    }
    let (i, best) = best.expect("at least two candidates are trialed");
    let (m, n) = lattices[i];
    Ok(Chosen {
        params: PgbzParams {
            lattice: Some((m, n)),
            ..p
        },
        estimates,
        prepared: Some(Box::new(Seeded {
            inner: best.prepared,
            known: best.trials,
        })),
    })
}

/// One trial-encoded candidate: its preparation, trials and estimate.
struct Trialed {
    prepared: Box<dyn Prepared>,
    trials: Vec<((f64, f64), Trial)>,
    estimate: f64,
}

/// Two or three trials of one lattice (PGBZ with `p`, analysed in `a`) near `target`, and
/// the interpolated estimate.
fn estimate(audio: &Audio, p: PgbzParams, a: Analysed, target: Target) -> Result<Trialed> {
    let prepared = prepare_analysed(audio, p, a);
    let seconds = audio.seconds();
    let budget = |kbps: f64| (kbps * 1000.0 / 8.0 * seconds).floor().max(1.0).log2();
    // (log₂ relative step, log₂ bytes, SNR dB) of each trial.
    let mut points: Vec<(f64, f64, f64)> = Vec::with_capacity(MAX_TRIALS);
    let mut trials = Vec::with_capacity(MAX_TRIALS);
    let mut x = first_log_step(target);
    for _ in 0..MAX_TRIALS {
        let step = x.exp2();
        let t = prepared.trial(Some(1.0), step, true)?;
        let snr = joint_snr_db(&audio.channels, t.signals.as_deref().unwrap_or_default());
        let bytes = t.file_bytes();
        points.push((x, (bytes.max(1) as f64).log2(), snr));
        trials.push(((1.0, step), t));
        // How far off target (dB).
        let off = match target {
            Target::Snr { db } => snr - db,
            Target::Bitrate { kbps } => ((bytes.max(1) as f64).log2() - budget(kbps)) * 6.02 / 0.7,
            Target::Fixed { .. } => unreachable!("fixed targets keep the lattice"),
        };
        if points.len() >= 2 && off.abs() < CLOSE_DB {
            break;
        }
        x = second_log_step(target, seconds, x, bytes, snr);
    }
    // The two trials closest to the target (by the measure the target sets).
    let distance = |q: &(f64, f64, f64)| match target {
        Target::Snr { db } => (q.2 - db).abs(),
        Target::Bitrate { kbps } => (q.1 - budget(kbps)).abs(),
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
        Target::Bitrate { kbps } => a.2 + (budget(kbps) - a.1) / slope,
        Target::Fixed { .. } => unreachable!("fixed targets keep the lattice"),
    };
    Ok(Trialed {
        prepared,
        trials,
        estimate,
    })
}

/// The sparsity proxy the candidates are ranked by (lower is better): the magnitude bits a
/// dead-zone quantizer spends at `target`, from high-rate theory. With the real coefficients
/// c_i of all channels sorted, |c|₍₁₎ ≥ |c|₍₂₎ ≥ …, keeping the K largest at step Δ = |c|₍K₎
/// leaves the distortion D(K) = Σ_{i>K} c²₍ᵢ₎ + K·Δ²/12 and spends
/// R(K) = Σ_{i≤K} (log₂(|c|₍ᵢ₎/Δ) + 1) bits on magnitudes (the significance map, coded in
/// context, is left out: counting it at its i.i.d. entropy ranked the lattices worse).
/// `--snr D`: R at the smallest K with D(K) ≤ E·10^(−D/10), E = Σ c²; `--bitrate B`: minus
/// the SNR 10·log₁₀(E/D(K)) at the largest K with R(K) ≤ B·seconds.
pub fn proxy(slots: &[Vec<f64>], target: Target, seconds: f64) -> f64 {
    let total: f64 = slots.iter().flatten().map(|c| c * c).sum();
    // The distortion `--snr D` allows, the bits `--bitrate B` allows.
    let (allowed, budget) = match target {
        Target::Snr { db } => (total * 10f64.powf(-db / 10.0), f64::INFINITY),
        Target::Bitrate { kbps } => (0.0, kbps * 1000.0 * seconds),
        Target::Fixed { .. } => (0.0, f64::INFINITY),
    };
    let mut largest = LargestFirst::new(slots);
    let (mut kept_energy, mut log_sum) = (0.0, 0.0);
    let mut score = 0.0;
    let mut k = 0.0;
    'scan: loop {
        let stage = largest.next_stage();
        if stage.is_empty() {
            break;
        }
        for a in stage.iter().map(|&b| f64::from_bits(b)) {
            if a <= 0.0 {
                break 'scan;
            }
            k += 1.0;
            kept_energy += a * a;
            log_sum += a.log2();
            let distortion = (total - kept_energy).max(0.0) + k * a * a / 12.0;
            let bits = log_sum - k * a.log2() + k;
            match target {
                Target::Snr { .. } => {
                    score = bits;
                    if distortion <= allowed {
                        break 'scan;
                    }
                }
                Target::Bitrate { .. } => {
                    if bits > budget {
                        break 'scan;
                    }
                    score = -10.0 * (total / distortion.max(f64::MIN_POSITIVE)).log10();
                }
                Target::Fixed { .. } => break 'scan,
            }
        }
    }
    score
}

/// The magnitudes |c| of coefficients, largest first, sorted in stages as they are asked
/// for: each stage moves the next largest to the front of the rest
/// (`select_nth_unstable`) and sorts only those, so a scan that stops after the K largest
/// sorts about 2K values instead of all of them (the proxy of a 30 dB target stops after
/// about half the coefficients, of a 20 dB one after a tenth or less).
struct LargestFirst {
    /// Bit patterns of |c| ≥ 0, which order as the values do (and sort faster).
    bits: Vec<u64>,
    /// `bits[..sorted]` is sorted, largest first, and no value after it is larger.
    sorted: usize,
}

impl LargestFirst {
    /// The first stage's share of the coefficients (later stages double the sorted part).
    const FIRST_STAGE_DIVISOR: usize = 16;

    fn new(slots: &[Vec<f64>]) -> Self {
        LargestFirst {
            bits: slots.iter().flatten().map(|c| c.abs().to_bits()).collect(),
            sorted: 0,
        }
    }

    /// The next largest values, largest first (empty once every value was given).
    fn next_stage(&mut self) -> &[u64] {
        let start = self.sorted;
        let rest = &mut self.bits[start..];
        let first = (rest.len() / Self::FIRST_STAGE_DIVISOR).max(1);
        let take = start.max(first).min(rest.len());
        if take < rest.len() {
            rest.select_nth_unstable_by(take, |a, b| b.cmp(a));
        }
        rest[..take].sort_unstable_by(|a, b| b.cmp(a));
        self.sorted += take;
        &self.bits[start..start + take]
    }
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

    /// Two real coefficients 4 and 3 (E = 25). K = 1: Δ = 4, D = 9 + 16/12, R = 1 bit;
    /// K = 2: Δ = 3, D = 2·9/12 = 1.5, R = log₂(4/3) + 2 bits.
    #[test]
    fn proxy_of_a_hand_computed_set() {
        let slots = vec![vec![0.0, 4.0, -3.0, 0.0]];
        let snr = |db| proxy(&slots, Target::Snr { db }, 1.0);
        // 3 dB allows 25·10^−0.3 = 12.53 ≥ 10.33: K = 1.
        assert!((snr(3.0) - 1.0).abs() < 1e-12);
        // 10 dB allows 2.5: K = 2.
        assert!((snr(10.0) - ((4.0f64 / 3.0).log2() + 2.0)).abs() < 1e-12);
        // 2 bits in 1 ms (2 kbit/s): K = 1 fits, K = 2 (2.415 bits) does not.
        let rate = proxy(&slots, Target::Bitrate { kbps: 2.0 }, 0.001);
        assert!((rate + 10.0 * (25.0 / (9.0 + 16.0 / 12.0f64)).log10()).abs() < 1e-12);
    }

    /// The staged sort gives the proxy of a full sort, bit for bit: every target stops at a
    /// different depth (first stage, a later one, the last), on values with ties and zeros.
    #[test]
    fn staged_proxy_equals_the_fully_sorted_one() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let slots: Vec<Vec<f64>> = (0..2)
            .map(|_| {
                (0..5000)
                    .map(|_| {
                        let r = next();
                        // Heavy-tailed magnitudes, a few exact ties and zeros.
                        match r % 50 {
                            0 => 0.0,
                            1 => 0.25,
                            _ => {
                                (r >> 11) as f64 / (1u64 << 53) as f64
                                    * 2f64.powi((r % 23) as i32 - 11)
                            }
                        }
                    })
                    .collect()
            })
            .collect();
        let full_sort = |target: Target, seconds: f64| -> f64 {
            let total: f64 = slots.iter().flatten().map(|c| c * c).sum();
            let mut mags: Vec<f64> = slots.iter().flatten().map(|c| c.abs()).collect();
            mags.sort_by(|a, b| b.total_cmp(a));
            let (mut kept, mut logs, mut score) = (0.0, 0.0, 0.0);
            for (i, &a) in mags.iter().enumerate() {
                if a <= 0.0 {
                    break;
                }
                let k = (i + 1) as f64;
                kept += a * a;
                logs += a.log2();
                let distortion = (total - kept).max(0.0) + k * a * a / 12.0;
                let bits = logs - k * a.log2() + k;
                match target {
                    Target::Snr { db } => {
                        score = bits;
                        if distortion <= total * 10f64.powf(-db / 10.0) {
                            break;
                        }
                    }
                    Target::Bitrate { kbps } => {
                        if bits > kbps * 1000.0 * seconds {
                            break;
                        }
                        score = -10.0 * (total / distortion.max(f64::MIN_POSITIVE)).log10();
                    }
                    Target::Fixed { .. } => break,
                }
            }
            score
        };
        for db in [0.5, 3.0, 10.0, 20.0, 40.0, 80.0, 400.0] {
            let t = Target::Snr { db };
            assert_eq!(
                proxy(&slots, t, 1.0).to_bits(),
                full_sort(t, 1.0).to_bits(),
                "{db} dB"
            );
        }
        for kbps in [0.001, 0.05, 1.0, 20.0, 1e6] {
            let t = Target::Bitrate { kbps };
            assert_eq!(
                proxy(&slots, t, 0.1).to_bits(),
                full_sort(t, 0.1).to_bits(),
                "{kbps} kbps"
            );
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
