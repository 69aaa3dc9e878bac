//! Every quality metric, one definition each.
//!
//! With reference x (length n) and estimate y:
//!
//! | metric | definition |
//! | --- | --- |
//! | relative error (%) | 100 ‖x − y‖² / ‖x‖² |
//! | SNR (dB) | 10 log10(‖x‖² / ‖x − y‖²) (power dB; the WSVD paper prints the same without squares, i.e. half) |
//! | segmental SNR (dB) | mean over 20 ms frames of the frame SNR clipped to [−10, 35] dB |
//! | RMSE, MAE, max | sqrt(mean (x − y)²), mean \|x − y\|, max \|x − y\| |
//! | NCC | ⟨x, y⟩ / (‖x‖ ‖y‖) |
//! | NRR (dB) | 10 log10(var(noisy) / var(denoised)) (reference-free) |
//! | LSD (dB) | mean over frames of sqrt(mean over bins (10 log10 (P_x + ε)/(P_y + ε))²), P = \|STFT\|² |
//! | spectral SNR (dB) | 10 log10(‖A‖² / ‖\|STFT(y)\| − A‖²), A = \|STFT(x)\| |
//!
//! Spectral metrics use the STFT [`metric_stft`] (n_fft 2048, hop 512, periodic Hann, centred,
//! zero padding: librosa's defaults); ε = 10⁻¹⁰ · max P_x, a floor 100 dB under the reference's
//! peak so that silent frames do not dominate. Multichannel audio is measured jointly: norms and
//! sums run over all channels, frame averages over all frames of all channels.

use crate::linalg::vector::with_avx2;
use crate::transform::stft::{FrameScratch, PadMode, Stft, StftConfig, StreamFrames};
use crate::transform::window::WindowKind;
use crate::{Error, Result};
use rayon::prelude::*;
use realfft::num_complex::Complex64;

/// Clip range of the segmental SNR, dB.
pub const SEG_SNR_RANGE: (f64, f64) = (-10.0, 35.0);
/// Frame length of the segmental SNR, seconds.
pub const SEG_SNR_FRAME_SECONDS: f64 = 0.020;

/// The report every audio-producing command gives against its reference.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// 10·log10(‖x‖² / ‖x − y‖²), dB.
    pub snr_db: f64,
    /// 100·‖x − y‖² / ‖x‖², percent.
    pub rel_error_pct: f64,
    /// sqrt(mean((x − y)²)).
    pub rmse: f64,
    /// mean(|x − y|).
    pub mae: f64,
    /// max |x − y|.
    pub max_abs_error: f64,
    /// Normalised cross-correlation ⟨x, y⟩ / (‖x‖·‖y‖).
    pub ncc: f64,
    /// Mean of per-frame SNRs clipped to [−10, 35] dB over 20 ms frames.
    pub seg_snr_db: f64,
    /// Log-spectral distance between the STFT power spectra, dB.
    pub lsd_db: f64,
    /// 10·log10(‖|X|‖² / ‖|Y| − |X|‖²) of the STFT magnitudes, dB: the SNR that ignores phase.
    pub spectral_snr_db: f64,
    /// Only when a noisy input is known (denoising).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nrr_db: Option<f64>,
}

impl Metrics {
    /// All metrics of `estimate` against `reference` (channels × samples, equal shapes).
    ///
    /// Cost: one fused pass over the samples for the time-domain metrics and two STFTs per
    /// channel, plus the reference's frames that can hold its spectral peak (which fixes the LSD
    /// floor before the LSD can be summed, found by an ℓ1 bound per frame), frames in parallel, nothing stored but one frame per worker. Partial sums are
    /// added in a fixed order, so the result does not depend on the thread count — nor on
    /// whether the signals are whole or streamed ([`ReferencePeak`], [`ChannelMetrics`]).
    pub fn compute(
        reference: &[Vec<f64>],
        estimate: &[Vec<f64>],
        sample_rate: u32,
    ) -> Result<Self> {
        check_shapes(reference, estimate)?;
        let stft = metric_stft();
        let sums: Vec<ChannelSums> = reference
            .iter()
            .zip(estimate)
            .map(|(x, y)| ChannelSums {
                time: TimeSums::of::<true>(x, y),
                spectral: SpectralSums::of(&stft, x, y),
                seg: SegmentalSnr::of(x, y, sample_rate),
            })
            .collect();
        Ok(Self::from_sums(&sums))
    }

    /// The metrics from per-channel sums, added channel after channel.
    fn from_sums(channels: &[ChannelSums]) -> Self {
        let mut time = TimeSums::default();
        let mut spectral = SpectralSums::default();
        let mut seg = SegmentalSnr::default();
        for c in channels {
            time.merge(&c.time);
            spectral.merge(&c.spectral);
            seg.merge(&c.seg);
        }
        let n = time.count as f64;
        let (energy_x, energy_e) = (time.energy_x(), time.energy_e());
        let errors = ErrorSums(time);
        let time = &errors.0;
        Metrics {
            snr_db: errors.snr_db(),
            rel_error_pct: errors.rel_error_pct(),
            rmse: (energy_e / n).sqrt(),
            mae: lane_total(&time.abs_e) / n,
            max_abs_error: time.max_e.iter().fold(0.0, |m, v| v.max(m)),
            ncc: lane_total(&time.xy) / (energy_x.sqrt() * lane_total(&time.yy).sqrt()),
            seg_snr_db: seg.mean(),
            lsd_db: spectral.lsd_sum / spectral.frames.max(1) as f64,
            spectral_snr_db: ratio_db(spectral.energy_ref, spectral.energy_err),
            nrr_db: None,
        }
    }

    /// The metrics of streamed channels ([`ChannelMetrics`], each given all its samples), equal
    /// bit for bit to [`Metrics::compute`] of the whole signals. Errors: no channel, or a
    /// channel not given all its samples (parameter `metrics`).
    pub fn from_channels(channels: Vec<ChannelMetrics>) -> Result<Self> {
        if channels.is_empty() {
            return Err(Error::param("metrics", "signals are empty"));
        }
        let sums = channels
            .into_iter()
            .map(ChannelMetrics::finish)
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::from_sums(&sums))
    }

    /// Add the reference-free noise reduction ratio of `denoised` against `noisy` (all
    /// channels, one after the other, as one signal).
    pub fn with_nrr(mut self, noisy: &[Vec<f64>], denoised: &[Vec<f64>]) -> Self {
        let of = |channels: &[Vec<f64>]| {
            streamed_variance(|visit| {
                channels.iter().for_each(|c| visit(c));
                Ok(())
            })
            .expect("pieces in memory cannot fail")
        };
        self.nrr_db = Some(nrr_from_variances(of(noisy), of(denoised)));
        self
    }
}

/// The sums of one channel.
struct ChannelSums {
    time: TimeSums,
    spectral: SpectralSums,
    seg: SegmentalSnr,
}

fn check_shapes(reference: &[Vec<f64>], estimate: &[Vec<f64>]) -> Result<()> {
    if reference.len() != estimate.len()
        || reference
            .iter()
            .zip(estimate)
            .any(|(a, b)| a.len() != b.len())
    {
        return Err(Error::param(
            "metrics",
            "reference and estimate differ in channel count or length",
        ));
    }
    if reference.iter().all(|c| c.is_empty()) {
        return Err(Error::param("metrics", "signals are empty"));
    }
    Ok(())
}

/// 10 log10(num / den), +∞ for a zero denominator.
fn ratio_db(num: f64, den: f64) -> f64 {
    10.0 * (num / den).log10()
}

/// The STFT of the spectral metrics: n_fft 2048, hop 512, periodic Hann, centred, zero padding.
pub fn metric_stft() -> Stft {
    let cfg = StftConfig::centered(2048, 512, 2048, WindowKind::Hann, PadMode::Zero)
        .expect("fixed valid configuration");
    Stft::new(cfg).expect("fixed valid configuration")
}

/// SNR (dB) = 10 log10(‖x‖² / ‖x − y‖²), summed as [`Metrics::compute`] sums it.
pub fn snr_db(x: &[f64], y: &[f64]) -> f64 {
    let t = TimeSums::of::<false>(x, y);
    ratio_db(t.energy_x(), t.energy_e())
}

/// [`snr_db`] of all channels together (channel after channel, as one signal), without copying
/// them into one buffer; equal to the `snr_db` of [`Metrics::compute`] bit for bit.
pub fn joint_snr_db(x: &[Vec<f64>], y: &[Vec<f64>]) -> f64 {
    let mut sums = ErrorSums::default();
    for (a, b) in x.iter().zip(y) {
        sums.add(a, b);
    }
    sums.snr_db()
}

/// ‖x‖² and ‖x − y‖² of a reference `x` and an estimate `y` given channel after channel,
/// summed as [`Metrics::compute`] sums them: the SNR and the relative error of the same
/// signals are its `snr_db` and `rel_error_pct`, bit for bit (a sweep's points, for one).
#[derive(Default)]
pub struct ErrorSums(TimeSums);

impl ErrorSums {
    /// Add one channel (`x`, `y` of equal lengths).
    pub fn add(&mut self, x: &[f64], y: &[f64]) {
        self.0.merge(&TimeSums::of::<false>(x, y));
    }

    /// SNR (dB) = 10 log10(‖x‖² / ‖x − y‖²).
    pub fn snr_db(&self) -> f64 {
        ratio_db(self.0.energy_x(), self.0.energy_e())
    }

    /// Relative squared error in % = 100 ‖x − y‖² / ‖x‖².
    pub fn rel_error_pct(&self) -> f64 {
        100.0 * self.0.energy_e() / self.0.energy_x()
    }
}

/// Relative squared error in % = 100 ‖x − y‖² / ‖x‖².
pub fn rel_error_pct(x: &[f64], y: &[f64]) -> f64 {
    let e: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    100.0 * e / x.iter().map(|v| v * v).sum::<f64>()
}

/// NRR (dB) = 10 log10(var(noisy) / var(denoised)).
pub fn nrr_db(noisy: &[f64], denoised: &[f64]) -> f64 {
    nrr_from_variances(variance(noisy), variance(denoised))
}

/// NRR (dB) = 10 log10(var_noisy / var_denoised) from the two variances
/// ([`streamed_variance`]).
pub fn nrr_from_variances(noisy: f64, denoised: f64) -> f64 {
    ratio_db(noisy, denoised)
}

fn variance(v: &[f64]) -> f64 {
    streamed_variance(|visit| {
        visit(v);
        Ok(())
    })
    .expect("pieces in memory cannot fail")
}

/// The population variance of a signal handed over in pieces, summed in order as one signal:
/// the mean `m = Σv / n` over one pass, then `Σ(v − m)² / n` over a second, so `pieces(visit)`
/// is called twice and must give `visit` the same pieces in the same order both times (from
/// memory, or re-read from a file). Errors are `pieces`' own.
pub fn streamed_variance(
    mut pieces: impl FnMut(&mut dyn FnMut(&[f64])) -> Result<()>,
) -> Result<f64> {
    // −0 is the identity of addition (+0 is not, for −0): the sum is `Iterator::sum`'s.
    let (mut sum, mut n) = (-0.0_f64, 0usize);
    pieces(&mut |p| {
        for v in p {
            sum += v;
        }
        n += p.len();
    })?;
    let mean = sum / n as f64;
    let mut squares = -0.0_f64;
    pieces(&mut |p| {
        for a in p {
            squares += (a - mean) * (a - mean);
        }
    })?;
    Ok(squares / n as f64)
}

/// Pointwise absolute error f_ea(t) = |x(t) − y(t)|.
pub fn pointwise_error(x: &[f64], y: &[f64]) -> Vec<f64> {
    x.iter().zip(y).map(|(a, b)| (a - b).abs()).collect()
}

/// Cumulative absolute error f_cea(t) = Σ_{s ≤ t} |x(s) − y(s)|.
pub fn cumulative_error(x: &[f64], y: &[f64]) -> Vec<f64> {
    x.iter()
        .zip(y)
        .scan(0.0, |acc, (a, b)| {
            *acc += (a - b).abs();
            Some(*acc)
        })
        .collect()
}

/// Samples per parallel task of the time-domain pass.
const TIME_CHUNK: usize = 1 << 16;

/// Bins per run of [`SpectralSums::add_frame`]'s loops (a multiple of [`LANES`]).
const LSD_RUN: usize = 64;
const _: () = assert!(LSD_RUN % LANES == 0);

/// Frames per parallel task of the spectral pass.
const FRAME_BLOCK: usize = 32;

/// Interleaved partial sums: term `i` of a sum goes to lane `i mod LANES`, and the lanes are
/// added in lane order at the end, so the sums vectorise (a single running sum waits for each
/// addition) and do not depend on how the terms arrive (a whole chunk, or streamed pieces of
/// any length). The loops run compiled for AVX2 where the CPU has it ([`with_avx2`]: no fused
/// multiply-add, the same rounding on every CPU).
const LANES: usize = 4;

/// Sums of the time-domain metrics over one or more channels, per lane ([`LANES`]); the
/// totals add the lanes in lane order.
#[derive(Default)]
struct TimeSums {
    count: usize,
    /// Σ x².
    xx: [f64; LANES],
    /// Σ y².
    yy: [f64; LANES],
    /// Σ (x − y)².
    ee: [f64; LANES],
    /// Σ x·y.
    xy: [f64; LANES],
    /// Σ |x − y|.
    abs_e: [f64; LANES],
    /// max |x − y|.
    max_e: [f64; LANES],
}

impl TimeSums {
    /// One pass over `x` and `y` (equal lengths), chunks in parallel, merged in chunk order:
    /// every sum (`ALL`), or only Σ x² and Σ (x − y)² (the same bits as with every sum: each
    /// lane of each sum is added on its own).
    fn of<const ALL: bool>(x: &[f64], y: &[f64]) -> Self {
        let chunks: Vec<TimeSums> = x
            .par_chunks(TIME_CHUNK)
            .zip(y.par_chunks(TIME_CHUNK))
            .map(|(xs, ys)| {
                let mut s = TimeSums::default();
                s.add::<ALL>(xs, ys);
                s
            })
            .collect();
        let mut total = TimeSums::default();
        for c in &chunks {
            total.merge(c);
        }
        total
    }

    /// Continue the sums (every one, or those of [`TimeSums::of`] without `ALL`) with the
    /// samples `xs`, `ys` (equal lengths), in order.
    fn add<const ALL: bool>(&mut self, mut xs: &[f64], mut ys: &[f64]) {
        // Single samples up to the next whole run of lanes, whole runs, then the rest.
        while self.count % LANES != 0 && !xs.is_empty() {
            self.add_to_lane::<ALL>(self.count % LANES, xs[0], ys[0]);
            self.count += 1;
            (xs, ys) = (&xs[1..], &ys[1..]);
        }
        let body = xs.len() - xs.len() % LANES;
        let sums = std::mem::take(self);
        *self = with_avx2(
            #[inline(always)]
            || sums.add_runs::<ALL>(&xs[..body], &ys[..body]),
        );
        for (l, (&a, &b)) in xs[body..].iter().zip(&ys[body..]).enumerate() {
            debug_assert_eq!(self.count % LANES, l);
            self.add_to_lane::<ALL>(l, a, b);
            self.count += 1;
        }
    }

    /// [`TimeSums::add`] of whole runs of [`LANES`] samples from lane 0, by value, so that the
    /// lanes stay in vector registers.
    #[inline(always)]
    fn add_runs<const ALL: bool>(mut self, xs: &[f64], ys: &[f64]) -> Self {
        for (rx, ry) in xs.chunks_exact(LANES).zip(ys.chunks_exact(LANES)) {
            for l in 0..LANES {
                self.add_to_lane::<ALL>(l, rx[l], ry[l]);
            }
        }
        self.count += xs.len();
        self
    }

    /// Add the terms of one sample pair to lane `l` (the caller counts the sample).
    #[inline(always)]
    fn add_to_lane<const ALL: bool>(&mut self, l: usize, a: f64, b: f64) {
        let e = a - b;
        self.xx[l] += a * a;
        self.ee[l] += e * e;
        if ALL {
            self.yy[l] += b * b;
            self.xy[l] += a * b;
            self.abs_e[l] += e.abs();
            self.max_e[l] = larger(self.max_e[l], e.abs());
        }
    }

    /// Lane by lane.
    fn merge(&mut self, o: &TimeSums) {
        self.count += o.count;
        for l in 0..LANES {
            self.xx[l] += o.xx[l];
            self.yy[l] += o.yy[l];
            self.ee[l] += o.ee[l];
            self.xy[l] += o.xy[l];
            self.abs_e[l] += o.abs_e[l];
            self.max_e[l] = self.max_e[l].max(o.max_e[l]);
        }
    }

    /// Σ x².
    fn energy_x(&self) -> f64 {
        lane_total(&self.xx)
    }

    /// Σ (x − y)².
    fn energy_e(&self) -> f64 {
        lane_total(&self.ee)
    }
}

/// max(a, b) of numbers that are not NaN, as one vector instruction (`f64::max` also orders
/// NaN, which costs a blend per lane).
#[inline(always)]
fn larger(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// The lanes' sum, in lane order.
fn lane_total(lanes: &[f64; LANES]) -> f64 {
    lanes.iter().fold(0.0, |s, v| s + v)
}

/// Sums of the spectral metrics over one or more channels.
#[derive(Default)]
struct SpectralSums {
    /// Σ |X|².
    energy_ref: f64,
    /// Σ (|Y| − |X|)².
    energy_err: f64,
    /// Σ over frames of the frame's LSD.
    lsd_sum: f64,
    frames: usize,
}

impl SpectralSums {
    /// The spectral sums of one channel. Two passes over the frames: max |X|² first (the LSD
    /// floor ε = 10⁻¹⁰ · max |X|² must be known before any frame's LSD), then X and Y together.
    fn of(stft: &Stft, x: &[f64], y: &[f64]) -> Self {
        if x.is_empty() {
            return SpectralSums::default();
        }
        let frames = stft.frame_count(x.len());
        let peak = spectral_peak(
            stft,
            0..frames,
            0.0,
            |t| stft.frame_l1(x, t),
            |t, scratch, out| stft.forward_frame(x, t, scratch, out),
        );
        let mut total = SpectralSums::default();
        for p in &spectral_blocks(
            stft,
            0..frames.div_ceil(FRAME_BLOCK),
            frames,
            peak,
            |t, scratch, fx, fy| {
                stft.forward_frame(x, t, scratch, fx);
                stft.forward_frame(y, t, scratch, fy);
            },
        ) {
            total.merge(p);
        }
        total
    }

    /// Add one frame's `|X|²` and `|Y|²` terms (`fx`, `fy`: the frame's bins) with the LSD floor
    /// `eps`. Each of the frame's three sums runs in [`LANES`] lanes over the bins.
    fn add_frame(&mut self, fx: &[Complex64], fy: &[Complex64], eps: f64) {
        // (10 log10 r)² = (10 / ln 10)² (ln r)².
        let db2 = (10.0 / std::f64::consts::LN_10).powi(2);
        let [energy_ref, energy_err, log2] = with_avx2(
            #[inline(always)]
            || frame_lanes(fx, fy, eps),
        );
        self.energy_ref += lane_total(&energy_ref);
        self.energy_err += lane_total(&energy_err);
        self.lsd_sum += (db2 * lane_total(&log2) / fx.len() as f64).sqrt();
        self.frames += 1;
    }

    fn merge(&mut self, o: &SpectralSums) {
        self.energy_ref += o.energy_ref;
        self.energy_err += o.energy_err;
        self.lsd_sum += o.lsd_sum;
        self.frames += o.frames;
    }
}

/// One frame's lane sums ([`LANES`]) of |X|², (|Y| − |X|)² and (ln r)², r = (|X|² + ε) / (|Y|² + ε),
/// over its bins `fx`, `fy`: per run of [`LSD_RUN`] bins, the ratios and the energies in vector
/// loops, then the `ln` calls.
#[inline(always)]
fn frame_lanes(fx: &[Complex64], fy: &[Complex64], eps: f64) -> [[f64; LANES]; 3] {
    let (mut energy_ref, mut energy_err, mut log2) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
    let mut ratios = [0.0; LSD_RUN];
    for (cx, cy) in fx.chunks(LSD_RUN).zip(fy.chunks(LSD_RUN)) {
        let ratios = &mut ratios[..cx.len()];
        for ((r, cx), cy) in ratios.iter_mut().zip(cx).zip(cy) {
            *r = (cx.norm_sqr() + eps) / (cy.norm_sqr() + eps);
        }
        // LSD_RUN is a multiple of LANES: the bins of a run start at lane 0, and only the
        // frame's last run has a rest.
        let mut runs = cx.chunks_exact(LANES).zip(cy.chunks_exact(LANES));
        for (rx, ry) in &mut runs {
            for l in 0..LANES {
                let (p2, q2) = (rx[l].norm_sqr(), ry[l].norm_sqr());
                let d = p2.sqrt() - q2.sqrt();
                energy_ref[l] += p2;
                energy_err[l] += d * d;
            }
        }
        let body = cx.len() - cx.len() % LANES;
        for (l, (cx, cy)) in cx[body..].iter().zip(&cy[body..]).enumerate() {
            let (p2, q2) = (cx.norm_sqr(), cy.norm_sqr());
            let d = p2.sqrt() - q2.sqrt();
            energy_ref[l] += p2;
            energy_err[l] += d * d;
        }
        // A ratio is normal unless the floor underflows (an all-zero reference): then the
        // run takes `f64::ln`, which also gives −∞ for 0.
        let normal = ratios.iter().fold(true, |all, r| {
            all & (f64::MIN_POSITIVE..=f64::MAX).contains(r)
        });
        let ln = |r: f64| if normal { ln_normal(r) } else { r.ln() };
        let mut runs = ratios.chunks_exact(LANES);
        for r in &mut runs {
            for l in 0..LANES {
                let v = ln(r[l]);
                log2[l] += v * v;
            }
        }
        for (l, &r) in runs.remainder().iter().enumerate() {
            let v = ln(r);
            log2[l] += v * v;
        }
    }
    [energy_ref, energy_err, log2]
}

/// ln x of a normal, finite x > 0, within one unit in the last place, in operations that
/// vectorize (no table, no call; `f64::ln` is a call per value, a sixth of `metrics`' wall time
/// on 60 s of audio). The method of fdlibm's `e_log.c`:
///
/// ```text
/// x = 2^k·(1 + f),  1 + f ∈ [√2/2, √2),  s = f / (2 + f)  (|s| ≤ 0.1716),
/// ln(1 + f) = 2·atanh(s) = f − f²/2 + s·(f²/2 + R(s²)),
/// R(z) = Lg1·z + Lg2·z² + … + Lg7·z⁷  (Remez, |error| < 2⁻⁵⁸·⁴⁵ on that range),
/// ln x = k·ln2_hi + (f − f²/2 + s·(f²/2 + R) + k·ln2_lo),
/// ```
///
/// `ln 2 = ln2_hi + ln2_lo` with `ln2_hi`'s last 32 bits zero, so that `k·ln2_hi` is exact.
/// Only IEEE operations, no fused multiply-add: the same bits on every CPU (`f64::ln` may
/// take an FMA variant where the CPU has one).
#[inline(always)]
fn ln_normal(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const LG1: f64 = f64::from_bits(0x3fe5_5555_5555_5593);
    const LG2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04);
    const LG3: f64 = f64::from_bits(0x3fd2_4924_9422_9359);
    const LG4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af);
    const LG5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de);
    const LG6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f);
    const LG7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244);
    // Biased high word: the exponent field counts from √2/2 instead of 1, so the exponent
    // is k + 1023 and the mantissa is brought back into [√2/2, √2).
    const SQRT_HALF_HIGH: u64 = 0x3fe6_a09e;
    let bits = x.to_bits();
    let high = (bits >> 32) + (0x3ff0_0000 - SQRT_HALF_HIGH);
    let biased_k = high >> 20;
    let m = f64::from_bits((((high & 0x000f_ffff) + SQRT_HALF_HIGH) << 32) | (bits & 0xffff_ffff));
    // k = biased_k − 1023, converted exactly through the mantissa of 2⁵² (a 64-bit integer
    // conversion has no AVX2 instruction).
    let k = f64::from_bits(0x4330_0000_0000_0000 | biased_k) - (4_503_599_627_370_496.0 + 1023.0);
    let f = m - 1.0;
    let half_f2 = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let odd = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let even = w * (LG2 + w * (LG4 + w * LG6));
    s * (half_f2 + (odd + even)) + k * LN2_LO - half_f2 + f + k * LN2_HI
}

/// max |X[t, k]|² over the frames `frames` that `frame(t, scratch, out)` transforms, and
/// `floor` (a peak already found), transforming only the frames that can hold it.
///
/// `bound(t)` ≥ max_k |X[t, k]| ([`Stft::frame_l1`]) costs one pass over the frame's samples,
/// an FFT several. Frames are visited by decreasing bound, [`PEAK_CHUNK`] at a time in
/// parallel, and the search stops at the first frame whose bound squared, raised by
/// [`PEAK_MARGIN`] (far above the rounding of the bound's sum and of the FFT), is below the
/// peak found: every frame skipped holds less, so the result is that of transforming every
/// frame, bit for bit. On the shared recordings 0.2 % (60 s orchestra) to 15 % (3 s of speech)
/// of the frames are transformed.
fn spectral_peak<B, F>(
    stft: &Stft,
    frames: std::ops::Range<usize>,
    floor: f64,
    bound: B,
    frame: F,
) -> f64
where
    B: Fn(usize) -> f64 + Sync,
    F: Fn(usize, &mut FrameScratch, &mut [Complex64]) + Sync,
{
    let bins = stft.bins();
    let mut order: Vec<(f64, usize)> = frames.into_par_iter().map(|t| (bound(t), t)).collect();
    order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let may_hold = |bound: f64, peak: f64| bound * bound * (1.0 + PEAK_MARGIN) >= peak;
    let mut peak = floor;
    for chunk in order.chunks(PEAK_CHUNK) {
        if !may_hold(chunk[0].0, peak) {
            break;
        }
        let found = chunk
            .par_iter()
            .filter(|&&(b, _)| may_hold(b, peak))
            .map_init(
                || (stft.frame_scratch(), vec![Complex64::default(); bins]),
                |(scratch, out), &(_, t)| {
                    frame(t, scratch, out);
                    out.iter().fold(0.0_f64, |m, c| m.max(c.norm_sqr()))
                },
            )
            .reduce(|| 0.0, f64::max);
        peak = peak.max(found);
    }
    peak
}

/// Frames [`spectral_peak`] transforms at once.
const PEAK_CHUNK: usize = 16;
/// Relative margin of [`spectral_peak`]'s pruning.
const PEAK_MARGIN: f64 = 1e-9;

/// The [`SpectralSums`] of the blocks `blocks` of [`FRAME_BLOCK`] frames (out of `frames`),
/// blocks in parallel, each summed in frame order, with the LSD floor of the reference's
/// `peak`; `frames_xy(t, scratch, fx, fy)` transforms frame `t` of both signals.
fn spectral_blocks<F>(
    stft: &Stft,
    blocks: std::ops::Range<usize>,
    frames: usize,
    peak: f64,
    frames_xy: F,
) -> Vec<SpectralSums>
where
    F: Fn(usize, &mut FrameScratch, &mut [Complex64], &mut [Complex64]) + Sync,
{
    let eps = (1e-10 * peak).max(f64::MIN_POSITIVE);
    let bins = stft.bins();
    blocks
        .into_par_iter()
        .map_init(
            || {
                (
                    stft.frame_scratch(),
                    vec![Complex64::default(); bins],
                    vec![Complex64::default(); bins],
                )
            },
            |(scratch, fx, fy), b| {
                let mut s = SpectralSums::default();
                for t in b * FRAME_BLOCK..((b + 1) * FRAME_BLOCK).min(frames) {
                    frames_xy(t, scratch, fx, fy);
                    s.add_frame(fx, fy, eps);
                }
                s
            },
        )
        .collect()
}

/// Accumulates clipped per-frame SNRs over channels.
#[derive(Default)]
struct SegmentalSnr {
    sum: f64,
    frames: usize,
}

impl SegmentalSnr {
    /// One channel: frames of [`seg_frame_len`] samples; a trailing partial frame counts when it
    /// is at least half a frame (and a signal shorter than one frame is one frame). Frames in
    /// parallel, summed in frame order.
    fn of(x: &[f64], y: &[f64], sample_rate: u32) -> Self {
        let frame = seg_frame_len(sample_rate);
        let snrs: Vec<f64> = x
            .par_chunks(frame)
            .zip(y.par_chunks(frame))
            .enumerate()
            .filter(|(i, (fx, _))| *i == 0 || fx.len() * 2 >= frame)
            .map(|(_, (fx, fy))| frame_snr(fx, fy))
            .collect();
        SegmentalSnr {
            sum: snrs.iter().sum::<f64>(),
            frames: snrs.len(),
        }
    }

    fn merge(&mut self, o: &SegmentalSnr) {
        self.sum += o.sum;
        self.frames += o.frames;
    }

    fn mean(&self) -> f64 {
        self.sum / self.frames.max(1) as f64
    }
}

/// Samples per frame of the segmental SNR, round(0.020 · rate) (at least 1).
fn seg_frame_len(sample_rate: u32) -> usize {
    ((SEG_SNR_FRAME_SECONDS * f64::from(sample_rate)).round() as usize).max(1)
}

/// One frame's SNR clipped to [`SEG_SNR_RANGE`] (the top of the range for an exact frame).
fn frame_snr(fx: &[f64], fy: &[f64]) -> f64 {
    let (lo, hi) = SEG_SNR_RANGE;
    // Per lane, as the time sums ([`LANES`]).
    let body = fx.len() - fx.len() % LANES;
    let (mut xx, mut ee) = with_avx2(
        #[inline(always)]
        || {
            let (mut xx, mut ee) = ([0.0; LANES], [0.0; LANES]);
            for (rx, ry) in fx[..body]
                .chunks_exact(LANES)
                .zip(fy[..body].chunks_exact(LANES))
            {
                for l in 0..LANES {
                    xx[l] += rx[l] * rx[l];
                    ee[l] += (rx[l] - ry[l]) * (rx[l] - ry[l]);
                }
            }
            (xx, ee)
        },
    );
    for (l, (a, b)) in fx[body..].iter().zip(&fy[body..]).enumerate() {
        xx[l] += a * a;
        ee[l] += (a - b) * (a - b);
    }
    let (ex, ee) = (lane_total(&xx), lane_total(&ee));
    let snr = if ee == 0.0 { hi } else { ratio_db(ex, ee) };
    snr.clamp(lo, hi)
}

/// Segmental SNR of one channel (dB).
pub fn seg_snr_db(x: &[f64], y: &[f64], sample_rate: u32) -> f64 {
    SegmentalSnr::of(x, y, sample_rate).mean()
}

/// Streamed metrics, pass one: the spectral peak max |X|² of one reference channel handed over
/// in pieces, which fixes the LSD floor of [`ChannelMetrics`] (the whole-signal
/// [`Metrics::compute`] makes the same first pass).
pub struct ReferencePeak {
    stft: Stft,
    frames: StreamFrames,
    /// Frames transformed so far.
    done: usize,
    peak: f64,
}

impl ReferencePeak {
    /// For a channel of `len ≥ 1` samples.
    pub fn new(len: usize) -> Result<Self> {
        let stft = metric_stft();
        let frames = StreamFrames::new(&stft, len)?;
        Ok(ReferencePeak {
            stft,
            frames,
            done: 0,
            peak: 0.0,
        })
    }

    /// The next samples of the reference.
    pub fn push(&mut self, x: &[f64]) -> Result<()> {
        self.frames.push(x)?;
        let ready = self.frames.ready();
        let (stft, frames) = (&self.stft, &self.frames);
        self.peak = spectral_peak(
            stft,
            self.done..ready,
            self.peak,
            |t| stft.padded_frame_l1(frames.frame(t)),
            |t, scratch, out| stft.forward_padded_frame(frames.frame(t), scratch, out),
        );
        self.done = ready;
        self.frames.release(ready);
        Ok(())
    }

    /// The peak, once every sample was pushed (an error before, parameter `metrics`).
    pub fn peak(&self) -> Result<f64> {
        if self.done < self.frames.frame_count() {
            return Err(Error::param("metrics", "the reference was not given whole"));
        }
        Ok(self.peak)
    }
}

/// Streamed metrics, pass two: the sums of one channel of reference `x` and estimate `y`
/// handed over in pieces (equal lengths each time), in the order and grouping of
/// [`Metrics::compute`] (time sums in chunks of 2¹⁶ samples, spectral sums in blocks of 32
/// frames, segmental SNR per 20 ms frame), so that [`Metrics::from_channels`] equals it bit
/// for bit. Memory: a time chunk's and an STFT frame's worth of samples, whatever the length.
/// The time-domain and the spectral sums of a piece run side by side ([`rayon::join`]).
pub struct ChannelMetrics {
    len: usize,
    pushed: usize,
    time: TimeStream,
    spectral: SpectralStream,
}

/// The time-domain sums of [`ChannelMetrics`].
struct TimeStream {
    time: TimeSums,
    /// The current chunk of the time sums.
    chunk: TimeSums,
    seg: SegmentalSnr,
    /// Samples of the current segmental-SNR frame (x, y).
    seg_frame: (Vec<f64>, Vec<f64>),
    seg_len: usize,
}

/// The spectral sums of [`ChannelMetrics`].
struct SpectralStream {
    stft: Stft,
    frames_x: StreamFrames,
    frames_y: StreamFrames,
    /// Spectral blocks summed so far.
    blocks_done: usize,
    sums: SpectralSums,
    peak: f64,
}

impl ChannelMetrics {
    /// For a channel of `len ≥ 1` samples at `sample_rate`, with the reference's spectral peak
    /// ([`ReferencePeak`]).
    pub fn new(len: usize, sample_rate: u32, peak: f64) -> Result<Self> {
        let stft = metric_stft();
        let seg_len = seg_frame_len(sample_rate);
        Ok(ChannelMetrics {
            len,
            pushed: 0,
            time: TimeStream {
                time: TimeSums::default(),
                chunk: TimeSums::default(),
                seg: SegmentalSnr {
                    sum: -0.0,
                    frames: 0,
                },
                seg_frame: (Vec::with_capacity(seg_len), Vec::with_capacity(seg_len)),
                seg_len,
            },
            spectral: SpectralStream {
                frames_x: StreamFrames::new(&stft, len)?,
                frames_y: StreamFrames::new(&stft, len)?,
                stft,
                blocks_done: 0,
                sums: SpectralSums::default(),
                peak,
            },
        })
    }

    /// The next samples of both signals (equal lengths; beyond the announced length is an
    /// error, parameter `signal`).
    pub fn push(&mut self, x: &[f64], y: &[f64]) -> Result<()> {
        if x.len() != y.len() {
            return Err(Error::param(
                "metrics",
                "reference and estimate pieces differ in length",
            ));
        }
        self.spectral.frames_x.push(x)?;
        self.spectral.frames_y.push(y)?;
        self.pushed += x.len();
        let (time, spectral) = (&mut self.time, &mut self.spectral);
        rayon::join(
            || {
                time.add_time(x, y);
                time.add_segments(x, y);
            },
            || spectral.add_ready_blocks(),
        );
        Ok(())
    }

    /// The channel's sums, once it is whole: the last partial time chunk, and the last partial
    /// segmental frame when it is at least half a frame (or the only one).
    fn finish(self) -> Result<ChannelSums> {
        if self.pushed != self.len {
            return Err(Error::param(
                "metrics",
                format!("{} of {} samples were given", self.pushed, self.len),
            ));
        }
        let TimeStream {
            mut time,
            chunk,
            mut seg,
            seg_frame: (fx, fy),
            seg_len,
        } = self.time;
        if chunk.count > 0 {
            time.merge(&chunk);
        }
        if !fx.is_empty() && (seg.frames == 0 || fx.len() * 2 >= seg_len) {
            seg.sum += frame_snr(&fx, &fy);
            seg.frames += 1;
        }
        Ok(ChannelSums {
            time,
            spectral: self.spectral.sums,
            seg,
        })
    }
}

impl TimeStream {
    /// Time sums in chunks of [`TIME_CHUNK`] samples from the channel's start.
    fn add_time(&mut self, mut x: &[f64], mut y: &[f64]) {
        while !x.is_empty() {
            let take = (TIME_CHUNK - self.chunk.count).min(x.len());
            self.chunk.add::<true>(&x[..take], &y[..take]);
            (x, y) = (&x[take..], &y[take..]);
            if self.chunk.count == TIME_CHUNK {
                self.time.merge(&std::mem::take(&mut self.chunk));
            }
        }
    }

    /// Segmental SNR frames from the channel's start.
    fn add_segments(&mut self, mut x: &[f64], mut y: &[f64]) {
        while !x.is_empty() {
            let (fx, fy) = &mut self.seg_frame;
            let take = (self.seg_len - fx.len()).min(x.len());
            fx.extend_from_slice(&x[..take]);
            fy.extend_from_slice(&y[..take]);
            (x, y) = (&x[take..], &y[take..]);
            if fx.len() == self.seg_len {
                self.seg.sum += frame_snr(fx, fy);
                self.seg.frames += 1;
                fx.clear();
                fy.clear();
            }
        }
    }
}

impl SpectralStream {
    /// The spectral blocks whose frames are all ready (all of them once the signal is whole).
    fn add_ready_blocks(&mut self) {
        let frames = self.frames_x.frame_count();
        let blocks = self.frames_x.ready_blocks(FRAME_BLOCK);
        if blocks <= self.blocks_done {
            return;
        }
        let (stft, fx_frames, fy_frames) = (&self.stft, &self.frames_x, &self.frames_y);
        for p in &spectral_blocks(
            stft,
            self.blocks_done..blocks,
            frames,
            self.peak,
            |t, scratch, fx, fy| {
                stft.forward_padded_frame(fx_frames.frame(t), scratch, fx);
                stft.forward_padded_frame(fy_frames.frame(t), scratch, fy);
            },
        ) {
            self.sums.merge(p);
        }
        self.blocks_done = blocks;
        let released = (blocks * FRAME_BLOCK).min(frames);
        self.frames_x.release(released);
        self.frames_y.release(released);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn ln_normal_is_within_one_ulp_of_ln() {
        let ulps = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut values = vec![
            1.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            2.0,
            0.5,
            std::f64::consts::E,
        ];
        values.extend([
            1.0_f64.next_up(),
            1.0_f64.next_down(),
            2f64.sqrt(),
            0.5f64.sqrt(),
        ]);
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Every normal exponent, and values near 1 (where ln is small).
            let x = f64::from_bits(state & 0x7fff_ffff_ffff_ffff);
            if x.is_normal() {
                values.push(x);
            }
            values.push(1.0 + (state >> 11) as f64 / (1u64 << 53) as f64 * 0.2 - 0.1);
        }
        for x in values {
            let (got, want) = (ln_normal(x), x.ln());
            assert!(ulps(got, want) <= 1, "ln({x:e}) = {want:e}, got {got:e}");
            assert_eq!(with_avx2(|| ln_normal(x)).to_bits(), got.to_bits());
        }
    }

    /// Σ (ln r)² of one frame's bins by `f64::ln`, in `frame_lanes`' lane order.
    fn log2_by_libm(fx: &[Complex64], fy: &[Complex64], eps: f64) -> f64 {
        let mut lanes = [0.0; LANES];
        for (i, (x, y)) in fx.iter().zip(fy).enumerate() {
            let v = ((x.norm_sqr() + eps) / (y.norm_sqr() + eps)).ln();
            lanes[i % LANES] += v * v;
        }
        lane_total(&lanes)
    }

    #[test]
    fn lsd_logarithms_equal_libm_and_take_it_where_the_floor_underflows() {
        let bins = 1025;
        let fy: Vec<Complex64> = (0..bins)
            .map(|k| Complex64::new((k as f64 * 0.37).sin() * 1e3, (k as f64).cos()))
            .collect();
        let fx: Vec<Complex64> = fy.iter().map(|c| c * 0.9 + 0.01).collect();
        let lanes = |fx: &[Complex64], eps: f64| lane_total(&frame_lanes(fx, &fy, eps)[2]);
        let want = log2_by_libm(&fx, &fy, 1e-10);
        assert!((lanes(&fx, 1e-10) - want).abs() <= 1e-14 * want);
        // A silent reference: the floor is the smallest normal number, the ratios are
        // subnormal and each run takes f64::ln, bit for bit.
        let silent = vec![Complex64::default(); bins];
        let want = log2_by_libm(&silent, &fy, f64::MIN_POSITIVE);
        assert!(want.is_finite() && want > 0.0);
        assert_eq!(lanes(&silent, f64::MIN_POSITIVE), want);
    }

    #[test]
    fn joint_snr_is_the_snr_of_the_channels_end_to_end() {
        let x = vec![vec![1.0, -2.0, 0.5], vec![3.0, 0.25]];
        let y = vec![vec![0.9, -2.1, 0.5], vec![2.5, 0.0]];
        // ‖x‖² = 1 + 4 + 0.25 + 9 + 0.0625; ‖x − y‖² = 0.01 + 0.01 + 0 + 0.25 + 0.0625.
        let want = 10.0 * (14.3125_f64 / 0.3325).log10();
        assert!((joint_snr_db(&x, &y) - want).abs() < 1e-12);
    }

    #[test]
    fn pieces_of_any_length_give_the_whole_signal_sums_bit_for_bit() {
        // The lanes of the time sums follow the sample's index, not the piece it came in:
        // pieces of 1 to 7 samples (never a whole run of lanes at a time) and one piece of
        // everything give the same bits, as do the channel metrics streamed in such pieces.
        let n = 3 * TIME_CHUNK + 1234;
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.013).sin()).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 0.013).sin() * 0.9 + (i as f64 * 0.7).cos() * 0.01)
            .collect();
        let whole = TimeSums::of::<true>(&x, &y);
        let light = TimeSums::of::<false>(&x, &y);
        for (a, b) in [(light.xx, whole.xx), (light.ee, whole.ee)] {
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
        let mut streamed = ChannelMetrics::new(n, 8000, {
            let mut peak = ReferencePeak::new(n).unwrap();
            peak.push(&x).unwrap();
            peak.peak().unwrap()
        })
        .unwrap();
        let mut start = 0;
        for len in (1..=7).cycle() {
            let end = (start + len).min(n);
            streamed.push(&x[start..end], &y[start..end]).unwrap();
            start = end;
            if start == n {
                break;
            }
        }
        let sums = streamed.finish().unwrap().time;
        for (a, b) in [
            (sums.xx, whole.xx),
            (sums.yy, whole.yy),
            (sums.ee, whole.ee),
            (sums.xy, whole.xy),
            (sums.abs_e, whole.abs_e),
            (sums.max_e, whole.max_e),
        ] {
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
        assert_eq!(sums.count, n);
        // And the totals are the sums (to rounding).
        let ex: f64 = x.iter().map(|v| v * v).sum();
        assert!((whole.energy_x() - ex).abs() <= 1e-12 * ex);
        let max_e = x
            .iter()
            .zip(&y)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        assert_eq!(whole.max_e.iter().fold(0.0_f64, |m, v| m.max(*v)), max_e);
    }

    #[test]
    fn the_pruned_spectral_peak_is_the_exhaustive_one_bit_for_bit() {
        let stft = metric_stft();
        // A decaying chord with noise, one loud click, and a pure tone: the peak sits in a
        // tonal frame, in an impulsive one, and in every frame alike.
        let n = 40_000;
        let mut state = 1_u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1_u64 << 53) as f64 - 0.5
        };
        let chord: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64 / 44100.0;
                (-t * 3.0).exp()
                    * ((2.0 * PI * 220.0 * t).sin() + 0.5 * (2.0 * PI * 331.0 * t).sin())
                    + 0.05 * noise()
            })
            .collect();
        let mut click = vec![0.0; n];
        click[23_456] = 1.0;
        let tone: Vec<f64> = (0..n).map(|i| (0.3 * i as f64).sin()).collect();
        for x in [&chord, &click, &tone] {
            let frames = stft.frame_count(x.len());
            let mut scratch = stft.frame_scratch();
            let mut out = vec![Complex64::default(); stft.bins()];
            let mut exhaustive = 0.0_f64;
            for t in 0..frames {
                stft.forward_frame(x, t, &mut scratch, &mut out);
                let frame_max = out.iter().fold(0.0_f64, |m, c| m.max(c.norm_sqr()));
                assert!(frame_max <= stft.frame_l1(x, t).powi(2) * (1.0 + 1e-12));
                exhaustive = exhaustive.max(frame_max);
            }
            let pruned = spectral_peak(
                &stft,
                0..frames,
                0.0,
                |t| stft.frame_l1(x, t),
                |t, scratch, out| stft.forward_frame(x, t, scratch, out),
            );
            assert_eq!(pruned.to_bits(), exhaustive.to_bits());
        }
    }

    #[test]
    fn hand_computed_case() {
        // x = [3, 4], y = [3, 3]: ‖x‖² = 25, ‖e‖² = 1.
        let x = vec![vec![3.0, 4.0]];
        let y = vec![vec![3.0, 3.0]];
        let m = Metrics::compute(&x, &y, 100).unwrap();
        assert!((m.snr_db - 10.0 * 25f64.log10()).abs() < 1e-12);
        assert!((m.rel_error_pct - 4.0).abs() < 1e-12);
        assert!((m.rmse - 0.5f64.sqrt()).abs() < 1e-12);
        assert!((m.mae - 0.5).abs() < 1e-12);
        assert!((m.max_abs_error - 1.0).abs() < 1e-12);
        assert!((m.ncc - 21.0 / (5.0 * 18f64.sqrt())).abs() < 1e-12);
        // One 2-sample frame at 100 Hz (frame = 2 samples): SNR 13.98 dB, inside the clip range.
        assert!((m.seg_snr_db - 10.0 * 25f64.log10()).abs() < 1e-12);
    }

    #[test]
    fn identical_signals() {
        let x: Vec<f64> = (0..5000).map(|i| (i as f64 * 0.01).sin()).collect();
        let m = Metrics::compute(std::slice::from_ref(&x), std::slice::from_ref(&x), 8000).unwrap();
        assert!(m.snr_db.is_infinite() && m.rel_error_pct == 0.0);
        assert_eq!(m.seg_snr_db, 35.0);
        assert!(m.lsd_db.abs() < 1e-12);
        assert!((m.ncc - 1.0).abs() < 1e-12);
    }

    #[test]
    fn segmental_snr_clips_each_frame() {
        // Two frames of 10 samples at 500 Hz: one perfect (35), one with y = 0 (SNR 0 dB).
        let x = vec![1.0; 20];
        let mut y = vec![1.0; 20];
        y[10..].fill(0.0);
        assert!((seg_snr_db(&x, &y, 500) - 17.5).abs() < 1e-12);
        // y = −x: SNR = 10 log10(1/4) = −6.02 dB; y = −10x: clipped to −10.
        let z: Vec<f64> = x.iter().map(|v| -10.0 * v).collect();
        assert_eq!(seg_snr_db(&x, &z, 500), -10.0);
    }

    #[test]
    fn nrr_and_error_curves() {
        let noisy = [1.0, -1.0, 1.0, -1.0];
        let den = [0.5, -0.5, 0.5, -0.5];
        assert!((nrr_db(&noisy, &den) - 10.0 * 4f64.log10()).abs() < 1e-12);
        assert_eq!(pointwise_error(&[1.0, 2.0], &[0.0, 4.0]), vec![1.0, 2.0]);
        assert_eq!(cumulative_error(&[1.0, 2.0], &[0.0, 4.0]), vec![1.0, 3.0]);
    }

    #[test]
    fn spectral_snr_of_a_scaled_signal() {
        // |STFT(0.5 x)| = 0.5 |STFT(x)|: spectral error energy is ¼ of the reference's: 6.02 dB.
        let x: Vec<f64> = (0..8000).map(|i| (i as f64 * 0.05).sin()).collect();
        let y: Vec<f64> = x.iter().map(|v| 0.5 * v).collect();
        let m = Metrics::compute(&[x], &[y], 8000).unwrap();
        assert!((m.spectral_snr_db - 10.0 * 4f64.log10()).abs() < 1e-9);
        assert!((m.snr_db - 10.0 * 4f64.log10()).abs() < 1e-9);
    }
}
