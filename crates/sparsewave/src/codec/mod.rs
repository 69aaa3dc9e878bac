//! Real compressed files: the `.swz` codec.
//!
//! ```text
//! encode:  audio → per channel: analysis → keep the largest (fair budget) → dead-zone
//!          quantization → adaptive range coding → container (header + CRC-checked chunks)
//! decode:  container checks → range decoding → dequantization → synthesis → audio
//! ```
//!
//! Methods: PGBZ (with or without the least-squares re-fit), DWT, STFT (sparse coefficient payloads, [`sparse`]), spectrogram SVD (`lowrank`)
//! and decimation + interpolation (`knots`); the tonal + transient [`hybrid`] stores a PGBZ
//! and a DWT file whose decodings add. The byte format is specified in
//! `docs/FORMAT.md`. [`encode`] returns, beside the bytes, the audio the decoder will produce
//! from them (computed by the decoder's own dequantization and synthesis), so reported SNRs
//! are those of the decoded file. Rate control ([`Target::Bitrate`], [`Target::Snr`]) is in
//! [`rate`].

#![warn(missing_docs)]

pub mod container;
pub mod context;
pub mod entropy;
mod flac;
pub mod hybrid;
mod knots;
pub mod lattice;
pub mod limits;
mod lowrank;
pub mod params;
mod plan;
pub mod rate;
mod rd;
pub mod segment;
mod settings;
pub mod sparse;

pub use container::{ChannelCoding, MAGIC};
pub use flac::flac_size;
pub use limits::Limits;
pub use params::{
    DwtParams, HybridParams, InterpParams, Method, Packets, PgbzParams, Quant, StftParams,
    SvdParams, SvdPhase,
};
pub use rd::{rate_distortion, RateDistortion, RdPoint, DEFAULT_RD_BITRATES, DEFAULT_RD_METHODS};
pub use segment::{EncodeSummary, Segmenting};
pub use settings::{MethodKind, MethodSettings, SvdPhaseKind, AUTO_METHODS};

use crate::audio::{Audio, SampleFormat};
use crate::metrics::Metrics;
use crate::pipeline::{Outcome, Report};
use crate::transform::wavelet::{dwt_max_level, Family, Wavelet};
use crate::{Error, Result};
use container::{as_corrupt, corrupt, corrupt_in, Header};
use plan::SparsePlan;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the encoder aims for.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum Target {
    /// The given keep fraction (of the input's real numbers; `None` = the method's own rank
    /// or decimation factor, or everything for the sparse methods) and relative quantizer
    /// step (`None` = the method's default, see [`default_step`]).
    Fixed {
        /// Keep fraction of the input's real numbers (`None`: the method's own setting).
        keep: Option<f64>,
        /// Relative quantizer step (`None`: [`default_step`]).
        step: Option<f64>,
    },
    /// The best SNR whose file fits this many kilobits per second.
    Bitrate {
        /// Kilobits (1000 bits) per second of file.
        kbps: f64,
    },
    /// The smallest file whose decoded SNR is at least this many dB.
    Snr {
        /// Decoded SNR in dB.
        db: f64,
    },
}

/// The relative step used when none is given: 1/20 of the RMS of what is quantized for the
/// sparse methods and the SVD factors; for interpolation 2⁻¹⁵ absolute (16-bit samples).
pub fn default_step(method: &Method) -> f64 {
    match method {
        Method::Interp(_) => knots::SIXTEEN_BIT,
        _ => 0.05,
    }
}

/// One encoding attempt: everything the file holds, and optionally the decoded signal.
#[derive(Clone, Debug)]
pub struct Trial {
    /// The method as the parameter block records it (resolved DWT depth and PGBZ lattice, the
    /// rank or decimation factor the keep fraction chose).
    pub method: Method,
    /// The parameter block.
    pub params: Vec<u8>,
    /// One entropy-coded payload per channel.
    pub payloads: Vec<Vec<u8>>,
    /// The decoded channels, when asked for.
    pub signals: Option<Vec<Vec<f64>>>,
    /// Real numbers kept before quantization (all channels, fair count).
    pub kept_real_values: usize,
    /// Non-zero quantized values stored (all channels).
    pub nonzero_values: usize,
    /// The quantizer the parameter block records.
    pub quant: Quant,
}

impl Trial {
    /// Size of the file this trial makes.
    pub fn file_bytes(&self) -> usize {
        container::FIXED_HEADER
            + self.params.len()
            + 4
            + self.payloads.iter().map(|p| 8 + p.len()).sum::<usize>()
    }
}

/// A method prepared on one input (analysis done once), ready for many trials.
pub trait Prepared: Sync + Send {
    /// The method being encoded (for the sparse methods, with the depth or lattice the plan
    /// resolved).
    fn method(&self) -> Method;
    /// The keep fractions the rate control tries ([`rate::KEEP_GRID`] unless the method
    /// decides what to keep itself).
    fn keep_grid(&self) -> &'static [f64] {
        &rate::KEEP_GRID
    }
    /// Encode with a keep fraction (None = the method's own setting) and a relative step.
    fn trial(&self, keep: Option<f64>, step: f64, want_signals: bool) -> Result<Trial>;
}

/// Re-fitted slots of every channel, per keep budget.
type RefitCache = Mutex<HashMap<usize, Arc<Vec<Vec<f64>>>>>;

struct SparsePrepared {
    plan: SparsePlan,
    layout: sparse::Layout,
    /// The quantizer's noise shaping for the plan's transform ([`SparsePlan::shaping`]).
    shaping: Option<sparse::NoiseShaping>,
    method: Method,
    /// The analysis of every channel (shared with the trials that quantize it as it is).
    slots: Arc<Vec<Vec<f64>>>,
    rankings: Vec<sparse::Ranking>,
    /// RMS of all coefficient slots (the unit of the relative step).
    scale: f64,
    len: usize,
    /// PGBZ + LS: the input channels and the re-fitted slots per keep budget.
    refit: Option<(Vec<Vec<f64>>, RefitCache)>,
}

impl SparsePrepared {
    fn new(method: Method, plan: SparsePlan, audio: &Audio) -> Result<Self> {
        Ok(Self::analysed(method, Analysed::of(plan, audio)?, audio))
    }

    /// From the analysis `a` of `audio` with `method`'s plan.
    fn analysed(method: Method, a: Analysed, audio: &Audio) -> Self {
        let Analysed { plan, slots } = a;
        let layout = plan.layout();
        let shaping = plan.shaping();
        let resolved = plan.resolved();
        let method = match method {
            Method::Dwt(p) => Method::Dwt(DwtParams {
                level: Some(resolved.0),
                ..p
            }),
            Method::Pgbz(p) => Method::Pgbz(PgbzParams {
                lattice: Some(resolved),
                ..p
            }),
            other => other,
        };
        let rankings = slots
            .par_iter()
            .map(|s| sparse::Ranking::new(&layout, s))
            .collect();
        let count = slots.iter().map(Vec::len).sum::<usize>().max(1);
        let energy: f64 = slots.iter().flatten().map(|v| v * v).sum();
        SparsePrepared {
            plan,
            layout,
            shaping,
            method,
            slots: Arc::new(slots),
            rankings,
            scale: (energy / count as f64).sqrt(),
            len: audio.frames(),
            refit: match method {
                Method::Pgbz(p) if p.refit > 0 => {
                    Some((audio.channels.clone(), Mutex::new(HashMap::new())))
                }
                _ => None,
            },
        }
    }

    /// The slots to quantize for `budget`: the analysis, or its least-squares re-fit.
    fn slots_for(&self, budget: usize) -> Result<Arc<Vec<Vec<f64>>>> {
        let (Some((inputs, cache)), Method::Pgbz(p)) = (&self.refit, &self.method) else {
            return Ok(Arc::clone(&self.slots));
        };
        if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&budget) {
            return Ok(Arc::clone(hit));
        }
        let fitted: Vec<Vec<f64>> = inputs
            .iter()
            .zip(self.slots.iter())
            .zip(&self.rankings)
            .map(|((x, s), r)| plan::pgbz_refit(&self.plan, x, s, r.kept(budget), p.refit))
            .collect::<Result<_>>()?;
        let fitted = Arc::new(fitted);
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(budget, Arc::clone(&fitted));
        Ok(fitted)
    }
}

impl Prepared for SparsePrepared {
    fn method(&self) -> Method {
        self.method
    }

    /// Everything (the rate–distortion optimized quantizer drops what does not pay), unless
    /// the least-squares re-fit needs a kept set.
    fn keep_grid(&self) -> &'static [f64] {
        match self.refit {
            Some(_) => &rate::KEEP_GRID,
            None => &[1.0],
        }
    }

    fn trial(&self, keep: Option<f64>, step: f64, want_signals: bool) -> Result<Trial> {
        let keep = keep.unwrap_or(1.0);
        check_keep(keep)?;
        check_step(step)?;
        // A silent input has scale 0; any positive step then stores nothing.
        let abs_step = if self.scale > 0.0 {
            step * self.scale
        } else {
            step
        };
        let budget = (keep * self.len as f64).floor() as usize;
        let values = self.slots_for(budget)?;
        let per_channel: Vec<ChannelTrial> = values
            .par_iter()
            .zip(&self.rankings)
            .map(|(slots, ranking)| {
                let kept = ranking.kept(budget);
                let (q, payload) = sparse::encode_rdo(
                    &self.layout,
                    slots,
                    kept,
                    abs_step,
                    sparse::RDO_LAMBDA,
                    self.shaping,
                )?;
                let signal = if want_signals {
                    Some(self.plan.synthesize_quantized(&q, abs_step)?)
                } else {
                    None
                };
                let cost = ranking.kept_cost(budget);
                Ok((payload, signal, cost, q.iter().filter(|&&v| v != 0).count()))
            })
            .collect::<Result<_>>()?;
        let quant = Quant {
            step: abs_step,
            keep,
        };
        Ok(assemble_trial(
            self.method,
            per_channel,
            want_signals,
            quant,
        ))
    }
}

/// One channel of a trial: payload, decoded signal (when asked), kept real values, non-zero
/// quantized values.
pub(crate) type ChannelTrial = (Vec<u8>, Option<Vec<f64>>, usize, usize);

/// Collect per-channel results into a [`Trial`] of the resolved `method`.
fn assemble_trial(
    method: Method,
    per_channel: Vec<ChannelTrial>,
    want_signals: bool,
    quant: Quant,
) -> Trial {
    let mut t = Trial {
        method,
        params: params::write_params(&method, quant),
        payloads: Vec::new(),
        signals: want_signals.then(Vec::new),
        kept_real_values: 0,
        nonzero_values: 0,
        quant,
    };
    for (payload, signal, kept, nonzero) in per_channel {
        t.payloads.push(payload);
        if let (Some(all), Some(s)) = (&mut t.signals, signal) {
            all.push(s);
        }
        t.kept_real_values += kept;
        t.nonzero_values += nonzero;
    }
    t
}

fn check_keep(keep: f64) -> Result<()> {
    if !(keep > 0.0 && keep <= 1.0) {
        return Err(Error::param("keep", format!("{keep} is outside (0, 1]")));
    }
    Ok(())
}

fn check_step(step: f64) -> Result<()> {
    if !(step.is_finite() && step > 0.0) {
        return Err(Error::param("step", format!("{step} must be positive")));
    }
    Ok(())
}

/// A signal too short for one level of `p`'s wavelet (symN needs 2(2N − 1) samples: 62 for the
/// default sym16) is coded with the longest wavelet of the same family that allows one level,
/// or Haar (2 samples) when none does; the file records the wavelet used.
fn fit_wavelet(p: DwtParams, len: usize) -> DwtParams {
    let fits = |w: Wavelet| dwt_max_level(len, w.filter_len()) >= 1;
    if fits(p.wavelet) {
        return p;
    }
    let wavelet = (1..p.wavelet.order())
        .rev()
        .filter_map(|order| Wavelet::new(p.wavelet.family(), order).ok())
        .find(|&w| fits(w))
        .unwrap_or_else(|| Wavelet::new(Family::Haar, 1).expect("haar is a wavelet"));
    DwtParams { wavelet, ..p }
}

/// Analyse `audio` once for `method`.
pub fn prepare(audio: &Audio, method: &Method) -> Result<Box<dyn Prepared>> {
    check_preparable(audio, method)?;
    let len = audio.frames();
    Ok(match method {
        Method::Dwt(p) => {
            let p = plan::choose_packets(fit_wavelet(*p, len), audio)?;
            Box::new(SparsePrepared::new(
                Method::Dwt(p),
                SparsePlan::dwt(&p, len)?,
                audio,
            )?)
        }
        Method::Pgbz(p) => Box::new(SparsePrepared::new(
            *method,
            SparsePlan::pgbz(p, len)?,
            audio,
        )?),
        Method::Stft(p) => Box::new(SparsePrepared::new(
            *method,
            SparsePlan::stft(p, len)?,
            audio,
        )?),
        Method::Svd(p) => Box::new(lowrank::SvdPrepared::new(*p, audio)?),
        Method::Interp(p) => Box::new(knots::InterpPrepared::new(*p, audio)?),
        Method::Hybrid(_) => {
            return Err(Error::param(
                "method",
                "hybrid codes two layers, each a method of its own; it has no single analysis",
            ))
        }
    })
}

/// What [`prepare`] checks before it plans: a non-empty input within the format's limits and
/// parameters the decoder accepts.
fn check_preparable(audio: &Audio, method: &Method) -> Result<()> {
    if audio.channel_count() == 0 || audio.frames() == 0 {
        return Err(Error::param("input", "has no samples"));
    }
    limits::check_channels(audio.channel_count())?;
    limits::check_sample_rate(audio.sample_rate)?;
    Limits::default().check(audio.channel_count(), audio.frames() as u64)?;
    limits::check_method(method, Some(audio.frames()))
}

/// A sparse method's plan and the analysis of every channel of one input: what the PGBZ
/// lattice choice ranks its candidates by and then prepares the best ones from, without
/// analysing them again ([`analyse_pgbz`], [`prepare_analysed`]).
pub(crate) struct Analysed {
    plan: SparsePlan,
    slots: Vec<Vec<f64>>,
}

impl Analysed {
    /// Analyse every channel of `audio` with `plan` (channels in parallel).
    fn of(plan: SparsePlan, audio: &Audio) -> Result<Self> {
        let slots = audio
            .channels
            .par_iter()
            .map(|x| plan.analyze(x))
            .collect::<Result<_>>()?;
        Ok(Analysed { plan, slots })
    }

    /// The coefficient slots, one vector per channel.
    pub(crate) fn slots(&self) -> &[Vec<f64>] {
        &self.slots
    }
}

/// Plan PGBZ with `p` on `audio` and analyse every channel (with [`prepare`]'s checks).
pub(crate) fn analyse_pgbz(audio: &Audio, p: &PgbzParams) -> Result<Analysed> {
    check_preparable(audio, &Method::Pgbz(*p))?;
    Analysed::of(SparsePlan::pgbz(p, audio.frames())?, audio)
}

/// [`prepare`] for PGBZ with `p`, from the analysis [`analyse_pgbz`] made of `audio` with it.
pub(crate) fn prepare_analysed(audio: &Audio, p: PgbzParams, a: Analysed) -> Box<dyn Prepared> {
    Box::new(SparsePrepared::analysed(Method::Pgbz(p), a, audio))
}

/// Encode `audio` with each of `candidates` (e.g. [`MethodSettings::candidates`]) and keep
/// the best for `target`: among the encodings that meet it, the smallest file (`--snr`, fixed
/// settings) or the best decoded SNR (`--bitrate`); if none meets it, the closest. With more
/// than one candidate the report gains `candidates` ({method, bytes, snr_db, target_met} per
/// candidate, in order) and its `trials` count them all.
///
/// An input longer than [`Segmenting::default_for`] its rate is segmented
/// ([`encode_best_with`]).
pub fn encode_best(audio: &Audio, candidates: &[Method], target: Target) -> Result<Encoded> {
    encode_best_with(
        audio,
        candidates,
        target,
        Segmenting::default_for(audio.sample_rate)?,
    )
}

/// [`encode_best`] with the given segmenting: an input of more than `segmenting.samples`
/// samples per channel becomes a segmented file ([`segment`]), each segment encoded by
/// [`encode_best`] with its share of `target` (fixed settings: per segment, the step
/// relative to the segment's RMS), so that the candidates compete per segment; the report
/// then gains `segments`.
pub fn encode_best_with(
    audio: &Audio,
    candidates: &[Method],
    target: Target,
    segmenting: Segmenting,
) -> Result<Encoded> {
    if segmenting.applies(audio.frames()) {
        segment::encode_segmented(audio, candidates, target, segmenting)
    } else {
        encode_single_best(audio, candidates, target)
    }
}

/// [`encode_best`] as one single-segment file, whatever the length.
pub(crate) fn encode_single_best(
    audio: &Audio,
    candidates: &[Method],
    target: Target,
) -> Result<Encoded> {
    // With other candidates, the hybrid competes only for the targets it can meet.
    let encodings = candidates
        .iter()
        .filter(|m| {
            candidates.len() == 1 || !matches!(m, Method::Hybrid(_)) || hybrid::applies(target)
        })
        .map(|m| encode_single(audio, m, target))
        .collect::<Result<Vec<_>>>()?;
    Ok(best_of(encodings, target))
}

/// One candidate of [`encode_best`] as its report lists it.
#[derive(serde::Serialize)]
struct Candidate {
    method: &'static str,
    bytes: usize,
    snr_db: f64,
    target_met: bool,
}

/// The best of several encodings of one input for `target` ([`encode_best`]).
pub(crate) fn best_of(mut encodings: Vec<Encoded>, target: Target) -> Encoded {
    assert!(!encodings.is_empty(), "at least one candidate");
    if encodings.len() == 1 {
        return encodings.remove(0);
    }
    let listed: Vec<Candidate> = encodings
        .iter()
        .map(|e| Candidate {
            method: e.method.name(),
            bytes: e.bytes.len(),
            snr_db: e.report.metrics.snr_db,
            target_met: e.target_met,
        })
        .collect();
    let trials = encodings.iter().map(|e| e.trials).sum::<usize>();
    let better = |a: &Encoded, b: &Encoded| -> bool {
        if a.target_met != b.target_met {
            return a.target_met;
        }
        let (snr_a, snr_b) = (a.report.metrics.snr_db, b.report.metrics.snr_db);
        match target {
            Target::Bitrate { .. } if a.target_met => snr_a > snr_b,
            Target::Bitrate { .. } => a.bytes.len() < b.bytes.len(),
            Target::Snr { .. } if !a.target_met => snr_a > snr_b,
            _ => a.bytes.len() < b.bytes.len(),
        }
    };
    let mut best = encodings.remove(0);
    for e in encodings {
        if better(&e, &best) {
            best = e;
        }
    }
    best.trials = trials;
    best.report = best
        .report
        .with("trials", trials)
        .with("candidates", listed);
    best
}

/// The result of [`encode`]: the file, the audio the decoder will read from it, and the
/// report of the `encode` job.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// The method the file records.
    pub method: Method,
    /// The `.swz` file.
    pub bytes: Vec<u8>,
    /// What [`decode`] returns for `bytes`, bit for bit (sample format included).
    pub audio: Audio,
    /// Keep fraction and absolute step of the chosen encoding.
    pub quant: Quant,
    /// The relative step chosen (unit: RMS of what is quantized).
    pub relative_step: f64,
    /// Real numbers kept before quantization (all channels, fair count).
    pub kept_real_values: usize,
    /// Non-zero quantized values stored (all channels).
    pub nonzero_values: usize,
    /// Trials the rate control ran (1 for a fixed target).
    pub trials: usize,
    /// False when a rate target could not be met (the closest encoding is returned).
    pub target_met: bool,
    /// Bit rate of the file: 8·bytes / duration / 1000 ([`kbps`]).
    pub kbps: f64,
    /// 8·bytes / (channels × samples per channel).
    pub bits_per_sample: f64,
    /// The report (`encode --json`): the decoded audio measured against the input, `params`
    /// {method, target, relative_step, step, keep} and the fields above as `bytes`, `kbps`,
    /// `bits_per_sample`, `kept_real_values`, `nonzero_values`, `trials`, `target_met`.
    pub report: Report,
}

/// The effective parameters an [`Encoded`] report records.
#[derive(serde::Serialize)]
pub(crate) struct EncodeParams {
    pub(crate) method: &'static str,
    pub(crate) target: Target,
    pub(crate) relative_step: f64,
    pub(crate) step: f64,
    pub(crate) keep: f64,
}

/// Encode `audio` with `method` to meet `target`. Every parameter is checked against the
/// format's [`limits`] before anything is encoded, and the parameters actually written are
/// checked again before the file is assembled: the decoder never refuses the result.
///
/// PGBZ without a lattice and with a rate target first chooses its lattice ([`lattice`]);
/// the report then lists the candidates' estimates as `lattices`, and `trials` counts their
/// trial encodings too. An input longer than a segment is segmented ([`encode_best`]).
pub fn encode(audio: &Audio, method: &Method, target: Target) -> Result<Encoded> {
    encode_best(audio, std::slice::from_ref(method), target)
}

/// [`encode`] as one single-segment file.
fn encode_single(audio: &Audio, method: &Method, target: Target) -> Result<Encoded> {
    if let Method::Hybrid(p) = *method {
        return hybrid::encode(audio, p, target);
    }
    let t0 = Instant::now();
    let coding = channel_coding(audio);
    let rotated;
    let stored = match coding {
        ChannelCoding::Independent => audio,
        ChannelCoding::MidSide => {
            rotated = Audio {
                channels: rotate(coding, audio.channels.clone()),
                codec: audio.codec.clone(),
                ..*audio
            };
            &rotated
        }
    };
    let (method, lattices, chosen) = match *method {
        Method::Pgbz(p) => {
            let c = lattice::choose(stored, p, target)?;
            (Method::Pgbz(c.params), c.estimates, c.prepared)
        }
        other => (other, Vec::new(), None),
    };
    let prepared = match chosen {
        Some(prepared) => prepared,
        None => prepare(stored, &method)?,
    };
    let mut encoded = encode_timed(prepared.as_ref(), audio, stored, coding, target, t0)?;
    if !lattices.is_empty() {
        encoded.trials += lattices.iter().map(|e| e.trials).sum::<usize>();
        encoded.report = encoded
            .report
            .clone()
            .with("trials", encoded.trials)
            .with("lattices", lattices);
        encoded.report.seconds = t0.elapsed().as_secs_f64();
    }
    Ok(encoded)
}

/// The channel coding [`encode`] uses: for two channels, mid/side when the product of the
/// mid and side energies is below that of the left and right ones (the rotation then lowers
/// the geometric mean of the channel variances, the high-rate measure of what coding them
/// costs at a given distortion), else independent.
pub fn channel_coding(audio: &Audio) -> ChannelCoding {
    let [l, r] = audio.channels.as_slice() else {
        return ChannelCoding::Independent;
    };
    let energy = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>();
    let [m, s] = mid_side(l, r);
    if energy(&m) * energy(&s) < energy(l) * energy(r) {
        ChannelCoding::MidSide
    } else {
        ChannelCoding::Independent
    }
}

/// (a, b) ↦ ((a + b)/√2, (a − b)/√2) sample by sample: left/right to mid/side and back (the
/// rotation is its own inverse).
fn mid_side(a: &[f64], b: &[f64]) -> [Vec<f64>; 2] {
    let h = std::f64::consts::FRAC_1_SQRT_2;
    [
        a.iter().zip(b).map(|(x, y)| (x + y) * h).collect(),
        a.iter().zip(b).map(|(x, y)| (x - y) * h).collect(),
    ]
}

/// The channels rotated by `coding`: the audio's to the stored ones and back (one function,
/// used by the encoder for its reconstruction and by the decoder).
fn rotate(coding: ChannelCoding, channels: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    match (coding, channels.as_slice()) {
        (ChannelCoding::MidSide, [a, b]) => mid_side(a, b).into(),
        _ => channels,
    }
}

/// Encode `stored` (`audio`, or its channels rotated by `coding`) and report against `audio`.
fn encode_timed(
    prepared: &dyn Prepared,
    audio: &Audio,
    stored: &Audio,
    coding: ChannelCoding,
    target: Target,
    t0: Instant,
) -> Result<Encoded> {
    let mut choice = rate::choose(prepared, stored, target)?;
    let trial = match choice.trial.take() {
        Some(t) => t,
        None => prepared.trial(choice.keep, choice.step, true)?,
    };
    // What the parameter block holds is resolved by the trial (lattice, depth, rank,
    // factor): check it as the decoder will.
    limits::check_method(&trial.method, Some(audio.frames()))?;
    limits::check_quant(trial.quant)?;
    let format = audio.format.whole_bytes();
    let header = Header {
        method: trial.method.id(),
        source_format: format_code(format),
        channels: audio.channel_count() as u16,
        sample_rate: audio.sample_rate,
        frames: audio.frames() as u64,
        channel_coding: coding,
        params: trial.params.clone(),
    };
    let bytes = container::write_file(&header, &trial.payloads);
    debug_assert_eq!(bytes.len(), trial.file_bytes());
    let decoded = Audio {
        sample_rate: audio.sample_rate,
        channels: rotate(coding, trial.signals.expect("signals were requested")),
        format,
        codec: "swz".into(),
    };
    let seconds = t0.elapsed().as_secs_f64();
    let metrics = Metrics::compute(&audio.channels, &decoded.channels, audio.sample_rate)?;
    let kbps = kbps(bytes.len(), audio.seconds());
    let bits_per_sample =
        8.0 * bytes.len() as f64 / (audio.frames() * audio.channel_count()) as f64;
    // The report is built around the decoded audio without copying it.
    let outcome = Outcome::<()> {
        output: decoded,
        infos: Vec::new(),
        seconds,
        metrics,
    };
    let params = EncodeParams {
        method: trial.method.name(),
        target,
        relative_step: choice.step,
        step: trial.quant.step,
        keep: trial.quant.keep,
    };
    let report = Report::new("encode", audio, &outcome, params)
        .with("bytes", bytes.len())
        .with("kbps", kbps)
        .with("bits_per_sample", bits_per_sample)
        .with("kept_real_values", trial.kept_real_values)
        .with("nonzero_values", trial.nonzero_values)
        .with("trials", choice.trials())
        .with("search", &choice.search)
        .with("target_met", choice.target_met)
        .with("channel_coding", coding);
    Ok(Encoded {
        method: trial.method,
        bytes,
        audio: outcome.output,
        quant: trial.quant,
        relative_step: choice.step,
        kept_real_values: trial.kept_real_values,
        nonzero_values: trial.nonzero_values,
        trials: choice.trials(),
        target_met: choice.target_met,
        kbps,
        bits_per_sample,
        report,
    })
}

/// The source-format code of a format as a file records it ([`SampleFormat::whole_bytes`]).
pub(crate) fn format_code(f: SampleFormat) -> u8 {
    match f {
        SampleFormat::Float32 => 0,
        SampleFormat::Float64 => 1,
        SampleFormat::Int(b) => b as u8,
    }
}

pub(crate) fn format_from_code(c: u8) -> Result<SampleFormat> {
    match c {
        0 => Ok(SampleFormat::Float32),
        1 => Ok(SampleFormat::Float64),
        8 | 16 | 24 | 32 => Ok(SampleFormat::Int(u16::from(c))),
        _ => Err(corrupt(format!("invalid source sample format {c}"))),
    }
}

/// The header of a file and its sizes (`sparsewave info`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileInfo {
    /// Format version of the file.
    pub version: u16,
    /// Method name ([`Method::name`]).
    pub method: &'static str,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// How the stored channels relate to the audio's.
    pub channel_coding: ChannelCoding,
    /// Samples per channel.
    pub samples: usize,
    /// Samples per channel / sample rate.
    pub duration_seconds: f64,
    /// The source's sample format, as [`SampleFormat::describe`] writes it.
    pub source_format: String,
    /// Human-readable method parameters.
    pub params: String,
    /// Absolute quantizer step Δ.
    pub quantizer_step: f64,
    /// Keep fraction the encoder used (informational).
    pub keep: f64,
    /// Bytes of the header, parameter block and header CRC.
    pub header_bytes: usize,
    /// Bytes of each channel's payload (without its length and CRC).
    pub payload_bytes: Vec<usize>,
    /// Size of the file.
    pub bytes: usize,
    /// 8·bytes / (channels × samples per channel).
    pub bits_per_sample: f64,
    /// Bit rate of the file, kbit/s.
    pub kbps: f64,
    /// A segmented file's segments (the fields above then describe the whole file, except
    /// `method` — the method most segments use —, `channel_coding`, `quantizer_step` and
    /// `keep` — the first segment's —, and `payload_bytes` — the segments' file sizes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<SegmentsInfo>,
}

/// How a segmented file is cut, and the methods of its segments.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SegmentsInfo {
    /// Segment count.
    pub count: u64,
    /// Segment length, samples per channel.
    pub samples: u64,
    /// Overlap of consecutive segments, samples.
    pub overlap: u64,
    /// Segments per method name.
    pub methods: std::collections::BTreeMap<&'static str, usize>,
}

/// Check a whole file (CRCs, limits, parameters) and describe it without decoding payloads.
pub fn inspect(bytes: &[u8], limits: Limits) -> Result<FileInfo> {
    inspect_opened(
        container::open(bytes, bytes.len() as u64, limits)?,
        bytes.len(),
        limits,
    )
}

/// [`inspect`] of an opened file of `len` bytes: a segmented one is read segment by segment.
fn inspect_opened<R: std::io::Read>(
    opened: container::Opened<R>,
    len: usize,
    limits: Limits,
) -> Result<FileInfo> {
    let mut reader = match opened {
        container::Opened::Single(bytes) => return inspect_single(&bytes, limits),
        container::Opened::Segmented(reader) => reader,
    };
    let h = *reader.header();
    let g = h.geometry;
    let mut first: Option<FileInfo> = None;
    let mut sizes = Vec::new();
    let mut methods = std::collections::BTreeMap::new();
    let mut i = 0;
    while let Some(file) = reader.next_segment()? {
        let info = inspect_single(&file, limits)
            .map_err(|e| corrupt_in(format_args!("segment {i}"), e))?;
        *methods.entry(info.method).or_insert(0_usize) += 1;
        sizes.push(file.len());
        first.get_or_insert(info);
        i += 1;
    }
    let first = first.expect("a segmented file has at least two segments");
    let most = methods.values().copied().max().unwrap_or(0);
    let method = methods
        .iter()
        .find(|(_, &k)| k == most)
        .map_or(first.method, |(m, _)| *m);
    let frames = g.frames as usize;
    let seconds = frames as f64 / f64::from(h.sample_rate);
    let listed: Vec<String> = methods.iter().map(|(m, k)| format!("{m} {k}")).collect();
    Ok(FileInfo {
        version: reader.version(),
        method,
        channels: usize::from(h.channels),
        samples: frames,
        duration_seconds: seconds,
        params: format!(
            "{} segments of {} samples overlapping by {} ({})",
            g.count,
            g.samples,
            g.overlap,
            listed.join(", ")
        ),
        header_bytes: reader.header_bytes(),
        payload_bytes: sizes,
        bytes: len,
        bits_per_sample: 8.0 * len as f64 / (frames * usize::from(h.channels)) as f64,
        kbps: kbps(len, seconds),
        segments: Some(SegmentsInfo {
            count: g.count,
            samples: g.samples,
            overlap: g.overlap,
            methods,
        }),
        ..first
    })
}

/// [`inspect`] of a single-segment file.
fn inspect_single(bytes: &[u8], limits: Limits) -> Result<FileInfo> {
    if hybrid::is_hybrid(bytes) {
        return hybrid::inspect(bytes, limits);
    }
    let parsed = container::parse_file(bytes, limits)?;
    let h = &parsed.header;
    let frames = h.frames as usize;
    let (method, quant) = params::read_params(h.method, &h.params, frames)?;
    let format = format_from_code(h.source_format)?;
    let seconds = frames as f64 / f64::from(h.sample_rate);
    Ok(FileInfo {
        version: parsed.version,
        method: method.name(),
        sample_rate: h.sample_rate,
        channels: usize::from(h.channels),
        channel_coding: h.channel_coding,
        samples: frames,
        duration_seconds: seconds,
        source_format: format.describe(),
        params: describe(&method),
        quantizer_step: quant.step,
        keep: quant.keep,
        header_bytes: parsed.header_bytes,
        payload_bytes: parsed.payloads.iter().map(|p| p.len()).collect(),
        bytes: bytes.len(),
        bits_per_sample: 8.0 * bytes.len() as f64 / (frames * usize::from(h.channels)) as f64,
        kbps: kbps(bytes.len(), seconds),
        segments: None,
    })
}

/// Bit rate of `bytes` over `seconds`, in kilobits (1000 bits) per second.
pub fn kbps(bytes: usize, seconds: f64) -> f64 {
    8.0 * bytes as f64 / seconds / 1000.0
}

fn describe(m: &Method) -> String {
    match m {
        Method::Dwt(p) => format!(
            "wavelet {}, mode {}, level {}{}",
            p.wavelet,
            p.mode,
            p.level.unwrap_or(0),
            match p.packets {
                Packets::Tree(t) => format!(", wavelet packets ({} bands)", t.leaf_count()),
                _ => String::new(),
            }
        ),
        Method::Pgbz(p) => format!(
            "lattice {}x{}, least-squares re-fit: {}",
            p.lattice.map_or(0, |l| l.0),
            p.lattice.map_or(0, |l| l.1),
            match p.refit {
                0 => "none".to_string(),
                n => format!("{n} iterations"),
            }
        ),
        Method::Stft(p) => describe_stft(p),
        Method::Svd(p) => format!(
            "{}, rank {}, phase {}",
            describe_stft(&p.stft),
            p.rank,
            match p.phase {
                SvdPhase::Quantized { bits } => format!("quantized to {bits} bits"),
                SvdPhase::GriffinLim { iters, seed } =>
                    format!("griffin-lim ({iters} iterations, seed {seed})"),
            }
        ),
        Method::Interp(p) => format!("factor {}, interpolation {:?}", p.factor, p.method),
        Method::Hybrid(p) => format!(
            "layer 1: pgbz ({}); layer 2: dwt ({})",
            describe(&Method::Pgbz(p.tonal)),
            describe(&Method::Dwt(p.transient))
        ),
    }
}

fn describe_stft(p: &StftParams) -> String {
    format!(
        "n_fft {}, hop {}, window {} ({} samples), pad {:?}",
        p.n_fft, p.hop, p.window, p.win_length, p.pad
    )
}

/// Decode a `.swz` file held in memory. Every size is checked before it is used; any damage
/// gives an [`Error::Corrupt`] that says what is wrong. The whole signal is checked against
/// `limits` (it is allocated whole), a segmented file's segments too
/// ([`segment::decode_segments`] decodes one in bounded memory).
pub fn decode(bytes: &[u8], limits: Limits) -> Result<Audio> {
    let mut reader = match segment::open_bytes(bytes, limits)? {
        container::Opened::Single(_) => return decode_single(bytes, limits),
        container::Opened::Segmented(reader) => reader,
    };
    let h = *reader.header();
    let channels = usize::from(h.channels);
    limits
        .check(channels, h.geometry.frames)
        .map_err(as_corrupt)?;
    let frames = h.geometry.frames as usize;
    let mut out = vec![Vec::with_capacity(frames); channels];
    segment::decode_segments(&mut reader, limits, |ready| {
        for (o, y) in out.iter_mut().zip(ready) {
            o.extend(y);
        }
        Ok(())
    })?;
    Ok(Audio {
        sample_rate: h.sample_rate,
        channels: out,
        format: format_from_code(h.source_format)?,
        codec: "swz".into(),
    })
}

/// [`decode`] of a single-segment file.
pub(crate) fn decode_single(bytes: &[u8], limits: Limits) -> Result<Audio> {
    if hybrid::is_hybrid(bytes) {
        return hybrid::decode(bytes, limits);
    }
    let parsed = container::parse_file(bytes, limits)?;
    let h = &parsed.header;
    let len = h.frames as usize;
    let (method, quant) = params::read_params(h.method, &h.params, len)?;
    let format = format_from_code(h.source_format)?;
    let bad = as_corrupt;
    let channels: Vec<Vec<f64>> = match &method {
        Method::Dwt(p) => decode_sparse(SparsePlan::dwt(p, len).map_err(bad)?, &parsed, quant)?,
        Method::Stft(p) => decode_sparse(SparsePlan::stft(p, len).map_err(bad)?, &parsed, quant)?,
        Method::Pgbz(p) => decode_sparse(SparsePlan::pgbz(p, len).map_err(bad)?, &parsed, quant)?,
        Method::Svd(p) => lowrank::decode(p, len, quant, &parsed.payloads)?,
        Method::Interp(p) => knots::decode(p, len, quant, &parsed.payloads)?,
        // `read_params` knows no hybrid block: hybrid files are decoded by their layers.
        Method::Hybrid(_) => return Err(corrupt("a hybrid file read as a one-method file")),
    };
    let channels = rotate(h.channel_coding, channels);
    Ok(Audio {
        sample_rate: h.sample_rate,
        channels,
        format,
        codec: "swz".into(),
    })
}

fn decode_sparse(
    plan: SparsePlan,
    parsed: &container::Parsed<'_>,
    quant: Quant,
) -> Result<Vec<Vec<f64>>> {
    let layout = plan.layout();
    parsed
        .payloads
        .par_iter()
        .enumerate()
        .map(|(c, payload)| {
            let q = sparse::decode_payload(&layout, payload, parsed.version)
                .map_err(|e| corrupt_in(format_args!("channel {c}"), e))?;
            plan.synthesize_quantized(&q, quant.step)
                .map_err(|e| corrupt_in(format_args!("channel {c}"), e))
        })
        .collect()
}

/// Does `bytes` start like a `.swz` file?
pub fn is_swz(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Read and decode the file at `path`; damage is an [`Error::BadInput`] naming the file.
pub fn decode_file(path: &Path, limits: Limits) -> Result<Audio> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(&bytes, limits).map_err(|e| in_file(path, e))
}

/// Read the file at `path` and describe it, a segmented file one segment at a time; damage is
/// an [`Error::BadInput`] naming the file.
pub fn inspect_file(path: &Path, limits: Limits) -> Result<FileInfo> {
    let (source, len) = open_source(path)?;
    container::open(source, len, limits)
        .and_then(|opened| inspect_opened(opened, len as usize, limits))
        .map_err(|e| in_file(path, e))
}

/// A buffered reader of the file at `path` and its length in bytes.
pub fn open_source(path: &Path) -> Result<(std::io::BufReader<std::fs::File>, u64)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    Ok((std::io::BufReader::with_capacity(1 << 16, file), len))
}

/// A [`Error::Corrupt`] of the bytes of `path` as an [`Error::BadInput`] naming the file.
pub(crate) fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Corrupt(reason) => Error::bad_input(path, reason),
        other => other,
    }
}
