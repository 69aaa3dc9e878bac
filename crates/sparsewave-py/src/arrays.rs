//! NumPy arrays in and out.
//!
//! Signals come in as 1-D `(samples,)` or 2-D `(channels, samples)` arrays of float32 or
//! float64, in any memory layout; they are always copied into the library's per-channel
//! `Vec<f64>` (float32 is widened exactly). Outputs are new float64 (or complex128) arrays of
//! the input's layout: 1-D in, 1-D out.

use crate::errors::invalid;
use numpy::ndarray::{Array3, ArrayD, ArrayViewD, Axis, Dimension, Ix2, Ix3};
use numpy::{Complex32, Complex64, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
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

    /// The signal as the library's in-memory audio at `sr` Hz.
    pub fn audio(&self, sr: u32) -> PyResult<Audio> {
        check_rate(sr)?;
        Ok(Audio::from_channels(sr, self.channels.clone()))
    }

    /// `channels` as an array of this signal's layout.
    pub fn output<'py>(
        &self,
        py: Python<'py>,
        channels: Vec<Vec<f64>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        layout(py, self.one_d, channels)
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

/// The rows of a 1-D or 2-D view, converted to f64.
fn rows<T: Copy>(
    a: ArrayViewD<'_, T>,
    name: &'static str,
    f: impl Fn(T) -> f64,
) -> PyResult<Signal> {
    let (channels, one_d) = match a.ndim() {
        1 => (vec![a.iter().map(|&v| f(v)).collect()], true),
        2 => (
            a.axis_iter(Axis(0))
                .map(|row| row.iter().map(|&v| f(v)).collect())
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
    let empty = |ch: &Vec<f64>| ch.is_empty();
    if channels.is_empty() || channels.iter().any(empty) {
        return Err(invalid(
            name,
            format!("is empty (shape {:?})", a.raw_dim().slice()),
        ));
    }
    Ok(Signal { channels, one_d })
}

/// Argument `name`: a complex128 or complex64 array of shape `shape` (2-D, e.g.
/// `(bins, frames)`) or with a leading channel axis (3-D), as 3-D complex128, and whether it was
/// 2-D.
pub fn complex_stack(
    obj: &Bound<'_, PyAny>,
    name: &'static str,
    shape: &str,
) -> PyResult<(bool, Array3<Complex64>)> {
    let a: ArrayD<Complex64> = if let Ok(a) = obj.cast::<PyArrayDyn<Complex64>>() {
        a.readonly().as_array().to_owned()
    } else if let Ok(a) = obj.cast::<PyArrayDyn<Complex32>>() {
        a.readonly()
            .as_array()
            .mapv(|c| Complex64::new(f64::from(c.re), f64::from(c.im)))
    } else {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a complex64 or complex128 NumPy array, not {}",
            describe(obj)
        )));
    };
    match a.ndim() {
        2 => Ok((
            true,
            a.into_dimensionality::<Ix2>()
                .expect("two dimensions")
                .insert_axis(Axis(0)),
        )),
        3 => Ok((
            false,
            a.into_dimensionality::<Ix3>().expect("three dimensions"),
        )),
        d => Err(invalid(
            name,
            format!(
                "must have shape {shape} or (channels, {}, not {d} dimensions",
                &shape[1..]
            ),
        )),
    }
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
