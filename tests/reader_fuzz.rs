//! Property tests of the event reader on hostile input: arbitrary bytes, and a real
//! event file with bit flips, truncations, inserted bytes and huge length fields.
//!
//! Beyond "never panics", each problem must point inside the file, problems and events
//! come in increasing offset order, only the last item may stop the reader, and a single
//! mutation leaves every record before it untouched. CRC-32C catches every single-bit
//! error, so a single bit flip has one exact outcome, checked here.

use std::io::Cursor;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;

use tbtrain::events::reader::{Problem, ReadError};
use tbtrain::events::record;
use tbtrain::events::EventReader;
use tbtrain::inspect;
use tbtrain::proto::{event, summary, Event, HistogramProto, Summary};
use tbtrain::EventWriter;

type Item = Result<(u64, Event), ReadError>;

/// A real event file: its bytes and its records' (start, end, event).
struct Base {
    bytes: Vec<u8>,
    records: Vec<(u64, u64, Event)>,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut w = EventWriter::create(dir.path()).unwrap();
        for step in 0..24i64 {
            let value = if step % 6 == 5 {
                summary::value::Value::Histo(HistogramProto {
                    min: 0.0,
                    max: step as f64,
                    num: 3.0,
                    bucket_limit: vec![1.0, 10.0, 100.0],
                    bucket: vec![1.0, 1.0, 1.0],
                    ..Default::default()
                })
            } else {
                summary::value::Value::SimpleValue(step as f32 * 0.125)
            };
            w.write_event(&Event {
                wall_time: 1000.0 + step as f64,
                step,
                what: Some(event::What::Summary(Summary {
                    value: vec![summary::Value {
                        tag: if step % 6 == 5 { "w" } else { "loss" }.into(),
                        value: Some(value),
                        ..Default::default()
                    }],
                })),
                source_metadata: None,
            })
            .unwrap();
        }
        let path = w.path().to_path_buf();
        w.close().unwrap();
        let bytes = std::fs::read(path).unwrap();
        let events: Vec<(u64, Event)> = read(&bytes).into_iter().map(Result::unwrap).collect();
        let mut records = Vec::new();
        for (i, (start, event)) in events.iter().enumerate() {
            let end = events.get(i + 1).map_or(bytes.len() as u64, |next| next.0);
            records.push((*start, end, event.clone()));
        }
        Base { bytes, records }
    })
}

fn read(bytes: &[u8]) -> Vec<Item> {
    EventReader::new(Cursor::new(bytes.to_vec())).collect()
}

/// What must hold for any input; returns the items for further checks.
fn check_invariants(bytes: &[u8]) -> Vec<Item> {
    let len = bytes.len() as u64;
    let items = read(bytes);
    assert!(
        items.len() as u64 <= len / 16 + 1,
        "{} items from {len} bytes",
        items.len()
    );
    let mut previous: Option<u64> = None;
    for (i, item) in items.iter().enumerate() {
        let offset = match item {
            Ok((offset, _)) => {
                assert!(offset + 16 <= len, "event at {offset} in {len} bytes");
                *offset
            }
            Err(e) => {
                let problem = &e.problem;
                let offset = problem.offset();
                let min_extent = match problem {
                    Problem::Truncated { needed, got, .. } => {
                        assert!(got < needed && *got >= 1, "{problem}");
                        assert_eq!(offset + got, len, "{problem}");
                        *got
                    }
                    Problem::LengthCrc { .. } => 12,
                    Problem::DataCrc { .. } | Problem::Decode { .. } => 16,
                    other => panic!("unexpected problem on an in-memory stream: {other}"),
                };
                assert!(offset + min_extent <= len, "{problem} in {len} bytes");
                assert!(e.to_string().contains(&format!("at byte {offset} ")), "{e}");
                if problem.is_fatal() {
                    assert_eq!(i + 1, items.len(), "fatal {problem} is not last");
                }
                offset
            }
        };
        if let Some(p) = previous {
            assert!(offset > p, "offset {offset} after {p}");
        }
        previous = Some(offset);
    }
    items
}

/// The records of the base file that end at or before `at`, as the reader yields them.
fn untouched_before(at: u64) -> Vec<(u64, Event)> {
    base()
        .records
        .iter()
        .take_while(|(_, end, _)| *end <= at)
        .map(|(start, _, e)| (*start, e.clone()))
        .collect()
}

fn assert_prefix_kept(items: &[Item], at: u64) {
    let expected = untouched_before(at);
    let got: Vec<(u64, Event)> = items
        .iter()
        .take(expected.len())
        .map(|i| i.as_ref().unwrap().clone())
        .collect();
    assert_eq!(got, expected);
}

/// The base record containing byte `at`: (index, start, end).
fn record_at(at: u64) -> (usize, u64, u64) {
    let (i, (start, end, _)) = base()
        .records
        .iter()
        .enumerate()
        .find(|(_, (start, end, _))| *start <= at && at < *end)
        .unwrap();
    (i, *start, *end)
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit { at: Index, bit: u8 },
    Truncate { at: Index },
    Insert { at: Index, bytes: Vec<u8> },
    HugeLength { record: Index, len: u64 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        any::<Index>().prop_map(|at| Mutation::Truncate { at }),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (
            any::<Index>(),
            prop_oneof![Just(1u64 << 60), Just(u64::MAX), 1u64 << 20..]
        )
            .prop_map(|(record, len)| Mutation::HugeLength { record, len }),
    ]
}

/// Applies `m` to `bytes`; returns the first byte position it changed.
fn apply(m: &Mutation, bytes: &mut Vec<u8>) -> u64 {
    match m {
        Mutation::FlipBit { at, bit } => {
            let at = at.index(bytes.len().max(1));
            if let Some(b) = bytes.get_mut(at) {
                *b ^= 1 << bit;
            }
            at as u64
        }
        Mutation::Truncate { at } => {
            let at = at.index(bytes.len().max(1));
            bytes.truncate(at);
            at as u64
        }
        Mutation::Insert { at, bytes: new } => {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, new.iter().copied());
            at as u64
        }
        Mutation::HugeLength { record: k, len } => {
            // Needs a record boundary in the current bytes: use the base file's.
            let (start, _, _) = base().records[k.index(base().records.len())];
            let start = start as usize;
            if start + record::HEADER_LEN <= bytes.len() {
                bytes[start..start + record::HEADER_LEN].copy_from_slice(&record::header(*len));
            }
            start as u64
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        check_invariants(&bytes);
    }

    #[test]
    fn arbitrary_records_with_valid_length_crcs(
        lens in prop::collection::vec(prop_oneof![0u64..64, Just(u64::MAX), any::<u64>()], 1..8),
        filler in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        // Valid headers followed by junk: framing holds, data checks must catch the rest.
        let mut bytes = Vec::new();
        for len in lens {
            bytes.extend_from_slice(&record::header(len));
            bytes.extend_from_slice(&filler);
        }
        check_invariants(&bytes);
    }

    #[test]
    fn one_mutation_of_a_real_file(m in mutation()) {
        let base = base();
        let mut bytes = base.bytes.clone();
        let at = apply(&m, &mut bytes);
        let items = check_invariants(&bytes);
        assert_prefix_kept(&items, at);

        let before = |k: usize| -> Vec<String> {
            base.records[..k].iter().map(|(s, _, _)| format!("event@{s}")).collect()
        };
        let outline: Vec<String> = items
            .iter()
            .map(|i| match i {
                Ok((offset, _)) => format!("event@{offset}"),
                Err(e) => format!("{:?}", e.problem),
            })
            .collect();
        match m {
            Mutation::FlipBit { .. } => {
                let (k, start, _) = record_at(at);
                let mut expected = before(k);
                if at < start + 12 {
                    expected.push(format!("LengthCrc {{ offset: {start} }}"));
                } else {
                    expected.push(format!("DataCrc {{ offset: {start} }}"));
                    expected.extend(base.records[k + 1..].iter().map(|(s, _, _)| format!("event@{s}")));
                }
                prop_assert_eq!(outline, expected);
            }
            Mutation::Truncate { .. } => {
                let (k, start, end) = record_at(at);
                let mut expected = before(k);
                if at > start {
                    let needed = if at - start < 12 { 12 } else { end - start };
                    expected.push(format!(
                        "Truncated {{ offset: {start}, needed: {needed}, got: {} }}",
                        at - start
                    ));
                }
                prop_assert_eq!(outline, expected);
            }
            Mutation::HugeLength { len, .. } => {
                let (k, start, _) = record_at(at);
                let mut expected = before(k);
                let got = bytes.len() as u64 - start;
                let needed = len.saturating_add(16);
                // A "huge" length that happens to fit the rest of the file frames a bogus
                // record instead; the invariants above still held.
                if needed > got {
                    expected.push(format!("Truncated {{ offset: {start}, needed: {needed}, got: {got} }}"));
                    prop_assert_eq!(outline, expected);
                }
            }
            Mutation::Insert { .. } => {}
        }
    }

    #[test]
    fn several_mutations_of_a_real_file(ms in prop::collection::vec(mutation(), 1..6)) {
        let mut bytes = base().bytes.clone();
        let mut first = u64::MAX;
        for m in &ms {
            first = first.min(apply(m, &mut bytes));
        }
        let items = check_invariants(&bytes);
        assert_prefix_kept(&items, first);
    }
}

proptest! {
    // Each case touches the file system: fewer of them.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn scan_reports_mutated_files_with_offsets_inside(ms in prop::collection::vec(mutation(), 1..4)) {
        let mut bytes = base().bytes.clone();
        for m in &ms {
            apply(m, &mut bytes);
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("events.out.tfevents.0.fuzz"), &bytes).unwrap();
        let reports = inspect::scan(dir.path()).unwrap();
        prop_assert_eq!(reports.len(), 1);
        for problem in &reports[0].problems {
            let offset: u64 = problem
                .split("at byte ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no offset in {problem}"));
            prop_assert!(offset < bytes.len() as u64, "{} in {} bytes", problem, bytes.len());
            prop_assert!(problem.starts_with("events.out.tfevents.0.fuzz: "), "{}", problem);
        }
        let _ = inspect::render_text(&reports);
        #[cfg(feature = "json")]
        {
            let json: serde_json::Value = serde_json::from_str(&inspect::render_json(&reports)).unwrap();
            prop_assert!(json["runs"].is_array());
        }
    }
}
