//! Our reader and `inspect` on event files written by other people's writers:
//! tensorboardX and the `tensorboard` package itself (through the project's Python venv)
//! and the `tensorboard-rs` crate. Counts, steps and values must come back exactly.
//!
//! The Python writers are the venv's (`scripts/setup-venv.sh`); without them that test
//! is reported as ignored with the reason, or fails when `TBTRAIN_REQUIRE_TENSORBOARD=1`.

mod common;

use std::collections::HashMap;
use std::process::Command;

use tbtrain::events::EventReader;
use tbtrain::inspect::{self, RunReport, TagKind};
use tbtrain::proto::event;

use common::harness::Need;

fn main() {
    common::harness::main(vec![
        trial!(
            reads_tensorboardx_and_tensorboard_files,
            Need::PythonWriters
        ),
        trial!(reads_tensorboard_rs_files),
    ]);
}

/// One tag as (run, tag, kind, count, first step, last step, last value).
type Row = (String, String, TagKind, u64, i64, i64, Option<f64>);

fn rows(reports: &[RunReport]) -> Vec<Row> {
    reports
        .iter()
        .flat_map(|r| {
            r.tags.iter().map(|t| {
                (
                    r.run.clone(),
                    t.tag.clone(),
                    t.kind,
                    t.count,
                    t.first_step,
                    t.last_step,
                    t.last_value,
                )
            })
        })
        .collect()
}

fn row(
    run: &str,
    tag: &str,
    kind: TagKind,
    count: u64,
    steps: (i64, i64),
    last: Option<f64>,
) -> Row {
    (run.into(), tag.into(), kind, count, steps.0, steps.1, last)
}

/// Writes with tensorboardX into `<out>/tbx` and with TensorBoard's own writer and
/// summary protos (tensor scalars, metadata on the first event only) into `<out>/tb`.
const PYTHON_WRITER: &str = r#"
import os, sys
import numpy as np
out = sys.argv[1]

from tensorboardX import SummaryWriter
w = SummaryWriter(os.path.join(out, "tbx"))
for i in range(101):
    w.add_scalar("loss", i * 0.25, i)
w.add_scalar("acc", 0.5, 7)
for step in (0, 50, 100):
    w.add_histogram("weights", np.arange(10, dtype=np.float64) + step, step)
w.add_text("note", "hello from tensorboardX", 3)
w.add_image("pic", np.zeros((3, 4, 4), dtype=np.uint8), 2)
w.add_scalars("pair", {"a": 1.0, "b": 2.0}, 5)
w.add_hparams({"lr": 0.1}, {"hparam/acc": 0.75}, name="hp")
w.close()

from tensorboard.compat.proto import event_pb2, graph_pb2, node_def_pb2
from tensorboard.plugins.scalar import summary_v2 as scalar_v2
from tensorboard.plugins.histogram import summary_v2 as histogram_v2
from tensorboard.plugins.text import summary_v2 as text_v2
from tensorboard.summary.writer.event_file_writer import EventFileWriter
w = EventFileWriter(os.path.join(out, "tb"))
graph = graph_pb2.GraphDef(node=[node_def_pb2.NodeDef(name="x", op="Placeholder")])
w.add_event(event_pb2.Event(wall_time=1.0, graph_def=graph.SerializeToString()))
for i in range(20):
    pb = scalar_v2.scalar_pb("acc", np.float32(i / 8))
    if i > 0:
        pb.value[0].ClearField("metadata")
    w.add_event(event_pb2.Event(wall_time=2.0 + i, step=i, summary=pb))
h = histogram_v2.histogram_pb("h", np.array([1.0, 2.0, 3.0]), buckets=3)
w.add_event(event_pb2.Event(wall_time=30.0, step=4, summary=h))
w.add_event(event_pb2.Event(wall_time=31.0, step=9, summary=text_v2.text_pb("t", "hi")))
w.close()
"#;

fn reads_tensorboardx_and_tensorboard_files() {
    let python = common::python();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(&python)
        .args(["-c", PYTHON_WRITER])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python writer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let reports = inspect::scan(dir.path()).unwrap();
    for r in &reports {
        assert_eq!(r.files, 1, "{r:?}");
        assert!(r.problems.is_empty(), "{r:?}");
    }
    let graphs: Vec<(&str, bool)> = reports.iter().map(|r| (r.run.as_str(), r.graph)).collect();
    assert_eq!(
        graphs,
        [
            ("tb", true),
            ("tbx", false),
            ("tbx/hp", false),
            ("tbx/pair/a", false),
            ("tbx/pair/b", false),
        ]
    );
    use TagKind::*;
    assert_eq!(
        rows(&reports),
        [
            row("tb", "acc", Scalar, 20, (0, 19), Some(2.375)),
            row("tb", "h", Histogram, 1, (4, 4), None),
            row("tb", "t", Text, 1, (9, 9), None),
            row("tbx", "acc", Scalar, 1, (7, 7), Some(0.5)),
            row("tbx", "loss", Scalar, 101, (0, 100), Some(25.0)),
            // tensorboardX appends "/text_summary" to text tags.
            row("tbx", "note/text_summary", Text, 1, (3, 3), None),
            row("tbx", "pic", Image, 1, (2, 2), None),
            row("tbx", "weights", Histogram, 3, (0, 100), None),
            row("tbx/hp", "_hparams_/experiment", Hparams, 1, (0, 0), None),
            row(
                "tbx/hp",
                "_hparams_/session_end_info",
                Hparams,
                1,
                (0, 0),
                None
            ),
            row(
                "tbx/hp",
                "_hparams_/session_start_info",
                Hparams,
                1,
                (0, 0),
                None
            ),
            row("tbx/hp", "hparam/acc", Scalar, 1, (0, 0), Some(0.75)),
            row("tbx/pair/a", "pair", Scalar, 1, (5, 5), Some(1.0)),
            row("tbx/pair/b", "pair", Scalar, 1, (5, 5), Some(2.0)),
        ]
    );

    // Every tensorboardX loss value, in order, straight from the reader.
    let tbx_file = std::fs::read_dir(dir.path().join("tbx"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_file())
        .unwrap();
    let mut losses = Vec::new();
    let mut first = None;
    for item in EventReader::open(&tbx_file).unwrap() {
        let (offset, ev) = item.unwrap();
        first.get_or_insert((offset, ev.what.clone()));
        if let Some(event::What::Summary(s)) = &ev.what {
            for v in s.value.iter().filter(|v| v.tag == "loss") {
                if let Some(tbtrain::proto::summary::value::Value::SimpleValue(x)) = v.value {
                    losses.push((ev.step, x));
                }
            }
        }
    }
    assert_eq!(
        first,
        Some((0, Some(event::What::FileVersion("brain.Event:2".into()))))
    );
    let expected: Vec<(i64, f32)> = (0..101).map(|i| (i, i as f32 * 0.25)).collect();
    assert_eq!(losses, expected);

    let last = inspect::last_scalars(&dir.path().join("tb")).unwrap();
    assert_eq!(
        last.into_iter().collect::<Vec<_>>(),
        [("acc".to_string(), (19, 2.375))]
    );
}

fn reads_tensorboard_rs_files() {
    use tensorboard_rs::summary_writer::SummaryWriter;
    let dir = tempfile::tempdir().unwrap();
    {
        let mut w = SummaryWriter::new(dir.path().join("rs"));
        for i in 0..50 {
            w.add_scalar("loss", i as f32 * 0.5, i);
        }
        for step in [0, 10, 20] {
            w.add_histogram_raw(
                "w",
                0.0,
                9.0,
                10.0,
                45.0,
                285.0,
                &[1.0, 5.0, 10.0],
                &[1.0, 4.0, 5.0],
                step,
            );
        }
        let pair: HashMap<String, f32> = [("a".to_string(), 1.5), ("b".to_string(), -2.0)].into();
        w.add_scalars("pair", &pair, 7);
        w.flush();
        // Dropping joins the writer threads, so the files are complete.
    }
    let reports = inspect::scan(dir.path()).unwrap();
    for r in &reports {
        assert_eq!((r.files, r.graph), (1, false), "{r:?}");
        assert!(r.problems.is_empty(), "{r:?}");
    }
    use TagKind::*;
    assert_eq!(
        rows(&reports),
        [
            row("rs", "loss", Scalar, 50, (0, 49), Some(24.5)),
            row("rs", "w", Histogram, 3, (0, 20), None),
            row("rs/pair/a", "pair", Scalar, 1, (7, 7), Some(1.5)),
            row("rs/pair/b", "pair", Scalar, 1, (7, 7), Some(-2.0)),
        ]
    );
    let last = inspect::last_scalars(&dir.path().join("rs")).unwrap();
    assert_eq!(
        last.into_iter().collect::<Vec<_>>(),
        [("loss".to_string(), (49, 24.5))]
    );
}
