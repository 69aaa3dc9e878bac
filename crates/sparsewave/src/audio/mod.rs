//! Audio in memory, decoding and WAV output.
//!
//! Audio I/O is a leaf: transforms never see files, only `&[f64]` slices of one channel.
//! [`decode_file`] reads WAV, FLAC, MP3 and Ogg Vorbis through symphonia; [`write_wav`] writes WAV
//! through hound, atomically (see [`output`]).

mod decode;
pub mod output;
mod wav;

pub use decode::{decode_file, decode_reader, probe_file, BlockReader, Header};
pub use wav::{encode_wav, stage_wav, write_wav, WavBlockWriter, WriteReport, MAX_WAV_CHANNELS};

/// How samples are stored in a file: integer of a bit depth, or IEEE float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum SampleFormat {
    /// Signed (or, for 8 bit, offset) integer PCM of this many bits (8, 16, 24 or 32).
    Int(u16),
    /// 32-bit IEEE float.
    Float32,
    /// 64-bit IEEE float (read only; written as [`SampleFormat::Float32`]).
    Float64,
}

impl SampleFormat {
    /// The format a file stores these samples in exactly: integer depths are rounded up to a
    /// whole number of bytes (a 12-bit source is stored as 16-bit, a 20-bit one as 24-bit).
    pub fn whole_bytes(self) -> Self {
        match self {
            SampleFormat::Int(b) => SampleFormat::Int((b.div_ceil(8) * 8).clamp(8, 32)),
            float => float,
        }
    }

    /// A short human name ("16-bit int", "32-bit float").
    pub fn describe(self) -> String {
        match self {
            SampleFormat::Int(b) => format!("{b}-bit int"),
            SampleFormat::Float32 => "32-bit float".into(),
            SampleFormat::Float64 => "64-bit float".into(),
        }
    }
}

impl std::str::FromStr for SampleFormat {
    type Err = crate::Error;

    /// `8`, `16`, `24`, `32` (integer PCM) or `32f` (IEEE float; also `f32`).
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "8" => Ok(SampleFormat::Int(8)),
            "16" => Ok(SampleFormat::Int(16)),
            "24" => Ok(SampleFormat::Int(24)),
            "32" => Ok(SampleFormat::Int(32)),
            "32f" | "f32" => Ok(SampleFormat::Float32),
            _ => Err(crate::Error::param(
                "bits",
                format!("'{s}' is not one of 8, 16, 24, 32, 32f"),
            )),
        }
    }
}

/// Multichannel audio as `f64` samples, one vector per channel, full scale = ±1.
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    /// Samples per second.
    pub sample_rate: u32,
    /// `channels[c][t]`: channel `c`, sample `t`. All channels have the same length.
    pub channels: Vec<Vec<f64>>,
    /// The sample format of the source (used as the default output format).
    pub format: SampleFormat,
    /// The container/codec the audio came from ("wav", "flac", "mp3", "vorbis"), or "memory".
    pub codec: String,
}

impl Audio {
    /// Audio made in memory (e.g. by a generator); written as 32-bit float unless told otherwise.
    pub fn from_channels(sample_rate: u32, channels: Vec<Vec<f64>>) -> Self {
        Audio {
            sample_rate,
            channels,
            format: SampleFormat::Float32,
            codec: "memory".into(),
        }
    }

    /// Number of channels.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate)
    }

    /// Largest absolute sample over all channels.
    pub fn peak(&self) -> f64 {
        // Four running maxima, so that the loop vectorizes; the maximum does not depend on the
        // order (the samples are finite: decoding refuses NaN).
        let mut lanes = [0.0_f64; 4];
        for ch in &self.channels {
            let chunks = ch.chunks_exact(4);
            for (l, v) in chunks.remainder().iter().enumerate() {
                lanes[l] = lanes[l].max(v.abs());
            }
            for c in chunks {
                for l in 0..4 {
                    let v = c[l].abs();
                    lanes[l] = if v > lanes[l] { v } else { lanes[l] };
                }
            }
        }
        lanes.iter().fold(0.0_f64, |m, &v| m.max(v))
    }

    /// Root mean square over all channels.
    pub fn rms(&self) -> f64 {
        let n = self.channels.iter().map(Vec::len).sum::<usize>();
        if n == 0 {
            return 0.0;
        }
        let e: f64 = self.channels.iter().flatten().map(|v| v * v).sum();
        (e / n as f64).sqrt()
    }

    /// The samples as an integer WAV file holds them: clamped to [−1, 1] (see
    /// [`encode_wav`]); metrics of a written file are computed on this.
    pub fn clipped(&self) -> Audio {
        Audio {
            channels: self
                .channels
                .iter()
                .map(|c| c.iter().map(|v| v.clamp(-1.0, 1.0)).collect())
                .collect(),
            ..self.clone()
        }
    }

    /// Average of all channels into one (the `--mono` flag): [`downmix`].
    pub fn downmix(&self) -> Audio {
        Audio {
            channels: vec![downmix(&self.channels)],
            sample_rate: self.sample_rate,
            format: self.format,
            codec: self.codec.clone(),
        }
    }
}

/// The average of equal-length channels, `m[t] = (Σ_c x_c[t]) / C` summed in channel order
/// (of a whole signal or of one block of it alike).
pub fn downmix(channels: &[Vec<f64>]) -> Vec<f64> {
    let n = channels.first().map_or(0, Vec::len);
    let c = channels.len().max(1) as f64;
    (0..n)
        .map(|t| channels.iter().map(|ch| ch[t]).sum::<f64>() / c)
        .collect()
}
