//! The background thread and the state it shares with the caller: a queue of jobs
//! bounded in bytes, the buffers the thread hands back for reuse, the first error not
//! yet reported, and the flushes done. One mutex guards it all; two condition variables
//! wake the thread (work) and the caller (room, a flush done, the thread's end).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::job::{Job, Spare};
use crate::summary::core::Core;
use crate::summary::Error;

/// Buffers of each kind kept for reuse (copying into a warm buffer is several times
/// faster than into a fresh allocation of this size, whose pages fault on first touch).
const SPARE_BUFFERS: usize = 4;

/// What the caller and the thread share.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    /// Signalled when a job is queued or the writer closes.
    pub(super) work: Condvar,
    /// Signalled when room frees up, a flush is done, or the thread ends.
    pub(super) room: Condvar,
    /// Set while `state.error` holds an error not yet reported (read without the lock on
    /// every call).
    pub(super) failed: AtomicBool,
    pub(super) capacity: usize,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) jobs: VecDeque<(Job, usize)>,
    pub(super) bytes: usize,
    /// The thread waits for work: a new job must wake it (else no wake-up call is made).
    pub(super) worker_waiting: bool,
    /// The caller waits for room or a flush.
    pub(super) caller_waiting: bool,
    /// Buffers the thread is done with.
    pub(super) spare_values: Vec<Vec<f32>>,
    pub(super) spare_bytes: Vec<Vec<u8>>,
    pub(super) closing: bool,
    /// The thread has ended (normally or by a panic).
    pub(super) gone: bool,
    /// The first error not yet reported to the caller.
    pub(super) error: Option<Error>,
    pub(super) flushes_done: u64,
}

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // The lock is never held across code that can panic; if it was poisoned anyway,
        // the state itself is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits (the caller) until the thread signals room, a flush done or its end.
    pub(super) fn wait_as_caller<'a>(
        &self,
        mut state: MutexGuard<'a, State>,
    ) -> MutexGuard<'a, State> {
        state.caller_waiting = true;
        let mut state = self.room.wait(state).unwrap_or_else(|e| e.into_inner());
        state.caller_waiting = false;
        state
    }

    fn record_error(&self, e: Error) {
        let mut state = self.lock();
        if state.error.is_none() {
            state.error = Some(e);
            self.failed.store(true, Ordering::Release);
        }
    }
}

/// Marks the thread gone when it ends, also by a panic, and wakes the caller.
struct GoneOnDrop(Arc<Shared>);

impl Drop for GoneOnDrop {
    fn drop(&mut self) {
        self.0.lock().gone = true;
        self.0.room.notify_all();
    }
}

/// The thread: runs jobs in order until the writer closes and the queue is empty, then
/// closes the files.
pub(super) fn work(mut core: Core, shared: Arc<Shared>) -> Result<(), Error> {
    let _gone = GoneOnDrop(Arc::clone(&shared));
    let mut spare: Option<Spare> = None;
    loop {
        let (job, wake_caller) = {
            let mut state = shared.lock();
            match spare.take() {
                Some(Spare::Values(v)) if state.spare_values.len() < SPARE_BUFFERS => {
                    state.spare_values.push(v)
                }
                Some(Spare::Bytes(b)) if state.spare_bytes.len() < SPARE_BUFFERS => {
                    state.spare_bytes.push(b)
                }
                _ => {}
            }
            let job = loop {
                if let Some((job, size)) = state.jobs.pop_front() {
                    state.bytes -= size;
                    break Some(job);
                }
                if state.closing {
                    break None;
                }
                state.worker_waiting = true;
                state = shared.work.wait(state).unwrap_or_else(|e| e.into_inner());
                state.worker_waiting = false;
            };
            (job, state.caller_waiting)
        };
        if wake_caller {
            shared.room.notify_all();
        }
        let Some(job) = job else { break };
        let is_flush = matches!(job, Job::Flush);
        let (result, lent) = job.run(&mut core);
        spare = lent;
        if let Err(e) = result {
            shared.record_error(e);
        }
        if is_flush {
            shared.lock().flushes_done += 1;
            shared.room.notify_all();
        }
    }
    core.close()
}
