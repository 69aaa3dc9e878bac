//! One channel of `denoise --method gaussian` as its samples arrive, with the output of the
//! whole-signal [`GaussianFilter::apply`]: output `i` reads `x[i − R ..= i + R]` reflected
//! into the signal, so it is final once sample `i + R` has arrived (or the last sample), and
//! the samples before `i − R` are no longer read ([`GaussianFilter::apply_range`] on a window
//! that slides). A kernel longer than the signal (`R > n`) reflects more than once: the
//! signal (shorter than the radius) is kept whole until its end.

use super::Tape;
use crate::denoise::gaussian::GaussianFilter;

/// One channel of the Gaussian filter (module documentation).
pub(crate) struct GaussianLane {
    filter: GaussianFilter,
    len: usize,
    /// The input from `done − R` on.
    x: Tape,
    /// Output samples handed out.
    done: usize,
}

impl GaussianLane {
    /// A channel of `len` samples.
    pub(crate) fn new(filter: &GaussianFilter, len: usize) -> Self {
        GaussianLane {
            filter: filter.clone(),
            len,
            x: Tape::default(),
            done: 0,
        }
    }

    /// The next input samples; returns the output samples now final (in order).
    pub(crate) fn push(&mut self, x: &[f64]) -> Vec<f64> {
        self.x.data.extend_from_slice(x);
        let (arrived, r) = (self.x.end(), self.filter.radius());
        let ready = if arrived == self.len {
            self.len
        } else if r <= self.len {
            arrived.saturating_sub(r)
        } else {
            0
        };
        if ready <= self.done {
            return Vec::new();
        }
        let mut y = vec![0.0; ready - self.done];
        self.filter.apply_range(
            &self.x.data,
            self.x.start,
            self.len,
            self.done..ready,
            &mut y,
        );
        self.done = ready;
        if r <= self.len {
            self.x.drop_before(ready.saturating_sub(r));
        }
        y
    }
}
