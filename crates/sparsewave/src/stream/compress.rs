//! `compress --method stft|dwt` of a file in bounded memory, with the bytes and the report of
//! the whole-signal [`compress`](crate::compress::job::compress) (no post-filter, no
//! coefficient images). The DWT's job is in the module `stream::compress_dwt` (through
//! temporary files); the STFT's is here.
//!
//! The STFT is local, the selection is not: the budget keeps the largest coefficients of the
//! whole channel. So the STFT is made again on every pass ([`StreamFrames`], in runs of whole
//! overlap-add blocks of [`OLA_BLOCK`] frames), and no coefficient is held:
//!
//! 1. Pass one: the metrics' spectral peak of each channel ([`ReferencePeak`]) and the first
//!    histogram of the cut's search ([`CutSearch`]: radix selection on the magnitude's bits).
//! 2. Further passes narrow the search until every channel's [`Cut`] is exact (one or two for
//!    real audio; at most five).
//! 3. The last pass transforms, keeps the coefficients before the cut, overlap-adds
//!    ([`OverlapAdder`]) and hands the samples no later frame reaches to the WAV file
//!    ([`WavBlockWriter`]) and to the metrics ([`ChannelMetrics`]).
//!
//! Memory: a block and a run of frames per channel, the search's tables (1 MB per channel)
//! or its collected candidates (at most 12 MB per channel).

use super::compress_dwt;
use super::select::{Cut, CutSearch};
use super::{Pass, StreamOptions};
use crate::audio::{SampleFormat, WavBlockWriter, WriteReport};
use crate::compress::analysis::{stft_cost, stft_describe, Representation};
use crate::compress::job::{finish_report, Kept};
use crate::compress::params::{CompressMethod, CompressParams};
use crate::compress::sparsify::{budget_for_fraction, Keep};
use crate::metrics::{ChannelMetrics, Metrics, ReferencePeak};
use crate::pipeline::Report;
use crate::transform::stft::{
    magnitude, OverlapAdder, Spectrogram, Stft, StftConfig, StreamFrames, OLA_BLOCK,
};
use crate::transform::wavelet::Dwt;
use crate::{Error, Result};
use rayon::prelude::*;
use realfft::num_complex::Complex64;
use std::ops::Range;
use std::path::Path;
use std::time::Instant;

/// What [`compress_file`] did.
#[derive(Clone, Debug)]
pub struct StreamedCompress {
    /// The report of [`compress`](crate::compress::job::compress), without the file fields
    /// ([`Report::with_files`], [`Report::with_write`]); `seconds` is the wall time of all
    /// passes, metrics included.
    pub report: Report,
    /// What was kept (also in the report).
    pub kept: Kept,
    /// What writing the output did.
    pub write: WriteReport,
    /// Readings of the input (the STFT: the search's passes and the last one; the DWT: one).
    pub passes: usize,
}

/// Whether [`compress_file`] runs `params`: the STFT or the DWT without a post-filter (the
/// spectral gate estimates its threshold over the whole signal).
pub fn streams(params: &CompressParams) -> bool {
    matches!(params.method, CompressMethod::Stft | CompressMethod::Dwt)
        && params.postfilter.is_none()
}

/// Whether `params` on the file `input` are better run by [`compress_file`] than in memory:
/// the STFT always (it needs no temporary file), the DWT when the decoded input exceeds
/// [`DWT_IN_MEMORY_BYTES`](super::DWT_IN_MEMORY_BYTES) or its length is not declared. Errors:
/// the input's header.
pub fn prefers_streaming(params: &CompressParams, input: &Path) -> Result<bool> {
    if !streams(params) {
        return Ok(false);
    }
    if params.method == CompressMethod::Stft {
        return Ok(true);
    }
    super::exceeds_dwt_in_memory(input)
}

/// Compress the file `input` into the WAV file `output` (in `format`, the input's when `None`)
/// in bounded memory (module documentation). The output is written atomically: on any error (a
/// truncated or corrupt input found in any pass, a file that changed between passes) nothing
/// is left at `output`.
///
/// Errors: `params` that [`streams`] refuses (parameter `method`) or that are invalid, the
/// input's own (named with its path), and the writer's.
pub fn compress_file(
    input: &Path,
    output: &Path,
    params: &CompressParams,
    format: Option<SampleFormat>,
    options: &StreamOptions,
) -> Result<StreamedCompress> {
    params.validate()?;
    if !streams(params) {
        return Err(Error::param(
            "method",
            "the streamed compress job runs stft or dwt without a post-filter",
        ));
    }
    let started = Instant::now();
    let len = Pass::length(input, options)?;
    if len == 0 {
        return Err(Error::param("signal", "is empty"));
    }
    let mut pass = Pass::open(input, options)?;
    let sample_rate = pass.reader().sample_rate();
    let source_format = pass.reader().format();
    let window_length = match params
        .representation
        .representation(params.method, sample_rate)?
    {
        Representation::Stft { window_length } => window_length,
        Representation::Dwt {
            wavelet,
            mode,
            level,
        } => {
            let dwt = Dwt::new(wavelet, mode, level, len)?;
            return compress_dwt::compress_file(pass, output, params, format, &dwt, started);
        }
        other => {
            return Err(Error::param(
                "method",
                format!(
                    "the streamed compress job runs stft or dwt, not {}",
                    other.name()
                ),
            ))
        }
    };
    let stft = Stft::new(StftConfig::paper_baseline(window_length)?)?;
    let costs: Vec<u8> = (0..stft.bins())
        .map(|k| stft_cost(k, stft.config().n_fft))
        .collect();
    let start = match params.keep {
        Keep::Fraction(f) => CutSearch::new(budget_for_fraction(f, len)? as u64),
        Keep::RealNumbers(k) => CutSearch::new(k as u64),
        Keep::Threshold(t) => CutSearch::found(Cut::threshold(t)),
    };

    // Pass one: the spectral peaks and the search's first histogram.
    let mut peaks: Vec<ReferencePeak> = Vec::new();
    let mut searches: Vec<Search> = Vec::new();
    while let Some(block) = pass.next_block_within(len, None)? {
        if peaks.is_empty() {
            for _ in 0..block.len() {
                peaks.push(ReferencePeak::new(len)?);
                searches.push(Search::new(&stft, len, start.clone())?);
            }
        }
        for ((x, peak), search) in block.iter().zip(&mut peaks).zip(&mut searches) {
            peak.push(x)?;
            search.push(&stft, &costs, x)?;
        }
        pass.recycle(block);
    }
    pass.check_length(len)?;
    let channels = peaks.len();
    let mut passes = 1;
    for search in &mut searches {
        search.end_pass(&stft, len)?;
    }
    // The search's further passes.
    while searches.iter().any(|s| s.search.cut().is_none()) {
        let mut pass = Pass::open(input, options)?;
        while let Some(block) = pass.next_block_within(len, Some(channels))? {
            for (x, search) in block.iter().zip(&mut searches) {
                search.push(&stft, &costs, x)?;
            }
            pass.recycle(block);
        }
        pass.check_length(len)?;
        passes += 1;
        for search in &mut searches {
            search.end_pass(&stft, len)?;
        }
    }

    // The last pass: mask, overlap-add, write, measure.
    let mut writer = WavBlockWriter::create(
        output,
        sample_rate,
        channels,
        format.unwrap_or(source_format),
    )?;
    let mut lanes = searches
        .iter()
        .zip(&peaks)
        .map(|(search, peak)| {
            let cut = search.search.cut().expect("the search ended");
            Lane::new(&stft, cut, len, sample_rate, peak.peak()?)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut pass = Pass::open(input, options)?;
    while let Some(block) = pass.next_block_within(len, Some(channels))? {
        let outputs = block
            .iter()
            .zip(&mut lanes)
            .map(|(x, lane)| lane.push(&stft, &costs, x))
            .collect::<Result<Vec<_>>>()?;
        if outputs.first().is_some_and(|y| !y.is_empty()) {
            writer.write(&outputs)?;
        }
        pass.recycle(block);
    }
    pass.check_length(len)?;
    passes += 1;

    let kept = Kept {
        real_values: lanes.iter().map(|l| l.kept_reals).sum(),
        fraction: 0.0,
        coefficients: lanes.iter().map(|l| l.kept_entries).sum(),
    };
    let total_reals =
        channels * stft.frame_count(len) * costs.iter().map(|&c| usize::from(c)).sum::<usize>();
    let metrics = Metrics::from_channels(lanes.into_iter().map(|l| l.metrics).collect())?;
    let head = Report::of_signal(
        "compress",
        (sample_rate, channels, len),
        started.elapsed().as_secs_f64(),
        metrics,
        serde_json::Value::Null,
    );
    let (report, kept) = finish_report(head, params, stft_describe(&stft), kept, total_reals, None);
    let write = writer.finish()?;
    Ok(StreamedCompress {
        report,
        kept,
        write,
        passes,
    })
}

/// One channel's STFT as its samples arrive, in runs of whole overlap-add blocks.
struct Frames {
    frames: StreamFrames,
    /// Overlap-add blocks transformed.
    blocks_done: usize,
}

/// The frames of the blocks `blocks` (frame `t0 + i` in `spec.frame(i)`).
struct Run {
    blocks: Range<usize>,
    t0: usize,
    spec: Spectrogram,
}

impl Frames {
    fn new(stft: &Stft, len: usize) -> Result<Self> {
        Ok(Frames {
            frames: StreamFrames::new(stft, len)?,
            blocks_done: 0,
        })
    }

    /// Push the next samples; the blocks now whole, transformed (frames in parallel).
    fn push(&mut self, stft: &Stft, x: &[f64]) -> Result<Option<Run>> {
        self.frames.push(x)?;
        let blocks = self.frames.ready_blocks(OLA_BLOCK);
        if blocks <= self.blocks_done {
            return Ok(None);
        }
        let total = self.frames.frame_count();
        let (t0, t1) = (
            self.blocks_done * OLA_BLOCK,
            (blocks * OLA_BLOCK).min(total),
        );
        let bins = stft.bins();
        let mut spec = Spectrogram {
            frames: t1 - t0,
            bins,
            data: vec![Complex64::default(); (t1 - t0) * bins],
        };
        let frames = &self.frames;
        spec.data.par_chunks_mut(bins).enumerate().for_each_init(
            || stft.frame_scratch(),
            |scratch, (i, out)| stft.forward_padded_frame(frames.frame(t0 + i), scratch, out),
        );
        self.frames.release(t1);
        let run = Run {
            blocks: self.blocks_done..blocks,
            t0,
            spec,
        };
        self.blocks_done = blocks;
        Ok(Some(run))
    }
}

/// The storage index of bin `k` of frame `t` (the spectrogram's layout, `t · bins + k`).
#[inline]
fn storage_index(t: usize, bins: usize, k: usize) -> u64 {
    (t * bins + k) as u64
}

/// One channel's cut search over the passes.
struct Search {
    search: CutSearch,
    /// This pass's frames (`None` once the cut is known).
    frames: Option<Frames>,
}

impl Search {
    /// The search `search` (a threshold's is over before any pass).
    fn new(stft: &Stft, len: usize, search: CutSearch) -> Result<Self> {
        let frames = match search.cut() {
            Some(_) => None,
            None => Some(Frames::new(stft, len)?),
        };
        Ok(Search { search, frames })
    }

    fn push(&mut self, stft: &Stft, costs: &[u8], x: &[f64]) -> Result<()> {
        let Some(frames) = &mut self.frames else {
            return Ok(());
        };
        let Some(run) = frames.push(stft, x)? else {
            return Ok(());
        };
        let bins = stft.bins();
        for (i, frame) in run.spec.data.chunks_exact(bins).enumerate() {
            for (k, (&c, &cost)) in frame.iter().zip(costs).enumerate() {
                self.search
                    .visit(magnitude(c), storage_index(run.t0 + i, bins, k), cost);
            }
        }
        Ok(())
    }

    /// After a pass: narrow the search, and frame the next pass afresh while it goes on.
    fn end_pass(&mut self, stft: &Stft, len: usize) -> Result<()> {
        if self.frames.is_none() {
            return Ok(());
        }
        self.search.end_pass();
        self.frames = match self.search.cut() {
            Some(_) => None,
            None => Some(Frames::new(stft, len)?),
        };
        Ok(())
    }
}

/// One channel of the last pass: the kept coefficients, the overlap-add, and the metrics of
/// the samples handed out against the input.
struct Lane {
    cut: Cut,
    frames: Frames,
    adder: OverlapAdder,
    /// Input samples not yet matched with an output sample.
    pending_x: Vec<f64>,
    metrics: ChannelMetrics,
    kept_reals: usize,
    kept_entries: usize,
}

impl Lane {
    fn new(stft: &Stft, cut: Cut, len: usize, sample_rate: u32, peak: f64) -> Result<Self> {
        Ok(Lane {
            cut,
            frames: Frames::new(stft, len)?,
            adder: OverlapAdder::new(stft, len),
            pending_x: Vec::new(),
            metrics: ChannelMetrics::new(len, sample_rate, peak)?,
            kept_reals: 0,
            kept_entries: 0,
        })
    }

    /// The next input samples; returns the output samples now final (in order).
    fn push(&mut self, stft: &Stft, costs: &[u8], x: &[f64]) -> Result<Vec<f64>> {
        self.pending_x.extend_from_slice(x);
        let Some(mut run) = self.frames.push(stft, x)? else {
            return Ok(Vec::new());
        };
        let bins = stft.bins();
        for (i, frame) in run.spec.data.chunks_exact_mut(bins).enumerate() {
            for (k, (c, &cost)) in frame.iter_mut().zip(costs).enumerate() {
                if self
                    .cut
                    .keeps(magnitude(*c), storage_index(run.t0 + i, bins, k))
                {
                    self.kept_reals += usize::from(cost);
                    self.kept_entries += 1;
                } else {
                    *c = Complex64::default();
                }
            }
        }
        let total = self.frames.frames.frame_count();
        let (t0, spec) = (run.t0, &run.spec);
        let segments = stft.overlap_add_blocks(
            run.blocks.clone(),
            total,
            || (),
            |_, t, out| out.copy_from_slice(spec.frame(t - t0)),
        );
        self.adder.add(&segments);
        let until = if run.blocks.end * OLA_BLOCK >= total {
            usize::MAX
        } else {
            run.blocks.end * OLA_BLOCK * stft.config().hop
        };
        let y = self.adder.take_until(until);
        let x: Vec<f64> = self.pending_x.drain(..y.len()).collect();
        self.metrics.push(&x, &y)?;
        Ok(y)
    }
}
