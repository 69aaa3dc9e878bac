//! The `sparsewave` command line as a library: the subcommands ([`commands::main`] is the
//! binary's whole `main`) and [`batch`], which runs a manifest of jobs, each exactly as the
//! single command would, in parallel and sharded for job arrays.

#![warn(missing_docs)]

/// `print!` to stdout that returns from the enclosing function with [`StdoutClosed`] when the
/// reader has gone (`sparsewave info f.swz | head -1`), where `print!` would panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*).map_err($crate::StdoutClosed::from_io)?;
    }};
}

/// `println!` with [`out!`]'s handling of a closed stdout.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::StdoutClosed::from_io)?;
    }};
}

/// Writing to stdout failed (most often: the reader closed the pipe). [`commands::main`] ends
/// quietly on a closed pipe, as Unix tools do, and reports any other write error.
#[derive(Debug)]
pub struct StdoutClosed(std::io::Error);

impl StdoutClosed {
    fn from_io(e: std::io::Error) -> anyhow::Error {
        anyhow::Error::new(StdoutClosed(e))
    }

    /// The reader went away (`EPIPE`): nothing more can be said on stdout.
    pub fn is_broken_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }
}

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot write to stdout")
    }
}

impl std::error::Error for StdoutClosed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

pub mod batch;
pub mod commands;
mod serve;
