//! Fork-join for the training step's products: helper threads that stay awake between
//! the products of a step, so that handing one half of a product to the other core costs
//! about a microsecond.
//!
//! Why not rayon's pool: its idle workers go to sleep after a few rounds of yielding,
//! and on this project's 2-core VM a sleeping worker started 35-75 us after it was
//! woken (2 us when it was still awake), while a step of lab 10-3's net hands work over
//! about ten times in 1.5 ms. A helper here spins while it waits, yields the core to
//! other threads after 50 us (`SPIN`), and sleeps only after 5 ms without work
//! (`STAY_AWAKE`), longer than the trainer takes between two steps (a fill, logging).
//!
//! The pool has one helper for every core but the caller's (none on one core), started
//! on first use. [`join`] gives its second closure to an idle helper and runs the first
//! itself; when every helper is busy (a nested join, or another training at once) it
//! runs both in turn. Which thread runs a closure never changes what it computes, so
//! the callers' results are the same bits on any number of threads.

use std::any::Any;
use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long a helper waits for work spinning on the core before it starts yielding it.
const SPIN: Duration = Duration::from_micros(50);
/// How long a helper waits for work, spinning or yielding, before it sleeps.
const STAY_AWAKE: Duration = Duration::from_millis(5);

/// A helper's state, in its slot: who may touch the job and the panic.
mod state {
    /// Awake, without a job.
    pub const IDLE: u8 = 0;
    /// Asleep (parked), without a job: the caller that posts one unparks it.
    pub const ASLEEP: u8 = 1;
    /// A caller claimed the helper and is writing its job.
    pub const CLAIMED: u8 = 2;
    /// The job is posted; the helper runs it.
    pub const READY: u8 = 3;
    /// The job has run (its panic, if any, is in the slot); the caller collects it.
    pub const DONE: u8 = 4;
    /// The helper's thread could not be started: never claimed.
    pub const ABSENT: u8 = 5;
}

/// A closure on the caller's stack, type-erased for the helper.
struct Job {
    data: *mut (),
    call: unsafe fn(*mut ()),
}

/// One helper's mailbox.
struct Slot {
    state: AtomicU8,
    /// Written by the caller in `CLAIMED`, taken by the helper in `READY`.
    job: UnsafeCell<Option<Job>>,
    /// Written by the helper before `DONE`, taken by the caller after it.
    panic: UnsafeCell<Option<Box<dyn Any + Send>>>,
    /// The helper's thread, set by the helper before it can be `ASLEEP`.
    thread: OnceLock<Thread>,
}

// SAFETY: `job` and `panic` are touched only by the side that `state` names (see each
// field), and every hand-over is a release store matched by an acquire load; a job's
// closure is `Send` (see `join`).
unsafe impl Sync for Slot {}
// SAFETY: as for `Sync`; the pool is made once and never moved between threads after.
unsafe impl Send for Slot {}

/// The helpers, one per core but the caller's.
fn slots() -> &'static [Slot] {
    static POOL: OnceLock<Box<[Slot]>> = OnceLock::new();
    POOL.get_or_init(|| {
        let helpers = thread::available_parallelism().map_or(1, |n| n.get()) - 1;
        (0..helpers)
            .map(|_| Slot {
                state: AtomicU8::new(state::IDLE),
                job: UnsafeCell::new(None),
                panic: UnsafeCell::new(None),
                thread: OnceLock::new(),
            })
            .collect()
    })
}

/// Starts the helpers once. A helper whose thread cannot be started is `ABSENT`: its
/// share of the work runs on the callers' threads instead, with the same results.
fn started() -> &'static [Slot] {
    static STARTED: OnceLock<()> = OnceLock::new();
    let slots = slots();
    STARTED.get_or_init(|| {
        for (i, slot) in slots.iter().enumerate() {
            let spawned = thread::Builder::new()
                .name(format!("tbtrain-helper-{}", i + 1))
                .spawn(move || serve(slot));
            if spawned.is_err() {
                slot.state.store(state::ABSENT, Ordering::Release);
            }
        }
    });
    slots
}

/// A helper's life: wait for a job, run it, say it is done.
fn serve(slot: &'static Slot) {
    let _ = slot.thread.set(thread::current());
    loop {
        wait_for_job(slot);
        // SAFETY: in `READY` the job is the helper's (see `Slot`).
        let job = unsafe { (*slot.job.get()).take() };
        if let Some(job) = job {
            // SAFETY: the caller keeps the closure alive until `DONE` (see `join`).
            let run = panic::catch_unwind(AssertUnwindSafe(|| unsafe { (job.call)(job.data) }));
            if let Err(payload) = run {
                // SAFETY: until `DONE` the panic slot is the helper's.
                unsafe { *slot.panic.get() = Some(payload) };
            }
        }
        slot.state.store(state::DONE, Ordering::Release);
    }
}

/// Returns once the slot is `READY`: spinning, then yielding, then asleep.
fn wait_for_job(slot: &Slot) {
    let since = Instant::now();
    loop {
        for _ in 0..64 {
            if slot.state.load(Ordering::Acquire) == state::READY {
                return;
            }
            spin_loop();
        }
        let waited = since.elapsed();
        if waited < SPIN {
            continue;
        }
        if waited < STAY_AWAKE {
            thread::yield_now();
            continue;
        }
        let sleep = slot.state.compare_exchange(
            state::IDLE,
            state::ASLEEP,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if sleep.is_ok() {
            // A caller that claims an asleep helper unparks it after posting the job;
            // `park` may also return early, so look again.
            while slot.state.load(Ordering::Acquire) == state::ASLEEP {
                thread::park();
            }
        }
    }
}

/// Runs `a` and `b`, `b` on an idle helper when there is one and `threads > 1`, else
/// both in turn on the caller's thread; returns when both have run. A panic in either
/// is resumed on the caller's thread once neither runs any more (in turn, a panic of
/// `a` means `b` never starts).
pub fn join<A, B>(a: A, b: B, threads: usize)
where
    A: FnOnce(),
    B: FnOnce() + Send,
{
    match (threads > 1).then(claim).flatten() {
        Some((slot, asleep)) => run_with(slot, asleep, a, b),
        None => {
            a();
            b();
        }
    }
}

/// [`join`] with `threads` shared out between the two sides: `a` gets the larger half,
/// `b` the rest (at least 1), each told its share (for joins of its own).
pub fn join_halves<A, B>(a: A, b: B, threads: usize)
where
    A: FnOnce(usize),
    B: FnOnce(usize) + Send,
{
    let half = threads / 2;
    join(|| a(threads - half), || b(half.max(1)), threads);
}

/// Runs `f` once on every helper thread (for per-thread set-up, such as a test's
/// counters), waiting for each helper that is busy; returns the number of helpers
/// (the machine's cores but one, unless a thread could not be started).
pub fn on_every_helper(f: impl Fn() + Sync) -> usize {
    let slots = started();
    let present = slots
        .iter()
        .filter(|slot| slot.state.load(Ordering::Acquire) != state::ABSENT);
    let mut count = 0;
    for slot in present {
        count += 1;
        let (slot, asleep) = loop {
            match claim_slot(slot) {
                Some(claimed) => break claimed,
                None => thread::yield_now(),
            }
        };
        run_with(slot, asleep, || (), &f);
    }
    count
}

/// An idle helper, claimed for one job, and whether it was asleep.
fn claim() -> Option<(&'static Slot, bool)> {
    started().iter().find_map(claim_slot)
}

/// `slot`, claimed for one job if it is idle, and whether it was asleep.
fn claim_slot(slot: &'static Slot) -> Option<(&'static Slot, bool)> {
    [state::IDLE, state::ASLEEP].into_iter().find_map(|from| {
        slot.state
            .compare_exchange(from, state::CLAIMED, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| (slot, from == state::ASLEEP))
    })
}

/// Posts `b` to a claimed helper, runs `a`, and returns once both have run, resuming a
/// panic of either.
fn run_with<A, B>(slot: &'static Slot, asleep: bool, a: A, b: B)
where
    A: FnOnce(),
    B: FnOnce() + Send,
{
    let mut b = Some(b);
    /// Runs the closure behind `data` (an `Option<B>` on the caller's stack).
    unsafe fn call<B: FnOnce()>(data: *mut ()) {
        // SAFETY: `data` is the caller's `Option<B>`, alive until the job is `DONE`.
        if let Some(b) = unsafe { (*data.cast::<Option<B>>()).take() } {
            b();
        }
    }
    let job = Job {
        data: (&raw mut b).cast(),
        call: call::<B>,
    };
    // SAFETY: in `CLAIMED` the job is the caller's.
    unsafe { *slot.job.get() = Some(job) };
    slot.state.store(state::READY, Ordering::Release);
    if asleep {
        if let Some(helper) = slot.thread.get() {
            helper.unpark();
        }
    }
    // Collects the helper's job even when `a` panics: `b` borrows this stack frame.
    let collect = Collect(slot);
    a();
    let panicked = collect.wait();
    std::mem::forget(collect);
    if let Some(payload) = panicked {
        panic::resume_unwind(payload);
    }
}

/// Waits for a posted job to be done and frees the helper.
struct Collect(&'static Slot);

impl Collect {
    /// Waits until the job is `DONE`, takes its panic, and makes the helper `IDLE`.
    fn wait(&self) -> Option<Box<dyn Any + Send>> {
        let slot = self.0;
        let mut spins = 0u32;
        while slot.state.load(Ordering::Acquire) != state::DONE {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(1024) {
                thread::yield_now();
            } else {
                spin_loop();
            }
        }
        // SAFETY: in `DONE` the panic slot is the caller's.
        let payload = unsafe { (*slot.panic.get()).take() };
        slot.state.store(state::IDLE, Ordering::Release);
        payload
    }
}

impl Drop for Collect {
    /// Only while `a` unwinds: `b` must be over before the frame it borrows is gone.
    fn drop(&mut self) {
        drop(self.wait());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn both_run_on_any_thread_count() {
        for threads in [1, 2, 8] {
            let (mut left, mut right) = (0, 0);
            join(|| left += 1, || right += 2, threads);
            assert_eq!((left, right), (1, 2), "{threads} threads");
        }
    }

    #[test]
    fn every_helper_runs_a_set_up_once_on_its_own_thread() {
        let names = std::sync::Mutex::new(Vec::new());
        let helpers = on_every_helper(|| {
            let name = thread::current().name().map(str::to_string);
            names.lock().unwrap_or_else(|e| e.into_inner()).push(name);
        });
        let mut names = names.into_inner().unwrap_or_else(|e| e.into_inner());
        names.sort();
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        let want: Vec<_> = (1..cores)
            .map(|i| Some(format!("tbtrain-helper-{i}")))
            .collect();
        assert_eq!((helpers, names), (cores - 1, want));
    }

    #[test]
    fn a_helper_gone_to_sleep_is_woken_for_the_next_job() {
        let mut ran = 0;
        join(|| (), || ran += 1, 2);
        // Longer than a helper stays awake without work: it parks (unless another test
        // keeps it busy, when the job runs on this thread; it runs either way).
        thread::sleep(STAY_AWAKE * 4);
        for _ in 0..3 {
            join(|| (), || ran += 1, 2);
        }
        assert_eq!(ran, 4);
    }

    #[test]
    fn nested_joins_run_every_closure_once() {
        let count = AtomicUsize::new(0);
        let leaf = || {
            count.fetch_add(1, Ordering::Relaxed);
        };
        let half = || join(leaf, leaf, 2);
        for _ in 0..1000 {
            join(half, half, 2);
        }
        assert_eq!(count.into_inner(), 4000);
    }

    #[test]
    fn a_panic_on_either_side_reaches_the_caller() {
        let message = |caught: std::thread::Result<()>| {
            caught
                .err()
                .and_then(|p| p.downcast_ref::<&str>().map(|s| s.to_string()))
        };
        let first = panic::catch_unwind(|| join(|| panic!("first side"), || (), 2));
        assert_eq!(message(first).as_deref(), Some("first side"));
        let ran = AtomicUsize::new(0);
        let second = panic::catch_unwind(AssertUnwindSafe(|| {
            join(
                || {
                    ran.fetch_add(1, Ordering::SeqCst);
                },
                || panic!("second side"),
                2,
            )
        }));
        assert_eq!(message(second).as_deref(), Some("second side"));
        assert_eq!(ran.into_inner(), 1);
        // The helpers still serve.
        let (mut left, mut right) = (0, 0);
        join(|| left += 1, || right += 1, 2);
        assert_eq!((left, right), (1, 1));
    }
}
