//! `metrics REF TEST [--noisy NOISY]` of files in bounded memory, with the numbers of
//! [`Metrics::compute`] (and [`Metrics::with_nrr`]) on the whole signals, bit for bit.
//!
//! Files of up to 64 MiB of decoded samples are decoded whole, two at once. Longer ones
//! are streamed: pass one reads the reference for its spectral peak per channel
//! ([`ReferencePeak`]); pass two reads the reference and the test side by side, block by block,
//! into [`ChannelMetrics`]. With a noisy signal, the noise reduction ratio's variances read it
//! and the test back from a [`Spill`].

use super::{same_channels, Pass, Spill, StreamOptions};
use crate::audio::Audio;
use crate::metrics::{
    nrr_from_variances, streamed_variance, ChannelMetrics, Metrics, ReferencePeak,
};
use crate::pipeline::load;
use crate::{Error, Result};
use std::path::Path;

/// What a file holds, as far as the metrics need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shape {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count (after the mix-down of [`StreamOptions::mono`]).
    pub channels: usize,
    /// Frames per channel.
    pub frames: usize,
}

impl Shape {
    /// The shape of the file `path`: from its header when that states the length exactly
    /// (WAV, FLAC; the first block gives the channel count), else by reading it through.
    pub fn of(path: &Path, options: &StreamOptions) -> Result<Self> {
        let mut pass = Pass::open(path, options)?;
        let first = pass.next_block()?;
        let channels = first.as_ref().map_or(0, Vec::len);
        let frames = pass.read_length()?;
        Ok(Shape {
            sample_rate: pass.reader().sample_rate(),
            channels,
            frames,
        })
    }
}

/// The most bytes of decoded samples (f64, all channels) per file up to which [`metrics_files`]
/// decodes the reference and the test whole, side by side, instead of streaming them: 3 min of
/// 44.1 kHz mono.
const WHOLE_FILE_BYTES: usize = 64 << 20;

/// The metrics of the file `test` against the file `reference` (and the NRR against `noisy`),
/// in bounded memory. The files must have the same [`Shape`] (`noisy`: the channels and length
/// of `test`); the caller checks that first, with its own message (an error naming `test` or
/// `noisy` otherwise).
pub fn metrics_files(
    reference: &Path,
    test: &Path,
    noisy: Option<&Path>,
    options: &StreamOptions,
) -> Result<Metrics> {
    metrics_files_up_to(reference, test, noisy, options, WHOLE_FILE_BYTES)
}

/// [`metrics_files`], decoding the files whole when the reference's samples take at most
/// `whole_bytes`.
fn metrics_files_up_to(
    reference: &Path,
    test: &Path,
    noisy: Option<&Path>,
    options: &StreamOptions,
    whole_bytes: usize,
) -> Result<Metrics> {
    let shape = Shape::of(reference, options)?;
    if shape.frames.saturating_mul(shape.channels) <= whole_bytes / 8 {
        metrics_decoded(reference, test, noisy, options)
    } else {
        metrics_streamed(reference, test, noisy, options, shape)
    }
}

/// [`metrics_files`] of short files: the reference and the test decoded at once, one on each
/// of two threads (the decoders are sequential), then [`Metrics::compute`], which the streamed
/// passes equal bit for bit.
fn metrics_decoded(
    reference: &Path,
    test: &Path,
    noisy: Option<&Path>,
    options: &StreamOptions,
) -> Result<Metrics> {
    let (x, y) = rayon::join(
        || load(reference, options.mono),
        || load(test, options.mono),
    );
    let (x, y) = (x?, y?);
    let same =
        |a: &Audio, b: &Audio| a.channel_count() == b.channel_count() && a.frames() == b.frames();
    if !same(&x, &y) {
        return Err(differs_in_shape(test, reference));
    }
    let metrics = Metrics::compute(&x.channels, &y.channels, x.sample_rate)?;
    let Some(noisy) = noisy else {
        return Ok(metrics);
    };
    let n = load(noisy, options.mono)?;
    if !same(&n, &y) {
        return Err(differs_in_shape(noisy, test));
    }
    Ok(metrics.with_nrr(&n.channels, &y.channels))
}

/// The error of a file `path` whose channels or length differ from those of `other`.
fn differs_in_shape(path: &Path, other: &Path) -> Error {
    Error::bad_input(path, format!("differs in shape from {}", other.display()))
}

/// [`metrics_files`] of long files, in two passes over the reference and one over the test (and
/// the noisy signal), a block at a time.
fn metrics_streamed(
    reference: &Path,
    test: &Path,
    noisy: Option<&Path>,
    options: &StreamOptions,
    shape: Shape,
) -> Result<Metrics> {
    let len = shape.frames;
    let mut peaks: Vec<ReferencePeak> = (0..shape.channels)
        .map(|_| ReferencePeak::new(len))
        .collect::<Result<_>>()?;
    let mut pass = Pass::open(reference, options)?;
    while let Some(block) = pass.next_block_within(len, Some(shape.channels))? {
        for (peak, x) in peaks.iter_mut().zip(&block) {
            peak.push(x)?;
        }
        pass.recycle(block);
    }
    pass.check_length(len)?;
    let mut channels = peaks
        .iter()
        .map(|p| ChannelMetrics::new(len, shape.sample_rate, p.peak()?))
        .collect::<Result<Vec<_>>>()?;
    let mut spill_y = match noisy {
        Some(_) => Some(Spill::new(shape.channels, len)?),
        None => None,
    };
    let mut xs = Pass::open(reference, options)?;
    let mut ys = Pass::open(test, options)?;
    loop {
        let (x, y) = (xs.next_block()?, ys.next_block()?);
        let (x, y) = match (x, y) {
            (None, None) => break,
            (Some(x), Some(y)) if x.len() == y.len() && x[0].len() == y[0].len() => (x, y),
            _ => return Err(differs_in_shape(test, reference)),
        };
        same_channels(reference, x.len(), shape.channels)?;
        for (c, ((m, x), y)) in channels.iter_mut().zip(&x).zip(&y).enumerate() {
            m.push(x, y)?;
            if let Some(spill) = &mut spill_y {
                spill.append(c, y)?;
            }
        }
        xs.recycle(x);
        ys.recycle(y);
    }
    xs.check_length(len)?;
    ys.check_length(len)?;
    let metrics = Metrics::from_channels(channels)?;
    let (Some(noisy), Some(mut spill_y)) = (noisy, spill_y) else {
        return Ok(metrics);
    };
    let mut spill_n = Spill::new(shape.channels, len)?;
    let mut pass = Pass::open(noisy, options)?;
    while let Some(block) = pass.next_block_within(len, Some(shape.channels))? {
        for (c, n) in block.iter().enumerate() {
            spill_n.append(c, n)?;
        }
        pass.recycle(block);
    }
    pass.check_length(len)?;
    let variance = |spill: &mut Spill| streamed_variance(|visit| spill.visit(visit));
    let nrr = nrr_from_variances(variance(&mut spill_n)?, variance(&mut spill_y)?);
    Ok(Metrics {
        nrr_db: Some(nrr),
        ..metrics
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::decode_file;

    #[test]
    fn streamed_and_decoded_files_give_the_whole_signal_metrics() {
        let folk = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/folk_4s.wav");
        let x = decode_file(&folk).unwrap();
        let half: Vec<Vec<f64>> = x
            .channels
            .iter()
            .map(|c| c.iter().map(|v| 0.5 * v).collect())
            .collect();
        let test = std::env::temp_dir().join(format!("sw-kept-ref-{}.wav", std::process::id()));
        let mut y = crate::audio::Audio::from_channels(x.sample_rate, half);
        y.format = crate::audio::SampleFormat::Float32;
        crate::audio::write_wav(&test, &y, None).unwrap();
        let want = Metrics::compute(&x.channels, &y.channels, x.sample_rate).unwrap();
        // Small blocks, so that recycled buffers are refilled many times.
        let options = StreamOptions {
            block_frames: 4099,
            mono: false,
        };
        let want_nrr = want.clone().with_nrr(&x.channels, &y.channels);
        for whole_bytes in [0, WHOLE_FILE_BYTES] {
            let got = metrics_files_up_to(&folk, &test, None, &options, whole_bytes).unwrap();
            assert_eq!(got, want, "whole up to {whole_bytes} bytes");
            let got = metrics_files_up_to(&folk, &test, Some(&folk), &options, whole_bytes);
            assert_eq!(
                got.unwrap(),
                want_nrr,
                "with NRR, whole up to {whole_bytes} bytes"
            );
        }
        std::fs::remove_file(&test).unwrap();
    }
}
