//! The background thread of a non-blocking [`SummaryWriter`](super::SummaryWriter)
//! ([`WriterOptions::non_blocking`](crate::events::WriterOptions::non_blocking)).
//!
//! The caller's thread validates each call (so a bad tag or a wrong pixel count is still
//! an error of that call), reads the clock, copies what it was lent and queues a [`Job`];
//! one thread owns the [`Core`] and runs the jobs in order: PNG encoding, histogram
//! bucketing, every write and flush. Scalars are encoded on the caller's thread (that is
//! cheaper than queueing them one by one) into a batch of framed records that goes into
//! the queue when it is large, when the flush interval has passed, or before any other
//! job, so the order of records is the order of the calls.
//!
//! The queue is bounded in bytes ([`WriterOptions::queue_bytes`](
//! crate::events::WriterOptions::queue_bytes)): a call that would exceed it waits for
//! the thread. The first error the thread meets is kept and comes back from the next
//! call, or from `flush()` (which waits until every job before it is written and the
//! files are flushed) or `close()` (which waits for everything and joins the thread).

//!
//! This file is the caller's side ([`Background`]); `job.rs` the jobs and how each runs;
//! `thread.rs` the shared queue and the thread's loop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use super::core::Core;
use super::Error;
use crate::events::record;

mod job;
mod thread;

pub(crate) use job::{Job, Stamp};
use thread::{work, Shared, State};

/// A batch of scalar records is handed to the thread once it holds this many bytes.
const BATCH_BYTES: usize = 256 * 1024;

/// The caller's side of a non-blocking writer.
#[derive(Debug)]
pub(crate) struct Background {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<Result<(), Error>>>,
    /// Framed scalar records not yet handed over, and the wall time of the last one.
    batch: Vec<u8>,
    batch_wall_time: f64,
    /// Wall time of the last hand-over, to hand over at least once per flush interval.
    handed_over_at: f64,
    flush_interval: f64,
    flushes_asked: u64,
    /// Buffers back from the thread, to copy the next lent values or pixels into.
    spare_values: Vec<Vec<f32>>,
    spare_bytes: Vec<Vec<u8>>,
}

impl Background {
    /// Starts the thread that owns `core`.
    pub(crate) fn start(
        core: Core,
        capacity: usize,
        flush_interval: f64,
        now: f64,
    ) -> Result<Background, Error> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            room: Condvar::new(),
            failed: AtomicBool::new(false),
            capacity: capacity.max(1),
        });
        let theirs = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("tbtrain-summary-writer".to_string())
            .spawn(move || work(core, theirs))
            .map_err(|source| Error::SpawnThread { source })?;
        Ok(Background {
            shared,
            thread: Some(thread),
            batch: Vec::with_capacity(BATCH_BYTES),
            batch_wall_time: now,
            handed_over_at: now,
            flush_interval,
            flushes_asked: 0,
            spare_values: Vec::new(),
            spare_bytes: Vec::new(),
        })
    }

    /// `values` copied into a buffer the thread gave back, if there is one.
    pub(crate) fn copy_values(&mut self, values: &[f32]) -> Vec<f32> {
        let mut buf = self.spare_values.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(values);
        buf
    }

    /// `bytes` copied into a buffer the thread gave back, if there is one.
    pub(crate) fn copy_bytes(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut buf = self.spare_bytes.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(bytes);
        buf
    }

    /// The first error the thread met and no call has reported yet, if any.
    pub(crate) fn take_error(&self) -> Result<(), Error> {
        if !self.shared.failed.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut state = self.shared.lock();
        self.shared.failed.store(false, Ordering::Release);
        state.error.take().map_or(Ok(()), Err)
    }

    /// Appends one scalar record, which `encode` writes as a serialized `Event` into the
    /// buffer it is given, to the batch; hands the batch over when it is due.
    pub(crate) fn record(
        &mut self,
        wall_time: f64,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), Error> {
        let start = self.batch.len();
        self.batch.extend_from_slice(&[0; record::HEADER_LEN]);
        encode(&mut self.batch);
        let data_len = (self.batch.len() - start - record::HEADER_LEN) as u64;
        self.batch[start..start + record::HEADER_LEN].copy_from_slice(&record::header(data_len));
        let footer = record::footer(&self.batch[start + record::HEADER_LEN..]);
        self.batch.extend_from_slice(&footer);
        self.batch_wall_time = wall_time;
        let since = wall_time - self.handed_over_at;
        let interval_passed = !(since >= 0.0 && since < self.flush_interval);
        if self.batch.len() >= BATCH_BYTES || interval_passed {
            self.hand_over_batch()?;
        }
        Ok(())
    }

    /// Queues `job` (after the batch of scalars, to keep the order of the calls).
    pub(crate) fn push(&mut self, job: Job) -> Result<(), Error> {
        self.hand_over_batch()?;
        self.enqueue(job)
    }

    /// Waits until every call so far is written and the files are flushed; returns the
    /// first error not yet reported.
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        self.push(Job::Flush)?;
        self.flushes_asked += 1;
        let mut state = self.shared.lock();
        while state.flushes_done < self.flushes_asked && !state.gone {
            state = self.shared.wait_as_caller(state);
        }
        let gone_early = state.flushes_done < self.flushes_asked;
        drop(state);
        self.take_error()?;
        if gone_early {
            return Err(Error::ThreadDied);
        }
        Ok(())
    }

    /// Hands everything over, waits for the thread to write it and close every file, and
    /// returns the first error: one not yet reported, else the closing's.
    pub(crate) fn close(mut self) -> Result<(), Error> {
        self.finish()
    }

    fn finish(&mut self) -> Result<(), Error> {
        let handed = self.hand_over_batch();
        {
            let mut state = self.shared.lock();
            state.closing = true;
        }
        self.shared.work.notify_one();
        let joined = match self.thread.take() {
            Some(thread) => thread.join(),
            None => return Ok(()),
        };
        self.take_error()?;
        handed?;
        match joined {
            Ok(result) => result,
            Err(_panic) => Err(Error::ThreadDied),
        }
    }

    fn hand_over_batch(&mut self) -> Result<(), Error> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let mut next = self.spare_bytes.pop().unwrap_or_default();
        next.clear();
        next.reserve(BATCH_BYTES);
        let framed = std::mem::replace(&mut self.batch, next);
        self.handed_over_at = self.batch_wall_time;
        self.enqueue(Job::Records {
            framed,
            wall_time: self.batch_wall_time,
        })
    }

    fn enqueue(&mut self, job: Job) -> Result<(), Error> {
        let size = job.size();
        let mut state = self.shared.lock();
        loop {
            if state.gone {
                return Err(Error::ThreadDied);
            }
            if state.bytes == 0 || state.bytes + size <= self.shared.capacity {
                break;
            }
            state = self.shared.wait_as_caller(state);
        }
        state.bytes += size;
        state.jobs.push_back((job, size));
        self.spare_values.append(&mut state.spare_values);
        self.spare_bytes.append(&mut state.spare_bytes);
        let wake = state.worker_waiting;
        drop(state);
        if wake {
            self.shared.work.notify_one();
        }
        Ok(())
    }
}

/// Dropping a non-blocking writer hands everything over and waits for the thread to
/// write and close it (best effort: errors are lost; `close()` returns them).
impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}
