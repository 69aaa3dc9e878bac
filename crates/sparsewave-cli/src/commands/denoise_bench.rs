//! `sparsewave denoise-bench`: every denoiser on one clean recording with added noise, in the
//! layout of the WSVD paper's Table 1.

use super::addnoise::{add, model_json, noise_for, NoiseOpts};
use super::common::{parse_list, with_spinner};
use super::denoise::{mean_rank, run_denoiser, waveform_figure, Denoiser};
use anyhow::{bail, Result};
use serde_json::json;
use sparsewave::audio::output::{create_dir, write_atomic, write_atomic_with};
use sparsewave::audio::{write_wav, Audio};
use sparsewave::denoise::gate::GateConfig;
use sparsewave::denoise::gaussian::GaussianFilter;
use sparsewave::denoise::shrink::{ThresholdKind, ThresholdRule, WaveletShrink};
use sparsewave::denoise::wsvd::WsvdConfig;
use sparsewave::metrics::Metrics;
use sparsewave::plot::{self, report::spectrogram_of};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Compare every denoiser on a clean recording with added noise.
///
/// For each input SNR the clean recording gets seeded noise (each channel on its own), then
/// every method denoises it: WSVD default (w 200, AIC, 50 % crossfade), the WSVD paper preset,
/// wavelet shrinkage (db3 level 3 and 4, sym4 level 3; BayesShrink, soft, symmetric), the
/// Gaussian filter (σ = 1 and 2 samples) and the spectral gate, self-estimated and with the
/// actual noise as its noise clip (an oracle: a real user only has a noise-only recording).
/// Metrics are against the clean recording: SNR in power dB 10·log10(‖x‖²/‖x − y‖²) (the WSVD
/// paper's printed formula omits the squares, so its values are half of these), NRR =
/// 10·log10(var(noisy)/var(denoised)), RMSE, NCC, and the processing time.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Writes into the output folder: <stem>_denoise_bench.{md,csv,json}, the clean, noisy and
denoised audio (unless --no-audio), and plots/ (spectrograms of clean, noisy and WSVD output;
waveforms of clean against noisy and denoised with the WSVD window starts marked).

Examples:
  sparsewave denoise-bench song.wav
  sparsewave denoise-bench song.wav --model awgn --snr 24,10 --seed 0 -o bench/
  sparsewave denoise-bench song.wav --max-seconds 10 --no-audio --json
  sparsewave denoise-bench song.wav --model middleton --a 0.1 --gamma 0.01 --snr 10")]
pub struct Args {
    /// Clean recording.
    pub clean: PathBuf,
    /// Input SNRs in dB (comma-separated).
    #[arg(long, default_value = "24,10", allow_hyphen_values = true)]
    pub snr: String,
    #[command(flatten)]
    pub noise: NoiseOpts,
    /// Output folder.
    #[arg(short, long, default_value = "sparsewave-denoise-bench")]
    pub output: PathBuf,
    /// Use only the first S seconds of the recording.
    #[arg(long, value_name = "S")]
    pub max_seconds: Option<f64>,
    /// Mix all channels down to one first.
    #[arg(long)]
    pub mono: bool,
    /// Do not write audio files.
    #[arg(long)]
    pub no_audio: bool,
    /// Print the JSON result on stdout instead of the Markdown tables.
    #[arg(long)]
    pub json: bool,
}

/// One row of the table.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    pub method: String,
    pub snr_db: f64,
    pub nrr_db: f64,
    pub rmse: f64,
    pub ncc: f64,
    pub seconds: f64,
    pub mean_rank: Option<f64>,
}

impl Row {
    fn new(method: &str, m: &Metrics, seconds: f64, mean_rank: Option<f64>) -> Self {
        Row {
            method: method.into(),
            snr_db: m.snr_db,
            nrr_db: m.nrr_db.unwrap_or(0.0),
            rmse: m.rmse,
            ncc: m.ncc,
            seconds,
            mean_rank,
        }
    }
}

/// The rows of one input SNR.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Level {
    pub input_snr_db: f64,
    pub rows: Vec<Row>,
}

/// A method of the bench: file-name id, label, denoiser.
struct Method {
    id: &'static str,
    label: &'static str,
    denoiser: Denoiser,
}

fn wavelet(name: &str, level: usize) -> Result<Denoiser> {
    Ok(Denoiser::Wavelet(WaveletShrink {
        wavelet: name.parse()?,
        mode: sparsewave::transform::wavelet::Mode::Symmetric,
        level: Some(level),
        rule: ThresholdRule::Bayes,
        kind: ThresholdKind::Soft,
    }))
}

/// Every method; `noise` (the actual noise) feeds the oracle spectral gate.
fn methods(noise: &Audio) -> Result<Vec<Method>> {
    let m = |id, label, denoiser| Method {
        id,
        label,
        denoiser,
    };
    Ok(vec![
        m(
            "wsvd",
            "WSVD default (w 200, AIC, xfade)",
            Denoiser::Wsvd(WsvdConfig::default()),
        ),
        m(
            "wsvd_paper",
            "WSVD paper preset (3 bands, ratios)",
            Denoiser::Wsvd(WsvdConfig::paper()),
        ),
        m("wavelet_db3_l3", "wavelet db3 L3", wavelet("db3", 3)?),
        m("wavelet_db3_l4", "wavelet db3 L4", wavelet("db3", 4)?),
        m("wavelet_sym4_l3", "wavelet sym4 L3", wavelet("sym4", 3)?),
        m(
            "gaussian_s1",
            "Gaussian σ = 1",
            Denoiser::Gaussian(GaussianFilter::new(1.0)?, 1.0),
        ),
        m(
            "gaussian_s2",
            "Gaussian σ = 2",
            Denoiser::Gaussian(GaussianFilter::new(2.0)?, 2.0),
        ),
        m(
            "gate",
            "spectral gate (self-estimated)",
            Denoiser::Gate {
                cfg: GateConfig::default(),
                clips: None,
            },
        ),
        m(
            "gate_oracle",
            "spectral gate (oracle noise clip)",
            Denoiser::Gate {
                cfg: GateConfig::default(),
                clips: Some(noise.channels.clone()),
            },
        ),
    ])
}

fn truncate(mut audio: Audio, max_seconds: Option<f64>) -> Result<Audio> {
    if let Some(s) = max_seconds {
        if !(s.is_finite() && s > 0.0) {
            bail!("invalid --max-seconds: must be a positive number of seconds, got {s}");
        }
        let n = (s * f64::from(audio.sample_rate)).round() as usize;
        for c in &mut audio.channels {
            c.truncate(n.max(1));
        }
    }
    Ok(audio)
}

/// File-name tag of an SNR ("24", "10", "m5" for −5, "7.5").
fn snr_tag(snr: f64) -> String {
    let s = format!("{}", snr.abs());
    if snr < 0.0 {
        format!("m{s}")
    } else {
        s
    }
}

pub fn run(a: Args) -> Result<()> {
    let model = a.noise.model()?;
    let snrs: Vec<f64> = parse_list("--snr", &a.snr)?;
    if snrs.is_empty() {
        bail!("invalid --snr: give at least one SNR in dB");
    }
    if let Some(bad) = snrs.iter().find(|s| !s.is_finite()) {
        bail!("invalid --snr: SNR must be finite, got {bad}");
    }
    let clean = truncate(pipeline_load(&a.clean, a.mono)?, a.max_seconds)?;
    create_dir(&a.output)?;
    let plots = a.output.join("plots");
    create_dir(&plots)?;
    let rate = clean.sample_rate;
    let stem = a
        .clean
        .file_stem()
        .map_or("clean".into(), |s| s.to_string_lossy().into_owned());
    let out = |name: &str| a.output.join(format!("{stem}_{name}"));
    if !a.no_audio {
        write_wav(&out("clean.wav"), &clean, None)?;
    }
    let peak = spectrogram_peak(&clean.channels[0])?;
    let spectrogram = |path: PathBuf, title: &str, x: &[f64]| -> Result<()> {
        plot::save(&path, &spectrogram_of(title, x, rate, false, Some(peak))?)?;
        Ok(())
    };
    let plot_path = |name: &str| plots.join(format!("{stem}_{name}.png"));
    spectrogram(
        plot_path("spectrogram_clean"),
        "clean: magnitude spectrogram (channel 0)",
        &clean.channels[0],
    )?;

    let mut levels = Vec::new();
    for &snr in &snrs {
        let tag = snr_tag(snr);
        let noise = noise_for(&clean, model, snr, a.noise.seed)?;
        let noisy = add(&clean, &noise);
        if !a.no_audio {
            write_wav(&out(&format!("snr{tag}_noisy.wav")), &noisy, None)?;
        }
        let noisy_metrics = Metrics::compute(&clean.channels, &noisy.channels, rate)?
            .with_nrr(&noisy.channels, &noisy.channels);
        let mut rows = vec![Row::new("noisy input", &noisy_metrics, 0.0, None)];
        let (x0, y0) = (&clean.channels[0], &noisy.channels[0]);
        spectrogram(
            plot_path(&format!("snr{tag}_spectrogram_noisy")),
            &format!("noisy input, {snr} dB: magnitude spectrogram (channel 0)"),
            y0,
        )?;
        plot::save(
            &plot_path(&format!("snr{tag}_waveform_noisy")),
            &waveform_figure(
                format!("clean vs noisy input at {snr} dB (channel 0)"),
                rate,
                (x0, "clean"),
                (y0, "noisy"),
                &[],
            ),
        )?;
        for method in methods(&noise)? {
            let outcome = with_spinner(&format!("{} at {snr} dB", method.label), || {
                run_denoiser(&method.denoiser, &noisy)
            })?;
            let metrics = Metrics::compute(&clean.channels, &outcome.output.channels, rate)?
                .with_nrr(&noisy.channels, &outcome.output.channels);
            rows.push(Row::new(
                method.label,
                &metrics,
                outcome.seconds,
                mean_rank(&outcome.infos),
            ));
            if !a.no_audio {
                write_wav(
                    &out(&format!("snr{tag}_{}.wav", method.id)),
                    &outcome.output,
                    None,
                )?;
            }
            if let Denoiser::Wsvd(_) = method.denoiser {
                let y = &outcome.output.channels[0];
                plot::save(
                    &plot_path(&format!("snr{tag}_waveform_{}", method.id)),
                    &waveform_figure(
                        format!(
                            "clean vs {} at {snr} dB (channel 0; window starts of the first band \
                             marked)",
                            method.label
                        ),
                        rate,
                        (x0, "clean"),
                        (y, "denoised"),
                        &method.denoiser.window_starts(y.len(), 0),
                    ),
                )?;
                spectrogram(
                    plot_path(&format!("snr{tag}_spectrogram_{}", method.id)),
                    &format!(
                        "{} at {snr} dB: magnitude spectrogram (channel 0)",
                        method.label
                    ),
                    y,
                )?;
            }
        }
        levels.push(Level {
            input_snr_db: snr,
            rows,
        });
    }

    let result = json!({
        "command": "denoise-bench",
        "input": a.clean,
        "sample_rate": rate,
        "channels": clean.channel_count(),
        "samples": clean.frames(),
        "noise": model_json(model),
        "seed": a.noise.seed,
        "mono": a.mono,
        "levels": levels,
        "outputs": {
            "markdown": out("denoise_bench.md"),
            "csv": out("denoise_bench.csv"),
            "json": out("denoise_bench.json"),
            "plots": plots,
        },
    });
    let md = markdown(&a.clean, &clean, &a.noise.model, a.noise.seed, &levels);
    write_atomic(&out("denoise_bench.md"), md.as_bytes())?;
    write_csv(&out("denoise_bench.csv"), &levels)?;
    write_atomic(
        &out("denoise_bench.json"),
        serde_json::to_string_pretty(&result)?.as_bytes(),
    )?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!("{md}");
        println!("tables, audio and plots written to {}", a.output.display());
    }
    Ok(())
}

fn pipeline_load(path: &Path, mono: bool) -> Result<Audio> {
    let audio = sparsewave::pipeline::load(path, mono)?;
    if audio.frames() == 0 {
        bail!("{}: no samples", path.display());
    }
    Ok(audio)
}

/// Peak magnitude of the metric spectrogram, the common 0 dB of the spectrogram figures.
fn spectrogram_peak(x: &[f64]) -> Result<f64> {
    let spec = sparsewave::metrics::metric_stft().forward(x)?;
    Ok(spec.magnitude().iter().fold(0.0_f64, |m, v| m.max(*v)))
}

fn markdown(path: &Path, clean: &Audio, model: &str, seed: u64, levels: &[Level]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Denoising {} ({:.2} s, {} Hz, {} channel(s)); {model} noise, seed {seed}. Metrics \
         against the clean recording; SNR in power dB.\n",
        path.display(),
        clean.seconds(),
        clean.sample_rate,
        clean.channel_count()
    );
    for level in levels {
        let _ = writeln!(s, "Input SNR {} dB:\n", level.input_snr_db);
        let _ = writeln!(
            s,
            "| method | SNR (dB) | NRR (dB) | RMSE | NCC | time (s) | mean rank |"
        );
        let _ = writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for r in &level.rows {
            let _ = writeln!(
                s,
                "| {} | {:.2} | {:.2} | {:.5} | {:.4} | {:.4} | {} |",
                r.method,
                r.snr_db,
                r.nrr_db,
                r.rmse,
                r.ncc,
                r.seconds,
                r.mean_rank.map_or("–".into(), |k| format!("{k:.1}"))
            );
        }
        s.push('\n');
    }
    s
}

fn write_csv(path: &Path, levels: &[Level]) -> Result<()> {
    write_atomic_with(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record([
            "input_snr_db",
            "method",
            "snr_db",
            "nrr_db",
            "rmse",
            "ncc",
            "seconds",
            "mean_rank",
        ])?;
        for level in levels {
            for r in &level.rows {
                csv.write_record([
                    level.input_snr_db.to_string(),
                    r.method.clone(),
                    r.snr_db.to_string(),
                    r.nrr_db.to_string(),
                    r.rmse.to_string(),
                    r.ncc.to_string(),
                    r.seconds.to_string(),
                    r.mean_rank.map_or(String::new(), |k| k.to_string()),
                ])?;
            }
        }
        csv.flush()
    })?;
    Ok(())
}
