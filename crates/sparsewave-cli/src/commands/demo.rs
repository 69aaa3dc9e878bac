//! `sparsewave demo`: every method family on the bundled real clip.

use super::common::with_spinner;
use anyhow::Result;
use sparsewave::audio::output::{create_dir, write_atomic};
use sparsewave::audio::write_wav;
use sparsewave::demo;
use sparsewave::plot;
use std::path::PathBuf;

/// Run every method family on a bundled 4 s real recording; write audio, figures and a summary.
///
/// Approximation and compression rows compare with the clip itself; denoising rows add white
/// Gaussian noise at 20 dB SNR (seed 0) and compare the denoised audio with the clean clip.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  sparsewave demo -o demo_out/")]
pub struct Args {
    /// Output folder.
    #[arg(short, long, default_value = "sparsewave-demo")]
    pub output: PathBuf,
}

pub fn run(a: Args) -> Result<()> {
    create_dir(&a.output)?;
    let clip = demo::clip()?;
    let rows = with_spinner("demo", || demo::run(&clip, |_| {}))?;
    write_wav(&a.output.join("input.wav"), &clip, None)?;
    let plots = a.output.join("plots");
    for row in &rows {
        write_wav(
            &a.output.join(format!("{}.wav", row.name)),
            &row.output,
            None,
        )?;
        if let Some(bytes) = &row.swz {
            write_atomic(&a.output.join(format!("{}.swz", row.name)), bytes)?;
        }
        plot::report::comparison_figures(&plots, row.name, &clip, &row.output, row.name)?;
    }
    let table = demo::summary_markdown(&clip, &rows);
    write_atomic(&a.output.join("summary.md"), table.as_bytes())?;
    println!("{table}");
    println!(
        "audio, figures (plots/) and summary.md written to {}",
        a.output.display()
    );
    Ok(())
}
