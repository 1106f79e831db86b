//! What the caller queues for the background thread: one [`Job`] per call, holding
//! copies of what the call was lent, and how the thread runs it on the [`Core`] (each
//! job is one method of the core, so the bytes are those of a blocking writer).

use std::sync::Arc;

use crate::proto::{Event, HistogramProto, Summary};
use crate::summary::core::Core;
use crate::summary::Error;

/// Bytes counted for a job that lends nothing big.
const SMALL_JOB_BYTES: usize = 256;

/// Where a call's value goes in the run: its step, its wall time (read on the caller's
/// thread), and the tag's description when this is the tag's first event.
#[derive(Debug)]
pub(crate) struct Stamp {
    pub(crate) step: i64,
    pub(crate) wall_time: f64,
    pub(crate) description: Option<Arc<str>>,
}

impl Stamp {
    /// The stamp of a value at `step`, `wall_time`, with the tag's `description` if any.
    pub(crate) fn new(step: i64, wall_time: f64, description: Option<Arc<str>>) -> Stamp {
        Stamp {
            step,
            wall_time,
            description,
        }
    }
}

/// One call, with what it was lent copied.
#[derive(Debug)]
pub(crate) enum Job {
    /// Framed scalar records for the run's file; the wall time of the last one.
    Records {
        framed: Vec<u8>,
        wall_time: f64,
    },
    Scalars {
        main_tag: String,
        series: Vec<(String, f32)>,
        at: Stamp,
    },
    Histogram {
        tag: String,
        values: Vec<f32>,
        at: Stamp,
    },
    HistogramRaw {
        tag: String,
        histo: HistogramProto,
        at: Stamp,
    },
    Image {
        tag: String,
        rgb: Vec<u8>,
        width: u32,
        height: u32,
        at: Stamp,
    },
    Summary {
        summary: Summary,
        at: Stamp,
    },
    Event(Event),
    /// Flush every file, then count one more flush done.
    Flush,
}

impl Job {
    /// The bytes this job holds, for the queue's bound.
    pub(super) fn size(&self) -> usize {
        SMALL_JOB_BYTES
            + match self {
                Job::Records { framed, .. } => framed.len(),
                Job::Histogram { values, .. } => std::mem::size_of_val(values.as_slice()),
                Job::Image { rgb, .. } => rgb.len(),
                Job::HistogramRaw { histo, .. } => 16 * histo.bucket.len(),
                Job::Summary { summary, .. } => summary.value.len() * SMALL_JOB_BYTES,
                Job::Scalars { series, .. } => series.len() * 32,
                Job::Event(_) | Job::Flush => 0,
            }
    }

    /// Runs the job on `core`; returns its result and the buffer it lent, for reuse.
    pub(super) fn run(self, core: &mut Core) -> (Result<(), Error>, Option<Spare>) {
        match self {
            Job::Records { framed, wall_time } => {
                let result = core.framed(&framed, wall_time);
                (result, Some(Spare::Bytes(framed)))
            }
            Job::Histogram { tag, values, at } => {
                let result = core.histogram(
                    &tag,
                    &values,
                    at.step,
                    at.wall_time,
                    at.description.as_deref(),
                );
                (result, Some(Spare::Values(values)))
            }
            Job::Image {
                tag,
                rgb,
                width,
                height,
                at,
            } => {
                let result = core.image(
                    &tag,
                    &rgb,
                    width,
                    height,
                    at.step,
                    at.wall_time,
                    at.description.as_deref(),
                );
                (result, Some(Spare::Bytes(rgb)))
            }
            other => (other.run_small(core), None),
        }
    }

    /// Runs a job that lends no big buffer.
    fn run_small(self, core: &mut Core) -> Result<(), Error> {
        match self {
            Job::Scalars {
                main_tag,
                series,
                at,
            } => core.scalars(
                &main_tag,
                series.iter().map(|(name, v)| (name.as_str(), *v)),
                at.step,
                at.wall_time,
                at.description.as_deref(),
            ),
            Job::HistogramRaw { tag, histo, at } => core.histogram_raw(
                &tag,
                &histo,
                at.step,
                at.wall_time,
                at.description.as_deref(),
            ),
            Job::Summary { summary, at } => {
                core.summary(at.step, at.wall_time, summary, at.description.as_deref())
            }
            Job::Event(event) => core.event(&event),
            Job::Flush => core.flush(),
            Job::Records { .. } | Job::Histogram { .. } | Job::Image { .. } => self.run(core).0,
        }
    }
}

/// A buffer a job lent, back from the thread for the next job.
#[derive(Debug)]
pub(super) enum Spare {
    Values(Vec<f32>),
    Bytes(Vec<u8>),
}
