//! `sparsewave rd`: rate–distortion curves of the codec's methods.

use super::common::stem_of;
use super::common::with_spinner;
use super::encode::MethodOpts;
use anyhow::Result;
use sparsewave::audio::output::{check_dir, Staged};
use sparsewave::codec::{self, MethodKind};
use sparsewave::pipeline;
use sparsewave::plot;
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
  sparsewave rd song.wav --methods dwt,stft --bitrates 8,16,32 --out-dir figs/ --json
  sparsewave rd song.wav --methods auto,pgbz,dwt")]
pub struct Args {
    /// Input audio.
    pub input: PathBuf,
    /// Methods, comma-separated (pgbz, pgbz-ls, dwt, stft, svd, interp, auto; not hybrid,
    /// which needs an SNR target).
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
    check_dir(&dir)?;
    let input = pipeline::load(&a.input, a.mono)?;
    let rd = with_spinner("rate–distortion points", || {
        codec::rate_distortion(&input, &a.methods, &settings, &a.bitrates)
    })?;
    // Every file or none.
    let mut staged = Staged::default();
    staged.create_dir(&dir)?;

    let stem = stem_of(&a.input, "rd");
    let csv_path = dir.join(format!("{stem}_rd.csv"));
    staged.add_with(&csv_path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        for p in &rd.points {
            csv.serialize(p).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })?;
    let plots = plot::stage_all(&mut staged, &dir, &stem, &rd.figures()?)?;
    let rd = rd.with_files(&a.input, &csv_path, plots);
    let json_path = dir.join(format!("{stem}_rd.json"));
    staged.add(&json_path, serde_json::to_string_pretty(&rd)?.as_bytes())?;
    staged.commit()?;
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&rd)?);
        return Ok(());
    }
    outln!(
        "{}: PCM {:.1} kbit/s, FLAC {:.1} kbit/s ({} bytes)",
        a.input.display(),
        rd.pcm_kbps,
        rd.flac_kbps,
        rd.flac_bytes
    );
    outln!("  method   target   kbit/s     SNR   segSNR");
    for p in &rd.points {
        outln!(
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
    outln!(
        "  wrote {}, {}, {}",
        csv_path.display(),
        rd.plots
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        json_path.display()
    );
    Ok(())
}
