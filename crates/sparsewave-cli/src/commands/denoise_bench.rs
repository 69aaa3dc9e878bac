//! `sparsewave denoise-bench`: every denoiser on one clean recording with added noise, in the
//! layout of the WSVD paper's Table 1.

use super::addnoise::NoiseOpts;
use super::common::with_spinner;
use anyhow::Result;
use serde_json::json;
use sparsewave::audio::output::{check_dir, Staged};
use sparsewave::audio::stage_wav;
use sparsewave::denoise::bench::{denoise_bench, BenchLevel, BenchParams};
use sparsewave::pipeline;
use sparsewave::plot;
use std::path::{Path, PathBuf};

/// Compare every denoiser on a clean recording with added noise.
///
/// For each input SNR the clean recording gets seeded noise (each channel on its own), then
/// every method denoises it: WSVD default (w 200, AIC, 50 % crossfade), the WSVD paper preset,
/// wavelet shrinkage (db3 level 3 and 4, sym4 level 3; BayesShrink, soft, symmetric), the
/// Gaussian filter (σ = 1 and 2 samples), the self-estimated spectral gate, auto (the default
/// of `denoise`), LSA and block thresholding (noise estimated from the signal), and last the
/// spectral gate with the actual noise as its noise clip (an oracle: a real user only has a
/// noise-only recording). Under each table: the best noise-blind method, the oracle gate, what
/// auto picked, and the estimated noise level against the actual one.
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
  sparsewave denoise-bench song.wav --model pink --snr 10
  sparsewave denoise-bench song.wav --model middleton --a 0.1 --gamma 0.01 --snr 10")]
pub struct Args {
    /// Clean recording.
    pub clean: PathBuf,
    /// Input SNRs in dB (comma-separated).
    #[arg(
        long,
        default_value = "24,10",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub snr: Vec<f64>,
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

pub fn run(a: Args) -> Result<()> {
    let params = BenchParams {
        snrs: a.snr.clone(),
        noise: a.noise.model()?,
        seed: a.noise.seed,
        max_seconds: a.max_seconds,
    };
    params.validate()?;
    let plots = a.output.join("plots");
    check_dir(&plots)?;
    let input = pipeline::load(&a.clean, a.mono)?;
    let bench = with_spinner("denoising benchmark", || denoise_bench(&input, &params))?;
    // Every file or none.
    let mut staged = Staged::default();
    staged.create_dir(&plots)?;
    let stem = a
        .clean
        .file_stem()
        .map_or("clean".into(), |s| s.to_string_lossy().into_owned());
    let out = |name: &str| a.output.join(format!("{stem}_{name}"));
    if !a.no_audio {
        stage_wav(&mut staged, &out("clean.wav"), &bench.clean, None)?;
    }
    for level in &bench.levels {
        let name = level.name();
        if !a.no_audio {
            stage_wav(
                &mut staged,
                &out(&format!("{name}_noisy.wav")),
                &level.noisy,
                None,
            )?;
            for output in &level.outputs {
                let file = format!("{name}_{}.wav", output.method.id);
                stage_wav(&mut staged, &out(&file), &output.audio, None)?;
            }
        }
    }
    for p in bench.figures()? {
        let path = plots.join(format!("{stem}_{}.png", p.name));
        plot::stage(&mut staged, &path, &p.plot)?;
    }

    let mut result = bench.json();
    result["input"] = json!(a.clean);
    result["mono"] = json!(a.mono);
    result["outputs"] = json!({
        "markdown": out("denoise_bench.md"),
        "csv": out("denoise_bench.csv"),
        "json": out("denoise_bench.json"),
        "plots": plots,
    });
    let md = bench.markdown(&a.clean.display().to_string());
    staged.add(&out("denoise_bench.md"), md.as_bytes())?;
    stage_csv(&mut staged, &out("denoise_bench.csv"), &bench.levels)?;
    staged.add(
        &out("denoise_bench.json"),
        serde_json::to_string_pretty(&result)?.as_bytes(),
    )?;
    staged.commit()?;
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        outln!("{md}");
        outln!("tables, audio and plots written to {}", a.output.display());
    }
    Ok(())
}

fn stage_csv(staged: &mut Staged, path: &Path, levels: &[BenchLevel]) -> Result<()> {
    staged.add_with(path, |w| {
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
