//! The library's jobs and file functions: `load`, `save`, `approx`, `interp`, `compress`,
//! `denoise`, `add_noise`, `metrics`, `encode`, `decode`.
//!
//! Each job takes a signal and its rate, builds the library's parameters from the keyword
//! arguments (a keyword left at `None` keeps the library's default, which is the CLI's), runs
//! with the GIL released, and returns the output in the input's layout with the report as a
//! dict whose keys are those of the CLI's `--json`.

use crate::arrays::{channels_2d, check_rate, layout, Signal};
use crate::errors::{conflict, invalid, to_py};
use crate::options::{choice, optional, BitsArg, KeepArg, LatticeArg, OneOrMany};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sparsewave::approx::job::StftParams;
use sparsewave::codec::{self, Limits, MethodKind, MethodSettings, Target};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::Keep;
use sparsewave::denoise::block::BlockConfig;
use sparsewave::denoise::denoiser::Cuts;
use sparsewave::denoise::lsa::LsaConfig;
use sparsewave::{
    ApproxParams, Audio, CompressParams, Decimation, DenoiseParams, InterpMethod, Metrics,
    NoiseModel, NoiseParams, RankRule, Report, WsvdOverrides,
};
use std::path::PathBuf;

/// Adds the functions of this module to `m`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(save, m)?)?;
    m.add_function(wrap_pyfunction!(approx, m)?)?;
    m.add_function(wrap_pyfunction!(interp, m)?)?;
    m.add_function(wrap_pyfunction!(compress, m)?)?;
    m.add_function(wrap_pyfunction!(denoise, m)?)?;
    m.add_function(wrap_pyfunction!(add_noise, m)?)?;
    m.add_function(wrap_pyfunction!(metrics, m)?)?;
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    Ok(())
}

/// A job's report as a Python dict (the CLI's `--json` keys; non-finite numbers stay floats).
fn report<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, report)?)
}

/// Run a job without the GIL and return its audio in the caller's layout (1-D when `one_d`)
/// with its report as a dict.
fn audio_and_report<'py>(
    py: Python<'py>,
    one_d: bool,
    job: impl FnOnce() -> sparsewave::Result<(sparsewave::Audio, Report)> + Send,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (audio, job_report) = py.detach(job).map_err(to_py)?;
    Ok((layout(py, one_d, audio.channels)?, report(py, &job_report)?))
}

/// Read an audio file (WAV, FLAC, MP3, Ogg Vorbis).
///
/// Returns ``(x, sr)``: ``x`` float64 of shape ``(channels, samples)`` (full scale ±1) and the
/// sample rate in Hz. ``mono=True`` mixes the channels down to one first (shape ``(1, n)``).
///
/// Raises ``FileNotFoundError``/``OSError`` when the file cannot be read or is not audio.
///
/// >>> x, sr = sw.load("song.flac")
/// >>> x.shape, sr
/// ((2, 176400), 44100)
#[pyfunction]
#[pyo3(signature = (path, *, mono = false))]
fn load(py: Python<'_>, path: PathBuf, mono: bool) -> PyResult<(Bound<'_, PyAny>, u32)> {
    let audio = py
        .detach(|| sparsewave::pipeline::load(&path, mono))
        .map_err(to_py)?;
    Ok((channels_2d(py, audio.channels)?, audio.sample_rate))
}

/// Write ``y`` (``(samples,)`` or ``(channels, samples)``) at ``sr`` Hz as a WAV file,
/// atomically (a temporary file renamed into place), as the CLI does.
///
/// ``bits``: 8, 16, 24, 32 (integer PCM) or ``"32f"`` (float); default 32-bit float. Values
/// outside [−1, 1] are clipped; returns the number of clipped samples.
///
/// >>> sw.save("out.wav", y, sr, bits=16)
/// 0
#[pyfunction]
#[pyo3(signature = (path, y, sr, *, bits = None))]
fn save(
    py: Python<'_>,
    path: PathBuf,
    y: &Bound<'_, PyAny>,
    sr: u32,
    bits: Option<BitsArg>,
) -> PyResult<usize> {
    let (audio, _) = Signal::extract(y, "y")?.into_audio(sr)?;
    let format = bits.map(BitsArg::format).transpose()?;
    let written = py
        .detach(|| sparsewave::write_wav(&path, &audio, format))
        .map_err(to_py)?;
    Ok(written.clipped_samples)
}

/// Low-rank approximation of the magnitude spectrogram (``sparsewave approx``).
///
/// ``|STFT(x)|`` is replaced by its best rank-k approximation (``rank=k``, or the smallest rank
/// keeping the fraction ``energy`` of Σσ²; default: energy 0.95), with the input's phase or
/// Griffin–Lim's (``phase="griffin-lim"``, ``iters``, ``init_phase``, ``seed``). STFT:
/// ``n_fft``, ``hop``, ``win_length``, ``window`` (hann, hamming, blackman-harris,
/// gaussian[:F]), ``pad`` (zero or reflect). Returns ``(y, report)``.
///
/// >>> y, report = sw.approx(x, sr, rank=20)
/// >>> report["rank"], round(report["metrics"]["snr_db"], 1)
#[pyfunction]
#[pyo3(signature = (x, sr, *, rank = None, energy = None, phase = None, iters = None,
    init_phase = None, seed = None, n_fft = None, hop = None, win_length = None, window = None,
    pad = None))]
#[allow(clippy::too_many_arguments)]
fn approx<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sr: u32,
    rank: Option<usize>,
    energy: Option<f64>,
    phase: Option<&str>,
    iters: Option<usize>,
    init_phase: Option<&str>,
    seed: Option<u64>,
    n_fft: Option<usize>,
    hop: Option<usize>,
    win_length: Option<usize>,
    window: Option<&str>,
    pad: Option<&str>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (audio, one_d) = Signal::extract(x, "x")?.into_audio(sr)?;
    let d = ApproxParams::default();
    let params = ApproxParams {
        stft: StftParams {
            n_fft: n_fft.unwrap_or(d.stft.n_fft),
            hop: hop.unwrap_or(d.stft.hop),
            win_length: win_length.or(d.stft.win_length),
            window: choice(window, d.stft.window)?,
            pad: choice(pad, d.stft.pad)?,
        },
        rank: match (rank, energy) {
            (Some(_), Some(_)) => return Err(conflict("rank", "energy")),
            (Some(k), None) => RankRule::Fixed(k),
            (None, Some(f)) => RankRule::Energy(f),
            (None, None) => d.rank,
        },
        phase: choice(phase, d.phase)?,
        iters: iters.unwrap_or(d.iters),
        init_phase: choice(init_phase, d.init_phase)?,
        seed: seed.unwrap_or(d.seed),
        ..d
    };
    params.validate().map_err(to_py)?;
    audio_and_report(py, one_d, || {
        sparsewave::approx(&audio, &params).map(|job| (job.audio, job.report))
    })
}

/// Decimation and reconstruction by interpolation (``sparsewave interp``).
///
/// Keeps samples 0, R, 2R, … and the last (``factor=R``) and rebuilds every sample with
/// ``method``: linear, quadratic, cubic (natural spline, default), cubic-nak, lagrange (local,
/// ``order``), poly (least-squares polynomial of degree ``order`` per ``block`` knot
/// intervals). Returns ``(y, report)``.
///
/// >>> y, report = sw.interp(x, sr, factor=4, method="cubic")
#[pyfunction]
#[pyo3(signature = (x, sr, *, factor, method = "cubic", order = None, block = None))]
fn interp<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sr: u32,
    factor: usize,
    method: &str,
    order: Option<usize>,
    block: Option<usize>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (audio, one_d) = Signal::extract(x, "x")?.into_audio(sr)?;
    let params = Decimation {
        factor,
        method: InterpMethod::new(method.parse().map_err(to_py)?, order, block).map_err(to_py)?,
    };
    params.validate().map_err(to_py)?;
    audio_and_report(py, one_d, || {
        sparsewave::interp(&audio, &params).map(|job| (job.audio, job.report))
    })
}

/// Keep the largest time–frequency coefficients (``sparsewave compress``).
///
/// ``method``: pgbz (default), stft or dwt. What to keep (one of): ``keep`` (fraction of the
/// input's real degrees of freedom, ``0.04`` or ``"4%"``; default 4 %), ``keep_count`` (real
/// numbers per channel), ``threshold`` (every ``|c| ≥ T``). PGBZ re-fits the kept
/// coefficients by least squares unless ``refit=False`` (``refit_iters``, ``refit_tol``);
/// ``postfilter="gate"``; PGBZ ``lattice`` (``"fast"``, the default: the smallest odd square
/// lattice whose side has no prime factor above 11; ``"paper"``: the smallest odd square;
/// ``"MxN"`` or ``(M, N)``) and ``block`` (seconds);
/// STFT ``window_length``; DWT ``wavelet``, ``mode``, ``level``. Returns ``(y, report)``.
///
/// >>> y, report = sw.compress(x, sr, method="pgbz", keep=0.04)
#[pyfunction]
#[pyo3(signature = (x, sr, *, method = None, keep = None, keep_count = None, threshold = None,
    refit = None, refit_iters = None, refit_tol = None, postfilter = None, lattice = None,
    block = None, window_length = None, wavelet = None, mode = None, level = None))]
#[allow(clippy::too_many_arguments)]
fn compress<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sr: u32,
    method: Option<&str>,
    keep: Option<KeepArg>,
    keep_count: Option<usize>,
    threshold: Option<f64>,
    refit: Option<bool>,
    refit_iters: Option<usize>,
    refit_tol: Option<f64>,
    postfilter: Option<&str>,
    lattice: Option<LatticeArg>,
    block: Option<f64>,
    window_length: Option<usize>,
    wavelet: Option<&str>,
    mode: Option<&str>,
    level: Option<usize>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (audio, one_d) = Signal::extract(x, "x")?.into_audio(sr)?;
    let d = CompressParams::default();
    let keep = match (keep, keep_count, threshold) {
        (Some(_), Some(_), _) => return Err(conflict("keep", "keep_count")),
        (Some(_), _, Some(_)) => return Err(conflict("keep", "threshold")),
        (_, Some(_), Some(_)) => return Err(conflict("keep_count", "threshold")),
        (Some(k), None, None) => k.keep()?,
        (None, Some(k), None) => Keep::RealNumbers(k),
        (None, None, Some(t)) => Keep::Threshold(t),
        (None, None, None) => d.keep,
    };
    let default_refit = d.refit.unwrap_or_default();
    let refit_options = RefitOptions {
        max_iterations: refit_iters.unwrap_or(default_refit.max_iterations),
        tolerance: refit_tol.unwrap_or(default_refit.tolerance),
    };
    let r = d.representation;
    let params = CompressParams {
        method: choice(method, d.method)?,
        keep,
        refit: refit.unwrap_or(d.refit.is_some()).then_some(refit_options),
        postfilter: optional(postfilter)?.or(d.postfilter),
        representation: sparsewave::RepresentationParams {
            lattice: lattice
                .map(LatticeArg::choice)
                .transpose()?
                .unwrap_or(r.lattice),
            block_seconds: block.or(r.block_seconds),
            window_length: window_length.unwrap_or(r.window_length),
            wavelet: choice(wavelet, r.wavelet)?,
            mode: choice(mode, r.mode)?,
            level: level.or(r.level),
        },
    };
    params.validate().map_err(to_py)?;
    audio_and_report(py, one_d, || {
        sparsewave::compress(&audio, &params, false).map(|job| (job.audio, job.report))
    })
}

/// Denoise (``sparsewave denoise``) with the library's default method unless ``method`` says
/// otherwise: wsvd, wavelet, gaussian or gate.
///
/// WSVD: ``preset`` (default or paper) changed by ``bands`` (cut frequencies in Hz, a list, or
/// ``"none"``), ``window``, and one rank rule of ``ratio``, ``rank``, ``energy`` (each one
/// value or one per band) or ``rank_rule`` (aic, mdl); ``svd``, ``mapping``, ``junction``.
/// Wavelet shrinkage: ``wavelet``, ``level``, ``threshold`` (soft, hard), ``rule``, ``mode``.
/// Gaussian: ``sigma``. Spectral gate: ``noise_clip`` (an array of noise only, same channel
/// layout), ``gate_percentile``, ``gate_margin``, ``gate_attenuation``.
/// With ``clean`` (the clean reference, same shape) the report's metrics compare the output
/// with it. Returns ``(y, report)``.
///
/// >>> y, report = sw.denoise(noisy, sr, clean=x)
#[pyfunction]
#[pyo3(signature = (x, sr, *, method = None, clean = None, preset = None, bands = None,
    window = None, ratio = None, rank = None, energy = None, rank_rule = None, svd = None,
    mapping = None, junction = None, wavelet = None, level = None, threshold = None,
    rule = None, mode = None, sigma = None, noise_clip = None, gate_percentile = None,
    gate_margin = None, gate_attenuation = None, lsa_alpha = None, lsa_floor = None,
    n_fft = None, block_delta = None, segment = None))]
#[allow(clippy::too_many_arguments)]
fn denoise<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sr: u32,
    method: Option<&str>,
    clean: Option<&Bound<'py, PyAny>>,
    preset: Option<&str>,
    bands: Option<BandsArg>,
    window: Option<OneOrMany<usize>>,
    ratio: Option<OneOrMany<f64>>,
    rank: Option<OneOrMany<usize>>,
    energy: Option<OneOrMany<f64>>,
    rank_rule: Option<&str>,
    svd: Option<&str>,
    mapping: Option<&str>,
    junction: Option<&str>,
    wavelet: Option<&str>,
    level: Option<usize>,
    threshold: Option<&str>,
    rule: Option<&str>,
    mode: Option<&str>,
    sigma: Option<f64>,
    noise_clip: Option<&Bound<'py, PyAny>>,
    gate_percentile: Option<f64>,
    gate_margin: Option<f64>,
    gate_attenuation: Option<f64>,
    lsa_alpha: Option<f64>,
    lsa_floor: Option<f64>,
    n_fft: Option<usize>,
    block_delta: Option<f64>,
    segment: Option<f64>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (noisy, one_d) = Signal::extract(x, "x")?.into_audio(sr)?;
    let clean = optional_audio(clean, "clean", sr)?;
    let noise_clip = optional_audio(noise_clip, "noise_clip", sr)?;
    let d = DenoiseParams::default();
    let params = DenoiseParams {
        method: choice(method, d.method)?,
        preset: choice(preset, d.preset)?,
        wsvd: WsvdOverrides {
            cuts_hz: bands.map(BandsArg::cuts).transpose()?.or(d.wsvd.cuts_hz),
            window: window.map(OneOrMany::into_vec).or(d.wsvd.window),
            ratio: ratio.map(OneOrMany::into_vec).or(d.wsvd.ratio),
            rank: rank.map(OneOrMany::into_vec).or(d.wsvd.rank),
            energy: energy.map(OneOrMany::into_vec).or(d.wsvd.energy),
            rank_rule: optional(rank_rule)?.or(d.wsvd.rank_rule),
            svd: optional(svd)?.or(d.wsvd.svd),
            mapping: optional(mapping)?.or(d.wsvd.mapping),
            junction: optional(junction)?.or(d.wsvd.junction),
        },
        wavelet: choice(wavelet, d.wavelet)?,
        level: level.unwrap_or(d.level),
        threshold: choice(threshold, d.threshold)?,
        rule: choice(rule, d.rule)?,
        mode: choice(mode, d.mode)?,
        sigma: sigma.unwrap_or(d.sigma),
        gate_percentile: gate_percentile.unwrap_or(d.gate_percentile),
        gate_margin: gate_margin.unwrap_or(d.gate_margin),
        gate_attenuation: gate_attenuation.unwrap_or(d.gate_attenuation),
        lsa: LsaConfig {
            n_fft: n_fft.unwrap_or(d.lsa.n_fft),
            alpha: lsa_alpha.unwrap_or(d.lsa.alpha),
            xi_min_db: lsa_floor.unwrap_or(d.lsa.xi_min_db),
        },
        block: BlockConfig {
            n_fft: n_fft.unwrap_or(d.block.n_fft),
            delta: block_delta.unwrap_or(d.block.delta),
        },
        auto_segment: segment.unwrap_or(d.auto_segment),
    };
    let denoiser = params.denoiser(noise_clip.as_ref()).map_err(to_py)?;
    audio_and_report(py, one_d, || {
        sparsewave::denoise(&noisy, &denoiser, clean.as_ref()).map(|job| (job.audio, job.report))
    })
}

/// An optional second recording (argument `name`) at the rate of the first.
fn optional_audio(
    obj: Option<&Bound<'_, PyAny>>,
    name: &'static str,
    sr: u32,
) -> PyResult<Option<Audio>> {
    obj.map(|o| Ok(Signal::extract(o, name)?.into_audio(sr)?.0))
        .transpose()
}

/// WSVD cut frequencies: a list of Hz, one number, or a string (`"1000,3500"`, `"none"`).
#[derive(FromPyObject)]
enum BandsArg {
    /// `bands=[1000, 3500]` or `bands=1000`.
    Hz(OneOrMany<f64>),
    /// `bands="1000,3500"` or `bands="none"`.
    Text(String),
}

impl BandsArg {
    fn cuts(self) -> PyResult<Vec<f64>> {
        match self {
            BandsArg::Hz(hz) => Ok(hz.into_vec()),
            BandsArg::Text(s) => s.parse::<Cuts>().map(|c| c.0).map_err(to_py),
        }
    }
}

/// Add seeded noise at an input SNR (``sparsewave addnoise``); returns ``x + noise``.
///
/// ``model``: awgn (white Gaussian), mixture (``epsilon``, ``kappa``), alpha-stable
/// (``alpha``), middleton (``a``, ``gamma``). ``snr`` in dB over the whole signal; channel c
/// draws from seed ``seed + c``.
///
/// >>> noisy = sw.add_noise(x, sr, model="awgn", snr=10, seed=0)
#[pyfunction]
#[pyo3(signature = (x, sr, *, snr, model = "awgn", seed = 0, epsilon = None, kappa = None,
    alpha = None, a = None, gamma = None))]
#[allow(clippy::too_many_arguments)]
fn add_noise<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sr: u32,
    snr: f64,
    model: &str,
    seed: u64,
    epsilon: Option<f64>,
    kappa: Option<f64>,
    alpha: Option<f64>,
    a: Option<f64>,
    gamma: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let (audio, one_d) = Signal::extract(x, "x")?.into_audio(sr)?;
    let d = NoiseParams::default();
    let params = NoiseParams {
        epsilon: epsilon.unwrap_or(d.epsilon),
        kappa: kappa.unwrap_or(d.kappa),
        alpha: alpha.unwrap_or(d.alpha),
        a: a.unwrap_or(d.a),
        gamma: gamma.unwrap_or(d.gamma),
    };
    let model = NoiseModel::new(model.parse().map_err(to_py)?, &params).map_err(to_py)?;
    let noisy = py
        .detach(|| sparsewave::add_noise(&audio, model, snr, seed))
        .map_err(to_py)?;
    layout(py, one_d, noisy.audio.channels)
}

/// Every metric of ``test`` against ``reference`` (``sparsewave metrics``): a dict with
/// ``snr_db``, ``rel_error_pct``, ``rmse``, ``mae``, ``max_abs_error``, ``ncc``,
/// ``seg_snr_db``, ``lsd_db``, ``spectral_snr_db`` and, when ``noisy`` is given, ``nrr_db``.
///
/// ``sr`` is needed by the segmental SNR (20 ms frames). Both arrays must have the same shape.
///
/// >>> sw.metrics(x, y, sr)["snr_db"]
#[pyfunction]
#[pyo3(signature = (reference, test, sr, *, noisy = None))]
fn metrics<'py>(
    py: Python<'py>,
    reference: &Bound<'py, PyAny>,
    test: &Bound<'py, PyAny>,
    sr: u32,
    noisy: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    check_rate(sr)?;
    let x = Signal::extract(reference, "reference")?.channels;
    let y = Signal::extract(test, "test")?.channels;
    let n = noisy
        .map(|n| Signal::extract(n, "noisy").map(|s| s.channels))
        .transpose()?;
    let shape = |c: &[Vec<f64>]| (c.len(), c[0].len());
    if shape(&x) != shape(&y) {
        return Err(invalid(
            "test",
            format!("has shape {:?}, the reference {:?}", shape(&y), shape(&x)),
        ));
    }
    if n.as_deref().is_some_and(|n| shape(n) != shape(&y)) {
        return Err(invalid("noisy", "must have the shape of test"));
    }
    let m = py
        .detach(|| {
            let m = Metrics::compute(&x, &y, sr)?;
            Ok::<_, sparsewave::Error>(match &n {
                Some(n) => m.with_nrr(n, &y),
                None => m,
            })
        })
        .map_err(to_py)?;
    Ok(pythonize::pythonize(py, &m)?)
}

/// Encode a ``.swz`` compressed file in memory (``sparsewave encode``); returns
/// ``(data, report)`` with ``data`` the file's bytes.
///
/// ``method``: dwt (default), pgbz, pgbz-ls, stft, svd, interp, hybrid (``snr`` only). Target
/// (one of): ``bitrate`` (kbit/s), ``snr`` (dB), or ``keep`` (fraction) and/or ``step``
/// (relative quantizer step).
/// Method settings: ``lattice``, ``refit``, ``wavelet``, ``mode``, ``level``, ``n_fft``,
/// ``hop``, ``window``, ``rank``, ``phase``, ``phase_bits``, ``iters``, ``seed``, ``factor``,
/// ``interp``, ``order``. ``bits`` is the sample format the file records for its decoded audio
/// (8, 16, 24, 32 or ``"32f"``, default 32-bit float; the CLI records its input file's).
///
/// >>> data, report = sw.encode(x, sr, method="dwt", bitrate=32)
/// >>> y, sr2 = sw.decode(data)
#[pyfunction]
#[pyo3(signature = (x, sr, *, method = "dwt", keep = None, step = None, bitrate = None,
    snr = None, lattice = None, refit = None, wavelet = None, mode = None, level = None,
    n_fft = None, hop = None, window = None, rank = None, phase = None, phase_bits = None,
    iters = None, seed = None, factor = None, interp = None, order = None, bits = None))]
#[allow(clippy::too_many_arguments)]
fn encode<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sr: u32,
    method: &str,
    keep: Option<KeepArg>,
    step: Option<f64>,
    bitrate: Option<f64>,
    snr: Option<f64>,
    lattice: Option<LatticeArg>,
    refit: Option<usize>,
    wavelet: Option<&str>,
    mode: Option<&str>,
    level: Option<usize>,
    n_fft: Option<usize>,
    hop: Option<usize>,
    window: Option<&str>,
    rank: Option<usize>,
    phase: Option<&str>,
    phase_bits: Option<u8>,
    iters: Option<u32>,
    seed: Option<u64>,
    factor: Option<usize>,
    interp: Option<&str>,
    order: Option<usize>,
    bits: Option<BitsArg>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyAny>)> {
    let (mut audio, _) = Signal::extract(x, "x")?.into_audio(sr)?;
    if let Some(bits) = bits {
        audio.format = bits.format()?;
    }
    let d = MethodSettings::default();
    let settings = MethodSettings {
        lattice: match lattice {
            Some(l) => l.lattice().map(|l| Some((l.m, l.n)))?,
            None => d.lattice,
        },
        refit: refit.or(d.refit),
        wavelet: choice(wavelet, d.wavelet)?,
        mode: choice(mode, d.mode)?,
        level: level.or(d.level),
        n_fft: n_fft.unwrap_or(d.n_fft),
        hop: hop.or(d.hop),
        window: choice(window, d.window)?,
        rank: rank.unwrap_or(d.rank),
        phase: choice(phase, d.phase)?,
        phase_bits: phase_bits.unwrap_or(d.phase_bits),
        iters: iters.unwrap_or(d.iters),
        seed: seed.unwrap_or(d.seed),
        factor: factor.unwrap_or(d.factor),
        interp: match (interp, order) {
            (None, None) => d.interp,
            (kind, order) => {
                InterpMethod::new(choice(kind, d.interp.kind())?, order, None).map_err(to_py)?
            }
        },
    };
    let method = settings
        .method(method.parse::<MethodKind>().map_err(to_py)?)
        .map_err(to_py)?;
    let target = match (bitrate, snr, keep.is_some() || step.is_some()) {
        (Some(_), Some(_), _) => return Err(conflict("bitrate", "snr")),
        (Some(_), _, true) | (_, Some(_), true) => {
            return Err(conflict("keep", "a bitrate or snr target"))
        }
        (Some(kbps), None, false) => Target::Bitrate { kbps },
        (None, Some(db), false) => Target::Snr { db },
        (None, None, _) => Target::Fixed {
            keep: keep.map(KeepArg::fraction).transpose()?,
            step,
        },
    };
    let encoded = py
        .detach(|| codec::encode(&audio, &method, target))
        .map_err(to_py)?;
    Ok((
        PyBytes::new(py, &encoded.bytes),
        report(py, &encoded.report)?,
    ))
}

/// Decode ``.swz`` bytes (``sparsewave decode``): returns ``(y, sr)``, ``y`` float64 of shape
/// ``(channels, samples)``. Damaged or foreign bytes raise ``ValueError``.
///
/// >>> y, sr = sw.decode(open("song.swz", "rb").read())
#[pyfunction]
fn decode<'py>(py: Python<'py>, data: &[u8]) -> PyResult<(Bound<'py, PyAny>, u32)> {
    let audio = py
        .detach(|| codec::decode(data, Limits::default()))
        .map_err(to_py)?;
    Ok((channels_2d(py, audio.channels)?, audio.sample_rate))
}
