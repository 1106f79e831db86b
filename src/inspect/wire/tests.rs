use super::*;
use crate::proto::{summary_metadata, SessionLog, Summary, SummaryMetadata};

fn meta(plugin: &str, content: &[u8], data_class: i32) -> SummaryMetadata {
    SummaryMetadata {
        plugin_data: Some(summary_metadata::PluginData {
            plugin_name: plugin.into(),
            content: content.to_vec(),
        }),
        display_name: "shown".into(),
        summary_description: "described".into(),
        data_class,
    }
}

fn scalar(tag: &str, v: f32, m: Option<SummaryMetadata>) -> summary::Value {
    summary::Value {
        tag: tag.into(),
        metadata: m,
        value: Some(summary::value::Value::SimpleValue(v)),
        ..Default::default()
    }
}

fn events() -> Vec<Event> {
    let at = |step, what| Event {
        wall_time: 1.5e9 + step as f64,
        step,
        what: Some(what),
        source_metadata: None,
    };
    vec![
        at(0, event::What::FileVersion("brain.Event:2".into())),
        at(
            -7,
            event::What::Summary(Summary {
                value: vec![
                    scalar("loss", 0.25, None),
                    scalar("a,b\"c\nd", f32::NAN, Some(meta("scalars", b"\x01\x02", 1))),
                    summary::Value {
                        tag: "empty".into(),
                        metadata: Some(meta("hparams", b"x", 0)),
                        ..Default::default()
                    },
                ],
            }),
        ),
        at(
            3,
            event::What::SessionLog(SessionLog {
                status: 1,
                checkpoint_path: "ck".into(),
                msg: "m".into(),
            }),
        ),
        // Decoded by prost: a tensor, a histogram, node_name.
        at(
            4,
            event::What::Summary(Summary {
                value: vec![
                    summary::Value {
                        tag: "t".into(),
                        value: Some(summary::value::Value::Tensor(TensorProto {
                            dtype: 1,
                            float_val: vec![2.0],
                            ..Default::default()
                        })),
                        ..Default::default()
                    },
                    summary::Value {
                        tag: "h".into(),
                        node_name: "n".into(),
                        value: Some(summary::value::Value::Histo(HistogramProto {
                            min: -1.0,
                            max: 1.0,
                            bucket_limit: vec![0.0, 1.0],
                            bucket: vec![3.0, 4.0],
                            ..Default::default()
                        })),
                        ..Default::default()
                    },
                ],
            }),
        ),
        at(5, event::What::GraphDef(vec![1, 2, 3])),
        Event::default(),
    ]
}

/// What a view says, owned, to compare the two paths.
fn outline(v: EventView<'_>) -> String {
    let mut out = format!("{} {} ", v.wall_time.to_bits(), v.step);
    match v.what {
        WhatView::Summary(values) => values.for_each(|value| {
            out += &format!(
                "[{:?} {:?} {}]",
                value.tag,
                value.meta,
                match value.payload {
                    Payload::Simple(x) => format!("simple {}", x.to_bits()),
                    other => format!("{other:?}"),
                }
            )
        }),
        other => out += &format!("{other:?}"),
    }
    out
}

fn full(record: &[u8]) -> Result<String, prost::DecodeError> {
    Event::decode(record).map(|e| outline(view_of_event(&e)))
}

#[test]
fn the_fast_path_reads_scalar_events_as_prost_does() {
    let events = events();
    for (i, e) in events.iter().enumerate() {
        let bytes = e.encode_to_vec();
        let fast = fast_event(&bytes).map(outline);
        // The first three and the empty event take the fast path; the tensor,
        // histogram and graph go to prost.
        assert_eq!(fast.is_some(), [0, 1, 2, 5].contains(&i), "event {i}");
        if let Some(fast) = fast {
            assert_eq!(fast, full(&bytes).unwrap(), "event {i}");
        }
        assert_eq!(with_event(&bytes, outline).unwrap(), full(&bytes).unwrap());
    }
}

#[test]
fn any_mutation_gives_what_prost_gives() {
    // A deterministic generator (no dependency): byte flips, truncations, insertions.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut fast_taken = 0;
    for e in events() {
        let bytes = e.encode_to_vec();
        for _ in 0..4000 {
            let mut m = bytes.clone();
            for _ in 0..=(next() % 3) {
                if m.is_empty() {
                    break;
                }
                let at = (next() as usize) % m.len();
                match next() % 4 {
                    0 => m[at] ^= 1 << (next() % 8),
                    1 => m.truncate(at),
                    2 => m.insert(at, next() as u8),
                    _ => m[at] = next() as u8,
                }
            }
            let expected = full(&m);
            match with_event(&m, outline) {
                Ok(got) => assert_eq!(Some(got), expected.as_ref().ok().cloned(), "{m:?}"),
                Err(_) => assert!(expected.is_err(), "{m:?}"),
            }
            if fast_event(&m).is_some() {
                fast_taken += 1;
                assert!(
                    expected.is_ok(),
                    "fast path accepted what prost rejects: {m:?}"
                );
            }
        }
    }
    assert!(fast_taken > 1000, "{fast_taken}");
}
