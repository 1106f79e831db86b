//! The event-file layer: TFRecord framing, writing and reading TensorBoard event files.
//!
//! This layer knows the container format and nothing of what the summaries mean or of
//! training. [`EventWriter`] writes one new file (or any [`std::io::Write`] sink);
//! [`EventReader`] reads one back, reporting every problem with its byte offset;
//! [`resume::Purge`] holds the records that resume a run at a step.

use std::io;
use std::path::PathBuf;

pub mod files;
pub mod lock;
mod name;
pub mod nofollow;
mod options;
pub mod reader;
pub mod record;
pub mod resume;
pub mod writer;

pub use lock::{DirLock, LockError};
pub use reader::EventReader;
pub use resume::Purge;
pub use writer::{EventWriter, WriterOptions};

/// What can go wrong while writing event files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The run directory could not be created.
    #[error("cannot create log directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The run directory could not be listed (to name a new file, or to resume).
    #[error("cannot list log directory {}: {source}", path.display())]
    ListDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// A new event file could not be created.
    #[error("cannot create event file {}: {source}", path.display())]
    CreateFile {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Resuming: an earlier event file of the run could not be read.
    #[error("cannot read event file {} to resume the run: {problem}", path.display())]
    Scan {
        /// The file.
        path: PathBuf,
        /// What went wrong (opening or reading it).
        problem: Box<reader::Problem>,
    },
    /// Resuming: an event file of the run sorts after any name a new file can have, so
    /// TensorBoard would read it after the resumed session's records.
    #[error(
        "cannot resume the run: event file {} sorts after any new file's name (rename it)",
        path.display()
    )]
    FileOrder {
        /// The file.
        path: PathBuf,
    },
    /// Writing a record failed (e.g. the disk is full).
    #[error("cannot write event file {}: {source}", path.display())]
    Write {
        /// The file (or the name given to the sink).
        path: PathBuf,
        /// The sink's error.
        source: io::Error,
    },
    /// Flushing buffered records failed.
    #[error("cannot flush event file {}: {source}", path.display())]
    Flush {
        /// The file (or the name given to the sink).
        path: PathBuf,
        /// The sink's error.
        source: io::Error,
    },
    /// An earlier write failed, so the writer accepts no more records.
    #[error("event file {} is unusable after an earlier error: {first}", path.display())]
    Poisoned {
        /// The file (or the name given to the sink).
        path: PathBuf,
        /// The first error, as text.
        first: String,
    },
    /// The writer was already closed.
    #[error("event file {} is already closed", path.display())]
    Closed {
        /// The file (or the name given to the sink).
        path: PathBuf,
    },
}
