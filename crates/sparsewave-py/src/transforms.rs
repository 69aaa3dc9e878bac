//! The planned transforms on arrays: `wavedec`/`waverec` (PyWavelets' values), `stft`/`istft`
//! (librosa's values) and the `Pgbz` class (LTFAT's `dgtreal`/`idgt` conventions, half layout).
//!
//! Every transform of a 2-D `(channels, samples)` input runs the same plan on each row; the
//! result has a leading channel axis.

use crate::arrays::{layout, ComplexStack, RealRows};
use crate::errors::{invalid, to_py};
use crate::options::choice;
use numpy::ndarray::{Array2, Array3};
use numpy::{
    Complex64, IntoPyArray, PyArray1, PyArray2, PyArray3, PyArrayMethods, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use rayon::prelude::*;
use sparsewave::approx::job::StftParams;
use sparsewave::transform::stft::{Stft, StftConfig};
use sparsewave::transform::wavelet::{dwt_max_level, Dwt, Mode, Wavelet, WaveletCoefs};
use sparsewave::transform::zak::Pgbz;
use std::cell::RefCell;

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

thread_local! {
    /// This thread's last wavelet coefficient set (with its scratch space), reused by the next
    /// transform of the same wavelet, mode and lengths: on long signals the first touch of
    /// fresh memory costs more than the transform itself.
    static COEFS: RefCell<Option<(Wavelet, Mode, WaveletCoefs)>> = const { RefCell::new(None) };
}

/// Runs `f` with a coefficient set of `dwt` (this thread's cached one when it fits).
fn with_coefs<R>(dwt: &Dwt, f: impl FnOnce(&mut WaveletCoefs) -> R) -> R {
    COEFS.with_borrow_mut(|slot| {
        let fits = matches!(slot, Some((w, m, c))
            if *w == dwt.wavelet() && *m == dwt.mode() && c.level_lens() == dwt.level_lens());
        if !fits {
            *slot = Some((dwt.wavelet(), dwt.mode(), dwt.make_coefficients()));
        }
        let (_, _, coefs) = slot.as_mut().expect("filled above");
        f(coefs)
    })
}

/// Band lengths of a plan in storage order, `[len(cA_L), len(cD_L), …, len(cD_1)]`.
fn band_lens(dwt: &Dwt) -> Vec<usize> {
    let lens = dwt.level_lens();
    let level = dwt.level();
    std::iter::once(lens[level])
        .chain((1..=level).rev().map(|j| lens[j]))
        .collect()
}

/// `rows × len` float64 arrays (zeroed), one per length, and their memory split into rows:
/// `rows[r][b]` is row `r` of array `b`.
#[allow(clippy::type_complexity)]
fn output_rows<'py>(
    py: Python<'py>,
    rows: usize,
    lens: &[usize],
) -> (Vec<Bound<'py, PyArray2<f64>>>, Vec<Vec<&'py mut [f64]>>) {
    let arrays: Vec<_> = lens
        .iter()
        .map(|&len| PyArray2::<f64>::zeros(py, [rows, len], false))
        .collect();
    let mut split: Vec<Vec<&mut [f64]>> = (0..rows).map(|_| Vec::new()).collect();
    for (array, &len) in arrays.iter().zip(lens) {
        // SAFETY: the arrays were just made here, are C-contiguous, and nothing else refers to
        // them until they are returned to Python after these slices are dropped.
        let memory = unsafe { std::slice::from_raw_parts_mut(array.data(), rows * len) };
        for (r, row) in memory.chunks_exact_mut(len).enumerate() {
            split[r].push(row);
        }
    }
    (arrays, split)
}

/// `array` (`rows × len`), as 1-D `(len,)` when `one_d`.
fn shaped<'py>(array: Bound<'py, PyArray2<f64>>, one_d: bool) -> PyResult<Bound<'py, PyAny>> {
    if one_d {
        let len = array.shape()[1];
        Ok(array.reshape([len])?.into_any())
    } else {
        Ok(array.into_any())
    }
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
    let input = RealRows::extract(data, "data")?;
    let rows = input.rows();
    let (wavelet, mode) = wavelet_and_mode(wavelet, mode)?;
    let n = rows[0].len();
    let level = level.unwrap_or_else(|| dwt_max_level(n, wavelet.filter_len()));
    let dwt = Dwt::new(wavelet, mode, Some(level), n).map_err(to_py)?;
    let (arrays, outputs) = output_rows(py, rows.len(), &band_lens(&dwt));
    py.detach(|| {
        outputs
            .into_par_iter()
            .zip(rows.par_iter())
            .try_for_each(|(bands, x)| {
                with_coefs(&dwt, |coefs| {
                    dwt.analyze(x, coefs)?;
                    let flat = coefs.as_slice();
                    for (w, band) in coefs.offsets().windows(2).zip(bands) {
                        band.copy_from_slice(&flat[w[0]..w[1]]);
                    }
                    Ok(())
                })
            })
    })
    .map_err(to_py)?;
    let one_d = input.one_d();
    arrays.into_iter().map(|a| shaped(a, one_d)).collect()
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
    let inputs = coeffs
        .iter()
        .map(|c| RealRows::extract(c, "coeffs"))
        .collect::<PyResult<Vec<_>>>()?;
    let bands: Vec<Vec<&[f64]>> = inputs.iter().map(RealRows::rows).collect();
    let Some(finest) = bands.last().filter(|_| bands.len() >= 2) else {
        return Err(invalid(
            "coeffs",
            "needs the approximation and at least one detail band",
        ));
    };
    let one_d = inputs[0].one_d();
    let rows = bands[0].len();
    if inputs.iter().any(|b| b.one_d() != one_d) || bands.iter().any(|b| b.len() != rows) {
        return Err(invalid(
            "coeffs",
            "bands differ in dimensions or channel count",
        ));
    }
    let c1 = finest[0].len();
    let n = length.unwrap_or(match mode {
        Mode::Periodization => 2 * c1,
        _ => (2 * c1 + 2).saturating_sub(wavelet.filter_len()),
    });
    let level = bands.len() - 1;
    let dwt = Dwt::new(wavelet, mode, Some(level), n).map_err(to_py)?;
    let expected = band_lens(&dwt);
    let given: Vec<usize> = bands.iter().map(|b| b[0].len()).collect();
    if given != expected {
        return Err(invalid(
            "coeffs",
            format!(
                "band lengths {given:?} are not those of a {level}-level {wavelet} {mode} \
                 decomposition of {n} samples ({expected:?})"
            ),
        ));
    }
    let (mut arrays, outputs) = output_rows(py, rows, &[n]);
    py.detach(|| {
        outputs
            .into_par_iter()
            .enumerate()
            .try_for_each(|(r, mut out)| {
                with_coefs(&dwt, |coefs| {
                    let offsets = coefs.offsets().to_vec();
                    let flat = coefs.as_mut_slice();
                    for (band, w) in bands.iter().zip(offsets.windows(2)) {
                        flat[w[0]..w[1]].copy_from_slice(band[r]);
                    }
                    dwt.synthesize(coefs, out[0])
                })
            })
    })
    .map_err(to_py)?;
    shaped(arrays.remove(0), one_d)
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
    let input = RealRows::extract(y, "y")?;
    let plan = plan_stft(n_fft, hop, win_length, window, pad_mode)?;
    let channels = input.rows();
    let (frames, bins) = (plan.frame_count(channels[0].len()), plan.bins());
    // The result is written straight into NumPy's memory, time-major per channel (the
    // library's layout), and returned as the transposed view `(…, bins, frames)`.
    let out = PyArray3::<Complex64>::zeros(py, [channels.len(), frames, bins], false);
    // SAFETY: the array was just made here, is C-contiguous, and nothing else refers to it
    // until it is returned after this slice is dropped.
    let memory =
        unsafe { std::slice::from_raw_parts_mut(out.data(), channels.len() * frames * bins) };
    py.detach(|| {
        channels
            .iter()
            .zip(memory.chunks_exact_mut(frames * bins))
            .try_for_each(|(x, spec)| plan.forward_frames_into(x, 0..frames, spec))
    })
    .map_err(to_py)?;
    let spectra = out.permute(Some([0, 2, 1]))?;
    if input.one_d() {
        Ok(spectra
            .reshape_with_order([bins, frames], numpy::npyffi::NPY_ORDER::NPY_FORTRANORDER)?
            .into_any())
    } else {
        Ok(spectra.into_any())
    }
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
    let stack = ComplexStack::extract(stft_matrix, "stft_matrix", "(bins, frames)")?;
    let (bins, frames) = stack.shape;
    if bins < 2 || frames == 0 {
        return Err(invalid(
            "stft_matrix",
            format!("has {bins} bins and {frames} frames; at least 2 bins and 1 frame needed"),
        ));
    }
    let n_fft = n_fft.unwrap_or(2 * (bins - 1));
    let plan = plan_stft(Some(n_fft), hop, win_length, window, pad_mode)?;
    if plan.bins() != bins {
        return Err(invalid(
            "n_fft",
            format!("{n_fft} gives {} bins, stft_matrix has {bins}", plan.bins()),
        ));
    }
    let hop = plan.config().hop;
    let length = length.unwrap_or(n_fft + hop * (frames - 1) - 2 * (n_fft / 2));
    let channels = stack.channels();
    let out = py
        .detach(|| {
            channels
                .iter()
                .map(|data| plan.inverse_frames(data, length))
                .collect::<sparsewave::Result<Vec<Vec<f64>>>>()
        })
        .map_err(to_py)?;
    layout(py, stack.one_d, out)
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
        let input = RealRows::extract(x, "x")?;
        let plan = &self.plan;
        let channels = input.rows();
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
        if input.one_d() {
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
        let stack = ComplexStack::extract(coefs, "coefs", "((M+1)/2, N)")?;
        let plan = &self.plan;
        let (mh, n) = (plan.half_channels(), plan.lattice().1);
        if stack.shape != (mh, n) {
            return Err(invalid(
                "coefs",
                format!("has shape {:?}, this plan's is ({mh}, {n})", stack.shape),
            ));
        }
        let rows = stack.channels();
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
        layout(py, stack.one_d, out)
    }

    fn __repr__(&self) -> String {
        let (m, n) = self.plan.lattice();
        format!(
            "Pgbz(signal_len={}, lattice=({m}, {n}))",
            self.plan.signal_len()
        )
    }
}
