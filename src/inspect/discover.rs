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

/// One directory's event files (sorted by name) and subdirectories.
pub(super) struct Listing {
    pub(super) event_files: Vec<PathBuf>,
    subdirs: Vec<(String, PathBuf)>,
}

pub(super) fn list_dir(dir: &Path) -> Result<Listing, Error> {
    let read_dir_error = |source| Error::ReadDir {
        path: dir.to_path_buf(),
        source,
    };
    let mut listing = Listing {
        event_files: Vec::new(),
        subdirs: Vec::new(),
    };
    for entry in fs::read_dir(dir).map_err(read_dir_error)? {
        let entry = entry.map_err(read_dir_error)?;
        let path = entry.path();
        // Follows symbolic links; a dangling link is neither file nor directory.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        let name = entry.file_name();
        if meta.is_dir() {
            listing
                .subdirs
                .push((name.to_string_lossy().into_owned(), path));
        } else if meta.is_file() && is_read_by_tensorboard(&name) {
            listing.event_files.push(path);
        }
    }
    listing.event_files.sort();
    Ok(listing)
}

/// Every run under `root`: run name -> its event files in name order.
pub(super) fn discover_runs(root: &Path) -> Result<BTreeMap<String, Vec<PathBuf>>, Error> {
    let meta = check_exists(root)?;
    let mut runs = BTreeMap::new();
    if !meta.is_dir() {
        if root.file_name().is_some_and(is_read_by_tensorboard) {
            runs.insert(".".to_string(), vec![root.to_path_buf()]);
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
        let listing = list_dir(&dir)?;
        for (name, path) in listing.subdirs {
            let sub = if run.is_empty() {
                name
            } else {
                format!("{run}/{name}")
            };
            pending.push((sub, path));
        }
        if !listing.event_files.is_empty() {
            let name = if run.is_empty() { ".".to_string() } else { run };
            runs.insert(name, listing.event_files);
        }
    }
    Ok(runs)
}
