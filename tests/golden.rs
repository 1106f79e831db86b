//! Golden bytes: our builders must produce, record for record, the bytes TensorBoard's own
//! Python writers produce for the same events.
//!
//! The fixtures in `tests/fixtures/` are single framed TFRecords cut from an event file
//! that tensorboardX 2.6.5 wrote with TensorBoard 2.21's builders at a fixed wall time;
//! `scripts/make_fixtures.py` regenerates them (its constants are repeated below).
//!
//! Deliberate differences from tensorboardX, not covered here: our text keeps the tag as
//! given with a rank-0 tensor (TensorBoard's `text_pb`, which is what these fixtures use;
//! tensorboardX appends `/text_summary` and uses shape `[1]`), and our writer sends a
//! tag's metadata only with its first event (the builders always include it, so they are
//! compared with Python here).

use prost::Message;
use tbtrain::events::record;
use tbtrain::proto::hparams::Status;
use tbtrain::proto::{event, Event, HistogramProto};
use tbtrain::summary::hparams::{self, ExperimentSpec, HParamDomain, HParamSpec, HParamValue};
use tbtrain::summary::{self, layout};
use tbtrain::SummaryWriter;

const WALL_TIME: f64 = 1700000000.25;
const STEP: i64 = 42;
const START_TIME: f64 = 1700000000.5;
const DESCRIPTION: &str = "Cost: **ln 2** = 0.6931 means *no* learning.";

fn framed(event: &Event) -> Vec<u8> {
    let mut out = Vec::new();
    record::encode_into(&event.encode_to_vec(), &mut out);
    out
}

/// Asserts equality, showing the decoded events on failure (bytes alone are unreadable).
fn assert_same(ours: &[u8], fixture: &[u8], name: &str) {
    if ours != fixture {
        let decode = |b: &[u8]| Event::decode(&b[record::HEADER_LEN..b.len() - record::FOOTER_LEN]);
        panic!(
            "{name}: bytes differ\n ours:   {ours:02x?}\n python: {fixture:02x?}\n ours:   {:?}\n python: {:?}",
            decode(ours),
            decode(fixture)
        );
    }
}

#[test]
fn file_version() {
    let ours = framed(&summary::file_version_event(WALL_TIME));
    assert_same(
        &ours,
        include_bytes!("fixtures/file_version.tfrecord"),
        "file_version",
    );
}

#[test]
fn scalar_builder_and_fast_encoder() {
    let fixture = include_bytes!("fixtures/scalar.tfrecord");
    let built = framed(&summary::event(
        WALL_TIME,
        STEP,
        summary::scalar("loss/train", 0.125),
    ));
    assert_same(&built, fixture, "scalar (builder)");

    let mut data = Vec::new();
    summary::scalar::encode_event(WALL_TIME, STEP, "loss/train", 0.125, &mut data);
    let mut fast = Vec::new();
    record::encode_into(&data, &mut fast);
    assert_same(&fast, fixture, "scalar (fast encoder)");
}

/// A described scalar's first event is what TensorBoard's `scalar_pb(..., description=)`
/// writes: a rank-0 float tensor with plugin `scalars` metadata.
#[test]
fn described_scalar_is_scalar_pb() {
    let fixture = include_bytes!("fixtures/scalar_described.tfrecord");
    let built = framed(&summary::event(
        WALL_TIME,
        STEP,
        summary::with_description(summary::scalar("loss/train", 0.125), DESCRIPTION),
    ));
    assert_same(&built, fixture, "scalar_described");
}

#[test]
fn described_text_is_text_pb() {
    let fixture = include_bytes!("fixtures/text_described.tfrecord");
    let built = framed(&summary::event(
        WALL_TIME,
        STEP,
        summary::with_description(summary::text("notes", "**bold** and `code`"), DESCRIPTION),
    ));
    assert_same(&built, fixture, "text_described");
}

/// The `SessionLog` `START` of a resume is tensorboardX's (`purge_step`), byte for byte.
#[test]
fn session_start_is_tensorboardx_purge_start() {
    let purge = tbtrain::events::Purge::new(STEP, ["loss".to_string()]);
    let events = purge.events(WALL_TIME);
    let fixture = include_bytes!("fixtures/session_start.tfrecord");
    assert_same(&framed(&events[1]), fixture, "session_start");
    assert_same(&framed(&events[2]), fixture, "session_start (second)");
}

#[test]
fn histogram_raw() {
    let histo = HistogramProto {
        min: -1.5,
        max: 2.0,
        num: 7.0,
        sum: 1.25,
        sum_squares: 9.5,
        bucket_limit: vec![-1.0, 0.0, 1.0, 2.0],
        bucket: vec![1.0, 2.0, 3.0, 1.0],
    };
    let ours = framed(&summary::event(
        WALL_TIME,
        STEP,
        summary::histogram_raw("weights/layer0", &histo),
    ));
    assert_same(
        &ours,
        include_bytes!("fixtures/histogram_raw.tfrecord"),
        "histogram_raw",
    );
}

#[test]
fn text() {
    let ours = framed(&summary::event(
        WALL_TIME,
        STEP,
        summary::text("notes", "**bold** and `code`"),
    ));
    assert_same(&ours, include_bytes!("fixtures/text.tfrecord"), "text");
}

#[test]
fn hparams_session_start_one_value() {
    let hp = [("lr", HParamValue::Num(0.01))];
    let s = hparams::session_start(&hp, Some("run-1"), START_TIME).unwrap();
    let ours = framed(&summary::event(WALL_TIME, 0, s));
    assert_same(
        &ours,
        include_bytes!("fixtures/hparams_start.tfrecord"),
        "hparams_start",
    );
}

#[test]
fn hparams_session_start_several_values() {
    let hp = [
        ("lr", HParamValue::Num(0.01)),
        ("activation", HParamValue::Str("relu".into())),
        ("batch_norm", HParamValue::Bool(false)),
        ("layers", HParamValue::Num(11.0)),
    ];
    let s = hparams::session_start(&hp, Some("run-2"), START_TIME).unwrap();
    let ours = framed(&summary::event(WALL_TIME, 0, s));
    assert_same(
        &ours,
        include_bytes!("fixtures/hparams_start_multi.tfrecord"),
        "hparams_start_multi",
    );
}

#[test]
fn hparams_experiment() {
    let spec = ExperimentSpec {
        hparams: vec![
            HParamSpec {
                name: "layers".into(),
                domain: HParamDomain::Discrete(vec![HParamValue::Num(11.0), HParamValue::Num(2.0)]),
                differs: false,
            },
            HParamSpec {
                name: "lr".into(),
                domain: HParamDomain::Interval {
                    min: 0.001,
                    max: 0.1,
                },
                differs: false,
            },
            HParamSpec {
                name: "activation".into(),
                domain: HParamDomain::Discrete(vec![
                    HParamValue::Str("sigmoid".into()),
                    HParamValue::Str("relu".into()),
                ]),
                differs: false,
            },
            HParamSpec {
                name: "batch_norm".into(),
                domain: HParamDomain::Discrete(vec![
                    HParamValue::Bool(true),
                    HParamValue::Bool(false),
                ]),
                differs: false,
            },
        ],
        metrics: vec!["loss".into(), "accuracy".into()],
    };
    let s = hparams::experiment(&spec, START_TIME).unwrap();
    let ours = framed(&summary::event(WALL_TIME, 0, s));
    assert_same(
        &ours,
        include_bytes!("fixtures/hparams_experiment.tfrecord"),
        "hparams_experiment",
    );
}

#[test]
fn hparams_session_end() {
    let s = hparams::session_end(Status::Success, START_TIME);
    let ours = framed(&summary::event(WALL_TIME, 0, s));
    assert_same(
        &ours,
        include_bytes!("fixtures/hparams_end.tfrecord"),
        "hparams_end",
    );
}

#[test]
fn custom_scalars() {
    let l = layout::multiline(
        "training",
        &[("loss", vec!["loss/.*".to_string(), "val_loss".to_string()])],
    );
    let ours = framed(&summary::event(WALL_TIME, 0, summary::custom_scalars(&l)));
    assert_same(
        &ours,
        include_bytes!("fixtures/custom_scalars.tfrecord"),
        "custom_scalars",
    );
}

/// With a fixed clock, the writer's file is the fixtures, record for record.
#[test]
fn writer_output_with_a_fixed_clock_is_the_fixtures() {
    fn clock() -> f64 {
        WALL_TIME
    }
    for non_blocking in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let options = tbtrain::events::WriterOptions {
            wall_clock: Some(clock),
            non_blocking,
            ..Default::default()
        };
        let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
        w.set_description("loss/train", DESCRIPTION).unwrap();
        w.set_description("notes", DESCRIPTION).unwrap();
        w.add_scalar("loss/train", 0.125, STEP).unwrap();
        w.add_text("notes", "**bold** and `code`", STEP).unwrap();
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        let expected = [
            &include_bytes!("fixtures/file_version.tfrecord")[..],
            &include_bytes!("fixtures/scalar_described.tfrecord")[..],
            &include_bytes!("fixtures/text_described.tfrecord")[..],
        ]
        .concat();
        assert_same(
            &std::fs::read(path).unwrap(),
            &expected,
            &format!("whole file, non_blocking: {non_blocking}"),
        );
    }
}

/// The writer's records equal the fixtures once the wall time (the system clock's) is
/// set to the fixtures' one.
#[test]
fn writer_output_matches_with_pinned_wall_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    w.add_scalar("loss/train", 0.125, STEP).unwrap();
    w.add_text("notes", "**bold** and `code`", STEP).unwrap();
    w.add_custom_scalars(&layout::multiline(
        "training",
        &[("loss", vec!["loss/.*".to_string(), "val_loss".to_string()])],
    ))
    .unwrap();
    let path = w.event_file().to_path_buf();
    w.close().unwrap();

    let bytes = std::fs::read(path).unwrap();
    let mut records = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        let end = at + record::HEADER_LEN + len + record::FOOTER_LEN;
        records.push(&bytes[at..end]);
        at = end;
    }
    let fixtures: [(&str, &[u8]); 4] = [
        (
            "file_version",
            include_bytes!("fixtures/file_version.tfrecord"),
        ),
        ("scalar", include_bytes!("fixtures/scalar.tfrecord")),
        ("text", include_bytes!("fixtures/text.tfrecord")),
        (
            "custom_scalars",
            include_bytes!("fixtures/custom_scalars.tfrecord"),
        ),
    ];
    assert_eq!(records.len(), fixtures.len());
    for (rec, (name, fixture)) in records.iter().zip(fixtures) {
        let data = &rec[record::HEADER_LEN..rec.len() - record::FOOTER_LEN];
        let mut e = Event::decode(data).unwrap();
        assert!(
            e.wall_time > 1.0e9 && e.wall_time.is_finite(),
            "{name}: {}",
            e.wall_time
        );
        // Re-encoding must not hide a difference: the decoded event re-encodes to `data`.
        assert_eq!(e.encode_to_vec(), data, "{name}");
        e.wall_time = WALL_TIME;
        assert_same(&framed(&e), fixture, name);
        if let Some(event::What::FileVersion(v)) = &e.what {
            assert_eq!(v, "brain.Event:2");
        }
    }
}
