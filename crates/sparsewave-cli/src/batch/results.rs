//! The results file: one JSON object per line and job, appended as the jobs finish.
//!
//! Each line is written with a single `write(2)` on a file opened with `O_APPEND`, under a
//! lock shared by this process's threads. POSIX makes the seek to the end and the write one
//! atomic step for `O_APPEND`, and a local file system does not split a write of a few
//! kilobytes to a regular file, so lines of concurrent writers never interleave. (The
//! `PIPE_BUF` bound concerns pipes, not files.) Network file systems (NFS, Lustre) may not
//! honour `O_APPEND` across machines: shards there should write separate files (the default),
//! which are then simply concatenated. A line cut short by a crash is not valid JSON and is
//! ignored when the file is read back.

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A results file open for appending.
#[derive(Debug)]
pub struct ResultsFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl ResultsFile {
    /// Open (create) `path` for appending.
    pub fn open(path: &Path) -> Result<ResultsFile> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("{}: cannot open the results file", path.display()))?;
        Ok(ResultsFile {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Append `record` as one line, with one write, and flush it to the disk.
    pub fn append(&self, record: &Value) -> Result<()> {
        let mut line = serde_json::to_string(record)?;
        line.push('\n');
        let context = || format!("{}: cannot append a result", self.path.display());
        let mut file = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("results file lock poisoned"))?;
        let written = file.write(line.as_bytes()).with_context(context)?;
        if written != line.len() {
            bail!(
                "{}: short write of a result line (disk full?)",
                self.path.display()
            );
        }
        file.sync_data().with_context(context)
    }
}

/// The arguments of every job recorded in `path` with status `"ok"` (none when the file does
/// not exist). Lines that are not JSON objects (a line cut short by a crash) are ignored.
pub fn completed(path: &Path) -> Result<HashSet<Vec<String>>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => {
            return Err(e).with_context(|| format!("{}: cannot read the results", path.display()))
        }
    };
    let mut done = HashSet::new();
    for line in BufReader::new(file).lines() {
        let line = line.with_context(|| format!("{}: cannot read the results", path.display()))?;
        let Ok(record) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if record["status"] != "ok" {
            continue;
        }
        if let Ok(args) = serde_json::from_value::<Vec<String>>(record["args"].clone()) {
            done.insert(args);
        }
    }
    Ok(done)
}
