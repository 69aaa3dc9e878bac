//! Segmented files (format version 4): a long signal cut into overlapping segments, each a
//! complete single-segment `.swz` file with its own method and rate control.
//!
//! ```text
//! segment i covers samples [i·H, i·H + L_i), H = L − V, L_i = min(L, n − i·H)
//! analysis:   s_i = w_i · x      (w_i: sin over the rising overlap, cos over the falling one,
//!                                 1 between and at the signal's first and last edges)
//! synthesis:  y   = Σ_i w_i · ŝ_i  (ŝ_i the decoded segment; in the overlaps
//!                                 sin² + cos² = 1, so y = x without coding)
//! ```
//!
//! The encoder (`SegmentEncoder`) is fed the signal in blocks of any size and keeps at most
//! one segment plus a block in memory; the decoder ([`decode_segments`]) hands out the
//! overlap-added samples segment by segment. The in-memory [`encode_best`](super::encode_best)
//! and [`decode`](super::decode) and the streamed jobs of [`crate::stream::codec`] run the same
//! code, so they give the same bytes and samples.
//!
//! Rate targets hold for the whole file (docs/FORMAT.md, "Segmented files"). `--snr D`: the
//! file's error budget 10^(−D/10)·‖x‖² is shared between the segments in proportion to the
//! samples each hands out (what a segment leaves unspent going to the segments after it), and
//! each segment meets its share on its tapered samples; the budget
//! holds for the file because by Cauchy–Schwarz, at every sample,
//! (Σ_i w_i e_i)² ≤ Σ_i w_i² · Σ_i e_i² = Σ_i e_i². A bit-rate budget is shared the same way,
//! less the outer header and the chunk prefixes.

use super::container::{
    self, Opened, SegmentedHeader, SegmentedReader, CHUNK_PREFIX, SEGMENTED_HEADER,
};
use super::{format_code, EncodeParams, Encoded, Method, Quant, Target};
use crate::audio::{Audio, SampleFormat};
use crate::metrics::Metrics;
use crate::pipeline::Report;
use crate::{Error, Result};
use std::collections::BTreeMap;

/// How long inputs are cut: segments of `samples` samples per channel overlapping by
/// `overlap`. An input of more than `samples` samples per channel is segmented; a shorter one
/// is coded as one file, as before version 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Segmenting {
    /// Segment length L in samples per channel (2 ≤ L < 2³²).
    pub samples: usize,
    /// Overlap V of consecutive segments in samples (2V ≤ L).
    pub overlap: usize,
}

impl Segmenting {
    /// Default segment duration, seconds (see docs/compress.md, "Segmented files").
    pub const DEFAULT_SECONDS: f64 = 20.0;
    /// Overlap duration, seconds: 50 ms (2205 samples at 44.1 kHz), long enough for a smooth
    /// join and costing V/L = 0.25 % more samples at 20 s segments.
    pub const OVERLAP_SECONDS: f64 = 0.05;

    /// Segments of `seconds` at `sample_rate` with the [`Segmenting::OVERLAP_SECONDS`] overlap
    /// (at most half a segment). Errors (parameter `segment_seconds`): a duration that gives
    /// fewer than 2 or 2³² or more samples.
    pub fn seconds(seconds: f64, sample_rate: u32) -> Result<Self> {
        let rate = f64::from(sample_rate);
        let samples = (seconds * rate).round();
        if !(2.0..4_294_967_296.0).contains(&samples) {
            return Err(Error::param(
                "segment_seconds",
                format!("{seconds} s at {sample_rate} Hz is not 2 to 2^32 − 1 samples"),
            ));
        }
        let samples = samples as usize;
        let overlap = ((Self::OVERLAP_SECONDS * rate).round() as usize).min(samples / 2);
        Ok(Segmenting { samples, overlap })
    }

    /// [`Segmenting::DEFAULT_SECONDS`] segments at `sample_rate`. Errors (parameter
    /// `sample_rate`): a rate the format cannot record (0, or above
    /// [`MAX_SAMPLE_RATE`](super::limits::MAX_SAMPLE_RATE)).
    pub fn default_for(sample_rate: u32) -> Result<Self> {
        super::limits::check_sample_rate(sample_rate)?;
        Self::seconds(Self::DEFAULT_SECONDS, sample_rate)
    }

    /// Whether an input of `frames` samples per channel is segmented (longer than a segment).
    pub fn applies(&self, frames: usize) -> bool {
        frames > self.samples
    }
}

/// Where the segments of a signal of `frames` samples lie: segment i starts at i·H,
/// H = L − V, and holds min(L, n − i·H) samples; K segments, the fewest that reach the end.
/// The last holds more than V samples, so each overlap is between two segments only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Samples per channel of the whole signal, n.
    pub frames: u64,
    /// Segment length L.
    pub samples: u64,
    /// Overlap V.
    pub overlap: u64,
    /// Segment count K = 1 + ⌈(n − L)/H⌉.
    pub count: u64,
}

impl Geometry {
    /// The geometry of `frames` samples cut into segments of `samples` overlapping by
    /// `overlap`. Errors (parameters `segment_samples`, `overlap`): L < 2, L ≥ 2³², 2V > L,
    /// or n ≤ L (a signal of one segment is not segmented).
    pub fn new(frames: u64, samples: u64, overlap: u64) -> Result<Self> {
        if !(2..=u64::from(u32::MAX)).contains(&samples) {
            return Err(Error::param(
                "segment_samples",
                format!("segment length {samples} is outside 2..2^32"),
            ));
        }
        if overlap.saturating_mul(2) > samples {
            return Err(Error::param(
                "overlap",
                format!("overlap {overlap} is more than half the segment length {samples}"),
            ));
        }
        if frames <= samples {
            return Err(Error::param(
                "segment_samples",
                format!("{frames} samples fit in one segment of {samples}: nothing to segment"),
            ));
        }
        let hop = samples - overlap;
        Ok(Geometry {
            frames,
            samples,
            overlap,
            count: 1 + (frames - samples).div_ceil(hop),
        })
    }

    /// The hop H = L − V between segment starts.
    pub fn hop(&self) -> u64 {
        self.samples - self.overlap
    }

    /// Samples of segment `i`.
    pub fn len(&self, i: u64) -> usize {
        self.samples.min(self.frames - i * self.hop()) as usize
    }

    /// Whether segment `i` is the last.
    pub fn is_last(&self, i: u64) -> bool {
        i + 1 == self.count
    }

    /// Samples segment `i` hands out once overlap-added: all but its falling overlap (the last
    /// one: all). They add up to n.
    pub fn ready(&self, i: u64) -> usize {
        if self.is_last(i) {
            self.len(i)
        } else {
            self.hop() as usize
        }
    }
}

/// The lowest SNR target a segment gets under `--snr` (dB): a quieter segment's share of the
/// error budget would allow less, and raising its target only lowers the file's error.
pub const MIN_SEGMENT_SNR: f64 = 1.0;

/// The energy ‖x‖² of a signal handed over in blocks: a running sum of x² per channel in
/// sample order, then the channels added in order, so the result does not depend on the blocks.
#[derive(Clone, Debug)]
pub(crate) struct InputEnergy(Vec<f64>);

impl InputEnergy {
    /// For `channels` channels.
    pub(crate) fn new(channels: usize) -> Self {
        InputEnergy(vec![0.0; channels])
    }

    /// The next samples, one slice per channel.
    pub(crate) fn push<C: AsRef<[f64]>>(&mut self, block: &[C]) {
        for (e, c) in self.0.iter_mut().zip(block) {
            *e = c.as_ref().iter().fold(*e, |e, v| e + v * v);
        }
    }

    /// ‖x‖² over all channels.
    pub(crate) fn total(&self) -> f64 {
        self.0.iter().sum()
    }
}

/// The analysis and synthesis taper of the overlaps: rising r_j = sin(π/2 · (j + ½)/V) and
/// falling f_j = cos(π/2 · (j + ½)/V), j = 0..V (r_j² + f_j² = 1).
#[derive(Clone, Debug)]
pub struct Taper {
    rising: Vec<f64>,
    falling: Vec<f64>,
}

impl Taper {
    /// The taper of an overlap of `overlap` samples.
    pub fn new(overlap: usize) -> Self {
        let angle = |j: usize| std::f64::consts::FRAC_PI_2 * (j as f64 + 0.5) / overlap as f64;
        Taper {
            rising: (0..overlap).map(|j| angle(j).sin()).collect(),
            falling: (0..overlap).map(|j| angle(j).cos()).collect(),
        }
    }

    /// Multiply one channel of segment `i` by its taper w_i: the rising overlap unless it is
    /// the first segment, the falling one unless it is the last.
    pub fn apply(&self, g: &Geometry, i: u64, x: &mut [f64]) {
        let v = self.rising.len();
        if i > 0 {
            x[..v]
                .iter_mut()
                .zip(&self.rising)
                .for_each(|(x, w)| *x *= w);
        }
        if !g.is_last(i) {
            let start = x.len() - v;
            x[start..]
                .iter_mut()
                .zip(&self.falling)
                .for_each(|(x, w)| *x *= w);
        }
    }
}

/// The synthesis of decoded segments, in order: each is tapered, its rising overlap added to
/// the previous segment's falling one, and the samples no later segment reaches handed out.
pub struct OverlapAdd {
    geometry: Geometry,
    taper: Taper,
    next: u64,
    /// The previous segment's tapered falling overlap, per channel.
    tail: Vec<Vec<f64>>,
}

impl OverlapAdd {
    /// The synthesis of the segments of `geometry`, from the first.
    pub fn new(geometry: Geometry) -> Self {
        OverlapAdd {
            geometry,
            taper: Taper::new(geometry.overlap as usize),
            next: 0,
            tail: Vec::new(),
        }
    }

    /// Add the next decoded segment (one vector per channel, the segment's length); returns
    /// the [`Geometry::ready`] samples it completes.
    pub fn add(&mut self, mut segment: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
        let (g, i) = (self.geometry, self.next);
        let v = g.overlap as usize;
        let mut tails = Vec::with_capacity(segment.len());
        for (c, y) in segment.iter_mut().enumerate() {
            self.taper.apply(&g, i, y);
            if let Some(tail) = self.tail.get(c) {
                y[..v].iter_mut().zip(tail).for_each(|(y, t)| *y += t);
            }
            if !g.is_last(i) {
                tails.push(y.split_off(y.len() - v));
            }
        }
        self.tail = tails;
        self.next += 1;
        segment
    }
}

/// What one segment's encoding was (the report's `segments` list).
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct SegmentRecord {
    /// Method name.
    pub method: &'static str,
    /// Bytes of the segment's file.
    pub bytes: usize,
    /// SNR of the decoded segment against its tapered input, dB (NaN, `null` in JSON, for a
    /// silent segment, which is coded exactly with the method's fixed defaults).
    pub snr_db: f64,
    /// The relative quantizer step chosen.
    pub relative_step: f64,
    /// Trials of its rate control.
    pub trials: usize,
    /// Whether it met its target.
    pub target_met: bool,
    /// Its target ([`SegmentEncoder`]'s share of the file's).
    pub target: Target,
    #[serde(skip)]
    method_full: Method,
    #[serde(skip)]
    quant: Quant,
    #[serde(skip)]
    kept_real_values: usize,
    #[serde(skip)]
    nonzero_values: usize,
}

/// Where a [`SegmentEncoder`] puts its results.
pub(crate) trait SegmentSink {
    /// The next segment's file, with its [`container::chunk_prefix`].
    fn chunk(&mut self, prefix: &[u8], file: &[u8]) -> Result<()>;
    /// The next samples of the input (untapered) and of the decoded signal, per channel.
    fn samples(&mut self, input: &[&[f64]], decoded: &[Vec<f64>]) -> Result<()>;
}

/// The streamed encoder of a segmented file: fed the signal in blocks of any size, it encodes
/// each segment as soon as it is whole ([`super::encode_single_best`] on the tapered samples,
/// with the segment's share of the target) and hands out its file and the completed samples.
/// Memory: the current segment plus one block per channel, whatever the signal's length.
pub(crate) struct SegmentEncoder<'a> {
    header: SegmentedHeader,
    format: SampleFormat,
    candidates: &'a [Method],
    target: Target,
    /// The input's energy ‖x‖², all channels ([`InputEnergy`]).
    energy: f64,
    /// The error budget spent so far: the squared error of the output samples handed out, plus
    /// the last segment's ‖e‖² over its trailing overlap (its share of samples not handed out
    /// yet; by Cauchy–Schwarz a bound of what it adds to them).
    spent_error: f64,
    /// The squared error of the output samples handed out so far.
    handed_error: f64,
    /// Σ R_j of the segments encoded so far.
    handed_out: u64,
    /// Input samples from the current segment's start, per channel.
    pending: Vec<Vec<f64>>,
    received: u64,
    synthesis: OverlapAdd,
    records: Vec<SegmentRecord>,
}

impl<'a> SegmentEncoder<'a> {
    /// An encoder of `frames` samples of `channels` channels at `sample_rate` from a source in
    /// `format` of energy `energy` ([`InputEnergy`]), cut by `segmenting`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        sample_rate: u32,
        channels: usize,
        frames: usize,
        format: SampleFormat,
        segmenting: Segmenting,
        candidates: &'a [Method],
        target: Target,
        energy: f64,
    ) -> Result<Self> {
        super::limits::check_channels(channels)?;
        super::limits::check_sample_rate(sample_rate)?;
        let geometry = Geometry::new(
            frames as u64,
            segmenting.samples as u64,
            segmenting.overlap as u64,
        )?;
        let format = format.whole_bytes();
        Ok(SegmentEncoder {
            header: SegmentedHeader {
                source_format: format_code(format),
                channels: channels as u16,
                sample_rate,
                geometry,
            },
            format,
            candidates,
            target,
            energy,
            spent_error: 0.0,
            handed_error: 0.0,
            handed_out: 0,
            pending: vec![Vec::new(); channels],
            received: 0,
            synthesis: OverlapAdd::new(geometry),
            records: Vec::new(),
        })
    }

    /// The outer header's bytes (the file starts with them).
    pub(crate) fn header_bytes(&self) -> Vec<u8> {
        self.header.to_bytes()
    }

    /// The next samples (one slice per channel, equal lengths); every segment they complete
    /// is encoded and handed to `sink`.
    pub(crate) fn push<C: AsRef<[f64]>>(
        &mut self,
        block: &[C],
        sink: &mut impl SegmentSink,
    ) -> Result<()> {
        let g = self.header.geometry;
        let n = block.first().map_or(0, |c| c.as_ref().len());
        if block.len() != self.pending.len() || block.iter().any(|c| c.as_ref().len() != n) {
            return Err(Error::param(
                "block",
                format!(
                    "{} channels of unequal lengths where {} were expected",
                    block.len(),
                    self.pending.len()
                ),
            ));
        }
        if self.received + n as u64 > g.frames {
            return Err(Error::param(
                "block",
                format!("more than the announced {} samples", g.frames),
            ));
        }
        for (p, c) in self.pending.iter_mut().zip(block) {
            p.extend_from_slice(c.as_ref());
        }
        self.received += n as u64;
        while self.synthesis.next < g.count && self.pending[0].len() >= g.len(self.synthesis.next) {
            self.encode_next(sink)?;
        }
        Ok(())
    }

    /// After the last block: the records of every segment. Errors (parameter `block`): fewer
    /// samples than announced.
    pub(crate) fn finish(self) -> Result<Vec<SegmentRecord>> {
        let g = self.header.geometry;
        if self.received != g.frames || self.synthesis.next != g.count {
            return Err(Error::param(
                "block",
                format!(
                    "{} samples given where {} were announced",
                    self.received, g.frames
                ),
            ));
        }
        Ok(self.records)
    }

    /// The target of segment `i`, whose tapered samples have the energy `energy` (module
    /// documentation; R_i = [`Geometry::ready`] is its share of the samples):
    ///
    /// - `--snr D`: what is left of the error budget β = 10^(−D/10)·‖x‖² after the segments
    ///   before it, shared in proportion to R_i among it and the segments after it:
    ///   β_i = (β − S_i)·R_i / (n − Σ_{j<i} R_j), with S_i the squared error of the output
    ///   handed out so far plus segment i − 1's ‖e‖² over its trailing overlap; i.e. an SNR of
    ///   D_i = 10·log10(‖s_i‖² / β_i) dB on its tapered samples (raised to at least
    ///   [`MIN_SEGMENT_SNR`]). The same noise power everywhere, as the whole-file rate control
    ///   gives, rather than the same SNR in loud and quiet passages; and what a segment leaves
    ///   unspent (its rate control lands anywhere in its 0.1 dB window, and the overlaps add
    ///   less error than the bound counts) goes to the segments after it instead of adding up
    ///   into the file's overshoot;
    /// - `--bitrate`: kbps · 1000 · R_i / rate − 8 · (8 + 48 · R_i / n) bits, 8 bytes its chunk
    ///   prefix and 48 the outer header;
    /// - fixed settings: the file's.
    fn segment_target(&self, i: u64, energy: f64) -> Result<Target> {
        let g = self.header.geometry;
        let own = g.ready(i) as f64;
        match self.target {
            Target::Snr { db } => {
                let budget = self.energy * 10f64.powf(-db / 10.0);
                let left = (budget - self.spent_error).max(f64::MIN_POSITIVE);
                let allowed = left * own / (g.frames - self.handed_out) as f64;
                Ok(Target::Snr {
                    db: (10.0 * (energy / allowed).log10()).max(MIN_SEGMENT_SNR),
                })
            }
            Target::Bitrate { kbps } => {
                let rate = f64::from(self.header.sample_rate);
                let overhead =
                    CHUNK_PREFIX as f64 + SEGMENTED_HEADER as f64 * own / g.frames as f64;
                let bits = kbps * 1000.0 * own / rate - 8.0 * overhead;
                let seconds = g.len(i) as f64 / rate;
                let segment_kbps = bits / seconds / 1000.0;
                if segment_kbps.is_nan() || segment_kbps <= 0.0 {
                    return Err(Error::param(
                        "bitrate",
                        format!("{kbps} kbit/s leaves nothing for segment {i} after its headers"),
                    ));
                }
                Ok(Target::Bitrate { kbps: segment_kbps })
            }
            fixed => Ok(fixed),
        }
    }

    fn encode_next(&mut self, sink: &mut impl SegmentSink) -> Result<()> {
        let g = self.header.geometry;
        let i = self.synthesis.next;
        let len = g.len(i);
        let channels = self
            .pending
            .iter()
            .map(|p| {
                let mut x = p[..len].to_vec();
                self.synthesis.taper.apply(&g, i, &mut x);
                x
            })
            .collect();
        let segment = Audio {
            sample_rate: self.header.sample_rate,
            channels,
            format: self.format,
            codec: "memory".into(),
        };
        // A silent segment has no SNR to reach: the method's fixed defaults store it exactly
        // (nothing but the header) whatever the target.
        let energy: f64 = segment
            .channels
            .iter()
            .map(|c| c.iter().map(|v| v * v).sum::<f64>())
            .sum();
        let target = if energy == 0.0 {
            Target::Fixed {
                keep: None,
                step: None,
            }
        } else {
            self.segment_target(i, energy)?
        };
        let enc = super::encode_single_best(&segment, self.candidates, target)?;
        // ‖e_i‖² over the trailing overlap, which the next segment's output samples will hold.
        let tail_error = if i + 1 < g.count {
            let from = g.ready(i);
            squared_error(
                segment.channels.iter().map(|c| &c[from..]),
                enc.audio.channels.iter().map(|c| &c[from..]),
            )
        } else {
            0.0
        };
        drop(segment);
        sink.chunk(&container::chunk_prefix(&enc.bytes), &enc.bytes)?;
        self.records.push(SegmentRecord {
            method: enc.method.name(),
            bytes: enc.bytes.len(),
            snr_db: enc.report.metrics.snr_db,
            relative_step: enc.relative_step,
            trials: enc.trials,
            target_met: enc.target_met,
            target,
            method_full: enc.method,
            quant: enc.quant,
            kept_real_values: enc.kept_real_values,
            nonzero_values: enc.nonzero_values,
        });
        let decoded = self.synthesis.add(enc.audio.channels);
        let ready = g.ready(i);
        let input: Vec<&[f64]> = self.pending.iter().map(|p| &p[..ready]).collect();
        self.handed_error += squared_error(input.iter().copied(), decoded.iter().map(|c| &c[..]));
        self.spent_error = self.handed_error + tail_error;
        self.handed_out += ready as u64;
        sink.samples(&input, &decoded)?;
        for p in &mut self.pending {
            p.drain(..ready);
        }
        Ok(())
    }
}

/// Σ (a − b)² over channels of equal lengths.
fn squared_error<'x>(
    a: impl Iterator<Item = &'x [f64]>,
    b: impl Iterator<Item = &'x [f64]>,
) -> f64 {
    a.zip(b)
        .map(|(a, b)| a.iter().zip(b).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
        .sum()
}

/// The shape and size of a segmented encoding, for its report ([`summarize`]).
pub(crate) struct SegmentedOutcome {
    /// Sample rate, channels, samples per channel.
    pub sample_rate: u32,
    pub channels: usize,
    pub frames: usize,
    /// How the signal was cut.
    pub segmenting: Segmenting,
    /// Size of the file.
    pub bytes: u64,
    /// The decoded file against the input.
    pub metrics: Metrics,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// What an encoding produced, beside the file and the decoded audio: the fields of
/// [`Encoded`] that a streamed encoder (which holds neither) reports too.
#[derive(Clone, Debug)]
pub struct EncodeSummary {
    /// The method of the file; of a segmented file, the method most segments use (the
    /// first of those in segment order when tied).
    pub method: Method,
    /// Size of the file.
    pub bytes: u64,
    /// Keep fraction and absolute step (of a segmented file: its first segment's).
    pub quant: Quant,
    /// The relative step chosen (of a segmented file: its first segment's).
    pub relative_step: f64,
    /// Real numbers kept before quantization (all channels and segments).
    pub kept_real_values: usize,
    /// Non-zero quantized values stored (all channels and segments).
    pub nonzero_values: usize,
    /// Trials of the rate control (all segments).
    pub trials: usize,
    /// False when a rate target could not be met (by any segment).
    pub target_met: bool,
    /// Bit rate of the file, kbit/s.
    pub kbps: f64,
    /// 8·bytes / (channels × samples per channel).
    pub bits_per_sample: f64,
    /// The `encode` report ([`Encoded::report`]).
    pub report: Report,
}

impl Encoded {
    /// Everything but the file and the decoded audio.
    pub fn summary(&self) -> EncodeSummary {
        EncodeSummary {
            method: self.method,
            bytes: self.bytes.len() as u64,
            quant: self.quant,
            relative_step: self.relative_step,
            kept_real_values: self.kept_real_values,
            nonzero_values: self.nonzero_values,
            trials: self.trials,
            target_met: self.target_met,
            kbps: self.kbps,
            bits_per_sample: self.bits_per_sample,
            report: self.report.clone(),
        }
    }
}

/// The summary and report of a segmented encoding: the report of an unsegmented one (the
/// method, relative step, step and keep of `params` those of [`EncodeSummary`]), without
/// `search` and `channel_coding` (per segment), plus `segments`: {count, samples, overlap,
/// methods (segments per method), list (per segment: method, bytes, snr_db, relative_step,
/// trials, target_met)}.
pub(crate) fn summarize(
    outcome: SegmentedOutcome,
    records: Vec<SegmentRecord>,
    target: Target,
) -> EncodeSummary {
    let mut methods: BTreeMap<&'static str, usize> = BTreeMap::new();
    for r in &records {
        *methods.entry(r.method).or_default() += 1;
    }
    let most = methods.values().copied().max().unwrap_or(0);
    let first = &records[0];
    let method = records
        .iter()
        .find(|r| methods[r.method] == most)
        .map_or(first.method_full, |r| r.method_full);
    let seconds_of_audio = outcome.frames as f64 / f64::from(outcome.sample_rate);
    let kbps = super::kbps(outcome.bytes as usize, seconds_of_audio);
    let bits_per_sample = 8.0 * outcome.bytes as f64 / (outcome.frames * outcome.channels) as f64;
    let kept_real_values = records.iter().map(|r| r.kept_real_values).sum();
    let nonzero_values = records.iter().map(|r| r.nonzero_values).sum();
    let trials = records.iter().map(|r| r.trials).sum();
    let target_met = records.iter().all(|r| r.target_met);
    let params = EncodeParams {
        method: method.name(),
        target,
        relative_step: first.relative_step,
        step: first.quant.step,
        keep: first.quant.keep,
    };
    let segments = serde_json::json!({
        "count": records.len(),
        "samples": outcome.segmenting.samples,
        "overlap": outcome.segmenting.overlap,
        "methods": methods,
        "list": records,
    });
    let report = Report::of_signal(
        "encode",
        (outcome.sample_rate, outcome.channels, outcome.frames),
        outcome.seconds,
        outcome.metrics,
        params,
    )
    .with("bytes", outcome.bytes)
    .with("kbps", kbps)
    .with("bits_per_sample", bits_per_sample)
    .with("kept_real_values", kept_real_values)
    .with("nonzero_values", nonzero_values)
    .with("trials", trials)
    .with("target_met", target_met)
    .with("segments", segments);
    EncodeSummary {
        method,
        bytes: outcome.bytes,
        quant: first.quant,
        relative_step: first.relative_step,
        kept_real_values,
        nonzero_values,
        trials,
        target_met,
        kbps,
        bits_per_sample,
        report,
    }
}

/// Frames per block the in-memory encoder feeds to [`SegmentEncoder`] (any size gives the
/// same file).
const MEMORY_BLOCK: usize = 1 << 16;

/// The in-memory segmented encoding of `audio` ([`super::encode_best`] for inputs longer than
/// a segment).
pub(crate) fn encode_segmented(
    audio: &Audio,
    candidates: &[Method],
    target: Target,
    segmenting: Segmenting,
) -> Result<Encoded> {
    struct Memory {
        bytes: Vec<u8>,
        decoded: Vec<Vec<f64>>,
    }
    impl SegmentSink for Memory {
        fn chunk(&mut self, prefix: &[u8], file: &[u8]) -> Result<()> {
            self.bytes.extend_from_slice(prefix);
            self.bytes.extend_from_slice(file);
            Ok(())
        }
        fn samples(&mut self, _input: &[&[f64]], decoded: &[Vec<f64>]) -> Result<()> {
            for (d, y) in self.decoded.iter_mut().zip(decoded) {
                d.extend_from_slice(y);
            }
            Ok(())
        }
    }
    let t0 = std::time::Instant::now();
    let (n, channels) = (audio.frames(), audio.channel_count());
    let mut energy = InputEnergy::new(channels);
    energy.push(&audio.channels);
    let mut encoder = SegmentEncoder::new(
        audio.sample_rate,
        channels,
        n,
        audio.format,
        segmenting,
        candidates,
        target,
        energy.total(),
    )?;
    let mut sink = Memory {
        bytes: encoder.header_bytes(),
        decoded: vec![Vec::with_capacity(n); channels],
    };
    for start in (0..n).step_by(MEMORY_BLOCK) {
        let end = (start + MEMORY_BLOCK).min(n);
        let block: Vec<&[f64]> = audio.channels.iter().map(|c| &c[start..end]).collect();
        encoder.push(&block, &mut sink)?;
    }
    let records = encoder.finish()?;
    let metrics = Metrics::compute(&audio.channels, &sink.decoded, audio.sample_rate)?;
    let outcome = SegmentedOutcome {
        sample_rate: audio.sample_rate,
        channels,
        frames: n,
        segmenting,
        bytes: sink.bytes.len() as u64,
        metrics,
        seconds: t0.elapsed().as_secs_f64(),
    };
    let s = summarize(outcome, records, target);
    Ok(Encoded {
        method: s.method,
        bytes: sink.bytes,
        audio: Audio {
            sample_rate: audio.sample_rate,
            channels: sink.decoded,
            format: audio.format.whole_bytes(),
            codec: "swz".into(),
        },
        quant: s.quant,
        relative_step: s.relative_step,
        kept_real_values: s.kept_real_values,
        nonzero_values: s.nonzero_values,
        trials: s.trials,
        target_met: s.target_met,
        kbps: s.kbps,
        bits_per_sample: s.bits_per_sample,
        report: s.report,
    })
}

/// Decode the segments of `reader` in order and hand the overlap-added samples to `out`
/// (per call, one vector per channel: [`Geometry::ready`] samples of each segment). Each
/// segment is checked against `limits` as a file of its own; damage is an
/// [`Error::Corrupt`] naming the segment.
pub fn decode_segments<R: std::io::Read>(
    reader: &mut SegmentedReader<R>,
    limits: super::Limits,
    mut out: impl FnMut(Vec<Vec<f64>>) -> Result<()>,
) -> Result<()> {
    let mut synthesis = OverlapAdd::new(reader.header().geometry);
    let mut i = 0;
    while let Some(file) = reader.next_segment()? {
        let audio = super::decode_single(&file, limits)
            .map_err(|e| container::corrupt_in(format_args!("segment {i}"), e))?;
        out(synthesis.add(audio.channels))?;
        i += 1;
    }
    Ok(())
}

/// Open the `.swz` bytes `bytes` (any layout).
pub(crate) fn open_bytes(bytes: &[u8], limits: super::Limits) -> Result<Opened<&[u8]>> {
    container::open(bytes, bytes.len() as u64, limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_covers_the_signal() {
        for (n, l, v) in [
            (1001, 1000, 100),
            (5000, 1000, 100),
            (4600, 1000, 500),
            (9, 2, 1),
        ] {
            let g = Geometry::new(n, l, v).unwrap();
            let total: u64 = (0..g.count).map(|i| g.ready(i) as u64).sum();
            assert_eq!(total, n);
            let last = g.count - 1;
            assert_eq!(last * g.hop() + g.len(last) as u64, n);
            assert!(g.len(last) as u64 > v, "{n} {l} {v}");
            assert!(last == 0 || (last - 1) * g.hop() + l < n);
        }
        assert!(Geometry::new(1000, 1000, 10).is_err());
        assert!(Geometry::new(5000, 1000, 501).is_err());
    }
}
