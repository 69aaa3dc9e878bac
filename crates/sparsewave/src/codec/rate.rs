//! Rate control: choose the keep fraction and the quantizer step jointly.
//!
//! The keep fraction F runs over the method's grid ([`Prepared::keep_grid`]: 1 for the sparse
//! methods, whose rate–distortion optimized quantizer decides what to keep; 1, 1/2, …, 1/64
//! for the SVD, where it sets the rank ⌊F·L/(m + n + 1)⌋, and for interpolation, where it
//! sets the decimation factor round(1/F)). For each F the crossing of the target is found by
//! secant steps on log₂ Δ over [−14, 4] (at most 10 trials, kept inside the bracket of the
//! trials that reach and miss the target, bisecting it when a secant step leaves it, until
//! the bracket is narrower than 10⁻⁴ octave for `--bitrate`, 1/64 octave for `--snr`):
//!
//! - `--bitrate B`: a Δ whose file is in [(1 − 2 %)·B, B]; then 8 steps from it upwards
//!   (1/256 octave apart) are measured and the best decoded SNR among the files in
//!   [(1 − 2 %)·B, B] wins;
//! - `--snr D`: a Δ whose decoded SNR is in [D, D + 0.1 dB]; then up to 12 steps above the
//!   largest Δ reaching D (1/64 octave apart) are measured, because the decoded SNR is not
//!   monotonic in Δ (quantization errors of related coefficients add up coherently or
//!   cancel) — the scan ends early only when the SNR fell at every step and three steps are
//!   below D (a smooth SNR, like the DWT's, does not come back); if no trial lands in the
//!   window, or the largest step reaching D overshoots the window with a smaller file than
//!   the window's best, the bracket between that step and the next one tried is bisected
//!   (≤ 10 times), and if the SNR jumps over the window there (no window hit at all), the
//!   keep fraction at the overshooting step is bisected on log₂ over six octaves (≤ 10
//!   times). The smallest file in the window wins.
//!
//! Every trial is a real encoding (entropy-coded sizes, SNR of the decoder's own synthesis),
//! so the chosen point meets its target exactly as measured; [`Choice::search`] lists them
//! (the `search` of `encode --json`) and [`Choice::trial`] keeps the chosen one's encoding.
//! The grid points run in parallel. When no trial meets the target within its tolerance,
//! the closest one is returned with `target_met = false`.

use super::{default_step, Prepared, Target, Trial};
use crate::audio::Audio;
use crate::metrics::joint_snr_db;
use crate::{Error, Result};
use rayon::prelude::*;

/// Keep fractions tried by the methods whose keep fraction sets a structure (the SVD rank,
/// the decimation factor). The sparse methods keep everything and let the rate–distortion
/// optimized quantizer drop what does not pay ([`Prepared::keep_grid`]).
pub const KEEP_GRID: [f64; 7] = [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625];
/// Range of log₂ of the relative step.
const LOG_STEP_RANGE: (f64, f64) = (-14.0, 4.0);
/// Secant (or bisection) trials that look for the target's crossing.
const SECANT_ITERATIONS: usize = 10;
/// `--snr D` delivers an SNR in [D, D + SNR_TOLERANCE_DB].
pub const SNR_TOLERANCE_DB: f64 = 0.1;
/// `--bitrate B` delivers a file of at least (1 − BITRATE_TOLERANCE)·B (and at most B).
pub const BITRATE_TOLERANCE: f64 = 0.02;
/// `--snr`: steps scanned above the bisection's, in 1/SCAN_DIVISIONS octave.
const SNR_SCAN: usize = 12;
/// `--snr`: a scan whose SNR falls at every step stops after this many steps below the
/// target.
const FALLING_STOP: usize = 3;
/// `--bitrate`: steps scanned above the bisection's, in 1/SCAN_DIVISIONS octave.
const BITRATE_SCAN: usize = 8;
const SCAN_DIVISIONS: f64 = 64.0;
/// `--bitrate`: the crossing search stops on a bracket narrower than this (octaves).
const BITRATE_RESOLUTION: f64 = 1e-4;
/// `--snr`: the crossing search stops on a bracket narrower than half the scan's spacing:
/// there the decoded SNR moves by the noise of single quantization decisions (±0.5 dB on
/// the drums), which the secant cannot follow and the scan above the bracket samples anyway.
const SNR_RESOLUTION: f64 = 1.0 / SCAN_DIVISIONS;
/// Octaves below the grid's keep fraction the last resort of `--snr` may trim to.
const KEEP_OCTAVES: f64 = 6.0;
/// Bisections that narrow a step (or keep) bracket down to the SNR tolerance window.
const REFINEMENTS: usize = 10;

/// What the rate control settled on.
#[derive(Clone, Debug)]
pub struct Choice {
    /// Keep fraction (`None`: the method's own setting).
    pub keep: Option<f64>,
    /// Relative quantizer step.
    pub step: f64,
    /// Every trial encoding the search ran, in order.
    pub search: Vec<Probe>,
    /// Whether the chosen point meets the target (within its tolerance).
    pub target_met: bool,
    /// The chosen trial, decoded signals included (`None` for a fixed target, which runs no
    /// trial): the encoder writes it as it is instead of encoding the chosen point again.
    pub trial: Option<Trial>,
}

impl Choice {
    /// Trial encodings run.
    pub fn trials(&self) -> usize {
        self.search.len().max(1)
    }
}

/// One trial encoding of the search.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Probe {
    /// Keep fraction.
    pub keep: f64,
    /// Relative step.
    pub step: f64,
    /// File size.
    pub bytes: usize,
    /// Decoded SNR (joint over channels), dB; `None` when the trial measured the size only.
    pub snr_db: Option<f64>,
}

/// Choose keep and step for `target`.
pub fn choose(prepared: &dyn Prepared, audio: &Audio, target: Target) -> Result<Choice> {
    let grid = prepared.keep_grid();
    if let Target::Fixed { keep, step } = target {
        return Ok(Choice {
            keep,
            step: step.unwrap_or_else(|| default_step(&prepared.method())),
            search: Vec::new(),
            target_met: true,
            trial: None,
        });
    }
    let rank = Rank::new(target, audio.seconds());
    let searches: Vec<Search> = match target {
        Target::Fixed { .. } => unreachable!("returned above"),
        Target::Bitrate { kbps } => {
            if !(kbps.is_finite() && kbps > 0.0) {
                return Err(Error::param("bitrate", format!("{kbps} must be positive")));
            }
            let budget = budget_bytes(kbps, audio.seconds());
            grid.par_iter()
                .map(|&keep| for_bitrate(prepared, audio, rank, keep, budget))
                .collect::<Result<_>>()?
        }
        Target::Snr { db } => {
            if !db.is_finite() {
                return Err(Error::param("snr", format!("{db} is not a number")));
            }
            grid.par_iter()
                .map(|&keep| for_snr(prepared, audio, rank, keep, db))
                .collect::<Result<_>>()?
        }
    };
    let mut search = Vec::new();
    let mut best: Option<(Probe, Trial)> = None;
    for s in searches {
        search.extend_from_slice(&s.probes);
        if let Some((p, t)) = s.best {
            if best.as_ref().is_none_or(|(b, _)| rank.better(&p, b)) {
                best = Some((p, t));
            }
        }
    }
    let (best, trial) = best.expect("a trial was measured");
    Ok(Choice {
        keep: Some(best.keep),
        step: best.step,
        target_met: rank.met(&best),
        search,
        trial: Some(trial),
    })
}

/// The order in which the measured trials compete (the module docs' rules): `--snr D` prefers
/// a file in [D, D + tolerance], then one reaching D (the smallest file first in both), then
/// the best SNR; `--bitrate B` prefers a file in [(1 − tolerance)·B, B] (the best SNR first),
/// then one within B (the largest first), then the smallest. Among equals the earlier trial
/// wins where the smaller or the smallest is asked for, the later one where the larger or
/// the best is.
#[derive(Clone, Copy)]
enum Rank {
    Snr { db: f64 },
    Bitrate { budget: usize, floor: usize },
}

impl Rank {
    /// The order of a rate target (`--snr` or `--bitrate`; a fixed target has no trials).
    fn new(target: Target, seconds: f64) -> Rank {
        match target {
            Target::Bitrate { kbps } => {
                let budget = budget_bytes(kbps, seconds);
                let floor = ((1.0 - BITRATE_TOLERANCE) * budget as f64).ceil() as usize;
                Rank::Bitrate { budget, floor }
            }
            Target::Snr { db } => Rank::Snr { db },
            Target::Fixed { .. } => unreachable!("a fixed target runs no search"),
        }
    }

    /// The preference tier of a measured trial (0 best).
    fn tier(self, p: &Probe) -> u8 {
        let snr = p.snr_db.unwrap_or(f64::NEG_INFINITY);
        match self {
            Rank::Snr { db } if snr >= db && snr <= db + SNR_TOLERANCE_DB => 0,
            Rank::Snr { db } if snr >= db => 1,
            Rank::Snr { .. } => 2,
            Rank::Bitrate { budget, floor } if p.bytes <= budget && p.bytes >= floor => 0,
            Rank::Bitrate { budget, .. } if p.bytes <= budget => 1,
            Rank::Bitrate { .. } => 2,
        }
    }

    /// Does the later measured trial `a` displace the earlier `b`?
    fn better(self, a: &Probe, b: &Probe) -> bool {
        let (ta, tb) = (self.tier(a), self.tier(b));
        if ta != tb {
            return ta < tb;
        }
        let snr = |p: &Probe| p.snr_db.unwrap_or(f64::NEG_INFINITY);
        match (self, ta) {
            (Rank::Snr { .. }, 0 | 1) | (Rank::Bitrate { .. }, 2) => a.bytes < b.bytes,
            (Rank::Snr { .. }, _) | (Rank::Bitrate { .. }, 0) => snr(a).total_cmp(&snr(b)).is_ge(),
            (Rank::Bitrate { .. }, _) => a.bytes >= b.bytes,
        }
    }

    /// Whether the chosen trial meets the target.
    fn met(self, p: &Probe) -> bool {
        self.tier(p) < 2
    }
}

/// The rate control's first guess of log₂ of the relative step for `target`: 1 − D/6.02 for
/// `--snr D` (6.02 dB per halving of the step, 0 dB near a step of 2), −3 for `--bitrate`
/// (a moderate step the secant moves on from).
pub fn first_log_step(target: Target) -> f64 {
    match target {
        Target::Snr { db } => 1.0 - db / 6.02,
        _ => -3.0,
    }
}

/// `--snr D`: the SNR the crossing search aims at (the middle of the tolerance window).
fn snr_aim(db: f64) -> f64 {
    db + 0.5 * SNR_TOLERANCE_DB
}

/// `--bitrate`: log₂ of the budget in bytes, and the log₂ file size the crossing search aims
/// at (the middle of the tolerance window).
fn bitrate_aim(budget: usize) -> (f64, f64) {
    let target = (budget.max(1) as f64).log2();
    (target, target + 0.5 * (1.0 - BITRATE_TOLERANCE).log2())
}

/// Bytes a file of `kbps` over `seconds` may hold.
fn budget_bytes(kbps: f64, seconds: f64) -> usize {
    (kbps * 1000.0 / 8.0 * seconds).floor() as usize
}

/// Initial slope of the searched quantity per octave of step: 6.02 dB of SNR, 0.7 octave of
/// file size.
const SNR_SLOPE: f64 = 6.02;
const BYTES_SLOPE: f64 = 0.7;

/// The log₂ step the crossing search of `target` tries after a first trial at log₂ step `x`
/// that gave `bytes` and `snr_db` (away from the ends of the step range): the secant step
/// at the initial slope towards the aim. The lattice choice ([`super::lattice`]) runs its
/// second trial there, so that the rate control can reuse it.
pub fn second_log_step(target: Target, seconds: f64, x: f64, bytes: usize, snr_db: f64) -> f64 {
    let next = match target {
        Target::Snr { db } => x + (snr_db - snr_aim(db)) / SNR_SLOPE,
        Target::Bitrate { kbps } => {
            let (_, aim) = bitrate_aim(budget_bytes(kbps, seconds));
            x + ((bytes.max(1) as f64).log2() - aim) / BYTES_SLOPE
        }
        Target::Fixed { .. } => x,
    };
    next.clamp(LOG_STEP_RANGE.0, LOG_STEP_RANGE.1)
}

/// A search at one keep fraction: its trials, in order, and the best measured one so far
/// (by [`Rank`]) with its encoding.
struct Search<'a> {
    prepared: &'a dyn Prepared,
    audio: &'a Audio,
    rank: Rank,
    keep: f64,
    probes: Vec<Probe>,
    best: Option<(Probe, Trial)>,
}

impl<'a> Search<'a> {
    fn new(prepared: &'a dyn Prepared, audio: &'a Audio, rank: Rank, keep: f64) -> Self {
        Search {
            prepared,
            audio,
            rank,
            keep,
            probes: Vec::new(),
            best: None,
        }
    }

    /// One trial at relative step 2^log_step (with its decoded SNR when `snr`), and its
    /// encoding when it would displace `best`.
    fn probe(&self, log_step: f64, snr: bool) -> Result<(Probe, Option<Trial>)> {
        let step = log_step.exp2();
        let t = self.prepared.trial(Some(self.keep), step, snr)?;
        let p = Probe {
            keep: self.keep,
            step,
            bytes: t.file_bytes(),
            snr_db: t
                .signals
                .as_deref()
                .map(|signals| joint_snr_db(&self.audio.channels, signals)),
        };
        let candidate = p.snr_db.is_some()
            && self
                .best
                .as_ref()
                .is_none_or(|(b, _)| self.rank.better(&p, b));
        Ok((p, candidate.then_some(t)))
    }

    /// Record a trial in order.
    fn record(&mut self, p: Probe, t: Option<Trial>) {
        self.probes.push(p);
        if let Some(t) = t {
            self.record_best(p, t);
        }
    }

    /// File size at relative step 2^log_step.
    fn bytes(&mut self, log_step: f64) -> Result<usize> {
        let (p, t) = self.probe(log_step, false)?;
        self.record(p, t);
        Ok(p.bytes)
    }

    /// File size and decoded SNR at relative step 2^log_step.
    fn measure(&mut self, log_step: f64) -> Result<(usize, f64)> {
        let (p, t) = self.probe(log_step, true)?;
        self.record(p, t);
        Ok((p.bytes, p.snr_db.unwrap_or(f64::NEG_INFINITY)))
    }

    /// Measure several steps, recorded in the order given, up to and including the first
    /// whose probe `stop` returns true for. They run in parallel batches of the thread
    /// pool's size; what a batch measured past the stop is dropped, so the trials recorded do
    /// not depend on the number of threads.
    fn measure_until(
        &mut self,
        log_steps: &[f64],
        mut stop: impl FnMut(&Probe) -> bool,
    ) -> Result<()> {
        for batch in log_steps.chunks(rayon::current_num_threads().max(1)) {
            let this = &*self;
            let results: Vec<(Probe, Option<Trial>)> = batch
                .par_iter()
                .map(|&l| this.probe(l, true))
                .collect::<Result<_>>()?;
            for (p, t) in results {
                self.record(p, t);
                if stop(&p) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Take over the trials of another search (after this one's).
    fn absorb(&mut self, other: Search) {
        self.probes.extend(other.probes);
        if let Some((p, t)) = other.best {
            self.record_best(p, t);
        }
    }

    /// Keep `t` if its probe `p`, later than every one recorded, displaces the best.
    fn record_best(&mut self, p: Probe, t: Trial) {
        if self
            .best
            .as_ref()
            .is_none_or(|(b, _)| self.rank.better(&p, b))
        {
            self.best = Some((p, t));
        }
    }
}

/// The bracket of a crossing: the largest log₂ step seen on the reaching side (with its
/// value), the smallest seen on the other.
struct Crossing {
    reached: Option<(f64, f64)>,
    missed: Option<f64>,
}

/// Find a log₂ step x in [lo, hi] with `inside(f(x))`, where f falls as x grows (roughly
/// linearly, `slope` per octave at first) and `reaches(f(x))` holds below the crossing:
/// secant steps on the last two points, kept inside the bracket of the largest x known to
/// satisfy `reaches` and the smallest known not to, with a bisection of the bracket when the
/// secant leaves it, until the bracket is narrower than `resolution` octaves. Returns the
/// bracket.
fn find_crossing(
    mut f: impl FnMut(f64) -> Result<f64>,
    start: f64,
    aim: f64,
    slope: f64,
    resolution: f64,
    reaches: impl Fn(f64) -> bool,
    inside: impl Fn(f64) -> bool,
) -> Result<Crossing> {
    let (lo, hi) = LOG_STEP_RANGE;
    let mut c = Crossing {
        reached: None,
        missed: None,
    };
    let mut last: Option<(f64, f64)> = None;
    let mut x = start.clamp(lo, hi);
    for _ in 0..SECANT_ITERATIONS {
        let y = f(x)?;
        if reaches(y) {
            if c.reached.is_none_or(|(r, _)| x > r) {
                c.reached = Some((x, y));
            }
        } else if c.missed.is_none_or(|m| x < m) {
            c.missed = Some(x);
        }
        if inside(y) {
            break;
        }
        let s = match last {
            Some((x0, y0)) if x != x0 => ((y0 - y) / (x - x0)).clamp(0.25 * slope, 4.0 * slope),
            _ => slope,
        };
        last = Some((x, y));
        let mut next = x + (y - aim) / s;
        let (a, b) = (c.reached.map_or(lo, |r| r.0), c.missed.unwrap_or(hi));
        if next <= a || next >= b {
            next = 0.5 * (a + b);
        }
        if (x == lo && next <= lo) || (x == hi && next >= hi) || (b - a) < resolution {
            break;
        }
        x = next.clamp(lo, hi);
    }
    Ok(c)
}

/// `--bitrate`: find a step whose file is in [(1 − 2 %)·B, B], then measure the SNR of the
/// steps just above it (the decoded SNR is not monotonic in the step: quantization errors of
/// related coefficients add up coherently or cancel).
fn for_bitrate<'a>(
    p: &'a dyn Prepared,
    audio: &'a Audio,
    rank: Rank,
    keep: f64,
    budget: usize,
) -> Result<Search<'a>> {
    let mut s = Search::new(p, audio, rank, keep);
    let (target, aim) = bitrate_aim(budget);
    let floor = (1.0 - BITRATE_TOLERANCE).log2();
    // Here "reaching" is the small-step side of the crossing: a file above the budget.
    find_crossing(
        |x| Ok((s.bytes(x)?.max(1) as f64).log2()),
        first_log_step(Target::Bitrate { kbps: 0.0 }),
        aim,
        BYTES_SLOPE,
        BITRATE_RESOLUTION,
        |y| y > target,
        |y| y <= target && y >= target + floor,
    )?;
    let Some(fit) = s
        .probes
        .iter()
        .filter(|p| p.bytes <= budget)
        .max_by_key(|p| p.bytes)
        .map(|p| p.step.log2())
    else {
        // Even the coarsest step does not fit: measure it.
        s.measure(LOG_STEP_RANGE.1)?;
        return Ok(s);
    };
    let steps: Vec<f64> = (0..BITRATE_SCAN)
        .map(|j| fit + j as f64 / SCAN_DIVISIONS / 4.0)
        .collect();
    s.measure_until(&steps, |_| false)?;
    Ok(s)
}

/// `--snr`: find the crossing of the target, scan the steps above it for smaller files that
/// still reach it, then narrow the best bracket down to the tolerance window.
fn for_snr<'a>(
    p: &'a dyn Prepared,
    audio: &'a Audio,
    rank: Rank,
    keep: f64,
    db: f64,
) -> Result<Search<'a>> {
    let mut s = Search::new(p, audio, rank, keep);
    let in_window = |y: f64| y >= db && y <= db + SNR_TOLERANCE_DB;
    let c = find_crossing(
        |x| Ok(s.measure(x)?.1),
        first_log_step(Target::Snr { db }),
        snr_aim(db),
        SNR_SLOPE,
        SNR_RESOLUTION,
        |y| y >= db,
        in_window,
    )?;
    let Some((x, reached)) = c.reached else {
        return Ok(s);
    };
    let steps: Vec<f64> = (1..=SNR_SCAN)
        .map(|j| x + j as f64 / SCAN_DIVISIONS)
        .filter(|&l| l <= LOG_STEP_RANGE.1)
        .collect();
    // While the SNR falls at every step of the scan (from the crossing's on), it is smooth
    // in the step (the DWT's, an orthogonal transform's, nearly is): the scan ends once
    // FALLING_STOP steps are below D. An SNR that rises anywhere is noisy (single
    // quantization decisions move it by more than the window): all the steps are measured.
    let (mut previous, mut below) = (reached, 0);
    let mut falling = true;
    s.measure_until(&steps, |p| {
        let y = p.snr_db.unwrap_or(f64::NEG_INFINITY);
        falling &= y < previous;
        previous = y;
        below += usize::from(y < db);
        falling && below >= FALLING_STOP
    })?;
    let snr = |p: &Probe| p.snr_db.unwrap_or(f64::NEG_INFINITY);
    let window_bytes = s
        .probes
        .iter()
        .filter(|p| in_window(snr(p)))
        .map(|p| p.bytes)
        .min();
    // Bisect between the largest step reaching the target and the next larger one tried
    // (which falls short) when no trial is in the window, or when that step overshoots the
    // window with a smaller file than the window's best (the noisy SNR of a PGBZ scan).
    let mut tried: Vec<(f64, f64, usize)> = s
        .probes
        .iter()
        .map(|p| (p.step.log2(), snr(p), p.bytes))
        .collect();
    tried.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(i) = tried.iter().rposition(|&(_, y, _)| y >= db) else {
        return Ok(s);
    };
    if window_bytes.is_some_and(|w| in_window(tried[i].1) || tried[i].2 >= w) {
        return Ok(s);
    }
    let Some(&(mut b, _, _)) = tried[i + 1..].first() else {
        return Ok(s);
    };
    let mut a = tried[i].0;
    for _ in 0..REFINEMENTS {
        let mid = 0.5 * (a + b);
        let (_, y) = s.measure(mid)?;
        if y > db + SNR_TOLERANCE_DB {
            a = mid;
        } else if y >= db {
            return Ok(s);
        } else {
            b = mid;
        }
    }
    if window_bytes.is_some() {
        return Ok(s);
    }
    // The SNR jumps over the window at this step (one changed decision moves it by more than
    // the window): at the overshooting step, drop the smallest kept coefficients instead,
    // bisecting log₂ of the keep fraction.
    let step = a;
    let (mut k_lo, mut k_hi) = (keep.log2() - KEEP_OCTAVES, keep.log2());
    for _ in 0..REFINEMENTS {
        let mid = 0.5 * (k_lo + k_hi);
        let mut trimmed = Search::new(p, audio, rank, mid.exp2());
        let (_, y) = trimmed.measure(step)?;
        s.absorb(trimmed);
        if y > db + SNR_TOLERANCE_DB {
            k_hi = mid;
        } else if y >= db {
            break;
        } else {
            k_lo = mid;
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The selection over a whole list of trials, written out as the module docs state it:
    /// the index of the winner.
    fn select(target: Target, probes: &[Probe], seconds: f64) -> usize {
        let snr = |i: &usize| probes[*i].snr_db.unwrap_or(f64::NEG_INFINITY);
        let bytes = |i: &usize| probes[*i].bytes;
        let all = (0..probes.len()).filter(|&i| probes[i].snr_db.is_some());
        match target {
            Target::Snr { db } => {
                let within = |i: &usize| snr(i) >= db && snr(i) <= db + SNR_TOLERANCE_DB;
                all.clone()
                    .filter(within)
                    .min_by_key(bytes)
                    .or_else(|| all.clone().filter(|i| snr(i) >= db).min_by_key(bytes))
                    .or_else(|| all.clone().max_by(|a, b| snr(a).total_cmp(&snr(b))))
                    .unwrap()
            }
            Target::Bitrate { kbps } => {
                let budget = budget_bytes(kbps, seconds);
                let floor = ((1.0 - BITRATE_TOLERANCE) * budget as f64).ceil() as usize;
                let fits = |i: &usize| bytes(i) <= budget;
                all.clone()
                    .filter(|i| fits(i) && bytes(i) >= floor)
                    .max_by(|a, b| snr(a).total_cmp(&snr(b)))
                    .or_else(|| all.clone().filter(fits).max_by_key(bytes))
                    .or_else(|| all.clone().min_by_key(bytes))
                    .unwrap()
            }
            Target::Fixed { .. } => unreachable!(),
        }
    }

    /// Folding the trials one by one with [`Rank::better`] (what the searches do, keeping one
    /// encoding) picks the same trial as the selection over the whole list, ties included.
    #[test]
    fn folding_with_the_rank_equals_the_selection_over_all_trials() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let seconds = 1.0;
        for round in 0..2000 {
            let target = if round % 2 == 0 {
                Target::Snr { db: 20.0 }
            } else {
                // A budget of 1000 bytes: floor 980.
                Target::Bitrate { kbps: 8.0 }
            };
            let n = rng.random_range(1..12);
            let probes: Vec<Probe> = (0..n)
                .map(|_| Probe {
                    keep: 1.0,
                    step: 1.0,
                    // Few distinct values, so that ties happen.
                    bytes: 960 + 10 * rng.random_range(0..6),
                    snr_db: if rng.random_range(0..8) == 0 && round % 2 == 1 {
                        None
                    } else {
                        Some(19.9 + 0.05 * f64::from(rng.random_range(0..6)))
                    },
                })
                .collect();
            if probes.iter().all(|p| p.snr_db.is_none()) {
                continue;
            }
            let rank = Rank::new(target, seconds);
            let mut best: Option<usize> = None;
            for (i, p) in probes.iter().enumerate() {
                if p.snr_db.is_some() && best.is_none_or(|b| rank.better(p, &probes[b])) {
                    best = Some(i);
                }
            }
            assert_eq!(
                best.unwrap(),
                select(target, &probes, seconds),
                "{probes:?}"
            );
        }
    }
}
