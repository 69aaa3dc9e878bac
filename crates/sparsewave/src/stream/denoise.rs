//! `denoise --method auto|lsa|block|gaussian|wsvd` of a file in bounded memory, with the bytes
//! and the report of the whole-signal [`denoise`](crate::denoise::job::denoise) (without a
//! clean reference); `--method wavelet` is in `stream::shrink`.
//!
//! Pass one reads the file for what needs all of it before any output: the noise of each
//! channel ([`MinimumStatistics`], unless a noise clip gives it), the DC-lobe bins a coloured
//! estimate measures in each plane the method uses (`DcLobes`) and the spectral peak of the
//! metrics' reference ([`ReferencePeak`]). Pass two reads it again and runs the STFT frame by
//! frame in runs of whole overlap-add blocks (`stream::StftFilter`): LSA and block
//! thresholding through one filter, `auto` through its candidates' filters, the probe's and
//! the per-segment choice (`stream::AutoLane`); the Gaussian filter runs on a sliding window
//! (`stream::GaussianLane`), one-band WSVD window by window (`stream::WsvdLane`). The samples handed out go to the WAV file ([`WavBlockWriter`])
//! and to the metrics ([`ChannelMetrics`]). The noise reduction ratio's variances read both
//! signals back from a [`Spill`].

use super::auto::AutoLane;
use super::gaussian::GaussianLane;
use super::stft_filter::{GainRule, StftFilter};
use super::wsvd::WsvdLane;
use super::{Pass, Spill, StreamOptions};
use crate::audio::{SampleFormat, WavBlockWriter, WriteReport};
use crate::denoise::auto::{hann_quarter_hop, AutoConfig, Estimator, PROBE_FFT};
use crate::denoise::denoiser::{ChannelInfo, Denoiser, NoiseInput};
use crate::denoise::gaussian::GaussianFilter;
use crate::denoise::job::mean_rank;
use crate::denoise::noise_estimate::{dc_lobe_frames, DcLobe, MinimumStatistics, NoiseEstimate};
use crate::denoise::wsvd::{band_noise_sigma, overall_rank, Junction, WindowSetup, WsvdConfig};
use crate::metrics::{
    nrr_from_variances, streamed_variance, ChannelMetrics, Metrics, ReferencePeak,
};
use crate::pipeline::Report;
use crate::transform::stft::{FrameScratch, Stft, StreamFrames};
use crate::{Error, Result};
use realfft::num_complex::Complex64;
use std::path::Path;
use std::time::Instant;

/// What [`denoise_file`] did.
#[derive(Clone, Debug)]
pub struct StreamedDenoise {
    /// The report of [`denoise`](crate::denoise::job::denoise) (`reference` `"input"`), without
    /// the file fields ([`Report::with_files`], [`Report::with_write`]); `seconds` is the
    /// wall time of both passes, metrics included.
    pub report: Report,
    /// What writing the output did.
    pub write: WriteReport,
    /// Readings of the input (two; one for wavelet shrinkage).
    pub passes: usize,
}

/// Whether [`denoise_file`] runs `denoiser`: `auto` ([`Denoiser::Auto`]), LSA and block
/// thresholding ([`Denoiser::Stft`]), the Gaussian filter ([`Denoiser::Gaussian`]), wavelet
/// shrinkage ([`Denoiser::Wavelet`], through temporary files) and WSVD in one band with
/// cross-faded windows ([`Denoiser::Wsvd`], the default). WSVD in several bands (one FFT mask
/// of the whole signal per band) or with other junctions, and the spectral gate (a percentile
/// of each bin over the whole signal) do not.
pub fn streams(denoiser: &Denoiser) -> bool {
    match denoiser {
        Denoiser::Auto { .. }
        | Denoiser::Stft { .. }
        | Denoiser::Gaussian { .. }
        | Denoiser::Wavelet(_) => true,
        Denoiser::Wsvd(cfg) => cfg.cuts_hz.is_empty() && cfg.junction == Junction::Xfade,
        Denoiser::Gate { .. } => false,
    }
}

/// Whether `denoiser` on the file `input` is better run by [`denoise_file`] than in memory:
/// every denoiser that [`streams`], wavelet shrinkage when the decoded input exceeds
/// [`DWT_IN_MEMORY_BYTES`](super::DWT_IN_MEMORY_BYTES) (or its length is not declared).
/// Errors: the input's header.
pub fn prefers_streaming(denoiser: &Denoiser, input: &Path) -> Result<bool> {
    match denoiser {
        Denoiser::Wavelet(_) => super::exceeds_dwt_in_memory(input),
        other => Ok(streams(other)),
    }
}

/// The method of a streamed job.
enum Method<'a> {
    Auto(&'a AutoConfig),
    Single(&'a Estimator),
    Gaussian(&'a GaussianFilter),
    Wsvd(&'a WsvdConfig),
}

impl Method<'_> {
    /// The FFT sizes whose planes the method works in (whose DC lobes pass one measures).
    fn sizes(&self) -> Vec<usize> {
        let mut sizes = Vec::new();
        let all: Vec<usize> = match self {
            Method::Auto(cfg) => cfg
                .candidates
                .iter()
                .map(Estimator::n_fft)
                .chain(std::iter::once(PROBE_FFT))
                .collect(),
            Method::Single(e) => vec![e.n_fft()],
            Method::Gaussian(_) | Method::Wsvd(_) => Vec::new(),
        };
        for size in all {
            if !sizes.contains(&size) {
                sizes.push(size);
            }
        }
        sizes
    }
}

/// Denoise the file `input` into the WAV file `output` (in `format`, the input's when `None`)
/// with `denoiser` (one that [`streams`]), in
/// bounded memory (module
/// documentation). The output is written
/// atomically: on any error (a truncated or corrupt input found in either pass, a non-finite
/// result) nothing is left at `output`.
///
/// Errors: a `denoiser` that does not stream (parameter `method`), a noise clip at another rate,
/// the input's own (named with its path), too short for the noise estimate, and the writer's.
pub fn denoise_file(
    input: &Path,
    output: &Path,
    denoiser: &Denoiser,
    format: Option<SampleFormat>,
    options: &StreamOptions,
) -> Result<StreamedDenoise> {
    // The noise of a method without a clip: estimated from the signal.
    let estimated_noise = NoiseInput {
        clips: None,
        sample_rate: None,
    };
    let (method, noise) = match denoiser {
        Denoiser::Auto { config, noise } => {
            config.validate()?;
            (Method::Auto(config), Some(noise))
        }
        Denoiser::Stft { estimator, noise } => {
            estimator.validate()?;
            (Method::Single(estimator), Some(noise))
        }
        Denoiser::Gaussian { filter, .. } => (Method::Gaussian(filter), None),
        Denoiser::Wsvd(cfg) if streams(denoiser) => (Method::Wsvd(cfg), Some(&estimated_noise)),
        Denoiser::Wavelet(shrink) => {
            return super::shrink::denoise_file(input, output, denoiser, shrink, format, options)
        }
        other => {
            return Err(Error::param(
                "method",
                format!(
                    "the streamed denoiser runs auto, lsa, block, gaussian, wavelet and \
                     one-band cross-faded wsvd, not {}",
                    other.method()
                ),
            ))
        }
    };
    let started = Instant::now();
    let len = Pass::length(input, options)?;
    // WSVD estimates the noise only for a rank rule that needs it (and checks the length).
    let noise = match method {
        Method::Wsvd(cfg) => cfg.needs_noise(len)?.then_some(&estimated_noise),
        _ => noise,
    };
    let sizes = method.sizes();
    let first = first_pass(input, options, len, noise, &sizes)?;
    denoiser.check_noise_clip_rate(first.sample_rate)?;
    let estimates = first
        .statistics
        .iter()
        .enumerate()
        .map(|(c, statistics)| match (statistics, noise) {
            (Some(s), _) => Ok(Some(NoiseEstimate::from_floors(
                &s.floors()?,
                first.sample_rate,
            ))),
            (None, Some(noise)) => noise.noise(&[], first.sample_rate, c).map(Some),
            (None, None) => Ok(None),
        })
        .collect::<Result<Vec<_>>>()?;
    let FirstPass {
        sample_rate,
        source_format,
        peaks,
        lobes,
        mut spill_x,
        ..
    } = first;
    let channels = peaks.len();
    let mut writer = WavBlockWriter::create(
        output,
        sample_rate,
        channels,
        format.unwrap_or(source_format),
    )?;
    let mut lanes = estimates
        .iter()
        .zip(&peaks)
        .zip(&lobes)
        .map(|((estimate, &peak), lobes)| {
            let noise_power = |estimate: &NoiseEstimate, n_fft: usize| {
                let at = sizes.iter().position(|&s| s == n_fft);
                let lobes = at.map_or(&[][..], |i| lobes[i].lobes());
                estimate.stft_noise_power_from_lobes(&hann_quarter_hop(n_fft)?, lobes)
            };
            let denoiser = match (&method, estimate) {
                (Method::Auto(cfg), Some(estimate)) => Filter::Auto(Box::new(AutoLane::new(
                    cfg,
                    estimate,
                    |n_fft| noise_power(estimate, n_fft),
                    len,
                    sample_rate,
                )?)),
                (Method::Single(estimator), Some(estimate)) => {
                    let n_fft = estimator.n_fft();
                    let rule = GainRule::of(estimator, n_fft / 2 + 1);
                    Filter::Single(Box::new(StftFilter::new(
                        n_fft,
                        noise_power(estimate, n_fft)?,
                        len,
                        vec![rule],
                    )?))
                }
                (Method::Gaussian(filter), _) => Filter::Gaussian(GaussianLane::new(filter, len)),
                (Method::Wsvd(cfg), estimate) => {
                    let rate = f64::from(sample_rate);
                    cfg.validate(len, rate)?;
                    let band = &cfg.bands[0];
                    let sigma = estimate
                        .as_ref()
                        .map(|e| band_noise_sigma(e, rate, &cfg.cuts_hz, 0));
                    let setup = WindowSetup::of(cfg, band, sigma);
                    Filter::Wsvd(Box::new(WsvdLane::new(band.window, setup, len)?))
                }
                (Method::Auto(_) | Method::Single(_), None) => {
                    unreachable!("auto, lsa and block have a noise estimate per channel")
                }
            };
            Ok(Lane {
                denoiser,
                pending_x: Vec::new(),
                metrics: ChannelMetrics::new(len, sample_rate, peak)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut spill_y = Spill::new(channels, len)?;
    let mut pass = Pass::open(input, options)?;
    while let Some(block) = pass.next_block_within(len, Some(channels))? {
        let outputs = block
            .iter()
            .zip(lanes.iter_mut())
            .map(|(x, lane)| lane.push(x))
            .collect::<Result<Vec<_>>>()?;
        emit(&outputs, &mut writer, &mut spill_y)?;
        pass.recycle(block);
    }
    pass.check_length(len)?;
    let mut infos = Vec::with_capacity(channels);
    let mut channel_metrics = Vec::with_capacity(channels);
    for (lane, estimate) in lanes.into_iter().zip(&estimates) {
        channel_metrics.push(lane.metrics);
        let wsvd = wsvd_info(&lane.denoiser);
        infos.push(ChannelInfo {
            noise: estimate.as_ref().map(NoiseEstimate::json),
            auto: match lane.denoiser {
                Filter::Auto(auto) => Some(auto.report()),
                _ => None,
            },
            ..wsvd
        });
    }
    let report = finish_report(
        denoiser,
        (sample_rate, len, started),
        channel_metrics,
        &infos,
        [&mut spill_x, &mut spill_y],
    )?;
    let write = writer.finish()?;
    Ok(StreamedDenoise {
        report,
        write,
        passes: 2,
    })
}

/// The report of a streamed job of `denoiser` on `len` samples per channel at `sample_rate`
/// (begun at `started`), from each channel's metrics and information, and the input and
/// output in `spills` for the noise reduction ratio: the whole-signal job's.
pub(super) fn finish_report(
    denoiser: &Denoiser,
    (sample_rate, len, started): (u32, usize, Instant),
    channel_metrics: Vec<ChannelMetrics>,
    infos: &[ChannelInfo],
    [spill_x, spill_y]: [&mut Spill; 2],
) -> Result<Report> {
    let variance = |spill: &mut Spill| streamed_variance(|visit| spill.visit(visit));
    let nrr = nrr_from_variances(variance(spill_x)?, variance(spill_y)?);
    let channels = channel_metrics.len();
    let mut metrics = Metrics::from_channels(channel_metrics)?;
    metrics.nrr_db = Some(nrr);
    let mut report = Report::of_signal(
        "denoise",
        (sample_rate, channels, len),
        started.elapsed().as_secs_f64(),
        metrics,
        denoiser.params(),
    )
    .with("mean_rank", mean_rank(infos))
    .with("channel_info", infos);
    if infos.iter().any(|i| i.noise.is_some()) {
        let noise: Vec<_> = infos.iter().map(|i| i.noise.clone()).collect();
        report = report.with("noise", noise);
    }
    Ok(report.with("reference", "input"))
}

/// What pass one found.
pub(super) struct FirstPass {
    pub(super) sample_rate: u32,
    pub(super) source_format: SampleFormat,
    /// Per channel: the noise's minimum statistics (`None` with a noise clip or without a
    /// noise-aware method).
    pub(super) statistics: Vec<Option<MinimumStatistics>>,
    /// Per channel: the metrics' spectral peak of the input.
    pub(super) peaks: Vec<f64>,
    /// Per channel and FFT size (in the order given to [`first_pass`]): the DC-lobe bins a
    /// coloured estimate measures (empty with a noise clip).
    pub(super) lobes: Vec<Vec<DcLobes>>,
    /// The input, for the noise reduction ratio.
    pub(super) spill_x: Spill,
}

/// Pass one (module documentation).
pub(super) fn first_pass(
    input: &Path,
    options: &StreamOptions,
    len: usize,
    noise: Option<&NoiseInput>,
    sizes: &[usize],
) -> Result<FirstPass> {
    // The noise is estimated from the signal itself: a noise-aware method without a clip.
    let estimated = noise.is_some_and(|n| n.clips.is_none());
    let mut pass = Pass::open(input, options)?;
    let stfts = sizes
        .iter()
        .map(|&n_fft| hann_quarter_hop(n_fft))
        .collect::<Result<Vec<_>>>()?;
    let mut statistics: Vec<Option<MinimumStatistics>> = Vec::new();
    let mut lobes: Vec<Vec<DcLobes>> = Vec::new();
    let mut peaks: Vec<ReferencePeak> = Vec::new();
    let mut spill: Option<Spill> = None;
    while let Some(block) = pass.next_block_within(len, None)? {
        if peaks.is_empty() {
            for _ in 0..block.len() {
                statistics.push(match estimated {
                    false => None,
                    true => Some(MinimumStatistics::new(len)?),
                });
                peaks.push(ReferencePeak::new(len)?);
                lobes.push(
                    stfts
                        .iter()
                        .map(|stft| match estimated {
                            false => Ok(DcLobes::none()),
                            true => DcLobes::new(stft, len),
                        })
                        .collect::<Result<_>>()?,
                );
            }
            spill = Some(Spill::new(block.len(), len)?);
        }
        let spill = spill.as_mut().expect("made with the first block");
        for (c, x) in block.iter().enumerate() {
            if let Some(s) = &mut statistics[c] {
                s.push(x)?;
            }
            peaks[c].push(x)?;
            for (lobes, stft) in lobes[c].iter_mut().zip(&stfts) {
                lobes.push(stft, x)?;
            }
            spill.append(c, x)?;
        }
        pass.recycle(block);
    }
    pass.check_length(len)?;
    Ok(FirstPass {
        sample_rate: pass.reader().sample_rate(),
        source_format: pass.reader().format(),
        statistics,
        peaks: peaks
            .iter()
            .map(ReferencePeak::peak)
            .collect::<Result<_>>()?,
        lobes,
        spill_x: spill.expect("a file holds at least one block"),
    })
}

/// The DC-lobe bins of one channel's frames [`dc_lobe_frames`] in the denoiser's STFT, taken
/// as the samples pass (pass one): what [`NoiseEstimate::stft_noise_power`] measures in the
/// whole-signal spectrogram, for a coloured estimate.
pub(super) struct DcLobes {
    /// `None` with a noise clip (nothing to measure).
    frames: Option<StreamFrames>,
    wanted: Vec<usize>,
    lobes: Vec<DcLobe>,
    scratch: Option<FrameScratch>,
    spectrum: Vec<Complex64>,
}

impl DcLobes {
    fn none() -> Self {
        DcLobes {
            frames: None,
            wanted: Vec::new(),
            lobes: Vec::new(),
            scratch: None,
            spectrum: Vec::new(),
        }
    }

    fn new(stft: &Stft, len: usize) -> Result<Self> {
        Ok(DcLobes {
            frames: Some(StreamFrames::new(stft, len)?),
            wanted: dc_lobe_frames(stft, len),
            lobes: Vec::new(),
            scratch: Some(stft.frame_scratch()),
            spectrum: vec![Complex64::default(); stft.bins()],
        })
    }

    fn push(&mut self, stft: &Stft, x: &[f64]) -> Result<()> {
        let (Some(frames), Some(scratch)) = (&mut self.frames, &mut self.scratch) else {
            return Ok(());
        };
        frames.push(x)?;
        let ready = frames.ready();
        while let Some(&t) = self.wanted.get(self.lobes.len()) {
            if t >= ready {
                break;
            }
            stft.forward_padded_frame(frames.frame(t), scratch, &mut self.spectrum);
            self.lobes.push(std::array::from_fn(|k| self.spectrum[k]));
        }
        let next = self.wanted.get(self.lobes.len()).copied().unwrap_or(ready);
        frames.release(next.min(ready));
        Ok(())
    }

    fn lobes(&self) -> &[DcLobe] {
        &self.lobes
    }
}

/// Write the samples the channels handed out (equal lengths) and keep them for the NRR.
pub(super) fn emit(
    outputs: &[Vec<f64>],
    writer: &mut WavBlockWriter,
    spill: &mut Spill,
) -> Result<()> {
    if outputs.first().is_none_or(Vec::is_empty) {
        return Ok(());
    }
    writer.write(outputs)?;
    for (c, y) in outputs.iter().enumerate() {
        spill.append(c, y)?;
    }
    Ok(())
}

/// One channel of pass two: the denoiser, and the metrics of the samples it hands out
/// against the input.
struct Lane {
    denoiser: Filter,
    /// Input samples not yet matched with an output sample.
    pending_x: Vec<f64>,
    metrics: ChannelMetrics,
}

/// A channel's denoiser in pass two.
enum Filter {
    /// `auto` (boxed: it holds its candidates' filters).
    Auto(Box<AutoLane>),
    /// LSA or block thresholding: one rule in its plane (boxed: an STFT plan and its
    /// buffers).
    Single(Box<StftFilter>),
    /// The Gaussian filter.
    Gaussian(GaussianLane),
    /// WSVD in one band (boxed: its Hankel plan and buffers).
    Wsvd(Box<WsvdLane>),
}

/// A channel's WSVD statistics for its report (none for the other denoisers).
fn wsvd_info(filter: &Filter) -> ChannelInfo {
    let Filter::Wsvd(lane) = filter else {
        return ChannelInfo::default();
    };
    let bands = vec![lane.stats()];
    let (windows, mean_rank) = overall_rank(&bands);
    ChannelInfo {
        mean_rank: Some(mean_rank),
        windows: Some(windows),
        bands,
        ..ChannelInfo::default()
    }
}

impl Lane {
    /// The next input samples; returns the output samples now final (in order).
    fn push(&mut self, x: &[f64]) -> Result<Vec<f64>> {
        self.pending_x.extend_from_slice(x);
        let y = match &mut self.denoiser {
            Filter::Auto(auto) => auto.push(x)?,
            Filter::Single(filter) => filter.push(x)?.swap_remove(0),
            Filter::Gaussian(filter) => filter.push(x),
            Filter::Wsvd(filter) => filter.push(x)?,
        };
        let x: Vec<f64> = self.pending_x.drain(..y.len()).collect();
        self.metrics.push(&x, &y)?;
        Ok(y)
    }
}
