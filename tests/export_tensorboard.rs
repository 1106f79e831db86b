//! `tbtrain export` against the REAL TensorBoard's scalars routes, both loaders
//! (`--load_fast=true`, the Rust data server, and `false`, the Python one).
//!
//! - A run resumed with `purge_step` by this library (crashed session, then two resumes,
//!   with `add_scalars` sub-runs): the loaders agree, and for every run and scalar tag
//!   they list, the export's rows are exactly the points the scalars route serves (step,
//!   wall time, float32 value), and the export has no other tag.
//! - Where the loaders differ (a tensorboardX-style resume: one `SessionLog START` and
//!   no tombstones; a step logged twice): the export equals what the Rust data server
//!   serves and is contained in what the Python loader serves (which also shows the
//!   stale and the duplicated points).
//!
//! Fewer than 1,000 points per tag, so TensorBoard's reservoir keeps every point.
//! Skips (loudly) without the venv from `scripts/setup-venv.sh`, unless
//! `TBTRAIN_REQUIRE_TENSORBOARD=1`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use tbtrain::events::{record, WriterOptions};
use tbtrain::proto::{event, session_log, summary, Event, SessionLog, Summary};
use tbtrain::SummaryWriter;

use common::harness::Need;
use common::{TensorBoard, DEFAULT_TIMEOUT};

fn main() {
    common::harness::main(vec![
        trial!(
            a_purge_step_resumed_run_exports_what_both_loaders_serve,
            Need::TensorBoard
        ),
        trial!(
            where_the_loaders_differ_the_export_is_what_both_show,
            Need::TensorBoard
        ),
    ]);
}

/// `(step, wall_time, value)` per `(run, tag)`.
type Points = BTreeMap<(String, String), Vec<(i64, f64, f64)>>;

/// The export's scalars, as JSON Lines read back.
fn exported(logdir: &Path) -> Points {
    let out = Command::new(env!("CARGO_BIN_EXE_tbtrain"))
        .args(["export", "--format", "jsonl"])
        .arg(logdir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let mut points = Points::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let value: f32 = match &row["value"] {
            serde_json::Value::String(s) => s.parse().unwrap(),
            v => v.to_string().parse().unwrap(),
        };
        points
            .entry((
                row["run"].as_str().unwrap().into(),
                row["tag"].as_str().unwrap().into(),
            ))
            .or_default()
            .push((
                row["step"].as_i64().unwrap(),
                row["wall_time"].as_f64().unwrap(),
                f64::from(value),
            ));
    }
    points
}

/// What the scalars routes serve: every run and tag of the tags route, their points.
fn served(tb: &TensorBoard) -> Result<Points, String> {
    let tags = tb.try_get_json("/data/plugin/scalars/tags")?;
    let mut points = Points::new();
    for (run, tags) in tags.as_object().ok_or("tags: not an object")? {
        for tag in tags.as_object().ok_or("tags: not an object")?.keys() {
            let path = format!(
                "/data/plugin/scalars/scalars?{}",
                common::query(&[("run", run), ("tag", tag)])
            );
            let json = tb.try_get_json(&path)?;
            let list: Vec<(f64, i64, f64)> =
                serde_json::from_value(json).map_err(|e| e.to_string())?;
            points.insert(
                (run.clone(), tag.clone()),
                list.into_iter().map(|(w, s, v)| (s, w, v)).collect(),
            );
        }
    }
    Ok(points)
}

/// Polls until the server serves `expected(load_fast)` (runs load in the background),
/// then asserts it.
fn assert_serves(tb: &TensorBoard, check: impl Fn(&Points) -> Result<(), String>) {
    let start = Instant::now();
    loop {
        let result = served(tb).and_then(|p| check(&p).map(|()| p));
        match result {
            Ok(_) => return,
            Err(e) if start.elapsed() > Duration::from_secs(30) => tb.fail(&e),
            Err(_) => thread::sleep(Duration::from_millis(300)),
        }
    }
}

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

fn value(session: i64, step: i64) -> f32 {
    (100 * session + step) as f32 + 0.1
}

fn resumed(run: &Path, step: i64) -> SummaryWriter {
    let options = WriterOptions {
        purge_step: Some(step),
        ..Default::default()
    };
    SummaryWriter::with_options(run, options).unwrap()
}

fn a_purge_step_resumed_run_exports_what_both_loaders_serve() {
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path();
    let run = logdir.join("resumed");
    // Session 1 crashes after step 599; session 2 resumes at 400 and logs to 699 (not
    // `val`); session 3 resumes at 650.
    let mut w = SummaryWriter::new(&run).unwrap();
    for step in 0..600 {
        w.add_scalar("loss", value(1, step), step).unwrap();
        let v = value(1, step);
        w.add_scalars("acc", &[("train", v), ("val", v)], step)
            .unwrap();
        if step % 50 == 0 {
            w.add_scalar("layer10/sparse", value(1, step), step)
                .unwrap();
            w.add_scalar("layer2/sparse", value(1, step), step).unwrap();
        }
    }
    drop(w);
    let mut w = resumed(&run, 400);
    for step in 400..700 {
        w.add_scalar("loss", value(2, step), step).unwrap();
        w.add_scalars("acc", &[("train", value(2, step))], step)
            .unwrap();
    }
    w.close().unwrap();
    let mut w = resumed(&run, 650);
    for step in 650..800 {
        w.add_scalar("loss", value(3, step), step).unwrap();
    }
    w.close().unwrap();
    let mut plain = SummaryWriter::new(logdir.join("plain")).unwrap();
    for step in 0..300 {
        plain.add_scalar("cost", value(4, step), step).unwrap();
    }
    plain.close().unwrap();

    let export = exported(logdir);
    // What the export says, checked on its own first.
    let loss: Vec<i64> = export[&("resumed".into(), "loss".into())]
        .iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(loss, (0..800).collect::<Vec<_>>());
    assert_eq!(export[&("resumed/acc_val".into(), "acc".into())].len(), 400);
    assert_eq!(export[&("resumed".into(), "layer2/sparse".into())].len(), 8);
    with_both_loaders(
        logdir,
        &["resumed", "plain", "resumed/acc_train", "resumed/acc_val"],
        |tb| {
            assert_serves(tb, |served| {
                if served == &export {
                    Ok(())
                } else {
                    Err(format!(
                        "{}: served {} series, export {}; first difference: {:?}",
                        tb.label(),
                        served.len(),
                        export.len(),
                        served
                            .iter()
                            .find(|(k, v)| export.get(*k) != Some(*v))
                            .map(|(k, v)| (k, v.len(), export.get(k).map(Vec::len)))
                    ))
                }
            });
            tb.assert_log_clean();
        },
    );
}

fn scalar_event(step: i64, wall_time: f64, tag: &str, v: f32) -> Event {
    Event {
        wall_time,
        step,
        what: Some(event::What::Summary(Summary {
            value: vec![summary::Value {
                tag: tag.into(),
                value: Some(summary::value::Value::SimpleValue(v)),
                ..Default::default()
            }],
        })),
        source_metadata: None,
    }
}

fn write_raw(path: &Path, events: &[Event]) {
    let mut bytes = Vec::new();
    for e in events {
        record::encode_into(&prost::Message::encode_to_vec(e), &mut bytes);
    }
    std::fs::write(path, bytes).unwrap();
}

fn where_the_loaders_differ_the_export_is_what_both_show() {
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path();
    let version = Event {
        wall_time: 1.0,
        what: Some(event::What::FileVersion("brain.Event:2".into())),
        ..Default::default()
    };
    // "tbx": tensorboardX's purge_step: the second file starts with one START at 5.
    let run = logdir.join("tbx");
    std::fs::create_dir_all(&run).unwrap();
    let mut first = vec![version.clone()];
    for step in 0..10 {
        first.push(scalar_event(
            step,
            10.0 + step as f64,
            "loss",
            value(1, step),
        ));
        first.push(scalar_event(
            step,
            10.0 + step as f64,
            "other",
            value(1, step),
        ));
    }
    write_raw(&run.join("events.out.tfevents.1000000001.h"), &first);
    let mut second = vec![
        version.clone(),
        Event {
            wall_time: 30.0,
            step: 5,
            what: Some(event::What::SessionLog(SessionLog {
                status: session_log::SessionStatus::Start as i32,
                ..Default::default()
            })),
            ..Default::default()
        },
    ];
    for step in 5..8 {
        second.push(scalar_event(
            step,
            30.0 + step as f64,
            "loss",
            value(2, step),
        ));
    }
    write_raw(&run.join("events.out.tfevents.1000000002.h"), &second);
    // "dup": step 3 logged twice in one file, no START.
    let run = logdir.join("dup");
    std::fs::create_dir_all(&run).unwrap();
    let mut events = vec![version];
    for step in 0..5 {
        events.push(scalar_event(step, 50.0 + step as f64, "x", value(1, step)));
    }
    events.push(scalar_event(3, 60.0, "x", value(2, 3)));
    write_raw(&run.join("events.out.tfevents.1000000001.h"), &events);

    let export = exported(logdir);
    let steps = |run: &str, tag: &str| -> Vec<i64> {
        export[&(run.to_string(), tag.to_string())]
            .iter()
            .map(|p| p.0)
            .collect()
    };
    assert_eq!(steps("tbx", "loss"), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(steps("tbx", "other"), (0..10).collect::<Vec<_>>());
    assert_eq!(steps("dup", "x"), [0, 1, 2, 3]);
    assert_eq!(
        export[&("dup".into(), "x".into())][3].2,
        f64::from(value(2, 3))
    );
    with_both_loaders(logdir, &["tbx", "dup"], |tb| {
        let load_fast = tb.load_fast();
        assert_serves(tb, |served| {
            if load_fast {
                return if served == &export {
                    Ok(())
                } else {
                    Err(format!("{}: {served:?} != {export:?}", tb.label()))
                };
            }
            // The Python loader shows every exported point, and more: the stale
            // `loss` 5..9 beside the new 5..7, both values at step 3 of `dup`.
            for (key, points) in &export {
                let Some(theirs) = served.get(key) else {
                    return Err(format!("{key:?} not served"));
                };
                if let Some(p) = points.iter().find(|p| !theirs.contains(p)) {
                    return Err(format!("{key:?}: {p:?} not served"));
                }
            }
            let extra = |run: &str, tag: &str| {
                served
                    .get(&(run.to_string(), tag.to_string()))
                    .map_or(0, Vec::len)
            };
            match (extra("tbx", "loss"), extra("dup", "x")) {
                (13, 6) => Ok(()),
                other => Err(format!("{}: counts {other:?}", tb.label())),
            }
        });
        tb.assert_log_clean();
    });
}
