//! The scalar adders, the writer's hot path: [`SummaryWriter::add_scalar`] encodes its
//! event straight into a reused buffer and allocates nothing once the tag has been seen;
//! [`SummaryWriter::add_scalars_at_step`] puts several tags in one event;
//! [`SummaryWriter::add_scalars`] writes one chart as one sub-run per series, named by
//! [`scalars_run_name`] (the core and the resume find the sub-runs by that name too).

use prost::Message;

use super::{check_tag, closed, Sink, SummaryWriter};
use crate::events::writer::now;
use crate::proto::Summary;
use crate::summary::background::{Job, Stamp};
use crate::summary::Error;

impl SummaryWriter {
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
            let mut one = crate::summary::scalar::scalar(tag, value);
            if let Some(description) = description.as_deref() {
                one = crate::summary::with_description(one, description);
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
                at: Stamp::new(step, wall_time, description),
            }),
            Sink::Closed => Err(closed(&self.event_file)),
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
        None => crate::summary::scalar::encode_event(wall_time, step, tag, value, out),
        Some(description) => {
            let summary = crate::summary::with_description(
                crate::summary::scalar::scalar(tag, value),
                description,
            );
            crate::summary::event(wall_time, step, summary).encode_raw(out);
        }
    }
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
