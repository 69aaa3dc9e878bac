//! `interp` of a file in bounded memory, with the bytes and the report of the whole-signal
//! [`interp`](crate::approx::interp_job::interp) (no figures).
//!
//! The reconstruction reads only the knots (every R-th sample and the last), but the splines'
//! systems (`quadratic`, `cubic`, `cubic-nak`) couple all of them. Each channel runs the same
//! reconstruction code as the whole-signal job (it takes the samples in order and evaluates
//! any range), with what grows with the signal in a temporary file ([`TempArray`]):
//!
//! 1. Pass one: the knots' values go to the file as the samples arrive, a spline's banded
//!    system is eliminated row by row into it, and the metrics' spectral peak
//!    ([`ReferencePeak`]) is measured.
//! 2. Back substitution, from the last row, a piece of the file at a time.
//! 3. Pass two: each block's samples are evaluated from the knots near them, written to the
//!    WAV file ([`WavBlockWriter`]) and measured against the input ([`ChannelMetrics`]).
//!
//! The channels run side by side (rayon). Memory: a block per channel. Disk: per knot and channel, 8 bytes for its value, 8 for its
//! coefficient and, for the splines, 16 (`cubic`) to 40 (`cubic-nak`) for its eliminated row;
//! removed when the job ends.

use super::{Pass, StreamOptions, TempArray};
use crate::approx::interp::Reconstruction;
use crate::approx::interp_job::{finish_report, Decimation};
use crate::audio::{SampleFormat, WavBlockWriter, WriteReport};
use crate::metrics::{ChannelMetrics, Metrics, ReferencePeak};
use crate::pipeline::Report;
use crate::{Error, Result};
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

/// What [`interp_file`] did.
#[derive(Clone, Debug)]
pub struct StreamedInterp {
    /// The report of [`interp`](crate::approx::interp_job::interp), without the file fields
    /// ([`Report::with_files`], [`Report::with_write`]); `seconds` is the wall time of both
    /// passes, metrics included.
    pub report: Report,
    /// What writing the output did.
    pub write: WriteReport,
    /// Readings of the input (2).
    pub passes: usize,
}

/// Decimate and reconstruct the file `input` into the WAV file `output` (in `format`, the
/// input's when `None`) in bounded memory (module documentation). The output is written
/// atomically: on any error (a truncated or corrupt input found in either pass, a file that
/// changed between passes, a non-finite result) nothing is left at `output`.
///
/// Errors: invalid `params` or too few knots for the method, the input's own (named with its
/// path), the temporary files' and the writer's.
pub fn interp_file(
    input: &Path,
    output: &Path,
    params: &Decimation,
    format: Option<SampleFormat>,
    options: &StreamOptions,
) -> Result<StreamedInterp> {
    params.validate()?;
    let started = Instant::now();
    let len = Pass::length(input, options)?;
    if len == 0 {
        return Err(Error::param("signal", "is empty"));
    }

    // Pass one: knots, elimination, spectral peaks.
    let mut pass = Pass::open(input, options)?;
    let sample_rate = pass.reader().sample_rate();
    let source_format = pass.reader().format();
    let mut lanes: Vec<(Reconstruction<TempArray>, ReferencePeak)> = Vec::new();
    while let Some(block) = pass.next_block_within(len, None)? {
        if lanes.is_empty() {
            for _ in 0..block.len() {
                let store = TempArray::new()?;
                let job = Reconstruction::new(len, params.factor, params.method, store)?;
                lanes.push((job, ReferencePeak::new(len)?));
            }
        }
        block
            .par_iter()
            .zip(&mut lanes)
            .try_for_each(|(x, (job, peak))| {
                job.push(x)?;
                peak.push(x)
            })?;
        pass.recycle(block);
    }
    pass.check_length(len)?;
    let channels = lanes.len();
    lanes.par_iter_mut().try_for_each(|(job, _)| job.solve())?;

    // Pass two: evaluate, write, measure.
    let mut writer = WavBlockWriter::create(
        output,
        sample_rate,
        channels,
        format.unwrap_or(source_format),
    )?;
    let mut lanes = lanes
        .into_iter()
        .map(|(job, peak)| Ok((job, ChannelMetrics::new(len, sample_rate, peak.peak()?)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut pass = Pass::open(input, options)?;
    let mut done = 0;
    while let Some(block) = pass.next_block_within(len, Some(channels))? {
        let range = done..done + block[0].len();
        let outputs = block
            .par_iter()
            .zip(&mut lanes)
            .map(|(x, (job, metrics))| {
                let mut y = vec![0.0; x.len()];
                job.evaluate(range.clone(), &mut y)?;
                metrics.push(x, &y)?;
                Ok(y)
            })
            .collect::<Result<Vec<_>>>()?;
        writer.write(&outputs)?;
        done = range.end;
        pass.recycle(block);
    }
    pass.check_length(len)?;

    let stored = lanes.iter().map(|(job, _)| job.stored_real_values()).sum();
    let knots = lanes[0].0.knots();
    let metrics = Metrics::from_channels(lanes.into_iter().map(|(_, m)| m).collect())?;
    let head = Report::of_signal(
        "interp",
        (sample_rate, channels, len),
        started.elapsed().as_secs_f64(),
        metrics,
        serde_json::Value::Null,
    );
    let report = finish_report(head, params, stored, knots);
    let write = writer.finish()?;
    Ok(StreamedInterp {
        report,
        write,
        passes: 2,
    })
}
