use super::*;
use crate::events::record;
use crate::proto::{event, session_log, summary, Event, SessionLog, Summary};

fn point(step: i64, tag: &str, v: f32) -> Event {
    Event {
        wall_time: 100.0 + step as f64,
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

fn write(path: &Path, events: &[Event]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut bytes = Vec::new();
    for e in events {
        record::encode_into(&prost::Message::encode_to_vec(e), &mut bytes);
    }
    std::fs::write(path, bytes).unwrap();
}

/// A run with several tags, steps logged again, a START restart and a resume in a
/// later file.
fn logs(dir: &Path) {
    let version = Event {
        what: Some(event::What::FileVersion("brain.Event:2".into())),
        ..Default::default()
    };
    let start = |step| Event {
        step,
        what: Some(event::What::SessionLog(SessionLog {
            status: session_log::SessionStatus::Start as i32,
            ..Default::default()
        })),
        ..Default::default()
    };
    let mut first = vec![version.clone(), start(0)];
    for step in 0..40 {
        for (k, tag) in ["layer10/a", "layer2/a", "b", "c"].iter().enumerate() {
            if step % (k as i64 + 1) == 0 {
                first.push(point(step, tag, (step * 10 + k as i64) as f32));
            }
        }
        if step == 20 {
            first.push(point(15, "b", -1.0));
        }
    }
    write(&dir.join("r/events.out.tfevents.1.a"), &first);
    let mut second = vec![version, start(30)];
    for step in 30..35 {
        second.push(point(step, "c", 1e6 + step as f32));
    }
    write(&dir.join("r/events.out.tfevents.2.b"), &second);
}

fn export_with(dir: &Path, group_bytes: u64) -> String {
    let mut options = Options::new(Kind::Scalars, Format::Csv);
    options.group_bytes = group_bytes;
    let mut out = Vec::new();
    export(dir, &options, &mut out, |_, p| panic!("{p}")).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn held_streamed_and_grouped_exports_are_the_same() {
    let dir = tempfile::tempdir().unwrap();
    logs(dir.path());
    let held = export_with(dir.path(), GROUP_BYTES);
    // Every tag alone, written as read; and groups of a few tags buffered.
    assert_eq!(export_with(dir.path(), 1), held);
    assert_eq!(export_with(dir.path(), 2000), held);
    let steps = |tag: &str| -> Vec<i64> {
        held.lines()
            .filter(|l| l.split(',').nth(1) == Some(tag))
            .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
            .collect()
    };
    // "b" (every third step) went back to 15 at step 20: its 15 and 18 are gone; the
    // second START at 30 drops every tag's points from 30 on, and "c" starts again there.
    assert_eq!(steps("b"), [0, 3, 6, 9, 12, 15, 21, 24, 27]);
    assert_eq!(steps("layer10/a"), (0..30).collect::<Vec<_>>());
    assert_eq!(steps("layer2/a").len(), 15);
    assert_eq!(
        steps("c"),
        [0, 4, 8, 12, 16, 20, 24, 28, 30, 31, 32, 33, 34]
    );
    let order: Vec<&str> = held
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .fold(Vec::new(), |mut v, t| {
            if v.last() != Some(&t) {
                v.push(t);
            }
            v
        });
    assert_eq!(order, ["b", "c", "layer2/a", "layer10/a"]);
}
