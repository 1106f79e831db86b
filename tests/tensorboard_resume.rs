//! Resuming a run (`WriterOptions::purge_step`) in the REAL TensorBoard, with both loaders
//! (`--load_fast=true`, the Rust data server, and `false`, the Python one).
//!
//! A first session logs steps 0 to 9 (scalars, `add_scalars` series, a histogram every 4
//! steps, an image at 0, 5 and 9, text at 0 and 7) and "crashes". A second session resumes
//! at step 5 and logs fewer tags and steps. TensorBoard must show one clean series per
//! tag: the first session's points before step 5, the second's from it on; the crashed
//! run's later histogram, images and text gone, and a series the second session never
//! touches (`acc_val`) cut at step 5 too. A third session, resumed at step 6 after the
//! second, purges again.
//!
//! Crash safety: a resume only appends a new file, so a kill at any moment of it leaves a
//! prefix of that file. `a_kill_at_any_stage_of_a_resume_loses_nothing_before_the_step`
//! serves the runs left by every such prefix (cut at each record boundary and inside the
//! purge record), plus two processes really killed with SIGKILL (just after the resume,
//! and mid-session with the non-blocking writer), and checks that every point before the
//! purge step is still served, and that the purge holds once its records are complete.
//!
//! Skips (loudly) without the venv from `scripts/setup-venv.sh`, unless
//! `TBTRAIN_REQUIRE_TENSORBOARD=1`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tbtrain::events::files::event_files;
use tbtrain::events::{record, WriterOptions};
use tbtrain::SummaryWriter;

use common::harness::Need;
use common::{TensorBoard, DEFAULT_TIMEOUT};

fn main() {
    // Started by `kill_a_resume` as the process to kill: do that and nothing else.
    if std::env::var_os(CHILD_RUN_ENV).is_some() {
        child_process_resumes_then_kills_itself();
    }
    common::harness::main(vec![
        trial!(
            a_resumed_run_reads_as_one_clean_series_in_both_loaders,
            Need::TensorBoard
        ),
        trial!(
            a_kill_at_any_stage_of_a_resume_loses_nothing_before_the_step,
            Need::TensorBoard
        ),
    ]);
}

/// The step every resume here restarts at (the third session: [`SECOND_RESUME`]).
const RESUME: i64 = 5;
const SECOND_RESUME: i64 = 6;
/// Image size (tiny: the pixels do not matter here).
const W: u32 = 2;
const H: u32 = 1;

/// A scalar value that says which session wrote it: 100 + step, 200 + step, ...
fn value(session: i64, step: i64) -> f32 {
    (100 * session + step) as f32
}

fn pixels(step: i64) -> Vec<u8> {
    vec![step as u8; (W * H * 3) as usize]
}

/// Session 1, the one that crashes: steps 0..=9 of everything. With `sub_runs`, the
/// `add_scalars` chart `acc` too.
fn session_one(run: &Path, sub_runs: bool) {
    let mut w = SummaryWriter::new(run).unwrap();
    for step in 0..10 {
        w.add_scalar("loss", value(1, step), step).unwrap();
        if sub_runs {
            let v = value(1, step);
            w.add_scalars("acc", &[("train", v), ("test", v), ("val", v)], step)
                .unwrap();
        }
        if step % 4 == 0 {
            w.add_histogram("w", &[step as f32; 3], step).unwrap();
        }
        if [0, 5, 9].contains(&step) {
            w.add_image("img", &pixels(step), W, H, step).unwrap();
        }
        if [0, 7].contains(&step) {
            w.add_text("notes", &format!("session 1 step {step}"), step)
                .unwrap();
        }
    }
    // Crashed: no close; what reached the file is what the drop flushed.
    drop(w);
}

fn resumed(run: &Path, step: i64, non_blocking: bool) -> SummaryWriter {
    let options = WriterOptions {
        purge_step: Some(step),
        non_blocking,
        ..Default::default()
    };
    SummaryWriter::with_options(run, options).unwrap()
}

/// Session 2: resumes at [`RESUME`]; `loss` 5..=7, `acc` train/test 5..=6 (not `val`),
/// one histogram at 6, text at 6, no image.
fn session_two(run: &Path, non_blocking: bool) {
    let mut w = resumed(run, RESUME, non_blocking);
    for step in RESUME..=7 {
        w.add_scalar("loss", value(2, step), step).unwrap();
        if step <= 6 {
            let v = value(2, step);
            w.add_scalars("acc", &[("train", v), ("test", v)], step)
                .unwrap();
        }
        if step == 6 {
            w.add_histogram("w", &[step as f32; 3], step).unwrap();
            w.add_text("notes", "session 2 step 6", step).unwrap();
        }
    }
    w.close().unwrap();
}

/// Session 3: resumes at [`SECOND_RESUME`]; `loss` 6..=8 only.
fn session_three(run: &Path) {
    let mut w = resumed(run, SECOND_RESUME, false);
    for step in SECOND_RESUME..=8 {
        w.add_scalar("loss", value(3, step), step).unwrap();
    }
    w.close().unwrap();
}

/// What one run should serve.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    loss: Vec<(i64, f64)>,
    /// Per `add_scalars` sub-run (`acc_train`, ...), its `(step, value)` points.
    acc: Vec<(&'static str, Vec<(i64, f64)>)>,
    histogram_steps: Vec<i64>,
    image_steps: Vec<i64>,
    text_steps: Vec<i64>,
}

/// `(step, value(session, step))` for each step of each `(session, steps)` part.
fn points(parts: &[(i64, std::ops::RangeInclusive<i64>)]) -> Vec<(i64, f64)> {
    parts
        .iter()
        .flat_map(|(session, steps)| {
            steps
                .clone()
                .map(move |s| (s, f64::from(value(*session, s))))
        })
        .collect()
}

fn after_two() -> Expected {
    let acc = points(&[(1, 0..=4), (2, 5..=6)]);
    Expected {
        loss: points(&[(1, 0..=4), (2, 5..=7)]),
        acc: vec![
            ("acc_train", acc.clone()),
            ("acc_test", acc),
            ("acc_val", points(&[(1, 0..=4)])),
        ],
        histogram_steps: vec![0, 4, 6],
        image_steps: vec![0],
        text_steps: vec![0, 6],
    }
}

fn after_three() -> Expected {
    let acc = points(&[(1, 0..=4), (2, 5..=5)]);
    Expected {
        loss: points(&[(1, 0..=4), (2, 5..=5), (3, 6..=8)]),
        acc: vec![
            ("acc_train", acc.clone()),
            ("acc_test", acc),
            ("acc_val", points(&[(1, 0..=4)])),
        ],
        histogram_steps: vec![0, 4],
        image_steps: vec![0],
        text_steps: vec![0],
    }
}

/// The crashed session alone, as far as TensorBoard shows it (`acc` not written).
fn unpurged() -> Expected {
    Expected {
        loss: points(&[(1, 0..=9)]),
        acc: Vec::new(),
        histogram_steps: vec![0, 4, 8],
        image_steps: vec![0, 5, 9],
        text_steps: vec![0, 7],
    }
}

/// Only what is before [`RESUME`], without a session after it.
fn purged_only() -> Expected {
    Expected {
        loss: points(&[(1, 0..=4)]),
        acc: Vec::new(),
        histogram_steps: vec![0, 4],
        image_steps: vec![0],
        text_steps: vec![0],
    }
}

// ---- reading a run back --------------------------------------------------------------

fn route(plugin: &str, kind: &str, run: &str, tag: &str) -> String {
    format!(
        "/data/plugin/{plugin}/{kind}?{}",
        common::query(&[("run", run), ("tag", tag)])
    )
}

/// The steps of a `[{"step": ...}, ...]` or `[[wall, step, ...], ...]` answer.
fn steps_of(json: &Value) -> Option<Vec<i64>> {
    json.as_array()?
        .iter()
        .map(|e| e.get("step").or_else(|| e.get(1)).and_then(Value::as_i64))
        .collect()
}

/// What `run` serves now, or why it cannot be read yet (a run or tag not loaded).
fn served(tb: &TensorBoard, run: &str, acc_runs: &[&'static str]) -> Result<Expected, String> {
    let loss_json = tb.try_get_json(&route("scalars", "scalars", run, "loss"))?;
    let loss: Vec<(f64, i64, f64)> =
        serde_json::from_value(loss_json).map_err(|e| e.to_string())?;
    let mut acc = Vec::new();
    for sub in acc_runs {
        let sub_run = format!("{run}/{sub}");
        let json = tb.try_get_json(&route("scalars", "scalars", &sub_run, "acc"))?;
        let points: Vec<(f64, i64, f64)> =
            serde_json::from_value(json).map_err(|e| e.to_string())?;
        acc.push((*sub, points.into_iter().map(|(_, s, v)| (s, v)).collect()));
    }
    let steps = |plugin: &str, kind: &str, tag: &str| -> Result<Vec<i64>, String> {
        let json = tb.try_get_json(&route(plugin, kind, run, tag))?;
        steps_of(&json).ok_or_else(|| format!("{plugin}/{kind}: unexpected shape {json}"))
    };
    Ok(Expected {
        loss: loss.into_iter().map(|(_, s, v)| (s, v)).collect(),
        acc,
        histogram_steps: steps("histograms", "histograms", "w")?,
        image_steps: steps("images", "images", "img")?,
        text_steps: steps("text", "text", "notes")?,
    })
}

/// Polls until `run` serves `expected` (the loaders read files in the background), then
/// asserts it, showing the last answer.
fn assert_serves(tb: &TensorBoard, run: &str, expected: &Expected) {
    let acc_runs: Vec<&'static str> = expected.acc.iter().map(|(r, _)| *r).collect();
    let start = Instant::now();
    let last = loop {
        let got = served(tb, run, &acc_runs);
        if got.as_ref() == Ok(expected) || start.elapsed() > Duration::from_secs(30) {
            break got;
        }
        thread::sleep(Duration::from_millis(200));
    };
    match last {
        Ok(got) => assert_eq!(&got, expected, "{}: run {run}", tb.label()),
        Err(e) => tb.fail(&format!("run {run}: {e}")),
    }
}

/// Starts one server per loader on `logdir`, concurrently, and runs `check` with each.
fn with_both_loaders(logdir: &Path, runs: &[&str], check: impl Fn(&TensorBoard) + Sync) {
    thread::scope(|s| {
        let handles = [true, false].map(|load_fast| {
            let check = &check;
            s.spawn(move || {
                let mut tb = TensorBoard::start(logdir, load_fast);
                tb.wait_for_runs(runs, DEFAULT_TIMEOUT);
                check(&tb);
            })
        });
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

fn a_resumed_run_reads_as_one_clean_series_in_both_loaders() {
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path();
    // "two": sessions 1 and 2 (blocking); "two-nb": the same with session 2 non-blocking;
    // "three": sessions 1, 2 and 3; "crashed": session 1 alone, for comparison.
    for (run, sessions, non_blocking) in [
        ("two", 2, false),
        ("two-nb", 2, true),
        ("three", 3, false),
        ("crashed", 1, false),
    ] {
        let path = logdir.join(run);
        session_one(&path, sessions > 1);
        if sessions >= 2 {
            session_two(&path, non_blocking);
        }
        if sessions >= 3 {
            session_three(&path);
        }
    }
    let runs = ["two", "two-nb", "three", "crashed", "two/acc_val"];
    with_both_loaders(logdir, &runs, |tb| {
        assert_serves(tb, "crashed", &unpurged());
        assert_serves(tb, "two", &after_two());
        assert_serves(tb, "two-nb", &after_two());
        assert_serves(tb, "three", &after_three());
        tb.assert_log_clean();
    });
}

// ---- crash safety --------------------------------------------------------------------

/// Byte offsets in `file` where a kill could leave it: the start, the end of every
/// record, and the middle of the first record after the `file_version` (the purge's
/// tombstones).
fn cut_points(file: &Path) -> Vec<(String, u64)> {
    let bytes = fs::read(file).unwrap();
    let mut ends = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        at += record::HEADER_LEN + len + record::FOOTER_LEN;
        ends.push(at as u64);
    }
    let names = [
        "file_version",
        "tombstones",
        "first_start",
        "second_start",
        "first_new_point",
    ];
    assert!(ends.len() > names.len(), "{} records", ends.len());
    let mut cuts = vec![("empty".to_string(), 0)];
    cuts.push(("inside_tombstones".to_string(), (ends[0] + ends[1]) / 2));
    for (name, end) in names.iter().zip(&ends) {
        cuts.push((format!("after_{name}"), *end));
    }
    cuts
}

/// Env var naming the run directory the child process resumes, and when it kills itself.
const CHILD_RUN_ENV: &str = "TBTRAIN_RESUME_CHILD_RUN";
const CHILD_STAGE_ENV: &str = "TBTRAIN_RESUME_CHILD_STAGE";

/// Not a test of its own: the body of the child process that
/// `a_kill_at_any_stage_of_a_resume_loses_nothing_before_the_step` starts and that kills
/// itself with SIGKILL at the stage it is told (run only through that test).
fn child_process_resumes_then_kills_itself() {
    let (Some(run), Some(stage)) = (
        std::env::var_os(CHILD_RUN_ENV),
        std::env::var(CHILD_STAGE_ENV).ok(),
    ) else {
        panic!("{CHILD_RUN_ENV} and {CHILD_STAGE_ENV} must be set");
    };
    let kill = || {
        // SAFETY: sends a signal to this very process.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    };
    let mut w = resumed(Path::new(&run), RESUME, stage == "mid_session");
    if stage == "after_resume" {
        kill();
    }
    for step in RESUME..=6 {
        w.add_scalar("loss", value(2, step), step).unwrap();
    }
    w.flush().unwrap();
    kill();
    unreachable!("SIGKILL did not kill the child");
}

/// Runs the child process on `run` and checks it died of SIGKILL.
fn kill_a_resume(run: &Path, stage: &str) {
    use std::os::unix::process::ExitStatusExt;
    let status = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_RUN_ENV, run)
        .env(CHILD_STAGE_ENV, stage)
        .status()
        .unwrap();
    assert_eq!(
        status.signal(),
        Some(libc::SIGKILL),
        "child ({stage}): {status}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

fn a_kill_at_any_stage_of_a_resume_loses_nothing_before_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path().join("logs");
    let template = dir.path().join("crashed");
    session_one(&template, false);

    // The resumed session's whole file, to cut.
    let whole = dir.path().join("whole");
    copy_dir(&template, &whole);
    let mut w = resumed(&whole, RESUME, false);
    for step in RESUME..=6 {
        w.add_scalar("loss", value(2, step), step).unwrap();
    }
    w.close().unwrap();
    let resumed_file: PathBuf = event_files(&whole).unwrap().pop().unwrap();
    let resumed_bytes = fs::read(&resumed_file).unwrap();

    let mut runs: Vec<String> = Vec::new();
    for (name, cut) in cut_points(&resumed_file) {
        let run = logdir.join(format!("cut-{name}"));
        copy_dir(&template, &run);
        fs::write(
            run.join(resumed_file.file_name().unwrap()),
            &resumed_bytes[..cut as usize],
        )
        .unwrap();
        runs.push(format!("cut-{name}"));
    }
    for stage in ["after_resume", "mid_session"] {
        let run = logdir.join(format!("killed-{stage}"));
        copy_dir(&template, &run);
        kill_a_resume(&run, stage);
        runs.push(format!("killed-{stage}"));
    }

    let names: Vec<&str> = runs.iter().map(String::as_str).collect();
    with_both_loaders(&logdir, &names, |tb| {
        for run in &runs {
            let expected = expected_after_cut(run, tb.load_fast());
            assert_serves(tb, run, &expected);
        }
        // A file cut inside a record is what a kill leaves; the Python loader says so at
        // debug level ("Truncated record"). Nothing else may be reported.
        let problems: Vec<String> = tb
            .server_log_problems()
            .into_iter()
            .filter(|line| !line.contains("Truncated record"))
            .collect();
        assert!(problems.is_empty(), "{}: {problems:#?}", tb.label());
    });
}

/// What a run left by a kill at `run`'s stage serves. Every point before [`RESUME`] is
/// always there. The stale points at and after it go in the Rust data server once the
/// tombstones are complete, in the Python loader once the second `START` is.
fn expected_after_cut(run: &str, load_fast: bool) -> Expected {
    let purged = match run {
        "cut-empty" | "cut-inside_tombstones" | "cut-after_file_version" => false,
        "cut-after_tombstones" | "cut-after_first_start" => load_fast,
        _ => true,
    };
    let mut expected = if purged { purged_only() } else { unpurged() };
    let new_points = match run {
        "cut-after_first_new_point" => 5..=5,
        "killed-mid_session" => 5..=6,
        _ => return expected,
    };
    expected.loss.extend(points(&[(2, new_points)]));
    expected
}
