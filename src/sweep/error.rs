//! What can stop a sweep, or the rebuilding of its summary: one variant per failure,
//! naming the path and the setting.

use std::path::PathBuf;

use super::SpecError;
use crate::{data, inspect, train};

/// What can stop a sweep, or the rebuilding of its summary.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The sweep's settings are not usable.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A run directory (or the root) already holds event files.
    #[error(
        "{} already holds event files of an earlier run{}",
        path.display(),
        if *others > 0 { format!(" (and {others} more of this sweep's directories do)") } else { String::new() }
    )]
    LogdirInUse { path: PathBuf, others: usize },
    /// A run directory could not be checked.
    #[error(transparent)]
    Train(#[from] train::Error),
    /// A dataset cannot be loaded.
    #[error("dataset {dataset}: {source}")]
    Data {
        dataset: String,
        source: data::Error,
    },
    /// Writing the root run failed.
    #[error(transparent)]
    Summary(#[from] crate::summary::Error),
    /// Reading a run's scalars failed.
    #[error(transparent)]
    Inspect(#[from] inspect::Error),
    #[error("cannot list directory {}: {source}", path.display())]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the CSV summary: {0}")]
    Csv(String),
    /// `--resume` found a finished run made with other settings than this sweep's.
    #[error(
        "cannot resume: {} holds a finished run with {setting} {found}, where this sweep has {setting} {wanted}",
        path.display()
    )]
    ResumeMismatch {
        path: PathBuf,
        setting: String,
        found: String,
        wanted: String,
    },
    /// The summary run's directory is a symbolic link (anyone who can write a shared
    /// log directory could have planted it): nothing is written or removed through it.
    #[error(
        "{} is a symbolic link: the sweep's summary run is never written through one \
         (remove it)",
        path.display()
    )]
    SummaryRunIsALink { path: PathBuf },
    /// `--resume` found a run made by a sweep whose lists differ from this one's (its
    /// recorded experiment names other values for a setting).
    #[error(
        "cannot resume: {} was made by a sweep with {setting} {found}, where this sweep has \
         {setting} {wanted}",
        path.display()
    )]
    ResumeOtherSweep {
        path: PathBuf,
        setting: String,
        found: String,
        wanted: String,
    },
    /// `--resume` found a sweep run in the log directory that this sweep does not make.
    #[error(
        "cannot resume: {} is a sweep run that this sweep does not make (another sweep's)",
        path.display()
    )]
    ResumeOtherRun { path: PathBuf },
    /// The summary run holds event files that are not a sweep summary (a user's own).
    #[error("{} is not a sweep summary; it is left as it is", path.display())]
    NotASummary { path: PathBuf },
    /// Another process writes into the sweep's root (one writer per directory).
    #[error(transparent)]
    Lock(#[from] crate::events::LockError),
    /// The sweep's root could not be created.
    #[error("cannot create log directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `--summarize-only` found nothing to summarise.
    #[error("no sweep runs in {}: no subdirectory holds an hparams session", path.display())]
    NoRuns { path: PathBuf },
}
