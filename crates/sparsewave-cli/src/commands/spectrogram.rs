//! `sparsewave spectrogram`: draw a spectrogram.

use anyhow::Result;
use sparsewave::pipeline;
use sparsewave::plot;
use std::path::PathBuf;

/// Draw the magnitude spectrogram (dB, colorbar) of channel 0 (or the mono mix) as PNG or SVG.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave spectrogram song.wav -o song.png
  sparsewave spectrogram song.wav -o song.svg --log-freq --mono")]
pub struct Args {
    /// Input audio.
    pub input: PathBuf,
    /// Output image (.png or .svg).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Logarithmic frequency axis.
    #[arg(long)]
    pub log_freq: bool,
    /// Mix all channels down first.
    #[arg(long)]
    pub mono: bool,
}

pub fn run(a: Args) -> Result<()> {
    pipeline::check_output(&a.output, &[&a.input])?;
    let audio = pipeline::load(&a.input, a.mono)?;
    let name = a
        .input
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let fig = plot::report::spectrogram_of(
        &format!("{name}: magnitude spectrogram (n_fft 2048, hop 512, Hann)"),
        &audio.channels[0],
        audio.sample_rate,
        a.log_freq,
        None,
    )?;
    plot::save(&a.output, &fig)?;
    outln!("{}", a.output.display());
    Ok(())
}
