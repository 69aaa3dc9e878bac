//! `sparsewave rd`: rate–distortion curves of the codec's methods.

use super::common::with_spinner;
use super::encode::MethodOpts;
use anyhow::Result;
use sparsewave::audio::output::{create_dir, write_atomic, write_atomic_with};
use sparsewave::codec::{self, MethodKind, RateDistortion, RdPoint};
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
    #[arg(long, value_delimiter = ',', default_values_t = codec::DEFAULT_RD_METHODS)]
    pub methods: Vec<MethodKind>,
    /// Target bit rates in kbit/s, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = codec::DEFAULT_RD_BITRATES)]
    pub bitrates: Vec<f64>,
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

pub fn run(a: Args) -> Result<()> {
    let settings = a.params.settings()?;
    let dir = a
        .out_dir
        .clone()
        .or_else(|| a.input.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    if !dir.as_os_str().is_empty() {
        create_dir(&dir)?;
    }
    let input = pipeline::load(&a.input, a.mono)?;
    let rd = with_spinner("rate–distortion points", || {
        codec::rate_distortion(&input, &a.methods, &settings, &a.bitrates)
    })?;

    let stem = a
        .input
        .file_stem()
        .map_or("rd".into(), |s| s.to_string_lossy().into_owned());
    let csv_path = dir.join(format!("{stem}_rd.csv"));
    write_atomic_with(&csv_path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        for p in &rd.points {
            csv.serialize(p).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })?;
    let snr_png = dir.join(format!("{stem}_rd_snr.png"));
    let seg_png = dir.join(format!("{stem}_rd_segsnr.png"));
    plot::save(&snr_png, &chart(&a.methods, &rd, |p| p.snr_db, "SNR (dB)"))?;
    plot::save(
        &seg_png,
        &chart(&a.methods, &rd, |p| p.seg_snr_db, "segmental SNR (dB)"),
    )?;
    let rd = rd.with_files(&a.input, &csv_path, vec![snr_png.clone(), seg_png]);
    let json_path = dir.join(format!("{stem}_rd.json"));
    write_atomic(&json_path, serde_json::to_string_pretty(&rd)?.as_bytes())?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rd)?);
        return Ok(());
    }
    println!(
        "{}: PCM {:.1} kbit/s, FLAC {:.1} kbit/s ({} bytes)",
        a.input.display(),
        rd.pcm_kbps,
        rd.flac_kbps,
        rd.flac_bytes
    );
    println!("  method   target   kbit/s     SNR   segSNR");
    for p in &rd.points {
        println!(
            "  {:<8} {:>6.1} {:>8.2} {:>7.2} {:>8.2}{}",
            p.method.name(),
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
    methods: &[MethodKind],
    rd: &RateDistortion,
    value: impl Fn(&RdPoint) -> f64,
    y_label: &str,
) -> LineChart {
    let (pcm_kbps, flac_kbps) = (rd.pcm_kbps, rd.flac_kbps);
    let ys: Vec<f64> = rd
        .points
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
    let mut series: Vec<Series> = methods
        .iter()
        .map(|&m| Series {
            label: m.to_string(),
            points: rd.curve(m).map(|p| (p.kbps, value(p))).collect(),
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
