//! `sparsewave sweep`: error against kept coefficients, every method on one recording.

use super::common::stem_of;
use super::common::with_spinner;
use super::compress::RepresentationOpts;
use anyhow::Result;
use sparsewave::audio::output::{check_dir, Staged};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sweep::{
    keep_percentages, parse_levels, sweep, SweepConfig, SweepMethod,
};
use sparsewave::pipeline;
use sparsewave::plot;
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
    #[arg(
        long,
        value_delimiter = ',',
        default_values = ["pgbz", "pgbz-ls", "pgbz-gate", "stft", "dwt"]
    )]
    pub methods: Vec<SweepMethod>,
    /// Keep levels in percent of the input's real degrees of freedom.
    #[arg(long, default_value = "100,50,25,16,12,8,6,4,3,2")]
    pub keep: String,
    /// DWT candidate levels ("5..10" or "8,10"); the best per point is reported, as the paper did.
    #[arg(long)]
    pub levels: Option<String>,
    /// PGBZ re-fit: CGLS iterations.
    #[arg(long, default_value_t = RefitOptions::DEFAULT_ITERATIONS)]
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
    let keeps = keep_percentages(&a.keep)?;
    let levels = a.levels.as_deref().map(parse_levels).transpose()?;
    let stem = stem_of(&a.input, "sweep");
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
    let rep = a.rep.params();
    let cfg = SweepConfig::new(a.methods, keeps, &rep, levels.as_deref(), refit, rate)?;
    check_dir(&dir)?;
    let result = with_spinner("sweeping", || sweep(&input.channels, rate, &cfg))?;
    let points = &result.points;

    // Every file or none.
    let mut staged = Staged::default();
    staged.create_dir(&dir)?;
    staged.add_with(&dir.join("sweep.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        for p in points {
            csv.serialize(p).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })?;
    staged.add(
        &dir.join("sweep.json"),
        serde_json::to_string_pretty(points)?.as_bytes(),
    )?;
    let table = result.nmse_table();
    staged.add(&dir.join("nmse.md"), table.as_bytes())?;
    for p in result.figures(&input, &stem)? {
        plot::stage(&mut staged, &dir.join(format!("{}.png", p.name)), &p.plot)?;
    }
    staged.commit()?;
    if a.json {
        outln!("{}", serde_json::to_string_pretty(points)?);
    } else {
        outln!("| method | keep (%) | kept real values | SNR (dB) | rel. error (%) | s |");
        outln!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for p in points {
            outln!(
                "| {} | {} | {} | {:.2} | {:.4} | {:.3} |",
                p.method,
                p.keep_fraction * 100.0,
                p.kept_real_values,
                p.snr_db,
                p.rel_error_pct,
                p.seconds
            );
        }
        outln!("\n{table}");
        outln!("written to {}", dir.display());
    }
    Ok(())
}
