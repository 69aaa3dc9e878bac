//! Short-time Fourier transform and its inverse by weighted overlap-add.
//!
//! Forward (unnormalised, one-sided, librosa's convention):
//!
//! ```text
//! X[t, k] = Σ_{n=0}^{n_fft−1} p[t·hop + n] · a[n] · e^{−2πi k n / n_fft},   k = 0..n_fft/2
//! ```
//!
//! where `p` is the signal padded by `pad` samples on each side (zeros or reflection) and `a` is
//! the analysis window centred in `n_fft` samples. The inverse overlap-adds the synthesis-windowed
//! inverse FFTs and divides by the overlap-added window product, wherever that is positive:
//!
//! ```text
//! y[l] = Σ_t s[l − t·hop] · irfft(X[t])[l − t·hop]  /  Σ_t a[l − t·hop] · s[l − t·hop]
//! ```
//!
//! With s = a this is librosa's `istft` (division by the summed squared window); with the
//! paper's Blackman–Harris/Hamming pair the denominator is a constant and the division is the
//! usual synthesis-window scaling. Either way `inverse(forward(x)) = x` to rounding wherever the
//! denominator is non-zero, and the output has exactly the input's length.

use super::window::{Symmetry, WindowKind};
use crate::{Error, Result};
use rayon::prelude::*;
use realfft::num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::sync::Arc;

crate::choice::choice! {
    /// How the signal is extended beyond its ends before framing.
    pub enum PadMode: "pad" {
        /// Zeros (librosa ≥ 0.10 default, `pad_mode="constant"`).
        Zero = "zero" | "constant",
        /// Mirror without repeating the edge sample (NumPy's `reflect`; librosa < 0.10).
        Reflect = "reflect",
    }
}

/// Everything that fixes an STFT.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StftConfig {
    /// FFT size; the window is zero-padded (centred) to this length.
    pub n_fft: usize,
    /// Frame advance in samples.
    pub hop: usize,
    /// Analysis window, at most `n_fft` samples.
    pub window: Vec<f64>,
    /// Synthesis window (same length as `window`); `None` uses the analysis window.
    pub synthesis: Option<Vec<f64>>,
    /// Samples of padding before the signal (and at least as many after it).
    pub pad: usize,
    /// What the padding holds.
    pub pad_mode: PadMode,
}

/// Refuse an FFT size whose plan does not fit in memory, before its windows are built: two
/// windows (f64) and the real FFT plans' twiddles and scratch (complex), each about `n_fft`
/// long.
fn check_plan_memory(n_fft: usize) -> Result<()> {
    crate::memory::check(
        || format!("an STFT plan with n_fft {n_fft}"),
        64.0 * n_fft as f64,
    )
}

impl StftConfig {
    /// One-sided bins per frame, `n_fft/2 + 1`.
    pub fn bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Check that the configuration can be planned and inverted: `n_fft ≥ 2`, a window of
    /// 1..=n_fft samples, `1 ≤ hop ≤` window, a synthesis window of the same length, and a plan
    /// that fits in memory. Cheap: nothing is planned.
    pub fn validate(&self) -> Result<()> {
        if self.n_fft < 2 {
            return Err(Error::param("n_fft", "must be at least 2"));
        }
        if self.hop == 0 {
            return Err(Error::param("hop", "must be at least 1"));
        }
        let w = self.window.len();
        if w == 0 || w > self.n_fft {
            return Err(Error::param(
                "n_fft",
                format!(
                    "n_fft ({}) must be at least the window length ({w})",
                    self.n_fft
                ),
            ));
        }
        if self.hop > w {
            return Err(Error::param(
                "hop",
                format!(
                    "{} is longer than the window ({w} samples): the frames would leave gaps \
                     that no inverse can fill",
                    self.hop
                ),
            ));
        }
        if self.synthesis.as_ref().is_some_and(|s| s.len() != w) {
            return Err(Error::param(
                "synthesis window",
                "must have the analysis window's length",
            ));
        }
        check_plan_memory(self.n_fft)?;
        Ok(())
    }

    /// Frames for a signal of `len` samples: librosa's 1 + ⌊(len + 2·pad − n_fft)/hop⌋, raised
    /// if needed so that the last frame reaches the last sample (large hops, short signals).
    pub fn frame_count(&self, len: usize) -> usize {
        let (n_fft, hop, pad) = (self.n_fft, self.hop.max(1), self.pad);
        let librosa = (len + 2 * pad)
            .checked_sub(n_fft)
            .map_or(1, |span| 1 + span / hop);
        let cover = 1 + (pad + len).saturating_sub(n_fft).div_ceil(hop);
        librosa.max(cover)
    }

    /// librosa's framing: `center=True` pads n_fft/2 on each side.
    pub fn centered(
        n_fft: usize,
        hop: usize,
        win_length: usize,
        kind: WindowKind,
        pad_mode: PadMode,
    ) -> Result<Self> {
        if win_length == 0 || win_length > n_fft {
            return Err(Error::param(
                "n_fft",
                format!("n_fft ({n_fft}) must be at least the window length ({win_length})"),
            ));
        }
        check_plan_memory(n_fft)?;
        Ok(StftConfig {
            n_fft,
            hop,
            window: kind.build(win_length, Symmetry::Periodic)?,
            synthesis: None,
            pad: n_fft / 2,
            pad_mode,
        })
    }

    /// The PGBZ paper's STFT baseline: periodic Blackman–Harris analysis, periodic Hamming
    /// synthesis, FFT size = window length, hop = window/8, one window of zeros at both ends.
    /// The windows' overlap-added product is then exactly constant (the product has cosine
    /// harmonics up to 4, the hop passes only multiples of 8), so the inverse is the plain
    /// synthesis-window overlap-add scaled so that Σ a·s = 1.
    pub fn paper_baseline(win_length: usize) -> Result<Self> {
        if win_length < 8 || win_length % 8 != 0 {
            return Err(Error::param(
                "window_length",
                format!("{win_length} must be a positive multiple of 8 (hop = window/8)"),
            ));
        }
        check_plan_memory(win_length)?;
        Ok(StftConfig {
            n_fft: win_length,
            hop: win_length / 8,
            window: WindowKind::BlackmanHarris.build(win_length, Symmetry::Periodic)?,
            synthesis: Some(WindowKind::Hamming.build(win_length, Symmetry::Periodic)?),
            pad: win_length,
            pad_mode: PadMode::Zero,
        })
    }
}

/// A one-sided STFT, time-major: `data[t * bins + k]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Spectrogram {
    /// Number of frames `T`.
    pub frames: usize,
    /// One-sided bins per frame, `n_fft/2 + 1`.
    pub bins: usize,
    /// `X[t, k]` at `data[t·bins + k]`.
    pub data: Vec<Complex64>,
}

impl Spectrogram {
    /// Frame `t` (all bins).
    pub fn frame(&self, t: usize) -> &[Complex64] {
        &self.data[t * self.bins..(t + 1) * self.bins]
    }

    /// |X| in the same layout.
    pub fn magnitude(&self) -> Vec<f64> {
        self.data.iter().map(|&c| magnitude(c)).collect()
    }

    /// arg X in the same layout.
    pub fn phase(&self) -> Vec<f64> {
        self.data.iter().map(|c| c.arg()).collect()
    }
}

/// |c| as √(re² + im²): several times faster than `Complex::norm` (libm's `hypot`, which guards
/// against overflow and underflow that audio spectra cannot reach), and within an ulp of it.
#[inline]
pub fn magnitude(c: Complex64) -> f64 {
    c.norm_sqr().sqrt()
}

/// One worker's buffers for [`Stft::forward_frame`]: the windowed frame and the FFT's scratch.
pub struct FrameScratch {
    frame: Vec<f64>,
    fft: Vec<Complex64>,
}

/// A planned STFT: windows and FFT plans are built once, then reused for any signal length.
pub struct Stft {
    cfg: StftConfig,
    /// Analysis window centred in n_fft.
    analysis: Vec<f64>,
    /// Synthesis window centred in n_fft.
    synthesis: Vec<f64>,
    forward: Arc<dyn RealToComplex<f64>>,
    backward: Arc<dyn ComplexToReal<f64>>,
}

impl Stft {
    /// Validate `cfg` ([`StftConfig::validate`]) and plan the FFTs.
    pub fn new(cfg: StftConfig) -> Result<Self> {
        cfg.validate()?;
        let centre = |v: &[f64]| {
            let mut out = vec![0.0; cfg.n_fft];
            let off = (cfg.n_fft - v.len()) / 2;
            out[off..off + v.len()].copy_from_slice(v);
            out
        };
        let analysis = centre(&cfg.window);
        let synthesis = centre(cfg.synthesis.as_deref().unwrap_or(&cfg.window));
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(cfg.n_fft);
        let backward = planner.plan_fft_inverse(cfg.n_fft);
        Ok(Stft {
            cfg,
            analysis,
            synthesis,
            forward,
            backward,
        })
    }

    /// The configuration this plan was built from.
    pub fn config(&self) -> &StftConfig {
        &self.cfg
    }

    /// The synthesis window centred in `n_fft` samples (zeros around a shorter window).
    pub fn synthesis_window(&self) -> &[f64] {
        &self.synthesis
    }

    /// One-sided bins per frame, `n_fft/2 + 1`.
    pub fn bins(&self) -> usize {
        self.cfg.bins()
    }

    /// Frames for a signal of `len` samples ([`StftConfig::frame_count`]).
    pub fn frame_count(&self, len: usize) -> usize {
        self.cfg.frame_count(len)
    }

    /// Sample `i` of the padded signal (index into the virtual array of length len + 2·pad).
    fn padded_sample(&self, x: &[f64], i: usize) -> f64 {
        let len = x.len() as isize;
        let j = i as isize - self.cfg.pad as isize;
        if (0..len).contains(&j) {
            return x[j as usize];
        }
        match self.cfg.pad_mode {
            PadMode::Zero => 0.0,
            PadMode::Reflect => {
                if len == 1 {
                    return x[0];
                }
                // Reflection about both ends has period 2(len − 1).
                let period = 2 * (len - 1);
                let mut m = j.rem_euclid(period);
                if m >= len {
                    m = period - m;
                }
                x[m as usize]
            }
        }
    }

    /// Buffers for [`Stft::forward_frame`], one set per worker thread.
    pub fn frame_scratch(&self) -> FrameScratch {
        FrameScratch {
            frame: self.forward.make_input_vec(),
            fft: self.forward.make_scratch_vec(),
        }
    }

    /// Frame `t` of the forward STFT of `x` (all [`Stft::bins`] bins) into `out`, allocating
    /// nothing: for callers that consume frames as they are made (metrics, streaming).
    ///
    /// # Panics
    /// If `x` is empty or `out` does not hold exactly [`Stft::bins`] values.
    pub fn forward_frame(
        &self,
        x: &[f64],
        t: usize,
        scratch: &mut FrameScratch,
        out: &mut [Complex64],
    ) {
        if let Some(padded) = self.interior_frame(x, t) {
            return self.forward_padded_frame(padded, scratch, out);
        }
        let start = t * self.cfg.hop;
        for (n, b) in scratch.frame.iter_mut().enumerate() {
            *b = self.padded_sample(x, start + n) * self.analysis[n];
        }
        self.fft_frame(scratch, out);
    }

    /// Frame `t`'s `n_fft` samples of the padded signal when they are all `x`'s own (the frame
    /// does not reach into the padding).
    fn interior_frame<'x>(&self, x: &'x [f64], t: usize) -> Option<&'x [f64]> {
        let (n_fft, pad) = (self.cfg.n_fft, self.cfg.pad);
        let start = t * self.cfg.hop;
        (start >= pad && start - pad + n_fft <= x.len())
            .then(|| &x[start - pad..start - pad + n_fft])
    }

    /// `Σₙ |w[n] · p[t·hop + n]|`, the ℓ1 norm of windowed frame `t` of `x`'s padded signal: by
    /// the triangle inequality an upper bound of |X[t, k]| in every bin k, without an FFT.
    pub fn frame_l1(&self, x: &[f64], t: usize) -> f64 {
        if let Some(padded) = self.interior_frame(x, t) {
            return self.padded_frame_l1(padded);
        }
        let start = t * self.cfg.hop;
        (0..self.cfg.n_fft)
            .map(|n| (self.padded_sample(x, start + n) * self.analysis[n]).abs())
            .sum()
    }

    /// [`Stft::frame_l1`] of the frame given by its `n_fft` samples of the padded signal (as
    /// [`Stft::forward_padded_frame`] takes it).
    ///
    /// Summed in 8 interleaved partial sums (then added in lane order), so that the
    /// additions vectorise instead of waiting on one another; the rounding differs from a
    /// sequential sum by a few ulps, far inside the margin its callers allow.
    pub fn padded_frame_l1(&self, padded: &[f64]) -> f64 {
        let mut lanes = [0.0; L1_LANES];
        let (v, w) = (
            padded.chunks_exact(L1_LANES),
            self.analysis.chunks_exact(L1_LANES),
        );
        let tail: f64 = v
            .remainder()
            .iter()
            .zip(w.remainder())
            .map(|(v, w)| (v * w).abs())
            .sum();
        for (v, w) in v.zip(w) {
            for ((l, v), w) in lanes.iter_mut().zip(v).zip(w) {
                *l += (v * w).abs();
            }
        }
        lanes.iter().sum::<f64>() + tail
    }

    /// The forward FFT of one frame given by the `n_fft` samples of the padded signal it covers,
    /// `p[t·hop .. t·hop + n_fft]` (module documentation), into `out`: for callers that hold
    /// the padded signal in pieces (streaming); equal to [`Stft::forward_frame`] bit for bit.
    ///
    /// # Panics
    /// If `padded` does not hold exactly `n_fft` samples or `out` exactly [`Stft::bins`] values.
    pub fn forward_padded_frame(
        &self,
        padded: &[f64],
        scratch: &mut FrameScratch,
        out: &mut [Complex64],
    ) {
        assert_eq!(
            padded.len(),
            self.cfg.n_fft,
            "one frame of the padded signal"
        );
        for ((b, v), w) in scratch.frame.iter_mut().zip(padded).zip(&self.analysis) {
            *b = v * w;
        }
        self.fft_frame(scratch, out);
    }

    /// The real FFT of the windowed frame in `scratch` into `out`.
    fn fft_frame(&self, scratch: &mut FrameScratch, out: &mut [Complex64]) {
        self.forward
            .process_with_scratch(&mut scratch.frame, out, &mut scratch.fft)
            .expect("buffer sizes come from the plan");
    }

    /// Forward STFT of `x`.
    pub fn forward(&self, x: &[f64]) -> Result<Spectrogram> {
        self.forward_frames(x, 0..self.frame_count(x.len()))
    }

    /// Frames `frames` of the forward STFT of `x` only (for streaming over long signals; the
    /// frame indices are those of [`Stft::forward`]).
    pub fn forward_frames(&self, x: &[f64], frames: std::ops::Range<usize>) -> Result<Spectrogram> {
        let bins = self.bins();
        crate::memory::check(
            || {
                format!(
                    "the STFT of {} samples ({} frames × {bins} bins)",
                    x.len(),
                    frames.len()
                )
            },
            16.0 * frames.len() as f64 * bins as f64,
        )?;
        let mut data = crate::memory::zeroed_vec(frames.len() * bins);
        self.forward_frames_into(x, frames.clone(), &mut data)?;
        Ok(Spectrogram {
            frames: frames.len(),
            bins,
            data,
        })
    }

    /// [`Stft::forward_frames`] into a caller's buffer of `frames.len() · bins` values, in the
    /// [`Spectrogram`] layout (`out[t·bins + k]` = frame `frames.start + t`, bin `k`): for
    /// callers that own the memory of the result (e.g. a NumPy array).
    pub fn forward_frames_into(
        &self,
        x: &[f64],
        frames: std::ops::Range<usize>,
        out: &mut [Complex64],
    ) -> Result<()> {
        if x.is_empty() {
            return Err(Error::param("signal", "is empty"));
        }
        let bins = self.bins();
        if out.len() != frames.len() * bins {
            return Err(Error::param(
                "output",
                format!(
                    "holds {} values, {} frames of {bins} bins need {}",
                    out.len(),
                    frames.len(),
                    frames.len() * bins
                ),
            ));
        }
        let first = frames.start;
        out.par_chunks_mut(bins).enumerate().for_each_init(
            || self.frame_scratch(),
            |scratch, (t, out)| self.forward_frame(x, first + t, scratch, out),
        );
        Ok(())
    }

    /// Inverse STFT by weighted overlap-add, returning exactly `len` samples.
    ///
    /// Samples where the overlap-added window product is not positive (possible only when the
    /// hop leaves gaps between windows) are set to 0.
    pub fn inverse(&self, spec: &Spectrogram, len: usize) -> Result<Vec<f64>> {
        if spec.bins != self.bins() {
            return Err(Error::param(
                "spectrogram",
                format!("has {} bins, the STFT plan {}", spec.bins, self.bins()),
            ));
        }
        self.inverse_frames(&spec.data, len)
    }

    /// [`Stft::inverse`] of frames held in a caller's buffer in the [`Spectrogram`] layout
    /// (`data[t·bins + k]`, `data.len()` a multiple of [`Stft::bins`]): for callers that own
    /// the memory of the coefficients (e.g. a NumPy array), without copying them.
    pub fn inverse_frames(&self, data: &[Complex64], len: usize) -> Result<Vec<f64>> {
        let bins = self.bins();
        if data.len() % bins != 0 {
            return Err(Error::param(
                "spectrogram",
                format!(
                    "holds {} values, not a whole number of frames of {bins} bins",
                    data.len()
                ),
            ));
        }
        Ok(self.inverse_with(
            data.len() / bins,
            len,
            || (),
            |_, t, frame| frame.copy_from_slice(&data[t * bins..(t + 1) * bins]),
        ))
    }

    /// [`Stft::inverse`] of `frames` frames that `fill(state, t, frame)` writes on demand (all
    /// [`Stft::bins`] bins of frame `t`), from several threads, each with its own `state` made
    /// by `init` (scratch buffers): a method whose coefficients are cheap to make per frame (a
    /// low-rank model, a mask) needs no spectrogram in memory.
    ///
    /// The sums are those of [`Stft::overlap_add_blocks`] over all the frames added by an
    /// [`OverlapAdder`], bit for bit, without holding the segments: when a block's segment
    /// reaches no further than the next block (`n_fft − hop ≤ OLA_BLOCK · hop`), the
    /// even-numbered blocks add theirs into the output in parallel, then the odd-numbered
    /// ones. A sample is covered by at most two blocks, so it receives `(0 + a) + b` in some
    /// order of its two segments `a`, `b`, which is the adder's sum (floating-point addition
    /// commutes). Memory: the output and one segment per thread.
    pub fn inverse_with<S, I, F>(&self, frames: usize, len: usize, init: I, fill: F) -> Vec<f64>
    where
        I: Fn() -> S + Sync,
        F: Fn(&mut S, usize, &mut [Complex64]) + Sync,
    {
        let mut y = crate::memory::zeroed_vec(len);
        self.overlap_add_into(frames, &mut y, init, fill);
        y
    }

    /// [`Stft::inverse_with`] into a caller's buffer of the output's length (overwritten): for
    /// callers that synthesise many times (sweeps), without a signal-sized allocation each time.
    pub fn inverse_with_into<S, I, F>(&self, frames: usize, out: &mut [f64], init: I, fill: F)
    where
        I: Fn() -> S + Sync,
        F: Fn(&mut S, usize, &mut [Complex64]) + Sync,
    {
        self.overlap_add_into(frames, out, init, fill);
    }

    /// The body of [`Stft::inverse_with`], into `y` (overwritten).
    ///
    /// The even-numbered blocks write every sample of their pieces (`0.0 + a`, or 0.0 where no
    /// frame reaches), so no sample is read before it is written: a page of fresh zeroed
    /// memory read first would be mapped to the kernel's shared zero page and copied on the
    /// first write, with a TLB flush on every core.
    fn overlap_add_into<S, I, F>(&self, frames: usize, y: &mut [f64], init: I, fill: F)
    where
        I: Fn() -> S + Sync,
        F: Fn(&mut S, usize, &mut [Complex64]) + Sync,
    {
        let (n_fft, hop, pad, len) = (self.cfg.n_fft, self.cfg.hop, self.cfg.pad, y.len());
        let span = OLA_BLOCK * hop;
        let blocks = frames.div_ceil(OLA_BLOCK);
        if n_fft - hop > span {
            // Blocks in batches of OLA_BATCH, so that only one batch's segments are held at
            // once; the adder sums the segments in block order whatever the batching.
            let mut adder = OverlapAdder::new(self, len);
            adder.reserve_all();
            for first in (0..blocks).step_by(OLA_BATCH) {
                let batch = first..(first + OLA_BATCH).min(blocks);
                adder.add(&self.overlap_add_blocks(batch, frames, &init, &fill));
            }
            y.copy_from_slice(&adder.take_until(usize::MAX));
            return;
        }
        for parity in 0..2 {
            // Block b may write padded indices [b·span, (b + 2)·span), which the other blocks
            // of its parity do not reach: hand each its piece of the output.
            let mut pieces = Vec::with_capacity(blocks / 2 + 1);
            let (mut rest, mut at) = (&mut *y, pad);
            for b in (parity..blocks).step_by(2) {
                let lo = (b * span).clamp(at, pad + len);
                let hi = ((b + 2) * span).clamp(lo, pad + len);
                let (_, tail) = std::mem::take(&mut rest).split_at_mut(lo - at);
                let (piece, tail) = tail.split_at_mut(hi - lo);
                (rest, at) = (tail, hi);
                pieces.push((b, lo, piece));
            }
            if parity == 0 {
                // Past the last even piece (when the last block is odd).
                rest.par_chunks_mut(DIVIDE_CHUNK).for_each(|c| c.fill(0.0));
            }
            // A few groups of consecutive pieces per thread, each with its own state and
            // buffers made once (not once per rayon split: the segment buffer is large).
            let group = pieces
                .len()
                .div_ceil(4 * rayon::current_num_threads())
                .max(1);
            pieces.par_chunks_mut(group).for_each(|group| {
                let (mut state, mut buffers) = (init(), self.synthesis_buffers());
                let mut num = Vec::with_capacity(span + n_fft);
                for (b, lo, piece) in group.iter_mut() {
                    let start = self.overlap_add_block(
                        *b,
                        frames,
                        &mut state,
                        &mut buffers,
                        &mut num,
                        &fill,
                    );
                    let from = start.max(*lo).min(*lo + piece.len());
                    let to = (start + num.len()).clamp(from, *lo + piece.len());
                    let (before, rest) = piece.split_at_mut(from - *lo);
                    let (covered, after) = rest.split_at_mut(to - from);
                    let segment = &num[from.max(start) - start..][..covered.len()];
                    if parity == 0 {
                        before.fill(0.0);
                        after.fill(0.0);
                        for (y, n) in covered.iter_mut().zip(segment) {
                            *y = 0.0 + n;
                        }
                    } else {
                        for (y, n) in covered.iter_mut().zip(segment) {
                            *y += n;
                        }
                    }
                }
            });
        }
        let den = WindowSums::new(self, len);
        y.par_chunks_mut(DIVIDE_CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| den.divide(pad + c * DIVIDE_CHUNK, chunk));
    }

    /// The overlap-added segments of the blocks `blocks` of [`OLA_BLOCK`] frames (block `b`
    /// holds frames `b·OLA_BLOCK ..` up to `frames`), blocks in parallel: each block sums the
    /// synthesis-windowed inverse FFTs of its frames in frame order into its own
    /// [`OverlapSegment`]. `fill(state, t, frame)`
    /// writes frame `t` (absolute index) as in [`Stft::inverse_with`]. Memory: one segment per
    /// block, not one per frame.
    pub fn overlap_add_blocks<S, I, F>(
        &self,
        blocks: std::ops::Range<usize>,
        frames: usize,
        init: I,
        fill: F,
    ) -> Vec<OverlapSegment>
    where
        I: Fn() -> S + Sync,
        F: Fn(&mut S, usize, &mut [Complex64]) + Sync,
    {
        blocks
            .into_par_iter()
            .map_init(
                || (init(), self.synthesis_buffers()),
                |(state, buffers), block| {
                    let mut num = Vec::new();
                    let start =
                        self.overlap_add_block(block, frames, state, buffers, &mut num, &fill);
                    OverlapSegment { start, num }
                },
            )
            .collect()
    }

    /// One thread's buffers for [`Stft::overlap_add_block`].
    fn synthesis_buffers(&self) -> SynthesisBuffers {
        SynthesisBuffers {
            spectrum: self.backward.make_input_vec(),
            frame: self.backward.make_output_vec(),
            scratch: self.backward.make_scratch_vec(),
        }
    }

    /// Block `block`'s synthesis-windowed inverse FFTs summed in frame order from 0.0 into
    /// `num` (resized to the block's span), returning the padded index of `num[0]`:
    /// `num[i] = Σ_t s[j − t·hop] · irfft(X[t])[j − t·hop] / n_fft` at `j = start + i`.
    fn overlap_add_block<S, F>(
        &self,
        block: usize,
        frames: usize,
        state: &mut S,
        buffers: &mut SynthesisBuffers,
        num: &mut Vec<f64>,
        fill: &F,
    ) -> usize
    where
        F: Fn(&mut S, usize, &mut [Complex64]),
    {
        let (n_fft, hop) = (self.cfg.n_fft, self.cfg.hop);
        let t0 = block * OLA_BLOCK;
        let t1 = (t0 + OLA_BLOCK).min(frames);
        let start = t0 * hop;
        num.clear();
        num.resize((t1 - 1 - t0) * hop + n_fft, 0.0);
        let scale = 1.0 / n_fft as f64;
        let SynthesisBuffers {
            spectrum,
            frame,
            scratch,
        } = buffers;
        for t in t0..t1 {
            fill(state, t, spectrum);
            // A real signal's DC and Nyquist bins are real; drop any imaginary rounding an
            // approximation may have introduced (realfft insists).
            spectrum[0].im = 0.0;
            if n_fft % 2 == 0 {
                spectrum[n_fft / 2].im = 0.0;
            }
            self.backward
                .process_with_scratch(spectrum, frame, scratch)
                .expect("buffer sizes come from the plan");
            let off = t * hop - start;
            for ((o, f), s) in num[off..off + n_fft]
                .iter_mut()
                .zip(frame.iter())
                .zip(&self.synthesis)
            {
                *o += f * s * scale;
            }
        }
        start
    }
}

/// One thread's buffers for the inverse FFTs of [`Stft::overlap_add_block`].
struct SynthesisBuffers {
    spectrum: Vec<Complex64>,
    frame: Vec<f64>,
    scratch: Vec<Complex64>,
}

/// Interleaved partial sums of [`Stft::padded_frame_l1`] (two AVX registers of `f64`).
const L1_LANES: usize = 8;

/// Frames per block of the overlap-add ([`Stft::overlap_add_blocks`]): the unit of parallel
/// work, and so of the order in which overlapping frames are summed.
pub const OLA_BLOCK: usize = 64;
/// Blocks whose segments [`Stft::inverse_with`] holds at once (about 9 MB at n_fft 2048, hop
/// 512): enough parallel work per batch, a fraction of a long signal's size.
const OLA_BATCH: usize = 16;

/// The overlap-added frames of one block on the padded time axis, at padded index
/// `j = start + i`:
///
/// ```text
/// num[i] = Σ_t s[j − t·hop] · irfft(X[t])[j − t·hop]
/// ```
///
/// over the block's frames `t`.
#[derive(Clone, Debug)]
pub struct OverlapSegment {
    /// Padded index of `num[0]`.
    pub start: usize,
    /// Overlap-added synthesis-windowed frames.
    pub num: Vec<f64>,
}

/// Sums [`OverlapSegment`]s (in the order given) and hands out the inverse STFT's samples
/// `y[l] = num[l + pad] / den[l + pad]` (0 where the denominator is not positive) from the
/// front, as soon as no later segment can reach them: [`Stft::inverse_with`] whole, or a
/// streaming inverse piece by piece with the same sums in the same order.
///
/// The denominator `den[j] = Σ_t a[j − t·hop] · s[j − t·hop]` (frames t covering padded index
/// j) does not depend on the data, so it is not carried by the segments: it is computed as the
/// output is handed out.
pub struct OverlapAdder {
    pad: usize,
    len: usize,
    /// Padded index of `num[0]`: everything before it was handed out.
    origin: usize,
    num: Vec<f64>,
    den: WindowSums,
}

impl OverlapAdder {
    /// An adder for an output of `len` samples of `stft`'s inverse.
    pub fn new(stft: &Stft, len: usize) -> Self {
        let pad = stft.cfg.pad;
        OverlapAdder {
            pad,
            len,
            origin: pad,
            num: Vec::new(),
            den: WindowSums::new(stft, len),
        }
    }

    /// Allocate the whole output at once, before any segment is added (for an adder given every
    /// segment before any output is taken: no reallocation as the segments arrive; the buffer
    /// comes from [`crate::memory::zeroed_vec`]).
    pub fn reserve_all(&mut self) {
        debug_assert!(self.num.is_empty() && self.origin == self.pad);
        self.num = crate::memory::zeroed_vec(self.len);
    }

    /// Add `segments` in the order given, each cropped to the output (padded indices
    /// `pad .. pad + len`) and to what has not been handed out. The output is split into
    /// chunks added in parallel; each sample still receives its segments' values in the order
    /// given, so the sums do not depend on the thread count.
    pub fn add(&mut self, segments: &[OverlapSegment]) {
        let (origin, end) = (self.origin, self.pad + self.len);
        let crop = |s: &OverlapSegment| (s.start.max(origin), (s.start + s.num.len()).min(end));
        let (lo, hi) = segments
            .iter()
            .map(crop)
            .filter(|(lo, hi)| lo < hi)
            .fold((usize::MAX, 0), |(a, b), (lo, hi)| (a.min(lo), b.max(hi)));
        if lo >= hi {
            return;
        }
        if self.num.len() < hi - origin {
            self.num.resize(hi - origin, 0.0);
        }
        self.num[lo - origin..hi - origin]
            .par_chunks_mut(ADD_CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                let first = lo + c * ADD_CHUNK;
                let last = first + chunk.len();
                for s in segments {
                    let (from, to) = crop(s);
                    let (from, to) = (from.max(first), to.min(last));
                    if from >= to {
                        continue;
                    }
                    for (y, n) in chunk[from - first..to - first]
                        .iter_mut()
                        .zip(&s.num[from - s.start..to - s.start])
                    {
                        *y += n;
                    }
                }
            });
    }

    /// The output samples before padded index `until` (capped at the output's end) not handed
    /// out yet; the caller guarantees that no segment still to come reaches them.
    pub fn take_until(&mut self, until: usize) -> Vec<f64> {
        let end = until.min(self.pad + self.len);
        let n = end.saturating_sub(self.origin);
        if self.num.len() < n {
            self.num.resize(n, 0.0);
        }
        // The output reuses the numerator's buffer (no second signal-sized buffer).
        let rest = self.num.split_off(n);
        let mut y = std::mem::replace(&mut self.num, rest);
        let (origin, den) = (self.origin, &self.den);
        y.par_chunks_mut(DIVIDE_CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| den.divide(origin + c * DIVIDE_CHUNK, chunk));
        self.origin += n;
        y
    }

    /// Output samples handed out so far.
    pub fn taken(&self) -> usize {
        self.origin - self.pad
    }
}

/// Samples [`OverlapAdder::add`] sums per parallel task.
const ADD_CHUNK: usize = 1 << 14;

/// Samples [`OverlapAdder::take_until`] divides per parallel task.
const DIVIDE_CHUNK: usize = 1 << 16;

/// The overlap-added window products `den[j] = Σ_t a[j − t·hop] · s[j − t·hop]` of an inverse
/// STFT, computed per padded index j with the rounding the segments' sums would give: the
/// frames t covering j are added in frame order within each block of [`OLA_BLOCK`] frames
/// from 0.0, and the blocks' partial sums in block order from 0.0 — as
/// [`Stft::overlap_add_blocks`] and [`OverlapAdder::add`] sum the numerator.
///
/// Away from the signal's ends the sum is periodic: moving j by `OLA_BLOCK · hop` moves every
/// covering frame by `OLA_BLOCK`, which keeps both the products and the block boundaries. So
/// one period is summed once into a table, and only the ends are summed per sample.
struct WindowSums {
    n_fft: usize,
    hop: usize,
    frames: usize,
    /// a[i] · s[i], i < n_fft.
    products: Vec<f64>,
    /// `den[j]` for the interior j (`n_fft − 1 ≤ j < frames · hop`, where no frame is
    /// missing at either end), indexed by `j mod (OLA_BLOCK · hop)`; empty when the signal is
    /// too short for the table to pay.
    period: Vec<f64>,
}

/// Periods of the interior a signal must span before [`WindowSums`] tabulates one.
const PERIODS_FOR_TABLE: usize = 4;

impl WindowSums {
    fn new(stft: &Stft, len: usize) -> Self {
        let mut sums = WindowSums {
            n_fft: stft.cfg.n_fft,
            hop: stft.cfg.hop,
            frames: stft.frame_count(len),
            products: stft
                .analysis
                .iter()
                .zip(&stft.synthesis)
                .map(|(a, s)| a * s)
                .collect(),
            period: Vec::new(),
        };
        let period = OLA_BLOCK * sums.hop;
        let interior = (sums.frames * sums.hop).saturating_sub(sums.n_fft - 1);
        if interior >= PERIODS_FOR_TABLE * period {
            // The first whole period inside the interior, rotated so that entry r is j ≡ r.
            let first = (sums.n_fft - 1).div_ceil(period) * period;
            sums.period = (first..first + period).map(|j| sums.sum_at(j)).collect();
        }
        sums
    }

    /// `den[j]` summed frame by frame: the frames covering j run from
    /// `lo = ⌈(j + 1 − n_fft)/hop⌉` (at least 0) to `⌊j/hop⌋` (at most the last frame).
    fn sum_at(&self, j: usize) -> f64 {
        let lo = (j + 1).saturating_sub(self.n_fft).div_ceil(self.hop);
        let hi = (j / self.hop).min(self.frames - 1);
        let (mut den, mut part) = (0.0, 0.0);
        for t in lo..=hi {
            if t % OLA_BLOCK == 0 && t != lo {
                den += part;
                part = 0.0;
            }
            part += self.products[j - t * self.hop];
        }
        den + part
    }

    /// `y[i] ← y[i] / den[first + i]`, or 0 where the denominator is not positive.
    fn divide(&self, first: usize, y: &mut [f64]) {
        if self.frames == 0 {
            y.fill(0.0);
            return;
        }
        let end = first + y.len();
        let (lo, hi) = if self.period.is_empty() {
            (end, end)
        } else {
            let lo = (self.n_fft - 1).clamp(first, end);
            (lo, (self.frames * self.hop).clamp(lo, end))
        };
        let (head, rest) = y.split_at_mut(lo - first);
        let (interior, tail) = rest.split_at_mut(hi - lo);
        for (j, v) in (first..).zip(head) {
            *v = quotient(*v, self.sum_at(j));
        }
        // The table from entry lo mod period on, round and round.
        let p = self.period.len().max(1);
        let (wrapped, from_lo) = self.period.split_at(lo % p);
        for (v, den) in interior
            .iter_mut()
            .zip(from_lo.iter().chain(wrapped).cycle())
        {
            *v = quotient(*v, *den);
        }
        for (j, v) in (hi..).zip(tail) {
            *v = quotient(*v, self.sum_at(j));
        }
    }
}

/// `num / den` where the overlap-added window products are positive, else 0 (a gap between
/// windows).
#[inline]
fn quotient(num: f64, den: f64) -> f64 {
    if den > f64::MIN_POSITIVE {
        num / den
    } else {
        0.0
    }
}

/// The zero-padded signal of an STFT arriving in pieces, framed as it arrives: frame `t` is
/// `p[t·hop .. t·hop + n_fft]` of the padded signal (module documentation), ready as soon as
/// its last sample has arrived, for [`Stft::forward_padded_frame`]. Holds only the samples of
/// frames not yet released.
pub struct StreamFrames {
    n_fft: usize,
    hop: usize,
    len: usize,
    frames: usize,
    /// The padded signal from padded index `start`.
    buf: Vec<f64>,
    start: usize,
    /// Signal samples pushed so far.
    pushed: usize,
}

impl StreamFrames {
    /// Frames of a signal of `len ≥ 1` samples under `stft` (zero padding only: reflection
    /// needs samples that have not arrived; error parameter `pad`).
    pub fn new(stft: &Stft, len: usize) -> Result<Self> {
        let cfg = stft.config();
        if cfg.pad_mode != PadMode::Zero {
            return Err(Error::param(
                "pad",
                "a streamed STFT pads with zeros (reflection needs the whole signal)",
            ));
        }
        if len == 0 {
            return Err(Error::param("signal", "is empty"));
        }
        let mut frames = StreamFrames {
            n_fft: cfg.n_fft,
            hop: cfg.hop,
            len,
            frames: cfg.frame_count(len),
            buf: vec![0.0; cfg.pad],
            start: 0,
            pushed: 0,
        };
        frames.buf.reserve(cfg.n_fft);
        Ok(frames)
    }

    /// Frames of the whole signal ([`StftConfig::frame_count`]).
    pub fn frame_count(&self) -> usize {
        self.frames
    }

    /// Append the next samples of the signal (the samples beyond `len` are an error,
    /// parameter `signal`); the trailing padding follows the last one.
    pub fn push(&mut self, x: &[f64]) -> Result<()> {
        if self.pushed + x.len() > self.len {
            return Err(Error::param(
                "signal",
                format!("more than the {} samples announced", self.len),
            ));
        }
        self.buf.extend_from_slice(x);
        self.pushed += x.len();
        if self.pushed == self.len {
            let end = (self.frames - 1) * self.hop + self.n_fft;
            let have = self.start + self.buf.len();
            self.buf
                .resize(self.buf.len() + end.saturating_sub(have), 0.0);
        }
        Ok(())
    }

    /// Frames `0..ready()` have all their samples (those released are gone).
    pub fn ready(&self) -> usize {
        let end = self.start + self.buf.len();
        if end < self.n_fft {
            return 0;
        }
        (1 + (end - self.n_fft) / self.hop).min(self.frames)
    }

    /// Blocks of `block` frames whose frames are all ready: `ready() / block`, and every block
    /// (the last one partial) once the whole signal has arrived.
    pub fn ready_blocks(&self, block: usize) -> usize {
        let ready = self.ready();
        if ready == self.frames {
            self.frames.div_ceil(block)
        } else {
            ready / block
        }
    }

    /// The padded samples of frame `t` (ready, not released).
    ///
    /// # Panics
    /// If frame `t` is released or not ready.
    pub fn frame(&self, t: usize) -> &[f64] {
        let at = t * self.hop - self.start;
        &self.buf[at..at + self.n_fft]
    }

    /// Drop the samples only frames before `t` use.
    pub fn release(&mut self, t: usize) {
        let keep_from = (t * self.hop).min(self.start + self.buf.len());
        if keep_from > self.start {
            self.buf.drain(..keep_from - self.start);
            self.start = keep_from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::window::WindowKind;

    /// The tabulated interior of [`WindowSums::divide`] gives, bit for bit, the per-sample sum
    /// in frame and block order, for chunks starting anywhere (a rotation off by one sample
    /// would move the window products by one place).
    #[test]
    fn tabulated_window_sums_equal_the_per_sample_sums() {
        for (n_fft, hop, win, kind) in [
            (2048, 512, 2048, WindowKind::Hann),
            (256, 100, 200, WindowKind::Hamming),
            (64, 64, 64, WindowKind::Hann),
            (30, 7, 25, WindowKind::BlackmanHarris),
        ] {
            let cfg = StftConfig::centered(n_fft, hop, win, kind, PadMode::Zero).unwrap();
            let stft = Stft::new(cfg).unwrap();
            let len = 7 * OLA_BLOCK * hop + 123;
            let sums = WindowSums::new(&stft, len);
            assert!(
                !sums.period.is_empty(),
                "n_fft {n_fft}, hop {hop}: no table"
            );
            let padded = len + 2 * stft.cfg.pad;
            let num: Vec<f64> = (0..padded).map(|j| (j as f64 * 0.37).sin()).collect();
            let expected: Vec<f64> = (0..padded)
                .map(|j| quotient(num[j], sums.sum_at(j)))
                .collect();
            for chunk in [padded, 4096, 997, 1] {
                let mut y = num.clone();
                for (c, part) in y.chunks_mut(chunk).enumerate() {
                    sums.divide(c * chunk, part);
                }
                let same = y
                    .iter()
                    .zip(&expected)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "n_fft {n_fft}, hop {hop}, chunks of {chunk}");
            }
        }
    }

    /// [`Stft::inverse_with`] and [`Stft::inverse_with_into`] (blocks added in place, even then
    /// odd, or the adder when segments reach further) equal the segments of [`Stft::overlap_add_blocks`] summed in block order
    /// by an [`OverlapAdder`], bit for bit, with frames that are not a real signal's STFT.
    #[test]
    fn inverse_in_place_equals_the_adder_sum() {
        for (n_fft, hop, pad_mode, len) in [
            (2048, 512, PadMode::Zero, 200_000),
            (256, 32, PadMode::Reflect, 50_001),
            (256, 2, PadMode::Zero, 9_000),
            (30, 7, PadMode::Zero, 3),
        ] {
            let cfg = StftConfig::centered(n_fft, hop, n_fft, WindowKind::Hann, pad_mode).unwrap();
            let stft = Stft::new(cfg).unwrap();
            let (frames, bins) = (stft.frame_count(len), stft.bins());
            let value = |t: usize, k: usize| {
                let a = (t * 31 + k * 7) as f64;
                Complex64::new((a * 0.013).sin(), (a * 0.029).cos())
            };
            let fill = |_: &mut (), t: usize, frame: &mut [Complex64]| {
                for (k, f) in frame.iter_mut().enumerate() {
                    *f = value(t, k);
                }
            };
            let mut adder = OverlapAdder::new(&stft, len);
            adder.add(&stft.overlap_add_blocks(0..frames.div_ceil(OLA_BLOCK), frames, || (), fill));
            let expected = adder.take_until(usize::MAX);
            let y = stft.inverse_with(frames, len, || (), fill);
            assert_eq!(y.len(), len);
            let same = y
                .iter()
                .zip(&expected)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(
                same,
                "n_fft {n_fft}, hop {hop}, {len} samples ({bins} bins)"
            );
            // Into a buffer of garbage: every sample is written.
            let mut z = vec![f64::NAN; len];
            stft.inverse_with_into(frames, &mut z, || (), fill);
            let same = z
                .iter()
                .zip(&expected)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "into: n_fft {n_fft}, hop {hop}, {len} samples");
        }
    }
}
