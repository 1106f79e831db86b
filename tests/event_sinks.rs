//! `EventWriter` over any `Write` sink: failures injected by the sink itself (no file-size
//! limits, no full disks). After the first failure the writer refuses every further
//! record and reports that first error; what the sink accepted before it is intact.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tbtrain::events::{self, record, EventReader, EventWriter, WriterOptions};
use tbtrain::summary::{event, scalar};

/// What a [`FlakySink`] does when asked to write or flush.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The `n`th call of `write` (1-based) fails, after taking two thirds of its bytes.
    NthWrite(usize),
    /// Every `flush` fails.
    Flush,
}

/// A sink that keeps what it accepts in a shared buffer and fails as told.
#[derive(Debug, Clone)]
struct FlakySink {
    accepted: Arc<Mutex<Vec<u8>>>,
    writes: usize,
    fault: Fault,
}

impl FlakySink {
    fn new(fault: Fault) -> (FlakySink, Arc<Mutex<Vec<u8>>>) {
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let sink = FlakySink {
            accepted: Arc::clone(&accepted),
            writes: 0,
            fault,
        };
        (sink, accepted)
    }
}

impl Write for FlakySink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes += 1;
        if matches!(self.fault, Fault::NthWrite(n) if n == self.writes) {
            // A partial write, as a full disk makes, then the error.
            let part = buf.len() * 2 / 3;
            self.accepted
                .lock()
                .unwrap()
                .extend_from_slice(&buf[..part]);
            return Err(io::Error::new(io::ErrorKind::StorageFull, "sink is full"));
        }
        self.accepted.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.fault {
            Fault::Flush => Err(io::Error::other("flush refused")),
            Fault::NthWrite(_) => Ok(()),
        }
    }
}

/// Flush after every record, so that each record is one `write` of the sink.
fn every_record() -> WriterOptions {
    WriterOptions {
        flush_interval: Duration::ZERO,
        ..Default::default()
    }
}

fn loss(step: i64) -> tbtrain::proto::Event {
    event(1.7e9, step, scalar("loss", step as f32))
}

/// The complete events in `bytes`, and whether a problem (the cut record) ended them.
fn read_back(bytes: &[u8]) -> (Vec<i64>, usize) {
    let mut steps = Vec::new();
    let mut problems = 0;
    for item in EventReader::new(bytes) {
        match item {
            Ok((_, e)) => steps.push(e.step),
            Err(_) => problems += 1,
        }
    }
    (steps, problems)
}

#[test]
fn a_sink_failing_on_the_nth_write_poisons_the_writer() {
    // Write 1 is the file_version; writes 2..=4 are steps 1..=3; write 5 (step 4) fails.
    let (sink, accepted) = FlakySink::new(Fault::NthWrite(5));
    let mut w = EventWriter::from_writer(sink, "flaky-sink", every_record()).unwrap();
    for step in 1..=3 {
        w.write_event(&loss(step)).unwrap();
    }
    // The record is buffered, then handed to the sink by the flush that follows it.
    let first = w.write_event(&loss(4)).unwrap_err();
    match &first {
        events::Error::Flush { path, source } => {
            assert_eq!(path.to_str(), Some("flaky-sink"));
            assert_eq!(source.kind(), io::ErrorKind::StorageFull);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        first.to_string(),
        "cannot flush event file flaky-sink: sink is full"
    );
    // Refused from now on, naming the first error; no byte more reaches the sink.
    let size = accepted.lock().unwrap().len();
    for result in [w.write_event(&loss(5)), w.write_record(b"x"), w.flush()] {
        match result {
            Err(events::Error::Poisoned { first, .. }) => assert_eq!(first, "sink is full"),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(w.close(), Err(events::Error::Poisoned { .. })));
    let bytes = accepted.lock().unwrap().clone();
    assert_eq!(bytes.len(), size);
    // Every record accepted before the failure reads back; the cut one is the only
    // problem, at the end.
    let (steps, problems) = read_back(&bytes);
    assert_eq!(steps, [0, 1, 2, 3]);
    assert_eq!(problems, 1);
}

#[test]
fn a_failing_write_of_the_buffer_is_reported_by_flush() {
    // Buffered (long interval): the records reach the sink in one write, at flush.
    let (sink, accepted) = FlakySink::new(Fault::NthWrite(2));
    let options = WriterOptions {
        flush_interval: Duration::from_secs(3600),
        ..Default::default()
    };
    let mut w = EventWriter::from_writer(sink, "buffered", options).unwrap();
    for step in 1..=10 {
        w.write_event(&loss(step)).unwrap();
    }
    let err = w.flush().unwrap_err();
    assert!(
        matches!(&err, events::Error::Flush { source, .. } if source.kind() == io::ErrorKind::StorageFull),
        "{err:?}"
    );
    assert!(matches!(
        w.write_event(&loss(11)),
        Err(events::Error::Poisoned { .. })
    ));
    drop(w); // no second attempt to write the lost buffer
             // The sink took two thirds of the buffer: the records wholly in them read back, in
             // order, and the one cut in two is the only problem.
    let (steps, problems) = read_back(&accepted.lock().unwrap());
    assert!(steps.len() > 1 && steps.len() < 11, "{steps:?}");
    assert_eq!(steps, (0..steps.len() as i64).collect::<Vec<_>>());
    assert_eq!(problems, 1);
}

#[test]
fn a_failing_flush_is_the_first_error() {
    let (sink, _accepted) = FlakySink::new(Fault::Flush);
    // The constructor flushes the file_version event: the error comes back from it.
    let err = EventWriter::from_writer(sink, "no-flush", every_record()).unwrap_err();
    match &err {
        events::Error::Flush { path, source } => {
            assert_eq!(path.to_str(), Some("no-flush"));
            assert_eq!(source.to_string(), "flush refused");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "cannot flush event file no-flush: flush refused"
    );
}

#[test]
fn a_healthy_sink_gets_exactly_the_framed_records() {
    let mut bytes = Vec::new();
    let mut w = EventWriter::from_writer(&mut bytes, "vec", WriterOptions::default()).unwrap();
    w.write_record(b"abc").unwrap();
    w.close().unwrap();
    let mut tail = Vec::new();
    record::encode_into(b"abc", &mut tail);
    assert!(bytes.ends_with(&tail));
    let (steps, problems) = read_back(&bytes[..bytes.len() - tail.len()]);
    assert_eq!((steps, problems), (vec![0], 0));
}
