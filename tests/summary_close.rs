//! `SummaryWriter::flush` and `close` report I/O errors, and still try every file, with
//! the I/O on the caller's thread or on a non-blocking writer's background thread.
//!
//! A write error is provoked with a file-size limit (`RLIMIT_FSIZE`, with `SIGXFSZ`
//! ignored so the write fails with `EFBIG` instead of killing the process). The limit
//! holds for the whole process, so this binary holds this one test only.
#![cfg(unix)]

use std::time::Duration;

use tbtrain::events::{self, WriterOptions};
use tbtrain::summary::{self, SummaryWriter};

const LIMIT: u64 = 200;

/// Limits every file this process writes to `bytes` (`None`: no limit). The limit
/// covers the test harness's own output too when that is a file (as in CI, where it is
/// redirected to a log): lift it before anything can be printed.
fn limit_file_size(bytes: Option<u64>) {
    // SAFETY: plain libc calls with valid arguments; they only change process settings.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let lim = libc::rlimit {
            rlim_cur: bytes.map_or(libc::RLIM_INFINITY, |b| b as libc::rlim_t),
            rlim_max: libc::RLIM_INFINITY,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
    }
}

#[test]
fn close_returns_the_first_error_after_closing_every_file() {
    // The same for a writer that does its I/O on a background thread.
    for non_blocking in [false, true] {
        close_reports(non_blocking);
    }
}

fn close_reports(non_blocking: bool) {
    let dir = tempfile::tempdir().unwrap();
    let options = WriterOptions {
        flush_interval: Duration::from_secs(3600),
        non_blocking,
        ..Default::default()
    };
    let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
    let main = w.event_file().to_path_buf();
    limit_file_size(Some(LIMIT));

    // Buffered: no I/O yet, so no error.
    for step in 0..100 {
        w.add_scalar("loss", 1.0, step).unwrap();
    }
    // A sub-run stays under the limit (file_version + one scalar record).
    w.add_scalars("m", &[("a", 2.0)], 0).unwrap();
    let sub = dir.path().join("m_a");

    let result = w.close();
    limit_file_size(None);
    let err = result.unwrap_err();
    match &err {
        summary::Error::Events(events::Error::Flush { path, .. }) => assert_eq!(path, &main),
        other => panic!("non_blocking {non_blocking}: {other:?}"),
    }
    assert!(
        err.to_string().starts_with("cannot flush event file "),
        "{err}"
    );
    assert_eq!(std::fs::metadata(&main).unwrap().len(), LIMIT);

    // The sub-run was closed (and so flushed) even though the main file failed first.
    let sub_file = std::fs::read_dir(&sub)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bytes = std::fs::read(sub_file).unwrap();
    let first_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let second = 16 + first_len;
    assert!(
        bytes.len() > second,
        "the scalar record reached the sub-run file"
    );
    let second_len = u64::from_le_bytes(bytes[second..second + 8].try_into().unwrap()) as usize;
    assert_eq!(bytes.len(), second + 16 + second_len);
}
