//! `sparsewave sweep`: error against kept coefficients, every method on one recording.

use super::common::with_spinner;
use super::compress::RepresentationOpts;
use anyhow::Result;
use sparsewave::audio::output::{create_dir, write_atomic, write_atomic_with};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sweep::{
    keep_percentages, parse_levels, sweep, SweepConfig, SweepMethod, SweepPoint,
};
use sparsewave::pipeline;
use sparsewave::plot::{self, LineChart, Series, WaveformComparison};
use std::path::PathBuf;

/// Sweep keep levels for several methods: SNR and relative error against kept real numbers.
///
/// Each method analyses once, sorts once, and synthesises once per level. Writes sweep.csv,
/// sweep.json, the curves (SNR and relative error vs kept real numbers, log axis; the PGBZ
/// paper's Fig. 10/12), the NMSE table (its Table I: relative error × kept count × CPU seconds
/// at the last level) and the waveform comparison of each method at the last level (Fig. 13/14).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave sweep song.wav
  sparsewave sweep song.wav --methods pgbz,pgbz-ls,dwt --keep 50,25,12,6,4,2 -o sweep_out/
  sparsewave sweep drums.wav --wavelet db5 --levels 5..10 --json")]
pub struct Args {
    /// Input audio.
    pub input: PathBuf,
    /// Output folder (default: <input stem>_sweep next to the input's name, in the current folder).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Methods: pgbz, pgbz-ls (least-squares re-fit), pgbz-gate (spectral-gate post-filter), stft, dwt.
    #[arg(long, default_value = "pgbz,pgbz-ls,pgbz-gate,stft,dwt")]
    pub methods: String,
    /// Keep levels in percent of the input's real degrees of freedom.
    #[arg(long, default_value = "100,50,25,16,12,8,6,4,3,2")]
    pub keep: String,
    /// DWT candidate levels ("5..10" or "8,10"); the best per point is reported, as the paper did.
    #[arg(long)]
    pub levels: Option<String>,
    /// PGBZ re-fit: CGLS iterations.
    #[arg(long, default_value_t = 30)]
    pub refit_iters: usize,
    /// Mix all channels down first (otherwise errors are summed over channels).
    #[arg(long)]
    pub mono: bool,
    /// Print the points as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub rep: RepresentationOpts,
}

pub fn run(a: Args) -> Result<()> {
    let methods = a
        .methods
        .split(',')
        .map(str::parse::<SweepMethod>)
        .collect::<sparsewave::Result<Vec<_>>>()?;
    let keeps = keep_percentages(&a.keep)?;
    let levels = a.levels.as_deref().map(parse_levels).transpose()?;
    let rep = a.rep.params()?;
    let stem = a
        .input
        .file_stem()
        .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
    let dir = a
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{stem}_sweep")));
    let input = pipeline::load(&a.input, a.mono)?;
    let rate = input.sample_rate;
    let refit = RefitOptions {
        max_iterations: a.refit_iters,
        ..Default::default()
    };
    let cfg = SweepConfig::new(methods, keeps, &rep, levels.as_deref(), refit, rate)?;
    create_dir(&dir)?;
    let result = with_spinner("sweeping", || sweep(&input.channels, rate, &cfg))?;
    let points = &result.points;

    // CSV + JSON.
    write_atomic_with(&dir.join("sweep.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        for p in points {
            csv.serialize(p).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })?;
    write_atomic(
        &dir.join("sweep.json"),
        serde_json::to_string_pretty(points)?.as_bytes(),
    )?;
    // Curves.
    let samples = (input.frames() * input.channel_count()) as f64;
    let curve =
        |title: &str, y_label: &str, f: &dyn Fn(&SweepPoint) -> f64, log_y: bool| LineChart {
            title: format!("{stem}: {title}"),
            x_label: "kept real numbers (% of the input's samples, log scale)".into(),
            y_label: y_label.into(),
            series: cfg
                .methods
                .iter()
                .map(|m| Series {
                    label: m.name().into(),
                    points: points
                        .iter()
                        .filter(|p| p.method == m.name())
                        .map(|p| (100.0 * p.kept_real_values as f64 / samples, f(p)))
                        .collect(),
                })
                .collect(),
            log_x: true,
            log_y,
        };
    plot::save(
        &dir.join("sweep_snr.png"),
        // Perfect reconstruction gives round-off SNRs of 150–300 dB that would flatten the curves.
        &curve(
            "SNR vs kept coefficients (above 100 dB drawn at 100)",
            "SNR (dB)",
            &|p| p.snr_db.min(100.0),
            false,
        ),
    )?;
    plot::save(
        &dir.join("sweep_rel_error.png"),
        &curve(
            "relative error vs kept coefficients",
            "relative error ‖x − y‖²/‖x‖² (%)",
            &|p| p.rel_error_pct,
            true,
        ),
    )?;
    // NMSE table at the last level, and the waveform comparison there.
    let table = result.nmse_table();
    write_atomic(&dir.join("nmse.md"), table.as_bytes())?;
    let x = &input.channels[0];
    for w in &result.waveforms {
        plot::save(
            &dir.join(format!("waveform_{}.png", w.method)),
            &WaveformComparison {
                title: format!(
                    "{stem}: {} at {:.1} % kept (channel 0)",
                    w.method,
                    w.keep_fraction * 100.0
                ),
                sample_rate: rate,
                reference: x.clone(),
                estimate: w.samples.clone(),
                reference_label: "input".into(),
                estimate_label: w.method.name().into(),
                zoom_start: 0.4 * x.len() as f64 / f64::from(rate),
                markers: Vec::new(),
            },
        )?;
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(points)?);
    } else {
        println!("| method | keep (%) | kept real values | SNR (dB) | rel. error (%) | s |");
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for p in points {
            println!(
                "| {} | {} | {} | {:.2} | {:.4} | {:.3} |",
                p.method,
                p.keep_fraction * 100.0,
                p.kept_real_values,
                p.snr_db,
                p.rel_error_pct,
                p.seconds
            );
        }
        println!("\n{table}");
        println!("written to {}", dir.display());
    }
    Ok(())
}
