//! What a log directory holds, seen the way TensorBoard sees it, without starting it.
//!
//! [`scan`] finds the runs under a path exactly as TensorBoard does (every directory, the
//! path itself included, that holds files whose name contains `tfevents`), streams each
//! run's event files in name order through [`EventReader`], and reports per run: how many
//! files, whether a graph was logged, every tag with its kind, count, step range and last
//! scalar value, and every problem found in the files with its byte offset.
//! [`render_text`] and `render_json` (feature `json`) turn the reports into a table or one
//! JSON object;
//! [`last_scalars`] gives one run's final scalar values (the sweep rebuilds its summaries
//! from them).
//!
//! Memory stays bounded: events are streamed one at a time and only per-tag counters are
//! kept.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[cfg(feature = "json")]
use serde::Serialize;

use crate::events::EventReader;
use crate::proto::{event, summary, DataType, Event, TensorProto};

mod discover;
mod render;

use discover::{check_exists, discover_runs, list_dir};
#[cfg(feature = "json")]
pub use render::render_json;
pub use render::render_text;

/// What [`scan`] and [`last_scalars`] cannot get past. Problems inside event files are
/// not errors: they are listed in [`RunReport::problems`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound { path: PathBuf },
    /// The path exists but its metadata cannot be read.
    #[error("cannot access {}: {source}", path.display())]
    Access { path: PathBuf, source: io::Error },
    /// A directory could not be listed.
    #[error("cannot list directory {}: {source}", path.display())]
    ReadDir { path: PathBuf, source: io::Error },
    /// No file under the path has `tfevents` in its name
    /// ([`TENSORBOARD_MARKER`](crate::events::files::TENSORBOARD_MARKER)).
    #[error(
        "no TensorBoard event files (names containing \"{}\") in {}",
        crate::events::files::TENSORBOARD_MARKER,
        path.display()
    )]
    NoEventFiles { path: PathBuf },
}

/// What kind of data a tag holds, by the plugin that would show it.
#[derive(Debug, Copy, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "json", derive(Serialize), serde(rename_all = "lowercase"))]
pub enum TagKind {
    Scalar,
    Histogram,
    Image,
    Text,
    Hparams,
    Other,
}

impl TagKind {
    /// The lowercase name used in both renderings.
    pub fn as_str(self) -> &'static str {
        match self {
            TagKind::Scalar => "scalar",
            TagKind::Histogram => "histogram",
            TagKind::Image => "image",
            TagKind::Text => "text",
            TagKind::Hparams => "hparams",
            TagKind::Other => "other",
        }
    }

    fn of_plugin(plugin: Option<&str>) -> TagKind {
        match plugin {
            Some("scalars") => TagKind::Scalar,
            Some("histograms") => TagKind::Histogram,
            Some("images") => TagKind::Image,
            Some("text") => TagKind::Text,
            Some("hparams") => TagKind::Hparams,
            _ => TagKind::Other,
        }
    }
}

impl fmt::Display for TagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One tag of a run.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(Serialize))]
pub struct TagReport {
    pub tag: String,
    pub kind: TagKind,
    /// Number of values logged under the tag.
    pub count: u64,
    /// Step of the first value, in file order.
    pub first_step: i64,
    /// Step of the last value, in file order.
    pub last_step: i64,
    /// For scalars, the last value that could be read; `None` for other kinds.
    pub last_value: Option<f64>,
}

/// One run: a directory holding event files.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(Serialize))]
pub struct RunReport {
    /// Path relative to the scanned path, `/`-separated; `.` for the path itself.
    pub run: String,
    /// Number of event files in the run.
    pub files: usize,
    /// Whether any event holds a `graph_def`.
    pub graph: bool,
    /// Tags sorted by name.
    pub tags: Vec<TagReport>,
    /// Problems in the run's files, each naming the file and the byte offset.
    pub problems: Vec<String>,
}

/// Finds the runs under `path` and reads every event file in them. Runs come sorted by
/// name. `path` may also be a single event file (reported as run `.`).
pub fn scan(path: &Path) -> Result<Vec<RunReport>, Error> {
    let runs = discover_runs(path)?;
    if runs.is_empty() {
        return Err(Error::NoEventFiles {
            path: path.to_path_buf(),
        });
    }
    Ok(runs
        .into_iter()
        .map(|(run, found)| {
            let mut acc = RunAccumulator {
                problems: found.problems,
                ..Default::default()
            };
            for file in &found.files {
                acc.read_file(file);
            }
            acc.into_report(run, found.files.len())
        })
        .collect())
}

/// Each scalar tag's last `(step, value)` among the event files directly in `run_dir`
/// (not its subdirectories), in file order. Unreadable records are skipped.
pub fn last_scalars(run_dir: &Path) -> Result<BTreeMap<String, (i64, f64)>, Error> {
    check_exists(run_dir)?;
    let listing = list_dir(run_dir)?;
    if listing.event_files.is_empty() {
        return Err(Error::NoEventFiles {
            path: run_dir.to_path_buf(),
        });
    }
    let mut acc = RunAccumulator::default();
    for file in &listing.event_files {
        acc.read_file(file);
    }
    Ok(acc
        .tags
        .into_iter()
        .filter(|(_, state)| state.kind == TagKind::Scalar)
        .filter_map(|(tag, state)| state.last_scalar.map(|last| (tag, last)))
        .collect())
}

/// Per-tag counters while a run is read.
#[derive(Debug)]
struct TagState {
    /// The plugin named by the tag's first metadata (often only on its first value).
    plugin: Option<String>,
    kind: TagKind,
    count: u64,
    first_step: i64,
    last_step: i64,
    /// Step and value of the last scalar value that could be read.
    last_scalar: Option<(i64, f64)>,
}

#[derive(Debug, Default)]
struct RunAccumulator {
    graph: bool,
    tags: BTreeMap<String, TagState>,
    problems: Vec<String>,
}

impl RunAccumulator {
    /// Streams one event file; its problems are recorded as strings naming the file.
    fn read_file(&mut self, path: &Path) {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let reader = match EventReader::open(path) {
            Ok(reader) => reader,
            Err(e) => {
                self.problems.push(format!("{name}: {}", e.problem));
                return;
            }
        };
        for item in reader {
            match item {
                Ok((_offset, event)) => self.add_event(&event),
                Err(e) => self.problems.push(format!("{name}: {}", e.problem)),
            }
        }
    }

    fn add_event(&mut self, event: &Event) {
        match &event.what {
            Some(event::What::GraphDef(_)) => self.graph = true,
            Some(event::What::Summary(s)) => {
                for value in &s.value {
                    self.add_value(event.step, value);
                }
            }
            _ => {}
        }
    }

    fn add_value(&mut self, step: i64, value: &summary::Value) {
        let state = match self.tags.get_mut(&value.tag) {
            Some(state) => state,
            None => self
                .tags
                .entry(value.tag.clone())
                .or_insert_with(|| TagState {
                    plugin: None,
                    kind: TagKind::Other,
                    count: 0,
                    first_step: step,
                    last_step: step,
                    last_scalar: None,
                }),
        };
        if state.plugin.is_none() {
            state.plugin = value
                .metadata
                .as_ref()
                .and_then(|m| m.plugin_data.as_ref())
                .map(|p| p.plugin_name.as_str())
                .filter(|name| !name.is_empty())
                .map(str::to_owned);
        }
        let (kind, scalar) = classify(value.value.as_ref(), state.plugin.as_deref());
        // The first value decides the kind, unless it could not tell.
        if state.count == 0 || state.kind == TagKind::Other {
            state.kind = kind;
        }
        state.count = state.count.saturating_add(1);
        state.last_step = step;
        if state.kind == TagKind::Scalar {
            if let Some(v) = scalar {
                state.last_scalar = Some((step, v));
            }
        }
    }

    fn into_report(self, run: String, files: usize) -> RunReport {
        RunReport {
            run,
            files,
            graph: self.graph,
            tags: self
                .tags
                .into_iter()
                .map(|(tag, s)| TagReport {
                    tag,
                    kind: s.kind,
                    count: s.count,
                    first_step: s.first_step,
                    last_step: s.last_step,
                    last_value: match s.kind {
                        TagKind::Scalar => s.last_scalar.map(|(_, v)| v),
                        _ => None,
                    },
                })
                .collect(),
            problems: self.problems,
        }
    }
}

/// The kind of one summary value and, for scalars, its value when readable.
fn classify(value: Option<&summary::value::Value>, plugin: Option<&str>) -> (TagKind, Option<f64>) {
    use summary::value::Value as V;
    match value {
        Some(V::SimpleValue(v)) => (TagKind::Scalar, Some(f64::from(*v))),
        Some(V::Histo(_)) => (TagKind::Histogram, None),
        Some(V::Image(_)) => (TagKind::Image, None),
        Some(V::Tensor(t)) if plugin == Some("scalars") => (TagKind::Scalar, tensor_scalar(t)),
        _ => (TagKind::of_plugin(plugin), None),
    }
}

/// The value of a one-element `DT_FLOAT` or `DT_DOUBLE` tensor, from its typed field or
/// its little-endian `tensor_content`.
fn tensor_scalar(t: &TensorProto) -> Option<f64> {
    let one_element = t
        .tensor_shape
        .as_ref()
        .is_none_or(|shape| shape.dim.iter().all(|d| d.size == 1));
    if !one_element {
        return None;
    }
    match DataType::try_from(t.dtype) {
        Ok(DataType::DtFloat) => match t.float_val.first() {
            Some(v) => Some(f64::from(*v)),
            None => <[u8; 4]>::try_from(t.tensor_content.as_slice())
                .ok()
                .map(|b| f64::from(f32::from_le_bytes(b))),
        },
        Ok(DataType::DtDouble) => match t.double_val.first() {
            Some(v) => Some(*v),
            None => <[u8; 8]>::try_from(t.tensor_content.as_slice())
                .ok()
                .map(f64::from_le_bytes),
        },
        _ => None,
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventWriter;
    use crate::proto::{
        summary_metadata, tensor_shape_proto, HistogramProto, Summary, SummaryMetadata,
        TensorShapeProto,
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
    fn tensor_scalars_from_every_field() {
        use DataType::{DtDouble, DtFloat, DtInt32};
        assert_eq!(
            tensor_scalar_of(scalar_tensor(DtFloat, vec![0.5], vec![], b"")),
            Some(0.5)
        );
        assert_eq!(
            tensor_scalar_of(scalar_tensor(DtDouble, vec![], vec![0.25], b"")),
            Some(0.25)
        );
        // 1.5f32 = 0x3fc00000, 2.5f64 = 0x4004000000000000, little endian.
        assert_eq!(
            tensor_scalar_of(scalar_tensor(DtFloat, vec![], vec![], b"\x00\x00\xc0\x3f")),
            Some(1.5)
        );
        assert_eq!(
            tensor_scalar_of(scalar_tensor(
                DtDouble,
                vec![],
                vec![],
                b"\x00\x00\x00\x00\x00\x00\x04\x40"
            )),
            Some(2.5)
        );
        assert_eq!(
            tensor_scalar_of(scalar_tensor(DtFloat, vec![], vec![], b"\x00\x00\xc0")),
            None
        );
        assert_eq!(
            tensor_scalar_of(scalar_tensor(DtInt32, vec![], vec![], b"")),
            None
        );
        let mut two = TensorProto {
            dtype: DtFloat as i32,
            float_val: vec![1.0, 2.0],
            ..Default::default()
        };
        two.tensor_shape = Some(TensorShapeProto {
            dim: vec![tensor_shape_proto::Dim {
                size: 2,
                name: String::new(),
            }],
            unknown_rank: false,
        });
        assert_eq!(tensor_scalar(&two), None);
    }

    fn tensor_scalar_of(v: summary::value::Value) -> Option<f64> {
        match v {
            summary::value::Value::Tensor(t) => tensor_scalar(&t),
            _ => None,
        }
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
                ("acc", Scalar, 2, 0, 5, Some(0.875)),
                ("loss", Scalar, 2, 0, 5, Some(0.25)),
                ("note", Text, 2, 0, 5, None),
                ("odd", Other, 1, 0, 0, None),
                ("pic", Image, 1, 0, 0, None),
                ("pic2", Image, 1, 0, 0, None),
                ("w", Histogram, 1, 0, 0, None),
                ("w2", Histogram, 1, 0, 0, None),
            ]
        );
        let last = last_scalars(dir.path()).unwrap();
        assert_eq!(
            last.into_iter().collect::<Vec<_>>(),
            [
                ("acc".to_string(), (5, 0.875)),
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
}
