//! The TensorBoard protobuf messages. Names and field numbers match TensorBoard's.
//!
//! The Rust code is generated from `proto/*.proto` by prost-build (fed by protox, so no
//! `protoc` is needed) and checked in under `src/proto/generated/`, so building the crate
//! needs neither. `tests/proto_generated.rs` regenerates it and fails on any difference;
//! after editing a `.proto` file, refresh it with
//! `TBTRAIN_BLESS=1 cargo test --test proto_generated`.

#![allow(missing_docs, clippy::all)]

include!("proto/generated/tensorboard.rs");

/// The hparams plugin's messages (`tensorboard.hparams` package).
pub mod hparams {
    include!("proto/generated/tensorboard.hparams.rs");
}
