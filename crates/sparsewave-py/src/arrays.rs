//! NumPy arrays in and out.
//!
//! Signals come in as 1-D `(samples,)` or 2-D `(channels, samples)` arrays of float32 or
//! float64, in any memory layout; they are always copied into the library's per-channel
//! `Vec<f64>` (float32 is widened exactly). Outputs are new float64 (or complex128) arrays of
//! the input's layout: 1-D in, 1-D out.

use crate::errors::invalid;
use numpy::ndarray::{ArrayView1, ArrayViewD, Axis, Ix1, Ix2, Ix3};
use numpy::{
    Complex32, Complex64, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use sparsewave::Audio;

/// A real signal taken from Python: its channels and whether it came as a 1-D array.
pub struct Signal {
    /// `channels[c][t]`.
    pub channels: Vec<Vec<f64>>,
    /// True for a 1-D input: outputs are 1-D too.
    pub one_d: bool,
}

impl Signal {
    /// Reads argument `name`: a 1-D or 2-D float32/float64 array of finite values, at least one
    /// sample long.
    pub fn extract(obj: &Bound<'_, PyAny>, name: &'static str) -> PyResult<Self> {
        let signal = if let Ok(a) = obj.cast::<PyArrayDyn<f64>>() {
            rows(a.readonly().as_array(), name, |v| v)?
        } else if let Ok(a) = obj.cast::<PyArrayDyn<f32>>() {
            rows(a.readonly().as_array(), name, f64::from)?
        } else {
            return Err(PyTypeError::new_err(format!(
                "{name} must be a float32 or float64 NumPy array of shape (samples,) or \
                 (channels, samples), not {}",
                describe(obj)
            )));
        };
        if let Some((c, i)) = signal
            .channels
            .iter()
            .enumerate()
            .find_map(|(c, ch)| ch.iter().position(|v| !v.is_finite()).map(|i| (c, i)))
        {
            return Err(invalid(
                name,
                format!("holds a NaN or infinite value (channel {c}, sample {i})"),
            ));
        }
        Ok(signal)
    }

    /// The signal as the library's in-memory audio at `sr` Hz, and whether it was 1-D (the
    /// layout of the output, see [`layout`]).
    pub fn into_audio(self, sr: u32) -> PyResult<(Audio, bool)> {
        check_rate(sr)?;
        Ok((Audio::from_channels(sr, self.channels), self.one_d))
    }
}

/// `channels` as a 1-D array (the first channel) when `one_d`, else `(channels, samples)`.
pub fn layout(py: Python<'_>, one_d: bool, channels: Vec<Vec<f64>>) -> PyResult<Bound<'_, PyAny>> {
    if one_d {
        let mono = channels.into_iter().next().unwrap_or_default();
        Ok(PyArray1::from_vec(py, mono).into_any())
    } else {
        channels_2d(py, channels)
    }
}

/// The rows of a real array for a transform: borrowed from NumPy when the array is a
/// C-contiguous float64 one (no copy), else copied as a [`Signal`]. Borrowed memory is read
/// while the GIL is released: another Python thread must not write to the array meanwhile.
pub enum RealRows<'py> {
    /// A C-contiguous float64 array, 1-D or 2-D.
    Borrowed {
        /// The read-only borrow (keeps the array alive and flags it as borrowed).
        array: PyReadonlyArrayDyn<'py, f64>,
        /// Samples per row.
        row_len: usize,
    },
    /// Any other float32/float64 array, copied.
    Copied(Signal),
}

impl<'py> RealRows<'py> {
    /// Reads argument `name` with the rules of [`Signal::extract`].
    pub fn extract(obj: &Bound<'py, PyAny>, name: &'static str) -> PyResult<Self> {
        let borrowed = obj.cast::<PyArrayDyn<f64>>().ok().and_then(|a| {
            let shape = a.shape();
            let row_len = *shape.last()?;
            let fits = matches!(shape.len(), 1 | 2) && a.is_c_contiguous() && a.len() > 0;
            fits.then(|| (a.readonly(), row_len))
        });
        let rows = match borrowed {
            Some((array, row_len)) => RealRows::Borrowed { array, row_len },
            None => return Ok(RealRows::Copied(Signal::extract(obj, name)?)),
        };
        if let Some((c, i)) = rows
            .rows()
            .iter()
            .enumerate()
            .find_map(|(c, row)| row.iter().position(|v| !v.is_finite()).map(|i| (c, i)))
        {
            return Err(invalid(
                name,
                format!("holds a NaN or infinite value (channel {c}, sample {i})"),
            ));
        }
        Ok(rows)
    }

    /// The rows.
    pub fn rows(&self) -> Vec<&[f64]> {
        match self {
            RealRows::Borrowed { array, row_len } => array
                .as_slice()
                .expect("checked C-contiguous")
                .chunks_exact(*row_len)
                .collect(),
            RealRows::Copied(signal) => signal.channels.iter().map(Vec::as_slice).collect(),
        }
    }

    /// True for a 1-D array.
    pub fn one_d(&self) -> bool {
        match self {
            RealRows::Borrowed { array, .. } => array.ndim() == 1,
            RealRows::Copied(signal) => signal.one_d,
        }
    }
}

/// Refuses a sample rate of 0 (parameter `sr`).
pub fn check_rate(sr: u32) -> PyResult<()> {
    if sr == 0 {
        return Err(invalid("sr", "must be at least 1 Hz"));
    }
    Ok(())
}

/// A `(channels, samples)` float64 array.
pub fn channels_2d(py: Python<'_>, channels: Vec<Vec<f64>>) -> PyResult<Bound<'_, PyAny>> {
    let (c, n) = (channels.len(), channels.first().map_or(0, Vec::len));
    let flat = numpy::ndarray::Array2::from_shape_vec((c, n), channels.concat())
        .map_err(|e| invalid("channels", e.to_string()))?;
    Ok(flat.into_pyarray(py).into_any())
}

/// The rows of a 1-D or 2-D view, converted to f64. (Fixed-dimension views: iterating a
/// dynamic-dimension view costs an index computation per element.)
fn rows<T: Copy>(
    a: ArrayViewD<'_, T>,
    name: &'static str,
    f: impl Fn(T) -> f64,
) -> PyResult<Signal> {
    let row = |r: ArrayView1<'_, T>| r.iter().map(|&v| f(v)).collect::<Vec<f64>>();
    let shape = a.shape().to_vec();
    let (channels, one_d) = match a.ndim() {
        1 => (
            vec![row(a.into_dimensionality::<Ix1>().expect("one dimension"))],
            true,
        ),
        2 => (
            a.into_dimensionality::<Ix2>()
                .expect("two dimensions")
                .rows()
                .into_iter()
                .map(row)
                .collect(),
            false,
        ),
        d => {
            return Err(invalid(
                name,
                format!("must have shape (samples,) or (channels, samples), not {d} dimensions"),
            ))
        }
    };
    if channels.is_empty() || channels.iter().any(Vec::is_empty) {
        return Err(invalid(name, format!("is empty (shape {shape:?})")));
    }
    Ok(Signal { channels, one_d })
}

/// Complex coefficients taken from Python: a `(rows, columns)` matrix per channel (e.g.
/// `(bins, frames)`), read transposed, `columns`-major (`data[c·rows + r]`), which is the
/// library's time-major layout. A complex128 array already in that layout (each channel
/// Fortran-ordered, channels one after the other: what `stft` returns) is borrowed, anything
/// else copied; borrowed memory is read while the GIL is released.
pub struct ComplexStack<'py> {
    /// True for a 2-D input (one channel): outputs are 1-D.
    pub one_d: bool,
    /// `(rows, columns)` of each channel's matrix.
    pub shape: (usize, usize),
    storage: ComplexStorage<'py>,
}

enum ComplexStorage<'py> {
    /// The array itself, in the library's layout.
    Borrowed(PyReadonlyArrayDyn<'py, Complex64>),
    /// One transposed copy per channel.
    Copied(Vec<Vec<Complex64>>),
}

impl<'py> ComplexStack<'py> {
    /// Reads argument `name`: a complex128 or complex64 array of shape `shape` (2-D, e.g.
    /// `"(bins, frames)"`) or with a leading channel axis (3-D).
    pub fn extract(obj: &Bound<'py, PyAny>, name: &'static str, shape: &str) -> PyResult<Self> {
        if let Ok(a) = obj.cast::<PyArrayDyn<Complex64>>() {
            let array = a.readonly();
            if time_major(&array) {
                let dims = array.shape().to_vec();
                let n = dims.len();
                return Ok(ComplexStack {
                    one_d: n == 2,
                    shape: (dims[n - 2], dims[n - 1]),
                    storage: ComplexStorage::Borrowed(array),
                });
            }
            Self::copy(array.as_array(), name, shape, |c| c)
        } else if let Ok(a) = obj.cast::<PyArrayDyn<Complex32>>() {
            Self::copy(a.readonly().as_array(), name, shape, |c| {
                Complex64::new(f64::from(c.re), f64::from(c.im))
            })
        } else {
            Err(PyTypeError::new_err(format!(
                "{name} must be a complex64 or complex128 NumPy array, not {}",
                describe(obj)
            )))
        }
    }

    /// One slice per channel, time-major.
    pub fn channels(&self) -> Vec<&[Complex64]> {
        match &self.storage {
            ComplexStorage::Copied(channels) => channels.iter().map(Vec::as_slice).collect(),
            ComplexStorage::Borrowed(array) => {
                let per_channel = self.shape.0 * self.shape.1;
                let len = array.len();
                // SAFETY: `time_major` checked that the array's `len` elements are one block of
                // memory in this order; the read-only borrow keeps it alive and unchanged by Rust.
                let all = unsafe { std::slice::from_raw_parts(array.data(), len) };
                all.chunks_exact(per_channel).collect()
            }
        }
    }

    /// A transposed copy per channel, after checking the number of dimensions.
    fn copy<T: Copy>(
        a: ArrayViewD<'_, T>,
        name: &'static str,
        shape: &str,
        f: impl Fn(T) -> Complex64,
    ) -> PyResult<Self> {
        let (one_d, a3) = match a.ndim() {
            2 => (
                true,
                a.into_dimensionality::<Ix2>()
                    .expect("two dimensions")
                    .insert_axis(Axis(0)),
            ),
            3 => (
                false,
                a.into_dimensionality::<Ix3>().expect("three dimensions"),
            ),
            d => {
                return Err(invalid(
                    name,
                    format!(
                        "must have shape {shape} or (channels, {}, not {d} dimensions",
                        &shape[1..]
                    ),
                ))
            }
        };
        let (_, rows, columns) = a3.dim();
        let channels = a3
            .outer_iter()
            .map(|m| m.t().iter().map(|&c| f(c)).collect())
            .collect();
        Ok(ComplexStack {
            one_d,
            shape: (rows, columns),
            storage: ComplexStorage::Copied(channels),
        })
    }
}

/// Whether a 2-D `(rows, columns)` or 3-D `(channels, rows, columns)` array is one block of
/// memory ordered channel, column, row (each channel Fortran-ordered).
fn time_major(array: &PyReadonlyArrayDyn<'_, Complex64>) -> bool {
    let item = std::mem::size_of::<Complex64>() as isize;
    let shape = array.shape();
    let strides = array.strides();
    let dims = shape.len();
    if !(2..=3).contains(&dims) || shape.contains(&0) {
        return false;
    }
    let (rows, columns) = (shape[dims - 2] as isize, shape[dims - 1] as isize);
    let inner = strides[dims - 2] == item && (columns == 1 || strides[dims - 1] == item * rows);
    let outer = dims == 2 || shape[0] == 1 || strides[0] == item * rows * columns;
    inner && outer
}

/// "a numpy array of dtype int64 and shape (3,)", "list", … for type errors.
fn describe(obj: &Bound<'_, PyAny>) -> String {
    if let Ok(a) = obj.cast::<numpy::PyUntypedArray>() {
        let dtype = a.dtype().str().map(|s| s.to_string()).unwrap_or_default();
        return format!("an array of dtype {dtype} and shape {:?}", a.shape());
    }
    obj.get_type()
        .name()
        .map(|n| format!("a {n}"))
        .unwrap_or_else(|_| "an object of another type".into())
}
