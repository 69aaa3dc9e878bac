//! WAV output through hound, atomic, with clipping counted.

use super::output::Staged;
use super::{Audio, SampleFormat};
use crate::{Error, Result};
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
/// WAVE_FORMAT_EXTENSIBLE, as the WAV specification asks.
pub fn encode_wav(audio: &Audio, format: Option<SampleFormat>) -> Result<(Vec<u8>, WriteReport)> {
    let format = match format.unwrap_or(audio.format) {
        SampleFormat::Float64 => SampleFormat::Float32,
        f => f,
    };
    let channels = u16::try_from(audio.channel_count())
        .ok()
        .filter(|&c| (1..=MAX_WAV_CHANNELS).contains(&c))
        .ok_or_else(|| {
            Error::param(
                "channels",
                format!(
                    "{} channels cannot be written as WAV: a multichannel WAV file names a speaker \
                     position per channel, and there are {MAX_WAV_CHANNELS} (mix down with --mono, \
                     or split the channels)",
                    audio.channel_count()
                ),
            )
        })?;
    let (bits_per_sample, sample_format) = match format {
        SampleFormat::Int(b) => (b, hound::SampleFormat::Int),
        _ => (32, hound::SampleFormat::Float),
    };
    // The header stores bytes per second in 32 bits: a rate that overflows it gives a file other
    // tools refuse.
    let byte_rate =
        u64::from(audio.sample_rate) * u64::from(channels) * u64::from(bits_per_sample) / 8;
    if audio.sample_rate == 0 || byte_rate > u64::from(u32::MAX) {
        return Err(Error::param(
            "sample_rate",
            format!(
                "{} Hz × {channels} channel(s) × {bits_per_sample} bits cannot be written as WAV \
                 (the header's byte rate is limited to 2³² − 1 bytes per second)",
                audio.sample_rate
            ),
        ));
    }
    let spec = hound::WavSpec {
        channels,
        sample_rate: audio.sample_rate,
        bits_per_sample,
        sample_format,
    };
    let mut clipped = 0usize;
    let mut cursor = std::io::Cursor::new(Vec::new());
    let hound_err = |e: hound::Error| Error::param("wav output", e.to_string());
    {
        let mut w = hound::WavWriter::new(&mut cursor, spec).map_err(hound_err)?;
        let scale = match format {
            SampleFormat::Int(b) => f64::from(1u32 << (b - 1)),
            _ => 1.0,
        };
        for t in 0..audio.frames() {
            for ch in &audio.channels {
                let v = ch[t];
                if !(-1.0..=1.0).contains(&v) {
                    clipped += 1;
                }
                let v = v.clamp(-1.0, 1.0);
                match format {
                    SampleFormat::Int(8) => w.write_sample(quantize(v, scale) as i8),
                    SampleFormat::Int(16) => w.write_sample(quantize(v, scale) as i16),
                    SampleFormat::Int(_) => w.write_sample(quantize(v, scale) as i32),
                    _ => w.write_sample(v as f32),
                }
                .map_err(hound_err)?;
            }
        }
        w.finalize().map_err(hound_err)?;
    }
    Ok((
        cursor.into_inner(),
        WriteReport {
            clipped_samples: clipped,
            format: Some(format),
        },
    ))
}

/// round(v · scale) clamped to the integer range [−scale, scale − 1].
fn quantize(v: f64, scale: f64) -> i64 {
    (v * scale).round().clamp(-scale, scale - 1.0) as i64
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
    let (bytes, report) = encode_wav(audio, format)?;
    staged.add(path, &bytes)?;
    Ok(report)
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
