use super::*;
use crate::events::EventWriter;
use crate::proto::{
    event, summary, summary_metadata, DataType, Event, HistogramProto, Summary, SummaryMetadata,
    TensorProto, TensorShapeProto,
};
use std::fs;

fn meta(plugin: &str) -> Option<SummaryMetadata> {
    Some(SummaryMetadata {
        plugin_data: Some(summary_metadata::PluginData {
            plugin_name: plugin.to_string(),
            content: Vec::new(),
        }),
        ..Default::default()
    })
}

fn value(
    tag: &str,
    v: Option<summary::value::Value>,
    m: Option<SummaryMetadata>,
) -> summary::Value {
    summary::Value {
        tag: tag.to_string(),
        metadata: m,
        value: v,
        ..Default::default()
    }
}

fn summary_event(step: i64, values: Vec<summary::Value>) -> Event {
    Event {
        wall_time: 10.0,
        step,
        what: Some(event::What::Summary(Summary { value: values })),
        source_metadata: None,
    }
}

fn scalar_tensor(
    dtype: DataType,
    float_val: Vec<f32>,
    double_val: Vec<f64>,
    content: &[u8],
) -> summary::value::Value {
    summary::value::Value::Tensor(TensorProto {
        dtype: dtype as i32,
        tensor_shape: Some(TensorShapeProto::default()),
        float_val,
        double_val,
        tensor_content: content.to_vec(),
        ..Default::default()
    })
}

fn write(dir: &Path, events: &[Event]) -> PathBuf {
    let mut w = EventWriter::create(dir).unwrap();
    for e in events {
        w.write_event(e).unwrap();
    }
    let path = w.path().to_path_buf();
    w.close().unwrap();
    path
}

#[test]
fn kinds_and_plugin_remembered_from_first_metadata() {
    use summary::value::Value as V;
    let dir = tempfile::tempdir().unwrap();
    let text = || scalar_tensor(DataType::DtString, vec![], vec![], b"");
    let events = vec![
        Event {
            what: Some(event::What::GraphDef(vec![1, 2, 3])),
            ..Default::default()
        },
        summary_event(
            0,
            vec![
                value("loss", Some(V::SimpleValue(0.75)), None),
                value(
                    "acc",
                    Some(scalar_tensor(DataType::DtFloat, vec![0.5], vec![], b"")),
                    meta("scalars"),
                ),
                value("w", Some(V::Histo(HistogramProto::default())), None),
                value(
                    "w2",
                    Some(scalar_tensor(DataType::DtDouble, vec![], vec![], b"")),
                    meta("histograms"),
                ),
                value("pic", Some(V::Image(summary::Image::default())), None),
                value("pic2", Some(text()), meta("images")),
                value("note", Some(text()), meta("text")),
                value("_hparams_/experiment", None, meta("hparams")),
                value("odd", Some(text()), meta("pr_curves")),
            ],
        ),
        // Second values carry no metadata: the first one's plugin still applies.
        summary_event(
            5,
            vec![
                value("loss", Some(V::SimpleValue(0.25)), None),
                value(
                    "acc",
                    Some(scalar_tensor(DataType::DtDouble, vec![], vec![0.875], b"")),
                    None,
                ),
                value("note", Some(text()), None),
            ],
        ),
    ];
    write(dir.path(), &events);
    let reports = scan(dir.path()).unwrap();
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!((r.run.as_str(), r.files, r.graph), (".", 1, true));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    type Row<'a> = (&'a str, TagKind, u64, i64, i64, Option<f64>);
    let tags: Vec<Row> = r
        .tags
        .iter()
        .map(|t| {
            (
                t.tag.as_str(),
                t.kind,
                t.count,
                t.first_step,
                t.last_step,
                t.last_value,
            )
        })
        .collect();
    use TagKind::*;
    assert_eq!(
        tags,
        [
            ("_hparams_/experiment", Hparams, 1, 0, 0, None),
            // The DT_DOUBLE point at step 5 is not shown: TensorBoard's data server
            // reads scalar tensors of DT_FLOAT only.
            ("acc", Scalar, 1, 0, 0, Some(0.5)),
            ("loss", Scalar, 2, 0, 5, Some(0.25)),
            ("note", Text, 2, 0, 5, None),
            ("odd", Other, 1, 0, 0, None),
            ("pic", Image, 1, 0, 0, None),
            // "pic2" is a rank-0 string tensor: no images route serves it.
            ("w", Histogram, 1, 0, 0, None),
            ("w2", Histogram, 1, 0, 0, None),
        ]
    );
    let last = last_scalars(dir.path()).unwrap();
    assert_eq!(
        last.into_iter().collect::<Vec<_>>(),
        [
            ("acc".to_string(), (0, 0.5)),
            ("loss".to_string(), (5, 0.25))
        ]
    );
}

#[test]
fn runs_named_by_relative_path_and_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("b"), &[summary_event(1, vec![])]);
    write(&root.join("a/deep/er"), &[]);
    write(root, &[]);
    fs::create_dir_all(root.join("empty/dir")).unwrap();
    fs::write(root.join("a/notes.txt"), b"not an event file").unwrap();
    // Two files in one run, read in name order: the later file's value is last.
    let two = root.join("two");
    fs::create_dir_all(&two).unwrap();
    let one_event = |step: i64, v: f32| {
        let mut bytes = Vec::new();
        let e = summary_event(
            step,
            vec![value(
                "x",
                Some(summary::value::Value::SimpleValue(v)),
                None,
            )],
        );
        crate::events::record::encode_into(&prost::Message::encode_to_vec(&e), &mut bytes);
        bytes
    };
    fs::write(two.join("events.out.tfevents.2.host"), one_event(7, 2.0)).unwrap();
    fs::write(two.join("events.out.tfevents.1.host"), one_event(3, 1.0)).unwrap();

    let reports = scan(root).unwrap();
    let names: Vec<&str> = reports.iter().map(|r| r.run.as_str()).collect();
    assert_eq!(names, [".", "a/deep/er", "b", "two"]);
    let two = &reports[3];
    assert_eq!(two.files, 2);
    assert_eq!(
        (
            two.tags[0].first_step,
            two.tags[0].last_step,
            two.tags[0].last_value
        ),
        (3, 7, Some(2.0))
    );
    assert_eq!(last_scalars(&root.join("two")).unwrap()["x"], (7, 2.0));
}

#[test]
fn missing_path_and_no_event_files_are_errors_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = scan(&missing).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
    assert_eq!(
        err.to_string(),
        format!("{}: no such file or directory", missing.display())
    );

    fs::create_dir_all(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub/events.txt"), b"x").unwrap();
    let err = scan(dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no TensorBoard event files (names containing \"tfevents\") in {}",
            dir.path().display()
        )
    );
    assert!(matches!(
        last_scalars(dir.path()),
        Err(Error::NoEventFiles { .. })
    ));
    assert!(matches!(
        last_scalars(&missing),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn a_single_event_file_is_run_dot() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &[summary_event(4, vec![])]);
    let reports = scan(&path).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!((reports[0].run.as_str(), reports[0].files), (".", 1));
}

#[cfg(unix)]
#[test]
fn symlink_cycles_end() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("run"), &[]);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("run/loop")).unwrap();
    let reports = scan(dir.path()).unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
}
