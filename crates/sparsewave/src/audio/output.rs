//! Atomic file output: write to a temporary file in the destination folder, then rename.
//!
//! A failed run leaves no partial file, and no output may replace one of the run's inputs.

use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Refuse `out` when it names the same file as any of `inputs` (after resolving links).
pub fn ensure_not_input(out: &Path, inputs: &[&Path]) -> Result<()> {
    let out_abs = absolute_lenient(out);
    for input in inputs {
        if absolute_lenient(input) == out_abs {
            return Err(Error::bad_input(
                out,
                "output path is the input file; refusing to overwrite the input",
            ));
        }
    }
    Ok(())
}

/// Canonical path when the file exists; otherwise the canonical parent joined with the name.
fn absolute_lenient(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let parent = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (parent.canonicalize(), p.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => p.to_path_buf(),
    }
}

/// Write `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Let `fill` write the content into a temporary file beside `path`, flush it and rename it
/// over `path`. When `fill` fails, the temporary file is removed and `path` is untouched.
/// See [`Staged`] for the file's mode, the targets refused, and the errors.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<&mut std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let mut staged = Staged::default();
    staged.add_with(path, fill)?;
    staged.commit()
}

/// Outputs written all or nothing: each is written to a temporary file beside its destination,
/// and only [`Staged::commit`] renames them into place; dropping a `Staged` without committing
/// removes every temporary file, so a command with several outputs that fails half-way leaves
/// none of them.
///
/// A file gets the mode a plain `create` would give it (0666 less the umask), or keeps the mode
/// of the regular file it replaces. A destination that exists and is not a regular file (a
/// device such as `/dev/null`, a pipe, a socket, a folder) is refused rather than replaced.
/// Errors name the destination, never the temporary file.
///
/// Folders made for the outputs ([`Staged::create_dir`]) are removed again when the set is
/// dropped uncommitted, so a failed run leaves no empty folder either.
#[derive(Default)]
pub struct Staged {
    files: Vec<AtomicFile>,
    /// Folders this set created, outermost first.
    created_dirs: Vec<PathBuf>,
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Uncommitted: the temporary files go with `files`; then the folders, innermost first
        // (`remove_dir` leaves a folder that something else has filled meanwhile).
        self.files.clear();
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

impl Staged {
    /// Create `dir` and its missing parents for outputs of this set; what this call creates is
    /// removed again if the set is not committed. Errors name `dir`.
    pub fn create_dir(&mut self, dir: &Path) -> Result<()> {
        if dir.as_os_str().is_empty() {
            return Ok(()); // the current folder
        }
        let missing: Vec<&Path> = dir
            .ancestors()
            .filter(|d| !d.as_os_str().is_empty())
            .take_while(|d| !d.exists())
            .collect();
        if !missing.is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            self.created_dirs
                .extend(missing.into_iter().rev().map(Path::to_path_buf));
        } else if !dir.is_dir() {
            return Err(Error::bad_input(dir, "exists and is not a folder"));
        }
        Ok(())
    }

    /// Stage `bytes` for `path`.
    pub fn add(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.add_with(path, |w| w.write_all(bytes))
    }

    /// Stage the content `fill` writes for `path`.
    pub fn add_with(
        &mut self,
        path: &Path,
        fill: impl FnOnce(&mut std::io::BufWriter<&mut std::fs::File>) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut file = AtomicFile::create(path)?;
        {
            let mut w = std::io::BufWriter::new(file.tmp.as_file_mut());
            fill(&mut w).map_err(|e| Error::io(path, e))?;
            w.flush().map_err(|e| Error::io(path, e))?;
        }
        file.seal()?;
        self.files.push(file);
        Ok(())
    }

    /// Rename every staged file into place, in the order they were staged.
    pub fn commit(mut self) -> Result<()> {
        // Committed folders stay, whatever happens to the renames.
        self.created_dirs.clear();
        for file in std::mem::take(&mut self.files) {
            file.rename()?;
        }
        Ok(())
    }
}

/// One output file being written: a temporary file beside its destination, renamed over it by
/// [`AtomicFile::persist`]; dropped before that, it is removed and the destination untouched.
/// The rules of [`Staged`] (mode, refused targets, errors naming the destination) apply. For
/// outputs written piece by piece ([`WavBlockWriter`](super::WavBlockWriter)); [`Staged`]
/// holds its files as these.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
    /// The mode of the regular file this one replaces.
    replaced: Option<std::fs::Permissions>,
}

impl AtomicFile {
    /// Create the temporary file for `path` (see [`Staged`] for what is refused).
    pub fn create(path: &Path) -> Result<Self> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let replaced = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(Error::bad_input(
                    path,
                    "is a directory, expected a file name",
                ))
            }
            Ok(m) if !m.is_file() => return Err(Error::bad_input(
                path,
                "exists and is not a regular file (a device, pipe or socket); refusing to replace it",
            )),
            Ok(m) => Some(m.permissions()),
            Err(_) => None,
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".sparsewave-").suffix(".tmp");
        #[cfg(unix)]
        {
            // 0666, which open(2) reduces by the umask, as `File::create` does (tempfile's own
            // default is 0600).
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(dir).map_err(|e| io_error(path, e))?;
        Ok(AtomicFile {
            tmp,
            path: path.to_path_buf(),
            replaced,
        })
    }

    /// A second handle on the temporary file, for a writer that owns its file (the content
    /// must be flushed through it before [`AtomicFile::persist`]).
    pub fn handle(&self) -> Result<std::fs::File> {
        self.tmp
            .as_file()
            .try_clone()
            .map_err(|e| io_error(&self.path, e))
    }

    /// Give the file the replaced file's mode and sync it to disk.
    fn seal(&self) -> Result<()> {
        if let Some(mode) = &self.replaced {
            // open(2) applied the umask to the mode asked for: give the replaced file's mode
            // back.
            self.tmp
                .as_file()
                .set_permissions(mode.clone())
                .map_err(|e| io_error(&self.path, e))?;
        }
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| io_error(&self.path, e))
    }

    /// Rename the (sealed) file into place.
    fn rename(self) -> Result<()> {
        let path = self.path;
        self.tmp
            .persist(&path)
            .map(drop)
            .map_err(|e| io_error(&path, e.error))
    }

    /// Seal the complete file and rename it into place.
    pub fn persist(self) -> Result<()> {
        self.seal()?;
        self.rename()
    }
}

/// An I/O error naming `path` (the destination, never the temporary file: the OS message may
/// name the temporary path, so only its kind is kept).
fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::io(path, std::io::Error::new(e.kind(), e.kind().to_string()))
}

/// Refuse, before any work, an output folder that cannot be one: `dir` exists and is not a
/// folder, or its nearest existing ancestor is not a folder. The folder itself is created only
/// when the outputs are written ([`Staged::create_dir`]).
pub fn check_dir(dir: &Path) -> Result<()> {
    let existing = dir
        .ancestors()
        .find(|d| d.as_os_str().is_empty() || d.exists())
        .unwrap_or(Path::new("."));
    if existing.as_os_str().is_empty() || existing.is_dir() {
        Ok(())
    } else if existing == dir {
        Err(Error::bad_input(dir, "exists and is not a folder"))
    } else {
        Err(Error::bad_input(
            dir,
            format!("cannot be created: {} is not a folder", existing.display()),
        ))
    }
}
