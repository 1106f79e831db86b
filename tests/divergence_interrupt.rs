//! A run that diverges, and runs stopped by a signal, all end cleanly: the divergence
//! with exit 1 and a message pointing at `--lr`; SIGINT (Ctrl-C), SIGTERM (`kill`, Slurm,
//! Kubernetes) and SIGHUP (a closed terminal), sent to the real binary mid-run, with exit
//! 128 + the signal's number (130, 143, 129) from `train`, `compare` and `sweep` alike.
//! Every one leaves complete, readable logs (no truncated record) whose hparams sessions
//! ended with status FAILURE, and a stopped sweep writes the summary of what finished.
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
use std::time::Duration;

use tbtrain::data::{self, DatasetSpec};
use tbtrain::nn::ActivationKind;
use tbtrain::proto::hparams::Status;
use tbtrain::train::{self, Divergence, Outcome, TrainConfig};

use support::{
    assert_clean_failure, assert_clean_last_line, has_event_file_of, output_with_timeout, read_run,
    run, send_signal, stderr, tbtrain, wait_for_event_file, wait_until,
};

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
    config.act = ActivationKind::Relu;
    config.lr = 1e6;
    config.steps = 1000;
    let data = data::load(&DatasetSpec::Xor, config.seed).unwrap();
    let report = train::train(&config, &data, &AtomicBool::new(false), &mut ()).unwrap();
    assert_eq!(
        report.outcome,
        Outcome::Diverged {
            step: 1,
            cause: Divergence::LearningRate
        }
    );
    assert_eq!(report.steps_done, 2);
    assert_eq!(
        read_run(&dir.path().join("run")).session_end,
        [Status::Failure]
    );
}

#[test]
fn amplifying_initial_weights_are_named_and_large_updates_blame_the_learning_rate() {
    let dir = tempfile::tempdir().unwrap();
    let diverge = |args: &[&str]| -> String {
        let mut all = args.to_vec();
        all.extend(["--logdir", "run", "--overwrite", "-q"]);
        let out = run(dir.path(), &all);
        let line = assert_clean_failure(&format!("{args:?}"), &out, 1, &["diverged at step"]);
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        line
    };
    // The README's deep maxout nets: U(-1, 1) weights (seeds 1, 3, 9 and 15 of 20) and He
    // weights diverge at the lesson's --lr 0.1, where Xavier's learn in every seed.
    // The limit is 1000, or 100 times the first cost when that is higher (He's: 15.9).
    for (init, seed, step, gain, limit) in [
        ("uniform", "1", 19, "2.7", 1000),
        ("uniform", "3", 7, "4.1", 1000),
        ("uniform", "9", 6, "3.1", 1000),
        ("uniform", "15", 4, "11.5", 1000),
        ("he", "2", 4, "10.2", 1591),
    ] {
        let line = diverge(&[
            "--act", "maxout", "--depth", "11", "--init", init, "--seed", seed,
        ]);
        assert_eq!(
            line,
            format!(
                "tbtrain: training diverged at step {step}: the cost became NaN, infinite or \
                 above {limit}: the initial weights (--init {init}) amplify the signal layer by \
                 layer: before any update the last hidden layer's activations were {gain} \
                 times the first's, and training compounded it (the initialization, not --lr \
                 0.1: try --init xavier, which keeps them level). What was logged is in run"
            )
        );
    }
    // Xavier's weights let the signal shrink: at --lr 10 the updates blow them up.
    let line = diverge(&[
        "--act", "maxout", "--depth", "11", "--init", "xavier", "--lr", "10",
    ]);
    assert_eq!(
        line,
        "tbtrain: training diverged at step 3: the cost became NaN, infinite or above 1000 \
         (--lr 10 is too large; try a smaller --lr). What was logged is in run"
    );
    // Both: amplifying weights and a first step 240,000 times their size.
    let line = diverge(&["--act", "maxout", "--depth", "11", "--lr", "1e6"]);
    assert!(
        line.contains("--lr 1000000 is too large (its first step was 2.4e5 times"),
        "{line}"
    );
    assert!(
        line.contains("the initial weights (--init uniform) amplify"),
        "{line}"
    );
    // The same diagnosis in compare, and in the library's outcome.
    let out = run(
        dir.path(),
        &[
            "compare",
            "--acts",
            "maxout,tanh",
            "--depth",
            "11",
            "--logdir",
            "cmp",
            "-q",
        ],
    );
    let err = stderr(&out);
    assert!(
        err.contains(
            "maxout diverged at step 19: the cost became NaN, infinite or above 1000: the \
             initial weights (--init uniform) amplify"
        ),
        "{err}"
    );
    let mut config = TrainConfig::lesson(dir.path().join("lib"));
    config.act = ActivationKind::Maxout;
    let data = data::load(&DatasetSpec::Xor, config.seed).unwrap();
    let report = train::train(&config, &data, &AtomicBool::new(false), &mut ()).unwrap();
    assert!(
        matches!(
            report.outcome,
            Outcome::Diverged { step: 19, cause: Divergence::InitialWeights { gain } }
                if (2.6..2.7).contains(&gain)
        ),
        "{:?}",
        report.outcome
    );
}

/// How long a stopped process may take to exit.
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// A signal, its name and the exit code it must give.
#[derive(Clone, Copy)]
struct Sig {
    number: i32,
    name: &'static str,
    code: i32,
}

const SIGINT: Sig = Sig {
    number: libc::SIGINT,
    name: "SIGINT",
    code: 130,
};
const SIGTERM: Sig = Sig {
    number: libc::SIGTERM,
    name: "SIGTERM",
    code: 143,
};
const SIGHUP: Sig = Sig {
    number: libc::SIGHUP,
    name: "SIGHUP",
    code: 129,
};

/// The first number in `text` after `prefix`.
fn number_after(text: &str, prefix: &str) -> i64 {
    let rest = &text[text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in {text:?}"))
        + prefix.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?} in {text:?}"))
}

/// A run stopped before step `step`: every step before it for every tag, the final
/// values at `step`, no problem, session FAILURE.
fn assert_complete_until(dir: &Path, step: i64, tags: &[&str]) {
    let log = read_run(dir);
    assert!(
        log.problems.is_empty(),
        "{}: {:?}",
        dir.display(),
        log.problems
    );
    let expected: Vec<i64> = (0..step).collect();
    for tag in tags {
        assert!(
            log.steps(tag) == expected,
            "{}: {tag}: steps are not 0..{step}",
            dir.display()
        );
    }
    assert_eq!(log.result().steps_done, step as u64, "{}", dir.display());
    assert_eq!(log.session_end, [Status::Failure], "{}", dir.display());
    let reports = tbtrain::inspect::scan(dir).unwrap();
    assert!(reports[0].problems.is_empty(), "{:?}", reports[0].problems);
}

/// `tbtrain train` stopped by `sig` mid-run.
fn train_stopped_by(sig: Sig) {
    let dir = tempfile::tempdir().unwrap();
    let child = tbtrain(dir.path())
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
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The handlers are installed before the event file is created; waiting for training
    // data to reach the file puts the signal in the middle of the run.
    wait_for_event_file(&dir.path().join("run"), 100_000);
    send_signal(&child, sig.number);
    let output = output_with_timeout(child, EXIT_TIMEOUT);
    let prefix = format!("tbtrain: interrupted by {} before step ", sig.name);
    let line = assert_clean_failure(
        sig.name,
        &output,
        sig.code,
        &[&prefix, "; the log so far is in run"],
    );
    let step = number_after(&line, &prefix);
    assert!(step > 0, "{line}");
    assert_complete_until(
        &dir.path().join("run"),
        step,
        &["cost", "accuracy", "grad_norm/layer1", "grad_norm/layer11"],
    );
}

#[test]
fn sigint_mid_train_exits_130_with_a_complete_log() {
    train_stopped_by(SIGINT);
}

#[test]
fn sigterm_mid_train_exits_143_with_a_complete_log() {
    train_stopped_by(SIGTERM);
}

#[test]
fn sighup_mid_train_exits_129_with_a_complete_log() {
    train_stopped_by(SIGHUP);
}

/// `tbtrain compare` stopped by `sig` while both runs train.
fn compare_stopped_by(sig: Sig) {
    let dir = tempfile::tempdir().unwrap();
    let child = tbtrain(dir.path())
        .args([
            "compare",
            "--depth",
            "3",
            "--steps",
            "2000000",
            "--log-every",
            "1",
            "--flush-secs",
            "0.2",
            "--jobs",
            "2",
            "--logdir",
            "logs",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for act in ["sigmoid", "relu"] {
        wait_for_event_file(&dir.path().join("logs").join(act), 100_000);
    }
    send_signal(&child, sig.number);
    let output = output_with_timeout(child, EXIT_TIMEOUT);
    assert_clean_last_line(
        sig.name,
        &output,
        sig.code,
        &[&format!(
            "tbtrain: interrupted by {}; the logs so far are in logs",
            sig.name
        )],
    );
    // The table is printed all the same, each run stopped at its own step.
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    let outcome = table
        .lines()
        .find(|l| l.starts_with("outcome"))
        .unwrap_or_else(|| panic!("no outcome row in:\n{table}"));
    let cells: Vec<&str> = outcome.split_whitespace().collect();
    assert_eq!(cells.len(), 7, "{outcome}");
    for (k, act) in ["sigmoid", "relu"].iter().enumerate() {
        assert_eq!(cells[1 + 3 * k..3 + 3 * k], ["stopped", "at"], "{outcome}");
        let step: i64 = cells[3 + 3 * k].parse().unwrap();
        assert!(step > 0, "{outcome}");
        assert_complete_until(
            &dir.path().join("logs").join(act),
            step,
            &["cost", "accuracy", "grad_norm/layer1", "grad_norm/layer3"],
        );
    }
}

#[test]
fn sigint_mid_compare_exits_130_with_complete_logs() {
    compare_stopped_by(SIGINT);
}

#[test]
fn sigterm_mid_compare_exits_143_with_complete_logs() {
    compare_stopped_by(SIGTERM);
}

#[test]
fn sighup_mid_compare_exits_129_with_complete_logs() {
    compare_stopped_by(SIGHUP);
}

/// Whether the run in `dir` has written its hparams session end.
fn session_ended(dir: &Path) -> bool {
    dir.is_dir()
        && support::event_files(dir)
            .first()
            .is_some_and(|file| !support::read_file(file).session_end.is_empty())
}

/// `tbtrain sweep` of three runs one at a time, stopped by `sig` once the first has
/// finished and the second is training: the first is kept as it is, the second is
/// stopped cleanly, the third never starts, and the summary of the two is written.
fn sweep_stopped_by(sig: Sig) {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("sweep");
    let child = tbtrain(dir.path())
        .args([
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
            "--jobs",
            "1",
            "--logdir",
            "sweep",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (first, second) = (sweep.join("seed=1"), sweep.join("seed=2"));
    wait_until("seed=1 finished and seed=2 training", EXIT_TIMEOUT, || {
        session_ended(&first) && has_event_file_of(&second, 20_000)
    });
    send_signal(&child, sig.number);
    let output = output_with_timeout(child, EXIT_TIMEOUT);
    assert_clean_last_line(
        sig.name,
        &output,
        sig.code,
        &[&format!(
            "tbtrain: interrupted by {}; 1 run not started, 2 runs in the summary; the same \
             command with --resume finishes the sweep",
            sig.name
        )],
    );
    assert!(!sweep.join("seed=3").exists());
    // seed=1 completed; seed=2 stopped cleanly before the step of its final values.
    assert_eq!(read_run(&first).session_end, [Status::Success]);
    let step = read_run(&second).result().steps_done as i64;
    assert!(step > 0);
    assert_complete_until(&second, step, &[]);
    let steps = read_run(&second).steps("cost").to_vec();
    assert_eq!(steps, (0..step).step_by(1000).collect::<Vec<_>>());

    // The summary of what finished: printed, written, and what the logs say.
    let md = fs::read_to_string(sweep.join("summary/summary.md")).unwrap();
    assert!(
        md.starts_with("2 runs in 1 configuration, 1 failed\n"),
        "{md}"
    );
    assert!(
        md.ends_with(&format!(
            "Failed runs:\n- `seed=2`: interrupted before step {step}\n"
        )),
        "{md}"
    );
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(printed.starts_with(md.trim_end()), "{printed}");
    let rebuilt = run(
        &sweep,
        &["sweep", "--summarize-only", "--logdir", ".", "-q"],
    );
    assert_eq!(rebuilt.status.code(), Some(0), "{}", stderr(&rebuilt));
    assert_eq!(
        fs::read_to_string(sweep.join("summary/summary.md")).unwrap(),
        md
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
fn sigint_mid_sweep_exits_130_and_writes_the_summary_of_what_finished() {
    sweep_stopped_by(SIGINT);
}

#[test]
fn sigterm_mid_sweep_exits_143_and_writes_the_summary_of_what_finished() {
    sweep_stopped_by(SIGTERM);
}

#[test]
fn sighup_mid_sweep_exits_129_and_writes_the_summary_of_what_finished() {
    sweep_stopped_by(SIGHUP);
}

/// The peak resident memory of process `pid` (`VmHWM`, in kB).
fn peak_resident_kb(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or_else(|| panic!("no VmHWM in {status}"));
    let kb = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim();
    kb.parse()
        .unwrap_or_else(|_| panic!("VmHWM is not a number of kB: {line:?}"))
}

/// Peak resident memory a run drawing its pictures may reach; the unbounded queue
/// passed it within a second.
const PICTURES_PEAK_KB: u64 = 200 * 1024;

/// A generous ceiling on the exit after SIGTERM, far above the milliseconds a stop takes
/// (the unbounded picture queue took minutes).
const PICTURES_EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// `tbtrain train` drawing pictures every `every` steps of `steps`, stopped by SIGTERM
/// after three seconds of training: exits promptly, memory stayed bounded, and the log
/// holds every picture step before the stop.
fn stop_while_drawing(every: u64, steps: &str) {
    let dir = tempfile::tempdir().unwrap();
    let every_text = every.to_string();
    let child = tbtrain(dir.path())
        .args([
            "--steps",
            steps,
            "--image-every",
            &every_text,
            "--log-every",
            "1000",
            "--hist-every",
            "0",
            "--flush-secs",
            "0.2",
            "--logdir",
            "run",
            "-q",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_event_file(&dir.path().join("run"), 1000);
    // Long enough for an unbounded queue to hold a hundred thousand pictures.
    std::thread::sleep(Duration::from_secs(3));
    let peak = peak_resident_kb(child.id());
    send_signal(&child, libc::SIGTERM);
    let output = output_with_timeout(child, PICTURES_EXIT_TIMEOUT);
    assert!(
        peak < PICTURES_PEAK_KB,
        "--image-every {every}: peak resident memory {peak} kB"
    );
    let prefix = "tbtrain: interrupted by SIGTERM before step ";
    let line = assert_clean_failure("pictures", &output, 143, &[prefix]);
    let step = number_after(&line, prefix);
    assert!(step > 0, "{line}");
    let log = read_run(&dir.path().join("run"));
    assert!(log.problems.is_empty(), "{:?}", log.problems);
    assert_eq!(log.result().steps_done, step as u64);
    assert_eq!(log.session_end, [Status::Failure]);
    // Every picture step asked for before the stop was drawn and written, in order.
    let expected: Vec<i64> = (0..step).step_by(every as usize).collect();
    for tag in ["decision_boundary", "vanishing_gradient"] {
        let steps = log.images.get(tag).map_or(&[][..], Vec::as_slice);
        assert!(
            steps == expected,
            "--image-every {every}: {tag} has {} pictures, {:?}..., for steps {:?}...",
            steps.len(),
            &steps[..steps.len().min(5)],
            &expected[..expected.len().min(5)]
        );
    }
}

#[test]
fn sigterm_while_drawing_every_step_exits_promptly_with_bounded_memory() {
    stop_while_drawing(1, "2000000");
}

#[test]
fn sigterm_while_drawing_every_10_steps_exits_promptly_with_bounded_memory() {
    stop_while_drawing(10, "1000000");
}
