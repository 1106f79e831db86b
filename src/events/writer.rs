//! The event-file writer: one TFRecord file of `Event`s in a run directory.
//!
//! Files are named `events.out.tfevents.<unix seconds>.<hostname>.<pid>.<counter>`, the
//! name TensorBoard looks for; a file that already exists is never opened for writing
//! (the counter moves on instead). The first record is the `file_version` event
//! `brain.Event:2`. Records are buffered and reach the OS when [`EventWriter::flush`] is
//! called, when the flush interval has passed since the last flush (so a TensorBoard
//! watching a live run sees it grow), and on [`EventWriter::close`].
//!
//! Every I/O failure comes back as an [`Error`]. After the first one the writer refuses
//! further records, because a record appended after a partial one would be unreadable.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prost::Message;

use super::record;
use super::Error;
use crate::proto::{event, Event};

/// The `file_version` string of the first event of every file.
pub const FILE_VERSION: &str = "brain.Event:2";
/// Prefix of every event file name; TensorBoard finds files by it.
pub const FILE_PREFIX: &str = "events.out.tfevents.";
/// Default longest time between two flushes.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(2);

const BUFFER_BYTES: usize = 256 * 1024;
static FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Options for [`EventWriter::with_options`].
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Longest time records may stay buffered before a write flushes them.
    /// `Duration::ZERO` flushes after every record.
    pub flush_interval: Duration,
    /// Appended to the file name (e.g. `.v2`); empty by default.
    pub filename_suffix: String,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            filename_suffix: String::new(),
        }
    }
}

/// Returns the current wall time in seconds since the Unix epoch, always finite.
pub fn wall_time_now() -> f64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(_) => 0.0,
    }
}

/// Writes `Event`s as TFRecords into one new file of a run directory.
#[derive(Debug)]
pub struct EventWriter {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    scratch: Vec<u8>,
    flush_interval: Duration,
    last_flush: Instant,
    /// Wall time (Unix seconds) of the last flush, for [`EventWriter::write_record_at`].
    last_flush_wall: f64,
    /// The header of the last record written: records of one length (a scalar series)
    /// reuse it instead of checksumming the same 8 bytes again.
    last_header: (u64, [u8; record::HEADER_LEN]),
    failure: Option<String>,
}

impl EventWriter {
    /// Creates `logdir` (and its parents) if needed and a new event file in it, with the
    /// default options, and writes the `file_version` event.
    pub fn create(logdir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::with_options(logdir, WriterOptions::default())
    }

    /// Like [`EventWriter::create`], with options.
    pub fn with_options(logdir: impl AsRef<Path>, options: WriterOptions) -> Result<Self, Error> {
        let logdir = logdir.as_ref();
        fs::create_dir_all(logdir).map_err(|source| Error::CreateDir {
            path: logdir.to_path_buf(),
            source,
        })?;
        let (path, file) = create_unique(logdir, &options.filename_suffix)?;
        let mut writer = EventWriter {
            path,
            out: Some(BufWriter::with_capacity(BUFFER_BYTES, file)),
            scratch: Vec::with_capacity(256),
            flush_interval: options.flush_interval,
            last_flush: Instant::now(),
            last_flush_wall: wall_time_now(),
            last_header: (0, record::header(0)),
            failure: None,
        };
        let version = Event {
            wall_time: wall_time_now(),
            step: 0,
            what: Some(event::What::FileVersion(FILE_VERSION.to_string())),
            source_metadata: None,
        };
        writer.write_event(&version)?;
        writer.flush()?;
        Ok(writer)
    }

    /// The path of the file being written.
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

    /// Like [`EventWriter::write_record`], for a caller that has just read the wall
    /// clock (`wall_time`, Unix seconds): the flush interval is checked against it
    /// instead of reading the clock again. A clock that went backwards flushes.
    pub fn write_record_at(&mut self, data: &[u8], wall_time: f64) -> Result<(), Error> {
        self.append(data)?;
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
            Err(source) => Err(self.fail(source, "write")),
        }
    }

    /// Hands every buffered record to the operating system.
    pub fn flush(&mut self) -> Result<(), Error> {
        let out = self.usable()?;
        if let Err(source) = out.flush() {
            return Err(self.fail(source, "flush"));
        }
        self.last_flush = Instant::now();
        self.last_flush_wall = wall_time_now();
        Ok(())
    }

    /// Flushes and closes the file, returning the last error, if any.
    pub fn close(mut self) -> Result<(), Error> {
        let result = self.flush();
        self.out = None;
        result
    }

    fn usable(&mut self) -> Result<&mut BufWriter<File>, Error> {
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

    fn fail(&mut self, source: io::Error, what: &'static str) -> Error {
        self.failure = Some(source.to_string());
        // Drop the buffer without another attempt to write it: a second partial write
        // would only bury the first error.
        if let Some(out) = self.out.take() {
            let (_file, _unwritten) = out.into_parts();
        }
        let path = self.path.clone();
        match what {
            "flush" => Error::Flush { path, source },
            _ => Error::Write { path, source },
        }
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if self.failure.is_none() {
            if let Some(out) = self.out.as_mut() {
                // Errors here cannot be reported; `close()` is the way to see them.
                let _ = out.flush();
            }
        }
    }
}

/// Creates a new, uniquely named event file in `logdir`. Never opens an existing file.
fn create_unique(logdir: &Path, suffix: &str) -> Result<(PathBuf, File), Error> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let host = hostname();
    let pid = std::process::id();
    loop {
        let counter = FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{FILE_PREFIX}{secs:010}.{host}.{pid}.{counter}{suffix}");
        let path = logdir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && counter < u64::MAX => continue,
            Err(source) => return Err(Error::CreateFile { path, source }),
        }
    }
}

/// The host name as it may appear in a file name (no path separators).
fn hostname() -> String {
    let raw = gethostname::gethostname().to_string_lossy().into_owned();
    let clean: String = raw
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if clean.is_empty() {
        "localhost".to_string()
    } else {
        clean
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
}
