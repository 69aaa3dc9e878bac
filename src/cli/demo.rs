//! `sparsewave demo`: every method family on the bundled real clip.

use super::common::with_spinner;
use anyhow::Result;
use sparsewave::approx::griffin_lim::PhaseInit;
use sparsewave::approx::interp::{decimate_and_interpolate, InterpMethod};
use sparsewave::approx::lowrank::{LowRankApprox, PhaseMode, RankRule};
use sparsewave::audio::output::{create_dir, write_atomic};
use sparsewave::audio::{decode_reader, Audio};
use sparsewave::metrics::metric_stft;
use sparsewave::pipeline::{self, Outcome};
use sparsewave::plot;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The bundled clip: 4 s of an acoustic folk ensemble (GPL-2.0-or-later; see tests/data/SOURCES.md).
const CLIP: &[u8] = include_bytes!("../../tests/data/folk_4s.wav");

/// Run every method family on a bundled 4 s real recording; write audio, figures and a summary.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  sparsewave demo -o demo_out/")]
pub struct Args {
    /// Output folder.
    #[arg(short, long, default_value = "sparsewave-demo")]
    pub output: PathBuf,
}

/// One row of the summary table.
struct Row {
    file: String,
    method: String,
    snr_db: f64,
    seg_snr_db: f64,
    lsd_db: f64,
    storage_ratio: Option<f64>,
    seconds: f64,
}

pub fn run(a: Args) -> Result<()> {
    create_dir(&a.output)?;
    let clip =
        decode_reader(CLIP.to_vec(), "wav").map_err(|e| anyhow::anyhow!("bundled clip: {e}"))?;
    let input_path = a.output.join("input.wav");
    sparsewave::audio::write_wav(&input_path, &clip, None)?;
    let samples = clip.frames();
    let mut rows = Vec::new();
    let stft = metric_stft();

    let mut finish = |name: &str, method: String, outcome: Outcome<Option<usize>>| -> Result<()> {
        let path = a.output.join(format!("{name}.wav"));
        sparsewave::audio::write_wav(&path, &outcome.output, None)?;
        plot::report::comparison_figures(
            &a.output.join("plots"),
            name,
            &outcome.input,
            &outcome.output,
            name,
        )?;
        rows.push(Row {
            file: format!("{name}.wav"),
            method,
            snr_db: outcome.metrics.snr_db,
            seg_snr_db: outcome.metrics.seg_snr_db,
            lsd_db: outcome.metrics.lsd_db,
            storage_ratio: outcome.infos[0].map(|v| v as f64 / samples as f64),
            seconds: outcome.seconds,
        });
        Ok(())
    };

    // Family 1: spectrogram low-rank approximation.
    for (name, rank, phase) in [
        ("approx_k20_original_phase", 20, PhaseMode::Original),
        ("approx_k100_original_phase", 100, PhaseMode::Original),
        (
            "approx_k100_griffin_lim",
            100,
            PhaseMode::GriffinLim {
                iters: 50,
                init: PhaseInit::Random { seed: 0 },
            },
        ),
    ] {
        let outcome = with_spinner(name, || {
            pipeline::process(clip.clone(), |x, _| {
                let out = LowRankApprox::new(&stft, x, false)?.run(RankRule::Fixed(rank), phase)?;
                Ok((out.signal, Some(out.stored_real_values)))
            })
        })?;
        let phase_name = if matches!(phase, PhaseMode::Original) {
            "original phase"
        } else {
            "Griffin–Lim, 50 iterations"
        };
        finish(
            name,
            format!("spectrogram SVD rank {rank}, {phase_name}"),
            outcome,
        )?;
    }
    for (name, factor, method) in [
        ("interp_x4_cubic", 4, InterpMethod::Cubic),
        ("interp_x4_lagrange5", 4, InterpMethod::Lagrange(5)),
        ("interp_x8_linear", 8, InterpMethod::Linear),
    ] {
        let outcome = with_spinner(name, || {
            pipeline::process(clip.clone(), |x, _| {
                let out = decimate_and_interpolate(x, factor, method)?;
                Ok((out.signal, Some(out.stored_real_values)))
            })
        })?;
        finish(name, format!("decimation ×{factor}, {method:?}"), outcome)?;
    }

    let table = summary(&clip, &rows);
    write_atomic(&a.output.join("summary.md"), table.as_bytes())?;
    println!("{table}");
    println!(
        "audio, figures (plots/) and summary.md written to {}",
        a.output.display()
    );
    Ok(())
}

fn summary(clip: &Audio, rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "sparsewave demo on the bundled clip: {:.1} s, {} Hz, {} channel(s) (acoustic folk ensemble)\n",
        clip.seconds(),
        clip.sample_rate,
        clip.channel_count()
    );
    let _ = writeln!(
        s,
        "| output | method | SNR (dB) | seg. SNR (dB) | LSD (dB) | stored / input | time (s) |"
    );
    let _ = writeln!(s, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} | {:.2} | {:.2} | {} | {:.3} |",
            r.file,
            r.method,
            r.snr_db,
            r.seg_snr_db,
            r.lsd_db,
            r.storage_ratio.map_or("–".into(), |v| format!("{v:.3}")),
            r.seconds
        );
    }
    s
}
