use super::*;
use crate::inspect::wire::with_event;
use crate::proto::{event, summary, Event, SessionLog, Summary};
use prost::Message;

/// An event of the test's little language: `("tag", step)` scalars of value
/// `step * 10 + k` (k: the event's index), `START` at a step, or a file version.
enum E {
    Points(i64, &'static [&'static str]),
    Start(i64),
    Version(&'static str),
    /// A point at a step whose value the data server cannot read (a tombstone).
    Tombstone(i64, &'static str),
    /// A point with a wall time that is not finite.
    NanTime(i64, &'static str),
}

fn encode(events: &[E]) -> Vec<Vec<u8>> {
    events
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let summary =
                |step: i64, tags: &[&str], value: fn(f32) -> summary::value::Value| Event {
                    wall_time: 100.0 + k as f64,
                    step,
                    what: Some(event::What::Summary(Summary {
                        value: tags
                            .iter()
                            .map(|t| summary::Value {
                                tag: t.to_string(),
                                value: Some(value((step * 10 + k as i64) as f32)),
                                ..Default::default()
                            })
                            .collect(),
                    })),
                    source_metadata: None,
                };
            let event = match e {
                E::Points(step, tags) => summary(*step, tags, summary::value::Value::SimpleValue),
                E::Tombstone(step, tag) => summary(*step, &[tag], |_| {
                    summary::value::Value::ObsoleteOldStyleHistogram(Vec::new())
                }),
                E::NanTime(step, tag) => Event {
                    wall_time: f64::NAN,
                    ..summary(*step, &[tag], summary::value::Value::SimpleValue)
                },
                E::Start(step) => Event {
                    step: *step,
                    what: Some(event::What::SessionLog(SessionLog {
                        status: START,
                        ..Default::default()
                    })),
                    ..Default::default()
                },
                E::Version(v) => Event {
                    what: Some(event::What::FileVersion(v.to_string())),
                    ..Default::default()
                },
            };
            event.encode_to_vec()
        })
        .collect()
}

/// The shown points per tag: `(step, value)` in the order given.
fn shown(events: &[E]) -> Vec<(String, i64, f32)> {
    let records = encode(events);
    let mut cuts = Cuts::default();
    for r in &records {
        with_event(r, |e| cuts.scan(&e)).unwrap();
    }
    let mut out = Vec::new();
    for _ in 0..2 {
        // The second pass may be run again and gives the same.
        cuts.rewind();
        out.clear();
        for r in &records {
            with_event(r, |e| {
                cuts.shown(
                    &e,
                    |s, p| is_served(s.class, p),
                    |_, v, step, _| {
                        out.push((v.tag.to_string(), step, scalar_of(v.payload).unwrap()));
                        true
                    },
                )
            })
            .unwrap();
        }
    }
    out
}

fn steps(shown: &[(String, i64, f32)], tag: &str) -> Vec<i64> {
    shown
        .iter()
        .filter(|(t, _, _)| t == tag)
        .map(|(_, s, _)| *s)
        .collect()
}

#[test]
fn a_step_logged_again_keeps_its_last_value_and_drops_the_later_ones() {
    use E::*;
    let got = shown(&[
        Points(0, &["a", "b"]),
        Points(1, &["a", "b"]),
        Points(2, &["a", "b"]),
        Points(3, &["a"]),
        // "a" goes back to 1: its 1, 2, 3 go; "b" is not touched.
        Points(1, &["a"]),
        Points(2, &["a"]),
    ]);
    assert_eq!(steps(&got, "a"), [0, 1, 2]);
    assert_eq!(steps(&got, "b"), [0, 1, 2]);
    // The values of "a" at 1 and 2 are the later ones (events 4 and 5).
    let a: Vec<f32> = got.iter().filter(|p| p.0 == "a").map(|p| p.2).collect();
    assert_eq!(a, [0.0, 14.0, 25.0]);
}

#[test]
fn only_the_smallest_later_step_matters() {
    use E::*;
    // 5, 3, 9, 4, 6: 5 goes (3 and 4 after it), 9 goes (4), the rest stay.
    let got = shown(&[
        Points(5, &["x"]),
        Points(3, &["x"]),
        Points(9, &["x"]),
        Points(4, &["x"]),
        Points(6, &["x"]),
    ]);
    assert_eq!(steps(&got, "x"), [3, 4, 6]);
    // Always the same step: only the last one.
    let got = shown(&[Points(0, &["x"]), Points(0, &["x"]), Points(0, &["x"])]);
    assert_eq!(got, [("x".to_string(), 0, 2.0)]);
    // Twice in one event: the second.
    let got = shown(&[Points(7, &["x", "x"])]);
    assert_eq!(got.len(), 1);
}

#[test]
fn a_second_start_purges_every_series_in_version_2_files_only() {
    use E::*;
    let run = |version: &'static str| {
        shown(&[
            Version(version),
            Start(0),
            Points(0, &["a", "b"]),
            Points(5, &["a", "b"]),
            Points(9, &["a", "b"]),
            Start(5),
            Points(6, &["a"]),
        ])
    };
    let got = run("brain.Event:2");
    assert_eq!(steps(&got, "a"), [0, 6]);
    assert_eq!(steps(&got, "b"), [0]);
    // Version 1: the Python loader does not use STARTs; nothing purges "b".
    let got = run("brain.Event:1");
    assert_eq!(steps(&got, "a"), [0, 5, 6]);
    assert_eq!(steps(&got, "b"), [0, 5, 9]);
    // The first START alone purges nothing.
    let got = shown(&[Version("brain.Event:2"), Points(3, &["a"]), Start(0)]);
    assert_eq!(steps(&got, "a"), [3]);
}

#[test]
fn tombstones_drop_the_later_points_and_are_not_shown() {
    use E::*;
    let got = shown(&[
        Points(0, &["a"]),
        Points(1, &["a"]),
        Points(2, &["a"]),
        Tombstone(1, "a"),
    ]);
    assert_eq!(steps(&got, "a"), [0]);
    // An event with a wall time that is not finite is dropped whole: it drops nothing.
    let got = shown(&[Points(0, &["a"]), Points(1, &["a"]), NanTime(0, "a")]);
    assert_eq!(steps(&got, "a"), [0, 1]);
}

#[test]
fn the_first_value_decides_the_class() {
    let v = |payload, meta| ValueView {
        tag: "t",
        meta,
        payload,
    };
    let meta = |plugin: &'static str, data_class: i32| {
        Some(crate::inspect::wire::MetaView {
            plugin_name: plugin,
            content: &[],
            data_class,
        })
    };
    assert_eq!(class_of(&v(Payload::Simple(1.0), None)).0, Class::Scalar);
    assert_eq!(
        class_of(&v(Payload::Empty, meta("text", 0))).0,
        Class::Tensor
    );
    assert_eq!(
        class_of(&v(Payload::Empty, meta("scalars", 0))).0,
        Class::Scalar
    );
    assert_eq!(
        class_of(&v(Payload::Empty, meta("mine", 0))).0,
        Class::Unknown
    );
    assert_eq!(class_of(&v(Payload::Empty, meta("mine", 3))).0, Class::Blob);
    assert_eq!(class_of(&v(Payload::Other, None)).0, Class::Unknown);
    // A double scalar tensor is a tombstone in a scalar series (the data server reads
    // float32 only).
    let double = TensorProto {
        dtype: DataType::DtDouble as i32,
        double_val: vec![1.0],
        ..Default::default()
    };
    assert!(!is_served(Class::Scalar, Payload::Tensor(&double)));
    let float = TensorProto {
        dtype: DataType::DtFloat as i32,
        tensor_content: 1.5f32.to_le_bytes().to_vec(),
        ..Default::default()
    };
    assert_eq!(scalar_of(Payload::Tensor(&float)), Some(1.5));
}
