//! Context modelling of the sparse coefficient payloads (format version 2).
//!
//! Every unit is coded knowing the *magnitude class* of its already-coded neighbours, where
//! the magnitude class of a unit is the bit length of the largest |q| of its slots (0 for a
//! non-significant unit or one not coded yet), capped at [`MAG_CAP`]:
//!
//! - lattices (STFT, PGBZ; time-major, frame t, bin k): (t, k−1) and (t−1, k) with weight 2;
//!   (t, k−2), (t−1, k−1), (t−1, k+1) and (t−2, k) with weight 1 — partials continue along
//!   time (same bin), attacks along frequency (same frame);
//! - DWT bands (coarse to fine, band b, index i): the previous coefficient i−1 and the parent
//!   p (coefficient ⌊i/2⌋ of band b−1, or i of the approximation for the coarsest detail
//!   band, clamped) with weight 2; i−2, p−1 and p+1 with weight 1 (zerotree-like: a parent
//!   below threshold predicts insignificant children).
//!
//! The weighted sum s of the neighbours' magnitude classes is reduced to a *level*
//! λ(s) = s for s ≤ 4, else min(4 + ⌊log₂(s − 3)⌋, 9) (10 levels). A unit's class c is its
//! eighth of the frequency axis (lattices) or its band index capped at 7 (DWT). Then:
//!
//! - significance bit: bit model 10·c + λ (80 models);
//! - first value (re, or the real coefficient): bucket with symbol model 10·c + λ;
//! - second value (im, complex units): bucket with symbol model 80 + 8·c' + min(b₁, 7),
//!   where b₁ is the first value's bucket and c' = min(λ, 7);
//! - for a bucket b ≥ 2, the bit of |q| just below its leading one with bit model b (an
//!   adaptive bit per bucket: within a bucket small magnitudes are more likely), the other
//!   b − 2 mantissa bits raw; the sign raw.
//!
//! Format version 3 ([`Coding::V3`]) changes two things for DWT bands, and nothing for
//! lattices: the class of band b of B is min(B − 1 − b, 7), counted from the finest band (the
//! finest bands hold most coefficients; version 2's min(b, 7) merges the finest four of a
//! depth-10 transform), and the sign of a coefficient is coded with bit model
//! 9·c + 3·σ(i−1) + σ(i−2), where σ = 0, 1, 2 for a zero, positive, negative coefficient of the
//! same band (0 beyond its start): an oscillation inside a band's passband gives its
//! coefficients sign patterns that repeat.
//!
//! Format version 5 ([`Coding::V5`]) changes two things, for DWT bands only:
//!
//! - the bands are scanned in the layout's order (by increasing frequency: wavelet-packet
//!   leaves are stored in pre-order, where the children of a high-pass node come in reverse
//!   frequency order; [`PacketTree::leaves_by_frequency`](crate::transform::wavelet_packet::PacketTree::leaves_by_frequency)),
//!   and the class counts scan positions from the last;
//! - the parent of coefficient i of the band scanned at position b ≥ 1 is the coefficient of
//!   the band scanned before it *at the same time*, p = ⌊i·P/len⌋ (P, len: the two bands'
//!   lengths; clamped). For the dyadic DWT in periodization mode, where P = ⌈len/2⌉ (b ≥ 2) or
//!   len (b = 1), this is versions 2–4's ⌊i/2⌋ or i exactly; for wavelet-packet leaves
//!   ⌊i/2⌋ of the previous leaf in pre-order was often half the band away in time and far
//!   away in frequency.
//!
//! Together they make DWT files with packet trees 4–17 % smaller at the same SNR
//! (docs/compress.md).

use super::entropy::{BitModel, IntCoder, Reader, Writer};
use super::sparse::{band_starts, Layout, CLASSES};
use crate::Result;

/// Magnitude classes above this count as this one in a neighbourhood sum.
pub const MAG_CAP: u8 = 8;
/// Levels of the weighted neighbourhood sum.
pub const LEVELS: usize = 10;
/// Contexts of the second (imaginary) value: 8 levels × 8 first-value buckets.
const SECOND_CONTEXTS: usize = 64;
/// Sign contexts of version 3 (DWT): 8 classes × 3 × 3 signs of the two previous coefficients.
const SIGN_CONTEXTS: usize = 9 * CLASSES;

/// The context-modelled codings of the sparse payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    /// Format version 2.
    V2,
    /// Format versions 3 and 4: DWT classes counted from the finest band, DWT signs with
    /// context.
    V3,
    /// Format version 5: version 3 with DWT bands scanned by frequency and time-aligned
    /// parents.
    V5,
}

/// λ(s) of the module docs.
pub fn level(s: u32) -> usize {
    if s <= 4 {
        s as usize
    } else {
        (4 + (s - 3).ilog2() as usize).min(LEVELS - 1)
    }
}

/// Neighbour positions of one unit: the heavy (weight 2) and light (weight 1) ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Neighbours {
    /// Weight-2 neighbours.
    pub heavy: [Option<usize>; 2],
    /// Weight-1 neighbours.
    pub light: [Option<usize>; 4],
}

impl Neighbours {
    /// Weighted sum of the (capped) magnitude classes `mag` of the neighbours.
    pub fn score(&self, mag: &[u8]) -> u32 {
        let m = |v: Option<usize>| v.map_or(0, |v| u32::from(mag[v].min(MAG_CAP)));
        2 * self.heavy.iter().map(|&v| m(v)).sum::<u32>()
            + self.light.iter().map(|&v| m(v)).sum::<u32>()
    }
}

/// One unit as [`scan`] visits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Its index in the layout.
    pub index: usize,
    /// Its class c (module docs).
    pub class: usize,
    /// The values it holds: 1 for a band coefficient or a lattice's real bin, else 2 (re, im)
    /// — also the real numbers it costs ([`Layout::cost`]).
    pub values: usize,
}

/// Visit every unit in scan order with its neighbours.
pub fn scan<E>(
    layout: &Layout,
    coding: Coding,
    mut f: impl FnMut(Unit, &Neighbours) -> Result<(), E>,
) -> Result<(), E> {
    match layout {
        Layout::Bands { lens, order } => {
            // Versions 2–4 scan the bands as stored, version 5 in `order`.
            let stored: Vec<usize>;
            let order = if coding == Coding::V5 {
                order
            } else {
                stored = (0..lens.len()).collect();
                &stored
            };
            let starts = band_starts(lens);
            let (mut parent_start, mut parent_len) = (0, 0);
            // b: the band's position in the scan.
            for (b, &band) in order.iter().enumerate() {
                let (start, len) = (starts[band], lens[band]);
                let class = match coding {
                    Coding::V2 => b,
                    Coding::V3 | Coding::V5 => lens.len() - 1 - b,
                }
                .min(CLASSES - 1);
                // Version 5's parent ⌊i·P/len⌋, P the length of the band scanned before,
                // without a division per coefficient: aligned = that parent,
                // rest = i·P − aligned·len ∈ [0, len).
                let (mut aligned, mut rest) = (0, 0);
                for i in 0..len {
                    let u = start + i;
                    let mut n = Neighbours {
                        heavy: [i.checked_sub(1).map(|j| start + j), None],
                        light: [i.checked_sub(2).map(|j| start + j), None, None, None],
                    };
                    if parent_len > 0 {
                        let p = match coding {
                            Coding::V5 => aligned,
                            Coding::V2 | Coding::V3 if b == 1 => i,
                            Coding::V2 | Coding::V3 => i / 2,
                        }
                        .min(parent_len - 1);
                        n.heavy[1] = Some(parent_start + p);
                        n.light[1] = p.checked_sub(1).map(|j| parent_start + j);
                        n.light[2] = (p + 1 < parent_len).then(|| parent_start + p + 1);
                    }
                    let unit = Unit {
                        index: u,
                        class,
                        values: 1,
                    };
                    f(unit, &n)?;
                    rest += parent_len;
                    while rest >= len {
                        rest -= len;
                        aligned += 1;
                    }
                }
                (parent_start, parent_len) = (start, len);
            }
        }
        &Layout::Frames { frames, bins, .. } => {
            // Per bin, once: its class and value count (no division per unit).
            let bin_units: Vec<(usize, usize)> = (0..bins)
                .map(|k| (k * CLASSES / bins, if layout.real_bin(k) { 1 } else { 2 }))
                .collect();
            for t in 0..frames {
                for (k, &(class, values)) in bin_units.iter().enumerate() {
                    let u = t * bins + k;
                    let prev = t.checked_sub(1).map(|p| p * bins);
                    let n = Neighbours {
                        heavy: [k.checked_sub(1).map(|j| u - k + j), prev.map(|p| p + k)],
                        light: [
                            k.checked_sub(2).map(|j| u - k + j),
                            prev.and_then(|p| k.checked_sub(1).map(|j| p + j)),
                            prev.filter(|_| k + 1 < bins).map(|p| p + k + 1),
                            t.checked_sub(2).map(|p| p * bins + k),
                        ],
                    };
                    let unit = Unit {
                        index: u,
                        class,
                        values,
                    };
                    f(unit, &n)?;
                }
            }
        }
    }
    Ok(())
}

/// The adaptive models of one channel's payload; encoder and decoder update them identically.
pub struct Models {
    significance: Vec<BitModel>,
    first: IntCoder,
    second: IntCoder,
    /// The bit below the leading one, per bucket.
    mantissa: Vec<BitModel>,
    /// Version 3, DWT: the signs.
    signs: Vec<BitModel>,
}

impl Default for Models {
    fn default() -> Self {
        Models {
            significance: vec![BitModel::default(); CLASSES * LEVELS],
            first: IntCoder::new(CLASSES * LEVELS),
            second: IntCoder::new(SECOND_CONTEXTS),
            mantissa: vec![BitModel::default(); IntCoder::BUCKETS],
            signs: vec![BitModel::default(); SIGN_CONTEXTS],
        }
    }
}

/// What is known of the units coded so far: their magnitude classes and (version 3, DWT)
/// signs. Encoder and decoder record each unit after coding it.
pub struct Coded {
    coding: Coding,
    bands: bool,
    mag: Vec<u8>,
    /// σ of the first value: 0 zero or not coded, 1 positive, 2 negative.
    sign: Vec<u8>,
}

impl Coded {
    /// Nothing coded yet.
    pub fn new(layout: &Layout, coding: Coding) -> Self {
        Coded {
            coding,
            bands: matches!(layout, Layout::Bands { .. }),
            mag: vec![0; layout.units()],
            sign: vec![0; layout.units()],
        }
    }

    /// The context of a unit of `class` whose neighbours are `n`.
    pub fn context(&self, class: usize, n: &Neighbours) -> UnitContext {
        let sigma = |v: Option<usize>| v.map_or(0, |v| usize::from(self.sign[v]));
        UnitContext {
            class,
            level: level(n.score(&self.mag)),
            // heavy[0] and light[0] of a band coefficient are i − 1 and i − 2 of its band.
            sign: (self.coding != Coding::V2 && self.bands)
                .then(|| 9 * class + 3 * sigma(n.heavy[0]) + sigma(n.light[0])),
        }
    }

    /// Record the values of unit `u` (all zero for a non-significant unit).
    pub fn record(&mut self, u: usize, values: &[i64]) {
        self.mag[u] = magnitude_class(values);
        self.sign[u] = match values[0] {
            0 => 0,
            v if v > 0 => 1,
            _ => 2,
        };
    }
}

/// The contexts of one unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitContext {
    /// Class c.
    pub class: usize,
    /// Level λ of the neighbourhood sum.
    pub level: usize,
    /// Version 3, DWT: the sign context 9·c + 3·σ(i−1) + σ(i−2); `None`: the sign is raw.
    pub sign: Option<usize>,
}

impl UnitContext {
    /// Context of the significance bit and of the first value.
    fn primary(self) -> usize {
        self.class * LEVELS + self.level
    }

    fn secondary(self, first: i64) -> usize {
        8 * self.level.min(7) + IntCoder::bucket(first).min(7)
    }
}

impl Models {
    /// Write the significance of a unit.
    pub fn write_significance(&mut self, w: &mut Writer, cx: UnitContext, s: bool) {
        w.bit(&mut self.significance[cx.primary()], s);
    }

    /// Read the significance of a unit.
    pub fn read_significance(&mut self, r: &mut Reader, cx: UnitContext) -> Result<bool> {
        r.bit(&mut self.significance[cx.primary()])
    }

    /// Write the values of a significant unit (one or two).
    pub fn write_values(&mut self, w: &mut Writer, cx: UnitContext, values: &[i64]) {
        let sign = cx.sign.map(|s| &mut self.signs[s]);
        self.first
            .write_with(w, cx.primary(), values[0], &mut self.mantissa, sign);
        if let Some(&second) = values.get(1) {
            self.second
                .write_with(w, cx.secondary(values[0]), second, &mut self.mantissa, None);
        }
    }

    /// Read the values of a significant unit into `values` (one or two).
    pub fn read_values(
        &mut self,
        r: &mut Reader,
        cx: UnitContext,
        values: &mut [i64],
    ) -> Result<()> {
        let sign = cx.sign.map(|s| &mut self.signs[s]);
        values[0] = self
            .first
            .read_with(r, cx.primary(), &mut self.mantissa, sign)?;
        if values.len() > 1 {
            values[1] =
                self.second
                    .read_with(r, cx.secondary(values[0]), &mut self.mantissa, None)?;
        }
        Ok(())
    }
}

/// Static bit costs of the payload's symbols, −log₂ of their frequencies (add-½ smoothed) in
/// each context of a first quantization: the rate term of the rate–distortion optimized
/// quantizer. Static costs make each decision depend on its neighbourhood only, not on the
/// whole history of the adaptive models (whose feedback would make the result jump with tiny
/// changes of the step).
pub struct StaticCosts {
    significance: Vec<[f64; 2]>,
    first: Vec<Vec<f64>>,
    second: Vec<Vec<f64>>,
    mantissa: Vec<[f64; 2]>,
    signs: Vec<[f64; 2]>,
}

/// −log₂ of add-½ smoothed frequencies.
fn costs_of(counts: &[u32]) -> Vec<f64> {
    let total = counts.iter().sum::<u32>() as f64 + 0.5 * counts.len() as f64;
    counts
        .iter()
        .map(|&c| (total / (f64::from(c) + 0.5)).log2())
        .collect()
}

impl StaticCosts {
    /// Count the symbols [`Models`] would code with `coding` for the quantized slots `q` of
    /// `layout`.
    pub fn gather(layout: &Layout, coding: Coding, q: &[i64]) -> Self {
        let spu = layout.slots_per_unit();
        let buckets = IntCoder::BUCKETS;
        let mut sig = vec![[0_u32; 2]; CLASSES * LEVELS];
        let mut first = vec![vec![0_u32; buckets]; CLASSES * LEVELS];
        let mut second = vec![vec![0_u32; buckets]; SECOND_CONTEXTS];
        let mut mantissa = vec![[0_u32; 2]; buckets];
        let mut signs = vec![[0_u32; 2]; SIGN_CONTEXTS];
        let mut coded = Coded::new(layout, coding);
        let _ = scan(layout, coding, |unit, n| -> Result<(), ()> {
            let cx = coded.context(unit.class, n);
            let u = unit.index;
            let vals = &q[u * spu..u * spu + unit.values];
            let s = vals.iter().any(|&v| v != 0);
            sig[cx.primary()][usize::from(s)] += 1;
            if s {
                coded.record(u, vals);
                if let (Some(c), true) = (cx.sign, vals[0] != 0) {
                    signs[c][usize::from(vals[0] < 0)] += 1;
                }
                first[cx.primary()][IntCoder::bucket(vals[0])] += 1;
                if let Some(&v1) = vals.get(1) {
                    second[cx.secondary(vals[0])][IntCoder::bucket(v1)] += 1;
                }
                for &v in vals {
                    let b = IntCoder::bucket(v);
                    if b > 1 {
                        mantissa[b][((v.unsigned_abs() >> (b - 2)) & 1) as usize] += 1;
                    }
                }
            }
            Ok(())
        });
        let pair = |c: &[u32; 2]| -> [f64; 2] {
            let v = costs_of(c);
            [v[0], v[1]]
        };
        StaticCosts {
            significance: sig.iter().map(pair).collect(),
            first: first.iter().map(|c| costs_of(c)).collect(),
            second: second.iter().map(|c| costs_of(c)).collect(),
            mantissa: mantissa.iter().map(pair).collect(),
            signs: signs.iter().map(pair).collect(),
        }
    }

    /// Bits of the significance `s` of a unit.
    pub fn significance(&self, cx: UnitContext, s: bool) -> f64 {
        self.significance[cx.primary()][usize::from(s)]
    }

    /// Bits of the values of a significant unit (bucket, mantissa, sign).
    pub fn values(&self, cx: UnitContext, values: &[i64]) -> f64 {
        let int = |table: &[f64], q: i64, sign: Option<usize>| -> f64 {
            let b = IntCoder::bucket(q);
            let mut bits = table[b];
            if b > 1 {
                let bit = ((q.unsigned_abs() >> (b - 2)) & 1) as usize;
                bits += self.mantissa[b][bit] + (b - 2) as f64;
            }
            if b > 0 {
                bits += sign.map_or(1.0, |c| self.signs[c][usize::from(q < 0)]);
            }
            bits
        };
        let mut bits = int(&self.first[cx.primary()], values[0], cx.sign);
        if let Some(&v1) = values.get(1) {
            bits += int(&self.second[cx.secondary(values[0])], v1, None);
        }
        bits
    }
}

/// The magnitude class of a unit's values: bit length of the largest |q|.
pub fn magnitude_class(values: &[i64]) -> u8 {
    values
        .iter()
        .map(|&v| IntCoder::bucket(v))
        .max()
        .unwrap_or(0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_formula() {
        let expected = [0, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 8];
        for (s, &l) in expected.iter().enumerate() {
            assert_eq!(level(s as u32), l, "s = {s}");
        }
        assert_eq!(level(34), 8);
        assert_eq!(level(35), 9);
        assert_eq!(level(1000), 9);
    }

    /// A 3-frame × 4-bin lattice, magnitudes by hand: the contexts of every unit.
    #[test]
    // The sums are written out term by term, as computed by hand.
    #[allow(clippy::identity_op, clippy::erasing_op)]
    fn lattice_contexts_on_a_hand_computed_map() {
        let layout = Layout::Frames {
            frames: 3,
            bins: 4,
            real_first: true,
            real_last: false,
        };
        // Magnitude classes, frame by frame.
        let mag: [u8; 12] = [3, 0, 1, 0, 2, 1, 0, 0, 9, 0, 0, 4];
        // Unit (t, k): 2·((t,k−1) + (t−1,k)) + (t,k−2) + (t−1,k−1) + (t−1,k+1) + (t−2,k),
        // magnitudes capped at 8.
        let scores = [
            0,                           // (0,0)
            2 * 3,                       // (0,1)
            2 * 0 + 3,                   // (0,2)
            2 * 1 + 0,                   // (0,3)
            2 * 3 + 0,                   // (1,0): above 3, above-right 0
            2 * (2 + 0) + 3 + 1,         // (1,1): left 2, above 0, above-left 3, above-right 1
            2 * (1 + 1) + 2 + 0, // (1,2): left 1, above 1, left2 2, above-left 0, above-right 0
            2 * (0 + 0) + 1 + 1, // (1,3): left 0, above 0, left2 1, above-left 1
            2 * (0 + 2) + 1 + 3, // (2,0): above 2, above-right 1, two above 3
            2 * (8 + 1) + 2 + 0, // (2,1): left 9→8, above 1, above-left 2, above-right 0
            2 * (0 + 0) + 8 + 1 + 0 + 1, // (2,2): left2 9→8, above-left 1, two above 1
            2 * (0 + 0) + 0 + 0 + 0, // (2,3): left 0, above 0, left2 0, above-left 0, two above 0
        ];
        let mut seen = Vec::new();
        scan(&layout, Coding::V2, |unit, n| -> Result<(), ()> {
            let u = unit.index;
            assert_eq!(unit.class, (u % 4) * 2, "unit {u}");
            // Bin 0 is real (real_first), the others complex.
            assert_eq!(unit.values, if u % 4 == 0 { 1 } else { 2 }, "unit {u}");
            assert_eq!(n.score(&mag), scores[u], "unit {u}");
            seen.push(u);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..12).collect::<Vec<_>>());
    }

    /// A lattice storing both DC and Nyquist: those two bins hold one value, the others two,
    /// as `Layout::cost` counts them.
    #[test]
    fn real_bins_hold_one_value() {
        let layout = Layout::Frames {
            frames: 2,
            bins: 5,
            real_first: true,
            real_last: true,
        };
        let mut values = Vec::new();
        scan(&layout, Coding::V3, |unit, _| -> Result<(), ()> {
            assert_eq!(unit.values, layout.cost(unit.index), "unit {}", unit.index);
            values.push(unit.values);
            Ok(())
        })
        .unwrap();
        assert_eq!(values, [1, 2, 2, 2, 1, 1, 2, 2, 2, 1]);
    }

    /// Bands [2, 2, 4]: parents and siblings of every coefficient.
    #[test]
    // The sums are written out term by term, as computed by hand.
    #[allow(clippy::identity_op, clippy::erasing_op)]
    fn band_contexts_on_a_hand_computed_map() {
        let layout = Layout::bands(vec![2, 2, 4]);
        let mag: [u8; 8] = [5, 1, 0, 3, 2, 0, 0, 7];
        let scores = [
            0,               // a0
            2 * 5,           // a1: left a0
            2 * 5 + 1,       // d1[0]: parent a0 (5), p+1 = a1 (1)
            2 * (0 + 1) + 5, // d1[1]: left d1[0] 0, parent a1 1, p−1 a0 5
            2 * 0 + 3,       // d2[0]: parent d1[0] 0, p+1 d1[1] 3
            2 * (2 + 0) + 3, // d2[1]: left 2, parent d1[0] 0, p+1 3
            2 * (0 + 3) + 2, // d2[2]: left 0, parent d1[1] 3, left2 2, p−1 0
            2 * (0 + 3) + 0, // d2[3]: left 0, parent d1[1] 3, left2 0, p−1 0
        ];
        let classes = [0, 0, 1, 1, 2, 2, 2, 2];
        scan(&layout, Coding::V2, |unit, n| -> Result<(), ()> {
            let u = unit.index;
            assert_eq!(unit.class, classes[u], "unit {u}");
            assert_eq!(unit.values, 1, "unit {u}");
            assert_eq!(n.score(&mag), scores[u], "unit {u}");
            Ok(())
        })
        .unwrap();
    }

    /// Version 5 on the leaves of a packet tree, bands [2, 2, 2, 3]: the parent of a
    /// coefficient is the previous band's at the same time, p = ⌊i·len(b − 1)/len(b)⌋ — where
    /// versions 2–4 take ⌊i/2⌋ — and on the dyadic bands [2, 2, 4] it is theirs.
    #[test]
    #[allow(clippy::identity_op, clippy::erasing_op)]
    fn time_aligned_parents_on_a_hand_computed_map() {
        let packets = Layout::bands(vec![2, 2, 2, 3]);
        let mag: [u8; 9] = [5, 1, 0, 3, 4, 2, 0, 0, 7];
        let v5 = [
            0,               // a0
            2 * 5,           // a1: left a0
            2 * 5 + 1,       // b1[0]: parent a0 (5), p+1 = a1 (1)
            2 * (0 + 1) + 5, // b1[1]: left b1[0] 0, parent a1 1, p−1 a0 5
            2 * 0 + 3,       // b2[0]: parent b1[0] 0, p+1 b1[1] 3
            2 * (4 + 3) + 0, // b2[1]: left 4, parent p = 1: b1[1] 3, p−1 b1[0] 0
            2 * 4 + 2,       // b3[0]: parent ⌊0·2/3⌋ = 0: b2[0] 4, p+1 b2[1] 2
            2 * (0 + 4) + 2, // b3[1]: left 0, parent ⌊2/3⌋ = 0: b2[0] 4, p+1 2
            2 * (0 + 2) + 4, // b3[2]: left 0, parent ⌊4/3⌋ = 1: b2[1] 2, left2 0, p−1 4
        ];
        // Versions 2–4 differ only at b2[1], where ⌊1/2⌋ = 0 ≠ p = 1: parent b1[0] 0,
        // p+1 b1[1] 3.
        let mut v3 = v5;
        v3[5] = 2 * (4 + 0) + 3;
        for (coding, scores) in [(Coding::V5, v5), (Coding::V3, v3)] {
            scan(&packets, coding, |unit, n| -> Result<(), ()> {
                let u = unit.index;
                assert_eq!(n.score(&mag), scores[u], "{coding:?} unit {u}");
                Ok(())
            })
            .unwrap();
        }
        // Dyadic bands (periodization: each band half its finer neighbour, rounded up):
        // the same neighbours as version 3.
        let dyadic = Layout::bands(vec![3, 3, 5, 9]);
        let mut neighbours = [Vec::new(), Vec::new()];
        for (k, coding) in [Coding::V3, Coding::V5].into_iter().enumerate() {
            scan(&dyadic, coding, |_, n| -> Result<(), ()> {
                neighbours[k].push(*n);
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(neighbours[0], neighbours[1]);
    }

    /// Version 5 scans bands in the layout's order (by frequency), each band's parent the one
    /// scanned before it: bands [2, 2, 2, 2] in the order 0, 1, 3, 2 (the leaves of the full
    /// tree of depth 2). Versions 2–4 ignore the order.
    #[test]
    #[allow(clippy::identity_op, clippy::erasing_op)]
    fn frequency_ordered_scan_on_a_hand_computed_map() {
        let layout = Layout::Bands {
            lens: vec![2; 4],
            order: vec![0, 1, 3, 2],
        };
        let mag: [u8; 8] = [5, 1, 0, 3, 4, 2, 0, 7];
        // (unit, class = 3 − scan position of its band, neighbourhood sum), in scan order.
        let v5 = [
            (0, 3, 0),
            (1, 3, 2 * 5),           // left 5
            (2, 2, 2 * 5 + 1),       // parent u0 5, p+1 u1 1
            (3, 2, 2 * (0 + 1) + 5), // left 0, parent u1 1, p−1 u0 5
            (6, 1, 2 * 0 + 3),       // parent u2 0, p+1 u3 3
            (7, 1, 2 * (0 + 3) + 0), // left u6 0, parent u3 3, p−1 u2 0
            (4, 0, 2 * 0 + 7),       // parent u6 0, p+1 u7 7
            (5, 0, 2 * (4 + 7) + 0), // left u4 4, parent u7 7, p−1 u6 0
        ];
        let mut seen = Vec::new();
        scan(&layout, Coding::V5, |unit, n| -> Result<(), ()> {
            seen.push((unit.index, unit.class, n.score(&mag)));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, v5);
        let mut stored = Vec::new();
        scan(&layout, Coding::V3, |unit, _| -> Result<(), ()> {
            stored.push(unit.index);
            Ok(())
        })
        .unwrap();
        assert_eq!(stored, (0..8).collect::<Vec<_>>());
    }

    /// Version 3 on bands [2, 2, 4] with hand-picked values: classes from the finest band, the
    /// sign context 9·c + 3·σ(i−1) + σ(i−2) inside each band, levels as in version 2.
    #[test]
    // The contexts are written out term by term, as computed by hand.
    #[allow(clippy::identity_op, clippy::erasing_op)]
    fn version_3_band_contexts_on_a_hand_computed_map() {
        let layout = Layout::bands(vec![2, 2, 4]);
        let values: [i64; 8] = [-9, 3, 0, 5, -2, 0, 1, -70];
        // σ: 0 zero, 1 positive, 2 negative.
        // Classes: band 0 (approximation) → 3 − 1 − 0 = 2, band 1 → 1, band 2 (finest) → 0.
        let expected_sign = [
            9 * 2,         // a0: band start
            9 * 2 + 3 * 2, // a1: a0 = −9
            9 * 1,         // d1[0]: band start (a1 is another band)
            9 * 1 + 3 * 0, // d1[1]: d1[0] = 0
            0,             // d2[0]: band start, class 0
            3 * 2,         // d2[1]: d2[0] = −2
            3 * 0 + 2,     // d2[2]: d2[1] = 0, d2[0] = −2
            3 * 1 + 0,     // d2[3]: d2[2] = 1, d2[1] = 0
        ];
        let classes = [2, 2, 1, 1, 0, 0, 0, 0];
        let mut coded = Coded::new(&layout, Coding::V3);
        scan(&layout, Coding::V3, |unit, n| -> Result<(), ()> {
            let u = unit.index;
            assert_eq!(unit.class, classes[u], "unit {u}");
            let cx = coded.context(unit.class, n);
            assert_eq!(cx.sign, Some(expected_sign[u]), "unit {u}");
            coded.record(u, &values[u..u + 1]);
            Ok(())
        })
        .unwrap();
        // Magnitude classes recorded: bit lengths 4, 2, 0, 3, 2, 0, 1, 7; d2[3]'s level sums
        // 2·(left 1 + parent d1[1] 3) + left2 0 + p−1 d1[0] 0 = 8 → λ = 4 + ⌊log₂ 5⌋ = 6.
        assert_eq!(coded.mag, vec![4, 2, 0, 3, 2, 0, 1, 7]);
        let mut last = None;
        scan(&layout, Coding::V3, |unit, n| -> Result<(), ()> {
            if unit.index == 7 {
                last = Some(coded.context(unit.class, n));
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(last.unwrap().level, 6);
        // Lattices keep raw signs in version 3.
        let frames = Layout::Frames {
            frames: 2,
            bins: 3,
            real_first: true,
            real_last: false,
        };
        let lattice = Coded::new(&frames, Coding::V3);
        scan(&frames, Coding::V3, |unit, n| -> Result<(), ()> {
            assert_eq!(lattice.context(unit.class, n).sign, None);
            Ok(())
        })
        .unwrap();
    }
}
