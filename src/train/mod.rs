//! The training loop: where the model and the logging meet.
//!
//! [`train`] builds the network, runs gradient descent for the configured number of
//! steps and writes, through a [`SummaryWriter`](crate::SummaryWriter), everything
//! TensorBoard shows of the lesson: the cost and accuracy, the per-layer gradient norms
//! (the vanishing gradient, measured), weight/bias/activation/gradient histograms, the
//! graph with one name scope per layer, the decision-boundary picture, the
//! configuration and final predictions as text, the hparams session, and a
//! custom-scalars chart of every gradient norm.
//!
//! - [`config`]: [`TrainConfig`], the lesson's defaults, checks, hparams;
//! - [`settings`]: the table of training settings that the command line, sweeps, run
//!   names and HParams share;
//! - [`plan`]: which steps log what;
//! - `run`: the loop itself ([`train()`]); `log`: what each tag holds; `pictures`: the
//!   thread that draws the pictures; [`result`]: the run's result as programs read it
//!   back;
//! - [`logdir`]: the run directory check;
//! - [`diagnosis`]: why a run diverged (the initial weights or the learning rate);
//! - [`graph`], [`boundary`], [`vanishing`]: the Graphs tab's graph, the
//!   decision-boundary picture and the vanishing-gradient picture and table;
//! - [`limits`]: how big a run may be;
//! - [`tags`]: the name of everything a run logs, and why.

mod batches;
pub mod boundary;
mod canvas;
pub mod config;
pub mod confusion;
pub mod diagnosis;
pub mod embedding;
pub mod evaluate;
pub mod gallery;
pub mod graph;
pub mod limits;
mod log;
pub mod logdir;
mod pictures;
pub mod plan;
pub mod result;
mod run;
pub mod settings;
pub mod tags;
pub mod vanishing;

use std::path::PathBuf;
use std::time::Duration;

use crate::{nn, summary};

pub use config::{
    single_run_experiment, ConfigError, TrainConfig, DEFAULT_FLUSH_INTERVAL, DEFAULT_SEED,
    METRIC_TAGS,
};
pub use diagnosis::Divergence;
pub use logdir::{check_logdir, claim, fresh_default, RunDir};
pub use plan::{Budget, Every, LogPlan, Schedule};
pub use run::train;
pub use settings::{Setting, Value};

/// A cost above this (or above [`DIVERGENCE_GROWTH`] times the first step's cost, when
/// that is higher) stops the run as diverged ([`divergence_limit`]). Cross-entropy this high means the output logits
/// are in the thousands on the wrong side: the weights have blown up (with a
/// cross-entropy computed from logits, a blown-up net does not always reach NaN, so a
/// finite cost is not enough). A learning net's cost stays near ln K or below.
pub const DIVERGENCE_COST: f32 = 1000.0;

/// A first step's cost above this stops the run before any update: logits a trillion
/// wide come from data or weights off by orders of magnitude (features of 1e30), not
/// from a network that can learn. (784-512x4-10 with N(0, 1) weights starts at 1.4e6.)
pub const FIRST_COST_LIMIT: f32 = 1e12;

/// How many times its first step's cost a run's cost may grow before it counts as
/// diverged, when that is above [`DIVERGENCE_COST`].
pub const DIVERGENCE_GROWTH: f32 = 100.0;

/// The cost above which a run whose first step cost `first_cost` has diverged: the
/// larger of [`DIVERGENCE_COST`] and [`DIVERGENCE_GROWTH`] times the first cost. Some
/// networks start far above ln K and learn: lab 10-2's 784-256-256-10 ReLU net with
/// N(0, 1) weights and biases starts in the thousands on Fashion-MNIST and reaches 82%.
/// A first cost of 10 or less (every lesson-sized net's) keeps the limit at 1000. A
/// first cost that is NaN, infinite or above [`FIRST_COST_LIMIT`] has diverged before
/// any update.
pub fn divergence_limit(first_cost: f32) -> f32 {
    if first_cost.is_finite() {
        DIVERGENCE_COST.max(DIVERGENCE_GROWTH * first_cost)
    } else {
        DIVERGENCE_COST
    }
}

/// Predictions kept in the report and the `predictions` text.
pub const MAX_PREDICTIONS: usize = 20;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// Every step ran.
    Completed,
    /// The cost became NaN, infinite or above [`DIVERGENCE_COST`] at this step;
    /// training stopped there. `cause` says whether the initial weights or the updates
    /// blew up (see [`diagnosis`]).
    Diverged { step: u64, cause: Divergence },
    /// Stopped on request (Ctrl-C) before this step.
    Interrupted { step: u64 },
}

/// One row of the final predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The example's features, as the network saw them.
    pub input: Vec<f32>,
    /// For two classes, the sigmoid output (the probability of class 1); for more, the
    /// probability of the predicted class.
    pub hypothesis: f32,
    /// The most probable class.
    pub predicted: usize,
    /// The example's class.
    pub label: usize,
}

/// A network's cost and accuracy on a held-out test set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestScore {
    pub cost: f32,
    pub accuracy: f32,
}

/// What a finished (or stopped) run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub outcome: Outcome,
    /// Steps run.
    pub steps_done: u64,
    /// Cost of the final weights on the whole training set.
    pub final_cost: f32,
    /// Accuracy of the final weights on the whole training set.
    pub accuracy: f32,
    /// The final weights on the test set, for data that has one.
    pub test: Option<TestScore>,
    /// Classes of the data.
    pub classes: usize,
    /// Up to [`MAX_PREDICTIONS`] rows of the final predictions.
    pub predictions: Vec<Prediction>,
    /// `grad_norm/layer1 / grad_norm/layerN` at step 0.
    pub grad_ratio_start: f32,
    /// The same ratio at the last step run.
    pub grad_ratio_end: f32,
    /// Each layer's gradient norm at step 0 (layer 1 first).
    pub grad_norms_start: Vec<f32>,
    /// Each layer's gradient norm at the last step run.
    pub grad_norms_end: Vec<f32>,
    /// First step whose cost was below 0.1.
    pub first_step_below_0_1: Option<u64>,
    /// Training wall time.
    pub elapsed: Duration,
    /// Where the event files are.
    pub logdir: PathBuf,
    /// The cost above which this run counted as diverged ([`divergence_limit`]).
    pub divergence_limit: f32,
}

/// What can stop a run from starting or logging.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting is not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The model could not be built.
    #[error(transparent)]
    Model(#[from] nn::Error),
    /// Writing a summary failed.
    #[error(transparent)]
    Summary(#[from] summary::Error),
    /// The run directory already holds event files (and replacing them was not asked).
    #[error("{} already holds event files of an earlier run", path.display())]
    LogdirInUse { path: PathBuf },
    /// The run directory is a symbolic link: a run's files (and what `overwrite`
    /// removes) never go through one, since anyone who can write a shared log
    /// directory could plant it (the command line resolves a `--logdir` link the user
    /// named).
    #[error(
        "{} is a symbolic link: a run directory is never followed through one (give the \
         directory it points to)",
        path.display()
    )]
    LogdirIsALink { path: PathBuf },
    /// Another process writes into the run directory (one writer per directory).
    #[error(transparent)]
    Lock(#[from] crate::events::LockError),
    /// Replacing the run's files (`TrainConfig::overwrite`) would have to remove an
    /// event file that is not one of ours.
    #[error(
        "{} is not named like a tbtrain event file (events.out.tfevents.<seconds>.<...>)",
        path.display()
    )]
    NotOurEventFile { path: PathBuf },
    /// The vanishing-gradient picture could not be drawn.
    #[error(transparent)]
    Picture(#[from] vanishing::Error),
    /// The thread drawing the pictures ended without a reason (it panicked: a bug).
    #[error("the thread drawing the pictures stopped unexpectedly")]
    PictureThread,
    /// The thread drawing the pictures could not be started.
    #[error("cannot start the thread that draws the pictures: {0}")]
    PictureThreadStart(#[source] std::io::Error),
    /// The run's result could not be encoded (a broken invariant: it is plain data).
    #[error("cannot encode the run's result: {0}")]
    Result(String),
    /// Inspecting or cleaning the run directory failed.
    #[error("cannot prepare log directory {}: {source}", path.display())]
    Logdir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Progress as a run goes: called after every step.
pub trait Progress {
    fn step(&mut self, step: u64, cost: f32);
}

impl Progress for () {
    fn step(&mut self, _: u64, _: f32) {}
}
