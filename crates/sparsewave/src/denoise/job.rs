//! The `denoise` job: a noisy recording and a [`Denoiser`] in, the denoised recording and its
//! report out, measured against a clean reference when one is given.
//!
//! Metrics: with a clean reference `x` they compare the output `y` with it (and the noisy input
//! with it, as `input_metrics`); without one they compare `y` with the noisy input. Either way
//! `nrr_db = 10·log10(var(noisy)/var(y))` compares the output with the noisy input. SNR is in
//! power dB, `10·log10(‖x‖²/‖x − y‖²)`.

use crate::audio::Audio;
use crate::denoise::denoiser::{ChannelInfo, Denoiser};
use crate::metrics::Metrics;
use crate::pipeline::{self, Outcome, Report};
#[cfg(feature = "plot")]
use crate::plot::{report::comparison, NamedPlot, WaveformComparison};
use crate::{Error, Result};

/// What [`denoise`] produced.
#[derive(Clone, Debug)]
pub struct Denoised {
    /// The denoised recording (same rate, channels and length as the input).
    pub audio: Audio,
    /// Keys of `denoise --json`: `params` ([`Denoiser::params`]), `metrics` (with `nrr_db`),
    /// `mean_rank`, `channel_info`, `noise` (`auto`, LSA and block: the noise used per channel,
    /// [`NoiseEstimate::json`](crate::denoise::noise_estimate::NoiseEstimate::json)), `reference` (`"clean"` or `"input"`) and, with a clean
    /// reference, `input_metrics`.
    pub report: Report,
    /// What the denoiser reported per channel.
    pub infos: Vec<ChannelInfo>,
    /// WSVD: mean rank over all windows of all channels ([`mean_rank`]).
    pub mean_rank: Option<f64>,
    /// With a clean reference: the noisy input measured against it.
    pub input_metrics: Option<Metrics>,
    /// WSVD: the sample indices where the windows of the first band start (the same in every
    /// channel, see [`Denoiser::window_starts`]); empty for the other methods. The marks of the
    /// `waveform_windows` figure.
    pub window_starts: Vec<usize>,
}

/// Denoises every channel of `noisy` and measures the result (see the module documentation).
///
/// Errors: `clean` not of the same sample rate, channel count and length as `noisy`
/// ([`check_reference`]); any error of the denoiser; a non-finite output.
pub fn denoise(noisy: &Audio, denoiser: &Denoiser, clean: Option<&Audio>) -> Result<Denoised> {
    if let Some(clean) = clean {
        check_reference(noisy, clean)?;
    }
    denoiser.check_noise_clip_rate(noisy.sample_rate)?;
    let outcome = run_denoiser(denoiser, noisy)?;
    let rate = noisy.sample_rate;
    let mean_rank = mean_rank(&outcome.infos);
    let mut report = Report::new("denoise", noisy, &outcome, denoiser.params())
        .with("mean_rank", mean_rank)
        .with("channel_info", &outcome.infos);
    if outcome.infos.iter().any(|i| i.noise.is_some()) {
        let noise: Vec<_> = outcome.infos.iter().map(|i| i.noise.clone()).collect();
        report = report.with("noise", noise);
    }
    let nrr = |m: Metrics| m.with_nrr(&noisy.channels, &outcome.output.channels);
    let input_metrics = match clean {
        Some(clean) => {
            report.metrics = nrr(Metrics::compute(
                &clean.channels,
                &outcome.output.channels,
                rate,
            )?);
            let m = Metrics::compute(&clean.channels, &noisy.channels, rate)?;
            report = report.with("reference", "clean").with("input_metrics", &m);
            Some(m)
        }
        None => {
            report.metrics = nrr(report.metrics.clone());
            report = report.with("reference", "input");
            None
        }
    };
    Ok(Denoised {
        audio: outcome.output,
        report,
        infos: outcome.infos,
        mean_rank,
        input_metrics,
        window_starts: denoiser
            .window_starts(noisy.frames(), 0)
            .unwrap_or_default(),
    })
}

#[cfg(feature = "plot")]
impl Denoised {
    /// The figures of `denoise --plots` (channel 0), in order: the comparison set of `noisy`
    /// against the output labelled `"denoised"` ([`comparison`]:
    /// `input_spectrogram`, `output_spectrogram`, `error_spectrogram`, `waveform`), then
    /// `waveform_windows`: the output against `clean` (or against `noisy` without a reference),
    /// zoomed on the reference's loudest 0.2 s, with the [`window_starts`](Self::window_starts)
    /// marked.
    ///
    /// `noisy` and `clean` are the recordings given to [`denoise`].
    pub fn figures(&self, noisy: &Audio, clean: Option<&Audio>) -> Result<Vec<NamedPlot>> {
        let mut figures = comparison(noisy, &self.audio, "denoised")?;
        let (reference, label) = match clean {
            Some(clean) => (clean, "clean"),
            None => (noisy, "noisy"),
        };
        figures.push(NamedPlot::new(
            "waveform_windows",
            WaveformComparison::zoomed_on_loudest(
                format!("{label} vs denoised (channel 0; window starts marked)"),
                noisy.sample_rate,
                (&reference.channels[0], label),
                (&self.audio.channels[0], "denoised"),
                &self.window_starts,
            ),
        ));
        Ok(figures)
    }
}

/// Runs `denoiser` on every channel of `noisy`; the outcome's metrics compare the output with
/// the noisy input.
pub fn run_denoiser(denoiser: &Denoiser, noisy: &Audio) -> Result<Outcome<ChannelInfo>> {
    pipeline::process(noisy, |channel, x, rate| {
        denoiser.denoise_channel(x, rate, channel)
    })
}

/// Checks that a clean reference matches the noisy recording: same sample rate, channel count
/// and length (error parameter `clean`).
pub fn check_reference(noisy: &Audio, clean: &Audio) -> Result<()> {
    if clean.sample_rate != noisy.sample_rate
        || clean.channel_count() != noisy.channel_count()
        || clean.frames() != noisy.frames()
    {
        return Err(Error::param(
            "clean",
            format!(
                "the clean reference ({} Hz, {} channel(s), {} samples) does not match the noisy \
                 input ({} Hz, {} channel(s), {} samples)",
                clean.sample_rate,
                clean.channel_count(),
                clean.frames(),
                noisy.sample_rate,
                noisy.channel_count(),
                noisy.frames()
            ),
        ));
    }
    Ok(())
}

/// Mean rank over the channels, each channel weighted by its window count:
/// `Σ_c rank_c·windows_c / Σ_c windows_c`; `None` unless every channel reports both (WSVD).
pub fn mean_rank(infos: &[ChannelInfo]) -> Option<f64> {
    let (mut sum, mut windows) = (0.0, 0usize);
    for i in infos {
        let (r, w) = (i.mean_rank?, i.windows?);
        sum += r * w as f64;
        windows += w;
    }
    Some(sum / windows.max(1) as f64)
}
