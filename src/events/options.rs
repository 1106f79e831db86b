//! What a writer is asked to do, and the clock it stamps events with.
//!
//! [`WriterOptions`] is shared by [`EventWriter`](super::EventWriter) and
//! [`SummaryWriter`](crate::summary::SummaryWriter), so one struct-update expression
//! configures either. The clock lives here too: every event's `wall_time` comes from
//! [`WriterOptions::wall_clock`] (the system clock by default), read through [`now`], the
//! one place every writer and every adder takes a time from; [`finite_or_zero`] is the
//! one rule that keeps NaN and infinities out of the times written to a file, applied
//! there (and to the times a caller hands in whole, such as [`write_event`]'s).
//!
//! [`write_event`]: crate::summary::SummaryWriter::write_event

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Default longest time between two flushes.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(2);
/// Default bound on the bytes waiting in a non-blocking writer's queue.
pub const DEFAULT_QUEUE_BYTES: usize = 64 << 20;

/// Options for [`EventWriter::with_options`](super::EventWriter::with_options) and
/// [`SummaryWriter::with_options`](crate::summary::SummaryWriter::with_options).
///
/// Build it with struct-update syntax, so new fields keep their defaults:
///
/// ```
/// use std::time::Duration;
/// use tbtrain::events::WriterOptions;
///
/// let options = WriterOptions {
///     purge_step: Some(500),
///     flush_interval: Duration::from_secs(1),
///     ..Default::default()
/// };
/// assert!(!options.non_blocking);
/// ```
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Longest time records may stay buffered before a write flushes them.
    /// `Duration::ZERO` flushes after every record. Measured on [`Self::wall_clock`].
    pub flush_interval: Duration,
    /// Appended to the file name (e.g. `.v2`); empty by default.
    pub filename_suffix: String,
    /// Resume the run at this step: TensorBoard forgets every point that earlier sessions
    /// logged in this directory at this step or later (see [`super::resume`]). `None`
    /// (the default) starts a file that adds to whatever the directory holds.
    ///
    /// [`SummaryWriter`](crate::summary::SummaryWriter) applies it to the
    /// `add_scalars` sub-runs too. [`EventWriter::from_writer`](super::EventWriter::from_writer) has no directory to scan
    /// and ignores it (write a [`Purge`](super::Purge) yourself).
    pub purge_step: Option<i64>,
    /// Hand PNG encoding, histogram bucketing and all I/O to a background thread (used by
    /// [`SummaryWriter`](crate::summary::SummaryWriter); an [`EventWriter`](super::EventWriter) always writes
    /// on the caller's thread). The bytes written are the same as without it.
    pub non_blocking: bool,
    /// With [`Self::non_blocking`]: most bytes (pixels, values, encoded records) waiting
    /// for the background thread; a call that would exceed it waits. One item larger
    /// than the bound is still accepted when the queue is empty.
    pub queue_bytes: usize,
    /// The clock events are stamped with, in seconds since the Unix epoch; `None` (the
    /// default) is the system clock, [`wall_time_now`]. A fixed clock makes files
    /// reproducible byte for byte.
    pub wall_clock: Option<fn() -> f64>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            filename_suffix: String::new(),
            purge_step: None,
            non_blocking: false,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            wall_clock: None,
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

/// The time on `clock` (`None`: the system clock), as it may be written: a clock that
/// returns NaN or an infinity gives 0 ([`finite_or_zero`]). Every time a writer stamps
/// comes from here, so every adder follows the one rule.
#[inline]
pub(crate) fn now(clock: Option<fn() -> f64>) -> f64 {
    finite_or_zero(match clock {
        Some(clock) => clock(),
        None => wall_time_now(),
    })
}

/// A time in seconds as it is written to a file: a non-finite one (NaN, an infinity)
/// becomes 0, so no record ever carries a time TensorBoard cannot order.
pub(crate) fn finite_or_zero(secs: f64) -> f64 {
    if secs.is_finite() {
        secs
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_times_become_zero() {
        assert_eq!(finite_or_zero(1.5), 1.5);
        assert_eq!(finite_or_zero(-2.0), -2.0);
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(finite_or_zero(x).to_bits(), 0.0f64.to_bits(), "{x}");
        }
    }

    fn fixed_clock() -> f64 {
        7.0
    }

    #[test]
    fn the_clock_is_the_options_or_the_systems() {
        assert_eq!(now(Some(fixed_clock)), 7.0);
        assert!(now(None) > 1.0e9);
    }

    fn nan_clock() -> f64 {
        f64::NAN
    }

    fn infinite_clock() -> f64 {
        f64::NEG_INFINITY
    }

    #[test]
    fn a_clock_that_is_not_finite_reads_as_zero() {
        assert_eq!(now(Some(nan_clock)).to_bits(), 0.0f64.to_bits());
        assert_eq!(now(Some(infinite_clock)).to_bits(), 0.0f64.to_bits());
    }
}
