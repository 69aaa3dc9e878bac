//! `sparsewave._native`: the Python bindings of the sparsewave library (PyO3 + rust-numpy).
//!
//! This crate only translates: NumPy arrays and keyword arguments in, the library's jobs and
//! transforms run with the GIL released, NumPy arrays and report dicts out. Every default,
//! every validation and every method lives in the library; the Python package (`python/`)
//! re-exports these functions and adds PyWavelets' and librosa's argument conventions
//! (`axis`, coefficient lists that remember the signal length).

mod arrays;
mod batch;
mod errors;
mod jobs;
mod options;
mod transforms;

use pyo3::prelude::*;

/// The compiled part of the `sparsewave` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    jobs::register(m)?;
    batch::register(m)?;
    transforms::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
