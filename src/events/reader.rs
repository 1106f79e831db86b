//! The event-file reader: a stream of `Event`s back out of one TFRecord file.
//!
//! [`EventReader`] is an iterator of `(byte offset, Event)` in file order. It never trusts
//! the file: every problem is a [`ReadError`] naming the byte offset of the record where
//! it was found (and the path, when the reader was opened from one), and what follows
//! depends on whether the framing can still be trusted:
//!
//! - a bad data checksum ([`Problem::DataCrc`]) or data that is not an `Event`
//!   ([`Problem::Decode`]) leaves the framing intact: the record is reported and reading
//!   goes on with the next one;
//! - a bad length checksum ([`Problem::LengthCrc`]) means the next record's position is
//!   unknown, and a record cut short at the end of the file ([`Problem::Truncated`], e.g.
//!   a writer killed mid-record) has nothing after it: both end the iteration, after every
//!   complete event before them has been yielded.
//!
//! Memory stays bounded by what the file holds: a record's buffer grows only as its bytes
//! arrive, so a corrupt length field claiming 2^60 bytes costs no more than the bytes that
//! are really there.

use std::fs::File;
use std::io::{self, BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};

use prost::Message;

use super::record::{MaskedCrc, FOOTER_LEN, HEADER_LEN};
use crate::proto::Event;

/// Records up to this length are read into a buffer of their length at once; longer
/// ones as their bytes arrive (a corrupt length reserves nothing it does not read).
const SMALL_RECORD_BYTES: u64 = 64 << 10;

/// A record buffer larger than this is released after use rather than kept for the next.
const KEEP_BUFFER_BYTES: usize = 1 << 20;

/// What went wrong in one record, and at which byte offset of the file it starts.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// The file ends inside the record starting at `offset`: `needed` bytes of framing
    /// and data were due (as far as known: 12 while the header itself is cut short),
    /// `got` were present. Ends the iteration.
    #[error("truncated record at byte {offset} (needs {needed} bytes, {got} present)")]
    Truncated {
        /// Where the record starts.
        offset: u64,
        /// Bytes the record needs (header, data and footer), as far as known.
        needed: u64,
        /// Bytes present.
        got: u64,
    },
    /// The length field of the record at `offset` fails its checksum, so nothing after it
    /// can be framed. Ends the iteration.
    #[error("corrupt length field at byte {offset} (checksum mismatch); rest of file unreadable")]
    LengthCrc {
        /// Where the record starts.
        offset: u64,
    },
    /// The data of the record at `offset` fails its checksum. The record is skipped and
    /// reading goes on.
    #[error("corrupt record data at byte {offset} (checksum mismatch); record skipped")]
    DataCrc {
        /// Where the record starts.
        offset: u64,
    },
    /// The record at `offset` is intact but does not hold an `Event`. Reading goes on.
    #[error("record at byte {offset} is not a valid Event: {source}")]
    Decode {
        /// Where the record starts.
        offset: u64,
        /// The protobuf decoder's error.
        source: prost::DecodeError,
    },
    /// The file could not be opened.
    #[error("cannot open: {source}")]
    Open {
        /// The operating system's error.
        source: io::Error,
    },
    /// Reading failed at byte `offset`. Ends the iteration.
    #[error("read error at byte {offset}: {source}")]
    Io {
        /// How far reading got.
        offset: u64,
        /// The operating system's error.
        source: io::Error,
    },
}

impl Problem {
    /// The byte offset the problem was found at (0 for [`Problem::Open`]).
    pub fn offset(&self) -> u64 {
        match self {
            Problem::Truncated { offset, .. }
            | Problem::LengthCrc { offset }
            | Problem::DataCrc { offset }
            | Problem::Decode { offset, .. }
            | Problem::Io { offset, .. } => *offset,
            Problem::Open { .. } => 0,
        }
    }

    /// Whether reading stops after this problem (`false`: the next record is still read).
    pub fn is_fatal(&self) -> bool {
        !matches!(self, Problem::DataCrc { .. } | Problem::Decode { .. })
    }
}

/// A [`Problem`] and the file it was found in, when known.
#[derive(Debug, thiserror::Error)]
#[error("{}{problem}", path_prefix(path.as_deref()))]
pub struct ReadError {
    /// The file being read, when the reader was opened from a path.
    pub path: Option<PathBuf>,
    /// What went wrong, and where.
    #[source]
    pub problem: Problem,
}

fn path_prefix(path: Option<&Path>) -> String {
    match path {
        Some(p) => format!("{}: ", p.display()),
        None => String::new(),
    }
}

/// Reads `Event`s, with their byte offsets, from a TFRecord stream.
#[derive(Debug)]
pub struct EventReader<R> {
    reader: R,
    path: Option<PathBuf>,
    /// Bytes consumed so far: the offset of the next record.
    offset: u64,
    finished: bool,
    /// Reused record buffer.
    data: Vec<u8>,
}

impl EventReader<BufReader<File>> {
    /// Opens the event file at `path`. Problems found later name this path.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ReadError> {
        let path = path.as_ref();
        match File::open(path) {
            Ok(file) => {
                let mut reader = EventReader::new(BufReader::new(file));
                reader.path = Some(path.to_path_buf());
                Ok(reader)
            }
            Err(source) => Err(ReadError {
                path: Some(path.to_path_buf()),
                problem: Problem::Open { source },
            }),
        }
    }
}

impl<R: Read> EventReader<R> {
    /// Reads records from `reader`, which must be positioned at the start of a record
    /// (normally the start of a file). Offsets are counted from that position.
    pub fn new(reader: R) -> Self {
        EventReader {
            reader,
            path: None,
            offset: 0,
            finished: false,
            data: Vec::new(),
        }
    }

    /// Reads records from `reader` and names `path` in its problems (e.g. an event file
    /// opened by the caller and limited with [`Read::take`]).
    pub fn with_path(reader: R, path: PathBuf) -> Self {
        let mut this = EventReader::new(reader);
        this.path = Some(path);
        this
    }

    /// The path given to [`EventReader::open`], if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Bytes consumed so far: after a complete record, the offset of the next one.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads the next record and decodes it. `None` at a clean end of the stream.
    fn read_record(&mut self) -> Option<Result<(u64, Event), Problem>> {
        let start = match self.read_raw()? {
            Ok(start) => start,
            Err(problem) => return Some(Err(problem)),
        };
        Some(match Event::decode(self.data.as_slice()) {
            Ok(event) => Ok((start, event)),
            Err(source) => Err(Problem::Decode {
                offset: start,
                source,
            }),
        })
    }

    /// The next record's data, undecoded, and the byte offset of the record: for readers
    /// that decode only what they need (`inspect`, `export`). Framing problems are the
    /// same as the iterator's (there is no [`Problem::Decode`] here); after a fatal one,
    /// or at the end of the stream, `None`.
    pub fn next_record(&mut self) -> Option<Result<(u64, &[u8]), ReadError>> {
        if self.finished {
            return None;
        }
        match self.read_raw() {
            None => {
                self.finished = true;
                None
            }
            Some(Ok(start)) => Some(Ok((start, self.data.as_slice()))),
            Some(Err(problem)) => {
                if problem.is_fatal() {
                    self.finished = true;
                }
                Some(Err(self.error(problem)))
            }
        }
    }

    /// Reads the next record into `self.data`, checking its framing and checksums, and
    /// returns its offset. `None` at a clean end of the stream (between records).
    fn read_raw(&mut self) -> Option<Result<u64, Problem>> {
        let start = self.offset;
        let mut header = [0u8; HEADER_LEN];
        let got = match self.read_full(&mut header) {
            Ok(0) => return None,
            Ok(n) => n,
            Err(problem) => return Some(Err(problem)),
        };
        if got < HEADER_LEN {
            return Some(Err(Problem::Truncated {
                offset: start,
                needed: HEADER_LEN as u64,
                got: got as u64,
            }));
        }
        let (len_bytes, crc_bytes) = split_header(header);
        if MaskedCrc::compute(&len_bytes) != MaskedCrc::from_le_bytes(crc_bytes) {
            return Some(Err(Problem::LengthCrc { offset: start }));
        }
        let len = u64::from_le_bytes(len_bytes);
        let needed = (HEADER_LEN as u64)
            .saturating_add(len)
            .saturating_add(FOOTER_LEN as u64);

        // `take` + `read_to_end` grows the buffer only as bytes arrive: a corrupt length
        // never reserves more than the stream really holds.
        self.data.clear();
        if self.data.capacity() > KEEP_BUFFER_BYTES {
            self.data = Vec::new();
        }
        if len <= SMALL_RECORD_BYTES {
            // Most records: read in place, at most this many bytes reserved whatever the
            // file holds (no `read_to_end` probing, which costs more than the record).
            let mut data = std::mem::take(&mut self.data);
            data.resize(len as usize, 0);
            let got = self.read_full(&mut data);
            match got {
                Ok(n) => data.truncate(n),
                Err(problem) => return Some(Err(problem)),
            }
            self.data = data;
        } else {
            let read = (&mut self.reader).take(len).read_to_end(&mut self.data);
            // On error, the bytes read before it are in `data` too.
            self.offset = self.offset.saturating_add(self.data.len() as u64);
            if let Err(source) = read {
                return Some(Err(Problem::Io {
                    offset: self.offset,
                    source,
                }));
            }
        }
        let mut footer = [0u8; FOOTER_LEN];
        let footer_got = match self.read_full(&mut footer) {
            Ok(n) => n,
            Err(problem) => return Some(Err(problem)),
        };
        let present = (HEADER_LEN as u64)
            .saturating_add(self.data.len() as u64)
            .saturating_add(footer_got as u64);
        if present < needed {
            return Some(Err(Problem::Truncated {
                offset: start,
                needed,
                got: present,
            }));
        }
        if MaskedCrc::compute(&self.data) != MaskedCrc::from_le_bytes(footer) {
            return Some(Err(Problem::DataCrc { offset: start }));
        }
        Some(Ok(start))
    }

    /// Fills `buf` as far as the stream allows, returning how many bytes were read
    /// (fewer than `buf.len()` only at the end of the stream).
    fn read_full(&mut self, buf: &mut [u8]) -> Result<usize, Problem> {
        let mut filled = 0;
        while let Some(rest) = buf.get_mut(filled..) {
            if rest.is_empty() {
                break;
            }
            match self.reader.read(rest) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    self.offset = self.offset.saturating_add(n as u64);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(Problem::Io {
                        offset: self.offset,
                        source,
                    })
                }
            }
        }
        Ok(filled)
    }

    fn error(&self, problem: Problem) -> ReadError {
        ReadError {
            path: self.path.clone(),
            problem,
        }
    }
}

/// Splits a record header into its length bytes and its length-CRC bytes.
fn split_header(h: [u8; HEADER_LEN]) -> ([u8; 8], [u8; 4]) {
    (
        [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]],
        [h[8], h[9], h[10], h[11]],
    )
}

impl<R: Read> Iterator for EventReader<R> {
    type Item = Result<(u64, Event), ReadError>;

    /// The next event and the byte offset of its record, or the next problem. After a
    /// fatal problem (see [`Problem::is_fatal`]) or the end of the stream, `None`.
    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.read_record() {
            None => {
                self.finished = true;
                None
            }
            Some(Ok(item)) => Some(Ok(item)),
            Some(Err(problem)) => {
                if problem.is_fatal() {
                    self.finished = true;
                }
                Some(Err(self.error(problem)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{event, summary};
    use std::io::Cursor;

    // Three records, bytes from TensorBoard's own Python protos and masked CRC-32C.
    // Record at byte 0: file_version "brain.Event:2", wall_time 1.5 (24 data bytes).
    const REC0: &[u8] = b"\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7f\x4b\x22\
        \x09\x00\x00\x00\x00\x00\x00\xf8\x3f\x1a\x0dbrain.Event:2\
        \x2a\x28\x64\x6c";
    // Record at byte 40: step 1, wall_time 2.0, scalar "loss" = 0.5 (26 data bytes).
    const REC1: &[u8] = b"\x1a\x00\x00\x00\x00\x00\x00\x00\x12\x9b\xd8\x2d\
        \x09\x00\x00\x00\x00\x00\x00\x00\x40\x10\x01\x2a\x0d\x0a\x0b\x0a\x04loss\
        \x15\x00\x00\x00\x3f\
        \xe2\x05\x76\xce";
    // Record at byte 82: step 2, wall_time 3.0, scalar "loss" = 0.25 (26 data bytes).
    const REC2: &[u8] = b"\x1a\x00\x00\x00\x00\x00\x00\x00\x12\x9b\xd8\x2d\
        \x09\x00\x00\x00\x00\x00\x00\x08\x40\x10\x02\x2a\x0d\x0a\x0b\x0a\x04loss\
        \x15\x00\x00\x80\x3e\
        \x7d\x83\x7d\x30";
    const END: u64 = 124;

    fn good_file() -> Vec<u8> {
        [REC0, REC1, REC2].concat()
    }

    fn read_all(bytes: &[u8]) -> Vec<Result<(u64, Event), ReadError>> {
        EventReader::new(Cursor::new(bytes.to_vec())).collect()
    }

    fn loss(event: &Event) -> Option<(String, f32)> {
        match &event.what {
            Some(event::What::Summary(s)) => match s.value.first() {
                Some(summary::Value {
                    tag,
                    value: Some(summary::value::Value::SimpleValue(v)),
                    ..
                }) => Some((tag.clone(), *v)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Offsets of the events and the problems, in order.
    fn outline(items: &[Result<(u64, Event), ReadError>]) -> Vec<String> {
        items
            .iter()
            .map(|item| match item {
                Ok((offset, _)) => format!("event@{offset}"),
                Err(e) => e.to_string(),
            })
            .collect()
    }

    #[test]
    fn reads_a_good_file() {
        assert_eq!(good_file().len() as u64, END);
        let items = read_all(&good_file());
        assert_eq!(outline(&items), ["event@0", "event@40", "event@82"]);
        let events: Vec<&Event> = items.iter().map(|i| &i.as_ref().unwrap().1).collect();
        assert_eq!(
            events[0].what,
            Some(event::What::FileVersion("brain.Event:2".into()))
        );
        assert_eq!(events[0].wall_time, 1.5);
        assert_eq!((events[1].step, events[1].wall_time), (1, 2.0));
        assert_eq!(loss(events[1]), Some(("loss".into(), 0.5)));
        assert_eq!((events[2].step, events[2].wall_time), (2, 3.0));
        assert_eq!(loss(events[2]), Some(("loss".into(), 0.25)));
    }

    #[test]
    fn offset_counts_consumed_bytes() {
        let mut reader = EventReader::new(Cursor::new(good_file()));
        assert_eq!(reader.offset(), 0);
        reader.next().unwrap().unwrap();
        assert_eq!(reader.offset(), 40);
        reader.next().unwrap().unwrap();
        reader.next().unwrap().unwrap();
        assert_eq!(reader.offset(), END);
        assert!(reader.next().is_none());
        assert!(reader.next().is_none());
    }

    #[test]
    fn empty_file_has_no_events_and_no_problems() {
        assert!(read_all(b"").is_empty());
    }

    #[test]
    fn truncation_at_every_byte_of_the_last_record() {
        let file = good_file();
        for cut in 83..END as usize {
            let items = read_all(&file[..cut]);
            let got = cut as u64 - 82;
            let needed = if got < 12 { 12 } else { 42 };
            assert_eq!(
                outline(&items),
                [
                    "event@0".to_string(),
                    "event@40".to_string(),
                    format!("truncated record at byte 82 (needs {needed} bytes, {got} present)"),
                ],
                "cut at {cut}"
            );
            match &items[2] {
                Err(ReadError {
                    path: None,
                    problem: Problem::Truncated { offset: 82, .. },
                }) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        // Cut exactly between records: a clean end.
        assert_eq!(outline(&read_all(&file[..82])), ["event@0", "event@40"]);
    }

    #[test]
    fn flipped_data_crc_is_reported_and_reading_goes_on() {
        let mut file = good_file();
        file[40 + 38] ^= 0x01; // first byte of record 1's data CRC
        let items = read_all(&file);
        assert_eq!(
            outline(&items),
            [
                "event@0",
                "corrupt record data at byte 40 (checksum mismatch); record skipped",
                "event@82",
            ]
        );
        assert!(matches!(
            items[1].as_ref().unwrap_err().problem,
            Problem::DataCrc { offset: 40 }
        ));
    }

    #[test]
    fn flipped_data_byte_is_a_data_crc_problem() {
        let mut file = good_file();
        file[40 + 20] ^= 0x80; // inside record 1's data
        assert_eq!(
            outline(&read_all(&file)),
            [
                "event@0",
                "corrupt record data at byte 40 (checksum mismatch); record skipped",
                "event@82",
            ]
        );
    }

    #[test]
    fn flipped_length_crc_stops_reading() {
        let mut file = good_file();
        file[40 + 9] ^= 0x10; // record 1's length CRC
        let items = read_all(&file);
        assert_eq!(
            outline(&items),
            [
                "event@0",
                "corrupt length field at byte 40 (checksum mismatch); rest of file unreadable",
            ]
        );
    }

    #[test]
    fn flipped_length_byte_is_a_length_crc_problem() {
        let mut file = good_file();
        file[82] = 0x1b; // record 2 claims 27 data bytes; its CRC says 26
        let items = read_all(&file);
        assert!(matches!(
            items[2].as_ref().unwrap_err().problem,
            Problem::LengthCrc { offset: 82 }
        ));
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn length_of_2_pow_60_is_a_truncation_without_allocating_it() {
        let mut file = REC0.to_vec();
        // Length 2^60 with a valid length CRC, then 20 bytes of "data".
        file.extend_from_slice(b"\x00\x00\x00\x00\x00\x00\x00\x10\xc4\x23\x4e\x8e");
        file.extend_from_slice(&[0xab; 20]);
        let items = read_all(&file);
        assert_eq!(
            outline(&items),
            [
                "event@0".to_string(),
                format!(
                    "truncated record at byte 40 (needs {} bytes, 32 present)",
                    (1u64 << 60) + 16
                ),
            ]
        );
    }

    #[test]
    fn length_of_2_pow_60_read_straight_from_a_file() {
        // Unbuffered `File`: its own size hints must not leak into the record buffer.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge");
        let mut bytes = b"\x00\x00\x00\x00\x00\x00\x00\x10\xc4\x23\x4e\x8e".to_vec();
        bytes.extend_from_slice(&[0; 100]);
        std::fs::write(&path, &bytes).unwrap();
        let items: Vec<_> = EventReader::new(File::open(&path).unwrap()).collect();
        assert!(matches!(
            items[..],
            [Err(ReadError {
                problem: Problem::Truncated {
                    offset: 0,
                    got: 112,
                    ..
                },
                ..
            })]
        ));
    }

    #[test]
    fn length_of_u64_max_saturates() {
        let mut file = b"\xff\xff\xff\xff\xff\xff\xff\xff\xa6\x7b\x11\x3a".to_vec();
        file.extend_from_slice(b"xyz");
        let items = read_all(&file);
        assert_eq!(
            outline(&items),
            [format!(
                "truncated record at byte 0 (needs {} bytes, 15 present)",
                u64::MAX
            )]
        );
    }

    #[test]
    fn record_that_is_not_an_event_is_a_decode_problem_and_reading_goes_on() {
        // A framed record holding 0xff 0xff: intact checksums, invalid protobuf.
        let bad = b"\x02\x00\x00\x00\x00\x00\x00\x00\x78\x27\x0b\x34\xff\xff\xd6\xea\x84\xa2";
        let file = [REC0, &bad[..], REC1].concat();
        let items = read_all(&file);
        let lines = outline(&items);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], "event@0");
        assert!(
            lines[1].starts_with("record at byte 40 is not a valid Event: "),
            "{}",
            lines[1]
        );
        assert_eq!(lines[2], "event@58");
        assert!(!items[1].as_ref().unwrap_err().problem.is_fatal());
    }

    #[test]
    fn random_bytes_are_a_length_crc_problem_at_byte_0() {
        let junk = b"\x5e\x91\x0c\xd2\x33\x7a\xe8\x01\x9f\x46\xbb\x20\x77\xc3\x08\x6d\
            \x14\xfa\x52\x89";
        let items = read_all(junk);
        assert_eq!(
            outline(&items),
            ["corrupt length field at byte 0 (checksum mismatch); rest of file unreadable"]
        );
        // Shorter than a header: a truncation.
        assert_eq!(
            outline(&read_all(&junk[..5])),
            ["truncated record at byte 0 (needs 12 bytes, 5 present)"]
        );
    }

    /// Hands out at most one byte per read, and fails once `fail_at` bytes are out.
    struct Trickle {
        bytes: Vec<u8>,
        pos: usize,
        fail_at: Option<usize>,
        interrupted: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            // Every other call is interrupted, which must be retried, not reported.
            self.interrupted = !self.interrupted;
            if self.interrupted {
                return Err(io::Error::from(ErrorKind::Interrupted));
            }
            if Some(self.pos) == self.fail_at {
                return Err(io::Error::other("disk on fire"));
            }
            match (self.bytes.get(self.pos), buf.first_mut()) {
                (Some(b), Some(slot)) => {
                    *slot = *b;
                    self.pos += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn byte_at_a_time_reads_with_interruptions() {
        let reader = EventReader::new(Trickle {
            bytes: good_file(),
            pos: 0,
            fail_at: None,
            interrupted: false,
        });
        let items: Vec<_> = reader.collect();
        assert_eq!(outline(&items), ["event@0", "event@40", "event@82"]);
    }

    #[test]
    fn io_error_is_reported_with_offset_and_stops() {
        for (fail_at, expected) in [
            (45, "read error at byte 45: disk on fire"),
            (90, "read error at byte 90: disk on fire"),
        ] {
            let reader = EventReader::new(Trickle {
                bytes: good_file(),
                pos: 0,
                fail_at: Some(fail_at),
                interrupted: false,
            });
            let items: Vec<_> = reader.collect();
            let lines = outline(&items);
            assert_eq!(lines.last().map(String::as_str), Some(expected));
            assert_eq!(lines.len(), if fail_at < 82 { 2 } else { 3 });
        }
    }

    #[test]
    fn open_names_the_path_in_problems() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.out.tfevents.1.test");
        std::fs::write(&path, &good_file()[..100]).unwrap();
        let items: Vec<_> = EventReader::open(&path).unwrap().collect();
        let last = items.last().unwrap().as_ref().unwrap_err();
        assert_eq!(last.path.as_deref(), Some(path.as_path()));
        assert_eq!(
            last.to_string(),
            format!(
                "{}: truncated record at byte 82 (needs 42 bytes, 18 present)",
                path.display()
            )
        );
    }

    #[test]
    fn open_missing_file_is_an_open_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent");
        let err = EventReader::open(&path).unwrap_err();
        assert!(matches!(err.problem, Problem::Open { .. }), "{err:?}");
        assert!(err
            .to_string()
            .starts_with(&format!("{}: cannot open: ", path.display())));
    }
}
