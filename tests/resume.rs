//! `tbtrain sweep ... --resume`, run as the binary: a sweep stopped by SIGTERM or killed
//! with SIGKILL mid-run, run again with `--resume`, keeps the runs that finished (their
//! files untouched, byte for byte), redoes the others (replacing only their files), and
//! writes the summary an uninterrupted sweep writes, byte for byte. A diverged run is
//! kept; a run directory removed or cut short is redone; a shard resumes only its runs.
//! Without `--resume` a used log directory is still refused, and `--resume` with other
//! settings than the finished runs' is refused with nothing touched.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use tbtrain::proto::hparams::Status;

use support::{
    event_file_bytes, event_files, has_event_file_of, output_with_timeout, read_file, read_run,
    run, send_signal, stderr, tbtrain, wait_until,
};

/// Three runs of one million steps (about a second each, logging little).
const LONG: [&str; 17] = [
    "sweep",
    "--act",
    "relu",
    "--depth",
    "3",
    "--seeds",
    "1..3",
    "--steps",
    "1000000",
    "--log-every",
    "1000",
    "--hist-every",
    "0",
    "--image-every",
    "0",
    "--flush-secs",
    "0.2",
];

/// [`LONG`] trained one run at a time, so that a signal can land when one run has
/// finished and the next is training.
const ONE_AT_A_TIME: [&str; 2] = ["--jobs", "1"];

const TIMEOUT: Duration = Duration::from_secs(120);

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `tbtrain args` in `dir`; it must exit 0. Returns its stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let output = run(dir, args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "tbtrain {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// `args` with `--logdir logdir` (and `extra`) appended.
fn with_logdir<'a>(args: &[&'a str], logdir: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--logdir", logdir]);
    all.extend(extra);
    all
}

/// `summary.md` and `summary.csv` of a sweep directory (in its run `summary`).
fn summary_files(logdir: &Path) -> [Vec<u8>; 2] {
    ["summary.md", "summary.csv"].map(|f| {
        fs::read(logdir.join("summary").join(f))
            .unwrap_or_else(|e| panic!("{}/{f}: {e}", logdir.display()))
    })
}

/// The uninterrupted [`LONG`] sweep's summary files (made once per test process).
fn reference() -> &'static [Vec<u8>; 2] {
    static REFERENCE: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("resume-reference");
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        // Two at a time: the summary does not depend on --jobs.
        let args = with_logdir(&LONG, "ref", &["--jobs", "2", "-q"]);
        ok(&root, &args);
        summary_files(&root.join("ref"))
    })
}

/// Whether the run in `dir` has written its hparams session end.
fn session_ended(dir: &Path) -> bool {
    dir.is_dir()
        && event_files(dir)
            .first()
            .is_some_and(|file| !read_file(file).session_end.is_empty())
}

/// Starts the [`LONG`] sweep into `<dir>/sweep` and sends `signal` once `seed=1` has
/// finished and `seed=2` is training. Returns what the sweep left: its output.
fn stop_long_sweep(dir: &Path, signal: i32) -> Output {
    let child = tbtrain(dir)
        .args(with_logdir(&LONG, "sweep", &ONE_AT_A_TIME))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let sweep = dir.join("sweep");
    wait_until("seed=1 finished and seed=2 training", TIMEOUT, || {
        session_ended(&sweep.join("seed=1")) && has_event_file_of(&sweep.join("seed=2"), 20_000)
    });
    send_signal(&child, signal);
    output_with_timeout(child, TIMEOUT)
}

/// Runs the [`LONG`] sweep again with `--resume` into `<dir>/sweep`, where `kept` runs
/// had finished, and checks it ends as an uninterrupted sweep: the reference summary,
/// the finished runs untouched, one clean event file per run and at the root.
fn resume_long_sweep(dir: &Path, kept: usize) {
    let sweep = dir.join("sweep");
    let finished: BTreeMap<String, Vec<u8>> = event_file_bytes(&sweep)
        .into_iter()
        .filter(|(rel, _)| rel.starts_with("seed=1/"))
        .collect();
    assert_eq!(finished.len(), 1, "{:?}", finished.keys());
    let printed = ok(
        dir,
        &with_logdir(&LONG, "sweep", &["--jobs", "1", "--resume"]),
    );
    assert!(
        printed.starts_with(&format!(
            "resumed: {kept} of 3 runs had finished and were kept\n\n3 runs in 1 configuration, 0 failed\n"
        )),
        "{printed}"
    );
    assert!(summary_files(&sweep) == *reference(), "summary differs");
    let after = event_file_bytes(&sweep);
    for (rel, bytes) in &finished {
        assert!(after.get(rel) == Some(bytes), "{rel} was touched");
    }
    for run in ["seed=1", "seed=2", "seed=3"] {
        let log = read_run(&sweep.join(run));
        assert!(log.problems.is_empty(), "{run}: {:?}", log.problems);
        assert_eq!(log.session_end, [Status::Success], "{run}");
        assert_eq!(log.result().steps_done, 1_000_000, "{run}");
    }
    assert_eq!(
        event_files(&sweep.join("summary")).len(),
        1,
        "one summary event file"
    );
    for report in tbtrain::inspect::scan(&sweep).unwrap() {
        assert!(
            report.problems.is_empty(),
            "{}: {:?}",
            report.run,
            report.problems
        );
    }
}

#[test]
fn sigterm_mid_sweep_then_resume_writes_the_uninterrupted_summary() {
    let dir = tempfile::tempdir().unwrap();
    let output = stop_long_sweep(dir.path(), libc::SIGTERM);
    assert_eq!(output.status.code(), Some(143), "{}", stderr(&output));
    // The stopped sweep's summary lists the interrupted run; seed=3 never started.
    let sweep = dir.path().join("sweep");
    let md = fs::read_to_string(sweep.join("summary/summary.md")).unwrap();
    assert!(
        md.starts_with("2 runs in 1 configuration, 1 failed\n"),
        "{md}"
    );
    assert!(md.contains("- `seed=2`: interrupted before step "), "{md}");
    assert!(!sweep.join("seed=3").exists());
    assert_eq!(
        read_run(&sweep.join("seed=2")).session_end,
        [Status::Failure]
    );
    resume_long_sweep(dir.path(), 1);
}

#[test]
fn sigkill_mid_sweep_then_resume_writes_the_uninterrupted_summary() {
    let dir = tempfile::tempdir().unwrap();
    let output = stop_long_sweep(dir.path(), libc::SIGKILL);
    assert_eq!(output.status.code(), None, "killed: {:?}", output.status);
    // Killed: no summary, seed=2 without a session end (and maybe a cut last record).
    let sweep = dir.path().join("sweep");
    assert!(!sweep.join("summary/summary.md").exists());
    let killed = read_run(&sweep.join("seed=2"));
    assert!(killed.session_end.is_empty());
    assert!(killed.problems.iter().all(|(truncated, _)| *truncated));
    resume_long_sweep(dir.path(), 1);
}

/// The event file of run `name` in `logdir`.
fn event_file(logdir: &Path, name: &str) -> PathBuf {
    let files = event_files(&logdir.join(name));
    assert_eq!(files.len(), 1, "{name}");
    files[0].clone()
}

#[test]
fn a_diverged_run_is_kept_and_a_removed_or_cut_run_is_redone() {
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "sweep", "--act", "relu", "--lr", "0.1,1e6", "--seeds", "1..2", "--steps", "300", "-q",
    ];
    let args = with_logdir(&flags, "d", &[]);
    ok(dir.path(), &args);
    let logdir = dir.path().join("d");
    let uninterrupted = summary_files(&logdir);
    let md = String::from_utf8_lossy(&uninterrupted[0]).into_owned();
    assert!(
        md.contains("- `lr=1000000,seed=1`: diverged at step "),
        "{md}"
    );

    // A run never started, and one killed mid-write (its last records cut off).
    fs::remove_dir_all(logdir.join("lr=0.1,seed=2")).unwrap();
    let cut = event_file(&logdir, "lr=0.1,seed=1");
    let len = fs::metadata(&cut).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&cut)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let before = event_file_bytes(&logdir);

    let mut again = with_logdir(&flags, "d", &["--resume"]);
    again.retain(|a| *a != "-q");
    let printed = ok(dir.path(), &again);
    assert!(
        printed.starts_with("resumed: 2 of 4 runs had finished and were kept\n\n"),
        "{printed}"
    );
    assert!(summary_files(&logdir) == uninterrupted, "summary differs");
    let after = event_file_bytes(&logdir);
    for name in ["lr=1000000,seed=1", "lr=1000000,seed=2"] {
        let kept: Vec<_> = before.keys().filter(|k| k.starts_with(name)).collect();
        assert_eq!(kept.len(), 1, "{name}");
        assert!(
            after.get(kept[0]) == before.get(kept[0]),
            "{name} was touched"
        );
    }
    // The cut run's file was replaced by a new one, complete.
    let redone = event_file(&logdir, "lr=0.1,seed=1");
    assert_ne!(redone, cut);
    let log = read_file(&redone);
    assert!(log.problems.is_empty(), "{:?}", log.problems);
    assert_eq!(log.session_end, [Status::Success]);
    assert_eq!(
        read_run(&logdir.join("lr=0.1,seed=2")).session_end,
        [Status::Success]
    );
}

#[test]
fn resume_is_refused_with_other_settings_and_a_used_logdir_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "sweep", "--seeds", "1,2", "--steps", "5", "--depth", "2", "-q",
    ];
    // Into a fresh directory, --resume is a plain sweep.
    let fresh = ok(dir.path(), &with_logdir(&flags, "fresh", &["--resume"]));
    assert_eq!(fresh, "");
    ok(dir.path(), &with_logdir(&flags, "plain", &[]));
    let plain = dir.path().join("plain");
    assert!(summary_files(&dir.path().join("fresh")) == summary_files(&plain));
    let tree = support::tree(&plain);
    let bytes = event_file_bytes(&plain);

    let refused = run(dir.path(), &with_logdir(&flags, "plain", &[]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("already holds event files of an earlier run"),
        "{}",
        stderr(&refused)
    );
    let mut other = with_logdir(&flags, "plain", &["--resume"]);
    let steps = other.iter().position(|a| *a == "5").unwrap();
    other[steps] = "6";
    let mismatch = run(dir.path(), &other);
    assert_eq!(mismatch.status.code(), Some(1));
    assert_eq!(
        stderr(&mismatch),
        "tbtrain: cannot resume: plain/seed=1 holds a finished run with steps 5, where this \
         sweep has steps 6; --resume continues the same sweep: pass --overwrite to redo every \
         run, or choose another --logdir\n"
    );
    for conflict in [
        ["--resume", "--overwrite"],
        ["--resume", "--summarize-only"],
    ] {
        let mut args = vec!["sweep", "--logdir", "plain"];
        args.extend(conflict);
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{conflict:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(support::tree(&plain), tree);
    assert!(event_file_bytes(&plain) == bytes, "files were touched");

    // A finished sweep resumed keeps every run and rewrites only the root run.
    let mut all = with_logdir(&flags, "plain", &["--resume"]);
    all.retain(|a| *a != "-q");
    let printed = ok(dir.path(), &all);
    assert!(
        printed.starts_with("resumed: 2 of 2 runs had finished and were kept\n\n"),
        "{printed}"
    );
    let after = event_file_bytes(&plain);
    // Every run's files stay as they were (the summary run is written again).
    for (rel, data) in bytes
        .iter()
        .filter(|(rel, _)| rel.contains('/') && !rel.starts_with("summary/"))
    {
        assert!(after.get(rel) == Some(data), "{rel} was touched");
    }
}

#[test]
fn a_shard_resumes_only_its_own_runs() {
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "sweep", "--seeds", "1..4", "--steps", "50", "--depth", "2", "-q",
    ];
    ok(dir.path(), &with_logdir(&flags, "ref", &[]));
    for shard in ["0/2", "1/2"] {
        ok(dir.path(), &with_logdir(&flags, "d", &["--shard", shard]));
    }
    let logdir = dir.path().join("d");
    // seed=2 is run 1: shard 1/2's.
    fs::remove_dir_all(logdir.join("seed=2")).unwrap();
    let before = event_file_bytes(&logdir);
    let mut args = with_logdir(&flags, "d", &["--shard", "1/2", "--resume"]);
    args.retain(|a| *a != "-q");
    let printed = ok(dir.path(), &args);
    assert!(
        printed.starts_with(
            "shard 1/2: 2 runs of the sweep\nresumed: 1 of 2 runs had finished and were kept\n\n"
        ),
        "{printed}"
    );
    let after = event_file_bytes(&logdir);
    assert_eq!(after.len(), 4, "{:?}", after.keys());
    for (rel, data) in &before {
        assert!(after.get(rel) == Some(data), "{rel} was touched");
    }
    // A shard writes no root run; the summary comes once every shard is done.
    assert!(event_files(&logdir).is_empty());
    ok(
        dir.path(),
        &["sweep", "--summarize-only", "--logdir", "d", "-q"],
    );
    assert!(summary_files(&logdir) == summary_files(&dir.path().join("ref")));
}

#[test]
fn a_sweep_over_a_csv_whose_path_holds_control_characters_resumes() {
    let dir = tempfile::tempdir().unwrap();
    // A tab, an escape sequence, a bidi override and a non-ASCII letter in the path.
    let name = "a\tb\x1b[31m\u{202e}é.csv";
    fs::write(dir.path().join(name), "0,0,0\n0,1,1\n1,0,1\n1,1,0\n").unwrap();
    // Two datasets, so that the dataset is a column of the summary.
    let dataset = format!("csv:{name},xor");
    let flags = [
        "sweep",
        "--dataset",
        &dataset,
        "--seeds",
        "1,2",
        "--steps",
        "5",
        "--depth",
        "2",
        "-q",
    ];
    ok(dir.path(), &with_logdir(&flags, "sw", &[]));
    let logdir = dir.path().join("sw");
    let before = summary_files(&logdir);
    let bytes = event_file_bytes(&logdir);
    let resumed = run(dir.path(), &with_logdir(&flags, "sw", &["--resume"]));
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert_eq!(stderr(&resumed), "");
    assert!(summary_files(&logdir) == before);
    // Every run kept as it was (the summary run is rewritten).
    let runs = |b: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        b.iter()
            .filter(|(k, _)| !k.starts_with("summary/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert!(runs(&event_file_bytes(&logdir)) == runs(&bytes));
    // Not quiet: it says so, with the path shown escaped on the terminal.
    let mut loud: Vec<&str> = with_logdir(&flags, "sw", &["--resume"]);
    loud.retain(|a| *a != "-q");
    let out = ok(dir.path(), &loud);
    assert!(
        out.starts_with("resumed: 4 of 4 runs had finished and were kept\n"),
        "{out}"
    );
    // The markdown shows the path escaped, one line per row; the CSV holds it as it is.
    let md = String::from_utf8(before[0].clone()).unwrap();
    assert!(md.contains("csv:a\\tb\\x1b[31m\\u{202e}é.csv"), "{md}");
    let csv = String::from_utf8(before[1].clone()).unwrap();
    assert!(csv.contains(&format!("csv:{name}")), "{csv}");
    // And --summarize-only rebuilds the same files.
    ok(
        dir.path(),
        &["sweep", "--summarize-only", "--logdir", "sw", "-q"],
    );
    assert!(summary_files(&logdir) == before);
}

#[test]
fn a_finished_sweep_resumed_with_other_lists_is_refused_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let flags = |lr: &'static str, seeds: &'static str| -> Vec<&'static str> {
        vec![
            "sweep", "--lr", lr, "--seeds", seeds, "--steps", "5", "--depth", "2", "--logdir",
            "sw", "-q",
        ]
    };
    ok(dir.path(), &flags("0.1,1000000", "1"));
    let logdir = dir.path().join("sw");
    let before = summary_files(&logdir);
    let bytes = event_file_bytes(&logdir);
    let tree = support::tree(&logdir);
    let hint = "; --resume continues the same sweep: pass --overwrite to redo every run, or \
                choose another --logdir\n";
    for (lr, seeds, message) in [
        // One value changed: the runs of the other value exist in both.
        (
            "0.2,1000000",
            "1",
            "sw/lr=1000000,seed=1 was made by a sweep with lr 0.1, 1000000, where this sweep \
             has lr 0.2, 1000000",
        ),
        // A value added.
        (
            "0.1,5,1000000",
            "1",
            "sw/lr=0.1,seed=1 was made by a sweep with lr 0.1, 1000000, where this sweep has \
             lr 0.1, 5, 1000000",
        ),
        // No run in common.
        (
            "0.3,0.4",
            "1",
            "sw/lr=0.1,seed=1 was made by a sweep with lr 0.1, 1000000, where this sweep has \
             lr 0.3, 0.4",
        ),
        // More seeds.
        (
            "0.1,1000000",
            "1..12",
            "sw/lr=0.1,seed=1 was made by a sweep with seed 1, where this sweep has seed 1..12",
        ),
    ] {
        let mut args = flags(lr, seeds);
        args.push("--resume");
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{lr} {seeds}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("tbtrain: cannot resume: {message}{hint}"),
            "{lr} {seeds}"
        );
        // Nothing trained, nothing touched.
        assert_eq!(support::tree(&logdir), tree, "{lr} {seeds}");
        assert!(event_file_bytes(&logdir) == bytes, "{lr} {seeds}");
        assert!(summary_files(&logdir) == before, "{lr} {seeds}");
    }
    // The same lists resume (nothing to do), and --summarize-only agrees.
    let mut same = flags("0.1,1000000", "1");
    same.push("--resume");
    ok(dir.path(), &same);
    assert!(summary_files(&logdir) == before);
    ok(
        dir.path(),
        &["sweep", "--summarize-only", "--logdir", "sw", "-q"],
    );
    assert!(summary_files(&logdir) == before);
}
