//! `denoise --method wavelet` of a file in bounded memory, with the bytes and the report of
//! the whole-signal [`denoise`](crate::denoise::job::denoise) (without a clean reference).
//!
//! Wavelet shrinkage ([`WaveletShrink`]) is the DWT, thresholds from statistics of whole
//! bands, and the inverse DWT, so it runs through temporary files as `compress --method dwt`
//! does ([`DiskDwt`]):
//!
//! 1. Pass one (shared with the other streamed denoisers, [`first_pass`]): the metrics'
//!    spectral peak, and the input into a [`Spill`] (which the noise reduction ratio reads
//!    too).
//! 2. Per channel: the analysis; σ from the median of `|cD_1|`, its two middle order
//!    statistics found exactly by radix selection ([`nth_largest`]); BayesShrink's per-band
//!    sums of squares, in storage order; the synthesis of every level but the finest, each
//!    detail shrunk as it is read.
//! 3. The finest level of all channels side by side, piece by piece, to the WAV file, the
//!    metrics and the output's [`Spill`].

use super::denoise::{emit, finish_report, first_pass, StreamedDenoise};
use super::dwt::{hand_out_finest, DiskDwt, LevelOne, Reading};
use super::select::nth_largest;
use super::{Pass, Spill, StreamOptions};
use crate::audio::{SampleFormat, WavBlockWriter};
use crate::denoise::denoiser::{ChannelInfo, Denoiser};
use crate::denoise::shrink::{add_squares, sigma_of_median, ThresholdRule, WaveletShrink};
use crate::metrics::ChannelMetrics;
use crate::transform::wavelet::Dwt;
use crate::Result;
use std::path::Path;
use std::time::Instant;

/// Input samples copied to the decomposition's file at a time.
const PIECE: usize = 1 << 17;

/// [`super::denoise::denoise_file`] for wavelet shrinkage `shrink` (`denoiser` for the report).
pub(super) fn denoise_file(
    input: &Path,
    output: &Path,
    denoiser: &Denoiser,
    shrink: &WaveletShrink,
    format: Option<SampleFormat>,
    options: &StreamOptions,
) -> Result<StreamedDenoise> {
    let started = Instant::now();
    let len = Pass::length(input, options)?;
    let dwt = Dwt::new(shrink.wavelet, shrink.mode, shrink.level, len)?;
    let first = first_pass(input, options, len, None, &[])?;
    let mut spill_x = first.spill_x;
    let mut finest: Vec<(DiskDwt, LevelOne, ChannelMetrics)> = Vec::new();
    let mut piece = Vec::new();
    for (c, &peak) in first.peaks.iter().enumerate() {
        let mut disk = DiskDwt::new(&dwt)?;
        for at in (0..len).step_by(PIECE) {
            piece.resize(PIECE.min(len - at), 0.0);
            spill_x.read(c, at, &mut piece)?;
            disk.write_signal(at, &piece)?;
        }
        disk.analyze()?;
        let lambdas = thresholds(&mut disk, shrink, len)?;
        let reading = Reading::Shrunk {
            kind: shrink.kind,
            lambdas,
        };
        let level_one = disk.synthesize_to_level_one(reading)?;
        let metrics = ChannelMetrics::new(len, first.sample_rate, peak)?;
        finest.push((disk, level_one, metrics));
    }

    let channels = finest.len();
    let mut writer = WavBlockWriter::create(
        output,
        first.sample_rate,
        channels,
        format.unwrap_or(first.source_format),
    )?;
    let mut spill_y = Spill::new(channels, len)?;
    let channel_metrics = hand_out_finest(finest, len, |outputs| {
        emit(outputs, &mut writer, &mut spill_y)
    })?;
    let report = finish_report(
        denoiser,
        (first.sample_rate, len, started),
        channel_metrics,
        &vec![ChannelInfo::default(); channels],
        [&mut spill_x, &mut spill_y],
    )?;
    let write = writer.finish()?;
    Ok(StreamedDenoise {
        report,
        write,
        passes: 1,
    })
}

/// The thresholds `[λ_L, …, λ_1]` of [`WaveletShrink::shrink`] from the coefficients in
/// `disk` of a signal of `len` samples.
fn thresholds(disk: &mut DiskDwt, shrink: &WaveletShrink, len: usize) -> Result<Vec<f64>> {
    // σ: the median of |cD_1| (the last segment), NumPy's: the middle value of an odd count,
    // the mean of the two middle values of an even one. Ascending rank r is descending rank
    // count − 1 − r.
    let finest = disk.segments() - 1;
    let count = disk.segment_len(finest) as u64;
    let mut magnitude_of_rank = |rank: u64| {
        nth_largest(rank, |visit| {
            disk.visit_coefficients(Some(finest), |values, first| {
                for (i, v) in values.iter().enumerate() {
                    visit(v.abs(), first + i as u64);
                }
            })
        })
    };
    let upper = magnitude_of_rank(count - 1 - count / 2)?;
    let median = if count % 2 == 1 {
        upper
    } else {
        let lower = magnitude_of_rank(count - count / 2)?;
        0.5 * (lower + upper)
    };
    let sigma = sigma_of_median(median);
    (1..disk.segments())
        .map(|segment| {
            let mut squares = 0.0;
            if shrink.rule == ThresholdRule::Bayes {
                disk.visit_coefficients(Some(segment), |values, _| {
                    squares = add_squares(squares, values);
                })?;
            }
            Ok(shrink.threshold(sigma, len, squares, disk.segment_len(segment)))
        })
        .collect()
}
