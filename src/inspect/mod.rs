//! What a log directory holds, seen the way TensorBoard sees it, without starting it.
//!
//! [`scan`] finds the runs under a path exactly as TensorBoard does (every directory, the
//! path itself included, that holds files whose name contains `tfevents`), streams each
//! run's event files in name order, and reports per run: how many files, whether a graph
//! was logged, every tag (in TensorBoard's order, [`compare_tag_names`]) with its kind,
//! the count and step range of the points TensorBoard shows (`timeline`: a resumed
//! run's purged points and a step logged again are not counted) and the last scalar
//! value, and every problem found in the files with its byte offset.
//! [`render_text`] and `render_json` (feature `json`) turn the reports into a table or one
//! JSON object;
//! [`last_scalars`] gives one run's final scalar values (the sweep rebuilds its summaries
//! from them).
//!
//! Memory stays bounded: events are streamed one at a time, twice (the first pass finds
//! where points are dropped), and only per-tag counters are kept.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[cfg(feature = "json")]
use serde::Serialize;

mod discover;
mod name;
mod order;
pub(crate) mod read;
mod render;
pub(crate) mod timeline;
pub(crate) mod wire;

#[allow(unused_imports)]
pub(crate) use discover::discover_runs as discover;
#[cfg(feature = "export")]
pub(crate) use discover::RunFiles;
use discover::{check_exists, discover_runs, list_dir};
pub use name::{text_of_bytes, RunName};
pub use order::compare_tag_names;
use read::RunFilesRead;
#[cfg(feature = "json")]
pub use render::render_json;
pub use render::render_text;
use timeline::{scalar_of, Class, Series};
use wire::WhatView;

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

    fn of_plugin(plugin: &str) -> TagKind {
        match plugin {
            "scalars" => TagKind::Scalar,
            "histograms" => TagKind::Histogram,
            "images" => TagKind::Image,
            "text" => TagKind::Text,
            "hparams" => TagKind::Hparams,
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
    /// Number of points TensorBoard shows (every point of a tag no route serves).
    pub count: u64,
    /// Step of the first point shown (the smallest).
    pub first_step: i64,
    /// Step of the last point shown (the largest).
    pub last_step: i64,
    /// For scalars, the value at the last step shown; `None` for other kinds.
    pub last_value: Option<f64>,
}

/// One run: a directory holding event files.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(Serialize))]
pub struct RunReport {
    /// Path relative to the scanned path, `/`-separated; `.` for the path itself; as
    /// text ([`RunName::to_text`]: a byte that is not UTF-8 is `\xNN`).
    pub run: String,
    /// The same path, byte for byte.
    #[cfg_attr(feature = "json", serde(skip))]
    pub name: RunName,
    /// Number of event files in the run.
    pub files: usize,
    /// Whether any event holds a `graph_def`.
    pub graph: bool,
    /// Tags in TensorBoard's order ([`compare_tag_names`]).
    pub tags: Vec<TagReport>,
    /// Problems in the run's files, each naming the file and the byte offset.
    pub problems: Vec<String>,
}

/// Finds the runs under `path` and reads every event file in them. Runs come sorted by
/// name (bytes). `path` may also be a single event file (reported as run `.`).
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
            let files = found.files.len();
            let mut acc = RunAccumulator::read(found.files, found.problems);
            RunReport {
                run: run.to_text(),
                name: run,
                files,
                graph: acc.graph,
                tags: acc.tag_reports(),
                problems: acc.problems,
            }
        })
        .collect())
}

/// Each scalar tag's last shown `(step, value)` among the event files directly in
/// `run_dir` (not its subdirectories). Unreadable records are skipped.
pub fn last_scalars(run_dir: &Path) -> Result<BTreeMap<String, (i64, f64)>, Error> {
    check_exists(run_dir)?;
    let listing = list_dir(run_dir)?;
    if listing.event_files.is_empty() {
        return Err(Error::NoEventFiles {
            path: run_dir.to_path_buf(),
        });
    }
    let acc = RunAccumulator::read(listing.event_files, Vec::new());
    Ok(acc
        .tags
        .into_iter()
        .filter(|(_, state)| state.kind == TagKind::Scalar)
        .filter_map(|(tag, state)| state.last.map(|(step, v)| (tag, (step, v))))
        .collect())
}

/// Per-tag counters of the points shown.
#[derive(Debug)]
struct TagState {
    kind: TagKind,
    count: u64,
    first_step: i64,
    last_step: i64,
    /// Step and value of the last scalar shown.
    last: Option<(i64, f64)>,
}

#[derive(Debug, Default)]
struct RunAccumulator {
    graph: bool,
    tags: BTreeMap<String, TagState>,
    problems: Vec<String>,
}

/// Whether inspect counts a point: one TensorBoard serves, or any point of a tag whose
/// data class no route serves (still in the file, and worth listing).
fn counted(series: &Series, payload: wire::Payload<'_>) -> bool {
    series.class == Class::Unknown || timeline::is_served(series.class, payload)
}

impl RunAccumulator {
    /// Reads a run's files in two passes (see [`timeline`]).
    fn read(files: Vec<PathBuf>, problems: Vec<String>) -> RunAccumulator {
        let mut acc = RunAccumulator {
            problems,
            ..Default::default()
        };
        let mut files = RunFilesRead::new(files);
        let mut cuts = timeline::Cuts::default();
        files.read(
            |p| acc.problems.push(p),
            |e| {
                if e.what == WhatView::GraphDef {
                    acc.graph = true;
                }
                cuts.scan(e);
                true
            },
        );
        let tags = &mut acc.tags;
        files.shown(&mut cuts, counted, |series, v, step, _| {
            let (tag, payload) = (v.tag, v.payload);
            let kind = TagKind::of_plugin(&series.plugin);
            let state = match tags.get_mut(tag) {
                Some(state) => state,
                None => tags.entry(tag.to_string()).or_insert(TagState {
                    kind,
                    count: 0,
                    first_step: step,
                    last_step: step,
                    last: None,
                }),
            };
            state.count += 1;
            state.last_step = step;
            if kind == TagKind::Scalar {
                if let Some(v) = scalar_of(payload) {
                    state.last = Some((step, f64::from(v)));
                }
            }
            true
        });
        acc
    }

    fn tag_reports(&mut self) -> Vec<TagReport> {
        let mut tags: Vec<TagReport> = std::mem::take(&mut self.tags)
            .into_iter()
            .map(|(tag, s)| TagReport {
                tag,
                kind: s.kind,
                count: s.count,
                first_step: s.first_step,
                last_step: s.last_step,
                last_value: s.last.map(|(_, v)| v),
            })
            .collect();
        tags.sort_by(|a, b| compare_tag_names(&a.tag, &b.tag).then_with(|| a.tag.cmp(&b.tag)));
        tags
    }
}

#[cfg(test)]
mod tests;
