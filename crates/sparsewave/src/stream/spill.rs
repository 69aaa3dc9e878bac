//! Signals kept on disk instead of in memory, for the steps that need a whole signal twice.

use crate::{Error, Result};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

/// Channels of `len` samples each (f64, exactly) in an anonymous temporary file (in the
/// system's temporary folder, gone when dropped, even after a crash): written block by block
/// in order, read back channel after channel.
pub struct Spill {
    file: File,
    len: usize,
    /// Samples written per channel.
    written: Vec<usize>,
}

/// Samples per read or write of the file.
const PIECE: usize = 1 << 16;

impl Spill {
    /// An empty spill of `channels` channels of `len` samples.
    pub fn new(channels: usize, len: usize) -> Result<Self> {
        let file = tempfile::tempfile().map_err(|e| Error::io(std::env::temp_dir(), e))?;
        Ok(Spill {
            file,
            len,
            written: vec![0; channels],
        })
    }

    /// Append `samples` to channel `c`.
    pub fn append(&mut self, c: usize, samples: &[f64]) -> Result<()> {
        let at = self.written[c];
        if at + samples.len() > self.len {
            return Err(Error::param("signal", "more samples than the spill holds"));
        }
        let offset = ((c * self.len + at) * 8) as u64;
        let bytes: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.write_all(&bytes))
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        self.written[c] += samples.len();
        Ok(())
    }

    /// Hand every channel to `visit` in pieces, channel after channel, in order (the channels
    /// must be complete).
    pub fn visit(&mut self, visit: &mut dyn FnMut(&[f64])) -> Result<()> {
        if self.written.iter().any(|&w| w != self.len) {
            return Err(Error::param("signal", "the spill is not complete"));
        }
        let io = |e| Error::io(std::env::temp_dir(), e);
        self.file.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut bytes = vec![0u8; PIECE * 8];
        let mut piece = Vec::with_capacity(PIECE);
        for _ in 0..self.written.len() {
            let mut left = self.len;
            while left > 0 {
                let n = left.min(PIECE);
                self.file.read_exact(&mut bytes[..n * 8]).map_err(io)?;
                piece.clear();
                piece.extend(
                    bytes[..n * 8]
                        .chunks_exact(8)
                        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))),
                );
                visit(&piece);
                left -= n;
            }
        }
        Ok(())
    }
}
