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
//!
//! A run with a test set also evaluates it, over steps `0 ..= steps` (step `s` is the
//! weights before update `s`, as the training cost is; step `steps` is the final
//! weights): at [`Schedule::tests`]' steps, dense at first, and at the end of every
//! epoch (at most [`MAX_EPOCH_POINTS`] epochs, spread the same way, for a run of very
//! many epochs). Each evaluation goes through the whole test set, so there are few of
//! them: the dense ones cost about a tenth of the training ([`Schedule::within_test_budget`]). The pictures made from an evaluation (the confusion matrix, the test images
//! with their predicted classes, the PR curves) follow [`Schedule::images`], counted in
//! epochs when the run has epochs: at most 10 by default, the first and the last
//! included.

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
    /// `decision_boundary`, `vanishing_gradient`; with a test set, the pictures of an
    /// evaluation (in epochs, when the run has epochs).
    pub images: Every,
    /// Evaluations of the test set, besides one at the end of each epoch (never when
    /// `scalars` is never).
    pub tests: Every,
}

impl Schedule {
    /// This schedule for a run that trains on `trained_rows` examples in all (steps
    /// times batch) and evaluates a test set of `test_rows`: the automatic test
    /// evaluations (besides the epoch ends) cut to what costs about a tenth of the
    /// training, at least 2. An evaluation's forward pass costs about a third of a
    /// training step's work per example (a step adds the backward pass's two products),
    /// so `n` evaluations cost `n * test_rows / 3` examples' steps. A period asked for
    /// with `--log-every` is kept as asked.
    ///
    /// Fashion-MNIST's 10,000 test images at batch 100: 5 dense evaluations in 3
    /// epochs, 20 (the default's most) from 12 epochs on; the generated sets (as many
    /// test points as training points, full batch) keep all 20.
    pub fn within_test_budget(self, trained_rows: u64, test_rows: u64) -> Schedule {
        let Every::Auto(n) = self.tests else {
            return self;
        };
        let affordable = trained_rows.saturating_mul(3) / 10 / test_rows.max(1);
        Schedule {
            tests: Every::Auto(n.min(affordable.max(2))),
            ..self
        }
    }
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
        tests: Every::Auto(20),
    };
    /// A sweep's run, many of which sit side by side: fewer scalar points, and
    /// histograms and images at the first and last step only.
    pub const SWEEP: Schedule = Schedule {
        scalars: Every::Auto(200),
        histograms: Every::Auto(2),
        images: Every::Auto(2),
        tests: Every::Auto(2),
    };
    /// Nothing during training (a run still writes its graph, config, hparams session
    /// and final values).
    pub const NONE: Schedule = Schedule {
        scalars: Every::Never,
        histograms: Every::Never,
        images: Every::Never,
        tests: Every::Never,
    };
}

/// Most epoch ends evaluated in a run: with more epochs than this, the evaluated ones
/// are spread as [`auto_steps`] spreads steps (TensorBoard keeps 1,000 scalars).
pub const MAX_EPOCH_POINTS: u64 = 980;

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

/// When an evaluation (and its pictures) happens: at some steps, and at some epoch
/// ends (epoch `e` ends at step `e * steps_per_epoch`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Evaluations {
    /// By step, over `0 ..= steps`.
    steps: Due,
    /// By epoch, over `0 ..= epochs`, with the run's steps per epoch.
    epochs: Option<(Due, u64)>,
}

impl Evaluations {
    fn at(&self, step: u64) -> bool {
        self.steps.at(step)
            || self.epochs.as_ref().is_some_and(|(due, per_epoch)| {
                step.is_multiple_of(*per_epoch) && due.at(step / per_epoch)
            })
    }
}

/// How a run is counted: in steps, or in epochs of a number of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// `steps` steps, `0 ..= steps - 1`.
    Steps(u64),
    /// `epochs` passes of `steps_per_epoch` steps each (both at least 1).
    Epochs { epochs: u64, steps_per_epoch: u64 },
}

impl Length {
    /// Steps in all (saturating: a run that long is refused before it starts).
    pub fn steps(self) -> u64 {
        match self {
            Length::Steps(steps) => steps,
            Length::Epochs {
                epochs,
                steps_per_epoch,
            } => epochs.saturating_mul(steps_per_epoch),
        }
    }
}

/// The plan of one run: which summaries its step `s` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPlan {
    scalars: Due,
    histograms: Due,
    images: Due,
    tests: Evaluations,
    test_pictures: Evaluations,
}

impl LogPlan {
    /// The plan of a run of `steps` steps (`0 ..= steps - 1`), counted in steps.
    pub fn new(schedule: &Schedule, steps: u64) -> LogPlan {
        LogPlan::of(schedule, Length::Steps(steps))
    }

    /// The plan of a run of `length`.
    pub fn of(schedule: &Schedule, length: Length) -> LogPlan {
        let steps = length.steps();
        let last = steps.saturating_sub(1);
        let never = || Evaluations {
            steps: Due::new(Every::Never, steps),
            epochs: None,
        };
        let (tests, test_pictures) = if schedule.scalars == Every::Never {
            (never(), never())
        } else {
            match length {
                Length::Steps(_) => (
                    Evaluations {
                        steps: Due::new(schedule.tests, steps),
                        epochs: None,
                    },
                    Evaluations {
                        steps: Due::new(schedule.images, steps),
                        epochs: None,
                    },
                ),
                Length::Epochs {
                    epochs,
                    steps_per_epoch,
                } => (
                    Evaluations {
                        steps: Due::new(schedule.tests, steps),
                        epochs: Some((
                            Due::new(Every::Auto(MAX_EPOCH_POINTS), epochs),
                            steps_per_epoch,
                        )),
                    },
                    Evaluations {
                        steps: Due::new(Every::Never, steps),
                        epochs: Some((Due::new(schedule.images, epochs), steps_per_epoch)),
                    },
                ),
            }
        };
        LogPlan {
            scalars: Due::new(schedule.scalars, last),
            histograms: Due::new(schedule.histograms, last),
            images: Due::new(schedule.images, last),
            tests,
            test_pictures,
        }
    }

    /// Whether the test set is evaluated with the weights before update `step`
    /// (`0 ..= steps`, the last being the final weights): at the test steps, at the
    /// end of each epoch, and wherever its pictures are drawn.
    pub fn tests(&self, step: u64) -> bool {
        self.tests.at(step) || self.test_pictures.at(step)
    }

    /// Whether the pictures of a test evaluation are drawn at `step` (`0 ..= steps`).
    pub fn test_pictures(&self, step: u64) -> bool {
        self.test_pictures.at(step)
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
            tests: every,
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
    fn a_run_of_epochs_is_evaluated_densely_at_first_and_at_every_epoch_end() {
        // Fashion-MNIST, batch 100: 5 epochs of 600 steps.
        let length = Length::Epochs {
            epochs: 5,
            steps_per_epoch: 600,
        };
        let plan = LogPlan::of(&Budget::LESSON, length);
        let tests: Vec<u64> = (0..=3000).filter(|&s| plan.tests(s)).collect();
        // The test budget's 20 steps over 0..=3000, and the four epoch ends between.
        assert_eq!(
            tests,
            [
                0, 1, 3, 6, 10, 16, 25, 37, 55, 80, 116, 167, 241, 346, 497, 600, 713, 1022, 1200,
                1464, 1800, 2096, 2400, 3000
            ]
        );
        // The pictures of an evaluation: every epoch end and the start (6 of 10 allowed).
        let pictures: Vec<u64> = (0..=3000).filter(|&s| plan.test_pictures(s)).collect();
        assert_eq!(pictures, [0, 600, 1200, 1800, 2400, 3000]);
        // Fifteen epochs: ten of the sixteen epoch boundaries, first and last included.
        let plan = LogPlan::of(
            &Budget::LESSON,
            Length::Epochs {
                epochs: 15,
                steps_per_epoch: 600,
            },
        );
        let pictures: Vec<u64> = (0..=9000)
            .filter(|&s| plan.test_pictures(s))
            .map(|s| s / 600)
            .collect();
        assert_eq!(pictures, [0, 1, 2, 3, 5, 7, 9, 11, 13, 15]);
        // A billion epochs of one step each: at most MAX_EPOCH_POINTS epoch ends.
        let plan = LogPlan::of(
            &Budget::LESSON,
            Length::Epochs {
                epochs: 1_000_000_000,
                steps_per_epoch: 1,
            },
        );
        assert!(plan.tests(0) && plan.tests(1) && plan.tests(1_000_000_000));
        assert!(!plan.tests(999_999_999));
    }

    #[test]
    fn dense_test_evaluations_cost_a_tenth_of_the_training() {
        // Fashion-MNIST, batch 100: 600 steps an epoch, 10,000 test images.
        let epochs = |n: u64| Budget::LESSON.within_test_budget(n * 60_000, 10_000).tests;
        assert_eq!(epochs(3), Every::Auto(5));
        assert_eq!(epochs(11), Every::Auto(19));
        assert_eq!(epochs(15), Every::Auto(20));
        // 2,000 images for 2 epochs against 1,000: the least, 2.
        assert_eq!(
            Budget::LESSON.within_test_budget(4_000, 1_000).tests,
            Every::Auto(2)
        );
        // The generated sets: 200 points, full batch, 10,001 steps.
        assert_eq!(
            Budget::LESSON.within_test_budget(200 * 10_001, 200),
            Budget::LESSON
        );
        // What was asked for is kept; nothing else changes.
        let asked = Schedule {
            tests: Every::Steps(7),
            ..Budget::LESSON
        };
        assert_eq!(asked.within_test_budget(1, 1_000_000), asked);
        let cut = Budget::LESSON.within_test_budget(0, 10);
        assert_eq!(
            (cut.scalars, cut.images),
            (Every::Auto(1000), Every::Auto(10))
        );
    }

    #[test]
    fn a_run_of_steps_is_evaluated_as_its_test_budget_says_and_never_without_scalars() {
        let plan = LogPlan::new(&Budget::LESSON, 10_001);
        let tests = (0..=10_001).filter(|&s| plan.tests(s)).count();
        assert_eq!(tests, 20 + 8, "the test budget and the pictures' steps");
        assert!(plan.tests(10_001) && plan.test_pictures(10_001) && plan.tests(0));
        let quiet = Schedule {
            scalars: Every::Never,
            ..Budget::LESSON
        };
        let plan = LogPlan::new(&quiet, 100);
        assert!(!(0..=100).any(|s| plan.tests(s) || plan.test_pictures(s)));
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
