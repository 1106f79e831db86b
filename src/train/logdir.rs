//! The run directory: a run never lands in a directory that already holds event files
//! (TensorBoard would merge the two runs by step), unless asked to replace them.

use std::fs;
use std::path::Path;

use super::Error;
use crate::events::files::event_files;

/// Checks the run directory: refuses one holding event files unless `overwrite`, in
/// which case only those files are removed. A missing directory is fine.
pub fn prepare_logdir(path: &Path, overwrite: bool) -> Result<(), Error> {
    let io = |source| Error::Logdir {
        path: path.to_path_buf(),
        source,
    };
    let events = match event_files(path) {
        Ok(files) => files,
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(()),
        Err(e) => return Err(io(e)),
    };
    if events.is_empty() {
        return Ok(());
    }
    if !overwrite {
        return Err(Error::LogdirInUse {
            path: path.to_path_buf(),
        });
    }
    for file in events {
        fs::remove_file(&file).map_err(|source| Error::Logdir { path: file, source })?;
    }
    Ok(())
}
