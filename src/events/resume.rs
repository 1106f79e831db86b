//! Resuming a run at a step: the records that make both TensorBoard loaders forget what
//! earlier sessions logged at and after that step.
//!
//! A training job that crashed at step 1,200 and restarts from its checkpoint at step
//! 1,000 logs steps 1,000 to 1,200 again. Its run directory then holds two versions of
//! those steps; TensorBoard should show one series: the old points before step 1,000,
//! the new ones from it on. That is what `purge_step` asks for (tensorboardX and
//! PyTorch name it so). Each loader has its own rule, read from TensorBoard 2.21's
//! source:
//!
//! - The **Python loader** (`--load_fast=false`, `plugin_event_accumulator.py`) drops
//!   every point of the run at step `>= s` when it reads a `SessionLog` `START` event at
//!   step `s` — but only from the *second* `START` of a run on; the first one only marks
//!   that sessions exist. Nothing else purges (for `brain.Event:2` files). tensorboardX
//!   writes one `START` when resuming and none otherwise, so its first resume purges
//!   nothing here.
//! - The **Rust data server** (`--load_fast=true`, `reservoir.rs`, `run.rs`) ignores
//!   `SessionLog` entirely. Its reservoir of each time series (run, tag) drops the
//!   points at step `>= s` when a new point at step `s` arrives *in that series*. A
//!   point its plugin cannot decode is kept as a "data loss" tombstone that is never
//!   served (`commit.rs`, `valid_values`) but still drops the later points. So a series
//!   the new session does not log again at a step `<= ` every stale point (a histogram
//!   logged every 100 steps, an image logged once at the end, an `add_scalars` series
//!   that stopped) keeps its stale points.
//!
//! A [`Purge`] therefore writes, at the start of the resumed session's new file (which is
//! named to be read after every earlier file of the directory, as both loaders read files
//! in name order):
//!
//! 1. one `Summary` event at step `s` holding a **tombstone** for every tag that has a
//!    point at step `>= s` in the directory's earlier files: a value whose `value` is the
//!    empty `obsolete_old_style_histogram`. The Rust data server offers it to the tag's
//!    series (dropping the stale points) and cannot decode it into any data class, so it
//!    never serves it; the new session's own first point at step `>= s` then replaces it.
//!    The Python loader keeps no value without a tensor, so it ignores it;
//! 2. two `SessionLog` `START` events at step `s`: a second `START` purges in the Python
//!    loader whether or not the earlier sessions wrote one (a third `START` in a later
//!    resume purges again).
//!
//! **Crash safety**: nothing is ever rewritten or deleted. The earlier files are only
//! read; the purge is a few records appended to a new file. A process killed at any
//! point of a resume leaves the earlier sessions' events on disk untouched: at worst the
//! new file ends before (or inside) the purge records, and TensorBoard then shows the
//! earlier points at steps `>= s` too (nothing at steps `< s` is ever lost). Resuming
//! again repairs that.
//!
//! Limits (of TensorBoard, not worked around): a tag *all* of whose points were at
//! steps `>= s` and that the new session has not logged yet is still listed by the
//! Python loader, with no points; the run graph is not a step series (a new
//! `add_graph` replaces it in both loaders); and points the new session logs at steps
//! `< s` sit beside the old ones in the Python loader (log from `s` on).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::files::event_files;
use super::reader::{EventReader, Problem};
use super::writer::finite_or_zero;
use super::Error;
use crate::proto::{event, session_log, summary, Event, SessionLog, Summary};

/// The records that resume a run directory at a step (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purge {
    step: i64,
    tags: BTreeSet<String>,
}

impl Purge {
    /// A purge at `step` of `tags` (each tag that has points at `step` or later).
    pub fn new(step: i64, tags: impl IntoIterator<Item = String>) -> Self {
        Purge {
            step,
            tags: tags.into_iter().filter(|t| !t.is_empty()).collect(),
        }
    }

    /// Reads every event file directly in `dir` (a missing `dir` has none) and collects
    /// the tags with a point at `step` or later.
    ///
    /// Files are read as TensorBoard reads them: a record with a bad checksum or that is
    /// not an `Event` is skipped, and a file ends at a truncated record (a writer killed
    /// mid-record) or at a corrupt length. Only a file that cannot be opened or read is an
    /// error.
    pub fn scan(dir: &Path, step: i64) -> Result<Purge, Error> {
        Ok(Self::scan_with_tags(dir, step)?.0)
    }

    /// Like [`Purge::scan`], also returning every tag the files hold, at any step.
    pub fn scan_with_tags(dir: &Path, step: i64) -> Result<(Purge, BTreeSet<String>), Error> {
        let files = event_files(dir).map_err(|source| Error::ListDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut late = BTreeSet::new();
        let mut all = BTreeSet::new();
        for file in &files {
            scan_file(file, step, &mut late, &mut all)?;
        }
        Ok((Purge { step, tags: late }, all))
    }

    /// The step the run resumes at.
    pub fn step(&self) -> i64 {
        self.step
    }

    /// The tags with points at [`Self::step`] or later, sorted.
    pub fn tags(&self) -> impl ExactSizeIterator<Item = &str> {
        self.tags.iter().map(String::as_str)
    }

    /// True when no earlier point is at [`Self::step`] or later: nothing to purge, and
    /// [`Self::events`] is empty.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The events to write, in this order, right after a new file's `file_version`: the
    /// tombstones (one `Summary` event), then two `SessionLog` `START`s, all at
    /// [`Self::step`] and `wall_time`. Empty when there is nothing to purge.
    pub fn events(&self, wall_time: f64) -> Vec<Event> {
        if self.is_empty() {
            return Vec::new();
        }
        let wall_time = finite_or_zero(wall_time);
        let tombstones = Summary {
            value: self.tags.iter().map(|tag| tombstone(tag)).collect(),
        };
        let at = |what| Event {
            wall_time,
            step: self.step,
            what: Some(what),
            source_metadata: None,
        };
        vec![
            at(event::What::Summary(tombstones)),
            at(event::What::SessionLog(session_start())),
            at(event::What::SessionLog(session_start())),
        ]
    }
}

/// A value for `tag` that the Rust data server offers to the tag's series but can never
/// decode, and that the Python loader ignores: an empty `obsolete_old_style_histogram`.
pub fn tombstone(tag: &str) -> summary::Value {
    summary::Value {
        node_name: String::new(),
        tag: tag.to_string(),
        metadata: None,
        value: Some(summary::value::Value::ObsoleteOldStyleHistogram(Vec::new())),
    }
}

/// `SessionLog { status: START }`.
pub fn session_start() -> SessionLog {
    SessionLog {
        status: session_log::SessionStatus::Start as i32,
        checkpoint_path: String::new(),
        msg: String::new(),
    }
}

fn scan_file(
    path: &Path,
    step: i64,
    late: &mut BTreeSet<String>,
    all: &mut BTreeSet<String>,
) -> Result<(), Error> {
    let reader = EventReader::open(path).map_err(|e| scan_error(path, e.problem))?;
    for item in reader {
        let event = match item {
            Ok((_, event)) => event,
            Err(e) => match e.problem {
                Problem::Open { .. } | Problem::Io { .. } => {
                    return Err(scan_error(path, e.problem))
                }
                // Skipped records, or the end of what TensorBoard can read.
                _ => continue,
            },
        };
        if let Some(event::What::Summary(s)) = event.what {
            for value in s.value {
                if value.tag.is_empty() {
                    continue;
                }
                if event.step >= step && !late.contains(&value.tag) {
                    late.insert(value.tag.clone());
                }
                if !all.contains(&value.tag) {
                    all.insert(value.tag);
                }
            }
        }
    }
    Ok(())
}

fn scan_error(path: &Path, problem: Problem) -> Error {
    Error::Scan {
        path: PathBuf::from(path),
        problem: Box::new(problem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::record;
    use crate::events::{EventWriter, WriterOptions};
    use prost::Message;
    use std::fs;

    fn scalar_event(tag: &str, step: i64) -> Event {
        crate::summary::event(1.0, step, crate::summary::scalar(tag, 1.0))
    }

    fn write_file(dir: &Path, events: &[Event]) -> PathBuf {
        let mut w = EventWriter::create(dir).unwrap();
        for e in events {
            w.write_event(e).unwrap();
        }
        let path = w.path().to_path_buf();
        w.close().unwrap();
        path
    }

    #[test]
    fn scan_collects_the_tags_with_points_at_or_after_the_step() {
        let dir = tempfile::tempdir().unwrap();
        write_file(
            dir.path(),
            &[
                scalar_event("early", 2),
                scalar_event("at", 5),
                scalar_event("late", 9),
                scalar_event("late", 1),
            ],
        );
        write_file(dir.path(), &[scalar_event("other", 7)]);
        let purge = Purge::scan(dir.path(), 5).unwrap();
        assert_eq!(purge.tags().collect::<Vec<_>>(), ["at", "late", "other"]);
        assert_eq!(purge.step(), 5);
        assert!(Purge::scan(dir.path(), 10).unwrap().is_empty());
        let (_, all) = Purge::scan_with_tags(dir.path(), 10).unwrap();
        assert_eq!(
            all.into_iter().collect::<Vec<_>>(),
            ["at", "early", "late", "other"]
        );
        assert!(Purge::scan(&dir.path().join("none"), 0).unwrap().is_empty());
    }

    #[test]
    fn scan_reads_past_bad_records_and_stops_at_a_truncated_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = Vec::new();
        record::encode_into(&scalar_event("kept", 6).encode_to_vec(), &mut bytes);
        let mut bad = Vec::new();
        record::encode_into(&scalar_event("corrupt", 6).encode_to_vec(), &mut bad);
        let last = bad.len() - 1;
        bad[last] ^= 0xff; // data CRC no longer matches: skipped
        bytes.extend_from_slice(&bad);
        record::encode_into(&scalar_event("after", 6).encode_to_vec(), &mut bytes);
        let mut cut = Vec::new();
        record::encode_into(&scalar_event("cut", 6).encode_to_vec(), &mut cut);
        bytes.extend_from_slice(&cut[..cut.len() - 3]);
        fs::write(dir.path().join("events.out.tfevents.1.x"), &bytes).unwrap();
        let purge = Purge::scan(dir.path(), 0).unwrap();
        assert_eq!(purge.tags().collect::<Vec<_>>(), ["after", "kept"]);
    }

    #[test]
    fn events_are_tombstones_then_two_starts() {
        let purge = Purge::new(7, ["b".to_string(), "a".to_string(), String::new()]);
        let events = purge.events(2.5);
        assert_eq!(events.len(), 3);
        assert!(events.iter().all(|e| e.step == 7 && e.wall_time == 2.5));
        match &events[0].what {
            Some(event::What::Summary(s)) => {
                let tags: Vec<&str> = s.value.iter().map(|v| v.tag.as_str()).collect();
                assert_eq!(tags, ["a", "b"]);
            }
            other => panic!("{other:?}"),
        }
        for e in &events[1..] {
            assert_eq!(e.what, Some(event::What::SessionLog(session_start())));
        }
        assert!(Purge::new(7, []).events(1.0).is_empty());
    }

    #[test]
    fn tombstone_and_start_literal_bytes() {
        // Summary.Value { tag: "x" (field 1), obsolete_old_style_histogram: b"" (field 3) }
        assert_eq!(
            tombstone("x").encode_to_vec(),
            [0x0a, 0x01, b'x', 0x1a, 0x00]
        );
        // SessionLog { status: START (1) }
        assert_eq!(session_start().encode_to_vec(), [0x08, 0x01]);
    }

    #[test]
    fn a_resumed_file_starts_with_the_purge_and_is_read_last() {
        let dir = tempfile::tempdir().unwrap();
        let old = write_file(
            dir.path(),
            &[scalar_event("loss", 3), scalar_event("loss", 8)],
        );
        let options = WriterOptions {
            purge_step: Some(5),
            ..Default::default()
        };
        let w = EventWriter::with_options(dir.path(), options).unwrap();
        let new = w.path().to_path_buf();
        // Flushed by the constructor: a crash right now keeps the purge.
        let events: Vec<Event> = EventReader::open(&new)
            .unwrap()
            .map(|r| r.unwrap().1)
            .collect();
        drop(w);
        assert_eq!(events.len(), 4, "{events:?}");
        assert_eq!(
            &events[1..],
            Purge::new(5, ["loss".into()]).events(events[1].wall_time)
        );
        assert_eq!(event_files(dir.path()).unwrap(), [old, new]);
    }

    #[test]
    fn nothing_to_purge_writes_nothing_extra() {
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path(), &[scalar_event("loss", 3)]);
        let options = WriterOptions {
            purge_step: Some(5),
            ..Default::default()
        };
        let w = EventWriter::with_options(dir.path(), options).unwrap();
        let n = EventReader::open(w.path()).unwrap().count();
        assert_eq!(n, 1, "only the file_version");
    }
}
