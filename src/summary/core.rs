//! The part of a [`SummaryWriter`](super::SummaryWriter) that owns the files: the run's
//! event file, the `add_scalars` sub-runs, and what metadata each tag has already sent.
//!
//! It builds the summaries that cost time (PNG encoding, histogram bucketing) and writes
//! them. It runs on the caller's thread, or, for a non-blocking writer, on the background
//! thread (see [`super::background`]); either way it is handed the same calls with the
//! same wall times in the same order, so the bytes it writes are the same.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use prost::Message;

use super::{histogram, Error};
use crate::events::{EventWriter, Purge, WriterOptions};
use crate::proto::{HistogramProto, Summary, SummaryMetadata};

/// The files of one run and the metadata already sent.
#[derive(Debug)]
pub(crate) struct Core {
    logdir: PathBuf,
    /// For the sub-runs made later (the resume step included: each scans its directory).
    options: WriterOptions,
    main: EventWriter,
    /// `add_scalars` sub-runs, by directory name.
    sub_runs: BTreeMap<String, EventWriter>,
    /// The metadata already sent for each tag of the main file.
    sent_metadata: HashMap<String, SummaryMetadata>,
    scratch: Vec<u8>,
    name_buf: String,
}

impl Core {
    /// A core writing `main`, plus the sub-runs already open (a resume opens those that
    /// had points to purge).
    pub(crate) fn new(
        logdir: PathBuf,
        options: WriterOptions,
        main: EventWriter,
        sub_runs: BTreeMap<String, EventWriter>,
    ) -> Core {
        Core {
            logdir,
            options,
            main,
            sub_runs,
            sent_metadata: HashMap::new(),
            scratch: Vec::with_capacity(256),
            name_buf: String::new(),
        }
    }

    /// The run's event file.
    pub(crate) fn main_path(&self) -> &Path {
        self.main.path()
    }

    /// Appends one serialized `Event` to the run's file.
    pub(crate) fn record(&mut self, data: &[u8], wall_time: f64) -> Result<(), Error> {
        Ok(self.main.write_record_at(data, wall_time)?)
    }

    /// Appends records already framed (a non-blocking writer's batch of scalars).
    pub(crate) fn framed(&mut self, framed: &[u8], wall_time: f64) -> Result<(), Error> {
        Ok(self.main.write_framed_at(framed, wall_time)?)
    }

    /// `add_scalars`: series `name` goes to the sub-run `<main_tag>_<name>` (made on first
    /// use; its first event carries `description`, if any).
    pub(crate) fn scalars<'a>(
        &mut self,
        main_tag: &str,
        series: impl IntoIterator<Item = (&'a str, f32)>,
        step: i64,
        wall_time: f64,
        description: Option<&str>,
    ) -> Result<(), Error> {
        for (name, value) in series {
            self.name_buf.clear();
            super::writer::push_scalars_run_name(main_tag, name, &mut self.name_buf);
            self.scratch.clear();
            if !self.sub_runs.contains_key(self.name_buf.as_str()) {
                let dir = self.logdir.join(&self.name_buf);
                let writer = EventWriter::with_options(dir, self.options.clone())?;
                self.sub_runs.insert(self.name_buf.clone(), writer);
                super::writer::encode_scalar(
                    wall_time,
                    step,
                    main_tag,
                    value,
                    description,
                    &mut self.scratch,
                );
            } else {
                super::scalar::encode_event(wall_time, step, main_tag, value, &mut self.scratch);
            }
            if let Some(writer) = self.sub_runs.get_mut(self.name_buf.as_str()) {
                writer.write_record_at(&self.scratch, wall_time)?;
            }
        }
        Ok(())
    }

    /// `add_histogram`: buckets `values` and writes them.
    pub(crate) fn histogram(
        &mut self,
        tag: &str,
        values: &[f32],
        step: i64,
        wall_time: f64,
        description: Option<&str>,
    ) -> Result<(), Error> {
        let histo = histogram::bucketize(values, histogram::DEFAULT_BUCKETS);
        let summary = histogram::histogram_raw_owned(tag, histo);
        self.summary(step, wall_time, summary, description)
    }

    /// `add_histogram_raw`.
    pub(crate) fn histogram_raw(
        &mut self,
        tag: &str,
        histo: &HistogramProto,
        step: i64,
        wall_time: f64,
        description: Option<&str>,
    ) -> Result<(), Error> {
        let summary = histogram::histogram_raw(tag, histo);
        self.summary(step, wall_time, summary, description)
    }

    /// `add_image`: encodes the PNG and writes it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn image(
        &mut self,
        tag: &str,
        rgb: &[u8],
        width: u32,
        height: u32,
        step: i64,
        wall_time: f64,
        description: Option<&str>,
    ) -> Result<(), Error> {
        let summary = super::image::image(tag, rgb, width, height)?;
        self.summary(step, wall_time, summary, description)
    }

    /// Writes `summary` at `step` and `wall_time`, leaving out metadata already sent for
    /// its tag; then, if given, puts `description` into the metadata that is sent.
    pub(crate) fn summary(
        &mut self,
        step: i64,
        wall_time: f64,
        mut summary: Summary,
        description: Option<&str>,
    ) -> Result<(), Error> {
        for value in &mut summary.value {
            if let Some(md) = &value.metadata {
                match self.sent_metadata.get(&value.tag) {
                    Some(sent) if sent == md => value.metadata = None,
                    Some(_) => {}
                    None => {
                        self.sent_metadata.insert(value.tag.clone(), md.clone());
                    }
                }
            }
            if let Some(description) = description {
                super::describe(value, description);
            }
        }
        self.event(&super::event(wall_time, step, summary))
    }

    /// Writes `event` to the run's file as given.
    pub(crate) fn event(&mut self, event: &crate::proto::Event) -> Result<(), Error> {
        self.scratch.clear();
        event.encode_raw(&mut self.scratch);
        self.main.write_record(&self.scratch)?;
        Ok(())
    }

    /// Flushes every file; tries all of them and returns the first error.
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        let mut first = self.main.flush().err();
        for writer in self.sub_runs.values_mut() {
            if let Err(e) = writer.flush() {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), |e| Err(e.into()))
    }

    /// Flushes and closes every file; returns the first error of any of them.
    pub(crate) fn close(self) -> Result<(), Error> {
        let mut first = self.main.close().err();
        for (_, writer) in self.sub_runs {
            if let Err(e) = writer.close() {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), |e| Err(e.into()))
    }
}

/// Opens the run's file and, when resuming, every `add_scalars` sub-run of `logdir` that
/// has points to purge (so that they are purged even if this session never writes them).
///
/// A direct subdirectory of `logdir` is taken for a sub-run when it holds event files and
/// every tag in them is a `main_tag` whose sub-run names start with the directory's name
/// (`<main_tag>_<series>`, see [`scalars_run_name`](super::scalars_run_name)): other
/// runs nested in `logdir` (a sweep's members, say) are left alone.
pub(crate) fn open(logdir: &Path, options: &WriterOptions) -> Result<Core, Error> {
    let Some(step) = options.purge_step else {
        let main = EventWriter::with_options(logdir, options.clone())?;
        return Ok(Core::new(
            logdir.to_path_buf(),
            options.clone(),
            main,
            BTreeMap::new(),
        ));
    };
    let main = EventWriter::open(logdir, options, Some(&Purge::scan(logdir, step)?))?;
    let mut sub_runs = BTreeMap::new();
    for (name, purge) in sub_runs_to_purge(logdir, step)? {
        let writer = EventWriter::open(&logdir.join(&name), options, Some(&purge))?;
        sub_runs.insert(name, writer);
    }
    Ok(Core::new(
        logdir.to_path_buf(),
        options.clone(),
        main,
        sub_runs,
    ))
}

/// The sub-runs of `logdir` (see [`open`]) with points at `step` or later.
fn sub_runs_to_purge(logdir: &Path, step: i64) -> Result<Vec<(String, Purge)>, Error> {
    let list_error = |source| crate::events::Error::ListDir {
        path: logdir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(logdir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(list_error(e).into()),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(list_error)?;
        if entry.file_type().map_err(list_error)?.is_dir() {
            if let Ok(name) = entry.file_name().into_string() {
                dirs.push(name);
            }
        }
    }
    dirs.sort();
    for name in dirs {
        let (purge, tags) = Purge::scan_with_tags(&logdir.join(&name), step)?;
        let is_sub_run = !tags.is_empty()
            && tags.iter().all(|tag| {
                let mut prefix = String::new();
                super::writer::push_scalars_run_name(tag, "", &mut prefix);
                name.len() > prefix.len() && name.starts_with(&prefix)
            });
        if is_sub_run && !purge.is_empty() {
            out.push((name, purge));
        }
    }
    Ok(out)
}
