//! Concurrent writers: two `tbtrain` processes training at the same time into sibling runs
//! of one logdir, and two `SummaryWriter`s of one process writing into the same directory
//! from two threads. Every writer gets its own file (names differ by pid, or by the
//! process's file counter), every file reads back with all its events and no problem,
//! and the real TensorBoard lists every run and serves every series to its last step.

mod common;
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use tbtrain::events::WriterOptions;
use tbtrain::proto::hparams::Status;
use tbtrain::{EventReader, SummaryWriter};

use common::harness::Need;
use support::{event_files, read_file, read_run, tbtrain};

fn main() {
    let conclusion = common::harness::run(vec![
        trial!(concurrent_writers_get_separate_files_that_all_read_back),
        trial!(
            tensorboard_serves_every_concurrent_series_to_its_last_step,
            Need::TensorBoard
        ),
    ]);
    if let Some(dir) = LOGDIR.get() {
        let _ = fs::remove_dir_all(dir);
    }
    conclusion.exit()
}

const TRAIN_STEPS: i64 = 4000;
const WRITER_STEPS: i64 = 5000;

/// First and last wall time of the events in `path`.
fn wall_time_span(path: &Path) -> (f64, f64) {
    let times: Vec<f64> = EventReader::open(path)
        .unwrap()
        .map(|item| item.unwrap().1.wall_time)
        .collect();
    (times[0], times[times.len() - 1])
}

fn two_trainers(logdir: &Path) {
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|run| {
            tbtrain(logdir)
                .args(["--logdir", run, "--steps", &TRAIN_STEPS.to_string()])
                .args(["--flush-secs", "0.05", "--log-every", "1", "-q"])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
    let mut spans = Vec::new();
    for run in ["a", "b"] {
        let dir = logdir.join(run);
        let log = read_run(&dir);
        assert!(log.problems.is_empty(), "{run}: {:?}", log.problems);
        assert_eq!(
            log.steps("cost"),
            (0..TRAIN_STEPS).collect::<Vec<_>>(),
            "{run}"
        );
        assert_eq!(log.session_end, [Status::Success], "{run}");
        spans.push(wall_time_span(&event_files(&dir)[0]));
    }
    // They really ran at the same time.
    let (a, b) = (spans[0], spans[1]);
    assert!(
        a.0 < b.1 && b.0 < a.1,
        "the runs did not overlap: {a:?} {b:?}"
    );
}

fn two_writers_one_directory(dir: &Path) {
    let options = WriterOptions {
        flush_interval: Duration::from_millis(1),
        ..Default::default()
    };
    let writers = [
        SummaryWriter::with_options(dir, options.clone()).unwrap(),
        SummaryWriter::with_options(dir, options).unwrap(),
    ];
    assert_ne!(writers[0].event_file(), writers[1].event_file());
    thread::scope(|s| {
        for (i, mut writer) in writers.into_iter().enumerate() {
            s.spawn(move || {
                let tag = format!("writer{i}/value");
                for step in 0..WRITER_STEPS {
                    writer.add_scalar(&tag, step as f32, step).unwrap();
                    if step % 500 == 0 {
                        writer
                            .add_histogram(&format!("writer{i}/hist"), &[1.0, 2.0], step)
                            .unwrap();
                    }
                }
                writer.close().unwrap();
            });
        }
    });
    let files = event_files(dir);
    assert_eq!(files.len(), 2, "{files:?}");
    let mut tags = Vec::new();
    for file in &files {
        let contents = read_file(file);
        assert!(contents.problems.is_empty(), "{:?}", contents.problems);
        // file_version + the scalars + 10 histograms.
        assert_eq!(contents.events as i64, 1 + WRITER_STEPS + 10);
        assert_eq!(contents.scalars.len(), 1);
        let (tag, steps) = contents.scalars.iter().next().unwrap();
        assert_eq!(*steps, (0..WRITER_STEPS).collect::<Vec<_>>(), "{tag}");
        tags.push(tag.clone());
    }
    tags.sort();
    assert_eq!(tags, ["writer0/value", "writer1/value"]);
}

/// The logdir both tests read: runs `a` and `b` of two `tbtrain` processes that trained at
/// the same time, and `shared`, written by two `SummaryWriter`s from two threads, while
/// the trainers ran. Made once per test process (every writer's own checks pass first),
/// removed by `main` after the tests.
static LOGDIR: OnceLock<PathBuf> = OnceLock::new();

fn logdir() -> &'static Path {
    LOGDIR.get_or_init(|| {
        let logdir = tempfile::Builder::new()
            .prefix("tbtrain-concurrent-")
            .tempdir()
            .unwrap();
        let shared = logdir.path().join("shared");
        fs::create_dir(&shared).unwrap();
        thread::scope(|s| {
            s.spawn(|| two_writers_one_directory(&shared));
            two_trainers(logdir.path());
        });
        // Kept until `main` removes it: the other test reads it too.
        logdir.keep()
    })
}

fn concurrent_writers_get_separate_files_that_all_read_back() {
    let reports = tbtrain::inspect::scan(logdir()).unwrap();
    let runs: Vec<(&str, usize, usize)> = reports
        .iter()
        .map(|r| (r.run.as_str(), r.files, r.problems.len()))
        .collect();
    assert_eq!(runs, [("a", 1, 0), ("b", 1, 0), ("shared", 2, 0)]);
}

fn tensorboard_serves_every_concurrent_series_to_its_last_step() {
    let mut tb = common::TensorBoard::start(logdir(), true);
    tb.wait_for_runs(&["a", "b", "shared"], Duration::from_secs(60));
    for (run, tag, last) in [
        ("a", "cost", TRAIN_STEPS - 1),
        ("b", "cost", TRAIN_STEPS - 1),
        ("shared", "writer0/value", WRITER_STEPS - 1),
        ("shared", "writer1/value", WRITER_STEPS - 1),
    ] {
        let path = format!(
            "/data/plugin/scalars/scalars?{}",
            common::query(&[("run", run), ("tag", tag)])
        );
        tb.wait_for_json(&path, Duration::from_secs(60), |v| {
            v.as_array().and_then(|a| a.last()).and_then(|p| p.get(1)) == Some(&last.into())
        });
    }
    let problems = tb.server_log_problems();
    assert!(problems.is_empty(), "{}: {problems:#?}", tb.label());
}
