//! The models of format version 5's sparse payloads: every significance bit and every bucket
//! decision is predicted by five adaptive [`Counter`]s in different contexts, mixed
//! ([`Mixer`], [`super::mix`]).
//!
//! A unit's context is version 3's ([`UnitContext`]: class c, level λ, DWT sign context) and
//! its [`MixContext`] (heavy neighbours' classes a₀, a₁, light sum ℓ, amplitude level e,
//! activity h, fine position f). Per unit in scan order:
//!
//! - **significance**, mixed from counters in contexts 10c + λ, 64a₀ + 8a₁ + ℓ, 8f + min(λ, 7),
//!   24c + e and 10h + λ, with weight vector λ;
//! - if significant, the **first value** (re, or the real coefficient): its bucket b₁ (bit
//!   length of |q|) as the decisions "b₁ > j" for j = j₀, j₀ + 1, … until one is 0 or
//!   j = 16, where j₀ = 1 for a real unit (its only value is non-zero) and 0 otherwise; a
//!   bucket that reaches 17 is 17 plus 4 raw bits. Decision j (with ĵ = min(j, 15)) is mixed
//!   from counters in contexts 16·(10c + λ) + ĵ, 16·(8a₀ + a₁) + ĵ, 16f + ĵ, 16e + ĵ and
//!   16h + ĵ, with weight vector ĵ;
//! - then its **mantissa and sign**: for b ≥ 2, bit b − 2 of |q| with bit model M[b]; for
//!   b ≥ 3, bit b − 3 with bit model M'[2b + bit b − 2]; the b − 3 lower bits raw; the sign
//!   (1 = negative) with version 3's DWT sign model, or raw (lattices);
//! - for a complex unit (not self-conjugate), the **second value** (im) the same way, with
//!   j₀ = 1 when b₁ = 0 (else 0), contexts 16·(8·min(λ, 7) + min(b₁, 7)) + ĵ,
//!   16·(8a₀ + a₁) + ĵ, 16f + ĵ, 16·(12e + min(b₁, 11)) + ĵ and 16h + ĵ, weight vector ĵ,
//!   and a raw sign.
//!
//! Each of the three decision kinds (significance, first bucket, second bucket) has its own
//! counters and mixer; all models start fresh for each channel.

use super::context::{MixContext, UnitContext};
use super::entropy::{BitModel, Io, IntCoder};
use super::mix::{stretch, Counter, Mixer};
use crate::Result;

/// Bucket decisions are coded up to "b > 16"; a bucket of at least this is sent as 4 raw bits
/// of b − 17 (buckets are at most 32).
const UNARY: usize = 17;
/// Decision contexts ĵ.
const J: usize = 16;
/// Counters per decision.
const TABLES: usize = 5;
/// Mixer inputs: the counters and a constant bias.
const INPUTS: usize = TABLES + 1;
/// The bias input, in the stretched domain (probability ≈ 0.73).
const BIAS: i32 = 256;

/// The counters and mixer of one kind of decision.
struct Predictor {
    /// The tables one after the other.
    counters: Vec<Counter>,
    /// Where each table starts in `counters`, and its size.
    starts: [usize; TABLES],
    sizes: [usize; TABLES],
    mixer: Mixer<INPUTS>,
}

impl Predictor {
    fn new(sizes: [usize; TABLES], sets: usize) -> Self {
        let mut starts = [0; TABLES];
        for t in 1..TABLES {
            starts[t] = starts[t - 1] + sizes[t - 1];
        }
        Predictor {
            counters: vec![Counter::default(); sizes.iter().sum()],
            starts,
            sizes,
            mixer: Mixer::new(sets),
        }
    }

    /// Code (or decode) one decision whose counters are `idx` (one per table) and weight
    /// vector `set`.
    fn code(&mut self, io: &mut impl Io, idx: [usize; TABLES], set: usize, bit: bool) -> Result<bool> {
        let mut at = [0; TABLES];
        let mut s = [BIAS; INPUTS];
        for t in 0..TABLES {
            debug_assert!(idx[t] < self.sizes[t]);
            at[t] = self.starts[t] + idx[t];
            s[t] = stretch(self.counters[at[t]].p12());
        }
        let p = self.mixer.mix(set, &s);
        let y = io.bit_p12(p, bit)?;
        for &a in &at {
            self.counters[a].update(y);
        }
        self.mixer.update(set, &s, p, y);
        Ok(y)
    }
}

/// The version-5 models of one channel's payload; encoder and decoder update them identically.
pub struct MixModels {
    significance: Predictor,
    first: Predictor,
    second: Predictor,
    /// M: bit b − 2 of a value of bucket b.
    mantissa: Vec<BitModel>,
    /// M': bit b − 3, after bit b − 2.
    mantissa2: Vec<BitModel>,
    /// Version 3's DWT sign models.
    band_signs: Vec<BitModel>,
    /// Lattice signs: 9 for the first value, 9 for the second, by phase context.
    phase_signs: Vec<BitModel>,
}

/// How a sign is coded.
#[derive(Clone, Copy)]
enum Sign {
    /// With version 3's DWT sign model c.
    Band(usize),
    /// With the lattice sign model c.
    Phase(usize),
    /// Raw (self-conjugate lattice units).
    Raw,
}

impl Default for MixModels {
    fn default() -> Self {
        let levels = super::context::LEVELS;
        let classes = super::sparse::CLASSES;
        MixModels {
            significance: Predictor::new(
                [classes * levels, 512, 32 * 8, classes * 24, 20 * levels],
                levels,
            ),
            first: Predictor::new([classes * levels * J, 64 * J, 32 * J, 24 * J, 20 * J], J),
            second: Predictor::new([64 * J, 64 * J, 32 * J, 24 * 12 * J, 20 * J], J),
            mantissa: vec![BitModel::default(); 4 * IntCoder::BUCKETS],
            mantissa2: vec![BitModel::default(); 2 * IntCoder::BUCKETS],
            band_signs: vec![BitModel::default(); super::context::SIGN_CONTEXTS],
            phase_signs: vec![BitModel::default(); 18],
        }
    }
}

impl MixModels {
    /// Code (or decode) the significance `s` of a unit.
    pub fn significance(
        &mut self,
        io: &mut impl Io,
        cx: UnitContext,
        mx: MixContext,
        s: bool,
    ) -> Result<bool> {
        let (c, l) = (cx.class, cx.level);
        let idx = [
            10 * c + l,
            64 * usize::from(mx.near[0]) + 8 * usize::from(mx.near[1]) + usize::from(mx.light),
            8 * usize::from(mx.fine) + l.min(7),
            24 * c + usize::from(mx.amplitude),
            10 * usize::from(mx.activity) + l,
        ];
        self.significance.code(io, idx, l, s)
    }

    /// Code (or decode) the values of a significant unit: `values` (one or two) holds them
    /// when writing and receives them when reading. A read that gives a unit no non-zero value
    /// is the caller's to refuse.
    pub fn values(
        &mut self,
        io: &mut impl Io,
        cx: UnitContext,
        mx: MixContext,
        phase: Option<[u8; 2]>,
        values: &mut [i64],
    ) -> Result<()> {
        let complex = values.len() > 1;
        let near = 8 * usize::from(mx.near[0]) + usize::from(mx.near[1]);
        let (fine, amplitude, activity) = (
            usize::from(mx.fine),
            usize::from(mx.amplitude),
            usize::from(mx.activity),
        );
        let base = [
            (10 * cx.class + cx.level) * J,
            near * J,
            fine * J,
            amplitude * J,
            activity * J,
        ];
        let first = &mut self.first;
        let b1 = bucket(io, usize::from(!complex), IntCoder::bucket(values[0]), |io, j, bit| {
            first.code(io, base.map(|b| b + j), j, bit)
        })?;
        let sign = match (cx.sign, phase) {
            (Some(c), _) => Sign::Band(c),
            (None, Some(p)) => Sign::Phase(usize::from(p[0])),
            (None, None) => Sign::Raw,
        };
        let lv = (usize::from(mx.amplitude) / 6).min(3);
        values[0] = self.rest(io, b1, values[0], sign, lv)?;
        if complex {
            let base = [
                (8 * cx.level.min(7) + b1.min(7)) * J,
                near * J,
                fine * J,
                (12 * amplitude + b1.min(11)) * J,
                activity * J,
            ];
            let second = &mut self.second;
            let b2 = bucket(io, usize::from(b1 == 0), IntCoder::bucket(values[1]), |io, j, bit| {
                second.code(io, base.map(|b| b + j), j, bit)
            })?;
            let sign = phase.map_or(Sign::Raw, |p| Sign::Phase(9 + usize::from(p[1])));
            values[1] = self.rest(io, b2, values[1], sign, lv)?;
        }
        Ok(())
    }

    /// The mantissa and sign of a value q of bucket b (0 when b = 0), with the DWT sign model
    /// `sign` or a raw sign.
    fn rest(&mut self, io: &mut impl Io, b: usize, q: i64, sign: Sign, lv: usize) -> Result<i64> {
        if b == 0 {
            return Ok(0);
        }
        let m = q.unsigned_abs();
        let mut out = 1_u64 << (b - 1);
        if b >= 2 {
            let hi = io.modelled(&mut self.mantissa[4 * b + lv], (m >> (b - 2)) & 1 == 1)?;
            out |= u64::from(hi) << (b - 2);
            if b >= 3 {
                let model = &mut self.mantissa2[2 * b + usize::from(hi)];
                out |= u64::from(io.modelled(model, (m >> (b - 3)) & 1 == 1)?) << (b - 3);
                if b >= 4 {
                    let low = (m & ((1 << (b - 3)) - 1)) as u32;
                    out |= u64::from(io.raw(low, b as u32 - 3)?);
                }
            }
        }
        let negative = match sign {
            Sign::Band(c) => io.modelled(&mut self.band_signs[c], q < 0)?,
            Sign::Phase(c) => io.modelled(&mut self.phase_signs[c], q < 0)?,
            Sign::Raw => io.raw(u32::from(q < 0), 1)? == 1,
        };
        let out = out as i64;
        Ok(if negative { -out } else { out })
    }
}

/// The bucket `target` (writing) as the decisions "b > j" for j = `start`.. of the module
/// docs, each coded by `decide(io, ĵ, bit)`; returns the bucket written or read.
fn bucket<I: Io>(
    io: &mut I,
    start: usize,
    target: usize,
    mut decide: impl FnMut(&mut I, usize, bool) -> Result<bool>,
) -> Result<usize> {
    for j in start..UNARY {
        if !decide(io, j.min(J - 1), target > j)? {
            return Ok(j);
        }
    }
    let extra = io.raw(target.saturating_sub(UNARY) as u32, 4)?;
    Ok(UNARY + extra as usize)
}
