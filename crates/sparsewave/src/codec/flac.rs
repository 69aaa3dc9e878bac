//! The lossless reference of the rate–distortion curves: the size of the input as FLAC, encoded
//! by flacenc (pure Rust) with its default configuration.

use crate::audio::{Audio, SampleFormat};
use crate::{Error, Result};
use flacenc::component::BitRepr;
use flacenc::error::Verify;

/// Bytes of `audio` encoded as FLAC, and the bit depth used: the source's integer depth
/// (decoded samples are exact multiples of 2^(1−bits), so this is lossless), 24 bits for float
/// or 32-bit sources (FLAC stores at most 24 bits here).
pub fn flac_size(audio: &Audio) -> Result<(usize, u16)> {
    let bits: u16 = match audio.format {
        SampleFormat::Int(b) if b <= 24 => b,
        _ => 24,
    };
    let scale = f64::from(1_u32 << (bits - 1));
    let (lo, hi) = (-scale, scale - 1.0);
    let mut samples = Vec::with_capacity(audio.frames() * audio.channel_count());
    for t in 0..audio.frames() {
        for ch in &audio.channels {
            samples.push((ch[t] * scale).round().clamp(lo, hi) as i32);
        }
    }
    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|e| Error::Numerical(format!("FLAC configuration: {e:?}")))?;
    let source = flacenc::source::MemSource::from_samples(
        &samples,
        audio.channel_count(),
        usize::from(bits),
        audio.sample_rate as usize,
    );
    let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .map_err(|e| Error::Numerical(format!("FLAC encoding failed: {e:?}")))?;
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| Error::Numerical(format!("FLAC encoding failed: {e:?}")))?;
    Ok((sink.as_slice().len(), bits))
}
