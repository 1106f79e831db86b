//! The logging plan: at which steps a run writes each kind of summary.
//!
//! TensorBoard keeps a sample of each tag, by default 1,000 scalars, 10 images and 500
//! histograms, and its Histograms dashboard draws at most 51 per series. A run that
//! writes more loses points at random from the default view (step 0 among them), so by
//! default a run writes at most [`Budget::LESSON`] points per tag, chosen by
//! [`Every::Auto`]: step 0, then every step at first, then ever sparser steps, the gaps
//! growing geometrically, ending on the last step. The early steps, where the lesson
//! happens (the sigmoid net's gradients fan out and sink within a few hundred steps),
//! are dense; the long tail where nothing changes is sparse.
//!
//! A fixed period ([`Every::Steps`]) is there for those who ask for one; the last step
//! is then logged too, so a run's end state is always on record.

use std::fmt;

/// When one kind of summary is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// At most this many steps (at least 2: the first and the last), dense at the start
    /// and sparser later; every step when the run is shorter (see [`auto_steps`]).
    Auto(u64),
    /// Every this many steps (at least 1), and at the last step.
    Steps(u64),
    /// Never.
    Never,
}

impl fmt::Display for Every {
    /// `auto (at most 1000)`, `every 100 steps`, `never`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Every::Auto(n) => write!(f, "auto (at most {n})"),
            Every::Steps(1) => f.write_str("every step"),
            Every::Steps(n) => write!(f, "every {n} steps"),
            Every::Never => f.write_str("never"),
        }
    }
}

/// When each kind of summary is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// `cost`, `accuracy`, `grad_norm/layer*`.
    pub scalars: Every,
    /// Per layer: `variables/Wk`, `variables/bk`, `outputs/layerK`, `gradients/layerK`.
    pub histograms: Every,
    /// `decision_boundary`, `vanishing_gradient`.
    pub images: Every,
}

/// Points per tag that TensorBoard's default view shows in full.
pub struct Budget;

impl Budget {
    /// A single run: within what TensorBoard keeps of each tag by default (1,000
    /// scalars, 10 images; the Histograms dashboard draws 51 per series), with 30
    /// histograms per tag, which keeps the lesson's 44 histogram tags to about 0.8 MB.
    pub const LESSON: Schedule = Schedule {
        scalars: Every::Auto(1000),
        histograms: Every::Auto(30),
        images: Every::Auto(10),
    };
    /// A sweep's run, many of which sit side by side: fewer scalar points, and
    /// histograms and images at the first and last step only.
    pub const SWEEP: Schedule = Schedule {
        scalars: Every::Auto(200),
        histograms: Every::Auto(2),
        images: Every::Auto(2),
    };
    /// Nothing during training (a run still writes its graph, config, hparams session
    /// and final values).
    pub const NONE: Schedule = Schedule {
        scalars: Every::Never,
        histograms: Every::Never,
        images: Every::Never,
    };
}

/// One kind's steps for a run whose last step is known.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Due {
    Period {
        every: u64,
        last: u64,
    },
    /// Sorted steps.
    List(Vec<u64>),
}

impl Due {
    fn new(every: Every, last: u64) -> Due {
        match every {
            Every::Steps(n) => Due::Period {
                every: n.max(1),
                last,
            },
            Every::Auto(n) => Due::List(auto_steps(n, last)),
            Every::Never => Due::List(Vec::new()),
        }
    }

    fn at(&self, step: u64) -> bool {
        match self {
            Due::Period { every, last } => step.is_multiple_of(*every) || step == *last,
            Due::List(steps) => steps.binary_search(&step).is_ok(),
        }
    }
}

/// The plan of one run: which summaries its step `s` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPlan {
    scalars: Due,
    histograms: Due,
    images: Due,
}

impl LogPlan {
    /// The plan of a run of `steps` steps (`0 ..= steps - 1`).
    pub fn new(schedule: &Schedule, steps: u64) -> LogPlan {
        let last = steps.saturating_sub(1);
        LogPlan {
            scalars: Due::new(schedule.scalars, last),
            histograms: Due::new(schedule.histograms, last),
            images: Due::new(schedule.images, last),
        }
    }

    /// Whether scalars are written at `step`.
    pub fn scalars(&self, step: u64) -> bool {
        self.scalars.at(step)
    }

    /// Whether histograms are written at `step`.
    pub fn histograms(&self, step: u64) -> bool {
        self.histograms.at(step)
    }

    /// Whether the images are drawn at `step`.
    pub fn images(&self, step: u64) -> bool {
        self.images.at(step)
    }
}

/// At most `n` steps of `0 ..= last`, `0` and `last` always among them (for `n >= 2`):
/// every step when there are no more than `n`; otherwise the gaps between consecutive
/// steps grow geometrically from about 1 by a constant factor, the smallest that reaches
/// `last` within `n` steps. For `n = 1000` and `last = 10,000` that is every step up to
/// about step 110, then gaps growing to 37 steps at the end; for `n = 10`, the
/// steps 0, 3, 10, 28, 77, 205, 543, 1435, 3789 and 10,000.
pub fn auto_steps(n: u64, last: u64) -> Vec<u64> {
    match n {
        0 => return Vec::new(),
        1 => return vec![last],
        _ if last < n => return (0..=last).collect(),
        _ => {}
    }
    // Bisect the growth factor: the smallest whose steps below `last` number n - 1 at
    // most. A factor of `last` or more puts the second step at `last` already.
    let fits = |factor: f64| below(factor, last, n).len() < n as usize;
    let (mut lo, mut hi) = (1.0f64, 2.0f64);
    while !fits(hi) {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if fits(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let mut steps = below(hi, last, n);
    steps.push(last);
    steps
}

/// The steps `s_0 = 0`, `s_{k+1} = s_k + max(1, round(factor^(k+1)))` that lie below
/// `last`, stopping after `limit` of them.
fn below(factor: f64, last: u64, limit: u64) -> Vec<u64> {
    let mut steps = Vec::new();
    let (mut step, mut gap) = (0u64, factor);
    while step < last && (steps.len() as u64) < limit {
        steps.push(step);
        step = step.saturating_add((gap.round() as u64).max(1));
        gap *= factor;
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps_of(every: Every, steps: u64, pick: fn(&LogPlan, u64) -> bool) -> Vec<u64> {
        let schedule = Schedule {
            scalars: every,
            histograms: every,
            images: every,
        };
        let plan = LogPlan::new(&schedule, steps);
        (0..steps).filter(|&s| pick(&plan, s)).collect()
    }

    #[test]
    fn the_lesson_fits_what_tensorboard_keeps() {
        let plan = LogPlan::new(&Budget::LESSON, 10_001);
        let count = |f: fn(&LogPlan, u64) -> bool| (0..10_001).filter(|&s| f(&plan, s)).count();
        let scalars = count(LogPlan::scalars);
        let histograms = count(LogPlan::histograms);
        let images = count(LogPlan::images);
        assert!((990..=1000).contains(&scalars), "{scalars}");
        assert!((28..=30).contains(&histograms), "{histograms}");
        assert!((9..=10).contains(&images), "{images}");
        for f in [LogPlan::scalars, LogPlan::histograms, LogPlan::images] {
            assert!(f(&plan, 0) && f(&plan, 10_000));
        }
        // Every one of the first hundred steps is a scalar step.
        assert!((0..100).all(|s| plan.scalars(s)));
    }

    #[test]
    fn auto_steps_start_dense_and_grow() {
        let s = auto_steps(10, 10_000);
        assert_eq!(s.len(), 10);
        assert_eq!((s[0], s[9]), (0, 10_000));
        assert!(s.windows(3).all(|w| w[2] - w[1] >= w[1] - w[0]), "{s:?}");
        assert_eq!(auto_steps(2, 10_000), [0, 10_000]);
        assert_eq!(auto_steps(5, 3), [0, 1, 2, 3]);
        assert_eq!(auto_steps(5, 4), [0, 1, 2, 3, 4]);
        assert_eq!(auto_steps(1, 7), [7]);
        assert_eq!(auto_steps(0, 7), Vec::<u64>::new());
        assert_eq!(auto_steps(3, 0), [0]);
    }

    #[test]
    fn auto_steps_never_exceed_the_budget() {
        for n in [2, 3, 10, 50, 200, 1000] {
            for last in [
                0,
                1,
                2,
                9,
                10,
                11,
                99,
                1000,
                10_000,
                1_000_000,
                u64::MAX / 2,
            ] {
                let s = auto_steps(n, last);
                assert!(s.len() as u64 <= n, "n {n} last {last}: {}", s.len());
                assert_eq!(s.last(), Some(&last), "n {n} last {last}");
                assert_eq!(s[0], 0, "n {n} last {last}");
                assert!(s.windows(2).all(|w| w[0] < w[1]), "n {n} last {last}");
            }
        }
    }

    #[test]
    fn fixed_periods_and_never() {
        assert_eq!(
            steps_of(Every::Steps(7), 11, LogPlan::histograms),
            [0, 7, 10]
        );
        assert_eq!(steps_of(Every::Steps(1), 3, LogPlan::scalars), [0, 1, 2]);
        assert!(steps_of(Every::Never, 11, LogPlan::images).is_empty());
        let plan = LogPlan::new(&Budget::NONE, 10);
        assert!(!(0..10).any(|s| plan.scalars(s) || plan.histograms(s) || plan.images(s)));
    }
}
