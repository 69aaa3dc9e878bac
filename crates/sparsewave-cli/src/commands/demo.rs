//! `sparsewave demo`: every method family on the bundled real clip.

use super::common::with_spinner;
use anyhow::Result;
use sparsewave::audio::output::{check_dir, Staged};
use sparsewave::audio::stage_wav;
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
    check_dir(&a.output)?;
    let clip = demo::clip()?;
    let rows = with_spinner("demo", || demo::run(&clip, |_| {}))?;
    // Every file or none.
    let mut staged = Staged::default();
    staged.create_dir(&a.output)?;
    stage_wav(&mut staged, &a.output.join("input.wav"), &clip, None)?;
    let plots = a.output.join("plots");
    for row in &rows {
        stage_wav(
            &mut staged,
            &a.output.join(format!("{}.wav", row.name)),
            &row.output,
            None,
        )?;
        if let Some(bytes) = &row.swz {
            staged.add(&a.output.join(format!("{}.swz", row.name)), bytes)?;
        }
        let figures = plot::report::comparison(&clip, &row.output, row.name)?;
        plot::stage_all(&mut staged, &plots, row.name, &figures)?;
    }
    let table = demo::summary_markdown(&clip, &rows);
    staged.add(&a.output.join("summary.md"), table.as_bytes())?;
    staged.commit()?;
    outln!("{table}");
    outln!(
        "audio, figures (plots/) and summary.md written to {}",
        a.output.display()
    );
    Ok(())
}
