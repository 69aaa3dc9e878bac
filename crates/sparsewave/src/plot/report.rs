//! The standard figure set of a run that turns an input into an output.

use super::{save, SpectrogramImage, WaveformComparison};
use crate::audio::Audio;
use crate::metrics::metric_stft;
use crate::Result;
use std::path::{Path, PathBuf};

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

/// Write into `dir`: input and output spectrograms, the error spectrogram |F − G| (on the input's
/// dB scale), and the waveform comparison (channel 0), named `<stem>_*.png`. Returns the paths.
pub fn comparison_figures(
    dir: &Path,
    stem: &str,
    input: &Audio,
    output: &Audio,
    label: &str,
) -> Result<Vec<PathBuf>> {
    crate::audio::output::create_dir(dir)?;
    let (x, y) = (&input.channels[0], &output.channels[0]);
    let rate = input.sample_rate;
    let stft = metric_stft();
    let f = stft.forward(x)?;
    let g = stft.forward(y)?;
    let peak = f.magnitude().iter().fold(0.0_f64, |m, v| m.max(*v));
    let mut paths = Vec::new();
    let mut emit = |name: &str, fig: &dyn Fn(&Path) -> Result<()>| -> Result<()> {
        let p = dir.join(format!("{stem}_{name}.png"));
        fig(&p)?;
        paths.push(p);
        Ok(())
    };
    emit("input_spectrogram", &|p| {
        save(
            p,
            &spectrogram_of("input: magnitude spectrogram", x, rate, false, Some(peak))?,
        )
    })?;
    emit("output_spectrogram", &|p| {
        save(
            p,
            &spectrogram_of(
                &format!("{label}: magnitude spectrogram"),
                y,
                rate,
                false,
                Some(peak),
            )?,
        )
    })?;
    emit("error_spectrogram", &|p| {
        let mut img = spectrogram_of(
            "error spectrogram |F − G| (dB re. input peak)",
            x,
            rate,
            false,
            Some(peak),
        )?;
        img.magnitude = f
            .data
            .iter()
            .zip(&g.data)
            .map(|(a, b)| (a - b).norm())
            .collect();
        save(p, &img)
    })?;
    emit("waveform", &|p| {
        let n = x.len();
        // Zoom on the loudest 0.2 s of the input.
        let win = ((0.2 * f64::from(rate)) as usize).clamp(1, n);
        let hop = (win / 2).max(1);
        let zoom = (0..=n - win)
            .step_by(hop)
            .max_by(|&a, &b| {
                let e = |s: usize| x[s..s + win].iter().map(|v| v * v).sum::<f64>();
                e(a).total_cmp(&e(b))
            })
            .unwrap_or(0);
        save(
            p,
            &WaveformComparison {
                title: format!("input vs {label} (channel 0)"),
                sample_rate: rate,
                reference: x.clone(),
                estimate: y.clone(),
                reference_label: "input".into(),
                estimate_label: label.into(),
                zoom_start: zoom as f64 / f64::from(rate),
                markers: Vec::new(),
            },
        )
    })?;
    Ok(paths)
}
