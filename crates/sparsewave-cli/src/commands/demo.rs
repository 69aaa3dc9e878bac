//! `sparsewave demo`: every method family on the bundled real clip.

use super::common::with_spinner;
use anyhow::Result;
use sparsewave::approx::griffin_lim::PhaseInit;
use sparsewave::approx::interp::{decimate_and_interpolate, InterpMethod};
use sparsewave::approx::lowrank::{LowRankApprox, PhaseMode};
use sparsewave::audio::output::{create_dir, write_atomic};
use sparsewave::audio::{decode_reader, Audio};
use sparsewave::codec::{self, DwtParams, Method, PgbzParams, Target};
use sparsewave::compress::analysis::{Analysis, Representation};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::{select, Keep};
use sparsewave::denoise::gate::{spectral_gate, GateConfig};
use sparsewave::denoise::gaussian::gaussian_filter;
use sparsewave::denoise::shrink::{ThresholdKind, ThresholdRule, WaveletShrink};
use sparsewave::denoise::wsvd::{wsvd_denoise, WsvdConfig};
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::metrics::metric_stft;
use sparsewave::noise::{make_noise, NoiseModel};
use sparsewave::pipeline::{self, Outcome};
use sparsewave::plot;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The bundled clip: 4 s of an acoustic folk ensemble (GPL-2.0-or-later; see tests/data/SOURCES.md).
const CLIP: &[u8] = include_bytes!("../../../sparsewave/tests/data/folk_4s.wav");

/// Run every method family on a bundled 4 s real recording; write audio, figures and a summary.
///
/// Approximation and compression rows compare with the clip itself; denoising rows add white
/// Gaussian noise at 20 dB SNR (seed 0) and compare the denoised audio with the clean clip.
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
            &clip,
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
            pipeline::process(&clip, |_, x, _| {
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
            pipeline::process(&clip, |_, x, _| {
                let out = decimate_and_interpolate(x, factor, method)?;
                Ok((out.signal, Some(out.stored_real_values)))
            })
        })?;
        finish(name, format!("decimation ×{factor}, {method:?}"), outcome)?;
    }

    // Family 2: sparse time–frequency compression at 4 % kept.
    for (name, rep, refit) in [
        (
            "compress_pgbz_4pct",
            Representation::Pgbz {
                lattice: None,
                block: None,
            },
            false,
        ),
        (
            "compress_pgbz_ls_4pct",
            Representation::Pgbz {
                lattice: None,
                block: None,
            },
            true,
        ),
        (
            "compress_stft_4pct",
            Representation::Stft {
                window_length: 1024,
            },
            false,
        ),
        (
            "compress_dwt_db5_4pct",
            Representation::Dwt {
                wavelet: "db5".parse()?,
                mode: "periodization".parse()?,
                level: None,
            },
            false,
        ),
    ] {
        let outcome = with_spinner(name, || {
            pipeline::process(&clip, |_, x, _| {
                let mut analysis = Analysis::new(&rep, x)?;
                let sel = select(
                    analysis.magnitudes(),
                    analysis.costs(),
                    Keep::Fraction(0.04),
                    x.len(),
                )?;
                let mut y = vec![0.0; x.len()];
                if refit {
                    analysis.refit(x, &sel.mask, &mut y, &RefitOptions::default())?;
                } else {
                    analysis.reconstruct(&sel.mask, &mut y)?;
                }
                Ok((y, Some(sel.kept_reals)))
            })
        })?;
        let what = if refit {
            format!("{} + least-squares re-fit", rep.name())
        } else {
            rep.name().to_string()
        };
        finish(
            name,
            format!("{what}, 4 % of the real degrees of freedom kept"),
            outcome,
        )?;
    }

    // Real compressed files: DWT and PGBZ at 32 kbit/s, decoded back.
    for (name, method) in [
        (
            "swz_dwt_32kbps",
            Method::Dwt(DwtParams {
                wavelet: "db5".parse()?,
                mode: "periodization".parse()?,
                level: None,
            }),
        ),
        (
            "swz_pgbz_32kbps",
            Method::Pgbz(PgbzParams {
                lattice: None,
                refit: 0,
            }),
        ),
    ] {
        let t0 = std::time::Instant::now();
        let encoded = with_spinner(name, || {
            codec::encode(&clip, &method, Target::Bitrate { kbps: 32.0 })
        })?;
        write_atomic(&a.output.join(format!("{name}.swz")), &encoded.bytes)?;
        // The row measures the file as the decoder reads it back.
        let decoded = codec::decode(&encoded.bytes, codec::Limits::default())
            .map_err(|e| anyhow::anyhow!("{name}.swz: {e}"))?;
        let mut channel = decoded.channels.into_iter();
        let mut outcome = pipeline::process(&clip, |_, _, _| {
            Ok((
                channel
                    .next()
                    .expect("one decoded channel per input channel"),
                None,
            ))
        })?;
        // The time of a row is the rate-controlled encode plus the decode.
        outcome.seconds = t0.elapsed().as_secs_f64();
        let kbps = codec::kbps(encoded.bytes.len(), clip.seconds());
        finish(
            name,
            format!("{name}.swz: {kbps:.1} kbit/s file, decoded"),
            outcome,
        )?;
    }

    // Family 3: denoising of the clip with white noise at 20 dB SNR (seeded).
    let noisy_of = |x: &[f64]| -> sparsewave::Result<Vec<f64>> {
        let e = make_noise(NoiseModel::Awgn, x, 20.0, 0)?;
        Ok(x.iter().zip(&e).map(|(a, b)| a + b).collect())
    };
    let noisy = pipeline::process(&clip, |_, x, _| Ok((noisy_of(x)?, None)))?;
    finish(
        "noisy_awgn_20db",
        "input + white Gaussian noise at 20.00 dB SNR (denoisers' input)".into(),
        noisy,
    )?;
    let rate = f64::from(clip.sample_rate);
    let shrink = WaveletShrink {
        wavelet: "db3".parse()?,
        mode: "symmetric".parse()?,
        level: Some(4),
        rule: ThresholdRule::Universal,
        kind: ThresholdKind::Soft,
    };
    type Denoiser<'a> = Box<dyn Fn(&[f64]) -> sparsewave::Result<Vec<f64>> + 'a>;
    let denoisers: Vec<(&str, &str, Denoiser)> = vec![
        (
            "denoise_wsvd",
            "WSVD (w 200, AIC rank, xfade) on the noisy clip",
            Box::new(|y| Ok(wsvd_denoise(y, rate, &WsvdConfig::default())?.signal)),
        ),
        (
            "denoise_wsvd_paper",
            "WSVD, the paper's preset",
            Box::new(|y| Ok(wsvd_denoise(y, rate, &WsvdConfig::paper())?.signal)),
        ),
        (
            "denoise_wavelet_db3",
            "wavelet shrinkage db3 L4, universal soft",
            Box::new(|y| shrink.denoise(y)),
        ),
        (
            "denoise_gaussian_s1",
            "Gaussian filter σ = 1 sample",
            Box::new(|y| gaussian_filter(y, 1.0)),
        ),
        (
            "denoise_gate",
            "spectral gate, noise estimated from the signal",
            Box::new(|y| spectral_gate(y, clip.sample_rate, &GateConfig::default())),
        ),
    ];
    for (name, what, denoise) in denoisers {
        let outcome = with_spinner(name, || {
            pipeline::process(&clip, |_, x, _| Ok((denoise(&noisy_of(x)?)?, None)))
        })?;
        finish(name, what.into(), outcome)?;
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
