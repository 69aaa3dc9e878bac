//! `compress --method dwt` of a file in bounded memory, with the bytes and the report of the
//! whole-signal [`compress`](crate::compress::job::compress) (no post-filter, no coefficient
//! images).
//!
//! The DWT of a long signal is not local enough to stream (periodization, the default mode,
//! wraps every level's end around to its start), so each channel's signal and coefficients
//! go to temporary files ([`DiskDwt`]) and memory holds a few pieces:
//!
//! 1. One reading of the input: every channel's samples to its file, and the metrics' spectral
//!    peak ([`ReferencePeak`]).
//! 2. Per channel: the analysis, level by level; the cut of the budget ([`CutSearch`], a few
//!    passes over the coefficients' file); the synthesis of every level but the finest.
//! 3. The finest level's synthesis of all channels side by side, piece by piece, to the WAV
//!    file ([`WavBlockWriter`]) and to the metrics ([`ChannelMetrics`]).
//!
//! Disk: about 2.5 × 8 bytes per sample and channel (the signal, the coefficients, the
//! approximations between levels), removed when the job ends.

use super::compress::StreamedCompress;
use super::dwt::{hand_out_finest, DiskDwt, LevelOne, Reading};
use super::select::{Cut, CutSearch};
use super::Pass;
use crate::audio::{SampleFormat, WavBlockWriter};
use crate::compress::analysis::dwt_describe;
use crate::compress::job::{finish_report, Kept};
use crate::compress::params::CompressParams;
use crate::compress::sparsify::{budget_for_fraction, Keep};
use crate::metrics::{ChannelMetrics, Metrics, ReferencePeak};
use crate::pipeline::Report;
use crate::transform::wavelet::Dwt;
use crate::Result;
use std::path::Path;
use std::time::Instant;

/// [`super::compress::compress_file`] for the DWT `dwt` (planned for the input's length),
/// `pass` the reading of the input (not begun).
pub(super) fn compress_file(
    mut pass: Pass,
    output: &Path,
    params: &CompressParams,
    format: Option<SampleFormat>,
    dwt: &Dwt,
    started: Instant,
) -> Result<StreamedCompress> {
    let len = dwt.signal_len();
    let start = match params.keep {
        Keep::Fraction(f) => CutSearch::new(budget_for_fraction(f, len)? as u64),
        Keep::RealNumbers(k) => CutSearch::new(k as u64),
        Keep::Threshold(t) => CutSearch::found(Cut::threshold(t)),
    };

    // The one reading of the input.
    let sample_rate = pass.reader().sample_rate();
    let source_format = pass.reader().format();
    let mut lanes: Vec<(DiskDwt, ReferencePeak)> = Vec::new();
    while let Some(block) = pass.next_block_within(len, None)? {
        if lanes.is_empty() {
            for _ in 0..block.len() {
                lanes.push((DiskDwt::new(dwt)?, ReferencePeak::new(len)?));
            }
        }
        let at = pass.frames() as usize - block[0].len();
        for (x, (disk, peak)) in block.iter().zip(&mut lanes) {
            peak.push(x)?;
            disk.write_signal(at, x)?;
        }
        pass.recycle(block);
    }
    pass.check_length(len)?;
    let channels = lanes.len();

    // Per channel: analysis, cut, synthesis of the coarse levels.
    let mut kept = Kept {
        real_values: 0,
        fraction: 0.0,
        coefficients: 0,
    };
    let mut finest: Vec<(DiskDwt, LevelOne, ChannelMetrics)> = Vec::with_capacity(channels);
    for (mut disk, peak) in lanes {
        disk.analyze()?;
        let mut search = start.clone();
        while search.cut().is_none() {
            disk.visit_coefficients(None, |values, first| {
                for (i, v) in values.iter().enumerate() {
                    search.visit(*v, first + i as u64, 1);
                }
            })?;
            search.end_pass();
        }
        let cut = search.cut().expect("the search ended");
        let mut count = 0;
        disk.visit_coefficients(None, |values, first| {
            count += (values.iter().enumerate())
                .filter(|&(i, v)| cut.keeps(*v, first + i as u64))
                .count();
        })?;
        kept.real_values += count;
        kept.coefficients += count;
        let level_one = disk.synthesize_to_level_one(Reading::Cut(cut))?;
        let metrics = ChannelMetrics::new(len, sample_rate, peak.peak()?)?;
        finest.push((disk, level_one, metrics));
    }

    // The finest level, all channels side by side: the output and the metrics.
    let mut writer = WavBlockWriter::create(
        output,
        sample_rate,
        channels,
        format.unwrap_or(source_format),
    )?;
    let channel_metrics = hand_out_finest(finest, len, |outputs| writer.write(outputs))?;
    let metrics = Metrics::from_channels(channel_metrics)?;
    let head = Report::of_signal(
        "compress",
        (sample_rate, channels, len),
        started.elapsed().as_secs_f64(),
        metrics,
        serde_json::Value::Null,
    );
    let total_reals = channels * dwt.coef_len();
    let (report, kept) = finish_report(head, params, dwt_describe(dwt), kept, total_reals, None);
    let write = writer.finish()?;
    Ok(StreamedCompress {
        report,
        kept,
        write,
        passes: 1,
    })
}
