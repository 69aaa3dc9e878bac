//! `sparsewave rd`: rate–distortion curves of the codec's methods.

use super::common::{parse_list, with_spinner};
use super::encode::MethodOpts;
use anyhow::Result;
use serde_json::json;
use sparsewave::audio::output::{create_dir, write_atomic, write_atomic_with};
use sparsewave::codec::{self, Target};
use sparsewave::metrics::Metrics;
use sparsewave::pipeline;
use sparsewave::plot::{self, LineChart, Series};
use std::path::{Path, PathBuf};

/// SNR and segmental SNR against the real bit rate of `.swz` files, one curve per method, with
/// the input's PCM rate and its FLAC size (flacenc) as reference points.
///
/// Each point is a rate-controlled encoding (`encode --bitrate`) measured on its decoded audio.
/// Writes `<stem>_rd.csv`, `<stem>_rd.json`, `<stem>_rd_snr.png` and `<stem>_rd_segsnr.png`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave rd song.wav --methods pgbz,dwt,stft,svd --bitrates 16,24,32,48,64,96,128
  sparsewave rd song.wav --methods dwt,stft --bitrates 8,16,32 --out-dir figs/ --json")]
pub struct Args {
    /// Input audio.
    pub input: PathBuf,
    /// Methods, comma-separated (pgbz, pgbz-ls, dwt, stft, svd, interp).
    #[arg(long, default_value = "pgbz,dwt,stft,svd")]
    pub methods: String,
    /// Target bit rates in kbit/s, comma-separated.
    #[arg(long, default_value = "16,24,32,48,64,96,128")]
    pub bitrates: String,
    /// Folder for the CSV, JSON and plots (default: the input's folder).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub params: MethodOpts,
    /// Mix all channels down to one first.
    #[arg(long)]
    pub mono: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One point of a curve.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RdPoint {
    pub method: String,
    pub target_kbps: f64,
    pub kbps: f64,
    pub bytes: usize,
    pub bits_per_sample: f64,
    pub snr_db: f64,
    pub seg_snr_db: f64,
    pub target_met: bool,
}

pub fn run(a: Args) -> Result<()> {
    let names: Vec<String> = parse_list("--methods", &a.methods)?;
    let methods = names
        .iter()
        .map(|n| a.params.method(n))
        .collect::<Result<Vec<_>>>()?;
    let rates: Vec<f64> = parse_list("--bitrates", &a.bitrates)?;
    if let Some(bad) = rates.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
        anyhow::bail!("invalid --bitrates: {bad} is not a positive rate");
    }
    let dir = a
        .out_dir
        .clone()
        .or_else(|| a.input.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    if !dir.as_os_str().is_empty() {
        create_dir(&dir)?;
    }
    let input = pipeline::load(&a.input, a.mono)?;
    let samples = input.frames() * input.channel_count();
    let pcm_bits = match input.format {
        sparsewave::audio::SampleFormat::Int(b) => u32::from(b),
        sparsewave::audio::SampleFormat::Float32 => 32,
        sparsewave::audio::SampleFormat::Float64 => 64,
    };
    let pcm_kbps =
        f64::from(input.sample_rate) * input.channel_count() as f64 * f64::from(pcm_bits) / 1000.0;
    let (flac_bytes, flac_bits) = codec::flac_size(&input)?;
    let flac_kbps = codec::kbps(flac_bytes, input.seconds());

    let mut points = Vec::new();
    for (name, method) in names.iter().zip(&methods) {
        let prepared = with_spinner(&format!("analysing ({name})"), || {
            codec::prepare(&input, method)
        })?;
        for &kbps in &rates {
            let enc = with_spinner(&format!("{name} at {kbps} kbit/s"), || {
                codec::encode_prepared(prepared.as_ref(), &input, method, Target::Bitrate { kbps })
            })?;
            let m = Metrics::compute(&input.channels, &enc.decoded.channels, input.sample_rate)?;
            let bytes = enc.bytes.len();
            points.push(RdPoint {
                method: name.clone(),
                target_kbps: kbps,
                kbps: codec::kbps(bytes, input.seconds()),
                bytes,
                bits_per_sample: 8.0 * bytes as f64 / samples as f64,
                snr_db: m.snr_db,
                seg_snr_db: m.seg_snr_db,
                target_met: enc.target_met,
            });
        }
    }

    let stem = a
        .input
        .file_stem()
        .map_or("rd".into(), |s| s.to_string_lossy().into_owned());
    let csv_path = dir.join(format!("{stem}_rd.csv"));
    write_atomic_with(&csv_path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        for p in &points {
            csv.serialize(p).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })?;
    let snr_png = dir.join(format!("{stem}_rd_snr.png"));
    let seg_png = dir.join(format!("{stem}_rd_segsnr.png"));
    plot::save(
        &snr_png,
        &chart(
            &names,
            &points,
            |p| p.snr_db,
            "SNR (dB)",
            pcm_kbps,
            flac_kbps,
        ),
    )?;
    plot::save(
        &seg_png,
        &chart(
            &names,
            &points,
            |p| p.seg_snr_db,
            "segmental SNR (dB)",
            pcm_kbps,
            flac_kbps,
        ),
    )?;
    let report = json!({
        "command": "rd", "input": a.input, "sample_rate": input.sample_rate,
        "channels": input.channel_count(), "samples": input.frames(),
        "pcm_kbps": pcm_kbps, "flac_bytes": flac_bytes, "flac_kbps": flac_kbps,
        "flac_bits": flac_bits, "points": points,
        "csv": csv_path, "plots": [snr_png, seg_png],
    });
    let json_path = dir.join(format!("{stem}_rd.json"));
    write_atomic(
        &json_path,
        serde_json::to_string_pretty(&report)?.as_bytes(),
    )?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{}: PCM {pcm_kbps:.1} kbit/s, FLAC {flac_kbps:.1} kbit/s ({flac_bytes} bytes)",
        a.input.display()
    );
    println!("  method   target   kbit/s     SNR   segSNR");
    for p in &points {
        println!(
            "  {:<8} {:>6.1} {:>8.2} {:>7.2} {:>8.2}{}",
            p.method,
            p.target_kbps,
            p.kbps,
            p.snr_db,
            p.seg_snr_db,
            if p.target_met {
                ""
            } else {
                "  (target not met)"
            }
        );
    }
    println!(
        "  wrote {}, {}, {}",
        csv_path.display(),
        snr_png.display(),
        json_path.display()
    );
    Ok(())
}

/// One curve per method against kbit/s (log axis), and the two lossless references as vertical
/// segments spanning the measured range.
fn chart(
    names: &[String],
    points: &[RdPoint],
    value: impl Fn(&RdPoint) -> f64,
    y_label: &str,
    pcm_kbps: f64,
    flac_kbps: f64,
) -> LineChart {
    let ys: Vec<f64> = points
        .iter()
        .map(&value)
        .filter(|v| v.is_finite())
        .collect();
    let lo = ys.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = ys
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .max(lo + 1.0);
    let mut series: Vec<Series> = names
        .iter()
        .map(|n| Series {
            label: n.clone(),
            points: points
                .iter()
                .filter(|p| &p.method == n)
                .map(|p| (p.kbps, value(p)))
                .collect(),
        })
        .collect();
    for (label, x) in [
        (format!("PCM ({pcm_kbps:.0} kbit/s)"), pcm_kbps),
        (format!("FLAC, lossless ({flac_kbps:.0} kbit/s)"), flac_kbps),
    ] {
        series.push(Series {
            label,
            points: vec![(x, lo), (x, hi)],
        });
    }
    LineChart {
        title: format!("rate–distortion: {y_label} of the decoded audio"),
        x_label: "bit rate (kbit/s)".into(),
        y_label: y_label.into(),
        series,
        log_x: true,
        log_y: false,
    }
}
