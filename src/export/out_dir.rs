//! The `--out` directory: checked before a run (so a bad path fails in milliseconds, not after
//! the month), and written only through temporary files renamed into place.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ExportError, Output};

/// A directory `--out` may write into.
#[derive(Debug, Clone)]
pub struct OutDir {
    dir: PathBuf,
}

impl OutDir {
    /// The directory of a run's files: created if missing; one that already holds files is
    /// refused unless `force` (then files of the same names are replaced).
    ///
    /// # Errors
    /// [`ExportError::OutDir`] when it holds files (without `force`), is not a directory, or
    /// cannot be created or written.
    pub fn prepare(dir: &Path, force: bool) -> Result<OutDir, ExportError> {
        if dir.is_dir() {
            let non_empty = std::fs::read_dir(dir)
                .map_err(|e| {
                    ExportError::OutDir(format!(
                        "cannot read --out directory '{}': {e}",
                        dir.display()
                    ))
                })?
                .next()
                .is_some();
            if non_empty && !force {
                return Err(ExportError::OutDir(format!(
                    "--out directory '{}' already holds files; pass --force to write this run's files into it (files of the same names are replaced), or choose a new directory",
                    dir.display()
                )));
            }
        }
        OutDir::create(dir)
    }

    /// The directory of one shard's file `name`: shards of one run may share a directory, so
    /// other files there are fine, but an earlier copy of this file is replaced only with `force`.
    ///
    /// # Errors
    /// [`ExportError::OutDir`] as [`OutDir::prepare`], or when `name` exists (without `force`).
    pub fn prepare_for(dir: &Path, name: &str, force: bool) -> Result<OutDir, ExportError> {
        let out = OutDir::create(dir)?;
        let path = dir.join(name);
        // Not `exists()`: that follows a symlink, so a dangling one would be replaced unasked.
        if path.symlink_metadata().is_ok() && !force {
            return Err(ExportError::OutDir(format!(
                "'{}' already exists; pass --force to replace it, or choose a new directory",
                path.display()
            )));
        }
        Ok(out)
    }

    /// Creates `dir` (and its parents) unless it exists, and checks that files can be created in
    /// it, so an unusable `--out` (a file, a path under a file, a read-only directory) is an input
    /// error found before the run, not a failure after it.
    fn create(dir: &Path) -> Result<OutDir, ExportError> {
        if dir.exists() && !dir.is_dir() {
            return Err(ExportError::OutDir(format!(
                "--out '{}' exists and is not a directory",
                dir.display()
            )));
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            ExportError::OutDir(format!(
                "cannot create --out directory '{}': {e}; choose a directory you can write to",
                dir.display()
            ))
        })?;
        // Removed again when dropped.
        temp_file_in(dir).map_err(|e| {
            ExportError::OutDir(format!(
                "cannot write in --out directory '{}': {e}; choose a directory you can write to",
                dir.display()
            ))
        })?;
        Ok(OutDir {
            dir: dir.to_path_buf(),
        })
    }

    /// Writes every file of `output` ([`Output::files`]).
    ///
    /// # Errors
    /// [`ExportError::Write`] naming the file that failed.
    pub fn write_output(&self, output: &Output<'_>) -> Result<(), ExportError> {
        for file in output.files() {
            self.write(&file.name, |w| output.write_file(&file, w))?;
        }
        Ok(())
    }

    /// Writes the file `name` through a temporary file renamed into place: every file agentcost
    /// writes goes through here. The temporary file is created exclusively under a fresh random
    /// name in the same directory (so no file of the user's is replaced and no planted symlink is
    /// followed), flushed to disk, then renamed over the target (a symlink there is replaced
    /// itself, its target untouched). On any failure it is removed, so a failed run never leaves
    /// half a file or a stray temporary file.
    ///
    /// # Errors
    /// [`ExportError::Write`] naming the file.
    pub fn write(
        &self,
        name: &str,
        f: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        let path = self.dir.join(name);
        write_via_temp(&self.dir, &path, f).map_err(|source| ExportError::Write {
            what: format!("'{}'", path.display()),
            source,
        })
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn write_via_temp(
    dir: &Path,
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>,
) -> Result<(), BoxError> {
    let mut tmp = temp_file_in(dir).map_err(|e| {
        format!(
            "failed to create a temporary file in '{}': {e}",
            dir.display()
        )
    })?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        f(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    // On failure the error owns the temporary file; dropping it removes the file.
    tmp.persist(path)
        .map_err(|e| format!("failed to move it into place: {}", e.error))?;
    Ok(())
}

/// A new, exclusively created file with a random hidden name in `dir`, removed when dropped.
fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".agentcost-")
        .suffix(".tmp")
        .tempfile_in(dir)
}
