//! A run never lands unannounced in a directory holding another run's event files (the
//! two would be merged by step in TensorBoard): `tbtrain` refuses with exit 1 and a line
//! naming `--overwrite`, touching nothing; `--overwrite` removes only the event files
//! directly in the run directory, nothing else.

mod support;

use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use tbtrain::data::{self, DatasetSpec};
use tbtrain::proto::hparams::Status;
use tbtrain::train::{self, TrainConfig};

use support::{assert_clean_failure, event_files, read_run, run, tree};

/// A run directory holding an earlier run's event file, a note, and a sub-run.
fn earlier_run(dir: &Path) -> Vec<u8> {
    let out = run(dir, &["--logdir", "run", "--steps", "7", "-q"]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    fs::write(dir.join("run/notes.md"), "keep me").unwrap();
    let sub = run(dir, &["--logdir", "run/sub", "--steps", "3", "-q"]);
    assert!(sub.status.success(), "{}", support::stderr(&sub));
    fs::read(&event_files(&dir.join("run"))[0]).unwrap()
}

#[test]
fn a_used_logdir_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = earlier_run(dir.path());
    let before = tree(dir.path());

    let out = run(dir.path(), &["--logdir", "run", "--steps", "5", "-q"]);
    assert_clean_failure(
        "second run into run/",
        &out,
        1,
        &[
            "tbtrain: run already holds event files of an earlier run; pass --overwrite to \
             replace them, or choose another --logdir",
        ],
    );
    assert_eq!(tree(dir.path()), before);
    assert_eq!(
        fs::read(&event_files(&dir.path().join("run"))[0]).unwrap(),
        bytes
    );

    // The library says the same, as a value.
    let mut config = TrainConfig::lesson(dir.path().join("run"));
    config.steps = 5;
    let data = data::load(&DatasetSpec::Xor, 1).unwrap();
    match train::train(&config, &data, &AtomicBool::new(false), &mut ()) {
        Err(train::Error::LogdirInUse { path }) => assert_eq!(path, dir.path().join("run")),
        other => panic!("{other:?}"),
    }
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn overwrite_removes_only_the_event_files() {
    let dir = tempfile::tempdir().unwrap();
    earlier_run(dir.path());
    let old = event_files(&dir.path().join("run"));
    let sub_before = event_files(&dir.path().join("run/sub"));

    let out = run(
        dir.path(),
        &["--logdir", "run", "--steps", "5", "--overwrite", "-q"],
    );
    assert!(out.status.success(), "{}", support::stderr(&out));

    let now = event_files(&dir.path().join("run"));
    assert_eq!(now.len(), 1);
    assert!(!old.contains(&now[0]), "the old file is still there");
    let log = read_run(&dir.path().join("run"));
    assert_eq!(log.steps("cost"), [0, 1, 2, 3, 4]);
    assert_eq!(log.session_end, [Status::Success]);
    assert_eq!(
        fs::read_to_string(dir.path().join("run/notes.md")).unwrap(),
        "keep me"
    );
    assert_eq!(event_files(&dir.path().join("run/sub")), sub_before);
}
