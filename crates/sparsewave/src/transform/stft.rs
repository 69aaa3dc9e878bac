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

    /// buf[n] = p[start + n] · a[n]: a plain slice copy for frames inside the signal, the
    /// padding rule only for frames that overlap the ends.
    fn fill_frame(&self, x: &[f64], start: usize, buf: &mut [f64]) {
        let pad = self.cfg.pad;
        let inside = start >= pad && start - pad + buf.len() <= x.len();
        if inside {
            let src = &x[start - pad..start - pad + buf.len()];
            for ((b, v), w) in buf.iter_mut().zip(src).zip(&self.analysis) {
                *b = v * w;
            }
        } else {
            for (n, b) in buf.iter_mut().enumerate() {
                *b = self.padded_sample(x, start + n) * self.analysis[n];
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
        self.fill_frame(x, t * self.cfg.hop, &mut scratch.frame);
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
        let mut data = vec![Complex64::default(); frames.len() * bins];
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
    pub fn inverse_with<S, I, F>(&self, frames: usize, len: usize, init: I, fill: F) -> Vec<f64>
    where
        I: Fn() -> S + Sync,
        F: Fn(&mut S, usize, &mut [Complex64]) + Sync,
    {
        let (n_fft, hop, pad) = (self.cfg.n_fft, self.cfg.hop, self.cfg.pad);
        if frames == 0 {
            return vec![0.0; len];
        }
        // Frames are overlap-added in parallel blocks of BLOCK, each into a local segment of the
        // padded time axis (numerator Σ frame·synthesis/n_fft and denominator Σ analysis·
        // synthesis). Block b's segment is [b·BLOCK·hop, end(b)); the samples no earlier block
        // reaches, [end(b − 1), end(b)), are written straight into the result (they tile it),
        // and the head [b·BLOCK·hop, end(b − 1)), shared with earlier blocks, is added
        // afterwards in block order. So every sample is (((n_b₁ + n_b₂) + …) over the blocks
        // covering it in order — the same sums whatever the thread count — and the memory is
        // the result's numerator and denominator, the heads (n_fft − hop per block) and one
        // segment per worker.
        const BLOCK: usize = 64;
        let blocks = frames.div_ceil(BLOCK);
        let end = |b: usize| (((b + 1) * BLOCK).min(frames) - 1) * hop + n_fft;
        let total = end(blocks - 1);
        let mut num = vec![0.0; total];
        let mut den = vec![0.0; total];
        let (num_first, num_rest) = num.split_at_mut(end(0));
        let (den_first, den_rest) = den.split_at_mut(end(0));
        let regions: Vec<(usize, &mut [f64], &mut [f64])> = std::iter::once((num_first, den_first))
            .chain(
                num_rest
                    .chunks_mut(BLOCK * hop)
                    .zip(den_rest.chunks_mut(BLOCK * hop)),
            )
            .enumerate()
            .map(|(b, (n, d))| (b, n, d))
            .collect();
        let heads: Vec<(Vec<f64>, Vec<f64>)> = regions
            .into_par_iter()
            .map_init(
                || {
                    (
                        init(),
                        self.backward.make_input_vec(),
                        self.backward.make_output_vec(),
                        self.backward.make_scratch_vec(),
                        Vec::new(),
                        Vec::new(),
                    )
                },
                |(state, buf, frame, scratch, seg_num, seg_den),
                 (block, num_region, den_region)| {
                    let t0 = block * BLOCK;
                    let t1 = (t0 + BLOCK).min(frames);
                    let seg_start = t0 * hop;
                    let seg_len = (t1 - 1 - t0) * hop + n_fft;
                    seg_num.clear();
                    seg_num.resize(seg_len, 0.0);
                    seg_den.clear();
                    seg_den.resize(seg_len, 0.0);
                    let scale = 1.0 / n_fft as f64;
                    for t in t0..t1 {
                        fill(state, t, buf);
                        // A real signal's DC and Nyquist bins are real; drop any imaginary
                        // rounding an approximation may have introduced (realfft insists).
                        buf[0].im = 0.0;
                        if n_fft % 2 == 0 {
                            buf[n_fft / 2].im = 0.0;
                        }
                        self.backward
                            .process_with_scratch(buf, frame, scratch)
                            .expect("buffer sizes come from the plan");
                        let off = t * hop - seg_start;
                        let nseg = &mut seg_num[off..off + n_fft];
                        let dseg = &mut seg_den[off..off + n_fft];
                        for (((o, d), f), (a, s)) in nseg
                            .iter_mut()
                            .zip(dseg.iter_mut())
                            .zip(frame.iter())
                            .zip(self.analysis.iter().zip(&self.synthesis))
                        {
                            *o += f * s * scale;
                            *d += a * s;
                        }
                    }
                    let head = if block == 0 {
                        0
                    } else {
                        end(block - 1) - seg_start
                    };
                    num_region.copy_from_slice(&seg_num[head..]);
                    den_region.copy_from_slice(&seg_den[head..]);
                    (seg_num[..head].to_vec(), seg_den[..head].to_vec())
                },
            )
            .collect();
        for (block, (head_num, head_den)) in heads.iter().enumerate().skip(1) {
            let start = block * BLOCK * hop;
            for (y, h) in num[start..].iter_mut().zip(head_num) {
                *y += h;
            }
            for (w, h) in den[start..].iter_mut().zip(head_den) {
                *w += h;
            }
        }
        drop(heads);
        // Normalise, and crop the padding: padded index i is output index i − pad.
        for (v, w) in num.iter_mut().zip(&den) {
            *v = if *w > f64::MIN_POSITIVE { *v / w } else { 0.0 };
        }
        drop(den);
        num.drain(..pad.min(total));
        num.resize(len, 0.0);
        num
    }
}
