//! Nothing a user has is lost or mixed: `--overwrite` removes the old run only once the
//! new one has started, and only files named by our own event-file rule; a run that
//! failed to start leaves no file that makes the retry refuse; default run directories
//! of one second do not collide; a sweep never touches a user's own files at its root.

mod support;

use std::fs;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Output;

use support::{assert_clean_failure, event_files, run, tbtrain, tree};

const OURS_EMPTY: &str = "events.out.tfevents.1700000000.oldhost.1.0";

fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert!(out.status.success(), "{args:?}: {}", support::stderr(&out));
    out
}

/// `tbtrain args` with a file-size limit of `bytes` in the child (`SIGXFSZ` ignored, so
/// a write past it fails with EFBIG, as on a full disk).
fn run_with_file_limit(dir: &Path, args: &[&str], bytes: u64) -> Output {
    let mut command = tbtrain(dir);
    command.args(args);
    // SAFETY: between fork and exec only async-signal-safe libc calls are made.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

#[test]
fn overwrite_keeps_the_old_run_when_the_new_one_cannot_start() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["--logdir", "run", "--steps", "5", "-q"]);
    let old = event_files(&dir.path().join("run"));
    let bytes = fs::read(&old[0]).unwrap();

    // The new run's first records cannot be written (a full disk at its start).
    let out = run_with_file_limit(
        dir.path(),
        &["--logdir", "run", "--steps", "5", "-q", "--overwrite"],
        100,
    );
    assert_clean_failure(
        "overwrite that cannot start",
        &out,
        1,
        &["event file run/events.out.tfevents.", "(os error 27)"],
    );
    // The old run is there, byte for byte, and nothing of the failed one.
    assert_eq!(event_files(&dir.path().join("run")), old);
    assert_eq!(fs::read(&old[0]).unwrap(), bytes);
    assert_eq!(
        tree(dir.path()),
        ["run/", &format!("run/{}", name(&old[0]))]
    );

    // Once a new run starts, it replaces the old one.
    ok(
        dir.path(),
        &["--logdir", "run", "--steps", "5", "-q", "--overwrite"],
    );
    let now = event_files(&dir.path().join("run"));
    assert_eq!(now.len(), 1);
    assert_ne!(now, old);
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn overwrite_removes_only_files_named_by_our_rule() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["--logdir", "run", "--steps", "5", "-q"]);
    for other in ["my.tfevents.backup", "notes-about-tfevents.txt"] {
        let path = dir.path().join("run").join(other);
        fs::write(&path, "mine").unwrap();
        let before = tree(dir.path());
        let out = run(
            dir.path(),
            &["--logdir", "run", "--steps", "5", "-q", "--overwrite"],
        );
        assert_clean_failure(
            other,
            &out,
            1,
            &[&format!(
                "tbtrain: run/{other} is not named like a tbtrain event file \
                 (events.out.tfevents.<seconds>.<...>); --overwrite removes only those: \
                 move it away"
            )],
        );
        assert_eq!(tree(dir.path()), before);
        assert_eq!(fs::read(&path).unwrap(), b"mine");
        fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_run_that_failed_on_a_full_disk_does_not_make_the_retry_refuse() {
    let dir = tempfile::tempdir().unwrap();
    // Not one byte can be written: the event file cannot even take its first record.
    let out = run_with_file_limit(dir.path(), &["--logdir", "run", "--steps", "5", "-q"], 0);
    assert_clean_failure(
        "file-size limit 0",
        &out,
        1,
        &["event file run/events.out.tfevents.", "(os error 27)"],
    );
    assert_eq!(tree(dir.path()), ["run/"], "no empty event file is left");
    // The retry runs (no --overwrite needed).
    ok(dir.path(), &["--logdir", "run", "--steps", "5", "-q"]);
    assert_eq!(event_files(&dir.path().join("run")).len(), 1);

    // An empty event file left by anything else holds nothing: the directory is unused,
    // and the file goes when the next run starts.
    let other = tempfile::tempdir().unwrap();
    fs::create_dir(other.path().join("run")).unwrap();
    fs::write(other.path().join("run").join(OURS_EMPTY), b"").unwrap();
    ok(other.path(), &["--logdir", "run", "--steps", "5", "-q"]);
    let files = event_files(&other.path().join("run"));
    assert_eq!(files.len(), 1);
    assert_ne!(name(&files[0]), OURS_EMPTY);
    assert!(fs::metadata(&files[0]).unwrap().len() > 0);
}

#[test]
fn default_run_directories_of_one_second_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    // Every default name of the next seconds is taken by an earlier run's directory:
    // the run gets the first free suffix instead of being refused.
    let now = chrono::Local::now();
    let mut taken = Vec::new();
    for s in -1..=20 {
        let t = now + chrono::Duration::seconds(s);
        let name = format!("relu-d3-{}", t.format("%Y%m%d-%H%M%S"));
        let run = dir.path().join("logs").join(&name);
        fs::create_dir_all(&run).unwrap();
        fs::write(run.join("events.out.tfevents.1700000000.h.1.0"), b"x").unwrap();
        taken.push(name);
    }
    let out = ok(
        dir.path(),
        &["--act", "relu", "--depth", "3", "--steps", "5"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let logs = stdout
        .lines()
        .find_map(|l| l.strip_prefix("logs: "))
        .unwrap()
        .to_string();
    let made = Path::new(&logs).file_name().unwrap().to_string_lossy();
    let base = made.strip_suffix("-2").unwrap_or_else(|| panic!("{made}"));
    assert!(taken.iter().any(|t| t == base), "{made}");
    assert_eq!(event_files(&dir.path().join(&logs)).len(), 1);
    // The taken directories still hold only their own file.
    for name in &taken {
        assert_eq!(event_files(&dir.path().join("logs").join(name)).len(), 1);
    }

    // Two runs started together, same activation and depth: two directories.
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            tbtrain(dir.path())
                .args(["--act", "relu", "--depth", "3", "--steps", "5", "-q"])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let runs = fs::read_dir(dir.path().join("logs")).unwrap().count();
    assert_eq!(runs, 2, "{:?}", tree(dir.path()));
}

#[test]
fn a_sweep_never_touches_a_users_own_files_at_its_root() {
    let dir = tempfile::tempdir().unwrap();
    // The user's own run and summary files at the root.
    ok(dir.path(), &["--logdir", "sw", "--steps", "5", "-q"]);
    let root = dir.path().join("sw");
    fs::write(root.join("summary.md"), "my notes").unwrap();
    fs::write(root.join("summary.csv"), "a,b\n").unwrap();
    let users = event_files(&root);
    let user_bytes = fs::read(&users[0]).unwrap();

    let sweep = [
        "sweep", "--act", "relu", "--seeds", "1..2", "--steps", "10", "--logdir", "sw", "-q",
    ];
    ok(dir.path(), &sweep);
    ok(
        dir.path(),
        &["sweep", "--summarize-only", "--logdir", "sw", "-q"],
    );
    ok(
        dir.path(),
        &[
            "sweep",
            "--act",
            "relu",
            "--seeds",
            "1..2",
            "--steps",
            "10",
            "--logdir",
            "sw",
            "-q",
            "--overwrite",
        ],
    );
    assert_eq!(
        fs::read_to_string(root.join("summary.md")).unwrap(),
        "my notes"
    );
    assert_eq!(
        fs::read_to_string(root.join("summary.csv")).unwrap(),
        "a,b\n"
    );
    assert_eq!(event_files(&root), users);
    assert_eq!(fs::read(&users[0]).unwrap(), user_bytes);
    assert!(root.join("summary/summary.md").is_file());
}
