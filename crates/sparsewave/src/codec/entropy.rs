//! Adaptive entropy models on top of constriction's range coder.
//!
//! constriction provides the arithmetic (a 64-bit-state range coder emitting 32-bit words,
//! probabilities in 24-bit fixed point); the adaptive models here supply the probabilities and
//! are updated identically by the encoder and the decoder after every symbol:
//!
//! - [`BitModel`]: P(0) as a 16-bit fraction, moved a fraction 2⁻ʳ of the way towards each
//!   observed bit (an exponentially decaying estimate), clamped to [1/2048, 1 − 1/2048]; the
//!   rate r starts at 1 and grows by one every 4 bits up to 7, so that a fresh model learns
//!   fast and a mature one averages over ~128 bits;
//! - [`SymbolModel`]: frequency counts over a small alphabet (every count ≥ 1, increment 24,
//!   all counts halved when their sum exceeds 2¹³); symbol s of n gets the 24-bit interval
//!   [F(s), F(s+1)) with F(s) = ⌊cum(s)·(2²⁴ − n)/total⌋ + s, so that every symbol keeps a
//!   non-zero probability and F(n) = 2²⁴ exactly;
//! - [`Raw`]: `bits ≤ 16` equiprobable bits (mantissas, signs, phases).
//!
//! The integer code used by every payload ([`IntCoder`]) writes a signed integer q as the bucket
//! b = bit length of |q| (0 for q = 0) with an adaptive [`SymbolModel`] chosen by the caller's
//! context, then the b − 1 bits of |q| below its leading one, then the sign.

use constriction::stream::model::{DecoderModel, EncoderModel, EntropyModel};
use constriction::stream::queue::{DefaultRangeDecoder, DefaultRangeEncoder};
use constriction::stream::{Decode, Encode};
use std::borrow::Borrow;
use std::num::NonZeroU32;

use super::container::corrupt;
use crate::{Error, Result};

/// Fixed-point precision of the probabilities handed to the range coder.
const PRECISION: usize = 24;
const ONE: u32 = 1 << PRECISION;

/// The error of every read: the bytes are not a stream this encoder could have produced.
/// Callers say which stream it was.
fn invalid() -> Error {
    corrupt("invalid range-coded stream")
}

/// An adaptive binary model.
#[derive(Clone, Copy, Debug)]
pub struct BitModel {
    /// P(bit = 0) in units of 2⁻¹⁶.
    p0: u32,
    /// Bits seen, saturating at the one that reaches the slowest rate.
    seen: u32,
}

impl Default for BitModel {
    fn default() -> Self {
        BitModel {
            p0: 1 << 15,
            seen: 0,
        }
    }
}

impl BitModel {
    const MAX_RATE: u32 = 7;
    const MIN: u32 = 32;
    const MAX: u32 = (1 << 16) - 32;

    fn update(&mut self, bit: bool) {
        let rate = (1 + self.seen / 4).min(Self::MAX_RATE);
        self.seen = (self.seen + 1).min(4 * Self::MAX_RATE);
        if bit {
            self.p0 -= self.p0 >> rate;
        } else {
            self.p0 += ((1 << 16) - self.p0) >> rate;
        }
        self.p0 = self.p0.clamp(Self::MIN, Self::MAX);
    }

    fn zero_prob(self) -> u32 {
        self.p0 << (PRECISION - 16)
    }
}

impl EntropyModel<PRECISION> for BitModel {
    type Symbol = bool;
    type Probability = u32;
}

impl EncoderModel<PRECISION> for BitModel {
    fn left_cumulative_and_probability(
        &self,
        symbol: impl Borrow<bool>,
    ) -> Option<(u32, NonZeroU32)> {
        let p0 = self.zero_prob();
        Some(if *symbol.borrow() {
            (p0, NonZeroU32::new(ONE - p0)?)
        } else {
            (0, NonZeroU32::new(p0)?)
        })
    }
}

impl DecoderModel<PRECISION> for BitModel {
    fn quantile_function(&self, quantile: u32) -> (bool, u32, NonZeroU32) {
        let p0 = self.zero_prob();
        // p0 lies in [2⁻¹¹, 1 − 2⁻¹¹]·2²⁴, so both probabilities are non-zero.
        if quantile < p0 {
            (false, 0, NonZeroU32::new(p0).expect("p0 ≥ 2^13"))
        } else {
            (
                true,
                p0,
                NonZeroU32::new(ONE - p0).expect("p0 ≤ 2^24 − 2^13"),
            )
        }
    }
}

/// An adaptive model over the symbols 0..n (n ≤ 64).
#[derive(Clone, Debug)]
pub struct SymbolModel {
    counts: Vec<u32>,
    total: u32,
}

impl SymbolModel {
    const INCREMENT: u32 = 24;
    const LIMIT: u32 = 1 << 13;

    /// Uniform start over `n` symbols.
    pub fn new(n: usize) -> Self {
        debug_assert!((2..=64).contains(&n));
        SymbolModel {
            counts: vec![1; n],
            total: n as u32,
        }
    }

    /// F(s) of the module docs.
    fn left(&self, cum: u32, s: usize) -> u32 {
        let n = self.counts.len() as u64;
        ((u64::from(cum) * (u64::from(ONE) - n)) / u64::from(self.total)) as u32 + s as u32
    }

    fn update(&mut self, s: usize) {
        self.counts[s] += Self::INCREMENT;
        self.total += Self::INCREMENT;
        if self.total > Self::LIMIT {
            self.total = 0;
            for c in &mut self.counts {
                *c = (*c).div_ceil(2);
                self.total += *c;
            }
        }
    }
}

impl EntropyModel<PRECISION> for &SymbolModel {
    type Symbol = usize;
    type Probability = u32;
}

impl EncoderModel<PRECISION> for &SymbolModel {
    fn left_cumulative_and_probability(
        &self,
        symbol: impl Borrow<usize>,
    ) -> Option<(u32, NonZeroU32)> {
        let s = *symbol.borrow();
        let cum: u32 = self.counts.get(..s)?.iter().sum();
        let count = *self.counts.get(s)?;
        let left = self.left(cum, s);
        let right = self.left(cum + count, s + 1);
        Some((left, NonZeroU32::new(right - left)?))
    }
}

impl DecoderModel<PRECISION> for &SymbolModel {
    fn quantile_function(&self, quantile: u32) -> (usize, u32, NonZeroU32) {
        let mut cum = 0;
        let mut left = 0;
        let last = self.counts.len() - 1;
        for (s, &c) in self.counts.iter().enumerate() {
            let right = self.left(cum + c, s + 1);
            // F is strictly increasing with F(n) = 2²⁴ > quantile, so some s is found; the
            // last symbol is taken as a guard.
            if quantile < right || s == last {
                return (
                    s,
                    left,
                    NonZeroU32::new(right - left).expect("F is strictly increasing"),
                );
            }
            cum += c;
            left = right;
        }
        unreachable!("the loop returns at the last symbol")
    }
}

/// `bits` (1..=16) equiprobable bits.
#[derive(Clone, Copy, Debug)]
pub struct Raw {
    bits: u32,
}

impl EntropyModel<PRECISION> for Raw {
    type Symbol = u32;
    type Probability = u32;
}

impl EncoderModel<PRECISION> for Raw {
    fn left_cumulative_and_probability(
        &self,
        symbol: impl Borrow<u32>,
    ) -> Option<(u32, NonZeroU32)> {
        let v = *symbol.borrow();
        let shift = PRECISION as u32 - self.bits;
        (v >> self.bits == 0).then_some(())?;
        Some((v << shift, NonZeroU32::new(1 << shift)?))
    }
}

impl DecoderModel<PRECISION> for Raw {
    fn quantile_function(&self, quantile: u32) -> (u32, u32, NonZeroU32) {
        let shift = PRECISION as u32 - self.bits;
        let v = quantile >> shift;
        (
            v,
            v << shift,
            NonZeroU32::new(1 << shift).expect("shift < 24"),
        )
    }
}

/// Write side: the range encoder.
pub struct Writer {
    enc: DefaultRangeEncoder,
}

impl Default for Writer {
    fn default() -> Self {
        Writer {
            enc: DefaultRangeEncoder::new(),
        }
    }
}

impl Writer {
    /// Code `bit` with `model`, then update the model.
    pub fn bit(&mut self, model: &mut BitModel, bit: bool) {
        self.enc
            .encode_symbol(bit, *model)
            .expect("both bits have non-zero probability");
        model.update(bit);
    }

    /// Code symbol `s` with `model`, then update the model.
    pub fn symbol(&mut self, model: &mut SymbolModel, s: usize) {
        self.enc
            .encode_symbol(s, &*model)
            .expect("every symbol of the alphabet has non-zero probability");
        model.update(s);
    }

    /// `bits` ≤ 32 raw bits of `v`, in chunks of at most 16.
    pub fn raw(&mut self, mut v: u32, mut bits: u32) {
        while bits > 0 {
            let n = bits.min(16);
            bits -= n;
            let chunk = (v >> bits) & ((1 << n) - 1);
            self.enc
                .encode_symbol(chunk, Raw { bits: n })
                .expect("chunk fits in n bits");
            v &= if bits == 0 { 0 } else { (1 << bits) - 1 };
        }
    }

    /// The compressed stream as little-endian bytes (a whole number of 32-bit words).
    pub fn finish(self) -> Vec<u8> {
        let words = self.enc.into_compressed().expect("Vec backend cannot fail");
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }
}

/// Read side: the range decoder.
pub struct Reader {
    dec: DefaultRangeDecoder,
}

impl Reader {
    /// `bytes` must be a whole number of 32-bit words.
    pub fn new(bytes: &[u8]) -> Result<Self> {
        if bytes.len() % 4 != 0 {
            return Err(invalid());
        }
        let words: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let dec = DefaultRangeDecoder::from_compressed(words).map_err(|_| invalid())?;
        Ok(Reader { dec })
    }

    /// Decode a bit with `model`, then update the model.
    pub fn bit(&mut self, model: &mut BitModel) -> Result<bool> {
        let bit = self.dec.decode_symbol(*model).map_err(|_| invalid())?;
        model.update(bit);
        Ok(bit)
    }

    /// Decode a symbol with `model`, then update the model.
    pub fn symbol(&mut self, model: &mut SymbolModel) -> Result<usize> {
        let s = self.dec.decode_symbol(&*model).map_err(|_| invalid())?;
        model.update(s);
        Ok(s)
    }

    /// Decode `bits` ≤ 32 raw bits written by [`Writer::raw`].
    pub fn raw(&mut self, mut bits: u32) -> Result<u32> {
        let mut v: u32 = 0;
        while bits > 0 {
            let n = bits.min(16);
            bits -= n;
            let chunk = self
                .dec
                .decode_symbol(Raw { bits: n })
                .map_err(|_| invalid())?;
            v = (v << n) | chunk;
        }
        Ok(v)
    }

    /// True when every word was consumed (the encoder's stream ends exactly there).
    pub fn exhausted(&self) -> bool {
        self.dec.maybe_exhausted()
    }
}

/// Signed integers by bucket (bit length), mantissa and sign, one bucket model per context.
#[derive(Clone, Debug)]
pub struct IntCoder {
    buckets: Vec<SymbolModel>,
}

impl IntCoder {
    /// Buckets: 0 for zero, then bit lengths 1..=32.
    pub const BUCKETS: usize = 33;

    /// `contexts` independent bucket models.
    pub fn new(contexts: usize) -> Self {
        IntCoder {
            buckets: vec![SymbolModel::new(Self::BUCKETS); contexts],
        }
    }

    /// The bucket of q: 0 for 0, else the bit length of |q|.
    pub fn bucket(q: i64) -> usize {
        (64 - q.unsigned_abs().leading_zeros()) as usize
    }

    /// Write q (|q| < 2³²) in context `ctx`.
    pub fn write(&mut self, w: &mut Writer, ctx: usize, q: i64) {
        let b = Self::bucket(q);
        debug_assert!(
            b < Self::BUCKETS,
            "quantized values are bounded by the quantizer"
        );
        w.symbol(&mut self.buckets[ctx], b);
        if b > 1 {
            let m = q.unsigned_abs() as u32;
            w.raw(m & ((1 << (b - 1)) - 1), b as u32 - 1);
        }
        if b > 0 {
            w.raw(u32::from(q < 0), 1);
        }
    }

    /// Read an integer written by [`write`](Self::write) in the same context.
    pub fn read(&mut self, r: &mut Reader, ctx: usize) -> Result<i64> {
        let b = r.symbol(&mut self.buckets[ctx])?;
        if b == 0 {
            return Ok(0);
        }
        let mantissa = if b > 1 { r.raw(b as u32 - 1)? } else { 0 };
        let m = (1_i64 << (b - 1)) | i64::from(mantissa);
        Ok(if r.raw(1)? == 1 { -m } else { m })
    }

    /// Write q in context `ctx` with the bit of |q| below its leading one (bucket b ≥ 2)
    /// coded by the adaptive model `first_bit[b]` and the remaining b − 2 mantissa bits raw;
    /// then the sign (1 = negative) with the bit model `sign`, or raw when there is none
    /// (format versions 2 and 3).
    pub fn write_with(
        &mut self,
        w: &mut Writer,
        ctx: usize,
        q: i64,
        first_bit: &mut [BitModel],
        sign: Option<&mut BitModel>,
    ) {
        let b = Self::bucket(q);
        debug_assert!(
            b < Self::BUCKETS,
            "quantized values are bounded by the quantizer"
        );
        w.symbol(&mut self.buckets[ctx], b);
        if b > 1 {
            let m = q.unsigned_abs() as u32;
            w.bit(&mut first_bit[b], (m >> (b - 2)) & 1 == 1);
            if b > 2 {
                w.raw(m & ((1 << (b - 2)) - 1), b as u32 - 2);
            }
        }
        if b > 0 {
            match sign {
                Some(model) => w.bit(model, q < 0),
                None => w.raw(u32::from(q < 0), 1),
            }
        }
    }

    /// Read an integer written by [`write_with`](Self::write_with) in the same context.
    pub fn read_with(
        &mut self,
        r: &mut Reader,
        ctx: usize,
        first_bit: &mut [BitModel],
        sign: Option<&mut BitModel>,
    ) -> Result<i64> {
        let b = r.symbol(&mut self.buckets[ctx])?;
        if b == 0 {
            return Ok(0);
        }
        let mut m = 1_i64 << (b - 1);
        if b > 1 {
            m |= i64::from(r.bit(&mut first_bit[b])?) << (b - 2);
            if b > 2 {
                m |= i64::from(r.raw(b as u32 - 2)?);
            }
        }
        let negative = match sign {
            Some(model) => r.bit(model)?,
            None => r.raw(1)? == 1,
        };
        Ok(if negative { -m } else { m })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn mixed_symbols_round_trip() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let ints: Vec<i64> = (0..5000)
            .map(|i| match i % 4 {
                0 => 0,
                1 => rng.random_range(-3..=3),
                2 => rng.random_range(-(1_i64 << 31) + 1..(1_i64 << 31)),
                _ => rng.random_range(-300..300),
            })
            .collect();
        let bits: Vec<bool> = (0..5000).map(|_| rng.random_bool(0.1)).collect();
        let mut w = Writer::default();
        let (mut bm, mut ic) = (BitModel::default(), IntCoder::new(2));
        for (i, (&q, &b)) in ints.iter().zip(&bits).enumerate() {
            w.bit(&mut bm, b);
            ic.write(&mut w, i % 2, q);
            w.raw(i as u32 & 0xfff, 12);
        }
        let bytes = w.finish();
        let mut r = Reader::new(&bytes).unwrap();
        let (mut bm, mut ic) = (BitModel::default(), IntCoder::new(2));
        for (i, (&q, &b)) in ints.iter().zip(&bits).enumerate() {
            assert_eq!(r.bit(&mut bm).unwrap(), b);
            assert_eq!(ic.read(&mut r, i % 2).unwrap(), q);
            assert_eq!(r.raw(12).unwrap(), i as u32 & 0xfff);
        }
        assert!(r.exhausted());
    }

    #[test]
    fn skewed_bits_cost_near_their_entropy() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 100_000;
        let p = 0.02;
        let mut w = Writer::default();
        let mut m = BitModel::default();
        for _ in 0..n {
            w.bit(&mut m, rng.random_bool(p));
        }
        let bits = 8.0 * w.finish().len() as f64;
        let entropy = -(p * p.log2() + (1.0 - p) * (1.0 - p).log2()) * n as f64;
        assert!(bits < 1.1 * entropy, "{bits} bits for entropy {entropy}");
    }
}
