//! How a new event file is named: `events.out.tfevents.<unix seconds>.<hostname>.<pid>.<counter>`,
//! the name TensorBoard, TensorFlow and tensorboardX use.
//!
//! Both TensorBoard loaders read a run's files in name order, so a new file's seconds
//! move past those of every event file already in its directory: what it holds is read
//! last. A file that already exists is never opened for writing (the counter moves on
//! instead). Which files count as event files is [`super::files`]'s rule.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Error;

/// Prefix of every event file name we create.
pub const FILE_PREFIX: &str = "events.out.tfevents.";

/// Tells files made by one process in the same second apart.
static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates a new, uniquely named event file in `logdir` whose name sorts after every one
/// of `existing` (the directory's event files) when it can. Never opens an existing file.
///
/// With `must_sort_last` (a resume, whose records must be read after the earlier
/// sessions'), an existing event file that no name of ours can follow is an error.
pub(super) fn create_unique(
    logdir: &Path,
    suffix: &str,
    existing: &[PathBuf],
    must_sort_last: bool,
) -> Result<(PathBuf, File), Error> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let secs = existing
        .iter()
        .filter_map(|p| {
            p.file_name()
                .and_then(|n| name_seconds(&n.to_string_lossy()))
        })
        .filter(|&s| s >= now)
        .map(|s| s.saturating_add(1))
        .fold(now, u64::max);
    let host = hostname();
    let pid = std::process::id();
    let stem = format!("{FILE_PREFIX}{secs:010}.");
    if must_sort_last {
        if let Some(last) = existing
            .iter()
            .filter_map(|p| p.file_name())
            .find(|n| n.to_string_lossy().as_ref() >= stem.as_str())
        {
            return Err(Error::FileOrder {
                path: logdir.join(last),
            });
        }
    }
    loop {
        let counter = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{stem}{host}.{pid}.{counter}{suffix}");
        let path = logdir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && counter < u64::MAX => continue,
            Err(source) => return Err(Error::CreateFile { path, source }),
        }
    }
}

/// The seconds field of an event file named by our rule (`events.out.tfevents.` and ten
/// digits), which tensorboardX and TensorFlow also follow.
pub(super) fn name_seconds(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(FILE_PREFIX)?.get(..10)?;
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// The host name as it may appear in a file name (no path separators, no control
/// characters); `localhost` when the system has none.
pub(super) fn hostname() -> String {
    let clean: String = system_hostname()
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if clean.is_empty() {
        "localhost".to_string()
    } else {
        clean
    }
}

/// The C library's POSIX `gethostname`, which the standard library links on every Unix
/// (declared here rather than pulled in through a crate: the library's dependencies stay
/// few).
#[cfg(unix)]
fn system_hostname() -> Option<String> {
    use std::ffi::{c_char, c_int};
    extern "C" {
        fn gethostname(name: *mut c_char, len: usize) -> c_int;
    }
    // POSIX host names are at most 255 bytes; the last byte stays 0 whatever happens.
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is valid for writes of `buf.len() - 1` bytes, the length passed.
    let rc = unsafe { gethostname(buf.as_mut_ptr().cast::<c_char>(), buf.len() - 1) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// Windows names the computer in the environment of every process.
#[cfg(windows)]
fn system_hostname() -> Option<String> {
    std::env::var("COMPUTERNAME").ok()
}

#[cfg(not(any(unix, windows)))]
fn system_hostname() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_seconds_reads_our_rule_only() {
        assert_eq!(
            name_seconds("events.out.tfevents.1700000000.h.1.0"),
            Some(1_700_000_000)
        );
        assert_eq!(name_seconds("events.out.tfevents.17000.h"), None);
        assert_eq!(name_seconds("foo.tfevents.1700000000"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_host_name_is_the_kernels() {
        let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        assert_eq!(system_hostname().as_deref(), Some(kernel.trim_end()));
    }

    #[test]
    fn the_host_name_is_safe_in_a_file_name() {
        let host = hostname();
        assert!(!host.is_empty());
        assert!(!host.contains(['/', '\\']), "{host}");
    }
}
