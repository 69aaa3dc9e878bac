//! `sparsewave info`: what a file holds.

use anyhow::Result;
use sparsewave::pipeline;
use std::path::PathBuf;

/// Format, rate, channels, duration, peak and RMS of an audio file; header, sizes and bit
/// rate of a `.swz` file.
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
    if starts_with_swz_magic(&a.input) {
        return swz_info(&a);
    }
    let audio = pipeline::load(&a.input, false)?;
    let (peak, rms) = (audio.peak(), audio.rms());
    let db = |v: f64| 20.0 * v.log10();
    if a.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "command": "info", "input": a.input, "container": audio.codec,
                "sample_format": audio.format.describe(), "sample_rate": audio.sample_rate,
                "channels": audio.channel_count(), "samples": audio.frames(),
                "duration_seconds": audio.seconds(), "peak": peak, "rms": rms,
                "peak_dbfs": db(peak), "rms_dbfs": db(rms),
            }))?
        );
    } else {
        outln!("{}", a.input.display());
        outln!(
            "  format      {} ({})",
            audio.codec,
            audio.format.describe()
        );
        outln!("  rate        {} Hz", audio.sample_rate);
        outln!("  channels    {}", audio.channel_count());
        outln!(
            "  duration    {:.3} s ({} samples)",
            audio.seconds(),
            audio.frames()
        );
        outln!("  peak        {:.6} ({:.2} dBFS)", peak, db(peak));
        outln!("  RMS         {:.6} ({:.2} dBFS)", rms, db(rms));
    }
    Ok(())
}

/// Whether `path` is a regular file that starts like a `.swz` file (a pipe is not sniffed: its
/// bytes can be read only once).
fn starts_with_swz_magic(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0_u8; 4];
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
        && sparsewave::codec::is_swz(&head)
}

/// `sparsewave info FILE.swz`: every header field and the sizes, after checking the CRCs (a
/// segmented file is read one segment at a time).
fn swz_info(a: &Args) -> Result<()> {
    let info = sparsewave::codec::inspect_file(&a.input, sparsewave::codec::Limits::default())?;
    if a.json {
        let mut v = serde_json::to_value(&info)?;
        v["command"] = "info".into();
        v["input"] = serde_json::to_value(&a.input)?;
        v["container"] = "swz".into();
        outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    outln!("{}", a.input.display());
    outln!(
        "  format      swz version {} ({})",
        info.version,
        info.method
    );
    outln!("  parameters  {}", info.params);
    outln!(
        "  quantizer   step {:e}, keep {:.4}",
        info.quantizer_step,
        info.keep
    );
    outln!("  source      {}", info.source_format);
    outln!("  rate        {} Hz", info.sample_rate);
    outln!("  channels    {}", info.channels);
    outln!(
        "  duration    {:.3} s ({} samples)",
        info.duration_seconds,
        info.samples
    );
    match &info.segments {
        None => outln!(
            "  size        {} bytes (header {}, payloads {:?})",
            info.bytes,
            info.header_bytes,
            info.payload_bytes
        ),
        Some(s) => {
            let sizes = &info.payload_bytes;
            outln!(
                "  segments    {} of {} samples, overlap {}: {:?}",
                s.count,
                s.samples,
                s.overlap,
                s.methods
            );
            outln!(
                "  size        {} bytes (header {}, segment files {}–{} bytes)",
                info.bytes,
                info.header_bytes,
                sizes.iter().min().unwrap_or(&0),
                sizes.iter().max().unwrap_or(&0)
            );
        }
    }
    outln!(
        "  bit rate    {:.2} kbit/s, {:.4} bits/sample",
        info.kbps,
        info.bits_per_sample
    );
    Ok(())
}
