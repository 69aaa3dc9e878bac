//! `sparsewave info`: what a file holds.

use anyhow::Result;
use sparsewave::pipeline;
use std::path::PathBuf;

/// Format, rate, channels, duration, peak and RMS of an audio file.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  sparsewave info song.flac --json")]
pub struct Args {
    /// Audio file.
    pub input: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> Result<()> {
    let audio = pipeline::load(&a.input, false)?;
    let db = |v: f64| 20.0 * v.log10();
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "command": "info", "input": a.input, "container": audio.codec,
                "sample_format": audio.format.describe(), "sample_rate": audio.sample_rate,
                "channels": audio.channel_count(), "samples": audio.frames(),
                "duration_seconds": audio.seconds(), "peak": audio.peak(), "rms": audio.rms(),
                "peak_dbfs": db(audio.peak()), "rms_dbfs": db(audio.rms()),
            }))?
        );
    } else {
        println!("{}", a.input.display());
        println!(
            "  format      {} ({})",
            audio.codec,
            audio.format.describe()
        );
        println!("  rate        {} Hz", audio.sample_rate);
        println!("  channels    {}", audio.channel_count());
        println!(
            "  duration    {:.3} s ({} samples)",
            audio.seconds(),
            audio.frames()
        );
        println!(
            "  peak        {:.6} ({:.2} dBFS)",
            audio.peak(),
            db(audio.peak())
        );
        println!(
            "  RMS         {:.6} ({:.2} dBFS)",
            audio.rms(),
            db(audio.rms())
        );
    }
    Ok(())
}
