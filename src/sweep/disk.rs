//! The sweep's files: reading the runs back from their event files, and the sweep's own
//! run `summary` (the `summary` text, `summary.md`, `summary.csv`).
//!
//! A sweep member is a direct subdirectory of the sweep's log directory whose event files
//! hold an hparams session start. Its settings are that session's hparams (plus what its
//! directory name says of settings the hparams lack); its outcome and results are the
//! session end status with the result the trainer records at the end (see
//! [`crate::train::result`]).
//!
//! [`finished_run`] is the one rule of which runs `--resume` keeps, on top of that same
//! reading ([`read_run`]): a run finished when it completed or diverged.

use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

use super::name::parse_run_name;
use super::record::{RecordOutcome, RunRecord};
use super::spec::sort_hparams;
use super::summary::Summary;
use super::Error;
use crate::events::nofollow::{self, SafeError};
use crate::events::{files, EventReader};
use crate::proto::hparams::{h_params_plugin_data, Experiment, HParamsPluginData, Status};
use crate::proto::{event, summary};
use crate::summary::hparams::{
    HParamValue, EXPERIMENT_TAG, SESSION_END_INFO_TAG, SESSION_START_INFO_TAG,
};
use crate::summary::SummaryWriter;
use crate::train::result::{self, RunResult};
use crate::train::Outcome;

/// File name of the markdown summary in the sweep's log directory.
pub const SUMMARY_MD: &str = "summary.md";
/// File name of the CSV summary in the sweep's log directory.
pub const SUMMARY_CSV: &str = "summary.csv";
/// Tag of the text summary in the sweep's summary run.
pub const SUMMARY_TAG: &str = "summary";
/// Name of the sweep's summary run (a run directory name never is: it holds `key=value`).
pub const SUMMARY_RUN: &str = "summary";

/// What one run's hparams summaries say.
#[derive(Debug, Default)]
struct Session {
    hparams: Option<Vec<(String, HParamValue)>>,
    status: Option<Status>,
    result: Option<RunResult>,
}

/// What one directory holds, read back as a sweep member.
#[derive(Debug)]
pub enum RunOnDisk {
    /// No event file (or no directory): a run never started.
    NoEvents,
    /// Event files but no hparams session start: not a sweep run, or one stopped
    /// abruptly before its session start reached the disk.
    NoSession,
    /// A sweep run: its settings and how it ended.
    Run(RunRecord),
}

/// Reads every sweep member under `logdir`, in name order. Directories holding event
/// files but no hparams session are returned separately (they are not sweep runs).
pub fn read_records(logdir: &Path) -> Result<(Vec<RunRecord>, Vec<PathBuf>), Error> {
    let mut dirs = Vec::new();
    let read_dir = |source| Error::ReadDir {
        path: logdir.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(logdir).map_err(read_dir)? {
        let path = entry.map_err(read_dir)?.path();
        if path.is_dir() && path != summary_dir(logdir) {
            dirs.push(path);
        }
    }
    dirs.sort();
    let mut records = Vec::new();
    let mut others = Vec::new();
    for dir in dirs {
        match read_run(&dir)? {
            RunOnDisk::NoEvents => {}
            RunOnDisk::NoSession => others.push(dir),
            RunOnDisk::Run(record) => records.push(record),
        }
    }
    Ok((records, others))
}

/// Reads the run in `dir` back from its event files: its settings from the hparams
/// session start (and its name), its outcome from the session end and the result the
/// trainer recorded. Unreadable records (a run killed mid-write) are skipped.
pub fn read_run(dir: &Path) -> Result<RunOnDisk, Error> {
    if !dir.is_dir() {
        return Ok(RunOnDisk::NoEvents);
    }
    let files = event_files(dir)?;
    if files.is_empty() {
        return Ok(RunOnDisk::NoEvents);
    }
    let session = read_session(&files);
    let Some(hparams) = session.hparams else {
        return Ok(RunOnDisk::NoSession);
    };
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pairs = parse_run_name(&name).unwrap_or_default();
    let outcome = match (
        session.status,
        session.result.as_ref().and_then(RunResult::run_outcome),
    ) {
        (Some(Status::Success), Some(Outcome::Completed)) => RecordOutcome::Completed,
        (Some(Status::Failure), Some(Outcome::Diverged { step, .. })) => {
            RecordOutcome::Diverged { step }
        }
        (Some(Status::Failure), Some(Outcome::Interrupted { step })) => {
            RecordOutcome::Interrupted { step }
        }
        (None, _) => RecordOutcome::Failed(
            "no hparams session end: still running, or stopped abruptly".into(),
        ),
        (Some(_), _) => RecordOutcome::Failed(format!("no {} record", result::TAG)),
    };
    let result = session.result.as_ref();
    Ok(RunOnDisk::Run(
        RunRecord::new(
            name,
            hparams,
            &pairs,
            outcome,
            result.map_or(f32::NAN, RunResult::cost),
            result.and_then(|r| r.accuracy).map_or(0.0, |a| a as f32),
            result.and_then(|r| r.first_step_below_0_1),
        )
        .with_test_accuracy(
            result
                .and_then(|r| r.test_accuracy)
                .filter(|a| a.is_finite())
                .map(|a| a as f32),
        ),
    ))
}

/// The record of the run in `dir` if it *finished*, `None` if it is to be done (again).
///
/// This is the one place that decides what `--resume` keeps. A run finished when
/// [`read_run`] finds it completed, or diverged: a divergence is a result (the same
/// settings diverge again, bit for bit). A run interrupted (its session ended as a
/// failure and its result says interrupted), killed (no session end: SIGKILL, a crash, a
/// full disk), killed before its session start reached the disk, or never started, did
/// not finish.
pub fn finished_run(dir: &Path) -> Result<Option<RunRecord>, Error> {
    Ok(match read_run(dir)? {
        RunOnDisk::Run(record) => match record.outcome {
            RecordOutcome::Completed | RecordOutcome::Diverged { .. } => Some(record),
            RecordOutcome::Interrupted { .. } | RecordOutcome::Failed(_) => None,
        },
        RunOnDisk::NoEvents | RunOnDisk::NoSession => None,
    })
}

/// The hparams experiment the run in `dir` recorded (the first found; a sweep's runs all
/// carry their sweep's), read only as far as it: it is among a run's first records.
pub fn read_experiment(dir: &Path) -> Result<Option<Experiment>, Error> {
    if !dir.is_dir() {
        return Ok(None);
    }
    for file in event_files(dir)? {
        let Ok(reader) = EventReader::open(&file) else {
            continue;
        };
        for (_, event) in reader.flatten() {
            let Some(event::What::Summary(s)) = &event.what else {
                continue;
            };
            for value in s.value.iter().filter(|v| v.tag == EXPERIMENT_TAG) {
                let data = value
                    .metadata
                    .as_ref()
                    .and_then(|m| m.plugin_data.as_ref())
                    .and_then(|p| HParamsPluginData::decode(p.content.as_slice()).ok());
                if let Some(h_params_plugin_data::Data::Experiment(experiment)) =
                    data.and_then(|d| d.data)
                {
                    return Ok(Some(experiment));
                }
            }
        }
    }
    Ok(None)
}

/// Event files directly in `dir`, by name (none if it does not exist).
fn event_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    files::event_files(dir).map_err(|source| Error::ReadDir {
        path: dir.to_path_buf(),
        source,
    })
}

/// The session start hparams and end status in `files` (unreadable records skipped).
fn read_session(files: &[PathBuf]) -> Session {
    let mut session = Session::default();
    for file in files {
        let Ok(reader) = EventReader::open(file) else {
            continue;
        };
        for (_, event) in reader.flatten() {
            let Some(event::What::Summary(s)) = &event.what else {
                continue;
            };
            for value in &s.value {
                if value.tag == SESSION_START_INFO_TAG || value.tag == SESSION_END_INFO_TAG {
                    read_hparams_value(value, &mut session);
                } else if let Some(result) = RunResult::read(value) {
                    session.result = Some(result);
                }
            }
        }
    }
    session
}

fn read_hparams_value(value: &summary::Value, session: &mut Session) {
    let Some(content) = value
        .metadata
        .as_ref()
        .and_then(|m| m.plugin_data.as_ref())
        .map(|p| p.content.as_slice())
    else {
        return;
    };
    let Ok(data) = HParamsPluginData::decode(content) else {
        return;
    };
    match data.data {
        Some(h_params_plugin_data::Data::SessionStartInfo(start)) => {
            // Names and values as the run recorded them, to compare with a sweep's
            // settings (`--resume`); what prints them escapes them (`render`, main).
            let mut hparams: Vec<(String, HParamValue)> = start
                .hparams
                .into_iter()
                .filter_map(|(name, v)| Some((name, HParamValue::from_proto(&v)?)))
                .collect();
            sort_hparams(&mut hparams);
            session.hparams = Some(hparams);
        }
        Some(h_params_plugin_data::Data::SessionEndInfo(end)) => {
            session.status = Status::try_from(end.status).ok();
        }
        _ => {}
    }
}

/// The sweep's own run, `<logdir>/summary`: the `summary` text, beside `summary.md` and
/// `summary.csv`. (Each member run carries the sweep's hparams experiment, so there is
/// no run at the root, and a user's own files there are never touched.)
pub fn summary_dir(logdir: &Path) -> PathBuf {
    logdir.join(SUMMARY_RUN)
}

/// [`summary_dir`], refused when it is a symbolic link: the sweep writes, replaces and
/// removes files there, and never through a link someone planted.
fn own_summary_dir(logdir: &Path) -> Result<PathBuf, Error> {
    let dir = summary_dir(logdir);
    match fs::symlink_metadata(&dir) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::SummaryRunIsALink { path: dir }),
        _ => Ok(dir),
    }
}

/// The event files of the sweep's summary run.
pub fn summary_event_files(logdir: &Path) -> Result<Vec<PathBuf>, Error> {
    event_files(&own_summary_dir(logdir)?)
}

/// Whether `file` is a summary run's event file: every summary in it is the `summary`
/// text (so that rebuilding a summary never removes anything else).
fn is_summary_file(file: &Path) -> bool {
    let Ok(reader) = EventReader::open(file) else {
        return false;
    };
    reader.flatten().all(|(_, event)| match &event.what {
        Some(event::What::Summary(s)) => s.value.iter().all(|v| v.tag == SUMMARY_TAG),
        _ => true,
    })
}

/// Removes the summary run's event files, refusing (before removing any) when one of
/// them holds anything but a sweep summary.
pub fn remove_summary_events(logdir: &Path) -> Result<(), Error> {
    let files = summary_event_files(logdir)?;
    if let Some(other) = files.iter().find(|f| !is_summary_file(f)) {
        return Err(Error::NotASummary {
            path: other.clone(),
        });
    }
    for file in files {
        fs::remove_file(&file).map_err(|source| Error::Write { path: file, source })?;
    }
    Ok(())
}

/// Writes the sweep's summary run: `summary.md`, `summary.csv` and the `summary` text, in
/// [`summary_dir`].
///
/// The two files are replaced whole (written under a fresh name, then renamed over
/// theirs; see [`nofollow::replace_file`]): a link under either name, or a `summary`
/// that is a link, is never followed.
pub fn write_summary(logdir: &Path, summary: &Summary) -> Result<(), Error> {
    let dir = own_summary_dir(logdir)?;
    let mut writer = SummaryWriter::new(&dir)?;
    writer.add_text(SUMMARY_TAG, &summary_markdown(summary), 0)?;
    writer.close()?;
    let csv = summary.csv().map_err(|e| Error::Csv(e.to_string()))?;
    for (name, text) in [(SUMMARY_MD, summary_markdown(summary)), (SUMMARY_CSV, csv)] {
        nofollow::replace_file(&dir, name, text.as_bytes()).map_err(|e| match e {
            SafeError::NotAFile { .. } => Error::SummaryRunIsALink { path: dir.clone() },
            SafeError::Io(source) => Error::Write {
                path: dir.join(name),
                source,
            },
        })?;
    }
    Ok(())
}

/// The headline and the table: what `summary.md`, the `summary` text and the terminal
/// show.
pub fn summary_markdown(summary: &Summary) -> String {
    format!("{}\n\n{}", summary.headline(), summary.markdown())
}
