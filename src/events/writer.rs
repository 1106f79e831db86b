//! The event-file writer: TFRecords of `Event`s into one new file of a run directory, or
//! into any [`Write`] sink.
//!
//! The new file is named by [`FILE_PREFIX`]'s rule, to sort after every event file
//! already in its directory (both TensorBoard loaders read a run's files in name order,
//! so what it holds is read last); a file that already exists is never opened for
//! writing.
//!
//! The first record is the `file_version` event `brain.Event:2`. Records are buffered and
//! reach the sink when [`EventWriter::flush`] is called, when the flush interval has
//! passed since the last flush (so a TensorBoard watching a live run sees it grow), on
//! [`EventWriter::close`], and, best effort, when the writer is dropped.
//!
//! Every I/O failure comes back as an [`Error`]. After the first one the writer refuses
//! further records, because a record appended after a partial one would be unreadable.
//!
//! With [`WriterOptions::purge_step`], a writer created in a directory resumes the run
//! there: see [`super::resume`].

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use prost::Message;

use super::files::event_files;
use super::name::create_unique;
use super::resume::Purge;
use super::{record, Error};
use crate::proto::{event, Event};

pub use super::name::FILE_PREFIX;
pub(crate) use super::options::{finite_or_zero, now};
pub use super::options::{
    wall_time_now, WriterOptions, DEFAULT_FLUSH_INTERVAL, DEFAULT_QUEUE_BYTES,
};

/// The `file_version` string of the first event of every file.
pub const FILE_VERSION: &str = "brain.Event:2";

const BUFFER_BYTES: usize = 256 * 1024;

/// The `file_version` event every event file starts with, at `wall_time` (a non-finite
/// one becomes 0).
pub fn file_version_event(wall_time: f64) -> Event {
    Event {
        wall_time: finite_or_zero(wall_time),
        step: 0,
        what: Some(event::What::FileVersion(FILE_VERSION.to_string())),
        source_metadata: None,
    }
}

/// Writes `Event`s as TFRecords into a sink: a new file of a run directory
/// ([`EventWriter::create`], [`EventWriter::with_options`]) or any [`Write`]
/// ([`EventWriter::from_writer`]).
///
/// ```
/// use tbtrain::events::EventWriter;
/// use tbtrain::summary::{event, scalar};
///
/// let dir = tempfile::tempdir()?;
/// let mut writer = EventWriter::create(dir.path())?; // writes the file_version event
/// writer.write_event(&event(1.7e9, 1, scalar("loss", 0.5)))?;
/// writer.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct EventWriter<W: Write = File> {
    path: PathBuf,
    out: Option<BufWriter<W>>,
    scratch: Vec<u8>,
    flush_interval: Duration,
    clock: Option<fn() -> f64>,
    last_flush: Instant,
    /// [`Self::clock`] time of the last flush, for [`EventWriter::write_record_at`].
    last_flush_wall: f64,
    /// The header of the last record written: records of one length (a scalar series)
    /// reuse it instead of checksumming the same 8 bytes again.
    last_header: (u64, [u8; record::HEADER_LEN]),
    failure: Option<String>,
}

impl EventWriter<File> {
    /// Creates `logdir` (and its parents) if needed and a new event file in it, with the
    /// default options, and writes the `file_version` event.
    pub fn create(logdir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::with_options(logdir, WriterOptions::default())
    }

    /// Like [`EventWriter::create`], with options. With
    /// [`purge_step`](WriterOptions::purge_step), the directory's event files are scanned
    /// first and the new file starts with the [`Purge`] records (flushed before this
    /// returns).
    pub fn with_options(logdir: impl AsRef<Path>, options: WriterOptions) -> Result<Self, Error> {
        let logdir = logdir.as_ref();
        let purge = match options.purge_step {
            Some(step) => Some(Purge::scan(logdir, step)?),
            None => None,
        };
        Self::open(logdir, &options, purge.as_ref())
    }

    /// Creates the file and writes `purge` (if any) after the `file_version` event.
    pub(crate) fn open(
        logdir: &Path,
        options: &WriterOptions,
        purge: Option<&Purge>,
    ) -> Result<Self, Error> {
        fs::create_dir_all(logdir).map_err(|source| Error::CreateDir {
            path: logdir.to_path_buf(),
            source,
        })?;
        let existing = event_files(logdir).map_err(|source| Error::ListDir {
            path: logdir.to_path_buf(),
            source,
        })?;
        let (path, file) =
            create_unique(logdir, &options.filename_suffix, &existing, purge.is_some())?;
        let mut writer = Self::from_writer(file, path, options.clone())?;
        if let Some(purge) = purge {
            for event in purge.events(now(options.wall_clock)) {
                writer.write_event(&event)?;
            }
            writer.flush()?;
        }
        Ok(writer)
    }
}

impl<W: Write> EventWriter<W> {
    /// Writes event records into `sink` (the `file_version` event first, flushed before
    /// this returns). `path` only names the sink in errors and in [`EventWriter::path`].
    /// Options other than the flush interval and the clock do not apply.
    ///
    /// ```
    /// use tbtrain::events::{EventWriter, WriterOptions};
    ///
    /// let mut writer = EventWriter::from_writer(Vec::new(), "memory", WriterOptions::default())?;
    /// writer.write_record(b"data")?;
    /// writer.flush()?;
    /// assert_eq!(writer.path().to_str(), Some("memory"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_writer(
        sink: W,
        path: impl Into<PathBuf>,
        options: WriterOptions,
    ) -> Result<Self, Error> {
        let clock = options.wall_clock;
        let mut writer = EventWriter {
            path: path.into(),
            out: Some(BufWriter::with_capacity(BUFFER_BYTES, sink)),
            scratch: Vec::with_capacity(256),
            flush_interval: options.flush_interval,
            clock,
            last_flush: Instant::now(),
            last_flush_wall: now(clock),
            last_header: (0, record::header(0)),
            failure: None,
        };
        writer.write_event(&file_version_event(now(clock)))?;
        writer.flush()?;
        Ok(writer)
    }

    /// The path of the file being written (for [`EventWriter::from_writer`], the name
    /// given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event.
    pub fn write_event(&mut self, event: &Event) -> Result<(), Error> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // Encoding into a Vec cannot fail: it grows as needed.
        let _ = event.encode(&mut scratch);
        let result = self.write_record(&scratch);
        self.scratch = scratch;
        result
    }

    /// Appends one record holding `data` (normally a serialized `Event`).
    pub fn write_record(&mut self, data: &[u8]) -> Result<(), Error> {
        self.append(data)?;
        if self.last_flush.elapsed() >= self.flush_interval {
            self.flush()?;
        }
        Ok(())
    }

    /// Like [`EventWriter::write_record`], for a caller that has just read the writer's
    /// clock (`wall_time`): the flush interval is checked against it instead of reading
    /// the clock again. A clock that went backwards flushes.
    pub fn write_record_at(&mut self, data: &[u8], wall_time: f64) -> Result<(), Error> {
        self.append(data)?;
        self.flush_if_due(wall_time)
    }

    /// Appends `framed`: whole records already framed by [`record::encode_into`] (this is
    /// not checked), then flushes if the interval has passed by `wall_time`, as
    /// [`EventWriter::write_record_at`] does.
    pub(crate) fn write_framed_at(&mut self, framed: &[u8], wall_time: f64) -> Result<(), Error> {
        let out = self.usable()?;
        if let Err(source) = out.write_all(framed) {
            return Err(self.fail(source, Failed::Write));
        }
        self.flush_if_due(wall_time)
    }

    fn flush_if_due(&mut self, wall_time: f64) -> Result<(), Error> {
        let since = wall_time - self.last_flush_wall;
        if !(since >= 0.0 && since < self.flush_interval.as_secs_f64()) {
            self.flush()?;
        }
        Ok(())
    }

    fn append(&mut self, data: &[u8]) -> Result<(), Error> {
        let len = data.len() as u64;
        if self.last_header.0 != len {
            self.last_header = (len, record::header(len));
        }
        let header = self.last_header.1;
        let out = self.usable()?;
        let written = out
            .write_all(&header)
            .and_then(|()| out.write_all(data))
            .and_then(|()| out.write_all(&record::footer(data)));
        match written {
            Ok(()) => Ok(()),
            Err(source) => Err(self.fail(source, Failed::Write)),
        }
    }

    /// Hands every buffered record to the sink and flushes it.
    pub fn flush(&mut self) -> Result<(), Error> {
        let out = self.usable()?;
        if let Err(source) = out.flush() {
            return Err(self.fail(source, Failed::Flush));
        }
        self.last_flush = Instant::now();
        self.last_flush_wall = now(self.clock);
        Ok(())
    }

    /// Flushes and closes the sink, returning the first error, if any (an earlier failed
    /// write or flush included: its error comes back as [`Error::Poisoned`]).
    pub fn close(mut self) -> Result<(), Error> {
        let result = self.flush();
        self.out = None;
        result
    }

    fn usable(&mut self) -> Result<&mut BufWriter<W>, Error> {
        if let Some(first) = &self.failure {
            return Err(Error::Poisoned {
                path: self.path.clone(),
                first: first.clone(),
            });
        }
        match self.out.as_mut() {
            Some(out) => Ok(out),
            None => Err(Error::Closed {
                path: self.path.clone(),
            }),
        }
    }

    fn fail(&mut self, source: io::Error, what: Failed) -> Error {
        self.failure = Some(source.to_string());
        // Drop the buffer without another attempt to write it: a second partial write
        // would only bury the first error.
        if let Some(out) = self.out.take() {
            let (_sink, _unwritten) = out.into_parts();
        }
        let path = self.path.clone();
        match what {
            Failed::Flush => Error::Flush { path, source },
            Failed::Write => Error::Write { path, source },
        }
    }
}

/// Which operation failed, for [`EventWriter::fail`].
#[derive(Debug, Clone, Copy)]
enum Failed {
    Write,
    Flush,
}

/// Dropping a writer flushes it, best effort: an error then is lost, so call
/// [`EventWriter::close`] to see it.
impl<W: Write> Drop for EventWriter<W> {
    fn drop(&mut self) {
        if self.failure.is_none() {
            if let Some(out) = self.out.as_mut() {
                // Errors here cannot be reported; `close()` is the way to see them.
                let _ = out.flush();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_and_first_record() {
        let dir = tempfile::tempdir().unwrap();
        let w = EventWriter::create(dir.path()).unwrap();
        let path = w.path().to_path_buf();
        w.close().unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(FILE_PREFIX), "{name}");
        let parts: Vec<&str> = name[FILE_PREFIX.len()..].split('.').collect();
        assert_eq!(parts[0].len(), 10, "{name}");
        assert!(parts[0].chars().all(|c| c.is_ascii_digit()));
        assert_eq!(parts[parts.len() - 2], std::process::id().to_string());

        let bytes = fs::read(&path).unwrap();
        let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        assert_eq!(bytes.len(), record::HEADER_LEN + len + record::FOOTER_LEN);
        let ev = Event::decode(&bytes[12..12 + len]).unwrap();
        assert_eq!(
            ev.what,
            Some(event::What::FileVersion("brain.Event:2".into()))
        );
        assert!(ev.wall_time > 1.0e9);
    }

    #[test]
    fn two_writers_never_share_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = EventWriter::create(dir.path()).unwrap();
        let b = EventWriter::create(dir.path()).unwrap();
        assert_ne!(a.path(), b.path());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_new_file_sorts_after_every_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        // A file from the far future (a clock that was ahead), named like ours.
        let future = dir
            .path()
            .join("events.out.tfevents.9999999990.otherhost.1.0");
        fs::write(&future, b"").unwrap();
        let w = EventWriter::create(dir.path()).unwrap();
        let name = w.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("events.out.tfevents.9999999991."),
            "{name}"
        );
        let files = event_files(dir.path()).unwrap();
        assert_eq!(files.last().map(PathBuf::as_path), Some(w.path()));
        // And the next one after that.
        let w2 = EventWriter::create(dir.path()).unwrap();
        assert_eq!(
            event_files(dir.path())
                .unwrap()
                .last()
                .map(PathBuf::as_path),
            Some(w2.path())
        );
    }

    #[test]
    fn a_resume_refuses_a_file_it_cannot_follow() {
        let dir = tempfile::tempdir().unwrap();
        // Sorts after anything starting with "events.out.": no name of ours follows it.
        fs::write(dir.path().join("z.tfevents.1"), b"").unwrap();
        let options = WriterOptions {
            purge_step: Some(3),
            ..Default::default()
        };
        let err = EventWriter::with_options(dir.path(), options).unwrap_err();
        assert!(matches!(err, Error::FileOrder { .. }), "{err:?}");
        assert!(err.to_string().contains("z.tfevents.1"), "{err}");
        // Without a resume, order matters less: the file is made.
        assert!(EventWriter::create(dir.path()).is_ok());
    }

    #[test]
    fn logdir_that_is_a_file_is_a_create_dir_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        fs::write(&file, b"x").unwrap();
        let err = EventWriter::create(&file).unwrap_err();
        assert!(matches!(err, Error::CreateDir { .. }), "{err:?}");
        assert!(err.to_string().contains("plain"), "{err}");
    }

    #[test]
    fn records_are_buffered_until_flush() {
        let dir = tempfile::tempdir().unwrap();
        let opts = WriterOptions {
            flush_interval: Duration::from_secs(3600),
            ..Default::default()
        };
        let mut w = EventWriter::with_options(dir.path(), opts).unwrap();
        let before = fs::metadata(w.path()).unwrap().len();
        w.write_record(b"hello").unwrap();
        assert_eq!(fs::metadata(w.path()).unwrap().len(), before);
        w.flush().unwrap();
        assert_eq!(fs::metadata(w.path()).unwrap().len(), before + 5 + 16);
    }

    #[test]
    fn write_record_at_flushes_by_the_callers_clock() {
        let dir = tempfile::tempdir().unwrap();
        let opts = WriterOptions {
            flush_interval: Duration::from_secs(2),
            ..Default::default()
        };
        let mut w = EventWriter::with_options(dir.path(), opts).unwrap();
        let size = |w: &EventWriter| fs::metadata(w.path()).unwrap().len();
        let before = size(&w);
        let t0 = w.last_flush_wall;
        w.write_record_at(b"a", t0 + 1.0).unwrap();
        assert_eq!(size(&w), before, "1 s after the last flush: still buffered");
        w.write_record_at(b"b", t0 + 2.5).unwrap();
        assert_eq!(size(&w), before + 2 * 17, "2.5 s after: flushed");
        let after = size(&w);
        let t1 = w.last_flush_wall;
        w.write_record_at(b"c", t1 - 10.0).unwrap();
        assert_eq!(size(&w), after + 17, "a clock that went back flushes");
    }

    #[test]
    fn records_of_one_length_share_a_cached_header() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = EventWriter::create(dir.path()).unwrap();
        w.write_record(b"xy").unwrap();
        w.write_record(b"zw").unwrap();
        w.write_record(b"abc").unwrap();
        let path = w.path().to_path_buf();
        w.close().unwrap();
        let bytes = fs::read(path).unwrap();
        let tail = &bytes[bytes.len() - (18 + 18 + 19)..];
        let mut expected = Vec::new();
        record::encode_into(b"xy", &mut expected);
        record::encode_into(b"zw", &mut expected);
        record::encode_into(b"abc", &mut expected);
        assert_eq!(tail, &expected[..]);
    }

    #[test]
    fn zero_interval_flushes_every_record() {
        let dir = tempfile::tempdir().unwrap();
        let opts = WriterOptions {
            flush_interval: Duration::ZERO,
            ..Default::default()
        };
        let mut w = EventWriter::with_options(dir.path(), opts).unwrap();
        let before = fs::metadata(w.path()).unwrap().len();
        w.write_record(b"abc").unwrap();
        assert_eq!(fs::metadata(w.path()).unwrap().len(), before + 3 + 16);
    }

    fn fixed_clock() -> f64 {
        1_700_000_000.25
    }

    #[test]
    fn the_clock_stamps_the_file_version() {
        let options = WriterOptions {
            wall_clock: Some(fixed_clock),
            ..Default::default()
        };
        let mut bytes = Vec::new();
        let w = EventWriter::from_writer(&mut bytes, "mem", options).unwrap();
        w.close().unwrap();
        let mut expected = Vec::new();
        record::encode_into(
            &file_version_event(fixed_clock()).encode_to_vec(),
            &mut expected,
        );
        assert_eq!(bytes, expected);
    }

    #[test]
    fn framed_records_go_out_verbatim() {
        let mut bytes = Vec::new();
        let mut w = EventWriter::from_writer(&mut bytes, "mem", WriterOptions::default()).unwrap();
        let mut framed = Vec::new();
        record::encode_into(b"one", &mut framed);
        record::encode_into(b"two!", &mut framed);
        w.write_framed_at(&framed, wall_time_now()).unwrap();
        w.close().unwrap();
        assert!(bytes.ends_with(&framed));
    }
}
