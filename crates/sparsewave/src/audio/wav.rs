//! WAV output through hound, atomic, with clipping counted.

use super::output::{AtomicFile, Staged};
use super::{Audio, SampleFormat};
use crate::linalg::vector::with_avx2;
use crate::{Error, Result};
use std::ops::Range;
use std::path::Path;

/// What writing a file did to the samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteReport {
    /// Samples (over all channels) outside [−1, 1] that were clipped.
    pub clipped_samples: usize,
    /// The sample format actually written.
    #[serde(skip)]
    pub format: Option<SampleFormat>,
}

/// The most channels a WAV file written here may hold: WAVE_FORMAT_EXTENSIBLE (used beyond two
/// channels) assigns each channel one of 18 standard speaker positions, and readers (symphonia
/// among them) refuse a mask beyond them — a file with more could not be read back.
pub const MAX_WAV_CHANNELS: u16 = 18;

/// Encode `audio` as a WAV file in memory, in `format` (the audio's own when `None`).
///
/// Integer formats of b bits store round(x · 2^(b−1)) clamped to [−2^(b−1), 2^(b−1) − 1], the
/// inverse of the decoder's x = s / 2^(b−1), so decode → encode is bit-exact. Samples outside
/// [−1, 1] are clipped and counted. 64-bit float sources are written as 32-bit float (hound
/// writes no 64-bit float WAV). More than two channels or more than 16 bits produce
/// WAVE_FORMAT_EXTENSIBLE, as the WAV specification asks. A non-finite sample is an error.
/// This is [`WavBlockWriter`]'s encoding with all the samples in one block.
pub fn encode_wav(audio: &Audio, format: Option<SampleFormat>) -> Result<(Vec<u8>, WriteReport)> {
    // At most 4 bytes a sample after a header of at most 80 bytes: one allocation, no copies.
    let capacity = 80 + 4 * audio.frames() * audio.channel_count();
    let mut cursor = std::io::Cursor::new(Vec::with_capacity(capacity));
    let report = encode_into(&mut cursor, audio, format)?;
    Ok((cursor.into_inner(), report))
}

/// Write `audio` as a whole WAV file into `writer` ([`encode_wav`]'s encoding).
fn encode_into<W: std::io::Write + std::io::Seek>(
    writer: W,
    audio: &Audio,
    format: Option<SampleFormat>,
) -> Result<WriteReport> {
    let mut samples = SampleWriter::new(
        writer,
        audio.sample_rate,
        audio.channel_count(),
        format.unwrap_or(audio.format),
    )?;
    samples.write(&audio.channels)?;
    samples.finish()
}

/// Frames a 16-bit [`SampleWriter`] converts into one buffer before writing it (its buffer is
/// at most `2 · channels` times this many bytes).
const I16_CHUNK_FRAMES: usize = 1 << 14;

/// Interleaved WAV samples through hound, in a resolved sample format, clipped and counted.
struct SampleWriter<W: std::io::Write + std::io::Seek> {
    wav: hound::WavWriter<W>,
    format: SampleFormat,
    /// 2^(b−1) for b-bit integers, 1 for float.
    scale: f64,
    clipped: usize,
    channels: usize,
    /// Frames written so far.
    frames: usize,
}

impl<W: std::io::Write + std::io::Seek> SampleWriter<W> {
    /// A writer of `channels` channels at `sample_rate` in `format` (64-bit float is written as
    /// 32-bit float); the header goes out at once. Errors: a channel count or a byte rate a WAV
    /// header cannot hold (parameters `channels`, `sample_rate`).
    fn new(writer: W, sample_rate: u32, channels: usize, format: SampleFormat) -> Result<Self> {
        let format = match format {
            SampleFormat::Float64 => SampleFormat::Float32,
            f => f,
        };
        let channel_count = u16::try_from(channels)
            .ok()
            .filter(|&c| (1..=MAX_WAV_CHANNELS).contains(&c))
            .ok_or_else(|| {
                Error::param(
                    "channels",
                    format!(
                        "{channels} channels cannot be written as WAV: a multichannel WAV file \
                         names a speaker position per channel, and there are {MAX_WAV_CHANNELS} \
                         (mix down with --mono, or split the channels)"
                    ),
                )
            })?;
        let (bits_per_sample, sample_format) = match format {
            SampleFormat::Int(b) => (b, hound::SampleFormat::Int),
            _ => (32, hound::SampleFormat::Float),
        };
        // The header stores bytes per second in 32 bits: a rate that overflows it gives a file
        // other tools refuse.
        let byte_rate =
            u64::from(sample_rate) * u64::from(channel_count) * u64::from(bits_per_sample) / 8;
        if sample_rate == 0 || byte_rate > u64::from(u32::MAX) {
            return Err(Error::param(
                "sample_rate",
                format!(
                    "{sample_rate} Hz × {channel_count} channel(s) × {bits_per_sample} bits cannot \
                     be written as WAV (the header's byte rate is limited to 2³² − 1 bytes per \
                     second)"
                ),
            ));
        }
        let spec = hound::WavSpec {
            channels: channel_count,
            sample_rate,
            bits_per_sample,
            sample_format,
        };
        let wav = hound::WavWriter::new(writer, spec).map_err(hound_error)?;
        let scale = match format {
            SampleFormat::Int(b) => f64::from(1u32 << (b - 1)),
            _ => 1.0,
        };
        Ok(SampleWriter {
            wav,
            format,
            scale,
            clipped: 0,
            channels,
            frames: 0,
        })
    }

    /// Append the frames of `block` (one slice per channel, equal lengths), interleaved.
    /// Errors: a wrong channel count or ragged channels (parameter `block`), a non-finite
    /// sample (nothing non-finite reaches a file), or the writer's.
    fn write<C: AsRef<[f64]>>(&mut self, block: &[C]) -> Result<()> {
        let len = block.first().map_or(0, |c| c.as_ref().len());
        if block.len() != self.channels || block.iter().any(|c| c.as_ref().len() != len) {
            return Err(Error::param(
                "block",
                format!(
                    "{} channel(s) of unequal or wrong shape for a {}-channel WAV writer",
                    block.len(),
                    self.channels
                ),
            ));
        }
        for (c, ch) in block.iter().enumerate() {
            if let Some(t) = ch.as_ref().iter().position(|v| !v.is_finite()) {
                return Err(Error::Numerical(format!(
                    "the result is not finite (channel {c}, sample {}); nothing was written",
                    self.frames + t
                )));
            }
        }
        if self.format == SampleFormat::Int(16) {
            // Each chunk is quantized into `staging` by a loop compiled for AVX2 (its
            // rounding is exact, so the bytes do not depend on the CPU), then goes through
            // hound's buffered 16-bit writer in one bulk write.
            let mut staging = vec![0i16; I16_CHUNK_FRAMES.min(len) * self.channels];
            for start in (0..len).step_by(I16_CHUNK_FRAMES) {
                let frames = start..(start + I16_CHUNK_FRAMES).min(len);
                let out = &mut staging[..frames.len() * self.channels];
                self.clipped += with_avx2(
                    #[inline(always)]
                    || quantize_i16(block, frames, out),
                );
                let mut w = self.wav.get_i16_writer(out.len() as u32);
                for &s in out.iter() {
                    w.write_sample(s);
                }
                w.flush().map_err(hound_error)?;
            }
            self.frames += len;
            return Ok(());
        }
        let scale = self.scale;
        let mut clipped = 0;
        let mut clip = |v: f64| {
            clipped += usize::from(!(-1.0..=1.0).contains(&v));
            v.clamp(-1.0, 1.0)
        };
        for t in 0..len {
            for ch in block {
                let v = clip(ch.as_ref()[t]);
                // 16-bit samples took the branch above.
                match self.format {
                    SampleFormat::Int(8) => self.wav.write_sample(quantize(v, scale) as i8),
                    SampleFormat::Int(_) => self.wav.write_sample(quantize(v, scale) as i32),
                    _ => self.wav.write_sample(v as f32),
                }
                .map_err(hound_error)?;
            }
        }
        self.clipped += clipped;
        self.frames += len;
        Ok(())
    }

    /// Complete the header (the data length) and flush.
    fn finish(self) -> Result<WriteReport> {
        self.wav.finalize().map_err(hound_error)?;
        Ok(WriteReport {
            clipped_samples: self.clipped,
            format: Some(self.format),
        })
    }
}

/// hound's errors: a sample out of range for the format, a file grown past 4 GiB, I/O.
fn hound_error(e: hound::Error) -> Error {
    Error::param("wav output", e.to_string())
}

/// A WAV file written block by block, atomically: the samples go to a temporary file in the
/// destination's folder ([`AtomicFile`]), renamed over `path` only by [`WavBlockWriter::finish`];
/// dropped unfinished (an error anywhere), it leaves nothing behind. Same sample format rules,
/// clipping count and finiteness check as [`write_wav`], and the same bytes for the same
/// samples, whatever the blocks.
pub struct WavBlockWriter {
    samples: SampleWriter<std::io::BufWriter<std::fs::File>>,
    file: AtomicFile,
}

impl WavBlockWriter {
    /// Start a WAV file at `path` of `channels` channels at `sample_rate` Hz in `format`.
    /// Errors: `path` named like another audio format, not writable, or a channel count or
    /// byte rate a WAV header cannot hold (as [`encode_wav`]).
    pub fn create(
        path: &Path,
        sample_rate: u32,
        channels: usize,
        format: SampleFormat,
    ) -> Result<Self> {
        refuse_other_audio_extension(path)?;
        let file = AtomicFile::create(path)?;
        let handle = file.handle()?;
        let samples = SampleWriter::new(
            std::io::BufWriter::with_capacity(1 << 16, handle),
            sample_rate,
            channels,
            format,
        )?;
        Ok(WavBlockWriter { samples, file })
    }

    /// Append a block: one slice per channel, equal lengths.
    pub fn write<C: AsRef<[f64]>>(&mut self, block: &[C]) -> Result<()> {
        self.samples.write(block)
    }

    /// Frames written so far.
    pub fn frames(&self) -> usize {
        self.samples.frames
    }

    /// Complete the file and rename it into place.
    pub fn finish(self) -> Result<WriteReport> {
        let report = self.samples.finish()?;
        self.file.persist()?;
        Ok(report)
    }
}

/// round(v · scale) clamped to the integer range [−scale, scale − 1].
#[inline(always)]
fn quantize(v: f64, scale: f64) -> i64 {
    (v * scale).round().clamp(-scale, scale - 1.0) as i64
}

/// The frames `frames` of `block` (one slice per channel), interleaved into `out` as 16-bit
/// samples: each clipped to [−1, 1], then [`quantize`]d with scale 2¹⁵. Returns how many samples
/// lay outside [−1, 1].
#[inline(always)]
fn quantize_i16<C: AsRef<[f64]>>(block: &[C], frames: Range<usize>, out: &mut [i16]) -> usize {
    const SCALE: f64 = 32768.0;
    let mut clipped = 0;
    let mut put = |o: &mut i16, v: f64| {
        clipped += usize::from(!(-1.0..=1.0).contains(&v));
        // Within the range of i16, so through i32, which vectorizes (i64 does not on AVX2).
        *o = quantize(v.clamp(-1.0, 1.0), SCALE) as i32 as i16;
    };
    if let [mono] = block {
        for (o, &v) in out.iter_mut().zip(&mono.as_ref()[frames]) {
            put(o, v);
        }
    } else {
        for (c, ch) in block.iter().enumerate() {
            let samples = &ch.as_ref()[frames.clone()];
            for (o, &v) in out[c..].iter_mut().step_by(block.len()).zip(samples) {
                put(o, v);
            }
        }
    }
    clipped
}

/// Write `audio` to `path` as WAV, atomically (temporary file + rename).
pub fn write_wav(path: &Path, audio: &Audio, format: Option<SampleFormat>) -> Result<WriteReport> {
    let mut staged = Staged::default();
    let report = stage_wav(&mut staged, path, audio, format)?;
    staged.commit()?;
    Ok(report)
}

/// [`write_wav`] as one output of several written all or nothing ([`Staged`]).
pub fn stage_wav(
    staged: &mut Staged,
    path: &Path,
    audio: &Audio,
    format: Option<SampleFormat>,
) -> Result<WriteReport> {
    refuse_other_audio_extension(path)?;
    // The samples go straight into the temporary file, with no encoded copy in memory. An
    // encoding error (a non-finite sample, a channel count WAV cannot hold) is found before any
    // sample is written, and is returned as it is rather than as an I/O error of the file.
    let (mut written, mut encoding_error) = (WriteReport::default(), None);
    let staged_result = staged.add_with(path, |w| match encode_into(w, audio, format) {
        Ok(report) => {
            written = report;
            Ok(())
        }
        Err(e) => {
            let io = std::io::Error::other(e.to_string());
            encoding_error = Some(e);
            Err(io)
        }
    });
    match encoding_error {
        Some(e) => Err(e),
        None => staged_result.map(|()| written),
    }
}

/// Extensions of audio formats other than WAV: writing WAV data under one of them would give a
/// file that other tools misread.
const OTHER_AUDIO_EXTENSIONS: &[&str] = &[
    "flac", "mp3", "ogg", "oga", "opus", "m4a", "aac", "aif", "aiff", "wma", "swz",
];

/// Refuse to write WAV under the name of another audio format.
fn refuse_other_audio_extension(path: &Path) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext {
        Some(e) if OTHER_AUDIO_EXTENSIONS.contains(&e.as_str()) => Err(Error::bad_input(
            path,
            format!("sparsewave writes WAV audio; name the output .wav, not .{e}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples that probe the 16-bit rounding: halfway points (which round away from zero),
    /// values one ulp either side of them, the range's ends and beyond.
    fn probes(channel: usize) -> Vec<f64> {
        let mut v = Vec::new();
        for k in -40_000_i32..40_000 {
            if k % 97 != channel as i32 {
                continue;
            }
            let half = (f64::from(k) + 0.5) / 32768.0;
            v.extend([
                half,
                half.next_up(),
                half.next_down(),
                f64::from(k) / 32768.0,
            ]);
        }
        v.extend([1.0, -1.0, 1.0 + 1e-12, -1.0 - 1e-12, 7.0, -7.0, 0.0, -0.0]);
        v
    }

    #[test]
    fn quantize_i16_interleaves_and_rounds_as_the_scalar_formula_on_every_cpu() {
        for channels in [1, 2, 3] {
            let len = (0..channels).map(|c| probes(c).len()).min().unwrap();
            let block: Vec<Vec<f64>> = (0..channels).map(|c| probes(c)[..len].to_vec()).collect();
            let (mut want, mut want_clipped) = (Vec::new(), 0);
            for t in 0..len {
                for ch in &block {
                    let v = ch[t];
                    want_clipped += usize::from(v.abs() > 1.0);
                    want.push(quantize(v.clamp(-1.0, 1.0), 32768.0) as i16);
                }
            }
            let mut plain = vec![0; len * channels];
            let clipped = quantize_i16(&block, 0..len, &mut plain);
            assert_eq!(
                (&plain, clipped),
                (&want, want_clipped),
                "{channels} channels"
            );
            let mut vector = vec![0; len * channels];
            let clipped = with_avx2(|| quantize_i16(&block, 0..len, &mut vector));
            assert_eq!(
                (&vector, clipped),
                (&want, want_clipped),
                "{channels} channels"
            );
            // A range of frames inside the block.
            let mut part = vec![0; 10 * channels];
            quantize_i16(&block, 5..15, &mut part);
            assert_eq!(part, want[5 * channels..15 * channels]);
        }
    }
}
