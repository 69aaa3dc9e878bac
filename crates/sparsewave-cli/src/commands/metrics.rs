//! `sparsewave metrics`: compare two recordings.

use super::common::print_metrics;
use anyhow::{bail, Result};
use sparsewave::metrics::Metrics;
use sparsewave::pipeline;
use std::path::PathBuf;

/// Every metric of TEST against the reference REF (and NRR against NOISY when given).
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
    let x = pipeline::load(&a.reference, false)?;
    let y = pipeline::load(&a.test, false)?;
    if x.channel_count() != y.channel_count()
        || x.frames() != y.frames()
        || x.sample_rate != y.sample_rate
    {
        bail!(
            "{} and {} differ in shape: {} ch × {} samples at {} Hz vs {} ch × {} samples at {} Hz",
            a.reference.display(),
            a.test.display(),
            x.channel_count(),
            x.frames(),
            x.sample_rate,
            y.channel_count(),
            y.frames(),
            y.sample_rate
        );
    }
    let mut m = Metrics::compute(&x.channels, &y.channels, x.sample_rate)?;
    if let Some(noisy) = &a.noisy {
        let n = pipeline::load(noisy, false)?;
        if n.channel_count() != y.channel_count() || n.frames() != y.frames() {
            bail!(
                "{}: shape differs from {}",
                noisy.display(),
                a.test.display()
            );
        }
        m = m.with_nrr(&n.channels, &y.channels);
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "command": "metrics", "reference": a.reference, "test": a.test,
                "noisy": a.noisy, "sample_rate": x.sample_rate, "channels": x.channel_count(),
                "samples": x.frames(), "metrics": m,
            }))?
        );
    } else {
        println!("{} against {}", a.test.display(), a.reference.display());
        print_metrics(&m);
    }
    Ok(())
}
