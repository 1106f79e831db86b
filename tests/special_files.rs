//! Files that are not regular files, and directories that cannot be read: nothing
//! hangs, each is one clear line, and `inspect` shows everything else and lists the
//! problem. Also: a cost past the divergence threshold before any update is not blamed
//! on `--lr`.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::{assert_clean_failure, output_with_timeout, run, tbtrain, tree};

/// `tbtrain args` in `dir`, killed (and the test failed) if it takes a minute: a hang.
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    let child = tbtrain(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    output_with_timeout(child, Duration::from_secs(60))
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn a_fifo_as_the_csv_is_one_line_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("points.csv"));
    let out = run_bounded(
        dir.path(),
        &["--dataset", "csv:points.csv", "--logdir", "run"],
    );
    assert_clean_failure(
        "FIFO csv",
        &out,
        1,
        &["tbtrain: cannot read points.csv: a FIFO (named pipe), not a regular file"],
    );
    assert_eq!(tree(dir.path()), ["points.csv"]);
    // A directory is named as one too.
    fs::create_dir(dir.path().join("dir.csv")).unwrap();
    let out = run_bounded(dir.path(), &["--dataset", "csv:dir.csv", "--logdir", "run"]);
    assert_clean_failure(
        "directory csv",
        &out,
        1,
        &["tbtrain: cannot read dir.csv: a directory, not a regular file"],
    );
    // The same check in sweep and compare, before anything is created.
    for args in [
        &[
            "sweep",
            "--dataset",
            "csv:points.csv",
            "--seeds",
            "1,2",
            "--logdir",
            "sw",
        ][..],
        &["compare", "--dataset", "csv:points.csv", "--logdir", "cmp"],
    ] {
        let out = run_bounded(dir.path(), args);
        assert_clean_failure(
            args[0],
            &out,
            1,
            &["points.csv: a FIFO (named pipe), not a regular file"],
        );
    }
    assert_eq!(tree(dir.path()), ["dir.csv/", "points.csv"]);
}

#[test]
fn inspect_lists_a_fifo_and_a_dangling_link_named_like_event_files_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--logdir", "logs/good", "--steps", "3", "-q"]);
    assert!(out.status.success());
    fs::create_dir_all(dir.path().join("logs/odd")).unwrap();
    mkfifo(
        &dir.path()
            .join("logs/odd/events.out.tfevents.1700000000.h.1.0"),
    );
    std::os::unix::fs::symlink(
        "/nonexistent/target",
        dir.path()
            .join("logs/good/events.out.tfevents.1800000000.h.1.0"),
    )
    .unwrap();
    let out = run_bounded(dir.path(), &["inspect", "logs"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("run good: 1 event file, graph: yes"),
        "{text}"
    );
    assert!(text.contains("  cost "), "{text}");
    assert!(
        text.contains(
            "    events.out.tfevents.1800000000.h.1.0: cannot read: No such file or directory (os error 2)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "run odd: 0 event files, graph: no\n  (no summaries)\n  problems (1):\n    \
             events.out.tfevents.1700000000.h.1.0: a FIFO (named pipe), not a regular file; not read\n"
        ),
        "{text}"
    );
    // A FIFO given as the path itself.
    let out = run_bounded(
        dir.path(),
        &["inspect", "logs/odd/events.out.tfevents.1700000000.h.1.0"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("a FIFO (named pipe), not a regular file")
    );
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

#[test]
fn inspect_shows_the_rest_when_one_subdirectory_cannot_be_listed() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(dir.path(), &["--logdir", "logs/good", "--steps", "3", "-q"]);
    assert!(out.status.success());
    let locked = dir.path().join("logs/locked");
    fs::create_dir_all(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads every directory: run inspect as nobody, where setpriv can.
    let mut command = if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            support::BIN,
        ]);
        c
    } else {
        Command::new(support::BIN)
    };
    command
        .args(["inspect", "logs"])
        .current_dir(dir.path())
        .env_remove("RUST_BACKTRACE");
    let out = command.output().unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Never reported as passed without having run: a setpriv that cannot drop
    // privileges fails the test, saying so.
    assert!(
        !(is_root() && err.contains("setpriv")),
        "setpriv cannot run inspect as nobody here: {err}"
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("run good: 1 event file, graph: yes"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "run locked: 0 event files, graph: no\n  (no summaries)\n  problems (1):\n    \
             cannot list directory {}: Permission denied (os error 13)\n",
            dir.path().join("logs/locked").display()
        )) || text.contains(
            "run locked: 0 event files, graph: no\n  (no summaries)\n  problems (1):\n    \
             cannot list directory logs/locked: Permission denied (os error 13)\n"
        ),
        "{text}"
    );
}

#[test]
fn a_huge_cost_before_any_update_does_not_blame_the_learning_rate() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("huge.csv"),
        "x,y,label\n1e30,1e30,1\n-1e30,1e30,0\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "--dataset",
            "csv:huge.csv",
            "--act",
            "relu",
            "--depth",
            "3",
            "--logdir",
            "run",
            "-q",
        ],
    );
    let line = assert_clean_failure(
        "huge cost at step 0",
        &out,
        1,
        &[
            "tbtrain: training diverged at step 0: the initial weights' cost was NaN, \
             infinite or above 1e12, before any update: the data and the initialization \
             give it, not --lr",
        ],
    );
    assert!(!line.contains("smaller --lr"), "{line}");
    // The same in compare.
    let out = run(
        dir.path(),
        &[
            "compare",
            "--dataset",
            "csv:huge.csv",
            "--acts",
            "relu",
            "--depth",
            "3",
            "--logdir",
            "cmp",
            "-q",
        ],
    );
    let err = support::stderr(&out);
    assert!(
        err.contains("relu diverged at step 0: the initial weights' cost was NaN"),
        "{err}"
    );
    assert!(!err.contains("smaller --lr"), "{err}");
}
