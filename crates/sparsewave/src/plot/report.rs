//! Figure sets: the standard one of a run that turns an input into an output, and the
//! spectrogram of a signal.

use super::{NamedPlot, SpectrogramImage, WaveformComparison};
use crate::audio::Audio;
use crate::metrics::metric_stft;
use crate::transform::stft::magnitude;
use crate::Result;

/// Spectrogram figure of one channel with the metric STFT (2048/512 Hann).
pub fn spectrogram_of(
    title: &str,
    x: &[f64],
    sample_rate: u32,
    log_freq: bool,
    reference: Option<f64>,
) -> Result<SpectrogramImage> {
    let stft = metric_stft();
    let spec = stft.forward(x)?;
    Ok(SpectrogramImage {
        title: title.to_string(),
        magnitude: spec.magnitude(),
        frames: spec.frames,
        bins: spec.bins,
        sample_rate,
        frame_step: stft.config().hop as f64 / f64::from(sample_rate),
        log_freq,
        range_db: 90.0,
        reference,
    })
}

/// The standard figure set of a run that turned `input` into `output` (channel 0): input and
/// output spectrograms, the error spectrogram |F − G| (on the input's dB scale), and the waveform
/// comparison zoomed on the loudest 0.2 s of the input.
pub fn comparison(input: &Audio, output: &Audio, label: &str) -> Result<Vec<NamedPlot>> {
    let (x, y) = (&input.channels[0], &output.channels[0]);
    let rate = input.sample_rate;
    let stft = metric_stft();
    let f = stft.forward(x)?;
    let g = stft.forward(y)?;
    let peak = f.magnitude().iter().fold(0.0_f64, |m, v| m.max(*v));
    let mut error = spectrogram_of(
        "error spectrogram |F − G| (dB re. input peak)",
        x,
        rate,
        false,
        Some(peak),
    )?;
    error.magnitude = f
        .data
        .iter()
        .zip(&g.data)
        .map(|(a, b)| magnitude(a - b))
        .collect();
    Ok(vec![
        NamedPlot::new(
            "input_spectrogram",
            spectrogram_of("input: magnitude spectrogram", x, rate, false, Some(peak))?,
        ),
        NamedPlot::new(
            "output_spectrogram",
            spectrogram_of(
                &format!("{label}: magnitude spectrogram"),
                y,
                rate,
                false,
                Some(peak),
            )?,
        ),
        NamedPlot::new("error_spectrogram", error),
        NamedPlot::new(
            "waveform",
            WaveformComparison::zoomed_on_loudest(
                format!("input vs {label} (channel 0)"),
                rate,
                (x, "input"),
                (y, label),
                &[],
            ),
        ),
    ])
}
