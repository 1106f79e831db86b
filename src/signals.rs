//! Stop requests from outside the process. SIGINT (Ctrl-C), SIGTERM (what `kill`, Slurm
//! and Kubernetes send, some seconds before SIGKILL) and SIGHUP (the terminal or ssh
//! session closed) all mean the same to a training: stop before the next step, flush and
//! close the log, end the hparams session as a failure, and, for a sweep, write the
//! summary of what finished.
//!
//! The library only sees one stop flag ([`install`]); which signal arrived is the
//! binary's business: it picks the exit code, 128 + the signal's number (130, 143, 129),
//! what a shell reports for a process that the signal killed, so a scheduler or a script
//! tells a stop from a failure. The handlers only store into two atomics (which is
//! async-signal-safe); when signals come one after another, the last one names the stop.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

use signal_hook::consts::signal as sig;

/// Set by any of the handled signals; the training loops poll it.
static STOP: AtomicBool = AtomicBool::new(false);
/// The number of the last signal received (0: none).
static LAST: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// A signal that stops the training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: `kill`, a scheduler's time limit, preemption or cancel.
    Terminate,
    /// SIGHUP: the controlling terminal went away.
    #[cfg(unix)]
    Hangup,
}

impl Signal {
    /// Every signal handled.
    pub const ALL: &'static [Signal] = &[
        Signal::Interrupt,
        Signal::Terminate,
        #[cfg(unix)]
        Signal::Hangup,
    ];

    /// The signal's number on this platform.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => sig::SIGINT,
            Signal::Terminate => sig::SIGTERM,
            #[cfg(unix)]
            Signal::Hangup => sig::SIGHUP,
        }
    }

    /// `SIGINT`, `SIGTERM`, `SIGHUP`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            #[cfg(unix)]
            Signal::Hangup => "SIGHUP",
        }
    }

    /// 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.number()).unwrap_or(u8::MAX)
    }

    fn from_number(number: usize) -> Option<Signal> {
        Signal::ALL
            .iter()
            .copied()
            .find(|s| usize::try_from(s.number()).ok() == Some(number))
    }
}

/// Installs the handlers (once per process) and returns the stop flag they set.
///
/// A handler that cannot be installed leaves its signal's default action (ending the
/// process), which loses no more than before.
pub fn install() -> &'static AtomicBool {
    INSTALL.call_once(|| {
        for &signal in Signal::ALL {
            let number = signal.number();
            let Ok(value) = usize::try_from(number) else {
                continue;
            };
            // Actions run in the order registered: the signal is named before the stop
            // flag is set, so whoever sees the flag also sees the name.
            let _ = signal_hook::flag::register_usize(number, &LAST, value);
            let _ = signal_hook::flag::register(number, &STOP);
        }
    });
    &STOP
}

/// The last signal received, if any.
pub fn received() -> Option<Signal> {
    Signal::from_number(LAST.load(Ordering::SeqCst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal_number() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        #[cfg(unix)]
        assert_eq!(Signal::Hangup.exit_code(), 129);
        assert_eq!(Signal::from_number(15), Some(Signal::Terminate));
        assert_eq!(Signal::from_number(0), None);
        assert_eq!(Signal::from_number(9), None);
    }

    /// The handlers, for real: each signal raised in this process sets the flag and is
    /// named (the last one wins). Nothing else in this test binary installs handlers.
    #[cfg(unix)]
    #[test]
    fn a_raised_signal_sets_the_flag_and_names_itself() {
        let stop = install();
        assert!(std::ptr::eq(stop, install()), "installed once");
        for &signal in Signal::ALL {
            stop.store(false, Ordering::SeqCst);
            signal_hook::low_level::raise(signal.number()).unwrap();
            assert!(stop.load(Ordering::SeqCst), "{signal:?}");
            assert_eq!(received(), Some(signal));
        }
    }
}
