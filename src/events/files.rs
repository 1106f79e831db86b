//! Which files are event files: TensorBoard's rule for what it reads, and the listing of
//! a directory's event files that everything else (the trainer's check of its run
//! directory, `inspect`, the sweep's read-back) shares.
//!
//! Both TensorBoard loaders read every file whose name contains `tfevents` (the Python
//! loader's `IsSummaryEventsFile`, the Rust data server's run discovery), whatever else
//! the name says; this writer's own files are named `events.out.tfevents.<...>` (see
//! [`super::writer::FILE_PREFIX`]).

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::name::{name_seconds, FILE_PREFIX};

/// What a file name must contain for TensorBoard to read the file as an event file.
pub const TENSORBOARD_MARKER: &str = "tfevents";

/// Whether TensorBoard reads a file of this name as an event file.
pub fn is_read_by_tensorboard(name: &OsStr) -> bool {
    name.to_string_lossy().contains(TENSORBOARD_MARKER)
}

/// Whether a file of this name is named by our own rule, `events.out.tfevents.`, ten
/// digits of seconds and a dot (what [`super::EventWriter`] creates, and what TensorFlow
/// and tensorboardX create too). Only such files are ever removed (`--overwrite`, an
/// empty file left by a failed start); any other name holding `tfevents` is someone
/// else's.
pub fn is_named_by_our_rule(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    // After the prefix and the ten digits `name_seconds` reads: a dot, then the rest.
    name_seconds(&name).is_some()
        && name
            .get(FILE_PREFIX.len() + 10..)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|rest| !rest.is_empty())
}

/// The regular files directly in `dir` that TensorBoard reads as event files, sorted by
/// name (symbolic links followed; directories, FIFOs and other special files left out,
/// so that listing never blocks on one). A missing `dir` has none.
pub fn event_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        if !is_read_by_tensorboard(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        if fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensorboards_rule_is_a_substring() {
        for name in ["events.out.tfevents.1.h", "x.tfevents", "tfevents"] {
            assert!(is_read_by_tensorboard(OsStr::new(name)), "{name}");
        }
        for name in ["events.out", "summary.md", "TFEVENTS"] {
            assert!(!is_read_by_tensorboard(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn our_rule_is_the_prefix_ten_digits_and_a_dot() {
        for name in [
            "events.out.tfevents.1700000000.host.12.0",
            "events.out.tfevents.0000000001.h",
        ] {
            assert!(is_named_by_our_rule(OsStr::new(name)), "{name}");
        }
        for name in [
            "my.tfevents.backup",
            "events.out.tfevents.",
            "events.out.tfevents.170000000.h",
            "events.out.tfevents.1700000000",
            "events.out.tfevents.1700000000.",
            "events.out.tfevents.17000000001.h",
            "notes-about-tfevents.txt",
            "x.events.out.tfevents.1700000000.h",
        ] {
            assert!(!is_named_by_our_rule(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn lists_regular_event_files_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.tfevents.2", "a.tfevents.1", "notes.txt"] {
            fs::write(dir.path().join(name), b"").unwrap();
        }
        fs::create_dir(dir.path().join("sub.tfevents.dir")).unwrap();
        let names: Vec<String> = event_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.tfevents.1", "b.tfevents.2"]);
        assert!(event_files(&dir.path().join("missing")).unwrap().is_empty());
    }
}
