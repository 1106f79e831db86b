//! One writer per directory: an advisory lock file, [`LOCK_FILE`], held with the
//! operating system's file lock (`flock` on Unix) for as long as a run (or a sweep)
//! writes into the directory.
//!
//! Two processes started at the same instant into one log directory both pass any
//! "does it hold event files?" check before either has created a file; the lock closes
//! that gap: whoever takes it first writes, the other is refused with
//! [`LockError::Held`], naming the holder (its pid and host, written into the file).
//!
//! The lock is advisory and belongs to an open file, not to the file's existence: a
//! process that is killed releases it, so a lock file left behind never blocks a retry.
//! On release the holder removes the file while still holding it, and a taker checks
//! that the file it locked is still the one at the path (else it retries), so the removal
//! cannot let two writers in. The name holds no `tfevents`: TensorBoard, `inspect` and
//! the "already holds event files" check never see it.
//!
//! A sweep's shards share their root ([`DirLock::shared`]) while each shard's runs are
//! locked one by one; an unsharded sweep and `--summarize-only` take it alone.
//!
//! Log directories are often shared (mode 777 on a cluster), so the lock file may be
//! anyone's. It is opened only through [`nofollow::open_lock_file`]: a symbolic link (to
//! a user's file, or dangling) or a FIFO under its name is refused with
//! [`LockError::NotALockFile`] and nothing is opened, created or written through it. A
//! lock file left by another user (mode 644) cannot be written but can be locked: it is
//! opened read-only, and when nobody holds it (a stale one) the taker removes it while
//! holding its lock, as a releasing holder does, and makes its own; where it cannot be
//! removed (a sticky directory) the taker holds the lock on it as it is. Only a lock file
//! that cannot even be read is refused ([`LockError::LockFile`]), naming the file, not
//! the directory.

use std::fs::{self, File};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::nofollow::{self, SafeError};

/// The lock file's name in a locked directory. Starts with a dot (hidden from listings)
/// and contains no `tfevents`, so nothing reads it as an event file.
pub const LOCK_FILE: &str = ".tbtrain.lock";

/// Attempts to take a lock whose file a releasing holder removed meanwhile.
const ATTEMPTS: usize = 64;

/// Why a directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error("{} is in use by another tbtrain ({holder}): one writer per log directory", dir.display())]
    Held {
        /// The locked directory.
        dir: PathBuf,
        /// Who holds it, as its lock file says (`pid 123 on host`).
        holder: String,
    },
    /// The lock file could not be created in the directory (a read-only or missing
    /// directory), or locked.
    #[error("cannot lock log directory {}: {source}", dir.display())]
    Io {
        /// The directory.
        dir: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Something else than a regular file has the lock file's name: a symbolic link
    /// (never followed), a FIFO, a directory. Nothing was opened through it.
    #[error(
        "{} is {kind}, not a lock file: tbtrain opens no lock through it; remove it if no \
         tbtrain writes into {}",
        path.display(),
        dir.display()
    )]
    NotALockFile {
        /// The directory.
        dir: PathBuf,
        /// The lock file's path.
        path: PathBuf,
        /// What is there.
        kind: &'static str,
    },
    /// The lock file exists but cannot be opened at all, even read-only (another user's,
    /// mode 600 or 000).
    #[error(
        "cannot open the lock file {}: {source} (another user's? remove it if no tbtrain \
         writes into {})",
        path.display(),
        dir.display()
    )]
    LockFile {
        /// The directory.
        dir: PathBuf,
        /// The lock file's path.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}

/// A held lock on a directory; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct DirLock {
    file: File,
    path: PathBuf,
    shared: bool,
}

impl DirLock {
    /// Takes `dir`'s lock alone (the directory must exist), or says who holds it.
    pub fn exclusive(dir: &Path) -> Result<DirLock, LockError> {
        Self::take(dir, false)
    }

    /// Takes `dir`'s lock shared with other shared holders (the shards of one sweep);
    /// refused while anyone holds it alone.
    pub fn shared(dir: &Path) -> Result<DirLock, LockError> {
        Self::take(dir, true)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn take(dir: &Path, shared: bool) -> Result<DirLock, LockError> {
        let io = |source| LockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        let path = dir.join(LOCK_FILE);
        for _ in 0..ATTEMPTS {
            let nofollow::LockFile { mut file, writable } = nofollow::open_lock_file(&path)
                .map_err(|e| match e {
                    SafeError::NotAFile { kind } => LockError::NotALockFile {
                        dir: dir.to_path_buf(),
                        path: path.clone(),
                        kind,
                    },
                    // There but not readable: the file's problem, not the directory's.
                    SafeError::Io(source) if fs::symlink_metadata(&path).is_ok() => {
                        LockError::LockFile {
                            dir: dir.to_path_buf(),
                            path: path.clone(),
                            source,
                        }
                    }
                    SafeError::Io(source) => io(source),
                })?;
            let taken = if shared {
                file.try_lock_shared()
            } else {
                file.try_lock()
            };
            match taken {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(LockError::Held {
                        dir: dir.to_path_buf(),
                        holder: holder(&mut file),
                    })
                }
                Err(fs::TryLockError::Error(e)) => return Err(io(e)),
            }
            if !still_at(&file, &path) {
                continue; // its holder removed it on release: lock the new one
            }
            if !writable {
                // Another user's file. Held alone, nobody else holds it: a stale one,
                // replaced (removed while held, as a releasing holder does) by ours. A
                // shard, or a directory that keeps it (sticky), holds it as it is.
                if !shared && fs::remove_file(&path).is_ok() {
                    continue;
                }
                return Ok(DirLock { file, path, shared });
            }
            // The holder's line is for the message of whoever is refused; the lock is
            // held without it (a full disk that cannot take it is the run's to report).
            let me = format!("pid {} on {}\n", std::process::id(), host());
            let _ = if shared {
                // Shards add their line; the last one out removes the file.
                file.seek(SeekFrom::End(0)).map(|_| ())
            } else {
                file.set_len(0)
            }
            .and_then(|()| file.write_all(me.as_bytes()));
            return Ok(DirLock { file, path, shared });
        }
        Err(io(io::Error::other(
            "its lock file keeps being replaced; try again",
        )))
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Removed only by a sole holder, while holding it (see the module doc); a shard
        // that is not the last leaves it to the others.
        let alone = !self.shared || self.file.try_lock().is_ok();
        if alone && still_at(&self.file, &self.path) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Whether `path` still names the open `file` (not removed, not replaced).
fn still_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // The name itself, not what a link there points to.
        match (file.metadata(), fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Who holds a lock, from its file: the holder writes its line right after taking it,
/// so an empty file is given a moment.
fn holder(file: &mut File) -> String {
    for _ in 0..20 {
        let mut text = String::new();
        let read = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.take(4096).read_to_string(&mut text));
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if read.is_ok() && !lines.is_empty() {
            let listed: String = lines
                .join("; ")
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            return listed;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    "holder unknown".to_string()
}

/// This machine's name, as the holder's line gives it (as event file names give it).
fn host() -> String {
    super::name::hostname()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_refuses_a_second_taker_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DirLock::exclusive(dir.path()).unwrap();
        let text = fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert_eq!(text, format!("pid {} on {}\n", std::process::id(), host()));
        match DirLock::exclusive(dir.path()) {
            Err(LockError::Held { dir: d, holder }) => {
                assert_eq!(d, dir.path());
                assert_eq!(holder, format!("pid {} on {}", std::process::id(), host()));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            DirLock::shared(dir.path()),
            Err(LockError::Held { .. })
        ));
        drop(lock);
        assert!(!dir.path().join(LOCK_FILE).exists());
        drop(DirLock::exclusive(dir.path()).unwrap());
    }

    #[test]
    fn a_leftover_lock_file_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(LOCK_FILE), "pid 1 on gone\n").unwrap();
        let lock = DirLock::exclusive(dir.path()).unwrap();
        let text = fs::read_to_string(lock.path()).unwrap();
        assert_eq!(text, format!("pid {} on {}\n", std::process::id(), host()));
    }

    #[test]
    fn shards_share_and_the_last_one_out_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = DirLock::shared(dir.path()).unwrap();
        let b = DirLock::shared(dir.path()).unwrap();
        assert!(matches!(
            DirLock::exclusive(dir.path()),
            Err(LockError::Held { .. })
        ));
        drop(a);
        assert!(dir.path().join(LOCK_FILE).exists());
        drop(b);
        assert!(!dir.path().join(LOCK_FILE).exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_link_is_refused_and_nothing_is_written_through_it() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("notes.txt");
        fs::write(&theirs, "a user's notes\n").unwrap();
        let lock = dir.path().join(LOCK_FILE);
        symlink(&theirs, &lock).unwrap();
        for take in [DirLock::exclusive, DirLock::shared] {
            let err = take(dir.path()).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{} is a symbolic link, not a lock file: tbtrain opens no lock through \
                     it; remove it if no tbtrain writes into {}",
                    lock.display(),
                    dir.path().display()
                )
            );
        }
        assert_eq!(fs::read_to_string(&theirs).unwrap(), "a user's notes\n");
        // A dangling link: nothing is created where it points.
        fs::remove_file(&lock).unwrap();
        let elsewhere = dir.path().join("elsewhere");
        symlink(&elsewhere, &lock).unwrap();
        assert!(matches!(
            DirLock::exclusive(dir.path()),
            Err(LockError::NotALockFile {
                kind: "a symbolic link",
                ..
            })
        ));
        assert!(fs::symlink_metadata(&elsewhere).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_leftover_is_replaced_by_a_lock_of_our_own() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        fs::write(&path, "pid 1 on gone\n").unwrap();
        // Read-only to its owner (what another user's mode 644 file is to us; root
        // writes it all the same, which takes the other way to the same end).
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let lock = DirLock::exclusive(dir.path()).unwrap();
        let text = fs::read_to_string(lock.path()).unwrap();
        assert_eq!(text, format!("pid {} on {}\n", std::process::id(), host()));
        assert!(matches!(
            DirLock::exclusive(dir.path()),
            Err(LockError::Held { .. })
        ));
        drop(lock);
        assert!(!path.exists());
    }

    #[test]
    fn a_missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        match DirLock::exclusive(&missing) {
            Err(e @ LockError::Io { .. }) => assert_eq!(
                e.to_string(),
                format!(
                    "cannot lock log directory {}: No such file or directory (os error 2)",
                    missing.display()
                )
            ),
            other => panic!("{other:?}"),
        }
    }
}
