//! `sparsewave.batch`: a manifest of jobs run exactly as the command line's `sparsewave batch`
//! runs it (the same code: `sparsewave_cli::batch`), sharded for job arrays.

use crate::errors::to_py;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use sparsewave_cli::batch::{run, BatchOptions, Manifest, ManifestError, Shard};
use std::path::PathBuf;

/// A batch error as a Python exception: the library's own errors keep their mapping (files →
/// `OSError`, parameters → `ValueError`); a bad manifest is a `ValueError`, a file the
/// operating system refused (the manifest, the results file) an `OSError`, anything else a
/// `RuntimeError`, with the message of the command line.
fn batch_error(e: anyhow::Error) -> PyErr {
    let message = format!("{e:#}");
    let io = e.chain().any(|cause| cause.is::<std::io::Error>());
    match e.downcast::<sparsewave::Error>() {
        Ok(library) => to_py(library),
        Err(e) if e.is::<ManifestError>() => PyValueError::new_err(message),
        Err(_) if io => PyOSError::new_err(message),
        Err(_) => PyRuntimeError::new_err(message),
    }
}

/// Run a manifest of jobs (``sparsewave batch``).
///
/// ``manifest``: a JSON Lines or CSV file, one job per line (``command``, ``input``,
/// ``output`` and the command's parameters by their command-line names; relative paths are
/// relative to the manifest). ``shard``: ``"I/N"`` or ``(I, N)`` runs every N-th job from I;
/// without it the shard comes from ``SLURM_ARRAY_TASK_ID``/``SLURM_ARRAY_TASK_COUNT`` or
/// ``JOB_COMPLETION_INDEX`` with ``shards=N``, else the whole manifest. ``jobs``: jobs at a
/// time (default: the cores). ``results``: the JSON Lines results file (default beside the
/// manifest). Done jobs are skipped unless ``force=True``. Returns the summary dict (``done``,
/// ``skipped``, ``failed``, ``audio_hours_per_hour``, ``results``, …); failed jobs are recorded
/// in the results file with their error, not raised.
///
/// >>> summary = sw.batch("jobs.jsonl", shard=(0, 4))
#[pyfunction]
#[pyo3(signature = (manifest, *, shard = None, shards = None, jobs = None, results = None,
    force = false))]
fn batch<'py>(
    py: Python<'py>,
    manifest: PathBuf,
    shard: Option<&Bound<'py, PyAny>>,
    shards: Option<usize>,
    jobs: Option<usize>,
    results: Option<PathBuf>,
    force: bool,
) -> PyResult<Bound<'py, PyAny>> {
    if jobs == Some(0) {
        return Err(PyValueError::new_err("invalid jobs: must be at least 1"));
    }
    // A shard that cannot be is a bad argument.
    let bad_shard = |e: anyhow::Error| PyValueError::new_err(format!("{e:#}"));
    let explicit = match shard {
        None => None,
        Some(s) => Some(match s.extract::<(usize, usize)>() {
            Ok((index, count)) => Shard::new(index, count).map_err(bad_shard)?,
            Err(_) => s.extract::<String>()?.parse::<Shard>().map_err(bad_shard)?,
        }),
    };
    let options = BatchOptions {
        jobs,
        shard: Shard::select(explicit, shards, |name| std::env::var(name).ok())
            .map_err(bad_shard)?,
        results,
        force,
        stop_after: None,
    };
    let summary = py
        .detach(|| {
            let manifest = Manifest::load(&manifest)?;
            run(&manifest, &options, |_| {})
        })
        .map_err(batch_error)?;
    Ok(pythonize::pythonize(py, &summary)?)
}

/// Register the function in the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(batch, m)?)
}
