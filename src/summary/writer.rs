//! [`SummaryWriter`]: the public logging API over one run directory.
//!
//! One writer owns one event file in its log directory, plus one sub-run per
//! [`SummaryWriter::add_scalars`] series (`logdir/<main_tag>_<series>/`, each with its own
//! event file, created on first use), as tensorboardX does, so that TensorBoard draws the
//! series of one chart as separate runs.
//!
//! Metadata is sent once: a value whose metadata equals what this writer already sent for
//! its tag goes out without it, since every loader (and TensorFlow's own writer) takes a
//! series' metadata from its first event. Metadata that differs is kept. Scalars,
//! histograms and images carry no metadata, unless the tag has a description
//! ([`SummaryWriter::set_description`]): then its first event carries it (see
//! [`super::with_description`]).
//!
//! `add_scalar` is the hot path: it encodes the event straight into a reused buffer
//! ([`super::scalar::encode_event`]) and allocates nothing once the tag has been seen.
//!
//! Options ([`WriterOptions`]):
//! - `purge_step: Some(s)` resumes the run at step `s` (see [`crate::events::resume`]):
//!   TensorBoard, with either loader, forgets every point that earlier sessions logged
//!   in the run, or in its `add_scalars` sub-runs, at step `s` or later;
//! - `non_blocking: true` hands PNG encoding, histogram bucketing and all I/O to a
//!   background thread behind a bounded queue (see [`WriterOptions::queue_bytes`]); the files are
//!   the same, byte for byte. Errors of that thread come back from the next call, or from
//!   [`SummaryWriter::flush`] or [`SummaryWriter::close`], which wait for the queue.
//!
//! [`SummaryWriter::close`] returns the first error of any file. Dropping a writer
//! without closing it flushes every file too (waiting for the background thread, if
//! any), but best effort: an error then is lost.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use prost::Message;

use super::background::{Background, Job};
use super::core::{self, Core};
use super::hparams::{self, ExperimentSpec, HParamValue};
use super::Error;
use crate::events::writer::{finite_or_zero, now};
use crate::events::WriterOptions;
use crate::proto::{event, Event, GraphDef, HistogramProto, Layout, Summary};

/// Writes TensorBoard summaries into a run directory.
///
/// ```
/// use tbtrain::SummaryWriter;
///
/// let dir = tempfile::tempdir()?;
/// let mut w = SummaryWriter::new(dir.path().join("run-1"))?;
/// w.set_description("loss", "Cross-entropy on the training set.")?;
/// for step in 0..100 {
///     w.add_scalar("loss", 1.0 / (1.0 + step as f32), step)?;
/// }
/// w.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SummaryWriter {
    logdir: PathBuf,
    event_file: PathBuf,
    clock: Option<fn() -> f64>,
    /// Descriptions given, by tag.
    descriptions: HashMap<String, Arc<str>>,
    /// Tags already written (any kind), so a description given too late is an error.
    seen: SeenTags,
    scratch: Vec<u8>,
    sink: Sink,
}

/// Where calls go: to the core on this thread, or to the background thread.
///
/// One per writer, so its size does not matter; a boxed core would cost a pointer chase
/// on every `add_scalar`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Sink {
    Direct(Core),
    Background(Background),
    Closed,
}

impl SummaryWriter {
    /// Creates `logdir` if needed and a new event file in it, with default options.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let w = tbtrain::SummaryWriter::new(dir.path())?;
    /// assert!(w.event_file().starts_with(dir.path()));
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(logdir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::with_options(logdir, WriterOptions::default())
    }

    /// Like [`SummaryWriter::new`]; `options` apply to the sub-runs too.
    ///
    /// With [`purge_step`](WriterOptions::purge_step), the run's earlier files and its
    /// `add_scalars` sub-runs are scanned, and those with points at that step or later
    /// get their purge records (flushed) before this returns.
    ///
    /// ```
    /// use tbtrain::events::WriterOptions;
    /// use tbtrain::SummaryWriter;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut first = SummaryWriter::new(dir.path())?;
    /// for step in 0..10 {
    ///     first.add_scalar("loss", 1.0, step)?;
    /// }
    /// drop(first); // crashed at step 9; the checkpoint was taken at step 5
    ///
    /// let options = WriterOptions { purge_step: Some(5), non_blocking: true, ..Default::default() };
    /// let mut resumed = SummaryWriter::with_options(dir.path(), options)?;
    /// for step in 5..10 {
    ///     resumed.add_scalar("loss", 0.5, step)?; // TensorBoard shows 1.0 to step 4, then 0.5
    /// }
    /// resumed.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_options(logdir: impl AsRef<Path>, options: WriterOptions) -> Result<Self, Error> {
        let logdir = logdir.as_ref().to_path_buf();
        let core = core::open(&logdir, &options)?;
        let event_file = core.main_path().to_path_buf();
        let clock = options.wall_clock;
        let sink = if options.non_blocking {
            Sink::Background(Background::start(
                core,
                options.queue_bytes,
                options.flush_interval.as_secs_f64(),
                now(clock),
            )?)
        } else {
            Sink::Direct(core)
        };
        Ok(SummaryWriter {
            logdir,
            event_file,
            clock,
            descriptions: HashMap::new(),
            seen: SeenTags::default(),
            scratch: Vec::with_capacity(256),
            sink,
        })
    }

    /// The run directory.
    pub fn logdir(&self) -> &Path {
        &self.logdir
    }

    /// The event file of the run itself (not of the sub-runs).
    pub fn event_file(&self) -> &Path {
        &self.event_file
    }

    /// Gives `tag` a description (markdown), which TensorBoard shows under its chart (the
    /// Scalars, Histograms, Distributions and Images dashboards and Time Series; the text
    /// dashboard shows none). It is written with the tag's first event, of any kind, and
    /// for an `add_scalars` chart with the first event of each series. Call it before
    /// that event: afterwards it is [`Error::DescriptionTooLate`] (TensorBoard reads a
    /// tag's metadata from its first event only; in a resumed run, that is the first
    /// session's).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.set_description("cost", "**ln 2 = 0.6931** means the output is 0.5 for every input.")?;
    /// w.add_scalar("cost", 0.6931, 0)?;
    /// assert!(w.set_description("cost", "too late").is_err());
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_description(&mut self, tag: &str, markdown: &str) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        if self.seen.contains(tag) {
            return Err(Error::DescriptionTooLate {
                tag: tag.to_string(),
            });
        }
        self.descriptions
            .insert(tag.to_string(), Arc::from(markdown));
        Ok(())
    }

    /// Logs one scalar.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_scalar("accuracy", 0.75, 10)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_scalar(&mut self, tag: &str, value: f32, step: i64) -> Result<(), Error> {
        self.reported()?;
        check_tag(tag, "tag")?;
        let description = self.first_use(tag);
        let wall_time = now(self.clock);
        let description = description.as_deref();
        match &mut self.sink {
            Sink::Direct(core) => {
                self.scratch.clear();
                encode_scalar(wall_time, step, tag, value, description, &mut self.scratch);
                core.record(&self.scratch, wall_time)
            }
            Sink::Background(bg) => bg.record(wall_time, |out| {
                encode_scalar(wall_time, step, tag, value, description, out)
            }),
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Logs several scalars of one step in one event (as TensorFlow's `merge_all` does):
    /// the same series as one `add_scalar` each, in less space (one wall time, step and
    /// record frame for all of them). Each tag's description goes on its first event.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_scalars_at_step(&[("cost", 0.69), ("accuracy", 0.5)], 0)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_scalars_at_step(&mut self, values: &[(&str, f32)], step: i64) -> Result<(), Error> {
        self.reported()?;
        let mut summary = Summary::default();
        for &(tag, value) in values {
            check_tag(tag, "tag")?;
            let description = self.first_use(tag);
            let mut one = super::scalar::scalar(tag, value);
            if let Some(description) = description.as_deref() {
                one = super::with_description(one, description);
            }
            summary.value.append(&mut one.value);
        }
        self.summary(step, summary, None)
    }

    /// Logs several scalars as one chart `main_tag`: series `name` goes to the sub-run
    /// `logdir/<main_tag>_<name>/` (see [`scalars_run_name`]) under the tag `main_tag`.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_scalars("loss", &[("train", 0.5), ("test", 0.75)], 3)?;
    /// w.close()?;
    /// assert!(dir.path().join("loss_train").is_dir());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_scalars(
        &mut self,
        main_tag: &str,
        series: &[(&str, f32)],
        step: i64,
    ) -> Result<(), Error> {
        self.reported()?;
        check_tag(main_tag, "tag")?;
        for (name, _) in series {
            check_tag(name, "add_scalars series name")?;
        }
        self.first_use(main_tag);
        // Every new series (sub-run) starts with the description.
        let description = self.descriptions.get(main_tag).cloned();
        let wall_time = now(self.clock);
        match &mut self.sink {
            Sink::Direct(core) => core.scalars(
                main_tag,
                series.iter().copied(),
                step,
                wall_time,
                description.as_deref(),
            ),
            Sink::Background(bg) => bg.push(Job::Scalars {
                main_tag: main_tag.to_string(),
                series: series.iter().map(|(n, v)| ((*n).to_string(), *v)).collect(),
                step,
                wall_time,
                description,
            }),
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Logs the histogram of `values`: 30 equal buckets, NaN and infinities skipped; no
    /// finite values gives an empty histogram with `num == 0` (see [`mod@super::histogram`]).
    /// A non-blocking writer buckets them on its thread.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_histogram("layer1/weights", &[0.1, -0.3, 0.7, 0.2], 0)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_histogram(&mut self, tag: &str, values: &[f32], step: i64) -> Result<(), Error> {
        self.reported()?;
        check_tag(tag, "tag")?;
        let description = self.first_use(tag);
        let wall_time = now(self.clock);
        match &mut self.sink {
            Sink::Direct(core) => {
                core.histogram(tag, values, step, wall_time, description.as_deref())
            }
            Sink::Background(bg) => {
                let values = bg.copy_values(values);
                bg.push(Job::Histogram {
                    tag: tag.to_string(),
                    values,
                    step,
                    wall_time,
                    description,
                })
            }
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Logs a histogram computed elsewhere, as given.
    ///
    /// ```
    /// use tbtrain::proto::HistogramProto;
    ///
    /// let histo = HistogramProto {
    ///     min: 0.0,
    ///     max: 2.0,
    ///     num: 3.0,
    ///     sum: 3.0,
    ///     sum_squares: 5.0,
    ///     bucket_limit: vec![1.0, 2.0],
    ///     bucket: vec![1.0, 2.0],
    /// };
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_histogram_raw("counts", &histo, 0)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_histogram_raw(
        &mut self,
        tag: &str,
        histo: &HistogramProto,
        step: i64,
    ) -> Result<(), Error> {
        self.reported()?;
        check_tag(tag, "tag")?;
        let description = self.first_use(tag);
        let wall_time = now(self.clock);
        match &mut self.sink {
            Sink::Direct(core) => {
                core.histogram_raw(tag, histo, step, wall_time, description.as_deref())
            }
            Sink::Background(bg) => bg.push(Job::HistogramRaw {
                tag: tag.to_string(),
                histo: histo.clone(),
                step,
                wall_time,
                description,
            }),
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Logs an 8-bit RGB image (`rgb.len()` must be `width * height * 3`, row by row) as
    /// PNG. A non-blocking writer checks the size here and encodes on its thread.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// let red_then_blue = [255, 0, 0, 0, 0, 255];
    /// w.add_image("pixels", &red_then_blue, 2, 1, 0)?;
    /// assert!(w.add_image("pixels", &red_then_blue, 3, 1, 1).is_err()); // 3x1 needs 9 bytes
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image(
        &mut self,
        tag: &str,
        rgb: &[u8],
        width: u32,
        height: u32,
        step: i64,
    ) -> Result<(), Error> {
        self.reported()?;
        check_tag(tag, "tag")?;
        super::image::check(tag, rgb, width, height)?;
        let description = self.first_use(tag);
        let wall_time = now(self.clock);
        match &mut self.sink {
            Sink::Direct(core) => core.image(
                tag,
                rgb,
                width,
                height,
                step,
                wall_time,
                description.as_deref(),
            ),
            Sink::Background(bg) => {
                let rgb = bg.copy_bytes(rgb);
                bg.push(Job::Image {
                    tag: tag.to_string(),
                    rgb,
                    width,
                    height,
                    step,
                    wall_time,
                    description,
                })
            }
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Logs markdown text.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_text("notes", "| layer | norm |\n|---|---|\n| 1 | 5e-7 |", 0)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_text(&mut self, tag: &str, markdown: &str, step: i64) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        let description = self.first_use(tag);
        self.summary(step, super::text::text(tag, markdown), description)
    }

    /// Logs the run's graph (shown by the graphs dashboard), at step 0.
    ///
    /// ```
    /// use tbtrain::proto::{GraphDef, NodeDef};
    ///
    /// let graph = GraphDef {
    ///     node: vec![NodeDef { name: "x".into(), op: "Placeholder".into(), ..Default::default() }],
    ///     ..Default::default()
    /// };
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_graph(&graph)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_graph(&mut self, graph: &GraphDef) -> Result<(), Error> {
        let event = Event {
            wall_time: now(self.clock),
            step: 0,
            what: Some(event::What::GraphDef(graph.encode_to_vec())),
            source_metadata: None,
        };
        self.write_event(event)
    }

    /// Writes `_hparams_/experiment`: the hparams, their domains and the metric tags.
    ///
    /// ```
    /// use tbtrain::summary::{ExperimentSpec, HParamDomain, HParamSpec, HParamValue};
    ///
    /// let spec = ExperimentSpec {
    ///     hparams: vec![HParamSpec {
    ///         name: "act".into(),
    ///         domain: HParamDomain::Discrete(vec![
    ///             HParamValue::Str("relu".into()),
    ///             HParamValue::Str("sigmoid".into()),
    ///         ]),
    ///         differs: true,
    ///     }],
    ///     metrics: vec!["accuracy".into()],
    /// };
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_hparams_experiment(&spec)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams_experiment(&mut self, experiment: &ExperimentSpec) -> Result<(), Error> {
        let summary = hparams::experiment(experiment, now(self.clock))?;
        self.summary(0, summary, None)
    }

    /// Writes `_hparams_/session_start_info`: this run's hparam values.
    ///
    /// ```
    /// use tbtrain::summary::HParamValue;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path().join("relu-seed1"))?;
    /// w.add_hparams_start(&[("act", HParamValue::Str("relu".into()))], Some("relu"))?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams_start(
        &mut self,
        hparams: &[(&str, HParamValue)],
        group_name: Option<&str>,
    ) -> Result<(), Error> {
        let summary = hparams::session_start(hparams, group_name, now(self.clock))?;
        self.summary(0, summary, None)
    }

    /// Writes `_hparams_/session_end_info`: how this run ended.
    ///
    /// ```
    /// use tbtrain::proto::hparams::Status;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_hparams_end(Status::Success)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams_end(&mut self, status: crate::proto::hparams::Status) -> Result<(), Error> {
        let summary = hparams::session_end(status, now(self.clock));
        self.summary(0, summary, None)
    }

    /// Writes, in this run, an experiment whose domains are these values (one discrete
    /// value each) and the session start.
    ///
    /// The hparams plugin uses the first experiment it finds among all runs; for a sweep
    /// over several runs, write one [`Self::add_hparams_experiment`] with full domains
    /// and only [`Self::add_hparams_start`] per run, or runs may be filtered out.
    ///
    /// ```
    /// use tbtrain::summary::HParamValue;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_hparams(&[("lr", HParamValue::Num(0.1))], &["accuracy"])?;
    /// w.add_scalar("accuracy", 1.0, 100)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams(
        &mut self,
        hparams: &[(&str, HParamValue)],
        metric_tags: &[&str],
    ) -> Result<(), Error> {
        let spec = hparams::infer_experiment(hparams, metric_tags);
        // Validate both before writing either.
        let now = now(self.clock);
        let experiment = hparams::experiment(&spec, now)?;
        let start = hparams::session_start(hparams, None, now)?;
        self.summary(0, experiment, None)?;
        self.summary(0, start, None)
    }

    /// Writes the custom-scalars layout (tag `custom_scalars__config__`), at step 0.
    ///
    /// ```
    /// use tbtrain::summary::layout;
    ///
    /// let charts = [("gradient norm per layer", vec![r"grad_norm/layer\d+".to_string()])];
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_custom_scalars(&layout::multiline("vanishing gradient", &charts))?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_custom_scalars(&mut self, layout: &Layout) -> Result<(), Error> {
        self.summary(0, super::layout::custom_scalars(layout), None)
    }

    /// Writes `event` to the run's file as given (a non-finite wall time becomes 0).
    pub fn write_event(&mut self, mut event: Event) -> Result<(), Error> {
        self.reported()?;
        event.wall_time = finite_or_zero(event.wall_time);
        match &mut self.sink {
            Sink::Direct(core) => core.event(&event),
            Sink::Background(bg) => bg.push(Job::Event(event)),
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Hands every record of the run and its sub-runs to the OS (for a non-blocking
    /// writer: after waiting until every call so far is written). Tries every file and
    /// returns the first error.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.reported()?;
        match &mut self.sink {
            Sink::Direct(core) => core.flush(),
            Sink::Background(bg) => bg.flush(),
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Flushes and closes every file (for a non-blocking writer: after writing every call
    /// so far, and joining its thread); returns the first error, of any file or any
    /// earlier call not yet reported.
    pub fn close(mut self) -> Result<(), Error> {
        match std::mem::replace(&mut self.sink, Sink::Closed) {
            Sink::Direct(core) => core.close(),
            Sink::Background(bg) => bg.close(),
            Sink::Closed => Ok(()),
        }
    }

    /// Writes `summary` at `step` and now, with `description` on its first event.
    fn summary(
        &mut self,
        step: i64,
        summary: Summary,
        description: Option<Arc<str>>,
    ) -> Result<(), Error> {
        self.reported()?;
        let wall_time = now(self.clock);
        match &mut self.sink {
            Sink::Direct(core) => core.summary(step, wall_time, summary, description.as_deref()),
            Sink::Background(bg) => bg.push(Job::Summary {
                summary,
                step,
                wall_time,
                description,
            }),
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Records that `tag` is being written; on its first use, returns its description.
    #[inline]
    fn first_use(&mut self, tag: &str) -> Option<Arc<str>> {
        if self.seen.check_in(tag) {
            None
        } else {
            self.description_of(tag)
        }
    }

    /// `tag`'s description (off the hot path: asked once per tag).
    #[cold]
    #[inline(never)]
    fn description_of(&self, tag: &str) -> Option<Arc<str>> {
        self.descriptions.get(tag).cloned()
    }

    /// A non-blocking writer's error not yet reported (none for a blocking one).
    fn reported(&self) -> Result<(), Error> {
        match &self.sink {
            Sink::Background(bg) => bg.take_error(),
            Sink::Direct(_) | Sink::Closed => Ok(()),
        }
    }
}

/// Encodes the scalar event: the fast `simple_value` encoding, or, with a description (a
/// tag's first event), what TensorBoard's `scalar_pb` writes.
#[inline]
pub(crate) fn encode_scalar(
    wall_time: f64,
    step: i64,
    tag: &str,
    value: f32,
    description: Option<&str>,
    out: &mut Vec<u8>,
) {
    match description {
        None => super::scalar::encode_event(wall_time, step, tag, value, out),
        Some(description) => {
            let summary = super::with_description(super::scalar::scalar(tag, value), description);
            super::event(wall_time, step, summary).encode_raw(out);
        }
    }
}

fn closed(path: &Path) -> Error {
    Error::Events(crate::events::Error::Closed {
        path: path.to_path_buf(),
    })
}

/// The sub-run directory name of series `series` of `add_scalars(main_tag, ..)`:
/// `<main_tag>_<series>` with `/` and `\` replaced by `_`, so it stays one directory.
pub fn scalars_run_name(main_tag: &str, series: &str) -> String {
    let mut out = String::new();
    push_scalars_run_name(main_tag, series, &mut out);
    out
}

pub(crate) fn push_scalars_run_name(main_tag: &str, series: &str, out: &mut String) {
    let clean = |c: char| if c == '/' || c == '\\' { '_' } else { c };
    out.extend(main_tag.chars().map(clean));
    out.push('_');
    out.extend(series.chars().map(clean));
}

fn check_tag(tag: &str, what: &'static str) -> Result<(), Error> {
    if tag.is_empty() {
        Err(Error::EmptyTag { what })
    } else {
        Ok(())
    }
}

/// The tags a writer has written, asked on every call, so asking is made cheap for the
/// common case of a loop passing the same string (a literal, or a `String` kept for the
/// run) each time: a small table remembers, by the string's address, which tag was last
/// seen there, and a hit costs one comparison of the bytes (never trusted without it: a
/// freed string's address can come back holding another tag). A miss asks the set.
#[derive(Debug, Default)]
struct SeenTags {
    set: HashMap<Box<str>, u32, BuildHasherDefault<TagHasher>>,
    /// Every tag, by its index in `set`.
    tags: Vec<Box<str>>,
    /// `(address, index + 1)` of recently asked strings; 0 is empty.
    recent: [(usize, u32); SeenTags::RECENT],
}

impl SeenTags {
    const RECENT: usize = 32;

    fn slot(tag: &str) -> usize {
        let addr = tag.as_ptr() as usize;
        ((addr >> 3) ^ (addr >> 11) ^ tag.len()) % Self::RECENT
    }

    /// Whether `tag` was seen (without recording it).
    fn contains(&self, tag: &str) -> bool {
        self.set.contains_key(tag)
    }

    /// Records `tag`; returns whether it had been seen before.
    #[inline]
    fn check_in(&mut self, tag: &str) -> bool {
        let slot = Self::slot(tag);
        let (addr, index) = self.recent[slot];
        if addr == tag.as_ptr() as usize && index > 0 {
            if let Some(known) = self.tags.get(index as usize - 1) {
                if **known == *tag {
                    return true;
                }
            }
        }
        self.check_in_slow(tag, slot)
    }

    /// [`Self::check_in`] when the table does not know the string.
    #[cold]
    #[inline(never)]
    fn check_in_slow(&mut self, tag: &str, slot: usize) -> bool {
        let (seen, index) = match self.set.get(tag) {
            Some(&index) => (true, index),
            None => {
                let index = self.tags.len() as u32;
                self.tags.push(Box::from(tag));
                self.set.insert(Box::from(tag), index);
                (false, index)
            }
        };
        self.recent[slot] = (tag.as_ptr() as usize, index + 1);
        seen
    }
}

/// A fast hash for the set of tags seen (a multiply and a rotate per 8 bytes): tags come
/// from the program, not from an adversary, and `add_scalar` looks one up on every call.
#[derive(Debug, Default, Clone, Copy)]
struct TagHasher(u64);

impl TagHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for TagHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ (rest.len() as u64) << 59);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::record;
    use crate::proto::summary::value::Value;
    use std::collections::BTreeMap;

    /// Reads every event of `path` (the file is well-formed: our own writer made it).
    fn read_events(path: &Path) -> Vec<Event> {
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

    fn summary_value(e: &Event) -> &crate::proto::summary::Value {
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
    fn seen_tags_are_told_apart_even_at_a_reused_address() {
        let mut seen = SeenTags::default();
        assert!(!seen.check_in("loss"));
        assert!(seen.check_in("loss"));
        let mut buf = String::with_capacity(16);
        buf.push_str("layer1");
        assert!(!seen.check_in(&buf));
        assert!(seen.check_in(&buf));
        // Same address and length, other bytes: not taken for the tag seen there before.
        buf.clear();
        buf.push_str("layer2");
        assert!(!seen.check_in(&buf));
        assert!(seen.contains("layer1") && seen.contains("layer2") && !seen.contains("x"));
        // More tags than the table has slots.
        let many: Vec<String> = (0..200).map(|i| format!("t{i}")).collect();
        for t in &many {
            assert!(!seen.check_in(t));
        }
        for t in &many {
            assert!(seen.check_in(t));
            assert!(seen.check_in(&t.clone()));
        }
    }

    #[test]
    fn tag_hasher_tells_tags_apart() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<TagHasher>::default();
        let tags = [
            "a",
            "b",
            "ab",
            "grad_norm/layer1",
            "grad_norm/layer11",
            "",
            "abcdefgh",
        ];
        let hashes: std::collections::HashSet<u64> =
            tags.iter().map(|t| build.hash_one(t)).collect();
        assert_eq!(hashes.len(), tags.len());
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
}
