//! The TensorBoard protobuf messages, generated at build time from `proto/` by
//! `build.rs` (prost-build fed by protox). Names and field numbers match TensorBoard's.

#![allow(missing_docs, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/tensorboard.rs"));

/// The hparams plugin's messages (`tensorboard.hparams` package).
pub mod hparams {
    include!(concat!(env!("OUT_DIR"), "/tensorboard.hparams.rs"));
}
