//! The summary layer: what TensorBoard's plugins expect inside an event, and the
//! [`SummaryWriter`] that writes it.
//!
//! Two levels:
//! - pure builder functions ([`scalar()`], [`histogram()`], [`image()`], [`text()`],
//!   [`hparams::session_start`], [`layout::custom_scalars`], ...) return
//!   `proto::Summary` values and touch no files, so tests can compare their bytes with
//!   TensorBoard's own Python writers; [`event()`] wraps one in an `Event` with a given wall
//!   time and step;
//! - [`SummaryWriter`] owns a run directory (plus one sub-run per `add_scalars` series) and
//!   writes those summaries through [`crate::events::EventWriter`].
//!
//! Encodings chosen (each checked against TensorBoard 2.21's Python writers and the loader
//! of its data server, `data_compat.rs`):
//! - scalars: `simple_value`, no metadata (the loader synthesises the `scalars` plugin);
//! - histograms: the legacy `histo` (`HistogramProto`), converted by the loader into the
//!   `[k, 3]` tensor of the `histograms` plugin using `min` and `max` as outer edges;
//! - images: the legacy `Summary.Image` with a PNG, colorspace 3 (RGB);
//! - text: a rank-0 `DT_STRING` tensor with plugin `text`, like `text_pb`;
//! - hparams: `HParamsPluginData` (version 0) in the metadata and the plugin's null tensor
//!   (`DT_FLOAT`, shape `[0]`) as the value, like `tensorboard.plugins.hparams.summary_v2`;
//! - custom scalars: a rank-0 `DT_STRING` tensor holding a serialized `Layout`, plugin
//!   `custom_scalars`, tag `custom_scalars__config__`.
//!
//! Metadata: a loader reads a time series' metadata from its first event only, and
//! TensorFlow's writers send it only then. The builders always include it; the writer
//! drops it from later events of the same tag in the same file (see [`writer`]).

use crate::proto::{event, summary, Event, Summary, SummaryMetadata};

pub mod histogram;
pub mod hparams;
pub mod image;
pub mod layout;
pub mod scalar;
pub mod text;
pub mod writer;

pub use histogram::{histogram, histogram_raw};
pub use hparams::{ExperimentSpec, HParamDomain, HParamKind, HParamSpec, HParamValue};
pub use image::image;
pub use layout::custom_scalars;
pub use scalar::scalar;
pub use text::text;
pub use writer::{scalars_run_name, SummaryWriter};

/// Plugin names, as TensorBoard's `plugins/*/metadata.py` spell them.
pub mod plugin {
    /// Scalars (`simple_value` summaries are assigned to it by the loader).
    pub const SCALARS: &str = "scalars";
    /// Histograms and distributions.
    pub const HISTOGRAMS: &str = "histograms";
    /// Images.
    pub const IMAGES: &str = "images";
    /// Markdown text.
    pub const TEXT: &str = "text";
    /// Hyperparameters.
    pub const HPARAMS: &str = "hparams";
    /// Custom scalar layouts.
    pub const CUSTOM_SCALARS: &str = "custom_scalars";
}

/// What can go wrong while building or writing summaries.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing the event file failed.
    #[error(transparent)]
    Events(#[from] crate::events::Error),
    /// A tag (or an `add_scalars` series name, or an hparam name) was empty.
    #[error("empty {what}: TensorBoard cannot show a series without a name")]
    EmptyTag { what: &'static str },
    /// The pixel buffer does not hold `width * height * 3` bytes.
    #[error("image {tag:?}: {width}x{height} RGB needs {expected} bytes, got {actual}")]
    ImageSize {
        tag: String,
        width: u32,
        height: u32,
        expected: u64,
        actual: usize,
    },
    /// A dimension is zero or larger than the `int32` TensorBoard stores.
    #[error("image {tag:?}: dimensions {width}x{height} must be between 1 and 2147483647")]
    ImageDimensions {
        tag: String,
        width: u32,
        height: u32,
    },
    /// The PNG encoder failed.
    #[error("image {tag:?}: PNG encoding failed: {source}")]
    Png {
        tag: String,
        source: png::EncodingError,
    },
    /// The same hyperparameter name appears twice.
    #[error("hyperparameter {name:?} is given twice")]
    DuplicateHParam { name: String },
    /// A discrete domain is empty, so its type is unknown.
    #[error("hyperparameter {name:?}: a discrete domain needs at least one value")]
    EmptyDomain { name: String },
    /// A discrete domain mixes strings, numbers and booleans.
    #[error("hyperparameter {name:?}: discrete domain mixes {first} and {other} values")]
    MixedDomain {
        name: String,
        first: &'static str,
        other: &'static str,
    },
    /// An interval domain is not `min <= max` with finite ends.
    #[error("hyperparameter {name:?}: interval [{min}, {max}] is not finite and ordered")]
    BadInterval { name: String, min: f64, max: f64 },
}

/// Wraps `summary` in an `Event` at `wall_time` (seconds since the epoch) and `step`.
///
/// A non-finite `wall_time` is replaced by 0, so no event ever carries NaN or infinity.
pub fn event(wall_time: f64, step: i64, summary: Summary) -> Event {
    Event {
        wall_time: finite_or_zero(wall_time),
        step,
        what: Some(event::What::Summary(summary)),
        source_metadata: None,
    }
}

/// The `file_version` event every event file starts with, at `wall_time`.
pub fn file_version_event(wall_time: f64) -> Event {
    Event {
        wall_time: finite_or_zero(wall_time),
        step: 0,
        what: Some(event::What::FileVersion(
            crate::events::writer::FILE_VERSION.to_string(),
        )),
        source_metadata: None,
    }
}

/// A `Summary` with a single value.
pub(crate) fn single(
    tag: &str,
    metadata: Option<SummaryMetadata>,
    value: summary::value::Value,
) -> Summary {
    Summary {
        value: vec![summary::Value {
            node_name: String::new(),
            tag: tag.to_string(),
            metadata,
            value: Some(value),
        }],
    }
}

/// Metadata naming `plugin_name`, with `content` as its plugin data.
pub(crate) fn plugin_metadata(plugin_name: &str, content: Vec<u8>) -> SummaryMetadata {
    SummaryMetadata {
        plugin_data: Some(crate::proto::summary_metadata::PluginData {
            plugin_name: plugin_name.to_string(),
            content,
        }),
        display_name: String::new(),
        summary_description: String::new(),
        data_class: 0,
    }
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_replaces_non_finite_wall_time() {
        let e = event(f64::NAN, 3, Summary::default());
        assert_eq!(e.wall_time, 0.0);
        assert_eq!(e.step, 3);
        assert_eq!(event(f64::INFINITY, 0, Summary::default()).wall_time, 0.0);
        assert_eq!(event(12.5, 0, Summary::default()).wall_time, 12.5);
    }

    #[test]
    fn file_version_event_names_version_2() {
        let e = file_version_event(1.0);
        assert_eq!(
            e.what,
            Some(event::What::FileVersion("brain.Event:2".to_string()))
        );
    }
}
