//! The library's errors as Python exceptions, with the library's message.
//!
//! | library error | Python exception |
//! | --- | --- |
//! | `InvalidParameter` (a keyword argument is wrong) | `ValueError` |
//! | `Corrupt` (bytes that are not a valid `.swz` file) | `ValueError` |
//! | `Io` (the operating system refused a file) | `FileNotFoundError`, `PermissionError` or `OSError` |
//! | `BadInput` (a file's content is not valid audio) | `OSError` |
//! | `Numerical` (an iteration failed, a non-finite result) | `RuntimeError` |
//! | `OutOfMemory` (the estimate exceeds the available memory; nothing was allocated) | `MemoryError` |

use pyo3::exceptions::{
    PyFileNotFoundError, PyMemoryError, PyOSError, PyPermissionError, PyRuntimeError, PyValueError,
};
use pyo3::PyErr;
use sparsewave::Error;
use std::io::ErrorKind;

/// The Python exception of a library error; the message is the library's (`invalid hop: …`,
/// with the library's snake_case parameter names, which are the keyword arguments' names).
pub fn to_py(e: Error) -> PyErr {
    let message = e.to_string();
    match e {
        Error::InvalidParameter { .. } | Error::Corrupt(_) => PyValueError::new_err(message),
        Error::Io { err, .. } => match err.kind() {
            ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        Error::BadInput { .. } => PyOSError::new_err(message),
        Error::Numerical(_) => PyRuntimeError::new_err(message),
        Error::OutOfMemory { .. } => PyMemoryError::new_err(message),
    }
}

/// `ValueError("invalid {name}: {reason}")`, the library's wording for a bad parameter.
pub fn invalid(name: &'static str, reason: impl Into<String>) -> PyErr {
    to_py(Error::param(name, reason))
}

/// The error of two keyword arguments that cannot be given together (the CLI's conflicting
/// flags).
pub fn conflict(first: &'static str, second: &'static str) -> PyErr {
    invalid(first, format!("cannot be combined with {second}"))
}
