//! The library's error type. Every fallible function returns [`Result`].
//!
//! Messages are written for the person at the terminal: they say which file or which
//! parameter is at fault and what is wrong with it.

use std::path::PathBuf;

/// Everything that can go wrong in sparsewave.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system error while reading or writing `path`.
    #[error("{}: {err}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        err: std::io::Error,
    },
    /// The file could be read but its content is not valid audio (or not a valid container).
    #[error("{}: {reason}", path.display())]
    BadInput {
        /// The file.
        path: PathBuf,
        /// What is wrong with its content.
        reason: String,
    },
    /// A parameter is outside its valid range; `name` is the parameter as the user knows it.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name in snake_case (`hop`, `window_length`); the command line shows
        /// it as the flag that sets it (`--hop`).
        name: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// Bytes that should hold a `.swz` file (or a part of one) are damaged or not of this format.
    #[error("corrupt .swz data: {0}")]
    Corrupt(String),
    /// A numerical procedure failed (e.g. an iteration did not converge).
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A step would need more memory than the limit ([`crate::memory`]); refused before
    /// allocating.
    #[error("{task} needs about {needed} of memory, more than {}", match origin {
        crate::memory::LimitOrigin::Set => {
            format!("the limit of {limit} {}", crate::memory::SET_LIMIT_TAIL)
        }
        crate::memory::LimitOrigin::Available => {
            format!("the {limit} {}", crate::memory::AVAILABLE_LIMIT_TAIL)
        }
    })]
    OutOfMemory {
        /// What would need the memory, with the sizes that decide it.
        task: String,
        /// The estimate.
        needed: crate::memory::ByteSize,
        /// The limit it exceeds.
        limit: crate::memory::ByteSize,
        /// Whether the limit was set or is the machine's available memory.
        origin: crate::memory::LimitOrigin,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::BadInput`].
    pub fn bad_input(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::BadInput {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, err: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            err,
        }
    }
}

/// Refuses a mask (parameter `mask`) that has not one entry per entry of what it selects from
/// (`entries` of them, named `what`).
pub fn check_mask(mask: &[bool], entries: usize, what: &str) -> Result<()> {
    if mask.len() != entries {
        return Err(Error::param(
            "mask",
            format!("{} mask entries for {entries} {what}", mask.len()),
        ));
    }
    Ok(())
}

/// `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
