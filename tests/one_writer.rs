//! One writer per run directory and per sweep root: many `tbtrain` processes started at
//! the same instant into one logdir: exactly one writes, every other one is refused with
//! one line (the lock's holder, or "already holds event files" when it came after the
//! winner finished), and the directory never holds two runs' files. A lock file left by
//! a killed process does not block a retry, and it is nothing TensorBoard, `inspect` or
//! the "already used" check read.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use tbtrain::events::lock::LOCK_FILE;
use tbtrain::proto::hparams::Status;

use support::{event_files, output_with_timeout, read_run, run, tbtrain, tree};

const STARTS: usize = 12;

/// Starts `STARTS` copies of `tbtrain args` in `dir` as close together as threads allow
/// and returns their outputs.
fn start_together(dir: &Path, args: &[&str]) -> Vec<Output> {
    let barrier = Arc::new(Barrier::new(STARTS));
    let handles: Vec<_> = (0..STARTS)
        .map(|_| {
            let (barrier, dir) = (Arc::clone(&barrier), dir.to_path_buf());
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            thread::spawn(move || {
                let mut command = tbtrain(&dir);
                command
                    .args(&args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                barrier.wait();
                let child: Child = command.spawn().unwrap();
                output_with_timeout(child, Duration::from_secs(300))
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// Checks that exactly one output succeeded and every other one is one refusal line,
/// naming the lock's holder or the earlier run; returns how many were refused by the
/// lock.
fn exactly_one_wrote(outputs: &[Output], dir_shown: &str) -> usize {
    let ok = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(ok, 1, "{outputs:#?}");
    let mut locked = 0;
    for out in outputs.iter().filter(|o| !o.status.success()) {
        let err = support::stderr(out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        let held = format!("tbtrain: {dir_shown} is in use by another tbtrain (pid ");
        if err.starts_with(&held) {
            assert!(
                err.trim_end().ends_with("): one writer per log directory"),
                "{err}"
            );
            locked += 1;
        } else {
            assert!(
                err.contains("already holds event files"),
                "neither refusal: {err}"
            );
        }
    }
    locked
}

#[test]
fn many_simultaneous_trainings_into_one_logdir_give_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = start_together(dir.path(), &["--logdir", "run", "--steps", "3000", "-q"]);
    let locked = exactly_one_wrote(&outputs, "run");
    assert!(
        locked >= 1,
        "no start was refused by the lock: {outputs:#?}"
    );
    // One event file, one complete run, no lock file left.
    let files = event_files(&dir.path().join("run"));
    assert_eq!(files.len(), 1, "{:?}", tree(dir.path()));
    let run = read_run(&dir.path().join("run"));
    assert!(run.problems.is_empty(), "{run:?}");
    assert_eq!(run.session_end, [Status::Success], "one session: {run:?}");
    assert!(!dir.path().join("run").join(LOCK_FILE).exists());
}

#[test]
fn many_simultaneous_sweeps_into_one_root_give_one_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = start_together(
        dir.path(),
        &[
            "sweep", "--act", "relu", "--seeds", "1,2", "--steps", "1500", "--logdir", "sw", "-q",
        ],
    );
    exactly_one_wrote(&outputs, "sw");
    for seed in [1, 2] {
        assert_eq!(
            event_files(&dir.path().join(format!("sw/seed={seed}"))).len(),
            1,
            "{:?}",
            tree(dir.path())
        );
    }
    assert_eq!(event_files(&dir.path().join("sw/summary")).len(), 1);
    assert!(!tree(dir.path()).iter().any(|p| p.ends_with(LOCK_FILE)));
}

#[test]
fn a_held_lock_names_its_holder_and_a_leftover_one_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("run")).unwrap();
    // A lock file left by a process that was killed: not held, so not in the way.
    fs::write(dir.path().join("run").join(LOCK_FILE), "pid 1 on gone\n").unwrap();
    let out = run(dir.path(), &["--logdir", "run", "--steps", "5", "-q"]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    assert_eq!(event_files(&dir.path().join("run")).len(), 1);

    // Held (by this test process): refused naming the holder, nothing written.
    fs::create_dir(dir.path().join("held")).unwrap();
    let lock = tbtrain::events::DirLock::exclusive(&dir.path().join("held")).unwrap();
    let out = run(dir.path(), &["--logdir", "held", "--steps", "5", "-q"]);
    let host = gethostname();
    support::assert_clean_failure(
        "held lock",
        &out,
        1,
        &[&format!(
            "tbtrain: held is in use by another tbtrain (pid {} on {host}): one writer per log directory",
            std::process::id()
        )],
    );
    assert_eq!(tree(&dir.path().join("held")), [LOCK_FILE]);
    // A sweep root too, sharded or not.
    let sweep = [
        "sweep", "--seeds", "1,2", "--steps", "5", "--logdir", "held", "-q",
    ];
    for shard in [&[][..], &["--shard", "0/2"]] {
        let mut args = sweep.to_vec();
        args.extend_from_slice(shard);
        let out = run(dir.path(), &args);
        support::assert_clean_failure("held sweep root", &out, 1, &["tbtrain: held is in use"]);
    }
    assert_eq!(tree(&dir.path().join("held")), [LOCK_FILE]);
    drop(lock);

    // Inspect and the "already used" check do not see a lock file.
    fs::write(dir.path().join("run").join(LOCK_FILE), "pid 1 on gone\n").unwrap();
    let out = run(dir.path(), &["inspect", "run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("run .: 1 event file, graph: yes\n"),
        "{text}"
    );
    assert!(!text.contains("problems"), "{text}");
    let out = run(
        dir.path(),
        &["--logdir", "empty-but-lock", "--steps", "5", "-q"],
    );
    assert!(out.status.success());
}

#[test]
fn shards_of_one_sweep_share_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = [
        "sweep", "--seeds", "1..4", "--steps", "2000", "--logdir", "sw", "-q",
    ];
    let children: Vec<Child> = (0..2)
        .map(|k| {
            let shard = format!("{k}/2");
            let mut args = sweep.to_vec();
            args.extend_from_slice(&["--shard", &shard]);
            tbtrain(dir.path())
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = output_with_timeout(child, Duration::from_secs(300));
        assert!(out.status.success(), "{}", support::stderr(&out));
    }
    for seed in 1..=4 {
        assert_eq!(
            event_files(&dir.path().join(format!("sw/seed={seed}"))).len(),
            1
        );
    }
    assert!(!dir.path().join("sw").join(LOCK_FILE).exists());
}

fn gethostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}
