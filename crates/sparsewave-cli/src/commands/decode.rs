//! `sparsewave decode`: `.swz` back to WAV.

use super::common::{lines_text, with_spinner, Done};
use anyhow::Result;
use serde_json::json;
use sparsewave::audio::SampleFormat;
use sparsewave::codec::Limits;
use sparsewave::pipeline;
use sparsewave::stream::codec::decode_file;
use std::path::PathBuf;
use std::time::Instant;

/// Decode a `.swz` file to WAV (in the sample format of the encoded source unless --bits).
///
/// A segmented file (a long input, see `encode --segment-seconds`) is decoded one segment at
/// a time straight to the WAV file: memory is bounded by one segment, whatever the length.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  sparsewave decode song.swz -o song_decoded.wav --bits 16")]
pub struct Args {
    /// Input .swz file.
    pub input: PathBuf,
    /// Output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Output sample format: 16, 24, 32 (integer) or 32f (float).
    #[arg(long, value_name = "BITS")]
    pub bits: Option<SampleFormat>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run the job without printing: decode, write the WAV file, and report.
pub fn execute(a: &Args) -> Result<Done<serde_json::Value>> {
    pipeline::check_output(&a.output, &[&a.input])?;
    let t0 = Instant::now();
    let decoded = decode_file(&a.input, &a.output, a.bits, Limits::default())?;
    let seconds = t0.elapsed().as_secs_f64();
    let written = decoded.write;
    let duration = decoded.frames as f64 / f64::from(decoded.sample_rate);
    let report = json!({
        "command": "decode", "input": a.input, "output": a.output,
        "sample_rate": decoded.sample_rate, "channels": decoded.channels,
        "samples": decoded.frames, "seconds": seconds,
        "realtime_factor": duration / seconds.max(1e-9),
        "clipped_samples": written.clipped_samples, "segmented": decoded.segmented,
    });
    let mut lines = vec![
        format!("{} → {}", a.input.display(), a.output.display()),
        format!(
            "  {} Hz, {} channel(s), {} samples ({:.2} s); decoded in {:.3} s ({:.0}× real time)",
            decoded.sample_rate,
            decoded.channels,
            decoded.frames,
            duration,
            seconds,
            duration / seconds.max(1e-9)
        ),
    ];
    if written.clipped_samples > 0 {
        lines.push(format!(
            "  warning: {} samples clipped to [−1, 1] when writing",
            written.clipped_samples
        ));
    }
    Ok(Done {
        report,
        text: lines_text(&lines),
    })
}

/// The `decode` subcommand: [`execute`] under a spinner, then print.
pub fn run(a: Args) -> Result<()> {
    with_spinner("decoding", || execute(&a))?.print(a.json)
}
