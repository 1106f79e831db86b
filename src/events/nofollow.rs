//! Files in directories that others may write (a shared log directory, mode 777): no
//! file tbtrain opens, truncates or replaces there is reached through a symbolic link.
//!
//! Whoever can write a directory can plant a link under a name tbtrain uses (the lock
//! file, `summary.md`), pointing at someone else's file or at nothing. Opening that name
//! the usual way follows the link: a lock would overwrite the other file, a dangling
//! link would create a file outside the directory. So:
//!
//! - [`open_lock_file`] opens with `O_NOFOLLOW` (a link is refused by the kernel, not
//!   checked first and raced) and `O_NONBLOCK` (a FIFO planted there does not hang the
//!   open), and accepts only a regular file. A lock file it cannot write (another user's,
//!   mode 644) is opened read-only: a lock is taken on any open file;
//! - [`replace_file`] writes into the directory opened with `O_NOFOLLOW | O_DIRECTORY`
//!   (a directory that is a link is refused), under a fresh name created with `O_EXCL`
//!   (which never follows a link), then renames that over the name, all relative to the
//!   directory it opened: a link at the name is replaced, never followed, and a reader
//!   sees the old file or the new one, never half of one;
//! - event files are created under fresh names with `O_EXCL` (`create_new`, see
//!   `name.rs`), which never follows a link either.

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a file could not be opened or replaced safely.
#[derive(Debug, thiserror::Error)]
pub enum SafeError {
    /// The name is a symbolic link, or not the kind of file expected (a FIFO where a
    /// regular file should be).
    #[error("{kind}")]
    NotAFile {
        /// What it is (`a symbolic link`, `a FIFO (named pipe)`, ...).
        kind: &'static str,
    },
    /// The operating system refused.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// An open lock file.
#[derive(Debug)]
pub struct LockFile {
    /// The file, a regular file at the name (never a link's target).
    pub file: File,
    /// Whether it was opened for writing (else it is someone else's, read-only to us).
    pub writable: bool,
}

/// Opens, or creates (mode 644 less the umask), the lock file at `path`, never through a
/// link; read-only when it exists but cannot be written (another user's).
pub fn open_lock_file(path: &Path) -> Result<LockFile, SafeError> {
    let open = |write: bool| {
        let mut options = fs::OpenOptions::new();
        options.read(true);
        if write {
            options.write(true).create(true).truncate(false);
        }
        no_follow(&mut options);
        options.open(path)
    };
    let (file, writable) = match open(true) {
        Ok(file) => (file, true),
        Err(e) if refused(&e) && fs::symlink_metadata(path).is_ok() => match open(false) {
            Ok(file) => (file, false),
            Err(second) => return Err(classify(path, second)),
        },
        Err(e) => return Err(classify(path, e)),
    };
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(SafeError::NotAFile {
            kind: crate::special::file_kind(&kind),
        });
    }
    Ok(LockFile { file, writable })
}

/// Replaces the file `name` in `dir` by one holding `bytes`, never through a link (see
/// the module doc). `dir` itself must not be a link.
pub fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), SafeError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let fresh = format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    imp::replace(dir, name, &fresh, bytes)
}

/// Whether an open was refused for want of permission (so that a read-only open of a
/// file that exists may still work).
fn refused(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    ) || e.raw_os_error() == Some(imp::EPERM)
}

/// An open refused because `path` is a link is [`SafeError::NotAFile`].
fn classify(path: &Path, e: io::Error) -> SafeError {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => SafeError::NotAFile {
            kind: "a symbolic link",
        },
        _ => SafeError::Io(e),
    }
}

#[cfg(unix)]
fn no_follow(options: &mut fs::OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt as _;
    options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .mode(0o644);
}

#[cfg(not(unix))]
fn no_follow(_: &mut fs::OpenOptions) {}

#[cfg(unix)]
mod imp {
    use std::ffi::CString;
    use std::fs::{self, File};
    use std::io::{self, Write as _};
    use std::os::fd::{AsRawFd as _, FromRawFd as _};
    use std::os::unix::ffi::OsStrExt as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    use std::path::Path;

    use super::{classify, SafeError};

    pub(super) const EPERM: i32 = libc::EPERM;

    fn c_name(name: &str) -> io::Result<CString> {
        CString::new(std::ffi::OsStr::new(name).as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in a name"))
    }

    pub(super) fn replace(
        dir: &Path,
        name: &str,
        fresh: &str,
        bytes: &[u8],
    ) -> Result<(), SafeError> {
        let directory = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
            .open(dir)
            .map_err(|e| classify(dir, e))?;
        let at = directory.as_raw_fd();
        let (name_c, fresh_c) = (c_name(name)?, c_name(fresh)?);
        // SAFETY: `at` is an open directory for the whole call, `fresh_c` a valid C
        // string; the returned descriptor, if any, is owned by the `File` made from it.
        let fd = unsafe {
            libc::openat(
                at,
                fresh_c.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o644 as libc::c_uint,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error().into());
        }
        // SAFETY: `fd` was just opened and is owned by nothing else.
        let mut file = unsafe { File::from_raw_fd(fd) };
        let written = file.write_all(bytes).and_then(|()| file.flush());
        drop(file);
        let renamed = written.and_then(|()| {
            // SAFETY: both names are valid C strings relative to the open `at`.
            let r = unsafe { libc::renameat(at, fresh_c.as_ptr(), at, name_c.as_ptr()) };
            if r == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        });
        if renamed.is_err() {
            // SAFETY: as above; removes only the fresh name this call created.
            unsafe { libc::unlinkat(at, fresh_c.as_ptr(), 0) };
        }
        Ok(renamed?)
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs;
    use std::io::Write as _;
    use std::path::Path;

    use super::SafeError;

    pub(super) const EPERM: i32 = 1;

    pub(super) fn replace(
        dir: &Path,
        name: &str,
        fresh: &str,
        bytes: &[u8],
    ) -> Result<(), SafeError> {
        let fresh = dir.join(fresh);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&fresh)?;
        let written = file.write_all(bytes).and_then(|()| file.flush());
        drop(file);
        let renamed = written.and_then(|()| fs::rename(&fresh, dir.join(name)));
        if renamed.is_err() {
            let _ = fs::remove_file(&fresh);
        }
        Ok(renamed?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_link_is_never_opened_through() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("theirs.txt");
        fs::write(&theirs, b"someone's notes").unwrap();
        let link = dir.path().join(".lock");
        symlink(&theirs, &link).unwrap();
        let err = open_lock_file(&link).unwrap_err();
        assert_eq!(err.to_string(), "a symbolic link");
        assert_eq!(fs::read(&theirs).unwrap(), b"someone's notes");
        // A dangling one creates nothing where it points.
        let nowhere = dir.path().join("nowhere");
        let dangling = dir.path().join(".lock2");
        symlink(&nowhere, &dangling).unwrap();
        let err = open_lock_file(&dangling).unwrap_err();
        assert!(
            matches!(
                err,
                SafeError::NotAFile {
                    kind: "a symbolic link"
                }
            ),
            "{err:?}"
        );
        assert!(!nowhere.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_as_the_lock_file_does_not_hang_and_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join(".lock");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let err = open_lock_file(&fifo).unwrap_err();
        assert_eq!(err.to_string(), "a FIFO (named pipe)");
    }

    #[test]
    fn a_new_lock_file_is_created_and_an_existing_one_kept() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".lock");
        let mut lock = open_lock_file(&path).unwrap();
        assert!(lock.writable);
        lock.file.write_all(b"pid 1\n").unwrap();
        drop(lock);
        let again = open_lock_file(&path).unwrap();
        assert!(again.writable);
        assert_eq!(fs::read(&path).unwrap(), b"pid 1\n");
    }

    #[cfg(unix)]
    #[test]
    fn replacing_a_file_replaces_a_link_instead_of_following_it() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("theirs.md");
        fs::write(&theirs, b"mine").unwrap();
        symlink(&theirs, dir.path().join("summary.md")).unwrap();
        replace_file(dir.path(), "summary.md", b"# summary\n").unwrap();
        assert_eq!(fs::read(&theirs).unwrap(), b"mine");
        let at = dir.path().join("summary.md");
        assert!(fs::symlink_metadata(&at).unwrap().file_type().is_file());
        assert_eq!(fs::read(&at).unwrap(), b"# summary\n");
        // Replacing again keeps one file and no temporary one.
        replace_file(dir.path(), "summary.md", b"2\n").unwrap();
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["summary.md", "theirs.md"]);
        assert_eq!(fs::read(&at).unwrap(), b"2\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_that_is_a_link_is_refused() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = dir.path().join("summary");
        symlink(&real, &link).unwrap();
        let err = replace_file(&link, "summary.md", b"x").unwrap_err();
        assert_eq!(err.to_string(), "a symbolic link");
        assert_eq!(fs::read_dir(&real).unwrap().count(), 0);
    }
}
