//! [`WsvdLane`]: one channel of WSVD (one band, cross-faded windows) as its samples arrive,
//! with the output samples of [`wsvd_denoise`](crate::denoise::wsvd::wsvd_denoise) bit for
//! bit.
//!
//! The windows of [`overlap_grid`](crate::denoise::wsvd::overlap_grid) are local: window `m`
//! runs once its samples are in (the windows now whole, in parallel: `run_grid`), its output
//! is added with its cross-fade weights in window order, as the whole-signal job adds them,
//! and a sample no later window reaches is divided by its weight sum and handed out.

use super::Tape;
use crate::denoise::wsvd::{overlap_span, run_grid, xfade_weight, BandStats, Span, WindowSetup};
use crate::linalg::hankel::HankelOp;
use crate::Result;

/// One channel of a one-band, cross-faded WSVD, fed in order.
pub(crate) struct WsvdLane {
    plan: HankelOp,
    setup: WindowSetup,
    /// The signal's length and the window length.
    len: usize,
    window: usize,
    /// The next window to run.
    next: usize,
    /// Input samples from the next window's start on.
    input: Tape,
    /// Weighted window outputs and weight sums from the first sample not handed out on.
    sums: Tape,
    weights: Vec<f64>,
    windows: usize,
    rank_sum: usize,
}

impl WsvdLane {
    /// WSVD of a `len`-sample signal with `window`-sample windows and `setup`.
    pub(crate) fn new(window: usize, setup: WindowSetup, len: usize) -> Result<Self> {
        Ok(WsvdLane {
            plan: HankelOp::new(window)?,
            setup,
            len,
            window,
            next: 0,
            input: Tape::default(),
            sums: Tape::default(),
            weights: Vec::new(),
            windows: 0,
            rank_sum: 0,
        })
    }

    /// The next input samples; returns the output samples now final (in order).
    pub(crate) fn push(&mut self, x: &[f64]) -> Result<Vec<f64>> {
        self.input.data.extend_from_slice(x);
        let mut spans = Vec::new();
        while let Some(span) = overlap_span(self.len, self.window, self.next) {
            if span.start + span.len > self.input.end() {
                break;
            }
            spans.push(Span {
                start: span.start - self.input.start,
                len: span.len,
            });
            self.next += 1;
        }
        if !spans.is_empty() {
            let (y, ranks) = run_grid(&self.input.data, &self.plan, &spans, self.setup)?;
            self.windows += spans.len();
            self.rank_sum += ranks;
            let mut at = 0;
            for span in &spans {
                let start = span.start + self.input.start - self.sums.start;
                if self.sums.data.len() < start + span.len {
                    self.sums.data.resize(start + span.len, 0.0);
                    self.weights.resize(start + span.len, 0.0);
                }
                for (t, &v) in y[at..at + span.len].iter().enumerate() {
                    let g = xfade_weight(t, span.len);
                    self.sums.data[start + t] += g * v;
                    self.weights[start + t] += g;
                }
                at += span.len;
            }
        }
        // Samples before the next window's start are final.
        let done = overlap_span(self.len, self.window, self.next).map_or(self.len, |s| s.start);
        let out: Vec<f64> = self
            .sums
            .slice(self.sums.start..done)
            .iter()
            .zip(&self.weights)
            // The whole-signal job adds its one band to a zeroed signal.
            .map(|(s, g)| 0.0 + s / g)
            .collect();
        self.weights.drain(..out.len());
        self.sums.drop_before(done);
        self.input.drop_before(done.min(self.input.end()));
        Ok(out)
    }

    /// The band's statistics once every sample is in.
    pub(crate) fn stats(&self) -> BandStats {
        self.setup.stats(self.window, self.windows, self.rank_sum)
    }
}
