//! Finding runs the way TensorBoard does: every directory holding files whose name
//! contains `tfevents` is a run, named by its path relative to the scanned one.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Error;
use crate::events::files::is_read_by_tensorboard;
pub(super) fn check_exists(path: &Path) -> Result<fs::Metadata, Error> {
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
pub(super) struct Listing {
    pub(super) event_files: Vec<PathBuf>,
    subdirs: Vec<(String, PathBuf)>,
    /// Entries named like event files that are not readable regular files (a FIFO, a
    /// dangling link), each named; they are not opened (a FIFO would block).
    pub(super) problems: Vec<String>,
}

pub(super) fn list_dir(dir: &Path) -> Result<Listing, Error> {
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
        let shown = || name.to_string_lossy().into_owned();
        // Follows symbolic links.
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) => {
                if event_like {
                    listing
                        .problems
                        .push(format!("{}: cannot read: {e}", shown()));
                }
                continue;
            }
        };
        if meta.is_dir() {
            listing.subdirs.push((shown(), path));
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
pub(super) struct RunFiles {
    pub(super) files: Vec<PathBuf>,
    pub(super) problems: Vec<String>,
}

/// Every run under `root`: run name -> its event files in name order. A subdirectory
/// that cannot be listed is a run with that problem; the scan goes on.
pub(super) fn discover_runs(root: &Path) -> Result<BTreeMap<String, RunFiles>, Error> {
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
            runs.insert(".".to_string(), run);
        }
        return Ok(runs);
    }
    // Directories already walked, so that symbolic-link cycles end.
    let mut seen = HashSet::new();
    let mut pending = vec![(String::new(), root.to_path_buf())];
    while let Some((run, dir)) = pending.pop() {
        if let Ok(canonical) = fs::canonicalize(&dir) {
            if !seen.insert(canonical) {
                continue;
            }
        }
        let name = if run.is_empty() {
            ".".to_string()
        } else {
            run.clone()
        };
        let listing = match list_dir(&dir) {
            Ok(listing) => listing,
            Err(e) if !run.is_empty() => {
                runs.insert(
                    name,
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
            let sub = if run.is_empty() {
                sub
            } else {
                format!("{run}/{sub}")
            };
            pending.push((sub, path));
        }
        if !listing.event_files.is_empty() || !listing.problems.is_empty() {
            runs.insert(
                name,
                RunFiles {
                    files: listing.event_files,
                    problems: listing.problems,
                },
            );
        }
    }
    Ok(runs)
}
