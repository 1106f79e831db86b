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
//!   `custom_scalars`, tag `custom_scalars__config__`;
//! - PR curves: a `[6, N]` float tensor with plugin `pr_curves` and its data class, as
//!   `plugins/pr_curve/summary.py` writes it ([`mod@pr_curve`]).
//!
//! The Projector reads files, not events: [`projector`] writes them into the run
//! directory.
//!
//! Metadata: a loader reads a time series' metadata from its first event only, and
//! TensorFlow's writers send it only then. The builders always include it; the writer
//! drops it from later events of the same tag in the same file (see [`writer`]).
//!
//! Descriptions ([`with_description`]): TensorBoard shows a tag's
//! `SummaryMetadata.summary_description` (markdown) under its chart, read from the tag's
//! first event. The Rust data server ignores the metadata of a legacy value
//! (`simple_value`, `histo`, `image`) unless it names its data class, so a described
//! first event is:
//! - scalar: what TensorBoard's `scalar_pb` writes, a rank-0 `DT_FLOAT` tensor with
//!   plugin `scalars` metadata (later events of the tag stay `simple_value`);
//! - histogram: the `histo` with plugin `histograms` metadata and `DATA_CLASS_TENSOR`;
//! - image: the `Summary.Image` with plugin `images` metadata and
//!   `DATA_CLASS_BLOB_SEQUENCE`;
//! - text (and any tensor summary): its own metadata plus the description, as
//!   `text_pb(..., description=...)` writes it. (TensorBoard 2.21 shows no text
//!   description: the text plugin's routes do not serve it.)

use crate::proto::{event, summary, DataClass, Event, Summary, SummaryMetadata};
use crate::proto::{DataType, TensorProto, TensorShapeProto};

mod background;
mod core;

pub mod histogram;
pub mod hparams;
pub mod image;
pub mod layout;
pub mod pr_curve;
pub mod projector;
pub mod scalar;
pub mod text;
pub mod writer;

pub use histogram::{histogram, histogram_raw};
pub use hparams::{ExperimentSpec, HParamDomain, HParamKind, HParamSpec, HParamValue};
pub use image::image;
pub use layout::custom_scalars;
pub use pr_curve::{pr_curve, pr_curve_raw, PrCurveData};
pub use projector::{Embedding, Sprite};
pub use scalar::scalar;
pub use text::text;
pub use writer::{scalars_run_name, SummaryWriter};

pub use crate::events::writer::file_version_event;
use crate::events::writer::finite_or_zero;

/// `ImagePluginData { version: 0, converted_to_tensor: true }`, serialized: the plugin
/// content both loaders give a legacy `Summary.Image` of their own accord.
const IMAGE_PLUGIN_CONTENT: [u8; 2] = [0x10, 0x01];

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
    /// Precision-recall curves.
    pub const PR_CURVES: &str = "pr_curves";
}

/// What can go wrong while building or writing summaries.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing the event file failed.
    #[error(transparent)]
    Events(#[from] crate::events::Error),
    /// A tag (or an `add_scalars` series name, or an hparam name) was empty.
    #[error("empty {what}: TensorBoard cannot show a series without a name")]
    EmptyTag {
        /// What was empty (`tag`, `add_scalars series name`, ...).
        what: &'static str,
    },
    /// The pixel buffer does not hold `width * height * 3` bytes.
    #[error("image {tag:?}: {width}x{height} RGB needs {expected} bytes, got {actual}")]
    ImageSize {
        /// The image's tag.
        tag: String,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width * height * 3`.
        expected: u64,
        /// Bytes given.
        actual: usize,
    },
    /// A dimension is zero or larger than the `int32` TensorBoard stores.
    #[error("image {tag:?}: dimensions {width}x{height} must be between 1 and 2147483647")]
    ImageDimensions {
        /// The image's tag.
        tag: String,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Bytes given as a PNG do not start like one (its signature and `IHDR` header).
    #[error(
        "image {tag:?}: not a PNG (it does not start with the PNG signature and an IHDR header)"
    )]
    NotPng {
        /// The image's tag.
        tag: String,
    },
    /// The PNG encoder failed.
    #[error("image {tag:?}: PNG encoding failed: {source}")]
    Png {
        /// The image's tag.
        tag: String,
        /// The encoder's error.
        source: png::EncodingError,
    },
    /// The same hyperparameter name appears twice.
    #[error("hyperparameter {name:?} is given twice")]
    DuplicateHParam {
        /// The hyperparameter.
        name: String,
    },
    /// A discrete domain is empty, so its type is unknown.
    #[error("hyperparameter {name:?}: a discrete domain needs at least one value")]
    EmptyDomain {
        /// The hyperparameter.
        name: String,
    },
    /// A discrete domain mixes strings, numbers and booleans.
    #[error("hyperparameter {name:?}: discrete domain mixes {first} and {other} values")]
    MixedDomain {
        /// The hyperparameter.
        name: String,
        /// The kind of the domain's first value.
        first: &'static str,
        /// The kind of a value that differs from it.
        other: &'static str,
    },
    /// An interval domain is not `min <= max` with finite ends.
    #[error("hyperparameter {name:?}: interval [{min}, {max}] is not finite and ordered")]
    BadInterval {
        /// The hyperparameter.
        name: String,
        /// The interval's lower end.
        min: f64,
        /// The interval's upper end.
        max: f64,
    },
    /// A description was given after the tag's first event: TensorBoard reads a tag's
    /// description from its first event only, so it would never be shown.
    #[error(
        "tag {tag:?}: a description must be set before the tag's first event (TensorBoard \
         reads it from that event only)"
    )]
    DescriptionTooLate {
        /// The tag.
        tag: String,
    },
    /// The background thread of a non-blocking writer could not be started.
    #[error("cannot start the summary writer's background thread: {source}")]
    SpawnThread {
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A PR curve's input is wrong (see [`pr_curve::PrCurveError`]).
    #[error(transparent)]
    PrCurve(#[from] pr_curve::PrCurveError),
    /// An embedding is wrong or its files could not be written (see
    /// [`projector::EmbeddingError`]).
    #[error(transparent)]
    Embedding(#[from] projector::EmbeddingError),
    /// The background thread of a non-blocking writer stopped unexpectedly (it
    /// panicked); what it had not written yet is lost.
    #[error("the summary writer's background thread stopped unexpectedly")]
    ThreadDied,
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

/// `summary` with `description` (markdown) in every value's metadata, encoded so that
/// both TensorBoard loaders serve it (see the module doc). Meant for a tag's first event.
///
/// ```
/// use tbtrain::proto::summary::value::Value;
/// use tbtrain::summary::{scalar, with_description};
///
/// let s = with_description(scalar("cost", 0.69), "ln 2 = 0.6931: the output is 0.5");
/// let v = &s.value[0];
/// assert!(matches!(v.value, Some(Value::Tensor(_))));
/// let md = v.metadata.as_ref().unwrap();
/// assert_eq!(md.plugin_data.as_ref().unwrap().plugin_name, "scalars");
/// assert_eq!(md.summary_description, "ln 2 = 0.6931: the output is 0.5");
/// ```
pub fn with_description(mut summary: Summary, description: &str) -> Summary {
    for value in &mut summary.value {
        describe(value, description);
    }
    summary
}

/// Puts `description` into `value`'s metadata (see [`with_description`]).
pub(crate) fn describe(value: &mut summary::Value, description: &str) {
    use summary::value::Value as V;
    let (plugin_name, content, data_class) = match &value.value {
        Some(V::SimpleValue(x)) => {
            value.value = Some(V::Tensor(scalar_tensor(*x)));
            (plugin::SCALARS, Vec::new(), DataClass::Unknown)
        }
        Some(V::Histo(_)) => (plugin::HISTOGRAMS, Vec::new(), DataClass::Tensor),
        Some(V::Image(_)) => (
            plugin::IMAGES,
            IMAGE_PLUGIN_CONTENT.to_vec(),
            DataClass::BlobSequence,
        ),
        _ => {
            value
                .metadata
                .get_or_insert_with(SummaryMetadata::default)
                .summary_description = description.to_string();
            return;
        }
    };
    let md = value
        .metadata
        .get_or_insert_with(|| plugin_metadata(plugin_name, content.clone()));
    if md.plugin_data.as_ref().map(|p| p.plugin_name.as_str()) != Some(plugin_name) {
        *md = plugin_metadata(plugin_name, content);
    }
    md.summary_description = description.to_string();
    md.data_class = data_class as i32;
}

/// A rank-0 `DT_FLOAT` tensor holding `x`, as TensorBoard's `make_tensor_proto` writes it.
fn scalar_tensor(x: f32) -> TensorProto {
    TensorProto {
        dtype: DataType::DtFloat as i32,
        tensor_shape: Some(TensorShapeProto::default()),
        float_val: vec![x],
        ..Default::default()
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
    fn descriptions_name_the_data_class_where_the_rust_loader_needs_it() {
        use summary::value::Value as V;
        let md = |s: &Summary| s.value[0].metadata.clone().unwrap();
        let h = with_description(histogram::histogram("h", &[1.0]), "d");
        assert_eq!(md(&h).data_class, DataClass::Tensor as i32);
        assert_eq!(md(&h).plugin_data.unwrap().plugin_name, "histograms");
        assert!(matches!(h.value[0].value, Some(V::Histo(_))));
        let i = with_description(image::image("i", &[0, 0, 0], 1, 1).unwrap(), "d");
        assert_eq!(md(&i).data_class, DataClass::BlobSequence as i32);
        assert_eq!(md(&i).plugin_data.unwrap().content, IMAGE_PLUGIN_CONTENT);
        let t = with_description(text::text("t", "x"), "d");
        assert_eq!(md(&t).summary_description, "d");
        assert_eq!(md(&t).plugin_data.unwrap().plugin_name, "text");
        // A scalar becomes a tensor; its metadata names the plugin only, as scalar_pb's.
        let s = with_description(scalar::scalar("s", 2.0), "d");
        assert_eq!(md(&s).data_class, 0);
        assert_eq!(s.value[0].value, Some(V::Tensor(scalar_tensor(2.0))));
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
