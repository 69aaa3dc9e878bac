//! `encode` and `decode` of files in bounded memory, with the bytes, samples and report of the
//! in-memory [`encode_best_with`](crate::codec::encode_best_with) and
//! [`decode`](crate::codec::decode).
//!
//! An input longer than a segment ([`Segmenting`]) is encoded segment by segment: pass one reads
//! it for the metrics' spectral peak ([`ReferencePeak`]) and its energy (the `--snr` shares); pass two feeds its blocks to the
//! segment encoder, which writes each segment's file as soon as it is whole and hands the
//! decoded samples to the metrics ([`ChannelMetrics`]). A shorter input is one file, encoded in
//! memory as before. A segmented `.swz` file is decoded segment by segment into a
//! [`WavBlockWriter`]. Memory: one segment (the encoder's working set on it) plus a block per
//! channel, whatever the length; outputs are written atomically.

use super::{metrics::Shape, Pass, StreamOptions};
use crate::audio::output::{write_atomic, AtomicFile};
use crate::audio::{write_wav, SampleFormat, WavBlockWriter, WriteReport};
use crate::codec::container::{self, Opened};
use crate::codec::segment::{self, InputEnergy, SegmentEncoder, SegmentSink, SegmentedOutcome};
use crate::codec::{self, EncodeSummary, Limits, Method, Segmenting, Target};
use crate::metrics::{ChannelMetrics, Metrics, ReferencePeak};
use crate::{pipeline, Error, Result};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Encode the audio file `input` into the `.swz` file `output` with the best of `candidates`
/// for `target` ([`encode_best_with`](crate::codec::encode_best_with)), cut by `segmenting`
/// (`None`: [`Segmenting::default_for`] the input's rate), in bounded memory (module
/// documentation). The report has no file fields ([`pipeline::Report::with_files`]); its
/// `seconds` is the wall time of both passes. On any error nothing is left at `output`.
pub fn encode_file(
    input: &Path,
    output: &Path,
    candidates: &[Method],
    target: Target,
    segmenting: Option<Segmenting>,
    options: &StreamOptions,
) -> Result<EncodeSummary> {
    let t0 = Instant::now();
    let shape = Shape::of(input, options)?;
    let segmenting = match segmenting {
        Some(s) => s,
        None => Segmenting::default_for(shape.sample_rate)?,
    };
    if !segmenting.applies(shape.frames) {
        let audio = pipeline::load(input, options.mono)?;
        let enc = codec::encode_best_with(&audio, candidates, target, segmenting)?;
        write_atomic(output, &enc.bytes)?;
        return Ok(enc.summary());
    }
    let len = shape.frames;
    let mut peaks: Vec<ReferencePeak> = (0..shape.channels)
        .map(|_| ReferencePeak::new(len))
        .collect::<Result<_>>()?;
    let mut energy = InputEnergy::new(shape.channels);
    let mut pass = Pass::open(input, options)?;
    while let Some(block) = pass.next_block_within(len, Some(shape.channels))? {
        for (peak, x) in peaks.iter_mut().zip(&block) {
            peak.push(x)?;
        }
        energy.push(&block);
        pass.recycle(block);
    }
    pass.check_length(len)?;
    let metrics = peaks
        .iter()
        .map(|p| ChannelMetrics::new(len, shape.sample_rate, p.peak()?))
        .collect::<Result<Vec<_>>>()?;
    let mut pass = Pass::open(input, options)?;
    let mut encoder = SegmentEncoder::new(
        shape.sample_rate,
        shape.channels,
        len,
        pass.reader().format(),
        segmenting,
        candidates,
        target,
        energy.total(),
    )?;
    let file = AtomicFile::create(output)?;
    let mut sink = FileSink {
        out: std::io::BufWriter::with_capacity(1 << 16, file.handle()?),
        output,
        bytes: 0,
        metrics,
    };
    sink.write(&encoder.header_bytes())?;
    while let Some(block) = pass.next_block_within(len, Some(shape.channels))? {
        encoder.push(&block, &mut sink)?;
        pass.recycle(block);
    }
    pass.check_length(len)?;
    let records = encoder.finish()?;
    sink.out.flush().map_err(|e| Error::io(output, e))?;
    let FileSink {
        out,
        bytes,
        metrics,
        ..
    } = sink;
    drop(out);
    file.persist()?;
    let outcome = SegmentedOutcome {
        sample_rate: shape.sample_rate,
        channels: shape.channels,
        frames: len,
        segmenting,
        bytes,
        metrics: Metrics::from_channels(metrics)?,
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok(segment::summarize(outcome, records, target))
}

/// The segments' files go to the output file, the samples to the metrics.
struct FileSink<'a> {
    out: std::io::BufWriter<std::fs::File>,
    output: &'a Path,
    bytes: u64,
    metrics: Vec<ChannelMetrics>,
}

impl FileSink<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io(self.output, e))?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }
}

impl SegmentSink for FileSink<'_> {
    fn chunk(&mut self, prefix: &[u8], file: &[u8]) -> Result<()> {
        self.write(prefix)?;
        self.write(file)
    }

    fn samples(&mut self, input: &[&[f64]], decoded: &[Vec<f64>]) -> Result<()> {
        for ((m, x), y) in self.metrics.iter_mut().zip(input).zip(decoded) {
            m.push(x, y)?;
        }
        Ok(())
    }
}

/// What [`decode_file`] did.
#[derive(Clone, Copy, Debug)]
pub struct StreamedDecode {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Samples per channel.
    pub frames: u64,
    /// Whether the file was segmented.
    pub segmented: bool,
    /// What writing the output did.
    pub write: WriteReport,
}

/// Decode the `.swz` file `input` into the WAV file `output` (in `format`, the source's when
/// `None`): a segmented file segment by segment in bounded memory, a single-segment one whole
/// (checked against `limits` as [`codec::decode`] does). The samples are those of
/// [`codec::decode`], bit for bit. Damage is an [`Error::BadInput`] naming `input`; on any
/// error nothing is left at `output`.
pub fn decode_file(
    input: &Path,
    output: &Path,
    format: Option<SampleFormat>,
    limits: Limits,
) -> Result<StreamedDecode> {
    let (source, len) = codec::open_source(input)?;
    let opened = container::open(source, len, limits).map_err(|e| codec::in_file(input, e))?;
    let mut reader = match opened {
        Opened::Single(bytes) => {
            let audio = codec::decode(&bytes, limits).map_err(|e| codec::in_file(input, e))?;
            let write = write_wav(output, &audio, format)?;
            return Ok(StreamedDecode {
                sample_rate: audio.sample_rate,
                channels: audio.channel_count(),
                frames: audio.frames() as u64,
                segmented: false,
                write,
            });
        }
        Opened::Segmented(reader) => reader,
    };
    let h = *reader.header();
    let source_format = codec::format_from_code(h.source_format)?;
    let mut writer = WavBlockWriter::create(
        output,
        h.sample_rate,
        usize::from(h.channels),
        format.unwrap_or(source_format),
    )?;
    segment::decode_segments(&mut reader, limits, |ready| writer.write(&ready))
        .map_err(|e| codec::in_file(input, e))?;
    Ok(StreamedDecode {
        sample_rate: h.sample_rate,
        channels: usize::from(h.channels),
        frames: h.geometry.frames,
        segmented: true,
        write: writer.finish()?,
    })
}
