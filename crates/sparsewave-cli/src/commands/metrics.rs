//! `sparsewave metrics`: compare two recordings.

use super::common::print_metrics;
use anyhow::{bail, Result};
use sparsewave::audio::Audio;
use sparsewave::metrics::Metrics;
use sparsewave::pipeline;
use sparsewave::stream::metrics::{metrics_files, Shape};
use sparsewave::stream::StreamOptions;
use std::path::PathBuf;

/// Every metric of TEST against the reference REF (and NRR against NOISY when given).
///
/// Files (not pipes) are measured in bounded memory whatever their length, with the same numbers
/// as in memory: files of up to 64 MiB of decoded samples each (8 bytes per sample and channel:
/// about 3 min of 44.1 kHz mono) are decoded whole, two at once; longer ones are streamed (the
/// reference read twice and the test once, in blocks; with --noisy, NOISY and TEST are kept as
/// 64-bit floats in an anonymous temporary file for the NRR's variances).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave metrics clean.wav denoised.wav
  sparsewave metrics clean.wav denoised.wav --noisy noisy.wav --json")]
pub struct Args {
    /// Reference audio.
    pub reference: PathBuf,
    /// Audio to measure.
    pub test: PathBuf,
    /// The noisy input of a denoiser, for the noise reduction ratio (NRR).
    #[arg(long)]
    pub noisy: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> Result<()> {
    let files = [Some(&a.reference), Some(&a.test), a.noisy.as_ref()];
    let streamed = files
        .iter()
        .flatten()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()));
    let (shape, m) = if streamed {
        measure_streamed(&a)?
    } else {
        measure_whole(&a)?
    };
    if a.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "command": "metrics", "reference": a.reference, "test": a.test,
                "noisy": a.noisy, "sample_rate": shape.sample_rate, "channels": shape.channels,
                "samples": shape.frames, "metrics": m,
            }))?
        );
    } else {
        outln!("{} against {}", a.test.display(), a.reference.display());
        print_metrics(&m)?;
    }
    Ok(())
}

/// Refuse TEST (and NOISY) when its shape differs from REF's (TEST's).
fn check_shapes(a: &Args, x: &Shape, y: &Shape, n: Option<&Shape>) -> Result<()> {
    if x != y {
        bail!(
            "{} and {} differ in shape: {} ch × {} samples at {} Hz vs {} ch × {} samples at {} Hz",
            a.reference.display(),
            a.test.display(),
            x.channels,
            x.frames,
            x.sample_rate,
            y.channels,
            y.frames,
            y.sample_rate
        );
    }
    if let (Some(noisy), Some(n)) = (&a.noisy, n) {
        if n.channels != y.channels || n.frames != y.frames {
            bail!(
                "{}: shape differs from {}",
                noisy.display(),
                a.test.display()
            );
        }
    }
    Ok(())
}

/// The metrics of files, in bounded memory ([`metrics_files`]).
fn measure_streamed(a: &Args) -> Result<(Shape, Metrics)> {
    let options = StreamOptions::default();
    let x = Shape::of(&a.reference, &options)?;
    let y = Shape::of(&a.test, &options)?;
    let n = a
        .noisy
        .as_deref()
        .map(|p| Shape::of(p, &options))
        .transpose()?;
    check_shapes(a, &x, &y, n.as_ref())?;
    let m = metrics_files(&a.reference, &a.test, a.noisy.as_deref(), &options)?;
    Ok((x, m))
}

/// The metrics of the decoded signals (inputs that cannot be read twice, such as pipes).
fn measure_whole(a: &Args) -> Result<(Shape, Metrics)> {
    let shape = |audio: &Audio| Shape {
        sample_rate: audio.sample_rate,
        channels: audio.channel_count(),
        frames: audio.frames(),
    };
    let x = pipeline::load(&a.reference, false)?;
    let y = pipeline::load(&a.test, false)?;
    check_shapes(a, &shape(&x), &shape(&y), None)?;
    let mut m = Metrics::compute(&x.channels, &y.channels, x.sample_rate)?;
    if let Some(noisy) = &a.noisy {
        let n = pipeline::load(noisy, false)?;
        check_shapes(a, &shape(&x), &shape(&y), Some(&shape(&n)))?;
        m = m.with_nrr(&n.channels, &y.channels);
    }
    Ok((shape(&x), m))
}
