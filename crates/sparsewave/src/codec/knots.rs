//! Payload of decimation + interpolation: the kept samples x[0], x[R], x[2R], …, x[n − 1]
//! (the knots of [`knot_indices`]), quantized with step Δ (absolute, full scale = 1; the
//! default 2⁻¹⁵ is 16-bit precision) and coded as differences of consecutive quantized knots,
//! each a signed integer whose context is the bucket of the previous difference (capped at 11).
//! The decoder rebuilds all n samples with the interpolation method of the parameters.

use super::container::{corrupt, corrupt_in};
use super::entropy::{IntCoder, Reader, Writer};
use super::limits::KNOT_BOUND;
use super::params::{InterpParams, Method, Quant};
use super::{check_step, Prepared, Trial};
use crate::approx::interp::{decimate_and_interpolate, knot_indices};
use crate::audio::Audio;
use crate::{Error, Result};
use rayon::prelude::*;

/// 16-bit precision: Δ = 2⁻¹⁵.
pub const SIXTEEN_BIT: f64 = 1.0 / 32768.0;
const CONTEXTS: usize = 12;

pub struct InterpPrepared {
    params: InterpParams,
    channels: Vec<Vec<f64>>,
}

impl InterpPrepared {
    pub fn new(params: InterpParams, audio: &Audio) -> Result<Self> {
        knot_indices(audio.frames(), params.factor)?;
        Ok(InterpPrepared {
            params,
            channels: audio.channels.clone(),
        })
    }
}

impl Prepared for InterpPrepared {
    fn method(&self) -> Method {
        Method::Interp(self.params)
    }

    fn trial(&self, keep: Option<f64>, step: f64, want_signals: bool) -> Result<Trial> {
        check_step(step)?;
        let len = self.channels[0].len();
        let factor = keep.map_or(self.params.factor, |f| {
            ((1.0 / f).round() as usize).clamp(1, len.max(1))
        });
        let params = InterpParams {
            factor,
            ..self.params
        };
        let idx = knot_indices(len, factor)?;
        let per_channel = self
            .channels
            .par_iter()
            .map(|x| {
                let q: Vec<i64> = idx.iter().map(|&i| (x[i] / step).round() as i64).collect();
                if q.iter().any(|v| v.unsigned_abs() >= KNOT_BOUND) {
                    return Err(Error::param("step", format!("{step:e} is too small")));
                }
                let payload = encode_knots(&q);
                let signal = if want_signals {
                    Some(rebuild(&params, len, &idx, &q, step)?)
                } else {
                    None
                };
                let nonzero = q.iter().filter(|&&v| v != 0).count();
                Ok((payload, signal, idx.len(), nonzero))
            })
            .collect::<Result<_>>()?;
        let quant = Quant {
            step,
            keep: 1.0 / factor as f64,
        };
        Ok(super::assemble_trial(
            Method::Interp(params),
            per_channel,
            want_signals,
            quant,
        ))
    }
}

fn context(prev_diff: i64) -> usize {
    IntCoder::bucket(prev_diff).min(CONTEXTS - 1)
}

fn encode_knots(q: &[i64]) -> Vec<u8> {
    let mut w = Writer::default();
    let mut coder = IntCoder::new(CONTEXTS);
    let (mut prev, mut prev_diff) = (0, 0);
    for &v in q {
        let d = v - prev;
        coder.write(&mut w, context(prev_diff), d);
        (prev, prev_diff) = (v, d);
    }
    w.finish()
}

fn decode_knots(bytes: &[u8], count: usize) -> Option<Vec<i64>> {
    let mut r = Reader::new(bytes).ok()?;
    let mut coder = IntCoder::new(CONTEXTS);
    let (mut prev, mut prev_diff) = (0_i64, 0);
    let mut q = Vec::with_capacity(count);
    for _ in 0..count {
        let d = coder.read(&mut r, context(prev_diff)).ok()?;
        // Knots are bounded by KNOT_BOUND in magnitude; anything else is damage.
        let v = prev
            .checked_add(d)
            .filter(|v| v.unsigned_abs() < KNOT_BOUND)?;
        q.push(v);
        (prev, prev_diff) = (v, d);
    }
    r.exhausted().then_some(q)
}

/// All `len` samples from the quantized knots.
fn rebuild(
    params: &InterpParams,
    len: usize,
    idx: &[usize],
    q: &[i64],
    step: f64,
) -> Result<Vec<f64>> {
    // decimate_and_interpolate reads only the knot positions of its input.
    let mut x = vec![0.0; len];
    for (&i, &v) in idx.iter().zip(q) {
        x[i] = v as f64 * step;
    }
    Ok(decimate_and_interpolate(&x, params.factor, params.method)?.signal)
}

/// Decode every channel of an interpolation file.
pub fn decode(
    params: &InterpParams,
    len: usize,
    quant: Quant,
    payloads: &[&[u8]],
) -> Result<Vec<Vec<f64>>> {
    let idx = knot_indices(len, params.factor).map_err(super::container::as_corrupt)?;
    payloads
        .par_iter()
        .enumerate()
        .map(|(c, bytes)| {
            let q = decode_knots(bytes, idx.len())
                .ok_or_else(|| corrupt(format!("channel {c}: invalid sample stream")))?;
            rebuild(params, len, &idx, &q, quant.step)
                .map_err(|e| corrupt_in(format_args!("channel {c}"), e))
        })
        .collect()
}
