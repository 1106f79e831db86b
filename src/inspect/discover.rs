//! Finding runs the way TensorBoard does: every directory holding files whose name
//! contains `tfevents` is a run, named by its path relative to the scanned one.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{Error, RunName};
use crate::events::files::is_read_by_tensorboard;
pub(crate) fn check_exists(path: &Path) -> Result<fs::Metadata, Error> {
    fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Access {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// One directory's event files (sorted by name) and subdirectories, and what could not
/// be read there.
pub(crate) struct Listing {
    pub(crate) event_files: Vec<PathBuf>,
    subdirs: Vec<(RunName, PathBuf)>,
    /// Entries named like event files that are not readable regular files (a FIFO, a
    /// dangling link), each named; they are not opened (a FIFO would block).
    pub(crate) problems: Vec<String>,
}

pub(crate) fn list_dir(dir: &Path) -> Result<Listing, Error> {
    let read_dir_error = |source| Error::ReadDir {
        path: dir.to_path_buf(),
        source,
    };
    let mut listing = Listing {
        event_files: Vec::new(),
        subdirs: Vec::new(),
        problems: Vec::new(),
    };
    for entry in fs::read_dir(dir).map_err(read_dir_error)? {
        let entry = entry.map_err(read_dir_error)?;
        let path = entry.path();
        let name = entry.file_name();
        let event_like = is_read_by_tensorboard(&name);
        let shown = || RunName::from_os(&name).to_text();
        // Follows symbolic links.
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            // A dangling link (or an entry removed meanwhile) that is not named like
            // an event file holds nothing TensorBoard reads.
            Err(e) if !event_like && e.kind() == io::ErrorKind::NotFound => continue,
            // Anything else may hide runs (a path longer than PATH_MAX, a directory
            // that cannot be searched): TensorBoard cannot read them either, and says
            // nothing; inspect and export name them.
            Err(e) => {
                listing
                    .problems
                    .push(format!("{}: cannot read: {e}", shown()));
                continue;
            }
        };
        if meta.is_dir() {
            listing.subdirs.push((RunName::from_os(&name), path));
        } else if event_like && meta.is_file() {
            listing.event_files.push(path);
        } else if event_like {
            listing.problems.push(format!(
                "{}: {}, not a regular file; not read",
                shown(),
                crate::special::file_kind(&meta.file_type())
            ));
        }
    }
    listing.event_files.sort();
    listing.problems.sort();
    Ok(listing)
}

/// A run's event files in name order, and the problems found while listing it.
#[derive(Debug, Default)]
pub(crate) struct RunFiles {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) problems: Vec<String>,
}

/// Every run under `root`: run name -> its event files in name order. A subdirectory
/// that cannot be listed is a run with that problem; the scan goes on.
pub(crate) fn discover_runs(root: &Path) -> Result<BTreeMap<RunName, RunFiles>, Error> {
    let meta = check_exists(root)?;
    let mut runs = BTreeMap::new();
    if !meta.is_dir() {
        if root.file_name().is_some_and(is_read_by_tensorboard) {
            let mut run = RunFiles::default();
            if meta.is_file() {
                run.files.push(root.to_path_buf());
            } else {
                run.problems.push(format!(
                    "{}: {}, not a regular file; not read",
                    root.display(),
                    crate::special::file_kind(&meta.file_type())
                ));
            }
            runs.insert(RunName::root(), run);
        }
        return Ok(runs);
    }
    // Directories already walked, so that symbolic-link cycles end.
    let mut seen = HashSet::new();
    let mut pending = vec![(RunName::root(), root.to_path_buf())];
    while let Some((run, dir)) = pending.pop() {
        if let Ok(canonical) = fs::canonicalize(&dir) {
            if !seen.insert(canonical) {
                continue;
            }
        }
        let listing = match list_dir(&dir) {
            Ok(listing) => listing,
            Err(e) if !run.is_root() => {
                runs.insert(
                    run,
                    RunFiles {
                        files: Vec::new(),
                        problems: vec![e.to_string()],
                    },
                );
                continue;
            }
            Err(e) => return Err(e),
        };
        for (sub, path) in listing.subdirs {
            pending.push((run.join(&sub), path));
        }
        if !listing.event_files.is_empty() || !listing.problems.is_empty() {
            runs.insert(
                run,
                RunFiles {
                    files: listing.event_files,
                    problems: listing.problems,
                },
            );
        }
    }
    Ok(runs)
}
