//! The run directory: a run never lands in a directory that already holds event files
//! (TensorBoard would merge the two runs by step), unless asked to replace them, and
//! never shares it with another writer.
//!
//! [`claim`] creates the directory, takes its lock ([`DirLock`]: a second process
//! started at the same instant is refused) and only then checks what it holds, so the
//! check cannot be raced. With `--overwrite` nothing is removed then: the earlier event
//! files go once the new run has started ([`RunDir::started`]: its first records are on
//! disk), so a run that cannot start leaves the old one as it was. Only files named by
//! our own rule ([`is_named_by_our_rule`]) are ever removed; another file whose name
//! holds `tfevents` is refused, not removed. An empty event file (what a run that
//! failed on a full disk leaves) holds nothing TensorBoard shows and does not make the
//! directory used; it is removed when the next run starts.
//!
//! A run directory that is a symbolic link is refused: in a shared log directory anyone
//! could have planted it, and a run (or `--overwrite`, or `--resume`) would then write
//! and remove event files wherever it points.
//!
//! [`fresh_default`] makes a new, unique default run directory: two runs started within
//! the same second get `...-HHMMSS` and `...-HHMMSS-2`, decided by `create_dir` itself.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Error;
use crate::events::files::{event_files, is_named_by_our_rule};
use crate::events::{self, DirLock};
use crate::summary;

/// Default run directories tried with a suffix before giving up.
const MAX_SUFFIX: u32 = 1000;

/// A run directory claimed for one run: it exists, it is locked for as long as this
/// lives, and it held no earlier run's events (or `--overwrite` was given).
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    /// Event files to remove once the new run has started: an earlier run's
    /// (`--overwrite`) and empty ones.
    replaced: Vec<PathBuf>,
    /// Every event file there when claimed.
    before: Vec<PathBuf>,
    /// Whether the new run's first records reached the disk.
    started: bool,
    _lock: DirLock,
}

impl RunDir {
    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Called once the new run's first records are on disk (`new_file`): removes the
    /// files it replaces.
    pub fn started(&mut self, new_file: &Path) -> Result<(), Error> {
        self.started = true;
        for file in std::mem::take(&mut self.replaced) {
            if file == new_file {
                continue;
            }
            match fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Logdir { path: file, source }),
            }
        }
        Ok(())
    }

    /// After a run that failed: removes what it left that only gets in the way of a
    /// retry. Before [`Self::started`], every event file it created (named by our rule,
    /// not there when claimed: at most a partial start, which TensorBoard would merge
    /// with the run kept); after, only empty ones (a run that failed on a full disk
    /// keeps what it wrote).
    pub fn discard_failed(&self) {
        let Ok(files) = event_files(&self.path) else {
            return;
        };
        for file in files.iter().filter(|f| !self.before.contains(f)) {
            let ours = file.file_name().is_some_and(is_named_by_our_rule);
            let empty = fs::metadata(file).is_ok_and(|m| m.len() == 0);
            if ours && (empty || !self.started) {
                let _ = fs::remove_file(file);
            }
        }
    }
}

/// Creates `path` if needed, locks it, and checks it (see the module doc). A `path`
/// that is a symbolic link is refused ([`Error::LogdirIsALink`]) before anything is
/// made, written or removed through it.
pub fn claim(path: &Path, overwrite: bool) -> Result<RunDir, Error> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::LogdirIsALink {
            path: path.to_path_buf(),
        });
    }
    fs::create_dir_all(path).map_err(|source| {
        Error::Summary(summary::Error::Events(events::Error::CreateDir {
            path: path.to_path_buf(),
            source,
        }))
    })?;
    let lock = DirLock::exclusive(path)?;
    let replaced = check_logdir(path, overwrite)?;
    let before = event_files(path).map_err(|source| Error::Logdir {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(RunDir {
        path: path.to_path_buf(),
        replaced,
        before,
        started: false,
        _lock: lock,
    })
}

/// Checks the run directory without changing it: refuses one holding non-empty event
/// files unless `overwrite`, and, with `overwrite`, one holding an event file not named
/// by our rule. Returns the files a new run replaces. A missing directory (or a path
/// under a file, which the writer reports) has none.
pub fn check_logdir(path: &Path, overwrite: bool) -> Result<Vec<PathBuf>, Error> {
    let io = |source| Error::Logdir {
        path: path.to_path_buf(),
        source,
    };
    let files = match event_files(path) {
        Ok(files) => files,
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let mut replaced = Vec::new();
    let mut used = false;
    for file in files {
        let ours = file.file_name().is_some_and(is_named_by_our_rule);
        let empty = fs::metadata(&file).map_err(io)?.len() == 0;
        if empty && ours {
            replaced.push(file);
            continue;
        }
        used = true;
        if overwrite && !ours {
            return Err(Error::NotOurEventFile { path: file });
        }
        replaced.push(file);
    }
    if used && !overwrite {
        return Err(Error::LogdirInUse {
            path: path.to_path_buf(),
        });
    }
    Ok(replaced)
}

/// Makes a new directory `base`, or `base-2`, `base-3`, ... if that exists (two runs in
/// one second), creating its parents; returns the one made.
pub fn fresh_default(base: &Path) -> Result<PathBuf, Error> {
    let create_dir_error = |path: &Path, source| {
        Error::Summary(summary::Error::Events(events::Error::CreateDir {
            path: path.to_path_buf(),
            source,
        }))
    };
    if let Some(parent) = base.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| create_dir_error(parent, e))?;
    }
    let name = base
        .file_name()
        .unwrap_or(OsStr::new("run"))
        .to_string_lossy();
    for k in 1..=MAX_SUFFIX {
        let path = if k == 1 {
            base.to_path_buf()
        } else {
            base.with_file_name(format!("{name}-{k}"))
        };
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(create_dir_error(&path, e)),
        }
    }
    Err(create_dir_error(
        base,
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("it and {MAX_SUFFIX} numbered siblings exist"),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "events.out.tfevents.1700000000.host.1.0";

    #[test]
    fn empty_event_files_of_ours_do_not_make_a_directory_used() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(OURS), b"").unwrap();
        let mut run = claim(dir.path(), false).unwrap();
        let new = dir.path().join("events.out.tfevents.1700000001.host.2.0");
        fs::write(&new, b"x").unwrap();
        run.started(&new).unwrap();
        assert!(!dir.path().join(OURS).exists());
        assert!(new.exists());
    }

    #[test]
    fn overwrite_removes_nothing_before_the_start_and_only_our_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(OURS), b"old run").unwrap();
        assert!(matches!(
            claim(dir.path(), false),
            Err(Error::LogdirInUse { .. })
        ));
        let run = claim(dir.path(), true).unwrap();
        drop(run); // the new run never started
        assert_eq!(fs::read(dir.path().join(OURS)).unwrap(), b"old run");

        fs::write(dir.path().join("my.tfevents.backup"), b"mine").unwrap();
        match claim(dir.path(), true) {
            Err(e @ Error::NotOurEventFile { .. }) => assert_eq!(
                e.to_string(),
                format!(
                    "{} is not named like a tbtrain event file (events.out.tfevents.<seconds>.<...>)",
                    dir.path().join("my.tfevents.backup").display()
                )
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(fs::read(dir.path().join(OURS)).unwrap(), b"old run");
    }

    #[test]
    fn a_second_claim_is_refused_while_the_first_holds() {
        let dir = tempfile::tempdir().unwrap();
        let first = claim(dir.path(), false).unwrap();
        assert!(matches!(
            claim(dir.path(), false),
            Err(Error::Lock(events::LockError::Held { .. }))
        ));
        drop(first);
        claim(dir.path(), false).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_run_directory_that_is_a_link_is_refused_and_nothing_goes_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("their-run");
        fs::create_dir(&theirs).unwrap();
        fs::write(theirs.join(OURS), b"their events").unwrap();
        let link = dir.path().join("seed=1");
        std::os::unix::fs::symlink(&theirs, &link).unwrap();
        for overwrite in [false, true] {
            match claim(&link, overwrite) {
                Err(e @ Error::LogdirIsALink { .. }) => assert_eq!(
                    e.to_string(),
                    format!(
                        "{} is a symbolic link: a run directory is never followed through \
                         one (give the directory it points to)",
                        link.display()
                    )
                ),
                other => panic!("{other:?}"),
            }
        }
        let names: Vec<_> = fs::read_dir(&theirs).unwrap().collect();
        assert_eq!(names.len(), 1, "no lock file, no event file: {names:?}");
        assert_eq!(fs::read(theirs.join(OURS)).unwrap(), b"their events");
        // Dangling: nothing is made where it points.
        let gone = dir.path().join("gone");
        let dangling = dir.path().join("seed=2");
        std::os::unix::fs::symlink(&gone, &dangling).unwrap();
        assert!(matches!(
            claim(&dangling, false),
            Err(Error::LogdirIsALink { .. })
        ));
        assert!(!gone.exists());
    }

    #[test]
    fn default_directories_of_one_second_get_suffixes() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("logs/relu-d11-20260101-000000");
        assert_eq!(fresh_default(&base).unwrap(), base);
        let second = fresh_default(&base).unwrap();
        assert_eq!(second, dir.path().join("logs/relu-d11-20260101-000000-2"));
        assert_eq!(
            fresh_default(&base).unwrap(),
            dir.path().join("logs/relu-d11-20260101-000000-3")
        );
    }
}
