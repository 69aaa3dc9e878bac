//! Jobs on files of any length in bounded memory: the input is read in blocks
//! ([`BlockReader`]) as many times as the job needs, and the output written block by block
//! ([`WavBlockWriter`](crate::audio::WavBlockWriter)), with the same output bytes and the same
//! report numbers as the whole-signal job.
//!
//! - [`denoise`]: `denoise --method auto|lsa|block|gaussian|wsvd` (two passes: the noise
//!   estimate and the spectral peak of the metrics, then the denoiser, the output and the
//!   metrics) and `--method wavelet` (one pass, then the DWT through temporary files).
//! - [`metrics`]: `metrics REF TEST [--noisy NOISY]` (the reference's spectral peak, then both
//!   files side by side).
//! - [`codec`]: `encode` (the metrics' spectral peak, then the segments of a segmented `.swz`
//!   file one at a time) and `decode` (segment by segment).
//! - [`compress`]: `compress --method stft` (the STFT made again on each pass of the budget's
//!   search) and `--method dwt` (the signal and its coefficients in temporary files,
//!   [`TempArray`], level by level); `denoise --method wavelet` likewise.
//! - [`interp`]: `interp` (the knots and a spline's eliminated system in a temporary file,
//!   then the samples evaluated block by block on a second reading).
//!
//! Memory is a few blocks per channel plus what the method keeps (the noise estimate's
//! quantile, about 32 MB per channel for an hour at 44.1 kHz), whatever the input's length.
//! The variances of the noise reduction ratio need the whole signals twice in channel order,
//! so both signals are kept in an anonymous temporary file ([`Spill`], 16 bytes per sample,
//! removed when the job ends).

mod auto;
#[cfg(feature = "codec")]
pub mod codec;
pub mod compress;
mod compress_dwt;
pub mod denoise;
mod dwt;
mod gaussian;
pub mod interp;
pub mod metrics;
pub mod select;
mod shrink;
mod spill;
mod stft_filter;
mod tape;
mod wsvd;

pub use spill::{Spill, TempArray};
pub(crate) use tape::Tape;

use crate::audio::{downmix, BlockReader};
use crate::{Error, Result};
use std::path::Path;

/// How a streamed job reads its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamOptions {
    /// Frames per block read (memory grows with it, the results do not change).
    pub block_frames: usize,
    /// Mix all channels down to one first (the `--mono` flag; [`downmix`] per block).
    pub mono: bool,
}

impl Default for StreamOptions {
    /// Blocks of 2¹⁶ frames (1.5 s at 44.1 kHz), channels kept.
    fn default() -> Self {
        StreamOptions {
            block_frames: 1 << 16,
            mono: false,
        }
    }
}

/// One reading of the input file: its blocks, mixed down with [`StreamOptions::mono`].
pub struct Pass {
    reader: BlockReader,
    mono: bool,
    /// Frames read so far.
    frames: u64,
}

impl Pass {
    /// Open `path` for one reading.
    pub fn open(path: &Path, options: &StreamOptions) -> Result<Self> {
        Ok(Pass {
            reader: BlockReader::open(path, options.block_frames)?,
            mono: options.mono,
            frames: 0,
        })
    }

    /// The next block, or `None` after the last.
    pub fn next_block(&mut self) -> Result<Option<Vec<Vec<f64>>>> {
        let Some(block) = self.reader.next_block()? else {
            return Ok(None);
        };
        self.frames += block.first().map_or(0, Vec::len) as u64;
        Ok(Some(if self.mono && block.len() > 1 {
            vec![downmix(&block)]
        } else {
            block
        }))
    }

    /// The next block of a reading of an input measured at `len` frames per channel
    /// ([`Pass::length`]), or `None` after the last; refused, naming the file, when the input
    /// changed since it was measured: a block of another channel count than `channels` (an
    /// earlier reading's; within one reading the decoder refuses a change), or more than `len`
    /// frames. The reading's end is checked by [`Pass::check_length`].
    pub fn next_block_within(
        &mut self,
        len: usize,
        channels: Option<usize>,
    ) -> Result<Option<Vec<Vec<f64>>>> {
        let Some(block) = self.next_block()? else {
            return Ok(None);
        };
        if let Some(want) = channels {
            same_channels(self.reader.path(), block.len(), want)?;
        }
        if self.frames > len as u64 {
            self.check_length(len)?;
        }
        Ok(Some(block))
    }

    /// Hand a block back once used, for its buffers to hold later samples
    /// ([`BlockReader::recycle`]).
    pub fn recycle(&self, block: Vec<Vec<f64>>) {
        self.reader.recycle(block);
    }

    /// The reader (rate, format, codec, declared length).
    pub fn reader(&self) -> &BlockReader {
        &self.reader
    }

    /// Frames read so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The input's frames per channel: from the header when it states them exactly (WAV,
    /// FLAC), else by reading the file once through.
    pub fn length(path: &Path, options: &StreamOptions) -> Result<usize> {
        Pass::open(path, options)?.read_length()
    }

    /// The input's frames per channel: from the header when it states them exactly, else by
    /// reading the rest of this pass through.
    pub fn read_length(&mut self) -> Result<usize> {
        let frames = match self.reader.exact_frames() {
            Some(n) => n,
            None => {
                while let Some(block) = self.next_block()? {
                    self.recycle(block);
                }
                self.frames
            }
        };
        usize::try_from(frames).map_err(|_| {
            Error::bad_input(
                self.reader.path(),
                "holds more frames than this machine can count",
            )
        })
    }

    /// After the last block: the file held `expected` frames, as the first reading found (a
    /// file that changed between two readings is an error naming it).
    pub fn check_length(&self, expected: usize) -> Result<()> {
        if self.frames != expected as u64 {
            return Err(Error::bad_input(
                self.reader.path(),
                format!(
                    "changed while it was being read: {expected} frames, then {}",
                    self.frames
                ),
            ));
        }
        Ok(())
    }
}

/// Decoded inputs (8 bytes per sample and channel) up to this size run the DWT's jobs
/// (`compress --method dwt`, `denoise --method wavelet`) and `interp` faster in memory than
/// through their streamed versions' temporary files.
pub const DWT_IN_MEMORY_BYTES: u64 = 64 << 20;

/// Whether the file `input`'s decoded samples exceed [`DWT_IN_MEMORY_BYTES`] (or its header
/// does not declare its length). Errors: the input's header.
pub fn exceeds_dwt_in_memory(input: &Path) -> Result<bool> {
    let reader = BlockReader::open(input, 1)?;
    Ok(reader.exact_frames().is_none_or(|frames| {
        frames.saturating_mul(8 * reader.channel_count() as u64) > DWT_IN_MEMORY_BYTES
    }))
}

/// Refuse a block of `path` with another channel count than expected.
pub(crate) fn same_channels(path: &Path, got: usize, want: usize) -> Result<()> {
    if got != want {
        return Err(Error::bad_input(
            path,
            format!("has {got} channel(s) where {want} were expected"),
        ));
    }
    Ok(())
}
