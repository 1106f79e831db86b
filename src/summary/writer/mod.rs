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

//!
//! The methods are spread by job: this file has the type, its options and its life
//! (open, descriptions, flush, close); `scalars.rs` the scalar adders, the hot path;
//! `media.rs` histograms, images, text and the graph; `run_info.rs` what describes the
//! whole run (hparams, the custom-scalars layout); `classifier.rs` PR curves and the
//! Projector's embeddings; `seen.rs` the set of tags written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::background::{Background, Job, Stamp};
use super::core::{self, Core};
use super::Error;
use crate::events::writer::{finite_or_zero, now};
use crate::events::WriterOptions;
use crate::proto::{Event, Summary};

mod classifier;
mod media;
mod run_info;
mod scalars;
mod seen;
#[cfg(test)]
mod tests;

pub use scalars::scalars_run_name;
pub(crate) use scalars::{encode_scalar, push_scalars_run_name};
use seen::SeenTags;

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
                at: Stamp::new(step, wall_time, description),
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

fn closed(path: &Path) -> Error {
    Error::Events(crate::events::Error::Closed {
        path: path.to_path_buf(),
    })
}

fn check_tag(tag: &str, what: &'static str) -> Result<(), Error> {
    if tag.is_empty() {
        Err(Error::EmptyTag { what })
    } else {
        Ok(())
    }
}
