//! `sparsewave approx`: rank-k SVD of the STFT magnitude, original or Griffin–Lim phase.

use super::common::{
    comparison_plots, parse_list, print_report, sibling, with_spinner, OutputOpts,
};
use anyhow::{bail, Result};
use serde_json::json;
use sparsewave::approx::griffin_lim::PhaseInit;
use sparsewave::approx::lowrank::{LowRankApprox, PhaseMode};
use sparsewave::audio::output::write_atomic_with;
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::metrics::{rel_error_pct, snr_db};
use sparsewave::pipeline::{self, Report, Storage};
use sparsewave::plot::{self, LineChart, Series};
use sparsewave::transform::stft::{PadMode, Stft, StftConfig};
use sparsewave::transform::window::WindowKind;
use std::path::PathBuf;

/// Low-rank approximation of the magnitude spectrogram.
///
/// A = |STFT(x)| is replaced by its best rank-k approximation (truncated SVD), negative values
/// are set to 0, the phase is the input's own (default) or found by Griffin–Lim, and the result
/// is transformed back. The storage report counts U_k, Σ_k, V_k and, with the original phase,
/// the phase matrix: about 2× the input for any k.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  sparsewave approx song.wav -o song_k20.wav --rank 20
  sparsewave approx song.wav -o song_e95.wav --energy 0.95 --plots figs/
  sparsewave approx song.wav -o song_gl.wav --rank 50 --phase griffin-lim --iters 100 --seed 1
  sparsewave approx song.wav -o song_k20.wav --rank 20 --sweep-ranks 1,5,10,20,50,100")]
pub struct Args {
    /// Input audio (WAV, FLAC, MP3, Ogg Vorbis).
    pub input: PathBuf,
    /// Output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Rank k of the approximation.
    #[arg(long, conflicts_with = "energy")]
    pub rank: Option<usize>,
    /// Smallest rank keeping this fraction of Σσ² (default 0.95 when --rank is not given).
    #[arg(long)]
    pub energy: Option<f64>,
    /// Also write the error-vs-rank curve (CSV + plot) for these ranks.
    #[arg(long, value_name = "K,K,...")]
    pub sweep_ranks: Option<String>,
    /// Phase of the approximation: original or griffin-lim.
    #[arg(long, default_value = "original")]
    pub phase: String,
    /// Griffin–Lim iterations.
    #[arg(long, default_value_t = 50)]
    pub iters: usize,
    /// Seed of the Griffin–Lim random start.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Griffin–Lim start: random or original.
    #[arg(long, default_value = "random")]
    pub init_phase: String,
    /// FFT size.
    #[arg(long, default_value_t = 2048)]
    pub n_fft: usize,
    /// Hop in samples.
    #[arg(long, default_value_t = 512)]
    pub hop: usize,
    /// Window length (default: n_fft).
    #[arg(long)]
    pub win_length: Option<usize>,
    /// Window: hann, hamming, blackman-harris, gaussian[:F].
    #[arg(long, default_value = "hann")]
    pub window: String,
    /// Padding of the centred frames: zero (librosa ≥ 0.10) or reflect.
    #[arg(long, default_value = "zero")]
    pub pad: String,
    #[command(flatten)]
    pub out: OutputOpts,
}

pub fn stft_from_flags(
    n_fft: usize,
    hop: usize,
    win: Option<usize>,
    window: &str,
    pad: &str,
) -> Result<Stft> {
    let kind: WindowKind = window.parse()?;
    let pad_mode: PadMode = pad.parse()?;
    Ok(Stft::new(StftConfig::centered(
        n_fft,
        hop,
        win.unwrap_or(n_fft),
        kind,
        pad_mode,
    )?)?)
}

pub fn run(a: Args) -> Result<()> {
    let stft = stft_from_flags(a.n_fft, a.hop, a.win_length, &a.window, &a.pad)?;
    let rule = match (a.rank, a.energy) {
        (Some(k), _) => RankRule::Fixed(k),
        (None, Some(f)) => RankRule::Energy(f),
        (None, None) => RankRule::Energy(0.95),
    };
    let phase = match a.phase.as_str() {
        "original" => PhaseMode::Original,
        "griffin-lim" | "griffinlim" => PhaseMode::GriffinLim {
            iters: a.iters,
            init: match a.init_phase.as_str() {
                "random" => PhaseInit::Random { seed: a.seed },
                "original" => PhaseInit::Given,
                other => bail!("invalid --init-phase: '{other}' is not random or original"),
            },
        },
        other => bail!("invalid --phase: '{other}' is not original or griffin-lim"),
    };
    let sweep: Option<Vec<usize>> = a
        .sweep_ranks
        .as_deref()
        .map(|s| parse_list("--sweep-ranks", s))
        .transpose()?;
    let bits = a.out.prepare()?;
    pipeline::check_output(&a.output, &[&a.input])?;
    let input = pipeline::load(&a.input, a.out.mono)?;
    let need_all = matches!(rule, RankRule::Energy(_)) || a.out.plots.is_some() || sweep.is_some();

    let mut sweeps = Vec::new();
    let outcome = with_spinner("low-rank approximation", || {
        pipeline::process(&input, |_, x, _| {
            let plan = LowRankApprox::new(&stft, x, need_all)?;
            let out = plan.run(rule, phase)?;
            if let Some(ranks) = &sweep {
                sweeps.push(rank_sweep(&plan, x, ranks, phase)?);
            }
            Ok((out.signal.clone(), out))
        })
    })?;
    let written = sparsewave::audio::write_wav(&a.output, &outcome.output, bits)?;
    let first = &outcome.infos[0];
    let real_values: usize = outcome.infos.iter().map(|o| o.stored_real_values).sum();
    let samples = input.frames() * input.channel_count();
    let mut report = Report::new(
        "approx",
        &input,
        &outcome,
        json!({
            "rank_rule": rule, "phase": phase, "n_fft": a.n_fft, "hop": a.hop,
            "win_length": a.win_length.unwrap_or(a.n_fft), "window": a.window, "pad": a.pad,
            "mono": a.out.mono,
        }),
    )
    .with_files(&a.input, Some(&a.output))
    .with_write(written)
    .with(
        "rank",
        outcome.infos.iter().map(|o| o.rank).collect::<Vec<_>>(),
    )
    .with("svd_method", first.svd_method)
    .with("spectrogram_shape", first.shape)
    .with(
        "frobenius_rel_error",
        outcome
            .infos
            .iter()
            .map(|o| o.frobenius_error / o.total_energy.sqrt())
            .collect::<Vec<_>>(),
    );
    report.storage = Some(Storage::new(real_values, samples));

    if sweep.is_some() {
        let csv_path = sibling(&a.output, a.out.plots.as_deref(), "_rank_sweep.csv");
        write_sweep_csv(&csv_path, &sweeps[0])?;
        let png = csv_path.with_extension("png");
        plot::save(&png, &sweep_chart(&sweeps[0]))?;
        report = report.with("rank_sweep", json!({"csv": csv_path, "plot": png}));
    }
    if let Some(dir) = &a.out.plots {
        let (stem, mut figs) =
            comparison_plots(dir, &a.output, &input, &outcome, "rank-k approximation")?;
        let sv_path = dir.join(format!("{stem}_singular_values.png"));
        let sv = &first.singular_values;
        plot::save(
            &sv_path,
            &LineChart {
                title: format!(
                    "singular values of |STFT| (channel 0; rank {} kept)",
                    first.rank
                ),
                x_label: "index i".into(),
                y_label: "σ_i".into(),
                series: vec![Series {
                    label: String::new(),
                    points: sv
                        .iter()
                        .enumerate()
                        .map(|(i, &s)| ((i + 1) as f64, s))
                        .collect(),
                }],
                log_x: true,
                log_y: true,
            },
        )?;
        figs.push(sv_path);
        report = report.with("plots", figs);
    }
    if !a.out.json {
        println!(
            "rank {} ({:?} SVD of a {}×{} magnitude spectrogram), phase: {}",
            first.rank, first.svd_method, first.shape.0, first.shape.1, a.phase
        );
    }
    print_report(&report, a.out.json)
}

/// One point of the error-vs-rank curve.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RankPoint {
    pub rank: usize,
    pub snr_db: f64,
    pub rel_error_pct: f64,
    /// ‖A − A_k‖_F / ‖A‖_F as measured.
    pub frobenius_rel_error: f64,
    /// sqrt(Σ_{i>k} σ_i²) / ‖A‖_F: the Eckart–Young optimum.
    pub eckart_young_rel_error: f64,
    pub stored_real_values: usize,
}

fn rank_sweep(
    plan: &LowRankApprox<'_>,
    x: &[f64],
    ranks: &[usize],
    phase: PhaseMode,
) -> sparsewave::Result<Vec<RankPoint>> {
    let kmax = plan.shape().0.min(plan.shape().1);
    if let Some(&bad) = ranks.iter().find(|&&k| k == 0 || k > kmax) {
        return Err(sparsewave::Error::param(
            "--sweep-ranks",
            format!("rank {bad} is outside 1..={kmax}"),
        ));
    }
    let top = *ranks.iter().max().unwrap_or(&1);
    let (svd, _) = plan.svd(top)?;
    let sv = plan
        .all_singular_values()
        .expect("sweeps compute all singular values");
    let total = plan.total_energy();
    ranks
        .iter()
        .map(|&k| {
            let (y, fro) = plan.synthesize(&svd, k, phase)?;
            let tail: f64 = sv[k..].iter().map(|s| s * s).sum();
            Ok(RankPoint {
                rank: k,
                snr_db: snr_db(x, &y),
                rel_error_pct: rel_error_pct(x, &y),
                frobenius_rel_error: fro / total.sqrt(),
                eckart_young_rel_error: (tail / total).sqrt(),
                stored_real_values: sparsewave::approx::lowrank::stored_real_values(
                    k,
                    plan.shape(),
                    phase,
                ),
            })
        })
        .collect()
}

fn write_sweep_csv(path: &std::path::Path, points: &[RankPoint]) -> Result<()> {
    write_atomic_with(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        for p in points {
            csv.serialize(p).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })?;
    Ok(())
}

fn sweep_chart(points: &[RankPoint]) -> LineChart {
    LineChart {
        title: "error vs rank k (channel 0)".into(),
        x_label: "rank k".into(),
        y_label: "relative error (%)".into(),
        series: vec![
            Series {
                label: "waveform relative error ‖x − y‖²/‖x‖² (%)".into(),
                points: points
                    .iter()
                    .map(|p| (p.rank as f64, p.rel_error_pct))
                    .collect(),
            },
            Series {
                label: "spectrogram ‖A − A_k‖_F / ‖A‖_F (%)".into(),
                points: points
                    .iter()
                    .map(|p| (p.rank as f64, 100.0 * p.frobenius_rel_error))
                    .collect(),
            },
        ],
        log_x: true,
        log_y: true,
    }
}
