//! A log directory others can write (mode 777 on a cluster): whatever they leave or
//! plant there, tbtrain never opens, truncates, creates or removes a file through a
//! symbolic link, and a lock file nobody holds never refuses a run, whoever left it.
//!
//! The other user is real where the tests run as root (`setpriv` runs `tbtrain` as uid
//! 65533 against files owned by uid 65534, as `special_files` does); otherwise a lock
//! file made read-only to its owner stands for another user's (what matters to the open
//! is the same: it cannot be written).
#![cfg(unix)]

mod support;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt as _};
use std::path::Path;
use std::process::{Command, Output};

use tbtrain::events::lock::LOCK_FILE;
use tbtrain::events::DirLock;

use support::{assert_clean_failure, event_files, read_run, stderr, BIN};

/// The other users: who runs `tbtrain`, and who left the files it finds.
const RUNNER: u32 = 65533;
const LEFT_BY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

/// A temporary directory others can enter, with `shared` in it, mode 777 (or 1777 with
/// `sticky`: only a file's owner may remove it, as in /tmp).
fn shared_dir(sticky: bool) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let shared = dir.path().join("shared");
    fs::create_dir(&shared).unwrap();
    let mode = if sticky { 0o1777 } else { 0o777 };
    fs::set_permissions(&shared, fs::Permissions::from_mode(mode)).unwrap();
    (dir, shared)
}

/// Runs `tbtrain args` in `dir` as the other user (as root), or as ourselves.
fn run_as_runner(dir: &Path, args: &[&str]) -> Output {
    let mut command = if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            format!("--reuid={RUNNER}"),
            format!("--regid={RUNNER}"),
            "--clear-groups".to_string(),
            BIN.to_string(),
        ]);
        c
    } else {
        Command::new(BIN)
    };
    let out = command
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    // Never reported as passed without having run as another user.
    let err = stderr(&out);
    assert!(
        !(is_root() && err.starts_with("setpriv")),
        "setpriv cannot run tbtrain as uid {RUNNER} here: {err}"
    );
    out
}

/// Leaves a lock file at `path` as a killed process of another user would: its line,
/// owned by that user, mode 644 (as root); read-only to its owner otherwise.
fn leave_stale_lock(path: &Path) {
    fs::write(path, "pid 1 on elsewhere\n").unwrap();
    if is_root() {
        std::os::unix::fs::chown(path, Some(LEFT_BY), Some(LEFT_BY)).unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
    } else {
        fs::set_permissions(path, fs::Permissions::from_mode(0o444)).unwrap();
    }
}

/// A directory under `shared` that the runner may write (made by us, mode 777).
fn open_dir(shared: &Path, name: &str, sticky: bool) -> std::path::PathBuf {
    let dir = shared.join(name);
    fs::create_dir(&dir).unwrap();
    let mode = if sticky { 0o1777 } else { 0o777 };
    fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
    dir
}

#[test]
fn a_lock_file_that_is_a_link_is_never_opened_through() {
    let (dir, shared) = shared_dir(false);
    let victim = dir.path().join("notes.txt");
    fs::write(&victim, "a user's notes\n").unwrap();
    let nowhere = dir.path().join("created-outside");
    let train = ["--logdir", "shared/run", "--steps", "3", "-q"];
    let sweep = [
        "sweep",
        "--seeds",
        "1..2",
        "--steps",
        "3",
        "--logdir",
        "shared/sw",
        "-q",
    ];
    let compare = [
        "compare",
        "--steps",
        "3",
        "--logdir",
        "shared/cmp",
        "--overwrite",
        "-q",
    ];
    let cases: [(&str, &[&str], &str); 3] = [
        ("train", &train, "run"),
        ("sweep", &sweep, "sw"),
        ("compare", &compare, "cmp/relu"),
    ];
    for (what, args, locked) in cases {
        for target in [&victim, &nowhere] {
            let locked_dir = shared.join(locked);
            fs::create_dir_all(&locked_dir).unwrap();
            let lock = locked_dir.join(LOCK_FILE);
            let _ = fs::remove_file(&lock);
            symlink(target, &lock).unwrap();
            let out = support::run(dir.path(), args);
            let shown = format!("shared/{locked}");
            let line = format!(
                "tbtrain: {shown}/{LOCK_FILE} is a symbolic link, not a lock file: tbtrain \
                 opens no lock through it; remove it if no tbtrain writes into {shown}"
            );
            let err = stderr(&out);
            assert!(
                err.lines().any(|l| l.ends_with(&line[9..])),
                "{what}: {err}"
            );
            assert_eq!(out.status.code(), Some(1), "{what}: {err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            assert_eq!(
                fs::read_to_string(&victim).unwrap(),
                "a user's notes\n",
                "{what}"
            );
            assert!(fs::symlink_metadata(&nowhere).is_err(), "{what}: {err}");
            // The link is left as it was, and no event file was written beside it.
            assert!(fs::symlink_metadata(&lock)
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(event_files(&locked_dir), Vec::<std::path::PathBuf>::new());
            fs::remove_file(&lock).unwrap();
        }
    }
}

/// Whether the stale lock at `lock` must still be there after a run that held it:
/// only where it was not ours to remove (another user's, in a sticky directory).
fn stays(sticky: bool) -> bool {
    sticky && is_root()
}

fn check_lock_after(lock: &Path, sticky: bool, what: &str) {
    if stays(sticky) {
        // Held as it was, and left.
        assert_eq!(
            fs::read_to_string(lock).unwrap(),
            "pid 1 on elsewhere\n",
            "{what}"
        );
    } else {
        // Replaced by ours while held (or held and removed), and ours removed at the end.
        assert!(fs::symlink_metadata(lock).is_err(), "{what}");
    }
}

#[test]
fn a_stale_lock_of_another_user_refuses_no_run() {
    for sticky in [false, true] {
        let what = format!("sticky {sticky}");
        let (dir, shared) = shared_dir(false);
        let run_dir = open_dir(&shared, "run", sticky);
        leave_stale_lock(&run_dir.join(LOCK_FILE));
        let out = run_as_runner(
            dir.path(),
            &["--logdir", "shared/run", "--steps", "3", "-q"],
        );
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{what}");
        assert_eq!(read_run(&run_dir).result().steps_done, 3, "{what}");
        check_lock_after(&run_dir.join(LOCK_FILE), sticky, &what);

        // A sweep root: the sweep runs and writes its summary.
        let root = open_dir(&shared, "sw", sticky);
        leave_stale_lock(&root.join(LOCK_FILE));
        let sweep = [
            "sweep",
            "--seeds",
            "1..2",
            "--steps",
            "3",
            "--logdir",
            "shared/sw",
            "-q",
        ];
        let out = run_as_runner(dir.path(), &sweep);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        assert!(root.join("summary/summary.md").is_file(), "{what}");
        check_lock_after(&root.join(LOCK_FILE), sticky, &what);

        // A shard takes the root shared: the stale lock does not stop it either.
        let root = open_dir(&shared, "sharded", sticky);
        leave_stale_lock(&root.join(LOCK_FILE));
        let shard = [
            "sweep",
            "--seeds",
            "1..2",
            "--steps",
            "3",
            "--shard",
            "1/2",
            "--logdir",
            "shared/sharded",
            "-q",
        ];
        let out = run_as_runner(dir.path(), &shard);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        assert_eq!(read_run(&root.join("seed=2")).result().steps_done, 3);
        check_lock_after(&root.join(LOCK_FILE), sticky, &what);
    }
}

#[test]
fn a_lock_held_by_another_user_names_its_holder() {
    let (dir, shared) = shared_dir(false);
    let run_dir = open_dir(&shared, "run", false);
    let held = DirLock::exclusive(&run_dir).unwrap();
    let out = run_as_runner(
        dir.path(),
        &["--logdir", "shared/run", "--steps", "3", "-q"],
    );
    let line = assert_clean_failure(
        "held",
        &out,
        1,
        &[&format!(
            "tbtrain: shared/run is in use by another tbtrain (pid {} on ",
            std::process::id()
        )],
    );
    assert!(line.ends_with("): one writer per log directory"), "{line}");
    assert!(!line.contains("denied"), "{line}");
    drop(held);
    assert_eq!(event_files(&run_dir), Vec::<std::path::PathBuf>::new());
}

#[test]
fn a_lock_file_nobody_can_read_is_named_not_the_directory() {
    let (dir, shared) = shared_dir(false);
    let run_dir = open_dir(&shared, "run", true);
    let lock = run_dir.join(LOCK_FILE);
    leave_stale_lock(&lock);
    // Another user's mode 600 file (as root); mode 000 stops even its owner otherwise.
    let mode = if is_root() { 0o600 } else { 0o000 };
    fs::set_permissions(&lock, fs::Permissions::from_mode(mode)).unwrap();
    let out = run_as_runner(
        dir.path(),
        &["--logdir", "shared/run", "--steps", "3", "-q"],
    );
    let line = assert_clean_failure(
        "unreadable lock",
        &out,
        1,
        &[&format!(
            "tbtrain: cannot open the lock file shared/run/{LOCK_FILE}: Permission denied \
             (os error 13) (another user's? remove it if no tbtrain writes into shared/run)"
        )],
    );
    assert!(!line.contains("log directory"), "{line}");
    assert_eq!(event_files(&run_dir), Vec::<std::path::PathBuf>::new());
}

#[test]
fn a_sweep_writes_and_removes_nothing_through_planted_links() {
    let (dir, shared) = shared_dir(false);
    let victim = dir.path().join("victim");
    fs::create_dir(&victim).unwrap();
    let their_event_file = victim.join("events.out.tfevents.1700000000.host.1.0");
    fs::write(&their_event_file, "their run").unwrap();
    fs::write(victim.join("summary.md"), "their summary").unwrap();
    let untouched = || {
        let mut names: Vec<String> = fs::read_dir(&victim)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["events.out.tfevents.1700000000.host.1.0", "summary.md"]
        );
        assert_eq!(fs::read_to_string(&their_event_file).unwrap(), "their run");
        assert_eq!(
            fs::read_to_string(victim.join("summary.md")).unwrap(),
            "their summary"
        );
    };
    let sweep = |root: &str, extra: &[&str]| {
        let mut args = vec![
            "sweep", "--seeds", "1..2", "--steps", "3", "--jobs", "1", "--logdir", root, "-q",
        ];
        args.extend_from_slice(extra);
        support::run(dir.path(), &args)
    };

    // The summary files: links under their names are replaced, not followed.
    let summary = shared.join("a/summary");
    fs::create_dir_all(&summary).unwrap();
    symlink(victim.join("summary.md"), summary.join("summary.md")).unwrap();
    let nowhere = dir.path().join("nowhere.csv");
    symlink(&nowhere, summary.join("summary.csv")).unwrap();
    let out = sweep("shared/a", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    untouched();
    assert!(!nowhere.exists());
    for name in ["summary.md", "summary.csv"] {
        let kind = fs::symlink_metadata(summary.join(name))
            .unwrap()
            .file_type();
        assert!(kind.is_file(), "{name}");
    }
    assert!(fs::read_to_string(summary.join("summary.md"))
        .unwrap()
        .starts_with("2 runs in 1 configuration, 0 failed\n"));

    // The summary run itself a link: refused before any run, nothing written through it.
    fs::create_dir_all(shared.join("b")).unwrap();
    symlink(&victim, shared.join("b/summary")).unwrap();
    for extra in [&[][..], &["--overwrite"][..]] {
        let out = sweep("shared/b", extra);
        assert_clean_failure(
            "summary link",
            &out,
            1,
            &[
                "tbtrain: shared/b/summary is a symbolic link: the sweep's summary run is \
               never written through one (remove it)",
            ],
        );
        untouched();
        assert!(!shared.join("b/seed=1").exists());
    }
    let out = support::run(
        dir.path(),
        &["sweep", "--summarize-only", "--logdir", "shared/a"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A run directory planted as a link: --overwrite and --resume train the other runs
    // and record this one as failed, removing and writing nothing through it.
    fs::create_dir_all(shared.join("c")).unwrap();
    symlink(&victim, shared.join("c/seed=2")).unwrap();
    for extra in ["--overwrite", "--resume"] {
        let out = sweep("shared/c", &[extra]);
        assert_eq!(out.status.code(), Some(0), "{extra}: {}", stderr(&out));
        untouched();
        let md = fs::read_to_string(shared.join("c/summary/summary.md")).unwrap();
        assert!(
            md.ends_with(
                "Failed runs:\n- `seed=2`: failed: shared/c/seed=2 is a symbolic link: a run \
                 directory is never followed through one (give the directory it points to)\n"
            ),
            "{extra}: {md}"
        );
        assert_eq!(read_run(&shared.join("c/seed=1")).result().steps_done, 3);
    }
}
