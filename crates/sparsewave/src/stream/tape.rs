//! [`Tape`]: the samples of a signal from some index on, for streamed stages that read
//! samples by their index in the whole signal while forgetting the ones behind them.

/// Samples of a signal from index `start` on.
#[derive(Default)]
pub(crate) struct Tape {
    /// Index in the signal of `data[0]`.
    pub(crate) start: usize,
    /// The samples held.
    pub(crate) data: Vec<f64>,
}

impl Tape {
    /// The index after the last sample.
    pub(crate) fn end(&self) -> usize {
        self.start + self.data.len()
    }

    /// Samples `range` (held).
    pub(crate) fn slice(&self, range: std::ops::Range<usize>) -> &[f64] {
        &self.data[range.start - self.start..range.end - self.start]
    }

    /// Forget the samples before `t`.
    pub(crate) fn drop_before(&mut self, t: usize) {
        if t > self.start {
            self.data.drain(..t - self.start);
            self.start = t;
        }
    }
}
