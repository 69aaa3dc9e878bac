//! One channel of `denoise --method auto` as its samples arrive, with the output and the
//! [`AutoReport`] of the whole-signal [`auto_denoise`](crate::denoise::auto::auto_denoise).
//!
//! What crosses block boundaries, and how it is carried:
//!
//! - the Monte-Carlo probe `b`: its Rademacher signs are drawn in order ([`Rademacher`]); for
//!   coloured noise they are shaped in the [`PROBE_FFT`] plane by an [`StftFilter`] with a fixed
//!   gain per bin, so `b` (and `y + ε·b`) lags the input by that filter's overlap-add;
//! - each candidate's outputs `f_j(y)` and `f_j(y + ε·b)`: one [`StftFilter`] per FFT size for
//!   `y` and one for `y + ε·b`, each holding the rules of the candidates of that size (the LSA
//!   recursion and the block-thresholding rows carried as in the LSA-only job);
//! - the SURE statistics of a segment need the segment whole: the candidates' outputs are kept
//!   from the first segment not yet chosen ([`SegmentChoice`], which the whole-signal path
//!   uses);
//! - the output of segment `s` interpolates the weights of `s − 1`, `s` and `s + 1`, so it is
//!   mixed ([`mix`]) once segment `s + 1` is chosen: the candidates' outputs on `y` are kept
//!   one segment longer;
//! - the report's `‖y‖²` is summed block after block ([`sum_of_squares`]).
//!
//! Nothing is global beyond the noise estimate of pass one: memory is about three segments of
//! every candidate's outputs plus each plane's run of [`OLA_BLOCK`](crate::transform::stft::OLA_BLOCK)
//! frames.

use super::stft_filter::{GainRule, StftFilter};
use super::Tape;
use crate::denoise::auto::{
    hann_quarter_hop, mix, probe_amplitude, segment_length, sum_of_squares, white_probe_from,
    AutoConfig, AutoReport, Rademacher, SegmentChoice, PROBE_FFT,
};
use crate::denoise::noise_estimate::NoiseEstimate;
use crate::Result;

/// The filters of one FFT size: on `y` and on `y + ε·b`, with the candidates `candidates`
/// (indices into the configuration's list) as their rules, in order.
struct Plane {
    candidates: Vec<usize>,
    clean: StftFilter,
    perturbed: StftFilter,
}

/// One channel of `auto` (module documentation).
pub(crate) struct AutoLane {
    cfg: AutoConfig,
    len: usize,
    seg: usize,
    segments: usize,
    signs: Rademacher,
    sigma: f64,
    /// The coloured probe's shaping, `None` for white noise.
    shaping: Option<StftFilter>,
    planes: Vec<Plane>,
    /// The input, from the first sample not yet mixed.
    x: Tape,
    /// The probe, from the first segment not yet chosen.
    probe: Tape,
    /// Samples of `y + ε·b` given to the planes.
    perturbed_fed: usize,
    /// Per candidate: `f_j(y)` from the first sample not yet mixed, `f_j(y + ε·b)` from the
    /// first segment not yet chosen.
    outputs: Vec<(Tape, Tape)>,
    choice: SegmentChoice,
    /// Segments mixed.
    mixed: usize,
    energy: f64,
}

impl AutoLane {
    /// A channel of `len` samples at `rate` Hz with noise `noise`; `noise_power(n_fft)` is the
    /// noise power per bin in the plane of `n_fft`
    /// ([`NoiseEstimate::stft_noise_power_from_lobes`] of the channel's DC lobes).
    pub(crate) fn new(
        cfg: &AutoConfig,
        noise: &NoiseEstimate,
        noise_power: impl Fn(usize) -> Result<Vec<f64>>,
        len: usize,
        rate: u32,
    ) -> Result<Self> {
        cfg.validate()?;
        let shaping = if noise.is_white() {
            None
        } else {
            let stft = hann_quarter_hop(PROBE_FFT)?;
            let amplitude = probe_amplitude(&stft, &noise_power(PROBE_FFT)?);
            Some(StftFilter::new(
                PROBE_FFT,
                noise_power(PROBE_FFT)?,
                len,
                vec![GainRule::Fixed(amplitude)],
            )?)
        };
        let mut sizes: Vec<usize> = Vec::new();
        for c in &cfg.candidates {
            if !sizes.contains(&c.n_fft()) {
                sizes.push(c.n_fft());
            }
        }
        let planes = sizes
            .into_iter()
            .map(|size| {
                let candidates: Vec<usize> = (0..cfg.candidates.len())
                    .filter(|&j| cfg.candidates[j].n_fft() == size)
                    .collect();
                let power = noise_power(size)?;
                let bins = size / 2 + 1;
                let filter = |power: Vec<f64>| {
                    let rules = candidates
                        .iter()
                        .map(|&j| GainRule::of(&cfg.candidates[j], bins))
                        .collect();
                    StftFilter::new(size, power, len, rules)
                };
                Ok(Plane {
                    clean: filter(power.clone())?,
                    perturbed: filter(power)?,
                    candidates,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let seg = segment_length(cfg, rate, len);
        Ok(AutoLane {
            cfg: cfg.clone(),
            len,
            seg,
            segments: len.div_ceil(seg).max(1),
            signs: Rademacher::new(cfg.seed),
            sigma: noise.sigma(),
            shaping,
            planes,
            x: Tape::default(),
            probe: Tape::default(),
            perturbed_fed: 0,
            outputs: (0..cfg.candidates.len())
                .map(|_| Default::default())
                .collect(),
            choice: SegmentChoice::new(cfg.candidates.len(), noise.sigma()),
            mixed: 0,
            energy: 0.0,
        })
    }

    /// The next input samples; returns the output samples now final (in order).
    pub(crate) fn push(&mut self, x: &[f64]) -> Result<Vec<f64>> {
        self.energy = sum_of_squares(self.energy, x);
        self.x.data.extend_from_slice(x);
        let signs = self.signs.signs(x.len());
        let probe = match &mut self.shaping {
            None => white_probe_from(signs, self.sigma),
            Some(shaping) => shaping.push(&signs)?.swap_remove(0),
        };
        self.probe.data.extend_from_slice(&probe);
        let perturbed: Vec<f64> = self
            .x
            .slice(self.perturbed_fed..self.probe.end())
            .iter()
            .zip(self.probe.slice(self.perturbed_fed..self.probe.end()))
            .map(|(y, b)| y + self.cfg.epsilon * b)
            .collect();
        self.perturbed_fed = self.probe.end();
        for plane in &mut self.planes {
            let clean = plane.clean.push(x)?;
            let perturbed = plane.perturbed.push(&perturbed)?;
            for ((&j, f), fp) in plane.candidates.iter().zip(clean).zip(perturbed) {
                self.outputs[j].0.data.extend_from_slice(&f);
                self.outputs[j].1.data.extend_from_slice(&fp);
            }
        }
        self.choose();
        Ok(self.mix())
    }

    /// Choose the weights of every segment whose outputs are all in.
    fn choose(&mut self) {
        loop {
            let s = self.choice.weights().len();
            if s == self.segments {
                return;
            }
            let r = s * self.seg..((s + 1) * self.seg).min(self.len);
            let ready = self.probe.end().min(
                self.outputs
                    .iter()
                    .map(|(f, fp)| f.end().min(fp.end()))
                    .min()
                    .unwrap_or(0),
            );
            if ready < r.end {
                return;
            }
            let pairs: Vec<(&[f64], &[f64])> = self
                .outputs
                .iter()
                .map(|(f, fp)| (f.slice(r.clone()), fp.slice(r.clone())))
                .collect();
            self.choice.push(
                self.x.slice(r.clone()),
                self.probe.slice(r.clone()),
                &pairs,
                self.cfg.epsilon,
            );
            self.probe.drop_before(r.end);
            for (_, fp) in &mut self.outputs {
                fp.drop_before(r.end);
            }
        }
    }

    /// Mix every segment whose weights and the next segment's are chosen.
    fn mix(&mut self) -> Vec<f64> {
        let chosen = self.choice.weights().len();
        let mut y = Vec::new();
        while self.mixed < chosen && (self.mixed + 1 < chosen || chosen == self.segments) {
            let s = self.mixed;
            let r = s * self.seg..((s + 1) * self.seg).min(self.len);
            let candidates: Vec<&[f64]> = self.outputs.iter().map(|(f, _)| &f.data[..]).collect();
            let first = self.outputs.first().map_or(0, |(f, _)| f.start);
            y.extend(mix(
                &candidates,
                first,
                self.choice.weights(),
                self.segments,
                self.seg,
                self.len,
                r.clone(),
            ));
            for (f, _) in &mut self.outputs {
                f.drop_before(r.end);
            }
            self.x.drop_before(r.end);
            self.mixed += 1;
        }
        y
    }

    /// The report, after the last sample.
    pub(crate) fn report(self) -> AutoReport {
        self.choice.report(&self.cfg, self.energy, self.len)
    }
}
