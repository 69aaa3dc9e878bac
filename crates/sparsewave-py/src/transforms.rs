//! The planned transforms on arrays: `wavedec`/`waverec` (PyWavelets' values), `stft`/`istft`
//! (librosa's values) and the `Pgbz` class (LTFAT's `dgtreal`/`idgt` conventions, half layout).
//!
//! Every transform of a 2-D `(channels, samples)` input runs the same plan on each row; the
//! result has a leading channel axis.

use crate::arrays::{complex_stack, layout, Signal};
use crate::errors::{invalid, to_py};
use crate::options::choice;
use numpy::ndarray::{Array2, Array3, Axis};
use numpy::{Complex64, IntoPyArray, PyArray1};
use pyo3::prelude::*;
use rayon::prelude::*;
use sparsewave::approx::job::StftParams;
use sparsewave::transform::stft::{Spectrogram, Stft, StftConfig};
use sparsewave::transform::wavelet::{dwt_max_level, Dwt, Mode, Wavelet};
use sparsewave::transform::zak::Pgbz;

/// Adds the functions and classes of this module to `m`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(wavedec, m)?)?;
    m.add_function(wrap_pyfunction!(waverec, m)?)?;
    m.add_function(wrap_pyfunction!(stft, m)?)?;
    m.add_function(wrap_pyfunction!(istft, m)?)?;
    m.add_class::<PyPgbz>()?;
    Ok(())
}

/// The wavelet and mode named by the caller.
fn wavelet_and_mode(wavelet: &str, mode: &str) -> PyResult<(Wavelet, Mode)> {
    Ok((
        wavelet.parse().map_err(to_py)?,
        mode.parse().map_err(to_py)?,
    ))
}

/// Multilevel DWT of the last axis: ``[cA_L, cD_L, …, cD_1]``, each of the input's layout,
/// the same values as ``pywt.wavedec(data, wavelet, mode, level)``. ``level=None`` is
/// PyWavelets' ``dwt_max_level``.
#[pyfunction]
#[pyo3(signature = (data, wavelet, mode, level))]
fn wavedec<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    wavelet: &str,
    mode: &str,
    level: Option<usize>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let signal = Signal::extract(data, "data")?;
    let (wavelet, mode) = wavelet_and_mode(wavelet, mode)?;
    let n = signal.channels[0].len();
    let level = level.unwrap_or_else(|| dwt_max_level(n, wavelet.filter_len()));
    let dwt = Dwt::new(wavelet, mode, Some(level), n).map_err(to_py)?;
    let channels = &signal.channels;
    let (rows, offsets) = py
        .detach(|| {
            let rows = channels
                .par_iter()
                .map(|x| {
                    let mut coefs = dwt.make_coefficients();
                    dwt.analyze(x, &mut coefs)?;
                    Ok(coefs.as_slice().to_vec())
                })
                .collect::<sparsewave::Result<Vec<Vec<f64>>>>()?;
            Ok::<_, sparsewave::Error>((rows, dwt.make_coefficients().offsets().to_vec()))
        })
        .map_err(to_py)?;
    offsets
        .windows(2)
        .map(|w| {
            let band = w[0]..w[1];
            if signal.one_d {
                Ok(PyArray1::from_slice(py, &rows[0][band]).into_any())
            } else {
                let flat: Vec<f64> = rows
                    .iter()
                    .flat_map(|r| &r[band.clone()])
                    .copied()
                    .collect();
                let a = Array2::from_shape_vec((rows.len(), band.len()), flat)
                    .map_err(|e| invalid("data", e.to_string()))?;
                Ok(a.into_pyarray(py).into_any())
            }
        })
        .collect()
}

/// Inverse of [`wavedec`]: ``coeffs = [cA_L, cD_L, …, cD_1]`` back to ``length`` samples
/// (default: PyWavelets' output length, ``2·len(cD_1)`` in periodization and
/// ``2·len(cD_1) − F + 2`` otherwise).
#[pyfunction]
#[pyo3(signature = (coeffs, wavelet, mode, length))]
fn waverec<'py>(
    py: Python<'py>,
    coeffs: Vec<Bound<'py, PyAny>>,
    wavelet: &str,
    mode: &str,
    length: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let (wavelet, mode) = wavelet_and_mode(wavelet, mode)?;
    let bands = coeffs
        .iter()
        .map(|c| Signal::extract(c, "coeffs"))
        .collect::<PyResult<Vec<_>>>()?;
    let Some(finest) = bands.last().filter(|_| bands.len() >= 2) else {
        return Err(invalid(
            "coeffs",
            "needs the approximation and at least one detail band",
        ));
    };
    let one_d = bands[0].one_d;
    let rows = bands[0].channels.len();
    if bands
        .iter()
        .any(|b| b.one_d != one_d || b.channels.len() != rows)
    {
        return Err(invalid(
            "coeffs",
            "bands differ in dimensions or channel count",
        ));
    }
    let c1 = finest.channels[0].len();
    let n = length.unwrap_or(match mode {
        Mode::Periodization => 2 * c1,
        _ => (2 * c1 + 2).saturating_sub(wavelet.filter_len()),
    });
    let level = bands.len() - 1;
    let dwt = Dwt::new(wavelet, mode, Some(level), n).map_err(to_py)?;
    let lens = dwt.level_lens();
    let expected: Vec<usize> = std::iter::once(lens[level])
        .chain((1..=level).rev().map(|j| lens[j]))
        .collect();
    let given: Vec<usize> = bands.iter().map(|b| b.channels[0].len()).collect();
    if given != expected {
        return Err(invalid(
            "coeffs",
            format!(
                "band lengths {given:?} are not those of a {level}-level {wavelet} {mode} \
                 decomposition of {n} samples ({expected:?})"
            ),
        ));
    }
    let out = py
        .detach(|| {
            (0..rows)
                .into_par_iter()
                .map(|r| {
                    let mut coefs = dwt.make_coefficients();
                    let flat: Vec<f64> =
                        bands.iter().flat_map(|b| &b.channels[r]).copied().collect();
                    coefs.as_mut_slice().copy_from_slice(&flat);
                    let mut y = vec![0.0; n];
                    dwt.synthesize(&mut coefs, &mut y)?;
                    Ok(y)
                })
                .collect::<sparsewave::Result<Vec<Vec<f64>>>>()
        })
        .map_err(to_py)?;
    layout(py, one_d, out)
}

/// A window by name (``"hann"``) or as samples.
#[derive(FromPyObject)]
enum WindowArg {
    /// hann, hamming, blackman-harris, gaussian[:F].
    Name(String),
    /// The window's samples (at most ``n_fft``).
    Samples(Vec<f64>),
}

/// The planned STFT of the keyword arguments: library defaults for `n_fft`, window and
/// padding; `win_length` defaults to `n_fft` and `hop` to `win_length / 4` (librosa's rules).
fn plan_stft(
    n_fft: Option<usize>,
    hop: Option<usize>,
    win_length: Option<usize>,
    window: Option<WindowArg>,
    pad_mode: Option<&str>,
) -> PyResult<Stft> {
    let d = StftParams::default();
    let n_fft = n_fft.unwrap_or(d.n_fft);
    let pad_mode = choice(pad_mode, d.pad)?;
    let cfg = match window {
        Some(WindowArg::Samples(window)) => {
            let hop = hop.unwrap_or(window.len() / 4);
            StftConfig {
                n_fft,
                hop,
                window,
                synthesis: None,
                pad: n_fft / 2,
                pad_mode,
            }
        }
        named => {
            let kind = choice(
                named.as_ref().map(|w| match w {
                    WindowArg::Name(s) => s.as_str(),
                    WindowArg::Samples(_) => unreachable!("handled above"),
                }),
                d.window,
            )?;
            let win_length = win_length.unwrap_or(n_fft);
            let hop = hop.unwrap_or(win_length / 4);
            StftConfig::centered(n_fft, hop, win_length, kind, pad_mode).map_err(to_py)?
        }
    };
    Stft::new(cfg).map_err(to_py)
}

/// librosa's ``stft`` (centred frames): complex128 of shape ``(1 + n_fft/2, frames)``, or
/// ``(channels, 1 + n_fft/2, frames)`` for a 2-D input, Fortran-ordered per channel as
/// librosa's.
#[pyfunction]
#[pyo3(signature = (y, *, n_fft = None, hop = None, win_length = None, window = None,
    pad_mode = None))]
fn stft<'py>(
    py: Python<'py>,
    y: &Bound<'py, PyAny>,
    n_fft: Option<usize>,
    hop: Option<usize>,
    win_length: Option<usize>,
    window: Option<WindowArg>,
    pad_mode: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let signal = Signal::extract(y, "y")?;
    let plan = plan_stft(n_fft, hop, win_length, window, pad_mode)?;
    let channels = &signal.channels;
    let specs = py
        .detach(|| {
            channels
                .iter()
                .map(|x| plan.forward(x))
                .collect::<sparsewave::Result<Vec<Spectrogram>>>()
        })
        .map_err(to_py)?;
    let (frames, bins) = (specs[0].frames, specs[0].bins);
    let shape_error = |e: numpy::ndarray::ShapeError| invalid("y", e.to_string());
    if signal.one_d {
        let spec = specs.into_iter().next().map(|s| s.data).unwrap_or_default();
        let a = Array2::from_shape_vec((frames, bins), spec).map_err(shape_error)?;
        return Ok(a.reversed_axes().into_pyarray(py).into_any());
    }
    let rows = specs.len();
    let flat: Vec<Complex64> = specs.into_iter().flat_map(|s| s.data).collect();
    let a = Array3::from_shape_vec((rows, frames, bins), flat).map_err(shape_error)?;
    Ok(a.permuted_axes([0, 2, 1]).into_pyarray(py).into_any())
}

/// librosa's ``istft`` (centred frames): ``S`` of shape ``(bins, frames)`` or
/// ``(channels, bins, frames)`` back to ``length`` samples (default librosa's
/// ``n_fft + hop·(frames − 1) − 2·(n_fft//2)``). ``n_fft`` defaults to ``2·(bins − 1)``.
#[pyfunction]
#[pyo3(signature = (stft_matrix, *, n_fft = None, hop = None, win_length = None, window = None,
    pad_mode = None, length = None))]
#[allow(clippy::too_many_arguments)]
fn istft<'py>(
    py: Python<'py>,
    stft_matrix: &Bound<'py, PyAny>,
    n_fft: Option<usize>,
    hop: Option<usize>,
    win_length: Option<usize>,
    window: Option<WindowArg>,
    pad_mode: Option<&str>,
    length: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let (one_d, s3) = complex_stack(stft_matrix, "stft_matrix", "(bins, frames)")?;
    let (bins, frames) = (s3.shape()[1], s3.shape()[2]);
    if bins < 2 || frames == 0 {
        return Err(invalid(
            "stft_matrix",
            format!("has {bins} bins and {frames} frames; at least 2 bins and 1 frame needed"),
        ));
    }
    let n_fft = n_fft.unwrap_or(2 * (bins - 1));
    let plan = plan_stft(Some(n_fft), hop, win_length, window, pad_mode)?;
    let hop = plan.config().hop;
    let length = length.unwrap_or(n_fft + hop * (frames - 1) - 2 * (n_fft / 2));
    let specs: Vec<Spectrogram> = s3
        .axis_iter(Axis(0))
        .map(|channel| Spectrogram {
            frames,
            bins,
            data: channel.t().iter().copied().collect(),
        })
        .collect();
    let out = py
        .detach(|| {
            specs
                .iter()
                .map(|spec| plan.inverse(spec, length))
                .collect::<sparsewave::Result<Vec<Vec<f64>>>>()
        })
        .map_err(to_py)?;
    layout(py, one_d, out)
}

/// Periodic Gabor transform through the Zak transform (PGBZ), planned for one signal length.
///
/// ``Pgbz(signal_len, lattice=None)``: the lattice ``(M, N)`` (both odd, ``M·N ≥ signal_len``)
/// defaults to the smallest odd square one. The window is LTFAT's ``pgauss(M·N, M/N)``.
/// ``analyze(x)`` equals LTFAT's ``dgtreal(x, g, M, M)``: complex128 of shape
/// ``((M + 1)/2, N)`` (channel m, time n), with a leading channel axis for a 2-D input;
/// ``synthesize(C)`` is LTFAT's ``idgt`` with the canonical dual window, cut to
/// ``signal_len`` samples.
///
/// >>> g = sw.Pgbz(len(x)); C = g.analyze(x); x2 = g.synthesize(C)
#[pyclass(name = "Pgbz", module = "sparsewave", frozen)]
struct PyPgbz {
    plan: Pgbz,
}

#[pymethods]
impl PyPgbz {
    #[new]
    #[pyo3(signature = (signal_len, lattice = None))]
    fn new(py: Python<'_>, signal_len: usize, lattice: Option<(usize, usize)>) -> PyResult<Self> {
        let plan = py
            .detach(|| match lattice {
                Some((m, n)) => Pgbz::with_lattice(m, n, signal_len),
                None => Pgbz::new(signal_len),
            })
            .map_err(to_py)?;
        Ok(PyPgbz { plan })
    }

    /// ``(M, N)``: frequency channels and time positions.
    #[getter]
    fn lattice(&self) -> (usize, usize) {
        self.plan.lattice()
    }

    /// The signal length the plan was made for.
    #[getter]
    fn signal_len(&self) -> usize {
        self.plan.signal_len()
    }

    /// ``L = M·N``, the length the signal is zero-padded to.
    #[getter]
    fn padded_len(&self) -> usize {
        self.plan.padded_len()
    }

    /// The window ``g`` (``pgauss(L, M/N)``, unit norm), ``L`` samples.
    fn window<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.plan.window())
    }

    /// The canonical dual window γ (LTFAT's ``gabdual``), ``L`` samples.
    fn dual_window<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.plan.dual_window())
    }

    /// Analysis (LTFAT ``dgtreal``): ``x`` of at most ``L`` samples → ``((M + 1)/2, N)``
    /// complex coefficients (``(channels, (M + 1)/2, N)`` for a 2-D input).
    fn analyze<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let signal = Signal::extract(x, "x")?;
        let plan = &self.plan;
        let channels = &signal.channels;
        let coefs = py
            .detach(|| {
                let mut scratch = plan.make_scratch();
                channels
                    .iter()
                    .map(|x| {
                        let mut c = plan.make_coefficients();
                        plan.analyze(x, &mut c, &mut scratch)?;
                        Ok(c)
                    })
                    .collect::<sparsewave::Result<Vec<_>>>()
            })
            .map_err(to_py)?;
        let (mh, n) = (plan.half_channels(), plan.lattice().1);
        let shape_error = |e: numpy::ndarray::ShapeError| invalid("x", e.to_string());
        if signal.one_d {
            let c = coefs.into_iter().next().unwrap_or_default();
            let a = Array2::from_shape_vec((n, mh), c).map_err(shape_error)?;
            return Ok(a.reversed_axes().into_pyarray(py).into_any());
        }
        let rows = coefs.len();
        let a = Array3::from_shape_vec((rows, n, mh), coefs.concat()).map_err(shape_error)?;
        Ok(a.permuted_axes([0, 2, 1]).into_pyarray(py).into_any())
    }

    /// Synthesis (LTFAT ``idgt`` with the dual window): coefficients of shape
    /// ``((M + 1)/2, N)`` (or with a leading channel axis) → ``signal_len`` samples.
    fn synthesize<'py>(
        &self,
        py: Python<'py>,
        coefs: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (one_d, c3) = complex_stack(coefs, "coefs", "((M+1)/2, N)")?;
        let plan = &self.plan;
        let (mh, n) = (plan.half_channels(), plan.lattice().1);
        if c3.shape()[1..] != [mh, n] {
            return Err(invalid(
                "coefs",
                format!(
                    "has shape {:?}, this plan's is ({mh}, {n})",
                    &c3.shape()[1..]
                ),
            ));
        }
        let rows: Vec<Vec<Complex64>> = c3
            .axis_iter(Axis(0))
            .map(|c| c.t().iter().copied().collect())
            .collect();
        let out = py
            .detach(|| {
                let mut scratch = plan.make_scratch();
                rows.iter()
                    .map(|c| {
                        let mut y = plan.make_signal();
                        plan.synthesize(c, &mut y, &mut scratch)?;
                        y.truncate(plan.signal_len());
                        Ok(y)
                    })
                    .collect::<sparsewave::Result<Vec<Vec<f64>>>>()
            })
            .map_err(to_py)?;
        layout(py, one_d, out)
    }

    fn __repr__(&self) -> String {
        let (m, n) = self.plan.lattice();
        format!(
            "Pgbz(signal_len={}, lattice=({m}, {n}))",
            self.plan.signal_len()
        )
    }
}
