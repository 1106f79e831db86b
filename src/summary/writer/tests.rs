//! The writer's tests: the bytes and files each call leaves, with either sink.

use std::collections::BTreeMap;

use prost::Message;

use super::*;
use crate::events::record;
use crate::proto::summary::value::Value;
use crate::proto::{event, GraphDef, HistogramProto};
use crate::summary::HParamValue;

/// Reads every event of `path` (the file is well-formed: our own writer made it).
pub(super) fn read_events(path: &Path) -> Vec<Event> {
    let bytes = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        let data = &bytes[at + record::HEADER_LEN..at + record::HEADER_LEN + len];
        out.push(Event::decode(data).unwrap());
        at += record::HEADER_LEN + len + record::FOOTER_LEN;
    }
    out
}

fn only_file(dir: &Path) -> PathBuf {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

pub(super) fn summary_value(e: &Event) -> &crate::proto::summary::Value {
    match &e.what {
        Some(event::What::Summary(s)) => &s.value[0],
        other => panic!("{other:?}"),
    }
}

#[test]
fn scalars_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    assert_eq!(w.logdir(), dir.path());
    w.add_scalar("loss", 0.5, 1).unwrap();
    w.add_scalar("loss", 0.25, 2).unwrap();
    let path = w.event_file().to_path_buf();
    w.close().unwrap();
    let events = read_events(&path);
    assert_eq!(events.len(), 3);
    for (e, (step, v)) in events[1..].iter().zip([(1, 0.5), (2, 0.25)]) {
        assert_eq!(e.step, step);
        assert!(e.wall_time.is_finite() && e.wall_time > 1.0e9);
        let value = summary_value(e);
        assert_eq!(value.tag, "loss");
        assert_eq!(value.value, Some(Value::SimpleValue(v)));
    }
}

#[test]
fn scalars_of_one_step_share_one_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    w.set_description("cost", "the cost").unwrap();
    w.add_scalars_at_step(&[("cost", 0.5), ("accuracy", 0.75)], 3)
        .unwrap();
    w.add_scalars_at_step(&[("cost", 0.25), ("accuracy", 1.0)], 4)
        .unwrap();
    let file = w.event_file().to_path_buf();
    w.close().unwrap();
    let events = read_events(&file);
    // The version record, then one event per step holding both values.
    assert_eq!(events.len(), 3);
    let values = |e: &Event| match &e.what {
        Some(event::What::Summary(s)) => s.value.clone(),
        other => panic!("{other:?}"),
    };
    let first = values(&events[1]);
    assert_eq!((events[1].step, first.len()), (3, 2));
    let described = first[0].metadata.as_ref().unwrap();
    assert_eq!(described.summary_description, "the cost");
    assert_eq!(first[1].value, Some(Value::SimpleValue(0.75)));
    let second = values(&events[2]);
    assert_eq!(second[0].value, Some(Value::SimpleValue(0.25)));
    assert!(second[0].metadata.is_none(), "described once");
}

#[test]
fn add_scalars_creates_one_sub_run_per_series() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    w.add_scalars("loss/all", &[("train", 1.0), ("val", 2.0)], 3)
        .unwrap();
    w.add_scalars("loss/all", &[("train", 0.5)], 4).unwrap();
    let main = w.event_file().to_path_buf();
    w.close().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("events.out.tfevents."))
        .collect();
    names.sort();
    assert_eq!(names, ["loss_all_train", "loss_all_val"]);
    assert_eq!(
        read_events(&main).len(),
        1,
        "the run's own file holds no scalars"
    );
    let train = read_events(&only_file(&dir.path().join("loss_all_train")));
    assert_eq!(train.len(), 3);
    assert_eq!(summary_value(&train[1]).tag, "loss/all");
    assert_eq!(
        summary_value(&train[2]).value,
        Some(Value::SimpleValue(0.5))
    );
    assert_eq!(train[2].step, 4);
    let val = read_events(&only_file(&dir.path().join("loss_all_val")));
    assert_eq!(val.len(), 2);
    assert_eq!(summary_value(&val[1]).value, Some(Value::SimpleValue(2.0)));
}

#[test]
fn scalars_run_name_stays_one_directory() {
    assert_eq!(scalars_run_name("a/b", "c/d\\e"), "a_b_c_d_e");
    assert_eq!(scalars_run_name("x", ".."), "x_..");
}

#[test]
fn empty_tags_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    let errs = [
        w.add_scalar("", 1.0, 0).unwrap_err(),
        w.add_scalars("", &[("a", 1.0)], 0).unwrap_err(),
        w.add_scalars("m", &[("a", 1.0), ("", 2.0)], 0).unwrap_err(),
        w.add_histogram("", &[1.0], 0).unwrap_err(),
        w.add_image("", &[0, 0, 0], 1, 1, 0).unwrap_err(),
        w.add_text("", "x", 0).unwrap_err(),
    ];
    for e in &errs {
        assert!(matches!(e, Error::EmptyTag { .. }), "{e:?}");
    }
    assert_eq!(
        errs[2].to_string(),
        "empty add_scalars series name: TensorBoard cannot show a series without a name"
    );
    // Nothing was written, not even the valid first series.
    let path = w.event_file().to_path_buf();
    w.close().unwrap();
    assert_eq!(read_events(&path).len(), 1);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn text_metadata_goes_out_once_per_tag() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    w.add_text("notes", "a", 0).unwrap();
    w.add_text("notes", "b", 1).unwrap();
    w.add_text("other", "c", 1).unwrap();
    let path = w.event_file().to_path_buf();
    w.close().unwrap();
    let events = read_events(&path);
    let with_md: Vec<bool> = events[1..]
        .iter()
        .map(|e| summary_value(e).metadata.is_some())
        .collect();
    assert_eq!(with_md, [true, false, true]);
}

#[test]
fn every_kind_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    w.add_histogram("h", &[1.0, 2.0, 3.0], 1).unwrap();
    w.add_histogram_raw("hr", &HistogramProto::default(), 1)
        .unwrap();
    w.add_image("img", &[1, 2, 3, 4, 5, 6], 2, 1, 1).unwrap();
    w.add_graph(&GraphDef::default()).unwrap();
    w.add_hparams(&[("lr", HParamValue::Num(0.1))], &["loss"])
        .unwrap();
    w.add_hparams_end(crate::proto::hparams::Status::Success)
        .unwrap();
    let layout = super::super::layout::multiline("c", &[("t", vec!["loss".into()])]);
    w.add_custom_scalars(&layout).unwrap();
    w.write_event(Event {
        wall_time: f64::NAN,
        ..Default::default()
    })
    .unwrap();
    w.flush().unwrap();
    let path = w.event_file().to_path_buf();
    w.close().unwrap();
    let events = read_events(&path);
    let tags: Vec<String> = events[1..]
        .iter()
        .map(|e| match &e.what {
            Some(event::What::Summary(s)) => s.value[0].tag.clone(),
            Some(event::What::GraphDef(_)) => "<graph>".to_string(),
            None => "<none>".to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        tags,
        [
            "h",
            "hr",
            "img",
            "<graph>",
            "_hparams_/experiment",
            "_hparams_/session_start_info",
            "_hparams_/session_end_info",
            "custom_scalars__config__",
            "<none>"
        ]
    );
    assert!(events.iter().all(|e| e.wall_time.is_finite()));
    assert_eq!(events[9].wall_time, 0.0);
}

fn fixed_clock() -> f64 {
    1_700_000_000.25
}

/// Every kind of call, descriptions and sub-runs included.
fn every_call(w: &mut SummaryWriter) {
    w.set_description("loss", "the *loss*").unwrap();
    w.set_description("img", "a picture").unwrap();
    w.set_description("acc", "accuracy per split").unwrap();
    for step in 0..2000 {
        w.add_scalar("loss", 1.0 / (1.0 + step as f32), step)
            .unwrap();
        if step % 250 == 0 {
            let values: Vec<f32> = (0..1000).map(|i| (i * step) as f32 * 1e-3).collect();
            w.add_histogram("h", &values, step).unwrap();
            let rgb: Vec<u8> = (0..64 * 32 * 3).map(|i| (i + step) as u8).collect();
            w.add_image("img", &rgb, 64, 32, step).unwrap();
            w.add_scalars("acc", &[("train", 0.5), ("test", 0.25)], step)
                .unwrap();
            w.add_text("notes", "*hi*", step).unwrap();
        }
    }
    w.add_histogram_raw("hr", &HistogramProto::default(), 3)
        .unwrap();
    w.add_graph(&GraphDef::default()).unwrap();
    w.add_hparams(&[("lr", HParamValue::Num(0.1))], &["loss"])
        .unwrap();
    w.flush().unwrap();
    w.add_scalar("late", 2.0, 1).unwrap();
}

/// Every file under `dir`, by path relative to it (event file names made uniform).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walk(dir) {
        let rel = entry.strip_prefix(dir).unwrap();
        let parent = rel.parent().unwrap().to_string_lossy().into_owned();
        out.insert(format!("{parent}/events"), std::fs::read(&entry).unwrap());
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}

#[test]
fn non_blocking_writes_the_same_bytes() {
    let [a, b] = [(); 2].map(|()| tempfile::tempdir().unwrap());
    for (dir, non_blocking) in [(&a, false), (&b, true)] {
        let options = WriterOptions {
            non_blocking,
            // Small, so that the queue fills and the caller waits.
            queue_bytes: 10_000,
            wall_clock: Some(fixed_clock),
            ..Default::default()
        };
        let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
        every_call(&mut w);
        w.close().unwrap();
    }
    let (ta, tb) = (tree(a.path()), tree(b.path()));
    assert_eq!(
        ta.keys().collect::<Vec<_>>(),
        ["/events", "acc_test/events", "acc_train/events"]
    );
    for (name, bytes) in &ta {
        assert!(bytes.len() > 100, "{name}");
        assert!(tb[name] == *bytes, "{name} differs");
    }
    assert_eq!(ta.len(), tb.len());
}

#[test]
fn dropping_flushes_both_kinds_of_writer() {
    for non_blocking in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let options = WriterOptions {
            non_blocking,
            flush_interval: std::time::Duration::from_secs(3600),
            ..Default::default()
        };
        let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
        for step in 0..10 {
            w.add_scalar("loss", 1.0, step).unwrap();
        }
        w.add_scalars("m", &[("a", 1.0)], 0).unwrap();
        let path = w.event_file().to_path_buf();
        drop(w);
        assert_eq!(read_events(&path).len(), 11, "non_blocking: {non_blocking}");
        let sub = read_events(&only_file(&dir.path().join("m_a")));
        assert_eq!(sub.len(), 2, "non_blocking: {non_blocking}");
    }
}

#[test]
fn a_background_error_comes_back_at_the_next_call_and_at_close() {
    let dir = tempfile::tempdir().unwrap();
    // The sub-run directory cannot be made: a file has its name.
    std::fs::write(dir.path().join("m_a"), b"in the way").unwrap();
    let options = WriterOptions {
        non_blocking: true,
        ..Default::default()
    };
    let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
    // Queued: the thread finds out.
    w.add_scalars("m", &[("a", 1.0)], 0).unwrap();
    let start = std::time::Instant::now();
    let err = loop {
        match w.add_scalar("loss", 1.0, 0) {
            Ok(()) => std::thread::sleep(std::time::Duration::from_millis(1)),
            Err(e) => break e,
        }
        assert!(start.elapsed().as_secs() < 20, "the error never came back");
    };
    assert!(
        matches!(err, Error::Events(crate::events::Error::CreateDir { .. })),
        "{err:?}"
    );
    // Reported once; the writer goes on with the run's own file.
    w.add_scalar("loss", 2.0, 1).unwrap();
    w.flush().unwrap();
    w.add_scalars("m", &[("a", 1.0)], 1).unwrap();
    let err = w.close().unwrap_err();
    assert!(
        matches!(err, Error::Events(crate::events::Error::CreateDir { .. })),
        "{err:?}"
    );
}

#[test]
fn flush_reports_a_background_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m_a"), b"in the way").unwrap();
    let options = WriterOptions {
        non_blocking: true,
        ..Default::default()
    };
    let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
    w.add_scalars("m", &[("a", 1.0)], 0).unwrap();
    let err = w.flush().unwrap_err();
    assert!(
        err.to_string().starts_with("cannot create log directory"),
        "{err}"
    );
    w.close().unwrap();
}

#[test]
fn descriptions_go_on_each_tags_first_event_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    w.set_description("loss", "L").unwrap();
    w.set_description("h", "H").unwrap();
    w.set_description("notes", "N").unwrap();
    w.set_description("m", "M").unwrap();
    w.add_scalar("loss", 0.5, 0).unwrap();
    w.add_scalar("loss", 0.25, 1).unwrap();
    w.add_histogram("h", &[1.0], 0).unwrap();
    w.add_histogram("h", &[1.0], 1).unwrap();
    w.add_text("notes", "a", 0).unwrap();
    w.add_text("notes", "b", 1).unwrap();
    w.add_scalars("m", &[("a", 1.0)], 0).unwrap();
    w.add_scalars("m", &[("a", 1.0), ("b", 2.0)], 1).unwrap();
    let too_late = w.set_description("loss", "x").unwrap_err();
    assert_eq!(
        too_late.to_string(),
        "tag \"loss\": a description must be set before the tag's first event \
         (TensorBoard reads it from that event only)"
    );
    assert!(w.set_description("m", "x").is_err());
    assert!(matches!(
        w.set_description("", "x"),
        Err(Error::EmptyTag { .. })
    ));
    let path = w.event_file().to_path_buf();
    w.close().unwrap();
    let description = |e: &Event| {
        summary_value(e)
            .metadata
            .as_ref()
            .map(|m| m.summary_description.clone())
    };
    let events = read_events(&path);
    let got: Vec<Option<String>> = events[1..].iter().map(description).collect();
    assert_eq!(
        got,
        [
            Some("L".to_string()),
            None,
            Some("H".to_string()),
            None,
            Some("N".to_string()),
            None
        ]
    );
    // The first scalar is scalar_pb's tensor; the next one the plain simple_value.
    assert!(matches!(
        summary_value(&events[1]).value,
        Some(Value::Tensor(_))
    ));
    assert_eq!(
        summary_value(&events[2]).value,
        Some(Value::SimpleValue(0.25))
    );
    for (series, n) in [("m_a", 3), ("m_b", 2)] {
        let sub = read_events(&only_file(&dir.path().join(series)));
        assert_eq!(sub.len(), n, "{series}");
        assert_eq!(description(&sub[1]).as_deref(), Some("M"), "{series}");
        if n == 3 {
            assert_eq!(description(&sub[2]), None, "{series}");
        }
    }
}

/// A resume purges the sub-runs with late points, even those this session never
/// writes, and leaves other runs nested in the logdir alone.
#[test]
fn a_resume_purges_the_sub_runs_it_finds() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..10 {
        w.add_scalars("acc/all", &[("train", 1.0), ("test", 2.0)], step)
            .unwrap();
        w.add_scalars("early", &[("x", 1.0)], step.min(3)).unwrap();
    }
    w.close().unwrap();
    let mut nested = SummaryWriter::new(dir.path().join("acc_all_nested_run")).unwrap();
    nested.add_scalar("loss", 1.0, 9).unwrap();
    nested.close().unwrap();

    let options = WriterOptions {
        purge_step: Some(5),
        ..Default::default()
    };
    let w = SummaryWriter::with_options(dir.path(), options).unwrap();
    w.close().unwrap();
    let files = |run: &str| -> Vec<PathBuf> {
        crate::events::files::event_files(&dir.path().join(run)).unwrap()
    };
    for run in ["acc_all_train", "acc_all_test"] {
        let files = files(run);
        assert_eq!(files.len(), 2, "{run}");
        let purge = read_events(&files[1]);
        assert_eq!(
            &purge[1..],
            crate::events::Purge::new(5, ["acc/all".to_string()]).events(purge[1].wall_time),
            "{run}"
        );
    }
    // No point at step >= 5: nothing to purge, no new file.
    assert_eq!(files("early_x").len(), 1);
    // Its tag is not `acc/all`: another run, not a sub-run of this one.
    assert_eq!(files("acc_all_nested_run").len(), 1);
    // The run itself had no points of its own.
    assert_eq!(files("").len(), 2);
    assert_eq!(read_events(&files("")[1]).len(), 1);
}

#[test]
fn image_errors_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = SummaryWriter::new(dir.path()).unwrap();
    let err = w.add_image("img", &[0; 5], 1, 2, 0).unwrap_err();
    assert!(matches!(err, Error::ImageSize { .. }), "{err:?}");
    let path = w.event_file().to_path_buf();
    w.close().unwrap();
    assert_eq!(read_events(&path).len(), 1);
}

#[test]
fn add_png_writes_what_add_image_writes() {
    let rgb = [10, 20, 30, 40, 50, 60];
    let png = crate::summary::image::encode_png(&rgb, 1, 2).unwrap();
    let values = |add: &dyn Fn(&mut SummaryWriter, i64)| {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        w.set_description("pic", "a picture").unwrap();
        add(&mut w, 0);
        add(&mut w, 1);
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        read_events(&path)[1..]
            .iter()
            .map(|e| (e.step, summary_value(e).clone()))
            .collect::<Vec<_>>()
    };
    let from_png = values(&|w, step| w.add_png("pic", &png, step).unwrap());
    let from_rgb = values(&|w, step| w.add_image("pic", &rgb, 1, 2, step).unwrap());
    assert_eq!(from_png, from_rgb);
    // The description goes on the first event only.
    assert!(from_png[0].1.metadata.is_some());
    assert!(from_png[1].1.metadata.is_none());
}

fn nan_clock() -> f64 {
    f64::NAN
}

fn infinite_clock() -> f64 {
    f64::INFINITY
}

fn minus_infinite_clock() -> f64 {
    f64::NEG_INFINITY
}

/// Every adder there is, on top of [`every_call`]'s.
fn every_other_adder(w: &mut SummaryWriter) {
    w.add_scalars_at_step(&[("cost", 0.5), ("accuracy", 1.0)], 5)
        .unwrap();
    let png = crate::summary::image::encode("p", &[9, 8, 7], 1, 1).unwrap();
    w.add_png("p", &png, 5).unwrap();
    let spec = crate::summary::hparams::ExperimentSpec {
        hparams: vec![crate::summary::hparams::HParamSpec {
            name: "lr".into(),
            domain: crate::summary::hparams::HParamDomain::Interval { min: 0.0, max: 1.0 },
            differs: true,
        }],
        metrics: vec!["cost".into()],
    };
    w.add_hparams_experiment(&spec).unwrap();
    w.add_hparams_start(&[("lr", HParamValue::Num(0.5))], Some("g"))
        .unwrap();
    w.add_hparams_end(crate::proto::hparams::Status::Success)
        .unwrap();
    let layout = super::super::layout::multiline("c", &[("t", vec!["loss".into()])]);
    w.add_custom_scalars(&layout).unwrap();
    w.write_event(Event {
        wall_time: f64::NAN,
        step: 6,
        ..Default::default()
    })
    .unwrap();
}

/// The times inside an hparams record (created, started, ended), if `e` is one.
fn hparams_times(e: &Event) -> Vec<f64> {
    use crate::proto::hparams::{h_params_plugin_data::Data, HParamsPluginData};
    let Some(event::What::Summary(s)) = &e.what else {
        return Vec::new();
    };
    s.value
        .iter()
        .filter_map(|v| v.metadata.as_ref()?.plugin_data.as_ref())
        .filter(|p| p.plugin_name == "hparams")
        .filter_map(|p| HParamsPluginData::decode(p.content.as_slice()).ok()?.data)
        .map(|data| match data {
            Data::Experiment(x) => x.time_created_secs,
            Data::SessionStartInfo(x) => x.start_time_secs,
            Data::SessionEndInfo(x) => x.end_time_secs,
        })
        .collect()
}

#[test]
fn a_clock_that_is_not_finite_stamps_zero_through_every_adder() {
    // The bytes of NaN and of both infinities as an f64 (little-endian), as they would
    // appear in a record's `wall_time` field.
    let bad: Vec<[u8; 8]> = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY]
        .iter()
        .map(|x| x.to_le_bytes())
        .collect();
    for clock in [nan_clock, infinite_clock, minus_infinite_clock] {
        for non_blocking in [false, true] {
            let label = format!("clock {} non_blocking {non_blocking}", clock());
            let dir = tempfile::tempdir().unwrap();
            let options = WriterOptions {
                non_blocking,
                wall_clock: Some(clock),
                ..Default::default()
            };
            let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
            every_call(&mut w);
            every_other_adder(&mut w);
            w.close().unwrap();
            let files = walk(dir.path());
            assert_eq!(
                files.len(),
                3,
                "{label}: the run and two add_scalars sub-runs"
            );
            let mut events = 0;
            let mut hparams = 0;
            for file in &files {
                let bytes = std::fs::read(file).unwrap();
                for pattern in &bad {
                    assert!(
                        !bytes.windows(8).any(|w| w == pattern),
                        "{label}: {} holds a non-finite f64",
                        file.display()
                    );
                }
                for e in read_events(file) {
                    assert_eq!(e.wall_time.to_bits(), 0, "{label}: {e:?}");
                    for time in hparams_times(&e) {
                        assert_eq!(time.to_bits(), 0, "{label}: {e:?}");
                        hparams += 1;
                    }
                    events += 1;
                }
            }
            // Every adder wrote something: 2000 + 2 scalars, 8 histograms, images,
            // texts and add_scalars pairs, the rest once.
            assert!(events > 2000, "{label}: {events}");
            // add_hparams (experiment + start), experiment, start, end.
            assert_eq!(hparams, 5, "{label}");
        }
    }
}
