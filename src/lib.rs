//! tbtrain: train deep networks and write everything they learn as TensorBoard event files.
//!
//! Data flows `data -> nn -> train -> summary -> events`:
//! - [`events`]: TFRecord framing with masked CRC-32C, event-file naming, a buffered writer
//!   with a flush policy, and a reader that survives corrupt files.
//! - [`summary`]: the [`SummaryWriter`] API (scalars, histograms, images, text, graphs,
//!   hparams, custom scalars).
//! - [`inspect`]: what a log directory holds, seen the way TensorBoard sees it.
//! - `export`: every point TensorBoard shows, as CSV or JSON Lines.
//! - `nn`: a multilayer perceptron with forward/backward passes into preallocated buffers.
//! - `data`: XOR, generated 2-D datasets, CSV loading.
//! - `train`: the training loop, where the model and the logging meet.
//! - `sweep`: many runs in parallel over lists of settings, summarised over seeds.
//!
//! # Features
//!
//! - `cli` (default): the `tbtrain` command; implies `train` and `export`.
//! - `export`: the module `export` (`ryu`, `itoa`).
//! - `train`: the trainer, the modules `nn`, `data`, `train` and `sweep`; implies `json`.
//! - `json`: `inspect::render_json`.
//!
//! With `default-features = false` the crate is the event-file library alone ([`proto`],
//! [`events`], [`summary`], [`inspect`], [`table`]), for logging from any training loop:
//! a crate that depends on it that way compiles 29 crates in all, itself included
//! (measured by `scripts/lib-footprint.sh`, which fails above 30).

#![warn(missing_docs)]

// The event-file library (`events`, `summary`, `proto`) documents every public item; the
// modules below are not held to that yet.
#[cfg(feature = "train")]
#[allow(missing_docs)]
pub mod data;
pub mod escape;
pub mod events;
#[cfg(feature = "export")]
#[allow(missing_docs)]
pub mod export;
#[allow(missing_docs)]
pub mod inspect;
#[cfg(feature = "train")]
#[allow(missing_docs)]
pub mod nn;
pub mod proto;
#[cfg(feature = "train")]
mod random;
pub(crate) mod special;
pub mod summary;
#[cfg(feature = "train")]
#[allow(missing_docs)]
pub mod sweep;
pub mod table;
#[cfg(feature = "train")]
#[allow(missing_docs)]
pub mod train;

pub use events::{EventReader, EventWriter};
pub use summary::SummaryWriter;
#[cfg(feature = "train")]
pub use train::{train, TrainConfig};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
