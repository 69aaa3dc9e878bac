//! The demo: every method family on a bundled 4 s real recording (acoustic folk ensemble,
//! GPL-2.0-or-later; see `tests/data/SOURCES.md`), with the metrics of each result.
//!
//! Approximation and compression rows compare with the clip itself; the `.swz` rows measure the
//! file as the decoder reads it back; denoising rows add white Gaussian noise at 20 dB SNR
//! (seed 0) and compare the denoised audio with the clean clip.

use crate::approx::interp::InterpMethod;
use crate::approx::interp_job::{interp, Decimation};
use crate::approx::job::{approx, ApproxParams, Phase};
use crate::audio::{decode_reader, Audio};
use crate::codec::{self, DwtParams, Method, PgbzParams, Target};
use crate::compress::job::compress;
use crate::compress::params::{CompressMethod, CompressParams, RepresentationParams};
use crate::compress::refit::RefitOptions;
use crate::compress::sparsify::Keep;
use crate::denoise::denoiser::{DenoiseParams, Denoiser};
use crate::denoise::gate::GateConfig;
use crate::denoise::job::denoise;
use crate::denoise::shrink::{ThresholdKind, ThresholdRule, WaveletShrink};
use crate::denoise::wsvd::WsvdConfig;
use crate::linalg::rank_rule::RankRule;
use crate::metrics::Metrics;
use crate::noise::{add_noise, NoiseModel};
use crate::pipeline::Report;
use crate::transform::wavelet::{Mode, Wavelet};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::time::Instant;

/// The bundled clip as WAV bytes: 4 s, 44.1 kHz, mono, 16 bit.
pub const CLIP_WAV: &[u8] = include_bytes!("../tests/data/folk_4s.wav");

/// The first second (44 100 samples) of [`CLIP_WAV`]'s first channel, in [−1, 1): real audio
/// for the library's unit tests.
#[cfg(test)]
pub(crate) fn clip_first_second() -> Vec<f64> {
    let mut reader = hound::WavReader::new(CLIP_WAV).expect("the clip is a WAV file");
    let channels = reader.spec().channels as usize;
    reader
        .samples::<i16>()
        .step_by(channels)
        .take(44100)
        .map(|s| f64::from(s.expect("the clip decodes")) / 32768.0)
        .collect()
}

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

/// Run every method family on `clip` through the library's product API. `on_step` is called
/// with each row's name before it runs (for a progress display).
pub fn run(clip: &Audio, mut on_step: impl FnMut(&str)) -> Result<Vec<DemoRow>> {
    let mut rows = Vec::new();
    let row = |name: &'static str, method: String, audio: Audio, report: &Report| DemoRow {
        name,
        method,
        output: audio,
        metrics: report.metrics.clone(),
        storage_ratio: report.storage.map(|s| s.ratio),
        seconds: report.seconds,
        swz: None,
    };

    // Family 1: spectrogram low-rank approximation, decimation + interpolation.
    for (name, rank, phase) in [
        ("approx_k20_original_phase", 20, Phase::Original),
        ("approx_k100_original_phase", 100, Phase::Original),
        ("approx_k100_griffin_lim", 100, Phase::GriffinLim),
    ] {
        on_step(name);
        let params = ApproxParams {
            rank: RankRule::Fixed(rank),
            phase,
            iters: 50,
            seed: 0,
            ..ApproxParams::default()
        };
        let job = approx(clip, &params)?;
        let phase_name = match phase {
            Phase::Original => "original phase",
            Phase::GriffinLim => "Griffin–Lim, 50 iterations",
        };
        let what = format!("spectrogram SVD rank {rank}, {phase_name}");
        rows.push(row(name, what, job.audio, &job.report));
    }
    for (name, factor, method) in [
        ("interp_x4_cubic", 4, InterpMethod::Cubic),
        ("interp_x4_lagrange5", 4, InterpMethod::Lagrange(5)),
        ("interp_x8_linear", 8, InterpMethod::Linear),
    ] {
        on_step(name);
        let job = interp(clip, &Decimation { factor, method })?;
        let what = format!("decimation ×{factor}, {method:?}");
        rows.push(row(name, what, job.audio, &job.report));
    }

    // Family 2: sparse time–frequency compression at 4 % kept.
    let db5 = RepresentationParams {
        wavelet: "db5".parse::<Wavelet>()?,
        mode: Mode::Periodization,
        ..RepresentationParams::default()
    };
    for (name, method, refit) in [
        ("compress_pgbz_4pct", CompressMethod::Pgbz, false),
        ("compress_pgbz_ls_4pct", CompressMethod::Pgbz, true),
        ("compress_stft_4pct", CompressMethod::Stft, false),
        ("compress_dwt_db5_4pct", CompressMethod::Dwt, false),
    ] {
        on_step(name);
        let params = CompressParams {
            method,
            keep: Keep::Fraction(0.04),
            refit: refit.then(RefitOptions::default),
            postfilter: None,
            representation: db5.clone(),
        };
        let job = compress(clip, &params, false)?;
        let what = if refit {
            format!("{method} + least-squares re-fit")
        } else {
            method.to_string()
        };
        let what = format!("{what}, 4 % of the real degrees of freedom kept");
        rows.push(row(name, what, job.audio, &job.report));
    }

    // Real compressed files at 32 kbit/s, measured as the decoder reads them back.
    for (name, method) in [
        (
            "swz_dwt_32kbps",
            Method::Dwt(DwtParams {
                wavelet: "db5".parse::<Wavelet>()?,
                mode: Mode::Periodization,
                level: None,
                packets: codec::Packets::Dyadic,
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
        let decoded = codec::decode(&encoded.bytes, codec::Limits::default())?;
        let metrics = Metrics::compute(&clip.channels, &decoded.channels, clip.sample_rate)?;
        rows.push(DemoRow {
            name,
            method: format!("{name}.swz: {:.1} kbit/s file, decoded", encoded.kbps),
            output: decoded,
            metrics,
            storage_ratio: None,
            // The time of a row is the rate-controlled encode plus the decode.
            seconds: t0.elapsed().as_secs_f64(),
            swz: Some(encoded.bytes),
        });
    }

    // Family 3: denoising of the clip with white noise at 20 dB SNR (seeded), measured against
    // the clean clip.
    on_step("noisy_awgn_20db");
    let noisy = add_noise(clip, NoiseModel::Awgn, 20.0, 0)?;
    let what = "input + white Gaussian noise at 20.00 dB SNR (denoisers' input)";
    rows.push(DemoRow {
        storage_ratio: None,
        ..row(
            "noisy_awgn_20db",
            what.into(),
            noisy.audio.clone(),
            &noisy.report,
        )
    });
    let shrink = WaveletShrink {
        wavelet: "db3".parse::<Wavelet>()?,
        mode: Mode::Symmetric,
        level: Some(4),
        rule: ThresholdRule::Universal,
        kind: ThresholdKind::Soft,
    };
    let denoisers = [
        (
            "denoise_wsvd",
            "WSVD (w 200, AIC rank, xfade) on the noisy clip",
            Denoiser::Wsvd(WsvdConfig::single_band(200, RankRule::Aic)),
        ),
        (
            "denoise_wsvd_optimal",
            "WSVD (w 200, Gavish–Donoho rank at the estimated noise, xfade: the default)",
            Denoiser::Wsvd(WsvdConfig::default()),
        ),
        (
            "denoise_wsvd_paper",
            "WSVD, the paper's preset",
            Denoiser::Wsvd(WsvdConfig::paper()),
        ),
        (
            "denoise_wavelet_db3",
            "wavelet shrinkage db3 L4, universal soft",
            Denoiser::Wavelet(shrink),
        ),
        (
            "denoise_gaussian_s1",
            "Gaussian filter σ = 1 sample",
            Denoiser::gaussian(1.0)?,
        ),
        (
            "denoise_gate",
            "spectral gate, noise estimated from the signal",
            Denoiser::gate(GateConfig::default(), None)?,
        ),
        (
            "denoise_auto",
            "auto (the default): SURE-weighted LSA + block thresholding, noise estimated",
            DenoiseParams::default().denoiser(None)?,
        ),
    ];
    for (name, what, denoiser) in denoisers {
        on_step(name);
        let job = denoise(&noisy.audio, &denoiser, Some(clip))?;
        rows.push(row(name, what.into(), job.audio, &job.report));
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
