//! Payload of the sparse coefficient methods (DWT, STFT, PGBZ): keep the largest coefficients
//! under a fair budget, quantize them with a dead zone, entropy-code the significance map and
//! the values.
//!
//! A coefficient set is a list of *units* in scan order. A unit is one real coefficient
//! ([`Layout::Bands`]) or one complex coefficient of a conjugate-symmetric half layout
//! ([`Layout::Frames`], stored as interleaved re, im "slots"); a self-conjugate unit (DC,
//! Nyquist) has no imaginary part. Fair counting: a unit costs 1 real number if it is real or
//! self-conjugate, else 2 (it also fixes its conjugate partner, which is never stored).
//!
//! Quantization (step Δ, rounding offset ρ = 1/3): q = sign(c)·⌊|c|/Δ + ρ⌋, reconstruction
//! ĉ = q·Δ. The zero bin |c| < (1 − ρ)Δ is wider than the others (the dead zone), which
//! discards coefficients that cost more bits than they return.
//!
//! Coding, per unit in scan order:
//! - significance bit (unit has a non-zero quantized slot), adaptive, context = significance
//!   of the previous unit in the same row/band, of the unit "above" (same bin in the previous
//!   frame, or the parent coefficient in the next coarser band), and a class (band index or
//!   eighth of the frequency axis): 32 contexts;
//! - for significant units, each slot as a signed integer ([`IntCoder`]) in a context of
//!   the class and the number of significant neighbours: 24 contexts.

use super::container::corrupt;
use super::entropy::{BitModel, IntCoder, Reader, Writer};
use super::limits::QUANTIZED_BOUND;
use crate::{Error, Result};

/// Rounding offset of the dead-zone quantizer.
pub const ROUNDING: f64 = 1.0 / 3.0;
/// |c|/Δ must stay below this, so that quantized magnitudes fit the integer code.
const MAX_Q: f64 = (QUANTIZED_BOUND - 1) as f64;
const CLASSES: usize = 8;

/// How the coefficients of one channel are arranged.
#[derive(Clone, Debug, PartialEq)]
pub enum Layout {
    /// Real coefficients in bands: the DWT's approximation then its details, coarse to fine.
    /// The parent of coefficient i of band b ≥ 1 is coefficient ⌊i/2⌋ of band b − 1 (i of
    /// band 0 for b = 1), clamped to that band.
    Bands(Vec<usize>),
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
    /// Number of units.
    pub fn units(&self) -> usize {
        match self {
            Layout::Bands(lens) => lens.iter().sum(),
            Layout::Frames { frames, bins, .. } => frames * bins,
        }
    }

    /// Slots (real numbers in memory) per unit.
    pub fn slots_per_unit(&self) -> usize {
        match self {
            Layout::Bands(_) => 1,
            Layout::Frames { .. } => 2,
        }
    }

    /// Slots of the whole set.
    pub fn slots(&self) -> usize {
        self.units() * self.slots_per_unit()
    }

    fn self_conjugate(&self, u: usize) -> bool {
        match *self {
            Layout::Bands(_) => true,
            Layout::Frames {
                bins,
                real_first,
                real_last,
                ..
            } => {
                let k = u % bins;
                (real_first && k == 0) || (real_last && k == bins - 1)
            }
        }
    }

    /// Real numbers a kept unit costs: 1 or 2.
    pub fn cost(&self, u: usize) -> usize {
        match self {
            Layout::Bands(_) => 1,
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
            Layout::Bands(lens) => {
                let mut offsets = Vec::with_capacity(lens.len());
                let mut off = 0;
                for &l in lens {
                    offsets.push(off);
                    off += l;
                }
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

/// Unit magnitudes |c| of a slot vector.
fn magnitudes(layout: &Layout, slots: &[f64]) -> Vec<f64> {
    match layout {
        Layout::Bands(_) => slots.iter().map(|c| c.abs()).collect(),
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
#[derive(Clone, Debug)]
pub struct Ranking {
    order: Vec<u32>,
    /// cumulative_cost[i] = cost of the first i units of `order`.
    cumulative_cost: Vec<usize>,
}

impl Ranking {
    /// Rank the units of `slots` by magnitude.
    pub fn new(layout: &Layout, slots: &[f64]) -> Self {
        let mags = magnitudes(layout, slots);
        let mut order: Vec<u32> = (0..mags.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            mags[b as usize]
                .total_cmp(&mags[a as usize])
                .then(a.cmp(&b))
        });
        let mut cumulative_cost = Vec::with_capacity(order.len() + 1);
        let mut acc = 0;
        cumulative_cost.push(0);
        for &u in &order {
            acc += layout.cost(u as usize);
            cumulative_cost.push(acc);
        }
        Ranking {
            order,
            cumulative_cost,
        }
    }

    /// How many leading units fit a budget of `budget` real numbers.
    pub fn kept_units(&self, budget: usize) -> usize {
        self.cumulative_cost.partition_point(|&c| c <= budget) - 1
    }

    /// The kept units for `budget`.
    pub fn kept(&self, budget: usize) -> &[u32] {
        &self.order[..self.kept_units(budget)]
    }
}

/// q = sign(c)·⌊|c|/Δ + ρ⌋.
fn quantize_one(c: f64, step: f64) -> i64 {
    let m = (c.abs() / step + ROUNDING).floor();
    let m = m as i64;
    if c < 0.0 {
        -m
    } else {
        m
    }
}

/// Quantize the `kept` units of `slots` with step Δ; every other slot is 0.
pub fn quantize(layout: &Layout, slots: &[f64], kept: &[u32], step: f64) -> Result<Vec<i64>> {
    let spu = layout.slots_per_unit();
    let mut q = vec![0_i64; slots.len()];
    for &u in kept {
        let u = u as usize;
        let n = if layout.self_conjugate(u) { 1 } else { spu };
        for s in u * spu..u * spu + n {
            if slots[s].is_nan() || slots[s].abs() / step >= MAX_Q {
                return Err(Error::param(
                    "step",
                    format!(
                        "step {step:e} is too small for coefficients of size {:e}",
                        slots[s]
                    ),
                ));
            }
            q[s] = quantize_one(slots[s], step);
        }
    }
    Ok(q)
}

/// ĉ = q·Δ.
pub fn dequantize(q: &[i64], step: f64) -> Vec<f64> {
    q.iter().map(|&v| v as f64 * step).collect()
}

/// Number of significant (non-zero) units.
pub fn significant_units(layout: &Layout, q: &[i64]) -> usize {
    q.chunks_exact(layout.slots_per_unit())
        .filter(|u| u.iter().any(|&v| v != 0))
        .count()
}

struct Models {
    sig: Vec<BitModel>,
    values: IntCoder,
}

impl Models {
    fn new() -> Self {
        Models {
            sig: vec![BitModel::default(); 4 * CLASSES],
            values: IntCoder::new(3 * CLASSES),
        }
    }
}

/// Entropy-code the quantized slots of one channel.
pub fn encode_payload(layout: &Layout, q: &[i64]) -> Vec<u8> {
    debug_assert_eq!(q.len(), layout.slots());
    let spu = layout.slots_per_unit();
    let mut sig = vec![false; layout.units()];
    let mut m = Models::new();
    let mut w = Writer::default();
    let _ = layout.scan(|u, left, above, class| -> Result<(), ()> {
        let l = left.is_some_and(|v| sig[v]);
        let a = above.is_some_and(|v| sig[v]);
        let vals = &q[u * spu..(u + 1) * spu];
        let s = vals.iter().any(|&v| v != 0);
        w.bit(
            &mut m.sig[class * 4 + usize::from(l) + 2 * usize::from(a)],
            s,
        );
        if s {
            sig[u] = true;
            let ctx = class * 3 + usize::from(l) + usize::from(a);
            let n = if layout.self_conjugate(u) { 1 } else { spu };
            for &v in &vals[..n] {
                m.values.write(&mut w, ctx, v);
            }
        }
        Ok(())
    });
    w.finish()
}

/// Decode the quantized slots of one channel; any stream the encoder cannot produce is an error.
pub fn decode_payload(layout: &Layout, bytes: &[u8]) -> Result<Vec<i64>> {
    let spu = layout.slots_per_unit();
    let mut q = vec![0_i64; layout.slots()];
    let mut sig = vec![false; layout.units()];
    let mut m = Models::new();
    let mut r =
        Reader::new(bytes).map_err(|_| corrupt("payload is not a whole number of words"))?;
    layout
        .scan(|u, left, above, class| -> Result<()> {
            let l = left.is_some_and(|v| sig[v]);
            let a = above.is_some_and(|v| sig[v]);
            if r.bit(&mut m.sig[class * 4 + usize::from(l) + 2 * usize::from(a)])? {
                sig[u] = true;
                let ctx = class * 3 + usize::from(l) + usize::from(a);
                let n = if layout.self_conjugate(u) { 1 } else { spu };
                for v in &mut q[u * spu..u * spu + n] {
                    *v = m.values.read(&mut r, ctx)?;
                }
                if q[u * spu..(u + 1) * spu].iter().all(|&v| v == 0) {
                    return Err(corrupt("a significant unit without a non-zero value"));
                }
            }
            Ok(())
        })
        .map_err(|_| corrupt("invalid coefficient stream"))?;
    if !r.exhausted() {
        return Err(corrupt("coefficient stream has unused trailing data"));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn layouts() -> Vec<Layout> {
        vec![
            Layout::Bands(vec![5, 5, 9, 17, 33]),
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
        assert_eq!(r.kept(5), &[1, 0, 2]);
    }

    #[test]
    fn dead_zone_quantizer() {
        let step = 0.5;
        assert_eq!(quantize_one(0.33, step), 0);
        assert_eq!(quantize_one(0.34, step), 1);
        assert_eq!(quantize_one(-0.83, step), -1);
        assert_eq!(quantize_one(-0.84, step), -2);
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
                let q = quantize(&layout, &slots, ranking.kept(budget), 0.7).unwrap();
                let bytes = encode_payload(&layout, &q);
                assert_eq!(decode_payload(&layout, &bytes).unwrap(), q);
            }
        }
    }
}
