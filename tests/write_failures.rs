//! Write failures: a log directory that cannot be made or written, a full disk, a file-size
//! limit, and a full standard output. Each ends the run with one line naming the path and
//! the operating system's error, exit code 1, and no panic or backtrace; the library
//! returns the same errors as values (and never prints: see
//! `the_library_never_prints`).
//!
//! The tests run as root here, and root ignores permission bits, so a read-only directory
//! is a read-only tmpfs mount when `mount` works (as root in this sandbox), a `chmod 555`
//! directory when not root, and `/sys` otherwise. The full disk is a 64 KiB tmpfs: the
//! tests that need one are reported as ignored, with the reason, where `mount` does not
//! work, and fail there under `TBTRAIN_REQUIRE_TMPFS=1` (set by `.ci/run`); a file-size
//! limit (`RLIMIT_FSIZE`, set in the child only) gives the same mid-run write failure
//! everywhere.
#![cfg(unix)]

mod common;
mod support;

use common::harness::Need;

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tbtrain::data::{self, DatasetSpec};
use tbtrain::events;
use tbtrain::summary::{self, SummaryWriter};
use tbtrain::train::{self, TrainConfig};

use support::{assert_clean_failure, event_files, read_file, tbtrain, tree};

fn main() {
    common::harness::main(vec![
        trial!(logdir_that_is_a_file),
        trial!(logdir_whose_parent_cannot_be_made),
        trial!(read_only_directory),
        trial!(full_disk_mid_run, Need::Tmpfs),
        trial!(writer_refuses_records_after_a_failed_write, Need::Tmpfs),
        trial!(file_size_limit_mid_run),
        trial!(full_standard_output),
        trial!(the_library_never_prints),
    ]);
}

const ENOTDIR: i32 = 20;
const EEXIST: i32 = 17;
const EROFS: i32 = 30;
const ENOSPC: i32 = 28;

/// A tmpfs mounted on a fresh temporary directory, unmounted (lazily, so that a file
/// still open cannot keep it) when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs with `options` (e.g. `size=64k` or `ro,size=64k`), or returns `None`
    /// after saying loudly why the test part that needs it is skipped.
    fn mount(options: &str, why: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status();
        if matches!(status, Ok(s) if s.success()) {
            Some(Tmpfs { dir })
        } else {
            eprintln!(
                "write_failures: cannot mount a tmpfs for the {why} (not root, or no right to mount)"
            );
            None
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs a short training run into `logdir` from `dir` and checks the one-line failure.
fn train_fails(dir: &Path, logdir: &Path, needles: &[&str]) -> String {
    let output = tbtrain(dir)
        .arg("--logdir")
        .arg(logdir)
        .args(["--steps", "50", "-q"])
        .output()
        .unwrap();
    assert_clean_failure(
        &format!("--logdir {}", logdir.display()),
        &output,
        1,
        needles,
    )
}

fn lesson(logdir: PathBuf, steps: u64) -> TrainConfig {
    let mut config = TrainConfig::lesson(logdir);
    config.steps = steps;
    config.flush_interval = Duration::from_millis(50);
    config
}

fn train_lib(config: &TrainConfig) -> Result<train::RunReport, train::Error> {
    let data = data::load(&DatasetSpec::Xor, config.seed).unwrap();
    train::train(config, &data, &AtomicBool::new(false), &mut ())
}

/// The `events::Error` inside a training error, or a panic naming what it was instead.
fn events_error(e: &train::Error) -> &events::Error {
    match e {
        train::Error::Summary(summary::Error::Events(inner)) => inner,
        other => panic!("expected an event-file error, got {other:?}"),
    }
}

fn os_error(e: &events::Error) -> Option<i32> {
    match e {
        events::Error::CreateDir { source, .. }
        | events::Error::CreateFile { source, .. }
        | events::Error::Write { source, .. }
        | events::Error::Flush { source, .. } => source.raw_os_error(),
        _ => None,
    }
}

fn logdir_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("taken"), "not a directory").unwrap();
    train_fails(
        dir.path(),
        Path::new("taken"),
        &[
            "tbtrain: cannot create log directory taken: ",
            "(os error 17)",
        ],
    );
    assert_eq!(
        fs::read(dir.path().join("taken")).unwrap(),
        b"not a directory"
    );

    let e = SummaryWriter::new(dir.path().join("taken")).unwrap_err();
    match &e {
        summary::Error::Events(inner @ events::Error::CreateDir { path, .. }) => {
            assert_eq!(path, &dir.path().join("taken"));
            assert_eq!(os_error(inner), Some(EEXIST));
        }
        other => panic!("{other:?}"),
    }
    let e = train_lib(&lesson(dir.path().join("taken"), 5)).unwrap_err();
    assert_eq!(os_error(events_error(&e)), Some(EEXIST));
}

fn logdir_whose_parent_cannot_be_made() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("file"), "").unwrap();
    let logdir = Path::new("file/deeper/run");
    train_fails(
        dir.path(),
        logdir,
        &[
            "tbtrain: cannot create log directory file/deeper/run: ",
            "(os error 20)",
        ],
    );
    assert_eq!(tree(dir.path()), ["file"]);

    let e = train_lib(&lesson(dir.path().join(logdir), 5)).unwrap_err();
    match events_error(&e) {
        inner @ events::Error::CreateDir { path, .. } => {
            assert_eq!(path, &dir.path().join(logdir));
            assert_eq!(os_error(inner), Some(ENOTDIR));
        }
        other => panic!("{other:?}"),
    }
}

fn read_only_directory() {
    if is_root() {
        let Some(ro) = Tmpfs::mount("ro,size=64k", "read-only tmpfs") else {
            // Last resort: sysfs refuses new directories even to root.
            train_fails(
                Path::new("/"),
                Path::new("/sys/tbtrain-write-failure-test"),
                &["cannot create log directory /sys/tbtrain-write-failure-test: "],
            );
            return;
        };
        // A run directory inside it cannot be made...
        let logdir = ro.path().join("run");
        let line = train_fails(
            Path::new("/"),
            &logdir,
            &["tbtrain: cannot create log directory ", "(os error 30)"],
        );
        assert!(line.contains(&logdir.display().to_string()), "{line}");
        // ...and in the directory itself not even its lock file can be created.
        let line = train_fails(
            Path::new("/"),
            ro.path(),
            &["tbtrain: cannot lock log directory ", "(os error 30)"],
        );
        assert!(
            line.contains(&format!("directory {}: ", ro.path().display())),
            "{line}"
        );
        let e = train_lib(&lesson(ro.path().to_path_buf(), 5)).unwrap_err();
        match &e {
            train::Error::Lock(events::LockError::Io { dir, source }) => {
                assert_eq!(dir, ro.path());
                assert_eq!(source.raw_os_error(), Some(EROFS));
            }
            other => panic!("{other:?}"),
        }
    } else {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ro = dir.path().join("ro");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        train_fails(
            dir.path(),
            Path::new("ro/run"),
            &[
                "tbtrain: cannot create log directory ro/run: ",
                "(os error 13)",
            ],
        );
        train_fails(
            dir.path(),
            Path::new("ro"),
            &["tbtrain: cannot lock log directory ro: ", "(os error 13)"],
        );
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Checks a run directory left by a failed write: one event file, readable up to at most
/// a truncated last record, holding some steps of `cost` from 0 on.
fn check_partial_log(logdir: &Path) {
    let files = event_files(logdir);
    assert_eq!(files.len(), 1, "{}", logdir.display());
    let contents = read_file(&files[0]);
    assert!(
        contents.problems.iter().all(|(truncation, _)| *truncation) && contents.problems.len() <= 1,
        "{:?}",
        contents.problems
    );
    let steps = contents.steps("cost");
    assert!(!steps.is_empty(), "no cost step reached the disk");
    assert!(
        steps.iter().enumerate().all(|(i, &s)| s == i as i64),
        "cost steps are not 0, 1, 2, ...: {:?}",
        &steps[..steps.len().min(20)]
    );
}

fn full_disk_mid_run() {
    let disk = Tmpfs::mount("size=64k", "full-disk test on a 64 KiB tmpfs")
        .expect("Need::Tmpfs: a tmpfs mounts here");
    let logdir = disk.path().join("run");
    let output = tbtrain(Path::new("/"))
        .arg("--logdir")
        .arg(&logdir)
        .args(["--steps", "1000000", "--flush-secs", "0.05", "-q"])
        .output()
        .unwrap();
    let line = assert_clean_failure("full tmpfs", &output, 1, &["(os error 28)"]);
    let prefix = format!("{}/events.out.tfevents.", logdir.display());
    assert!(
        line.starts_with(&format!("tbtrain: cannot write event file {prefix}"))
            || line.starts_with(&format!("tbtrain: cannot flush event file {prefix}")),
        "{line}"
    );
    assert_eq!(
        stderr_lines(&output),
        1,
        "one line only:\n{}",
        support::stderr(&output)
    );
    check_partial_log(&logdir);

    // The library returns the same error as a value.
    fs::remove_dir_all(&logdir).unwrap();
    let e = train_lib(&lesson(logdir.clone(), 1_000_000)).unwrap_err();
    match events_error(&e) {
        inner @ (events::Error::Write { path, .. } | events::Error::Flush { path, .. }) => {
            assert_eq!(path.parent(), Some(logdir.as_path()));
            assert_eq!(os_error(inner), Some(ENOSPC));
        }
        other => panic!("{other:?}"),
    }
    check_partial_log(&logdir);
}

/// After the disk fills, the writer refuses every further record (one appended after a
/// partial record could never be read), and every record it accepted is on disk.
fn writer_refuses_records_after_a_failed_write() {
    let disk = Tmpfs::mount("size=64k", "writer poisoning on a 64 KiB tmpfs")
        .expect("Need::Tmpfs: a tmpfs mounts here");
    let options = events::WriterOptions {
        flush_interval: Duration::ZERO,
        ..Default::default()
    };
    let mut writer = events::EventWriter::with_options(disk.path(), options).unwrap();
    let path = writer.path().to_path_buf();
    let event = tbtrain::proto::Event {
        wall_time: 1.0,
        step: 7,
        what: Some(tbtrain::proto::event::What::FileVersion("x".repeat(1000))),
        source_metadata: None,
    };
    let mut accepted = 0;
    let first = loop {
        match writer.write_event(&event) {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 1000, "64 KiB never filled");
    };
    assert!(accepted >= 50, "only {accepted} records fit");
    assert_eq!(os_error(&first), Some(ENOSPC), "{first}");
    match writer.write_record(b"more") {
        Err(events::Error::Poisoned { path: p, first: f }) => {
            assert_eq!(p, path);
            assert!(f.contains("(os error 28)"), "{f}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        writer.close(),
        Err(events::Error::Poisoned { .. })
    ));
    // Every accepted record reads back; the one cut short is the only problem.
    let contents = read_file(&path);
    assert_eq!(contents.events, 1 + accepted, "file_version + accepted");
    assert!(
        contents.problems.len() <= 1 && contents.problems.iter().all(|(t, _)| *t),
        "{:?}",
        contents.problems
    );
}

fn stderr_lines(output: &std::process::Output) -> usize {
    support::stderr(output).lines().count()
}

/// `RLIMIT_FSIZE` in the child: the event file stops growing at 200 KiB and the next
/// write fails with `EFBIG` (`SIGXFSZ` is ignored, or it would kill the process).
fn file_size_limit_mid_run() {
    const LIMIT: u64 = 200 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let mut command = tbtrain(dir.path());
    command.args(["--logdir", "run", "--steps", "1000000", "-q"]);
    // SAFETY: between fork and exec only async-signal-safe libc calls are made.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: LIMIT as libc::rlim_t,
                rlim_max: LIMIT as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    let line = assert_clean_failure(
        "RLIMIT_FSIZE",
        &output,
        1,
        &["event file run/events.out.tfevents.", "(os error 27)"],
    );
    assert!(
        line.starts_with("tbtrain: cannot write event file ")
            || line.starts_with("tbtrain: cannot flush event file "),
        "{line}"
    );
    assert_eq!(stderr_lines(&output), 1, "{}", support::stderr(&output));
    let files = event_files(&dir.path().join("run"));
    assert_eq!(fs::metadata(&files[0]).unwrap().len(), LIMIT);
    check_partial_log(&dir.path().join("run"));
}

/// Standard output on `/dev/full`: the summary cannot be printed, which is an error line,
/// not a panic (the event files were written before).
fn full_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--logdir", "run", "--steps", "20"][..],
        &["inspect", "run"][..],
    ] {
        let output = tbtrain(dir.path())
            .args(args)
            .stdout(fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_clean_failure(
            &format!("{args:?} > /dev/full"),
            &output,
            1,
            &[
                "tbtrain: cannot write to standard output: ",
                "(os error 28)",
            ],
        );
    }
    // The run itself is complete.
    let contents = support::read_run(&dir.path().join("run"));
    assert_eq!(contents.steps("cost"), (0..20).collect::<Vec<i64>>());
    assert!(contents.problems.is_empty(), "{:?}", contents.problems);
}

/// Library code reports errors as values: no `print!`, `eprint!` (or their `ln`
/// forms), `dbg!` or `process::exit` outside the binary's own files and outside tests.
fn the_library_never_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let binary_files = ["main.rs", "cli.rs", "report.rs"];
    let mut offenders = Vec::new();
    let mut files = vec![src.clone()];
    let mut checked = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if path.extension().is_none_or(|e| e != "rs") || binary_files.contains(&rel.as_str()) {
            continue;
        }
        checked += 1;
        let text = fs::read_to_string(&path).unwrap();
        // Unit tests may print; they start at the file's `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            for bad in [
                "print!(",
                "println!(",
                "eprint!(",
                "eprintln!(",
                "dbg!(",
                "process::exit",
            ] {
                if line.contains(bad) {
                    offenders.push(format!("src/{rel}:{}: {line}", i + 1));
                }
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} library files found under src/"
    );
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
