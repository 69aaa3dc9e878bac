//! What a job does: its parameters turned into the library's (checked before the job is
//! accepted), and the run that calls the library's product API and writes the job's files —
//! `output.wav` (through the library's WAV encoder), `residual.wav`, `output.swz`,
//! `report.json` — into the job's private folder. Its figures come after, as a separate step
//! ([`FigureWork`]), so that a result is shown as soon as its audio and numbers exist.

use super::params::Params;
use super::schema::Command;
use serde_json::{json, Value};
use sparsewave::approx::interp::InterpMethod;
use sparsewave::approx::interp_job::{interp, Decimation};
use sparsewave::approx::job::{approx, ApproxParams, StftParams};
use sparsewave::audio::output::write_atomic_with;
use sparsewave::audio::{write_wav, Audio, SampleFormat};
use sparsewave::codec::{self, Method, MethodKind, MethodSettings, Target};
use sparsewave::compress::job::compress;
use sparsewave::compress::params::{CompressParams, RepresentationParams};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::Keep;
use sparsewave::denoise::denoiser::{Cuts, DenoiseParams, Denoiser};
use sparsewave::denoise::job::{check_reference, denoise};
use sparsewave::noise::{add_noise, NoiseKind, NoiseModel, NoiseParams};
use sparsewave::pipeline::Report;
use sparsewave::plot::{self, NamedPlot};
use sparsewave::{Error, RankRule, Result};
use std::path::Path;
use std::sync::Arc;

/// The audio a job reads, decoded from the request's parts (mixed down with `mono`).
pub struct Inputs {
    /// The uploaded file's name (reports name it as the input).
    pub name: String,
    /// The recording.
    pub audio: Audio,
    /// `denoise`: the clean reference (part `clean`).
    pub clean: Option<(String, Audio)>,
    /// `denoise --method gate`: a noise-only recording (part `noise_clip`).
    pub noise_clip: Option<Audio>,
}

/// A job's work with the library's parameters, all validated.
#[derive(Debug)]
enum Work {
    Info,
    Approx(ApproxParams),
    Interp(Decimation),
    Compress(CompressParams),
    Encode(Method, Target),
    Rd(Vec<MethodKind>, MethodSettings, Vec<f64>),
    Denoise(DenoiseParams),
    Addnoise(NoiseModel, f64, u64),
}

/// A job ready to run: its work and the output settings every command shares.
#[derive(Debug)]
pub struct Job {
    /// The command it runs.
    pub command: Command,
    work: Work,
    /// Mix the input down to one channel first.
    pub mono: bool,
    bits: Option<SampleFormat>,
}

/// What a finished job produced: its report (the command line's `--json` object) and the names
/// of the files it wrote in its folder, in the order the page lists them.
pub struct Finished {
    /// The report.
    pub report: Value,
    /// File names inside the job's folder.
    pub files: Vec<String>,
}

/// The second step of a job: its figures (the command line's `--plots` set), computed after its
/// result is published.
pub type FigureWork = Box<dyn FnOnce() -> Result<Vec<NamedPlot>> + Send>;

impl Job {
    /// The job `params` describe, with every parameter checked by the library.
    pub fn from_params(p: &Params) -> Result<Job> {
        let work = match p.command {
            Command::Info => Work::Info,
            Command::Approx => Work::Approx(approx_params(p)?),
            Command::Interp => {
                let params = Decimation {
                    factor: p.required("factor")?,
                    method: InterpMethod::new(
                        p.or("method", sparsewave::InterpKind::Cubic)?,
                        p.get("order")?,
                        p.get("block")?,
                    )?,
                };
                params.validate()?;
                Work::Interp(params)
            }
            Command::Compress => Work::Compress(compress_params(p)?),
            Command::Encode => {
                p.at_most_one(&["bitrate", "snr", "keep"])?;
                p.at_most_one(&["bitrate", "snr", "step"])?;
                let kind = p.or("method", MethodKind::Dwt)?;
                Work::Encode(codec_settings(p)?.method(kind)?, encode_target(p)?)
            }
            Command::Rd => Work::Rd(
                p.list("methods")?
                    .unwrap_or_else(|| codec::DEFAULT_RD_METHODS.to_vec()),
                codec_settings(p)?,
                p.list("bitrates")?
                    .unwrap_or_else(|| codec::DEFAULT_RD_BITRATES.to_vec()),
            ),
            Command::Denoise => Work::Denoise(denoise_params(p)?),
            Command::Addnoise => {
                let d = NoiseParams::default();
                let params = NoiseParams {
                    epsilon: p.or("epsilon", d.epsilon)?,
                    kappa: p.or("kappa", d.kappa)?,
                    alpha: p.or("alpha", d.alpha)?,
                    a: p.or("a", d.a)?,
                    gamma: p.or("gamma", d.gamma)?,
                };
                let model = NoiseModel::new(p.or("model", NoiseKind::Awgn)?, &params)?;
                Work::Addnoise(model, p.required("snr")?, p.or("seed", 0)?)
            }
        };
        Ok(Job {
            command: p.command,
            work,
            mono: p.flag("mono")?,
            bits: p.get("bits")?,
        })
    }

    /// Check the inputs against the job before it is queued: the clean reference matches the
    /// recording, and the denoiser can be built (the gate learns from its noise clip here).
    pub fn check(&self, inputs: &Inputs) -> Result<()> {
        if let Work::Denoise(params) = &self.work {
            if let Some((name, clean)) = &inputs.clean {
                check_reference(&inputs.audio, clean)
                    .map_err(|e| Error::bad_input(name, e.to_string()))?;
            }
            params.denoiser(inputs.noise_clip.as_ref())?;
        }
        Ok(())
    }

    /// Run the job on `inputs` and write its files into `dir`; the figures are left to the
    /// returned [`FigureWork`].
    pub fn run(&self, inputs: Arc<Inputs>, dir: &Path) -> Result<(Finished, FigureWork)> {
        let input = &inputs.audio;
        let out = Output {
            dir,
            inputs: &inputs,
            mono: self.mono,
            bits: self.bits,
        };
        let held = Arc::clone(&inputs);
        Ok(match &self.work {
            Work::Info => (
                out.info()?,
                Box::new(move || {
                    let audio = &held.audio;
                    let figure = plot::report::spectrogram_of(
                        "input: magnitude spectrogram (channel 0)",
                        &audio.channels[0],
                        audio.sample_rate,
                        false,
                        None,
                    )?;
                    Ok(vec![NamedPlot::new("spectrogram", figure)])
                }),
            ),
            Work::Approx(params) => {
                let job = approx(input, params)?;
                let report = job.report.clone().with("rank", job.rank);
                (
                    out.audio_job(&job.audio, report)?,
                    Box::new(move || {
                        let mut figures = job.figures(&held.audio)?;
                        figures.extend(job.rank_sweep_figure());
                        Ok(figures)
                    }),
                )
            }
            Work::Interp(params) => {
                let job = interp(input, params)?;
                let done = out.audio_job(&job.audio, job.report.clone())?;
                (done, Box::new(move || job.figures(&held.audio)))
            }
            Work::Compress(params) => {
                let job = compress(input, params, true)?;
                let done = out.audio_job(&job.audio, job.report.clone())?;
                (done, Box::new(move || job.figures(&held.audio)))
            }
            Work::Encode(method, target) => {
                let enc = codec::encode(input, method, *target)?;
                let done = out.encode_job(&enc)?;
                let name = method.name();
                (
                    done,
                    Box::new(move || plot::report::comparison(&held.audio, &enc.audio, name)),
                )
            }
            Work::Rd(methods, settings, bitrates) => {
                let rd = codec::rate_distortion(input, methods, settings, bitrates)?;
                let figures = rd.figures()?;
                (out.rd_job(rd, &figures)?, Box::new(move || Ok(figures)))
            }
            Work::Denoise(params) => {
                let denoiser: Denoiser = params.denoiser(inputs.noise_clip.as_ref())?;
                let clean = inputs.clean.as_ref().map(|(_, a)| a);
                let job = denoise(input, &denoiser, clean)?;
                let mut report = job.report.clone();
                if let Some((name, _)) = &inputs.clean {
                    report = report.with("clean", name);
                }
                let done = out.audio_job(&job.audio, report)?;
                (
                    done,
                    Box::new(move || job.figures(&held.audio, held.clean.as_ref().map(|(_, a)| a))),
                )
            }
            Work::Addnoise(model, snr, seed) => {
                let noisy = add_noise(input, *model, *snr, *seed)?;
                let noise_bits = Some(self.bits.unwrap_or(SampleFormat::Float32));
                let noise_write = write_wav(&dir.join("noise.wav"), &noisy.noise, noise_bits)?;
                let report = noisy
                    .report
                    .clone()
                    .with("noise_output", "noise.wav")
                    .with("noise_clipped_samples", noise_write.clipped_samples);
                let mut done = out.audio_job(&noisy.audio, report)?;
                done.files.insert(2, "noise.wav".into());
                (done, Box::new(move || noisy.figures(&held.audio)))
            }
        })
    }
}

/// Where and how a job writes its files.
struct Output<'a> {
    dir: &'a Path,
    inputs: &'a Inputs,
    mono: bool,
    bits: Option<SampleFormat>,
}

impl Output<'_> {
    /// `info`: the command line's `info --json` object (the spectrogram is its figure).
    fn info(&self) -> Result<Finished> {
        let audio = &self.inputs.audio;
        let db = |v: f64| 20.0 * v.log10();
        let report = json!({
            "command": "info", "input": self.inputs.name, "container": audio.codec,
            "sample_format": audio.format.describe(), "sample_rate": audio.sample_rate,
            "channels": audio.channel_count(), "samples": audio.frames(),
            "duration_seconds": audio.seconds(), "peak": audio.peak(), "rms": audio.rms(),
            "peak_dbfs": db(audio.peak()), "rms_dbfs": db(audio.rms()), "mono": self.mono,
        });
        let files = vec![self.report(&report)?];
        Ok(Finished { report, files })
    }

    /// A job that turns the input into `audio`: `output.wav`, `residual.wav` (input − output,
    /// 32-bit float) and the report, completed as the command line completes it.
    fn audio_job(&self, audio: &Audio, report: Report) -> Result<Finished> {
        let written = write_wav(&self.dir.join("output.wav"), audio, self.bits)?;
        let files = vec!["output.wav".to_string(), self.residual(audio)?];
        let report = report
            .with_files(Path::new(&self.inputs.name), Some(Path::new("output.wav")))
            .with_write(written);
        self.finish(report, files)
    }

    /// `encode`: `output.swz`, the decoded audio as `output.wav`, `residual.wav`.
    fn encode_job(&self, enc: &codec::Encoded) -> Result<Finished> {
        std::fs::write(self.dir.join("output.swz"), &enc.bytes)
            .map_err(|e| Error::io("output.swz", e))?;
        write_wav(&self.dir.join("output.wav"), &enc.audio, None)?;
        let files = vec![
            "output.swz".to_string(),
            "output.wav".to_string(),
            self.residual(&enc.audio)?,
        ];
        let report = enc
            .report
            .clone()
            .with_files(Path::new(&self.inputs.name), Some(Path::new("output.swz")));
        self.finish(report, files)
    }

    /// `rd`: `rd.csv`; the report is the command line's `rd --json`, which names the figures.
    fn rd_job(&self, rd: codec::RateDistortion, figures: &[NamedPlot]) -> Result<Finished> {
        let csv_path = self.dir.join("rd.csv");
        write_atomic_with(&csv_path, |w| {
            let mut csv = csv::Writer::from_writer(w);
            for p in &rd.points {
                csv.serialize(p).map_err(std::io::Error::other)?;
            }
            csv.flush()
        })?;
        let names: Vec<String> = figures.iter().map(|f| format!("{}.png", f.name)).collect();
        let rd = rd.with_files(
            Path::new(&self.inputs.name),
            Path::new("rd.csv"),
            names.iter().map(Into::into).collect(),
        );
        let report = serde_json::to_value(&rd).map_err(json_error)?;
        let files = vec!["rd.csv".into(), self.report(&report)?];
        Ok(Finished { report, files })
    }

    /// Add `mono` to the report's parameters, write it, and list it last.
    fn finish(&self, mut report: Report, mut files: Vec<String>) -> Result<Finished> {
        report.params["mono"] = self.mono.into();
        let report = serde_json::to_value(&report).map_err(json_error)?;
        files.push(self.report(&report)?);
        Ok(Finished { report, files })
    }

    /// `residual.wav`: input − output, channel by channel, as 32-bit float (never clipped to
    /// the input's format).
    fn residual(&self, output: &Audio) -> Result<String> {
        let input = &self.inputs.audio;
        let channels = input
            .channels
            .iter()
            .zip(&output.channels)
            .map(|(x, y)| x.iter().zip(y).map(|(a, b)| a - b).collect())
            .collect();
        let residual = Audio::from_channels(input.sample_rate, channels);
        write_wav(
            &self.dir.join("residual.wav"),
            &residual,
            Some(SampleFormat::Float32),
        )?;
        Ok("residual.wav".into())
    }

    /// Write `report.json`.
    fn report(&self, report: &Value) -> Result<String> {
        let text = serde_json::to_string_pretty(report).map_err(json_error)?;
        std::fs::write(self.dir.join("report.json"), text)
            .map_err(|e| Error::io("report.json", e))?;
        Ok("report.json".into())
    }
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Numerical(format!("cannot serialise the report: {e}"))
}

/// `approx`: the command line's flags as [`ApproxParams`]. Figures are always drawn, so every
/// singular value of channel 0 is computed (as with `approx --plots`).
fn approx_params(p: &Params) -> Result<ApproxParams> {
    p.at_most_one(&["rank", "energy"])?;
    let d = ApproxParams::default();
    let rank = match (p.get("rank")?, p.get("energy")?) {
        (Some(k), _) => RankRule::Fixed(k),
        (None, Some(f)) => RankRule::Energy(f),
        (None, None) => d.rank,
    };
    let params = ApproxParams {
        stft: StftParams {
            n_fft: p.or("n_fft", d.stft.n_fft)?,
            hop: p.or("hop", d.stft.hop)?,
            win_length: p.get("win_length")?,
            window: p.or("window", d.stft.window)?,
            pad: p.or("pad", d.stft.pad)?,
        },
        rank,
        phase: p.or("phase", d.phase)?,
        iters: p.or("iters", d.iters)?,
        init_phase: p.or("init_phase", d.init_phase)?,
        seed: p.or("seed", d.seed)?,
        sweep_ranks: p.list("sweep_ranks")?,
        all_singular_values: true,
    };
    params.validate()?;
    Ok(params)
}

/// `compress`: the command line's flags as [`CompressParams`].
fn compress_params(p: &Params) -> Result<CompressParams> {
    p.at_most_one(&["keep", "keep_count", "threshold"])?;
    let d = CompressParams::default();
    let r = RefitOptions::default();
    let rep = RepresentationParams::default();
    let keep = match (p.get("keep_count")?, p.get("threshold")?) {
        (Some(k), _) => Keep::RealNumbers(k),
        (None, Some(t)) => Keep::Threshold(t),
        (None, None) => p.or("keep", d.keep)?,
    };
    let params = CompressParams {
        method: p.or("method", d.method)?,
        keep,
        refit: (!p.flag("no_refit")?).then_some(RefitOptions {
            max_iterations: p.or("refit_iters", r.max_iterations)?,
            tolerance: p.or("refit_tol", r.tolerance)?,
        }),
        postfilter: p.get("postfilter")?,
        representation: RepresentationParams {
            lattice: p.or("lattice", rep.lattice)?,
            block_seconds: p.get("block")?,
            window_length: p.or("window_length", rep.window_length)?,
            wavelet: p.or("wavelet", rep.wavelet)?,
            mode: p.or("mode", rep.mode)?,
            level: p.get("level")?,
        },
    };
    params.validate()?;
    Ok(params)
}

/// `encode` and `rd`: the codec's method settings (the library's defaults, overridden by the
/// parameters given).
fn codec_settings(p: &Params) -> Result<MethodSettings> {
    let mut s = MethodSettings::default();
    let lattice: Option<sparsewave::Lattice> = p.get("lattice")?;
    s.lattice = lattice.map(|l| (l.m, l.n));
    s.refit = p.get("refit")?;
    s.wavelet = p.or("wavelet", s.wavelet)?;
    s.mode = p.or("mode", s.mode)?;
    s.level = p.get("level")?;
    s.n_fft = p.or("n_fft", s.n_fft)?;
    s.hop = p.get("hop")?;
    s.window = p.or("window", s.window)?;
    s.rank = p.or("rank", s.rank)?;
    s.phase = p.or("phase", s.phase)?;
    s.phase_bits = p.or("phase_bits", s.phase_bits)?;
    s.iters = p.or("iters", s.iters)?;
    s.seed = p.or("seed", s.seed)?;
    s.factor = p.or("factor", s.factor)?;
    s.interp = InterpMethod::new(p.or("interp", s.interp.kind())?, p.get("order")?, None)?;
    Ok(s)
}

/// `encode`: a bit rate, an SNR, or fixed keep/step settings.
fn encode_target(p: &Params) -> Result<Target> {
    Ok(match (p.get("bitrate")?, p.get("snr")?) {
        (Some(kbps), _) => Target::Bitrate { kbps },
        (None, Some(db)) => Target::Snr { db },
        (None, None) => Target::Fixed {
            keep: match p.get("keep")? {
                Some(Keep::Fraction(f)) => Some(f),
                Some(Keep::RealNumbers(_) | Keep::Threshold(_)) | None => None,
            },
            step: p.get("step")?,
        },
    })
}

/// `denoise`: the command line's flags as [`DenoiseParams`] (the library's defaults,
/// overridden by the parameters given).
fn denoise_params(p: &Params) -> Result<DenoiseParams> {
    p.at_most_one(&["ratio", "rank", "rank_rule", "energy"])?;
    let mut d = DenoiseParams::default();
    let cuts: Option<Cuts> = p.get("bands")?;
    d.method = p.or("method", d.method)?;
    d.preset = p.or("preset", d.preset)?;
    let w = &mut d.wsvd;
    w.cuts_hz = cuts.map(|c| c.0);
    w.window = p.list("window")?;
    w.ratio = p.list("ratio")?;
    w.rank = p.list("rank")?;
    w.energy = p.list("energy")?;
    w.rank_rule = p.get("rank_rule")?;
    w.svd = p.get("svd")?;
    w.mapping = p.get("mapping")?;
    w.junction = p.get("junction")?;
    d.wavelet = p.or("wavelet", d.wavelet)?;
    d.level = p.or("level", d.level)?;
    d.threshold = p.or("threshold", d.threshold)?;
    d.rule = p.or("rule", d.rule)?;
    d.mode = p.or("mode", d.mode)?;
    d.sigma = p.or("sigma", d.sigma)?;
    d.gate_percentile = p.or("gate_percentile", d.gate_percentile)?;
    d.gate_margin = p.or("gate_margin", d.gate_margin)?;
    d.gate_attenuation = p.or("gate_attenuation", d.gate_attenuation)?;
    Ok(d)
}
