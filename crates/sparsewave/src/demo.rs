//! The demo: every method family on a bundled 4 s real recording (acoustic folk ensemble,
//! GPL-2.0-or-later; see `tests/data/SOURCES.md`), with the metrics of each result.
//!
//! Approximation and compression rows compare with the clip itself; the `.swz` rows measure the
//! file as the decoder reads it back; denoising rows add white Gaussian noise at 20 dB SNR
//! (seed 0) and compare the denoised audio with the clean clip.

use crate::approx::griffin_lim::PhaseInit;
use crate::approx::interp::{decimate_and_interpolate, InterpMethod};
use crate::approx::lowrank::{LowRankApprox, PhaseMode};
use crate::audio::{decode_reader, Audio};
use crate::codec::{self, DwtParams, Method, PgbzParams, Target};
use crate::compress::analysis::{Analysis, Representation};
use crate::compress::refit::RefitOptions;
use crate::compress::sparsify::{select, Keep};
use crate::denoise::gate::{spectral_gate, GateConfig};
use crate::denoise::gaussian::gaussian_filter;
use crate::denoise::shrink::{ThresholdKind, ThresholdRule, WaveletShrink};
use crate::denoise::wsvd::{wsvd_denoise, WsvdConfig};
use crate::linalg::rank_rule::RankRule;
use crate::metrics::{metric_stft, Metrics};
use crate::noise::{make_noise, NoiseModel};
use crate::pipeline::{self, Outcome};
use crate::transform::wavelet::{Mode, Wavelet};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::time::Instant;

/// The bundled clip as WAV bytes: 4 s, 44.1 kHz, mono, 16 bit.
pub const CLIP_WAV: &[u8] = include_bytes!("../tests/data/folk_4s.wav");

/// The bundled clip, decoded.
pub fn clip() -> Result<Audio> {
    decode_reader(CLIP_WAV.to_vec(), "wav")
        .map_err(|reason| Error::bad_input("bundled demo clip", reason))
}

/// One result of the demo.
#[derive(Clone, Debug)]
pub struct DemoRow {
    /// File stem of the result (`approx_k20_original_phase`).
    pub name: &'static str,
    /// What was run, for people.
    pub method: String,
    /// The result's audio.
    pub output: Audio,
    /// The result against the clean clip.
    pub metrics: Metrics,
    /// Real numbers stored per input sample, where the method stores a representation.
    pub storage_ratio: Option<f64>,
    /// Processing time in seconds.
    pub seconds: f64,
    /// The `.swz` file's bytes, for the rows that encode one.
    pub swz: Option<Vec<u8>>,
}

/// Run every method family on `clip`. `on_step` is called with each row's name before it runs
/// (for a progress display).
pub fn run(clip: &Audio, mut on_step: impl FnMut(&str)) -> Result<Vec<DemoRow>> {
    let samples = clip.frames() as f64;
    let mut rows = Vec::new();
    let row = |name: &'static str, method: String, outcome: Outcome<Option<usize>>| DemoRow {
        name,
        method,
        storage_ratio: outcome.infos[0].map(|v| v as f64 / samples),
        metrics: outcome.metrics,
        seconds: outcome.seconds,
        output: outcome.output,
        swz: None,
    };
    let stft = metric_stft();

    // Family 1: spectrogram low-rank approximation, decimation + interpolation.
    let griffin_lim = PhaseMode::GriffinLim {
        iters: 50,
        init: PhaseInit::Random { seed: 0 },
    };
    for (name, rank, phase) in [
        ("approx_k20_original_phase", 20, PhaseMode::Original),
        ("approx_k100_original_phase", 100, PhaseMode::Original),
        ("approx_k100_griffin_lim", 100, griffin_lim),
    ] {
        on_step(name);
        let outcome = pipeline::process(clip, |_, x, _| {
            let out = LowRankApprox::new(&stft, x, false)?.run(RankRule::Fixed(rank), phase)?;
            Ok((out.signal, Some(out.stored_real_values)))
        })?;
        let phase_name = match phase {
            PhaseMode::Original => "original phase",
            PhaseMode::GriffinLim { .. } => "Griffin–Lim, 50 iterations",
        };
        rows.push(row(
            name,
            format!("spectrogram SVD rank {rank}, {phase_name}"),
            outcome,
        ));
    }
    for (name, factor, method) in [
        ("interp_x4_cubic", 4, InterpMethod::Cubic),
        ("interp_x4_lagrange5", 4, InterpMethod::Lagrange(5)),
        ("interp_x8_linear", 8, InterpMethod::Linear),
    ] {
        on_step(name);
        let outcome = pipeline::process(clip, |_, x, _| {
            let out = decimate_and_interpolate(x, factor, method)?;
            Ok((out.signal, Some(out.stored_real_values)))
        })?;
        rows.push(row(
            name,
            format!("decimation ×{factor}, {method:?}"),
            outcome,
        ));
    }

    // Family 2: sparse time–frequency compression at 4 % kept.
    let pgbz = Representation::Pgbz {
        lattice: None,
        block: None,
    };
    let db5 = Representation::Dwt {
        wavelet: "db5".parse::<Wavelet>()?,
        mode: Mode::Periodization,
        level: None,
    };
    for (name, rep, refit) in [
        ("compress_pgbz_4pct", pgbz.clone(), false),
        ("compress_pgbz_ls_4pct", pgbz, true),
        (
            "compress_stft_4pct",
            Representation::Stft {
                window_length: 1024,
            },
            false,
        ),
        ("compress_dwt_db5_4pct", db5, false),
    ] {
        on_step(name);
        let outcome = pipeline::process(clip, |_, x, _| {
            let mut analysis = Analysis::new(&rep, x)?;
            let keep = Keep::Fraction(0.04);
            let sel = select(analysis.magnitudes(), analysis.costs(), keep, x.len())?;
            let mut y = vec![0.0; x.len()];
            if refit {
                analysis.refit(x, &sel.mask, &mut y, &RefitOptions::default())?;
            } else {
                analysis.reconstruct(&sel.mask, &mut y)?;
            }
            Ok((y, Some(sel.kept_reals)))
        })?;
        let what = if refit {
            format!("{} + least-squares re-fit", rep.name())
        } else {
            rep.name().to_string()
        };
        rows.push(row(
            name,
            format!("{what}, 4 % of the real degrees of freedom kept"),
            outcome,
        ));
    }

    // Real compressed files at 32 kbit/s, measured as the decoder reads them back.
    for (name, method) in [
        (
            "swz_dwt_32kbps",
            Method::Dwt(DwtParams {
                wavelet: "db5".parse::<Wavelet>()?,
                mode: Mode::Periodization,
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
        on_step(name);
        let t0 = Instant::now();
        let encoded = codec::encode(clip, &method, Target::Bitrate { kbps: 32.0 })?;
        let decoded = codec::decode(&encoded.bytes, codec::Limits::default())
            .map_err(|e| Error::Corrupt(e.to_string()))?;
        let mut outcome =
            pipeline::process(clip, |c, _, _| Ok((decoded.channels[c].clone(), None)))?;
        // The time of a row is the rate-controlled encode plus the decode.
        outcome.seconds = t0.elapsed().as_secs_f64();
        let kbps = codec::kbps(encoded.bytes.len(), clip.seconds());
        rows.push(DemoRow {
            swz: Some(encoded.bytes),
            ..row(
                name,
                format!("{name}.swz: {kbps:.1} kbit/s file, decoded"),
                outcome,
            )
        });
    }

    // Family 3: denoising of the clip with white noise at 20 dB SNR (seeded).
    let noisy_of = |x: &[f64]| -> Result<Vec<f64>> {
        let e = make_noise(NoiseModel::Awgn, x, 20.0, 0)?;
        Ok(x.iter().zip(&e).map(|(a, b)| a + b).collect())
    };
    on_step("noisy_awgn_20db");
    let noisy = pipeline::process(clip, |_, x, _| Ok((noisy_of(x)?, None)))?;
    rows.push(row(
        "noisy_awgn_20db",
        "input + white Gaussian noise at 20.00 dB SNR (denoisers' input)".into(),
        noisy,
    ));
    let rate = f64::from(clip.sample_rate);
    let shrink = WaveletShrink {
        wavelet: "db3".parse::<Wavelet>()?,
        mode: Mode::Symmetric,
        level: Some(4),
        rule: ThresholdRule::Universal,
        kind: ThresholdKind::Soft,
    };
    type Denoise<'a> = Box<dyn Fn(&[f64]) -> Result<Vec<f64>> + 'a>;
    let denoisers: Vec<(&'static str, &str, Denoise)> = vec![
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
        on_step(name);
        let outcome = pipeline::process(clip, |_, x, _| Ok((denoise(&noisy_of(x)?)?, None)))?;
        rows.push(row(name, what.into(), outcome));
    }
    Ok(rows)
}

/// The demo's summary as a Markdown table.
pub fn summary_markdown(clip: &Audio, rows: &[DemoRow]) -> String {
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
            "| {}.wav | {} | {:.2} | {:.2} | {:.2} | {} | {:.3} |",
            r.name,
            r.method,
            r.metrics.snr_db,
            r.metrics.seg_snr_db,
            r.metrics.lsd_db,
            r.storage_ratio.map_or("–".into(), |v| format!("{v:.3}")),
            r.seconds
        );
    }
    s
}
