//! Payload of the sparse coefficient methods (DWT, STFT, PGBZ): keep the largest coefficients
//! under a fair budget, quantize them by rate–distortion optimization, entropy-code the
//! significance map and the values with context models ([`context`]).
//!
//! A coefficient set is a list of *units* in scan order. A unit is one real coefficient
//! ([`Layout::Bands`]) or one complex coefficient of a conjugate-symmetric half layout
//! ([`Layout::Frames`], stored as interleaved re, im "slots"); a self-conjugate unit (DC,
//! Nyquist) has no imaginary part. Fair counting: a unit costs 1 real number if it is real or
//! self-conjugate, else 2 (it also fixes its conjugate partner, which is never stored).
//!
//! Quantization (step Δ, [`encode_rdo`]): each kept unit gets the values q (⌊|c|/Δ⌋ or
//! ⌊|c|/Δ⌋ + 1 per slot, or zero) that minimise distortion + λ·bits under the coder's current
//! model state; reconstruction ĉ = q·Δ.
//!
//! Coding (format version 5; versions 2–4 differ in the DWT classes, signs and parents, see
//! [`context::Coding`]): per unit in scan order a significance bit, then the values of a
//! significant unit, all in contexts of the already-coded neighbourhood ([`context`]).
//! Version 1 files are decoded by the version-1 scheme: context = significance of the previous
//! unit in the same row/band and of the unit "above" (same bin in the previous frame, or the
//! parent coefficient in the next coarser band), and a class: 32 significance contexts, 24
//! integer contexts ([`IntCoder::read`]).

use super::container::corrupt;
use super::context;
use super::entropy::{BitModel, IntCoder, Reader, Writer};
use super::limits::QUANTIZED_BOUND;
use crate::{Error, Result};
use std::sync::OnceLock;

/// The encoder's Lagrange multiplier λ of [`encode_rdo`], in bits⁻¹ × Δ²: the slope
/// −dD/dR = 2·ln 2·Δ²/12 of an entropy-coded uniform quantizer at high rate.
pub const RDO_LAMBDA: f64 = 2.0 * std::f64::consts::LN_2 / 12.0;
/// |c|/Δ must stay below this, so that quantized magnitudes fit the integer code.
const MAX_Q: f64 = (QUANTIZED_BOUND - 1) as f64;
/// Frequency classes (eighths of the axis) or capped band indices of the contexts.
pub(crate) const CLASSES: usize = 8;

/// How the coefficients of one channel are arranged.
#[derive(Clone, Debug, PartialEq)]
pub enum Layout {
    /// Real coefficients in bands: the DWT's approximation then its details, coarse to fine,
    /// or the leaves of a wavelet-packet tree in pre-order.
    Bands {
        /// Band lengths, in the order the coefficients are stored.
        lens: Vec<usize>,
        /// The order in which format version 5 scans the bands: by increasing frequency (a
        /// permutation of the band indices; the identity for the dyadic DWT). A coefficient's
        /// parent is in the band scanned before its own ([`context::scan`]).
        order: Vec<usize>,
    },
    /// Complex coefficients, `frames` rows of `bins`, time-major. Bin 0 is self-conjugate when
    /// `real_first`, bin `bins − 1` when `real_last`.
    Frames {
        /// Time frames.
        frames: usize,
        /// Frequency bins (units) per frame.
        bins: usize,
        /// Bin 0 is self-conjugate (real).
        real_first: bool,
        /// The last bin is self-conjugate (real; even FFT sizes).
        real_last: bool,
    },
}

impl Layout {
    /// Bands of lengths `lens` scanned in their stored order (the dyadic DWT).
    pub fn bands(lens: Vec<usize>) -> Self {
        let order = (0..lens.len()).collect();
        Layout::Bands { lens, order }
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        match self {
            Layout::Bands { lens, .. } => lens.iter().sum(),
            Layout::Frames { frames, bins, .. } => frames * bins,
        }
    }

    /// Slots (real numbers in memory) per unit.
    pub fn slots_per_unit(&self) -> usize {
        match self {
            Layout::Bands { .. } => 1,
            Layout::Frames { .. } => 2,
        }
    }

    /// Slots of the whole set.
    pub fn slots(&self) -> usize {
        self.units() * self.slots_per_unit()
    }

    pub(crate) fn self_conjugate(&self, u: usize) -> bool {
        match *self {
            Layout::Bands { .. } => true,
            Layout::Frames { bins, .. } => self.real_bin(u % bins),
        }
    }

    /// Whether bin `k` of a lattice holds real values (DC, and Nyquist when it is stored);
    /// a band layout has no bins.
    pub(crate) fn real_bin(&self, k: usize) -> bool {
        match *self {
            Layout::Bands { .. } => false,
            Layout::Frames {
                bins,
                real_first,
                real_last,
                ..
            } => (real_first && k == 0) || (real_last && k == bins - 1),
        }
    }

    /// Real numbers a kept unit costs: 1 or 2.
    pub fn cost(&self, u: usize) -> usize {
        match self {
            Layout::Bands { .. } => 1,
            Layout::Frames { .. } if self.self_conjugate(u) => 1,
            Layout::Frames { .. } => 2,
        }
    }

    /// Visit every unit in scan order with (unit, previous unit in the row, unit above, class).
    fn scan<E>(
        &self,
        mut f: impl FnMut(usize, Option<usize>, Option<usize>, usize) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Layout::Bands { lens, .. } => {
                let offsets = band_starts(lens);
                for (b, &len) in lens.iter().enumerate() {
                    let class = b.min(CLASSES - 1);
                    for i in 0..len {
                        let u = offsets[b] + i;
                        let left = (i > 0).then(|| u - 1);
                        let above = match b {
                            0 => None,
                            _ if lens[b - 1] == 0 => None,
                            1 => Some(offsets[0] + i.min(lens[0] - 1)),
                            _ => Some(offsets[b - 1] + (i / 2).min(lens[b - 1] - 1)),
                        };
                        f(u, left, above, class)?;
                    }
                }
            }
            &Layout::Frames { frames, bins, .. } => {
                for t in 0..frames {
                    for k in 0..bins {
                        let u = t * bins + k;
                        let left = (k > 0).then(|| u - 1);
                        let above = (t > 0).then(|| u - bins);
                        f(u, left, above, k * CLASSES / bins)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Index of the first unit of each band of lengths `lens`, stored one after the other.
pub(crate) fn band_starts(lens: &[usize]) -> Vec<usize> {
    lens.iter()
        .scan(0, |next, &len| {
            let start = *next;
            *next += len;
            Some(start)
        })
        .collect()
}

/// Unit magnitudes |c| of a slot vector.
fn magnitudes(layout: &Layout, slots: &[f64]) -> Vec<f64> {
    match layout {
        Layout::Bands { .. } => slots.iter().map(|c| c.abs()).collect(),
        Layout::Frames { .. } => slots
            .chunks_exact(2)
            .enumerate()
            .map(|(u, c)| {
                if layout.self_conjugate(u) {
                    c[0].abs()
                } else {
                    c[0].hypot(c[1])
                }
            })
            .collect(),
    }
}

/// The units of one channel ranked for keeping: by magnitude, largest first, ties by index.
/// The ranking is sorted when a budget first leaves units out; a budget that keeps every unit
/// (the sparse methods' keep fraction 1) needs no order.
#[derive(Clone, Debug)]
pub struct Ranking {
    mags: Vec<f64>,
    /// Cost of every unit together.
    total_cost: usize,
    /// Every unit, in index order.
    every: OnceLock<Vec<u32>>,
    /// The units by magnitude, and cumulative_cost[i] = cost of the first i of them.
    sorted: OnceLock<(Vec<u32>, Vec<usize>)>,
    costs: Vec<u8>,
}

impl Ranking {
    /// Rank the units of `slots` by magnitude.
    pub fn new(layout: &Layout, slots: &[f64]) -> Self {
        let mags = magnitudes(layout, slots);
        let costs: Vec<u8> = (0..mags.len()).map(|u| layout.cost(u) as u8).collect();
        Ranking {
            total_cost: costs.iter().map(|&c| usize::from(c)).sum(),
            mags,
            costs,
            every: OnceLock::new(),
            sorted: OnceLock::new(),
        }
    }

    fn sorted(&self) -> &(Vec<u32>, Vec<usize>) {
        self.sorted.get_or_init(|| {
            // Magnitudes are ≥ 0 (or NaN, sign bit clear), whose bit patterns order as
            // their values do (`total_cmp`): sorting (complemented bits, index) pairs in
            // memory is the largest-first, ties-by-index order without indirect compares.
            let mut keyed: Vec<(u64, u32)> = self
                .mags
                .iter()
                .zip(0..)
                .map(|(m, u)| (!m.to_bits(), u))
                .collect();
            keyed.sort_unstable();
            let order: Vec<u32> = keyed.into_iter().map(|(_, u)| u).collect();
            let mut cumulative_cost = Vec::with_capacity(order.len() + 1);
            let mut acc = 0;
            cumulative_cost.push(0);
            for &u in &order {
                acc += usize::from(self.costs[u as usize]);
                cumulative_cost.push(acc);
            }
            (order, cumulative_cost)
        })
    }

    /// How many leading units fit a budget of `budget` real numbers.
    pub fn kept_units(&self, budget: usize) -> usize {
        if budget >= self.total_cost {
            return self.mags.len();
        }
        self.sorted().1.partition_point(|&c| c <= budget) - 1
    }

    /// The real numbers the kept units for `budget` cost ([`Layout::cost`] summed).
    pub fn kept_cost(&self, budget: usize) -> usize {
        if budget >= self.total_cost {
            return self.total_cost;
        }
        self.sorted().1[self.kept_units(budget)]
    }

    /// The kept units for `budget`: every unit in index order when the budget covers them
    /// all, else the largest ones, largest first.
    pub fn kept(&self, budget: usize) -> &[u32] {
        if budget >= self.total_cost {
            return self
                .every
                .get_or_init(|| (0..self.mags.len() as u32).collect());
        }
        &self.sorted().0[..self.kept_units(budget)]
    }
}

/// ĉ = q·Δ.
pub fn dequantize(q: &[i64], step: f64) -> Vec<f64> {
    q.iter().map(|&v| v as f64 * step).collect()
}

/// The version-1 models: 32 significance models, 24 integer contexts.
struct ModelsV1 {
    sig: Vec<BitModel>,
    values: IntCoder,
}

impl ModelsV1 {
    fn new() -> Self {
        ModelsV1 {
            sig: vec![BitModel::default(); 4 * CLASSES],
            values: IntCoder::new(3 * CLASSES),
        }
    }
}

/// Quantize the `kept` units of `slots` with step Δ and entropy-code them (format version 5,
/// [`context`]), choosing each unit's values to minimise J = D + λ·R in coding order:
/// D = w·Σ(c/Δ − q)² over the unit's slots (w = the unit's [`cost`](Layout::cost): a stored
/// complex unit stands for a conjugate pair), R = its bits under the static costs of a first
/// rounding to nearest ([`context::StaticCosts`]). Candidates per slot are ⌊|c|/Δ⌋ and
/// ⌊|c|/Δ⌋ + 1 with the sign of c, and the whole unit zero; a unit whose slots all have |c| < Δ/2 is zero. λ = 0 is plain rounding.
/// Returns the quantized slots (0 outside the kept set) and the payload.
pub fn encode_rdo(
    layout: &Layout,
    slots: &[f64],
    kept: &[u32],
    step: f64,
    lambda: f64,
    shaping: Option<NoiseShaping>,
) -> Result<(Vec<i64>, Vec<u8>)> {
    let spu = layout.slots_per_unit();
    let mut keep = vec![false; layout.units()];
    // The fed-back errors move a target by at most NoiseShaping::MAX_SHIFT.
    let max_q = match shaping {
        Some(_) => MAX_Q - NoiseShaping::MAX_SHIFT,
        None => MAX_Q,
    };
    for &u in kept {
        let u = u as usize;
        keep[u] = true;
        for &c in &slots[u * spu..(u + 1) * spu] {
            if c.is_nan() || c.abs() / step >= max_q {
                return Err(Error::param(
                    "step",
                    format!("step {step:e} is too small for coefficients of size {c:e}"),
                ));
            }
        }
    }
    // The rate term: static costs of a first quantization, rounding to nearest.
    let mut q = vec![0_i64; slots.len()];
    for (u, _) in keep.iter().enumerate().filter(|(_, &k)| k) {
        for s in u * spu..(u + 1) * spu {
            q[s] = round_to_i64(slots[s] / step);
        }
    }
    let coding = context::Coding::V5;
    let costs = context::StaticCosts::gather(layout, coding, &q);
    // The scan below overwrites every unit of `q` with its chosen values (zeros included).
    let mut coded = context::Coded::new(layout, coding);
    let mut m = context::Models::default();
    let mut w = Writer::default();
    let mut feedback = shaping.map(|s| ErrorFeedback::new(s, layout));
    let _ = context::scan(layout, coding, |unit, n| -> Result<(), ()> {
        let cx = coded.context(unit.class, n);
        let (u, n_values) = (unit.index, unit.values);
        let mut buf = [0.0; 2];
        for (b, c) in buf.iter_mut().zip(&slots[u * spu..u * spu + n_values]) {
            *b = c / step;
        }
        if let Some(f) = &mut feedback {
            f.shift(&mut buf[..n_values]);
        }
        let scaled = &buf[..n_values];
        let best = if keep[u] && scaled.iter().any(|a| a.abs() >= 0.5) {
            choose_values(&costs, cx, scaled, n_values as f64, lambda)
        } else {
            None
        };
        let chosen = &mut q[u * spu..(u + 1) * spu];
        match best {
            Some(values) => {
                m.write_significance(&mut w, cx, true);
                m.write_values(&mut w, cx, &values[..n_values]);
                coded.record(u, &values[..n_values]);
                chosen[..n_values].copy_from_slice(&values[..n_values]);
                chosen[n_values..].fill(0);
            }
            None => {
                m.write_significance(&mut w, cx, false);
                chosen.fill(0);
            }
        }
        if let Some(f) = &mut feedback {
            f.record(scaled, &chosen[..n_values]);
        }
        Ok(())
    });
    Ok((q, w.finish()))
}

/// Error feedback of [`encode_rdo`] on a lattice: the quantization error is shaped by the
/// causal filter `H = 1 + a·z_t⁻¹ + b·z_k⁻¹ + d·z_t⁻¹z_k⁻¹` over time frames t and bins k, so
/// that little of it is left at the highest frequencies of the coefficient array.
///
/// Why (PGBZ): its synthesis divides by `conj(Zg)` in the Zak domain, and the Zak transform of the
/// lattice's Gaussian vanishes near the centre of the Zak domain — which the coefficient array's
/// 2-D DFT maps to its highest frequency in both directions (signs alternating along time
/// and along frequency). White quantization errors are therefore amplified 3–5× in energy
/// (the mean of `1/(M·|Zg|²)`), half of it from 1 % of the Zak bins. Each unit is quantized
/// with the target `c/Δ + a·e[t−1, k] + b·e[t, k−1] + d·e[t−1, k−1]`, `e` the errors
/// (chosen − target) of the units already coded; the error of the coefficients is then
/// `H·e`, whose energy near that centre is small. The decoder does not change: it reads the
/// chosen values, as before.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseShaping {
    /// a, along time frames.
    pub time: f64,
    /// b, along frequency bins.
    pub freq: f64,
    /// d, on the diagonal (the previous frame's previous bin).
    pub diagonal: f64,
}

impl NoiseShaping {
    /// The shaping of PGBZ lattices, (a, b, d) = (0.4, 0.4, −0.1): the least-squares filter
    /// for white errors — the `H` minimising Σ |H|²/(M·|Zg|²) over the Zak bins — is
    /// (0.37…0.40, 0.37…0.40, −0.09…−0.11) on every lattice computed, from 45 × 45 to
    /// 1627 × 1627, and removes 3.3–5.6 dB of the amplification (the separable
    /// (1 + z_t⁻¹/2)(1 + z_k⁻¹/2): 2.8–4.8 dB). Checked by a test against the least-squares
    /// solution from the plan's `Zg`.
    pub const PGBZ: NoiseShaping = NoiseShaping {
        time: 0.4,
        freq: 0.4,
        diagonal: -0.1,
    };
    /// The STFT's largest gain: the filter's white-noise power 1 + b² is rate spent, and b = 0.7
    /// lost to 0.3 and 0.5 on every shared clip.
    pub const MAX_GAIN: f64 = 0.5;

    /// The shaping of STFT frames with the synthesis window `s` (centred in its `n_fft`
    /// samples): along frequency only, b = min(½, b*) with b* = −Σ s²(τ)·cos(2πτ/n_fft) / Σ s²(τ),
    /// the first-order filter that minimises the synthesized power of white errors. An error
    /// reaches the output weighted by the window's square at its time position τ, and signs
    /// alternating along the bins put it at τ = n_fft/2, the centre of the frame; a bell-shaped
    /// window peaks there (Hann: b* = ⅔, so b = ½) and a flat one has b* = 0. Along time,
    /// alternating frames cancel in the overlap-add: the error there costs least and is not
    /// shaped away.
    pub fn stft(synthesis: &[f64]) -> NoiseShaping {
        let n = synthesis.len() as f64;
        let (mut power, mut first) = (0.0, 0.0);
        for (t, s) in synthesis.iter().enumerate() {
            power += s * s;
            first += s * s * (std::f64::consts::TAU * t as f64 / n).cos();
        }
        let best = if power > 0.0 { -first / power } else { 0.0 };
        NoiseShaping {
            time: 0.0,
            freq: best.clamp(0.0, Self::MAX_GAIN),
            diagonal: 0.0,
        }
    }

    /// Bound on the feedback's shift of a target, in steps (it is clamped there): a rounded
    /// unit's error is below 1 and a unit the quantizer zeroes has a small target, so shifts
    /// stay below a few steps; the bound keeps every target inside the integer code's range
    /// whatever the step.
    const MAX_SHIFT: f64 = 16.0;
}

/// The state of [`NoiseShaping`] during one scan of a [`Layout::Frames`] set: the errors of
/// the previous frame and of the current one so far, per bin, (re, im). A [`Layout::Bands`]
/// set (never shaped by the codec's transforms, but accepted) is one frame of all its units.
struct ErrorFeedback {
    shaping: NoiseShaping,
    bins: usize,
    /// Bin of the next unit.
    k: usize,
    previous: Vec<[f64; 2]>,
    current: Vec<[f64; 2]>,
}

impl ErrorFeedback {
    fn new(shaping: NoiseShaping, layout: &Layout) -> Self {
        let bins = match *layout {
            Layout::Frames { bins, .. } => bins,
            Layout::Bands { .. } => layout.units(),
        };
        ErrorFeedback {
            shaping,
            bins,
            k: 0,
            previous: vec![[0.0; 2]; bins],
            current: vec![[0.0; 2]; bins],
        }
    }

    /// Add the fed-back errors to the next unit's target `scaled` (c/Δ per value).
    fn shift(&self, scaled: &mut [f64]) {
        let NoiseShaping {
            time: a,
            freq: b,
            diagonal: d,
        } = self.shaping;
        let k = self.k;
        for (s, v) in scaled.iter_mut().enumerate() {
            let (left, diagonal) = match k {
                0 => (0.0, 0.0),
                _ => (self.current[k - 1][s], self.previous[k - 1][s]),
            };
            let shift = a * self.previous[k][s] + b * left + d * diagonal;
            *v += shift.clamp(-NoiseShaping::MAX_SHIFT, NoiseShaping::MAX_SHIFT);
        }
    }

    /// Record the unit's error: chosen values minus the (shifted) target.
    fn record(&mut self, scaled: &[f64], chosen: &[i64]) {
        let mut e = [0.0; 2];
        for ((e, &v), &q) in e.iter_mut().zip(scaled).zip(chosen) {
            *e = q as f64 - v;
        }
        self.current[self.k] = e;
        self.k += 1;
        if self.k == self.bins {
            std::mem::swap(&mut self.previous, &mut self.current);
            self.k = 0;
        }
    }
}

/// `x` rounded to the nearest integer, halves away from zero, as `x.round() as i64` for
/// |x| < 2⁵²: truncation, then a carry on the fraction x − trunc(x) (exact in that range).
/// Baseline x86-64 has no rounding instruction, so `f64::round` is a libm call per value.
fn round_to_i64(x: f64) -> i64 {
    let t = x as i64;
    let fraction = x - t as f64;
    // Without branches: the carry is unpredictable.
    t + i64::from(fraction >= 0.5) - i64::from(fraction <= -0.5)
}

/// The values of one unit (`scaled` = c/Δ, one or two slots) minimising D + λR, or `None`
/// when zero is best.
fn choose_values(
    costs: &context::StaticCosts,
    cx: context::UnitContext,
    scaled: &[f64],
    weight: f64,
    lambda: f64,
) -> Option<[i64; 2]> {
    let options = |a: f64| -> [i64; 2] {
        // Truncation is the floor of |a| ≥ 0 (one conversion, not a libm call).
        let f = a.abs() as i64;
        let sign = if a < 0.0 { -1 } else { 1 };
        [sign * f, sign * (f + 1)]
    };
    let distortion = |values: &[i64]| -> f64 {
        weight
            * scaled
                .iter()
                .zip(values)
                .map(|(&a, &v)| (a - v as f64).powi(2))
                .sum::<f64>()
    };
    let mut best_cost =
        distortion(&[0, 0][..scaled.len()]) + lambda * costs.significance(cx, false);
    let mut best = None;
    let significant = lambda * costs.significance(cx, true);
    let first = options(scaled[0]);
    let second = scaled.get(1).map_or([0, 0], |&a| options(a));
    let seconds = if scaled.len() > 1 { 2 } else { 1 };
    for &v0 in &first {
        for &v1 in &second[..seconds] {
            let values = [v0, v1];
            let values = &values[..scaled.len()];
            if values.iter().all(|&v| v == 0) {
                continue;
            }
            let cost = distortion(values) + significant + lambda * costs.values(cx, values);
            if cost < best_cost {
                best_cost = cost;
                best = Some([v0, v1]);
            }
        }
    }
    best
}

/// Decode the quantized slots of one channel written in format `version` (1 to 5); any
/// stream the encoder cannot produce is an error.
pub fn decode_payload(layout: &Layout, bytes: &[u8], version: u16) -> Result<Vec<i64>> {
    let mut r =
        Reader::new(bytes).map_err(|_| corrupt("payload is not a whole number of words"))?;
    let q = match version {
        1 => decode_v1(layout, &mut r),
        2 => decode_context(layout, context::Coding::V2, &mut r),
        3 | 4 => decode_context(layout, context::Coding::V3, &mut r),
        _ => decode_context(layout, context::Coding::V5, &mut r),
    }
    .map_err(|_| corrupt("invalid coefficient stream"))?;
    if !r.exhausted() {
        return Err(corrupt("coefficient stream has unused trailing data"));
    }
    Ok(q)
}

fn decode_context(layout: &Layout, coding: context::Coding, r: &mut Reader) -> Result<Vec<i64>> {
    let spu = layout.slots_per_unit();
    let mut q = vec![0_i64; layout.slots()];
    let mut coded = context::Coded::new(layout, coding);
    let mut m = context::Models::default();
    context::scan(layout, coding, |unit, n| -> Result<()> {
        let cx = coded.context(unit.class, n);
        if m.read_significance(r, cx)? {
            let u = unit.index;
            let vals = &mut q[u * spu..u * spu + unit.values];
            m.read_values(r, cx, vals)?;
            if vals.iter().all(|&v| v == 0) {
                return Err(corrupt("a significant unit without a non-zero value"));
            }
            coded.record(u, vals);
        }
        Ok(())
    })?;
    Ok(q)
}

fn decode_v1(layout: &Layout, r: &mut Reader) -> Result<Vec<i64>> {
    let spu = layout.slots_per_unit();
    let mut q = vec![0_i64; layout.slots()];
    let mut sig = vec![false; layout.units()];
    let mut m = ModelsV1::new();
    layout.scan(|u, left, above, class| -> Result<()> {
        let l = left.is_some_and(|v| sig[v]);
        let a = above.is_some_and(|v| sig[v]);
        if r.bit(&mut m.sig[class * 4 + usize::from(l) + 2 * usize::from(a)])? {
            sig[u] = true;
            let ctx = class * 3 + usize::from(l) + usize::from(a);
            let n = if layout.self_conjugate(u) { 1 } else { spu };
            for v in &mut q[u * spu..u * spu + n] {
                *v = m.values.read(r, ctx)?;
            }
            if q[u * spu..(u + 1) * spu].iter().all(|&v| v == 0) {
                return Err(corrupt("a significant unit without a non-zero value"));
            }
        }
        Ok(())
    })?;
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn layouts() -> Vec<Layout> {
        vec![
            Layout::bands(vec![5, 5, 9, 17, 33]),
            // Packet leaves: neighbours of one length, scanned out of their stored order.
            Layout::Bands {
                lens: vec![6, 6, 12, 6, 6, 12],
                order: vec![0, 1, 3, 4, 2, 5],
            },
            Layout::Frames {
                frames: 7,
                bins: 9,
                real_first: true,
                real_last: true,
            },
            Layout::Frames {
                frames: 5,
                bins: 4,
                real_first: true,
                real_last: false,
            },
        ]
    }

    #[test]
    fn round_to_i64_is_f64_round() {
        let below_half = 0.5 - f64::EPSILON / 4.0;
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            below_half,
            -below_half,
        ];
        xs.extend([
            1.0 + f64::EPSILON,
            4503599627370495.5,
            -4503599627370495.5,
            3e15 + 0.25,
        ]);
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..100_000 {
            // xorshift64: values over many magnitudes, both signs.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
            let scale = 2f64.powi((state % 48) as i32 - 4);
            let sign = if state & 1 == 0 { 1.0 } else { -1.0 };
            xs.push(sign * mantissa * scale);
        }
        for x in xs {
            assert_eq!(round_to_i64(x), x.round() as i64, "x = {x:e}");
        }
    }

    #[test]
    fn fair_budget_counts_conjugate_pairs_twice() {
        let layout = Layout::Frames {
            frames: 1,
            bins: 3,
            real_first: true,
            real_last: false,
        };
        // Units: DC (cost 1, |c| = 3), bin 1 (cost 2, |c| = 5), bin 2 (cost 2, |c| = 1).
        let slots = [3.0, 0.0, 3.0, 4.0, 1.0, 0.0];
        let r = Ranking::new(&layout, &slots);
        assert_eq!(r.kept(0), &[] as &[u32]);
        assert_eq!(r.kept(2), &[1]);
        assert_eq!(r.kept(4), &[1, 0]);
        // The whole budget keeps every unit, in index order.
        assert_eq!(r.kept(5), &[0, 1, 2]);
        assert_eq!(r.kept(9), &[0, 1, 2]);
        assert_eq!(r.kept_units(4), 2);
        // Costs of the kept units: bin 1 (2), bin 1 + DC (3), everything (5).
        assert_eq!(r.kept_cost(2), 2);
        assert_eq!(r.kept_cost(4), 3);
        assert_eq!(r.kept_cost(5), 5);
        assert_eq!(r.kept_cost(9), 5);
    }

    #[test]
    fn payload_round_trip() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for layout in layouts() {
            let slots: Vec<f64> = (0..layout.slots())
                .map(|_| rng.random_range(-1.0..1.0_f64).powi(3) * 100.0)
                .collect();
            let ranking = Ranking::new(&layout, &slots);
            for budget in [0, 3, layout.units() / 2, 2 * layout.units()] {
                for lambda in [0.0, RDO_LAMBDA, 1.0] {
                    for shaping in [None, Some(NoiseShaping::PGBZ)] {
                        let kept = ranking.kept(budget);
                        let (q, bytes) =
                            encode_rdo(&layout, &slots, kept, 0.7, lambda, shaping).unwrap();
                        let version = super::super::container::VERSION;
                        assert_eq!(decode_payload(&layout, &bytes, version).unwrap(), q);
                    }
                }
            }
        }
    }

    #[test]
    fn noise_shaping_without_gains_is_plain_quantization() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let none = NoiseShaping {
            time: 0.0,
            freq: 0.0,
            diagonal: 0.0,
        };
        for layout in layouts() {
            let slots: Vec<f64> = (0..layout.slots())
                .map(|_| rng.random_range(-1.0..1.0_f64).powi(3) * 20.0)
                .collect();
            let all: Vec<u32> = (0..layout.units() as u32).collect();
            let plain = encode_rdo(&layout, &slots, &all, 0.7, RDO_LAMBDA, None).unwrap();
            let shaped = encode_rdo(&layout, &slots, &all, 0.7, RDO_LAMBDA, Some(none)).unwrap();
            assert_eq!(plain, shaped);
        }
    }

    /// The PGBZ taps against the least-squares filter of each lattice's Zak weight
    /// w = 1/(M·|Zg|²): minimising Σ w·|1 + a·z_k + b·z_j + d·z_k·z_j|² over the Zak bins (k, j)
    /// (z_k = e^{−2πik/N}, z_j = e^{−2πij/M}; w is even in k and in j) is a 3 × 3 linear
    /// system. The rounded taps are within 0.04 of its solution and lose under 0.1 dB of its
    /// reduction of the synthesized error power, which is at least 3 dB.
    #[test]
    fn pgbz_shaping_is_the_least_squares_filter_of_the_zak_weight() {
        use crate::transform::zak::Pgbz;
        use std::f64::consts::TAU;
        for (m, n) in [(45, 45), (135, 45), (45, 135), (357, 357), (729, 175)] {
            let plan = Pgbz::with_lattice(m, n, m * n).unwrap();
            let nh = n.div_ceil(2);
            // Sums over all k (k and N − k share |Zg|): Σw, and Σw·cos of the lags.
            let (mut w0, mut ck, mut cj, mut ckj) = (0.0, 0.0, 0.0, 0.0);
            for (j, row) in plan.zak_window().chunks_exact(nh).enumerate() {
                for (k, z) in row.iter().enumerate() {
                    let copies = if k == 0 { 1.0 } else { 2.0 };
                    let w = copies / (m as f64 * z.norm_sqr());
                    let (tk, tj) = (TAU * k as f64 / n as f64, TAU * j as f64 / m as f64);
                    w0 += w;
                    ck += w * tk.cos();
                    cj += w * tj.cos();
                    ckj += w * tk.cos() * tj.cos();
                }
            }
            // E|H|² = w0(1 + a² + b² + d²) + 2a·ck + 2b·cj + 2d·ckj + 2ab·ckj + 2ad·cj + 2bd·ck.
            let power = |a: f64, b: f64, d: f64| {
                w0 * (1.0 + a * a + b * b + d * d)
                    + 2.0 * (a * ck + b * cj + d * ckj + a * b * ckj + a * d * cj + b * d * ck)
            };
            let system = [[w0, ckj, cj], [ckj, w0, ck], [cj, ck, w0]];
            let rhs = [-ck, -cj, -ckj];
            let best = solve3(system, rhs);
            let s = NoiseShaping::PGBZ;
            let taps = [s.time, s.freq, s.diagonal];
            for (t, b) in taps.iter().zip(&best) {
                assert!(
                    (t - b).abs() < 0.04,
                    "{m}x{n}: taps {taps:?}, least squares {best:?}"
                );
            }
            let db = |p: f64| 10.0 * (p / w0).log10();
            let (optimum, shipped) = (
                db(power(best[0], best[1], best[2])),
                db(power(0.4, 0.4, -0.1)),
            );
            assert!(
                optimum < -3.0 && shipped < optimum + 0.1,
                "{m}x{n}: {optimum} {shipped} dB"
            );
        }
    }

    /// `x` with `a·x = r` (Cramer's rule; `a` well conditioned here).
    fn solve3(a: [[f64; 3]; 3], r: [f64; 3]) -> [f64; 3] {
        let det = |m: [[f64; 3]; 3]| {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        };
        let d = det(a);
        let mut x = [0.0; 3];
        for (i, xi) in x.iter_mut().enumerate() {
            let mut ai = a;
            for (row, &ri) in ai.iter_mut().zip(&r) {
                row[i] = ri;
            }
            *xi = det(ai) / d;
        }
        x
    }

    /// b* = −Σ s²·cos(2πτ/n) / Σ s² by hand: s² = 1 − ½·cos(2πτ/n) gives ¼; a flat window 0;
    /// the Hann window ⅔, clamped to ½; a Hann window of half the frame, centred, more (½).
    #[test]
    fn stft_shaping_follows_the_synthesis_window() {
        use crate::transform::window::{Symmetry, WindowKind};
        let n = 1024;
        let phase = |t: usize| std::f64::consts::TAU * t as f64 / n as f64;
        let tilted: Vec<f64> = (0..n)
            .map(|t| (1.0 - 0.5 * phase(t).cos()).sqrt())
            .collect();
        let b = NoiseShaping::stft(&tilted);
        assert_eq!(b.time, 0.0);
        assert!((b.freq - 0.25).abs() < 1e-12, "{b:?}");
        assert!(NoiseShaping::stft(&vec![1.0; n]).freq.abs() < 1e-12);
        let hann = WindowKind::Hann.build(n, Symmetry::Periodic).unwrap();
        assert_eq!(NoiseShaping::stft(&hann).freq, NoiseShaping::MAX_GAIN);
        let mut short = vec![0.0; n];
        short[n / 4..3 * n / 4]
            .copy_from_slice(&WindowKind::Hann.build(n / 2, Symmetry::Periodic).unwrap());
        assert_eq!(NoiseShaping::stft(&short).freq, NoiseShaping::MAX_GAIN);
        assert_eq!(NoiseShaping::stft(&[0.0; 8]).freq, 0.0);
    }

    /// On real audio (tests/data/folk_4s.wav, first channel), at two steps: the shaped PGBZ
    /// and STFT payloads decode to a higher SNR than the plain ones for about the same bytes.
    #[test]
    fn noise_shaping_raises_the_snr_of_real_audio_at_the_same_rate() {
        use super::super::params::{PgbzParams, StftParams};
        use super::super::plan::SparsePlan;
        use crate::metrics::snr_db;
        use crate::transform::stft::PadMode;
        use crate::transform::window::WindowKind;
        let audio = crate::pipeline::load("tests/data/folk_4s.wav".as_ref(), false).unwrap();
        let x = &audio.channels[0];
        let pgbz = PgbzParams {
            lattice: None,
            refit: 0,
        };
        let stft = StftParams {
            n_fft: 1024,
            hop: 256,
            win_length: 1024,
            window: WindowKind::Hann,
            pad: PadMode::Zero,
        };
        let cases = [
            (SparsePlan::pgbz(&pgbz, x.len()).unwrap(), 1.5),
            (SparsePlan::stft(&stft, x.len()).unwrap(), 0.3),
        ];
        for (plan, min_gain_db) in cases {
            let shaping = plan.shaping().unwrap();
            let layout = plan.layout();
            let slots = plan.analyze(x).unwrap();
            let rms = (slots.iter().map(|v| v * v).sum::<f64>() / slots.len() as f64).sqrt();
            let all: Vec<u32> = (0..layout.units() as u32).collect();
            for relative_step in [0.05, 0.2] {
                let step = relative_step * rms;
                let measure = |shaping| {
                    let (q, bytes) =
                        encode_rdo(&layout, &slots, &all, step, RDO_LAMBDA, shaping).unwrap();
                    let y = plan.synthesize_quantized(&q, step).unwrap();
                    (snr_db(x, &y), bytes.len())
                };
                let (plain_snr, plain_bytes) = measure(None);
                let (shaped_snr, shaped_bytes) = measure(Some(shaping));
                let case = format!(
                    "{shaping:?}, step {relative_step}: {plain_snr:.2} dB in {plain_bytes} B \
                     plain, {shaped_snr:.2} dB in {shaped_bytes} B shaped"
                );
                assert!(shaped_snr >= plain_snr + min_gain_db, "{case}");
                assert!(shaped_bytes as f64 <= 1.03 * plain_bytes as f64, "{case}");
            }
        }
    }

    /// With λ = 0 (rounding to nearest) the error of the quantized coefficients is the
    /// rounding errors e filtered by 1 + a z_t⁻¹ + b z_k⁻¹ + d z_t⁻¹z_k⁻¹: checked against a direct
    /// evaluation of the recursion on a 5 × 4 lattice (real DC bin), every unit kept.
    #[test]
    fn shaped_errors_follow_the_noise_transfer_function() {
        let (frames, bins) = (5, 4);
        let layout = Layout::Frames {
            frames,
            bins,
            real_first: true,
            real_last: false,
        };
        let (a, b, d) = (0.5, 0.25, -0.125);
        let shaping = NoiseShaping {
            time: a,
            freq: b,
            diagonal: d,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let step = 0.5;
        let mut slots: Vec<f64> = (0..layout.slots())
            .map(|_| rng.random_range(-4.0..4.0))
            .collect();
        for t in 0..frames {
            slots[2 * t * bins + 1] = 0.0; // the DC bin is real
        }
        let all: Vec<u32> = (0..layout.units() as u32).collect();
        let (q, _) = encode_rdo(&layout, &slots, &all, step, 0.0, Some(shaping)).unwrap();
        // e[t][k][s]: rounding error of the shifted target; index t + 1, k + 1 (zero borders).
        let mut e = vec![vec![[0.0_f64; 2]; bins + 1]; frames + 1];
        for t in 0..frames {
            for k in 0..bins {
                let values = if k == 0 { 1 } else { 2 };
                // The fed-back part of each value: a·e[t−1, k] + b·e[t, k−1] + d·e[t−1, k−1].
                let (above, left, diagonal) = (e[t][k + 1], e[t + 1][k], e[t][k]);
                let fed = |s: usize| a * above[s] + b * left[s] + d * diagonal[s];
                let mut unit_error = [0.0; 2];
                for (s, error) in unit_error.iter_mut().enumerate().take(values) {
                    let i = 2 * (t * bins + k) + s;
                    let target = slots[i] / step + fed(s);
                    let rounded = target.round();
                    assert_eq!(q[i], rounded as i64, "unit ({t}, {k}), value {s}");
                    *error = rounded - target;
                    // The coefficient's error is the filtered rounding errors.
                    let filtered = *error + fed(s);
                    assert!((q[i] as f64 - slots[i] / step - filtered).abs() < 1e-12);
                }
                e[t + 1][k + 1] = unit_error;
            }
        }
    }
}
