//! Long-running commands whose standard error or output is full (`/dev/full`) or a
//! closed pipe: `sweep` and `compare` print one progress line per finished run on
//! stderr; a line that cannot be written is dropped, the runs go on, and the sweep
//! writes its summary.

mod support;

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::{event_files, output_with_timeout, tbtrain};

const SWEEP: &[&str] = &[
    "sweep", "--act", "relu", "--seeds", "1..3", "--steps", "30", "--depth", "3", "--logdir", "sw",
];
const COMPARE: &[&str] = &[
    "compare",
    "--acts",
    "sigmoid,relu",
    "--steps",
    "30",
    "--depth",
    "3",
    "--logdir",
    "cmp",
];

/// Runs `args` in `dir` with standard error going to `stderr` and stdout captured.
fn run_with_stderr(dir: &Path, args: &[&str], stderr: Stdio) -> Output {
    let child = tbtrain(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    output_with_timeout(child, Duration::from_secs(120))
}

/// A pipe whose read end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let mut cat = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
    let pipe = cat.stdin.take().unwrap();
    cat.wait().unwrap();
    Stdio::from(pipe)
}

fn assert_no_panic(what: &str, out: &Output) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("panicked"), "{what}: {all}");
}

/// The sweep's three runs each have one event file and the summary files are written.
fn assert_sweep_done(root: &Path) {
    for seed in 1..=3 {
        let run = root.join(format!("seed={seed}"));
        assert_eq!(event_files(&run).len(), 1, "{}", run.display());
    }
    let md = fs::read_to_string(root.join("summary/summary.md")).unwrap();
    assert!(md.starts_with("3 runs in 1 configuration"), "{md}");
    assert!(root.join("summary/summary.csv").is_file());
}

#[test]
fn a_sweep_with_a_full_stderr_finishes_and_writes_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let full = Stdio::from(File::create("/dev/full").unwrap());
    let out = run_with_stderr(dir.path(), SWEEP, full);
    assert_no_panic("sweep 2>/dev/full", &out);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("summary: "));
    assert_sweep_done(&dir.path().join("sw"));
}

#[test]
fn a_sweep_with_stderr_a_closed_pipe_finishes_and_writes_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with_stderr(dir.path(), SWEEP, closed_pipe());
    assert_no_panic("sweep 2>closed pipe", &out);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_sweep_done(&dir.path().join("sw"));
}

#[test]
fn a_sweep_with_stdout_and_stderr_full_writes_its_summary_and_says_so_by_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let child = tbtrain(dir.path())
        .args(SWEEP)
        .stdout(Stdio::from(File::create("/dev/full").unwrap()))
        .stderr(Stdio::from(File::create("/dev/full").unwrap()))
        .spawn()
        .unwrap();
    let out = output_with_timeout(child, Duration::from_secs(120));
    // The summary cannot be printed: exit 1 (its error line cannot be printed either);
    // the files hold it.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_sweep_done(&dir.path().join("sw"));
}

#[test]
fn compare_with_a_full_or_closed_stderr_completes_both_runs() {
    for (what, stderr) in [
        (
            "2>/dev/full",
            Stdio::from(File::create("/dev/full").unwrap()),
        ),
        ("2>closed pipe", closed_pipe()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = run_with_stderr(dir.path(), COMPARE, stderr);
        assert_no_panic(what, &out);
        assert_eq!(out.status.code(), Some(0), "{what}: {out:?}");
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(table.contains("30 steps"), "{what}: {table}");
        for act in ["sigmoid", "relu"] {
            assert_eq!(event_files(&dir.path().join("cmp").join(act)).len(), 1);
        }
    }
}

#[test]
fn train_with_a_full_stderr_and_a_failure_still_exits_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let full = Stdio::from(File::create("/dev/full").unwrap());
    let out = run_with_stderr(dir.path(), &["--depth", "0"], full);
    assert_no_panic("--depth 0 2>/dev/full", &out);
    assert_eq!(out.status.code(), Some(2));
    assert!(fs::read_dir(dir.path()).unwrap().next().is_none());
}
