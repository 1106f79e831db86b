//! A run that diverges, and a run stopped with Ctrl-C, both end cleanly: the divergence
//! with exit 1 and a message pointing at `--lr`, the interrupt with exit 130; both leave
//! a complete, readable log whose hparams session ended with status FAILURE.
//!
//! The lesson's default network (11 sigmoid layers) does not reach a non-finite cost even
//! at `--lr 1e6`: its sigmoids saturate and the clamped cost stays at 8.06. A ReLU
//! network at that rate overflows at step 1, so the divergence runs use `--act relu`.
#![cfg(unix)]

mod support;

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::thread;
use std::time::{Duration, Instant};

use tbtrain::data::{self, DatasetSpec};
use tbtrain::nn::Activation;
use tbtrain::proto::hparams::Status;
use tbtrain::train::{self, Outcome, TrainConfig};

use support::{assert_clean_failure, read_run, run, stderr, tbtrain};

#[test]
fn huge_learning_rate_diverges_with_a_clear_message_and_a_failed_session() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &[
            // The lesson's defaults (11-layer sigmoid) with a huge learning rate.
            "--lr", "1e6", "--steps", "1000", "--logdir", "run", "-q",
        ],
    );
    assert_clean_failure(
        "--lr 1e6",
        &output,
        1,
        &[
            "tbtrain: training diverged at step 1: the cost became NaN, infinite or above 1000",
            "(--lr 1000000 is too large; try a smaller --lr)",
            "What was logged is in run",
        ],
    );
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));

    let log = read_run(&dir.path().join("run"));
    assert!(log.problems.is_empty(), "{:?}", log.problems);
    // Step 0's cost was finite and logged; step 1's was not.
    assert_eq!(log.steps("cost"), [0]);
    assert_eq!(log.session_end, [Status::Failure]);

    let reports = tbtrain::inspect::scan(&dir.path().join("run")).unwrap();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].problems.is_empty(), "{:?}", reports[0].problems);
}

#[test]
fn the_library_reports_divergence_as_an_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TrainConfig::lesson(dir.path().join("run"));
    config.act = Activation::Relu;
    config.lr = 1e6;
    config.steps = 1000;
    let data = data::load(&DatasetSpec::Xor, config.seed).unwrap();
    let report = train::train(&config, &data, &AtomicBool::new(false), &mut ()).unwrap();
    assert_eq!(report.outcome, Outcome::Diverged { step: 1 });
    assert_eq!(report.steps_done, 2);
    assert_eq!(
        read_run(&dir.path().join("run")).session_end,
        [Status::Failure]
    );
}

/// Waits up to `timeout` for `child` to exit.
fn wait_with_timeout(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("tbtrain did not exit within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `dir` holds an event file of at least `bytes` bytes.
fn wait_for_event_file(dir: &Path, bytes: u64) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let grown = fs::read_dir(dir).ok().is_some_and(|entries| {
            entries.flatten().any(|e| {
                e.file_name().to_string_lossy().contains("tfevents")
                    && e.metadata().is_ok_and(|m| m.len() >= bytes)
            })
        });
        if grown {
            return;
        }
        thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "no event file of {bytes} bytes in {} after 20 s",
        dir.display()
    );
}

#[test]
fn ctrl_c_mid_run_exits_130_with_a_complete_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tbtrain(dir.path())
        .args([
            "--steps",
            "2000000",
            "--log-every",
            "1",
            "--flush-secs",
            "0.2",
            "--logdir",
            "run",
            "-q",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The Ctrl-C handler is installed before the event file is created; waiting for
    // training data to reach the file puts the signal in the middle of the run.
    wait_for_event_file(&dir.path().join("run"), 100_000);
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = wait_with_timeout(&mut child, Duration::from_secs(20));
    let output = std::process::Output {
        status,
        stdout: Vec::new(),
        stderr: std::io::read_to_string(child.stderr.take().unwrap())
            .unwrap()
            .into_bytes(),
    };
    let line = assert_clean_failure(
        "SIGINT",
        &output,
        130,
        &[
            "tbtrain: interrupted before step ",
            "; the log so far is in run",
        ],
    );
    let step: i64 = line["tbtrain: interrupted before step ".len()..]
        .split(';')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(step > 0, "{line}");

    // Complete: every step before the interrupt, every tag, no problem, session closed.
    let log = read_run(&dir.path().join("run"));
    assert!(log.problems.is_empty(), "{:?}", log.problems);
    let expected: Vec<i64> = (0..step).collect();
    for tag in ["cost", "accuracy", "grad_norm/layer1", "grad_norm/layer11"] {
        assert!(log.steps(tag) == expected, "{tag}: steps are not 0..{step}");
    }
    assert_eq!(log.session_end, [Status::Failure]);
    let reports = tbtrain::inspect::scan(&dir.path().join("run")).unwrap();
    assert!(reports[0].problems.is_empty(), "{:?}", reports[0].problems);
}
