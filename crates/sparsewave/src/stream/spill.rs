//! Signals and coefficients kept on disk instead of in memory, for the steps that need a
//! whole signal more than once.

use crate::{Error, Result};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

/// Channels of `len` samples each (f64, exactly) in a [`TempArray`]: written block by block
/// in order, read back channel after channel.
pub struct Spill {
    array: TempArray,
    len: usize,
    /// Samples written per channel.
    written: Vec<usize>,
}

/// Values per read or write of the file.
const PIECE: usize = 1 << 16;

impl Spill {
    /// An empty spill of `channels` channels of `len` samples.
    pub fn new(channels: usize, len: usize) -> Result<Self> {
        Ok(Spill {
            array: TempArray::new()?,
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
        self.array.write(c * self.len + at, samples)?;
        self.written[c] += samples.len();
        Ok(())
    }

    /// Read samples `at..at + out.len()` of channel `c` (written before).
    pub fn read(&mut self, c: usize, at: usize, out: &mut [f64]) -> Result<()> {
        if at + out.len() > self.written[c] {
            return Err(Error::param(
                "signal",
                "samples the spill does not hold yet",
            ));
        }
        self.array.read(c * self.len + at, out)
    }

    /// Hand every channel to `visit` in pieces, channel after channel, in order (the channels
    /// must be complete).
    pub fn visit(&mut self, visit: &mut dyn FnMut(&[f64])) -> Result<()> {
        if self.written.iter().any(|&w| w != self.len) {
            return Err(Error::param("signal", "the spill is not complete"));
        }
        let mut piece = Vec::with_capacity(PIECE);
        for at in (0..self.written.len() * self.len).step_by(PIECE) {
            piece.resize(PIECE.min(self.written.len() * self.len - at), 0.0);
            self.array.read(at, &mut piece)?;
            visit(&piece);
        }
        Ok(())
    }
}

/// An array of f64 values (exactly) in an anonymous temporary file (in the system's temporary
/// folder, gone when dropped, even after a crash), read and written at any index: memory for
/// signals and coefficients too long to hold.
pub struct TempArray {
    file: File,
    /// The bytes of the values being read or written.
    bytes: Vec<u8>,
}

impl TempArray {
    /// An empty array.
    pub fn new() -> Result<Self> {
        let file = tempfile::tempfile().map_err(io_error)?;
        Ok(TempArray {
            file,
            bytes: Vec::new(),
        })
    }

    /// Write `values` at indices `at..at + values.len()`.
    pub fn write(&mut self, at: usize, values: &[f64]) -> Result<()> {
        self.bytes.clear();
        self.bytes
            .extend(values.iter().flat_map(|v| v.to_le_bytes()));
        self.file
            .seek(SeekFrom::Start(at as u64 * 8))
            .and_then(|_| self.file.write_all(&self.bytes))
            .map_err(io_error)
    }

    /// Read indices `at..at + out.len()` into `out` (written before, or holes: 0).
    pub fn read(&mut self, at: usize, out: &mut [f64]) -> Result<()> {
        self.bytes.resize(out.len() * 8, 0);
        self.file
            .seek(SeekFrom::Start(at as u64 * 8))
            .and_then(|_| self.file.read_exact(&mut self.bytes))
            .map_err(io_error)?;
        for (v, b) in out.iter_mut().zip(self.bytes.chunks_exact(8)) {
            *v = f64::from_le_bytes(b.try_into().expect("8 bytes"));
        }
        Ok(())
    }
}

fn io_error(e: std::io::Error) -> Error {
    Error::io(std::env::temp_dir(), e)
}
