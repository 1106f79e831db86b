//! tbtrain: train deep networks and write everything they learn as TensorBoard event files.
//!
//! Data flows `data -> nn -> train -> summary -> events`:
//! - [`events`]: TFRecord framing with masked CRC-32C, event-file naming, a buffered writer
//!   with a flush policy, and a reader that survives corrupt files.
//! - [`summary`]: the [`SummaryWriter`] API (scalars, histograms, images, text, graphs,
//!   hparams, custom scalars).
//! - [`nn`]: a multilayer perceptron with forward/backward passes into preallocated buffers.
//! - [`data`]: XOR, generated 2-D datasets, CSV loading.
//! - [`mod@train`]: the training loop, where the model and the logging meet.
//! - [`sweep`]: many runs in parallel over lists of settings, summarised over seeds.

#![warn(missing_docs)]

// The event-file library (`events`, `summary`, `proto`) documents every public item; the
// modules below are not held to that yet.
#[allow(missing_docs)]
pub mod data;
pub mod escape;
pub mod events;
#[allow(missing_docs)]
pub mod inspect;
#[allow(missing_docs)]
pub mod nn;
pub mod proto;
mod random;
pub(crate) mod special;
pub mod summary;
#[allow(missing_docs)]
pub mod sweep;
pub mod table;
#[allow(missing_docs)]
pub mod train;

pub use events::{EventReader, EventWriter};
pub use summary::SummaryWriter;
pub use train::{train, TrainConfig};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
