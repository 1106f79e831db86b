//! The event-file layer: TFRecord framing, writing and reading TensorBoard event files.
//!
//! This layer knows the container format and nothing of what the summaries mean or of
//! training. [`EventWriter`] writes one new file; [`EventReader`] reads one back,
//! reporting every problem with its byte offset.

use std::io;
use std::path::PathBuf;

pub mod files;
pub mod reader;
pub mod record;
pub mod writer;

pub use reader::EventReader;
pub use writer::{EventWriter, WriterOptions};

/// What can go wrong while writing event files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The run directory could not be created.
    #[error("cannot create log directory {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
    /// A new event file could not be created.
    #[error("cannot create event file {}: {source}", path.display())]
    CreateFile { path: PathBuf, source: io::Error },
    /// Writing a record failed (e.g. the disk is full).
    #[error("cannot write event file {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    /// Flushing buffered records failed.
    #[error("cannot flush event file {}: {source}", path.display())]
    Flush { path: PathBuf, source: io::Error },
    /// An earlier write failed, so the writer accepts no more records.
    #[error("event file {} is unusable after an earlier error: {first}", path.display())]
    Poisoned { path: PathBuf, first: String },
    /// The writer was already closed.
    #[error("event file {} is already closed", path.display())]
    Closed { path: PathBuf },
}
