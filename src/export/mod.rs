//! Every point TensorBoard shows, out as rows: `tbtrain export`.
//!
//! [`export`] finds the runs under a path as TensorBoard does (`inspect`'s discovery),
//! reads each run's files streaming ([`crate::inspect`]'s timeline: the first pass finds
//! where a resume or a step logged again drops points; what is left is written), and
//! writes one row per point ([`Kind::Scalars`]), per histogram
//! bucket, per text or per HParams session, as CSV or JSON Lines ([`mod@format`]).
//!
//! Order: runs by name (bytes); in a run, tags in TensorBoard's order
//! ([`crate::inspect::compare_tag_names`]), each tag's points by step. Memory is bounded
//! whatever the size of the logs: the first pass holds the points to export while they
//! fit in [`GROUP_BYTES`] and then writes them without reading again (most runs); past
//! that, the run's tags are read again in groups whose points fit (one pass per group),
//! and a tag too large for that is written as it is read (its points come in step
//! order).

use std::io::{self, BufWriter, Write};
use std::ops::RangeInclusive;
use std::path::Path;

use crate::inspect::read::RunFilesRead;
use crate::inspect::timeline::{is_served, payload_bytes, Class, Cuts, Series};
use crate::inspect::{self, compare_tag_names, RunName};

mod atomic;
pub mod format;
mod hparams;
mod rows;

pub use atomic::AtomicFile;
pub use format::Format;
use format::{Field, Num, RowWriter};
use rows::Row;

/// Points buffered at most per group of tags (see the module doc), counted as rows
/// and payloads take them in memory.
pub const GROUP_BYTES: u64 = 64 << 20;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `run,tag,step,wall_time,value`: one row per scalar point.
    Scalars,
    /// `run,tag,step,wall_time,left,right,count`: one row per bucket of each histogram.
    Histograms,
    /// `run,tag,step,wall_time,text`: one row per string of each text summary.
    Text,
    /// `run,<hparams...>,<metrics...>`: one row per HParams session.
    Hparams,
}

impl Kind {
    /// The fixed columns (HParams adds one per hparam and per metric).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Scalars => &["run", "tag", "step", "wall_time", "value"],
            Kind::Histograms => &["run", "tag", "step", "wall_time", "left", "right", "count"],
            Kind::Text => &["run", "tag", "step", "wall_time", "text"],
            Kind::Hparams => &["run"],
        }
    }

    /// Whether a series holds this kind: its data class and plugin, as the route that
    /// shows it selects it.
    fn holds(self, series: &Series) -> bool {
        match self {
            Kind::Scalars => series.class == Class::Scalar && series.plugin == "scalars",
            Kind::Histograms => series.class == Class::Tensor && series.plugin == "histograms",
            Kind::Text => series.class == Class::Tensor && series.plugin == "text",
            Kind::Hparams => false,
        }
    }
}

/// A filter on names (a run's [text](RunName::to_text), a tag).
pub type NameFilter = Box<dyn Fn(&str) -> bool>;

/// What [`export`] writes.
pub struct Options {
    pub kind: Kind,
    pub format: Format,
    /// Make names and texts safe to print (standard output is a terminal).
    pub terminal: bool,
    /// Only the runs whose name passes.
    pub runs: Option<NameFilter>,
    /// Only the tags that pass.
    pub tags: Option<NameFilter>,
    /// Only the points at these steps.
    pub steps: RangeInclusive<i64>,
    /// Bytes of points held in memory at most ([`GROUP_BYTES`]; tests lower it).
    pub group_bytes: u64,
}

impl Options {
    /// Every scalar, as CSV.
    pub fn new(kind: Kind, format: Format) -> Self {
        Options {
            kind,
            format,
            terminal: false,
            runs: None,
            tags: None,
            steps: i64::MIN..=i64::MAX,
            group_bytes: GROUP_BYTES,
        }
    }
}

/// What [`export`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Runs read (after `--run`).
    pub runs: usize,
    /// Rows written, header not counted.
    pub rows: u64,
}

/// What stops an export.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path holds no runs, or cannot be read.
    #[error(transparent)]
    Find(#[from] inspect::Error),
    /// The output could not be written (a closed pipe, a full disk).
    #[error("{0}")]
    Write(#[source] io::Error),
}

/// Writes every point of `options.kind` under `path` to `out`; each problem found in
/// the files (a corrupt record, a file that cannot be read) is given to `problem` with
/// its run, and the export goes on.
pub fn export<W: Write>(
    path: &Path,
    options: &Options,
    out: W,
    mut problem: impl FnMut(&RunName, &str),
) -> Result<Stats, Error> {
    let runs = inspect::discover(path)?;
    if runs.is_empty() {
        return Err(inspect::Error::NoEventFiles {
            path: path.to_path_buf(),
        }
        .into());
    }
    let out = BufWriter::with_capacity(1 << 20, out);
    let mut w = RowWriter::new(out, options.format, options.terminal);
    let mut stats = Stats::default();
    let runs: Vec<_> = runs
        .into_iter()
        .filter(|(run, _)| options.runs.as_ref().is_none_or(|f| f(&run.to_text())))
        .collect();
    stats.runs = runs.len();
    if options.kind == Kind::Hparams {
        stats.rows = hparams::export(runs, &mut w, &mut problem)?;
    } else {
        w.columns(options.kind.columns()).map_err(Error::Write)?;
        for (run, found) in runs {
            for p in &found.problems {
                problem(&run, p);
            }
            let files = RunFilesRead::new(found.files);
            stats.rows += export_run(&run, files, options, &mut w, &mut problem)?;
        }
    }
    w.finish().map_err(Error::Write)?;
    Ok(stats)
}

/// A point held by the first pass: its position, series id, step, wall time and row.
type Held = (u64, u32, i64, f64, Row);

/// One run: the first pass, holding the selected points while they fit in
/// [`GROUP_BYTES`] (then nothing more is read: the common case); else one more pass per
/// group of tags.
fn export_run<W: Write>(
    run: &RunName,
    mut files: RunFilesRead,
    options: &Options,
    w: &mut RowWriter<W>,
    problem: &mut impl FnMut(&RunName, &str),
) -> Result<u64, Error> {
    let mut cuts = Cuts::default();
    // Points of the selected tags, in file order: position, series id, step, wall, row.
    let mut held: Option<Vec<Held>> = Some(Vec::new());
    let mut held_bytes = 0u64;
    files.read(
        |p| problem(run, &p),
        |e| {
            cuts.scan_with(e, |position, series, v, step, wall| {
                let Some(list) = held.as_mut() else { return };
                let selected = match series.selected {
                    Some(selected) => selected,
                    None => {
                        let selected = options.kind.holds(series)
                            && options.tags.as_ref().is_none_or(|f| f(v.tag));
                        series.selected = Some(selected);
                        selected
                    }
                };
                if !selected || !is_served(series.class, v.payload) {
                    return;
                }
                if !options.steps.contains(&step) {
                    return;
                }
                let Some(row) = Row::of(options.kind, v.payload) else {
                    return;
                };
                held_bytes += payload_bytes(v.payload);
                if held_bytes > options.group_bytes {
                    held = None;
                    return;
                }
                list.push((position, series.id, step, wall, row));
            });
            true
        },
    );
    let mut tags: Vec<String> = cuts
        .series
        .iter()
        .filter(|(tag, series)| {
            options.kind.holds(series) && options.tags.as_ref().is_none_or(|f| f(tag))
        })
        .map(|(tag, _)| tag.clone())
        .collect();
    tags.sort_by(|a, b| compare_tag_names(a, b).then_with(|| a.cmp(b)));
    let run_field = w.text(run.as_bytes());
    let tag_fields: Vec<Vec<u8>> = tags.iter().map(|t| w.text(t.as_bytes())).collect();
    if let Some(held) = held {
        return write_held(held, &mut cuts, &tags, &run_field, &tag_fields, w);
    }
    let groups = plan_groups(&mut cuts, &tags, options.group_bytes);
    let mut rows = 0;
    let mut first = 0usize;
    for (group, size) in groups.iter().enumerate() {
        let group = group as u32;
        // One buffer per tag of the group, in tag order (a tag's points come in step
        // order): no sort needed.
        let mut buffers: Vec<Vec<(i64, f64, Row)>> =
            vec![Vec::new(); if *size > 1 { *size } else { 0 }];
        let mut failed = None;
        files.shown(
            &mut cuts,
            |s, p| is_served(s.class, p),
            |series, v, step, wall| {
                if series.group != group || !options.steps.contains(&step) {
                    return true;
                }
                let Some(row) = Row::of(options.kind, v.payload) else {
                    return true;
                };
                if let Some(buffer) = buffers.get_mut((series.order as usize).wrapping_sub(first)) {
                    buffer.push((step, wall, row));
                    return true;
                }
                let tag = tag_fields.get(series.order as usize).map_or(&[][..], |t| t);
                match row.write(w, &run_field, tag, step, wall) {
                    Ok(n) => {
                        rows += n;
                        true
                    }
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                }
            },
        );
        if let Some(e) = failed {
            return Err(Error::Write(e));
        }
        for (i, buffer) in buffers.into_iter().enumerate() {
            let tag = tag_fields.get(first + i).map_or(&[][..], |t| t);
            for (step, wall, row) in buffer {
                rows += row
                    .write(w, &run_field, tag, step, wall)
                    .map_err(Error::Write)?;
            }
        }
        first += size;
    }
    Ok(rows)
}

/// Writes the points the first pass held: those no later point dropped, tag by tag in
/// `tags`' order, each in file (so step) order.
fn write_held<W: Write>(
    mut held: Vec<Held>,
    cuts: &mut Cuts,
    tags: &[String],
    run_field: &[u8],
    tag_fields: &[Vec<u8>],
    w: &mut RowWriter<W>,
) -> Result<u64, Error> {
    // Series id -> rank in `tags`, and -> name.
    let mut rank = vec![u32::MAX; cuts.series.len()];
    let mut names = vec![""; cuts.series.len()];
    for (i, tag) in tags.iter().enumerate() {
        if let Some(series) = cuts.series.get(tag) {
            if let Some(r) = rank.get_mut(series.id as usize) {
                *r = i as u32;
            }
        }
    }
    for (tag, series) in &cuts.series {
        if let Some(n) = names.get_mut(series.id as usize) {
            *n = tag.as_str();
        }
    }
    let names: Vec<String> = names.into_iter().map(str::to_string).collect();
    cuts.rewind();
    held.retain(|(position, id, step, ..)| {
        let name = names.get(*id as usize).map_or("", String::as_str);
        !cuts.dropped(name, *position, *step)
    });
    // Positions are unique: the order is total.
    held.sort_unstable_by_key(|(position, id, ..)| {
        (
            rank.get(*id as usize).copied().unwrap_or(u32::MAX),
            *position,
        )
    });
    let mut rows = 0;
    for (_, id, step, wall, row) in held {
        let rank = rank.get(id as usize).copied().unwrap_or(u32::MAX);
        let tag = tag_fields.get(rank as usize).map_or(&[][..], |t| t);
        rows += row
            .write(w, run_field, tag, step, wall)
            .map_err(Error::Write)?;
    }
    Ok(rows)
}

/// Puts `tags` (in order) into groups of at most `limit` bytes (a larger tag alone),
/// marking each series with its group and rank; returns each group's number of tags.
fn plan_groups(cuts: &mut Cuts, tags: &[String], limit: u64) -> Vec<usize> {
    let mut groups: Vec<usize> = Vec::new();
    let mut bytes = 0u64;
    for (order, tag) in tags.iter().enumerate() {
        let Some(series) = cuts.series.get_mut(tag) else {
            continue;
        };
        let fits = bytes.saturating_add(series.bytes) <= limit;
        match groups.last_mut() {
            Some(n) if fits => *n += 1,
            _ => {
                groups.push(1);
                bytes = 0;
            }
        }
        bytes = bytes.saturating_add(series.bytes);
        series.order = order as u32;
        series.group = (groups.len() - 1) as u32;
    }
    groups
}

impl Row {
    /// Writes the row(s) of one point; returns how many.
    fn write<W: Write>(
        &self,
        w: &mut RowWriter<W>,
        run: &[u8],
        tag: &[u8],
        step: i64,
        wall: f64,
    ) -> io::Result<u64> {
        let head = [
            Field::Encoded(run),
            Field::Encoded(tag),
            Field::Num(Num::I64(step)),
            Field::Num(Num::F64(wall)),
        ];
        match self {
            Row::Scalar(v) => {
                let [a, b, c, d] = head;
                w.row(&[a, b, c, d, Field::Num(Num::F32(*v))])?;
                Ok(1)
            }
            Row::Buckets(buckets) => {
                for [left, right, count] in buckets {
                    let [a, b, c, d] = head;
                    w.row(&[
                        a,
                        b,
                        c,
                        d,
                        Field::Num(Num::F64(*left)),
                        Field::Num(Num::F64(*right)),
                        Field::Num(Num::F64(*count)),
                    ])?;
                }
                Ok(buckets.len() as u64)
            }
            Row::Texts(texts) => {
                for text in texts {
                    let encoded = w.text(text);
                    let [a, b, c, d] = head;
                    w.row(&[a, b, c, d, Field::Encoded(&encoded)])?;
                }
                Ok(texts.len() as u64)
            }
        }
    }
}

#[cfg(test)]
mod tests;
