//! The training loop: where the model and the logging meet.
//!
//! [`train`] builds the network, runs gradient descent for the configured number of
//! steps and writes, through a [`SummaryWriter`](crate::SummaryWriter), everything TensorBoard shows of the
//! lesson: the cost and accuracy, the per-layer gradient norms (the vanishing gradient,
//! measured), weight/bias/activation/gradient histograms, the graph with one name scope
//! per layer, the decision-boundary picture, the configuration and final predictions as
//! text, the hparams session, and a custom-scalars chart of every gradient norm.
//!
//! The step itself allocates nothing; logging reads the model's buffers in place.

pub mod boundary;
pub mod graph;
pub mod limits;
mod log;
pub mod plan;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ndarray::{Array1, Array2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::data::{Dataset, DatasetSpec};
use crate::events::WriterOptions;
use crate::nn::{self, Activation, Init, Mlp, MlpConfig, Optimizer, OptimizerKind, Workspace};
use crate::summary;
use crate::summary::hparams::{ExperimentSpec, HParamDomain, HParamSpec, HParamValue};

use log::RunLog;
pub use log::{DIVERGED_TAG, FINAL_ACCURACY_TAG, FINAL_COST_TAG, FIRST_BELOW_TAG};
pub use plan::LogPlan;

/// The seed used when none is given: fixed, so that a run is reproducible by default.
pub const DEFAULT_SEED: u64 = 1;

/// A cost above this stops the run as diverged. Binary cross-entropy this high means
/// the output logits are in the thousands on the wrong side: the weights have blown
/// up (with a cross-entropy computed from logits, a blown-up net does not always reach
/// NaN, so a finite cost is not enough). A learning net's cost stays near ln 2 or below.
pub const DIVERGENCE_COST: f32 = 1000.0;

/// The scalar tags a run writes besides `grad_norm/layer*`.
pub const METRIC_TAGS: [&str; 2] = ["cost", "accuracy"];

/// Everything that defines one training run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Number of weight layers (11 = 10 hidden layers and the output layer).
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Activation of the hidden layers (the output is always a sigmoid).
    pub act: Activation,
    /// Weight initialisation.
    pub init: Init,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Learning rate.
    pub lr: f32,
    /// Number of training steps (steps `0 ..= steps - 1`).
    pub steps: u64,
    /// Seed of every random choice (weights, generated data, batches).
    pub seed: u64,
    /// Training data.
    pub dataset: DatasetSpec,
    /// Rows per step; `None` for the full batch.
    pub batch: Option<usize>,
    /// Run directory the event files go to.
    pub logdir: PathBuf,
    /// What to log when.
    pub plan_every: PlanEvery,
    /// Longest time between two flushes of the event file.
    pub flush_interval: Duration,
    /// Remove the event files already in `logdir` instead of refusing to start.
    pub overwrite: bool,
    /// Write the hparams experiment summary in this run (off for sweep members, whose
    /// sweep writes one experiment for all).
    pub write_experiment: bool,
}

/// Logging periods in steps (`0` turns a kind off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanEvery {
    pub scalars: u64,
    pub histograms: u64,
    pub images: u64,
}

impl PlanEvery {
    /// Nothing logged during training (the run still writes its graph, config,
    /// hparams session and final values).
    pub const NONE: PlanEvery = PlanEvery {
        scalars: 0,
        histograms: 0,
        images: 0,
    };
}

impl Default for PlanEvery {
    fn default() -> Self {
        PlanEvery {
            scalars: 1,
            histograms: 100,
            images: 1000,
        }
    }
}

impl TrainConfig {
    /// The lesson's set-up: depth 11, width 5, sigmoid, uniform init, SGD, lr 0.1,
    /// 10,001 full-batch steps on XOR.
    pub fn lesson(logdir: impl Into<PathBuf>) -> Self {
        TrainConfig {
            depth: 11,
            width: 5,
            act: Activation::Sigmoid,
            init: Init::Uniform,
            optimizer: OptimizerKind::Sgd,
            lr: 0.1,
            steps: 10_001,
            seed: DEFAULT_SEED,
            dataset: DatasetSpec::Xor,
            batch: None,
            logdir: logdir.into(),
            plan_every: PlanEvery::default(),
            flush_interval: Duration::from_secs(2),
            overwrite: false,
            write_experiment: true,
        }
    }

    /// The hparams of this run, as the HParams tab lists them.
    pub fn hparams(&self) -> Vec<(&'static str, HParamValue)> {
        vec![
            ("act", HParamValue::Str(self.act.name().to_string())),
            ("depth", HParamValue::Num(self.depth as f64)),
            ("width", HParamValue::Num(self.width as f64)),
            ("init", HParamValue::Str(self.init.name().to_string())),
            (
                "optimizer",
                HParamValue::Str(self.optimizer.name().to_string()),
            ),
            ("lr", HParamValue::Num(f64::from(self.lr))),
            ("steps", HParamValue::Num(self.steps as f64)),
            ("seed", HParamValue::Num(self.seed as f64)),
            ("dataset", HParamValue::Str(self.dataset.to_string())),
        ]
    }

    /// Every setting as a markdown table (the `config` text summary).
    pub fn markdown(&self) -> String {
        let mut md = String::from("| setting | value |\n|---|---|\n");
        let batch = match self.batch {
            Some(b) => b.to_string(),
            None => "full".to_string(),
        };
        let rows: [(&str, String); 15] = [
            ("depth", self.depth.to_string()),
            ("width", self.width.to_string()),
            ("act", self.act.name().to_string()),
            ("init", self.init.name().to_string()),
            ("optimizer", self.optimizer.name().to_string()),
            ("lr", self.lr.to_string()),
            ("steps", self.steps.to_string()),
            ("seed", self.seed.to_string()),
            ("dataset", self.dataset.to_string()),
            ("batch", batch),
            ("log-every", self.plan_every.scalars.to_string()),
            ("hist-every", self.plan_every.histograms.to_string()),
            ("image-every", self.plan_every.images.to_string()),
            ("flush-secs", self.flush_interval.as_secs_f64().to_string()),
            ("logdir", self.logdir.display().to_string()),
        ];
        for (k, v) in rows {
            let _ = writeln!(md, "| {k} | {} |", v.replace('|', "\\|"));
        }
        md
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every step ran.
    Completed,
    /// The cost became NaN, infinite or above [`DIVERGENCE_COST`] at this step;
    /// training stopped there.
    Diverged { step: u64 },
    /// Stopped on request (Ctrl-C) before this step.
    Interrupted { step: u64 },
}

/// One row of the final predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub input: Vec<f32>,
    pub hypothesis: f32,
    pub label: f32,
}

impl Prediction {
    /// The predicted class (`hypothesis > 0.5`).
    pub fn predicted(&self) -> f32 {
        if self.hypothesis > 0.5 {
            1.0
        } else {
            0.0
        }
    }
}

/// What a finished (or stopped) run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub outcome: Outcome,
    /// Steps run.
    pub steps_done: u64,
    /// Cost of the final weights on the whole dataset.
    pub final_cost: f32,
    /// Accuracy of the final weights on the whole dataset.
    pub accuracy: f32,
    /// Up to [`MAX_PREDICTIONS`] rows of the final predictions.
    pub predictions: Vec<Prediction>,
    /// `grad_norm/layer1 / grad_norm/layerN` at step 0.
    pub grad_ratio_start: f32,
    /// The same ratio at the last step run.
    pub grad_ratio_end: f32,
    /// Each layer's gradient norm at step 0 (layer 1 first).
    pub grad_norms_start: Vec<f32>,
    /// First step whose cost was below 0.1.
    pub first_step_below_0_1: Option<u64>,
    /// Training wall time.
    pub elapsed: Duration,
    /// Where the event files are.
    pub logdir: PathBuf,
}

/// Predictions kept in the report and the `predictions` text.
pub const MAX_PREDICTIONS: usize = 20;

/// What can stop a run from starting or logging.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is not usable (the message names the setting).
    #[error("{0}")]
    Config(String),
    /// The model could not be built.
    #[error(transparent)]
    Model(#[from] nn::Error),
    /// Writing a summary failed.
    #[error(transparent)]
    Summary(#[from] summary::Error),
    /// The run directory already holds event files.
    #[error(
        "{} already holds event files of an earlier run; pass --overwrite to replace them, or choose another --logdir",
        path.display()
    )]
    LogdirInUse { path: PathBuf },
    /// Inspecting or cleaning the run directory failed.
    #[error("cannot prepare log directory {}: {source}", path.display())]
    Logdir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Checks the run directory: refuses one holding event files unless `overwrite`, in
/// which case only those files are removed. A missing directory is fine.
pub fn prepare_logdir(path: &Path, overwrite: bool) -> Result<(), Error> {
    let io = |source| Error::Logdir {
        path: path.to_path_buf(),
        source,
    };
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(()),
        Err(e) => return Err(io(e)),
    };
    let mut events = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io)?;
        if entry.file_name().to_string_lossy().contains("tfevents") && entry.path().is_file() {
            events.push(entry.path());
        }
    }
    if events.is_empty() {
        return Ok(());
    }
    if !overwrite {
        return Err(Error::LogdirInUse {
            path: path.to_path_buf(),
        });
    }
    for file in events {
        fs::remove_file(&file).map_err(|source| Error::Logdir { path: file, source })?;
    }
    Ok(())
}

/// Progress as a run goes: called after every step.
pub trait Progress {
    fn step(&mut self, step: u64, cost: f32);
}

impl Progress for () {
    fn step(&mut self, _: u64, _: f32) {}
}

/// Trains one network on `data` as `config` says, logging into `config.logdir`.
///
/// `stop` is polled before every step: when it turns true the run stops, flushes and
/// closes its log, and reports [`Outcome::Interrupted`]. A non-finite cost stops it the
/// same way with [`Outcome::Diverged`]. Both end the hparams session as a failure.
pub fn train(
    config: &TrainConfig,
    data: &Dataset,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
) -> Result<RunReport, Error> {
    validate(config, data)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut mlp = Mlp::new(
        &MlpConfig {
            inputs: data.features(),
            width: config.width,
            depth: config.depth,
            hidden: config.act,
            init: config.init,
        },
        &mut rng,
    )?;
    let batch = config.batch.unwrap_or(data.len()).min(data.len());
    let full_batch = batch == data.len();
    let mut ws = Workspace::new(&mlp, batch)?;
    let mut opt = Optimizer::new(config.optimizer, &mlp);
    let plan = LogPlan {
        scalars_every: config.plan_every.scalars,
        hist_every: config.plan_every.histograms,
        image_every: config.plan_every.images,
        last_step: config.steps.saturating_sub(1),
    };

    prepare_logdir(&config.logdir, config.overwrite)?;
    let options = WriterOptions {
        flush_interval: config.flush_interval,
        ..Default::default()
    };
    let mut log = RunLog::start(config, data, &mlp, batch, options)?;

    // Minibatch buffers, made once.
    let mut xb = Array2::<f32>::zeros((batch, data.features()));
    let mut yb = Array1::<f32>::zeros(batch);
    let mut order: Vec<usize> = (0..data.len()).collect();

    let start = Instant::now();
    let mut outcome = Outcome::Completed;
    let mut steps_done = 0;
    let mut first_below = None;
    let mut grad_norms_start = Vec::new();
    let mut ratio_end = f32::NAN;
    let depth = mlp.depth();
    for step in 0..config.steps {
        if stop.load(Ordering::Relaxed) {
            outcome = Outcome::Interrupted { step };
            break;
        }
        if plan.histograms(step) {
            log.parameters(&mlp, step)?;
        }
        let (x, y) = if full_batch {
            (data.x.view(), data.y.view())
        } else {
            sample_batch(data, &mut order, &mut rng, &mut xb, &mut yb);
            (xb.view(), yb.view())
        };
        let cost = ws.step(&mut mlp, &mut opt, x, y, config.lr)?;
        steps_done = step + 1;
        if step == 0 {
            grad_norms_start = (0..depth).map(|k| grad_norm(&ws, k)).collect();
        }
        if !cost.is_finite() || cost > DIVERGENCE_COST {
            outcome = Outcome::Diverged { step };
            break;
        }
        if first_below.is_none() && cost < 0.1 {
            first_below = Some(step);
        }
        if plan.scalars(step) {
            log.scalars(&ws, cost, depth, step)?;
        }
        if plan.histograms(step) {
            log.internals(&ws, depth, step)?;
        }
        if plan.image(step) {
            log.boundary(&mlp, data, step)?;
        }
        if step + 1 == config.steps || outcome != Outcome::Completed {
            ratio_end = ratio(grad_norm(&ws, 0), grad_norm(&ws, depth - 1));
        }
        progress.step(step, cost);
    }
    if ratio_end.is_nan() && depth > 0 {
        ratio_end = ratio(grad_norm(&ws, 0), grad_norm(&ws, depth - 1));
    }
    let elapsed = start.elapsed();

    // The final weights on the whole dataset, through the same (stable, from-logit)
    // cost as training; a full-batch run's workspace already has the right size.
    let mut eval = if full_batch {
        ws
    } else {
        Workspace::new(&mlp, data.len())?
    };
    let final_cost = eval.forward(&mlp, data.x.view(), data.y.view())?;
    let accuracy = eval.accuracy();
    let probs = eval.output();
    let predictions: Vec<Prediction> = data
        .x
        .axis_iter(Axis(0))
        .zip(probs.iter().zip(data.y.iter()))
        .take(MAX_PREDICTIONS)
        .map(|(row, (&h, &l))| Prediction {
            input: row.to_vec(),
            hypothesis: h,
            label: l,
        })
        .collect();
    if outcome == Outcome::Completed && plan.image_every > 0 && !plan.image(plan.last_step) {
        log.boundary(&mlp, data, plan.last_step)?;
    }
    log.finish(
        &predictions,
        final_cost,
        accuracy,
        steps_done,
        first_below,
        outcome,
    )?;

    Ok(RunReport {
        outcome,
        steps_done,
        final_cost,
        accuracy,
        predictions,
        grad_ratio_start: ratio(
            grad_norms_start.first().copied().unwrap_or(f32::NAN),
            grad_norms_start.last().copied().unwrap_or(f32::NAN),
        ),
        grad_ratio_end: ratio_end,
        grad_norms_start,
        first_step_below_0_1: first_below,
        elapsed,
        logdir: config.logdir.clone(),
    })
}

fn validate(config: &TrainConfig, data: &Dataset) -> Result<(), Error> {
    if config.depth == 0 {
        return Err(Error::Config("--depth must be at least 1".into()));
    }
    if config.width == 0 {
        return Err(Error::Config("--width must be at least 1".into()));
    }
    if config.steps == 0 {
        return Err(Error::Config("--steps must be at least 1".into()));
    }
    if !(config.lr.is_finite() && config.lr > 0.0) {
        return Err(Error::Config(format!(
            "--lr must be a positive finite number, not {}",
            config.lr
        )));
    }
    if config.batch == Some(0) {
        return Err(Error::Config("--batch must be at least 1".into()));
    }
    if data.is_empty() {
        return Err(Error::Config("the dataset has no rows".into()));
    }
    let batch = config.batch.unwrap_or(data.len()).min(data.len());
    limits::check_size(data.features(), config.width, config.depth, batch).map_err(Error::Config)
}

fn ratio(a: f32, b: f32) -> f32 {
    a / b
}

/// Fills `xb`/`yb` with a random batch (a partial Fisher-Yates shuffle of `order`).
fn sample_batch(
    data: &Dataset,
    order: &mut [usize],
    rng: &mut ChaCha8Rng,
    xb: &mut Array2<f32>,
    yb: &mut Array1<f32>,
) {
    use rand::Rng;
    let n = order.len();
    for i in 0..yb.len() {
        let j = rng.random_range(i..n);
        order.swap(i, j);
        let src = order[i];
        xb.row_mut(i).assign(&data.x.row(src));
        yb[i] = data.y[src];
    }
}

/// The hparams experiment of a single run: every hparam typed by its value, no fixed
/// domain (so several runs' experiments agree), and the `cost` and `accuracy` metrics.
///
/// The type matters to the HParams tab: a number typed `FLOAT64` gets an interval filter
/// and a numeric axis; an untyped one gets no filter and is plotted as a category.
pub fn experiment_for(hparams: &[(&str, HParamValue)]) -> ExperimentSpec {
    ExperimentSpec {
        hparams: hparams
            .iter()
            .map(|(name, value)| HParamSpec {
                name: name.to_string(),
                domain: HParamDomain::Any(value.kind()),
            })
            .collect(),
        metrics: METRIC_TAGS.iter().map(|s| s.to_string()).collect(),
    }
}

/// TensorFlow's op name for an activation, shown in the Graphs tab.
pub fn op_name(act: Activation) -> &'static str {
    match act {
        Activation::Sigmoid => "Sigmoid",
        Activation::Relu => "Relu",
        Activation::LeakyRelu { .. } => "LeakyRelu",
        Activation::Tanh => "Tanh",
        Activation::Elu => "Elu",
        Activation::Selu => "Selu",
        Activation::Gelu => "Gelu",
        Activation::Swish => "Swish",
        Activation::Maxout { .. } => "Maxout",
    }
}

/// Layer `k`'s gradient norm after the last step (NaN if there is no such layer).
///
/// Logged for every layer at every step, so it sums in eight independent lanes rather
/// than one dependent chain (a third of the time of `Workspace::grad_norm`'s fold).
pub(crate) fn grad_norm(ws: &Workspace, k: usize) -> f32 {
    match ws.weight_grads(k) {
        Some(g) => match g.as_slice() {
            Some(values) => sum_of_squares(values).sqrt(),
            None => ws.grad_norm(k).unwrap_or(f32::NAN),
        },
        None => f32::NAN,
    }
}

/// `sum(v^2)` over `values`, in eight lanes added at the end.
fn sum_of_squares(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (acc, &v) in lanes.iter_mut().zip(chunk) {
            *acc += v * v;
        }
    }
    for (acc, &v) in lanes.iter_mut().zip(tail) {
        *acc += v * v;
    }
    lanes.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::hparams::HParamKind;

    #[test]
    fn experiment_types_every_hparam_by_its_value() {
        let config = TrainConfig::lesson("unused");
        let spec = experiment_for(&config.hparams());
        let got: Vec<(&str, HParamDomain)> = spec
            .hparams
            .iter()
            .map(|h| (h.name.as_str(), h.domain.clone()))
            .collect();
        let (s, n) = (
            HParamDomain::Any(HParamKind::Str),
            HParamDomain::Any(HParamKind::Num),
        );
        assert_eq!(
            got,
            [
                ("act", s.clone()),
                ("depth", n.clone()),
                ("width", n.clone()),
                ("init", s.clone()),
                ("optimizer", s.clone()),
                ("lr", n.clone()),
                ("steps", n.clone()),
                ("seed", n),
                ("dataset", s),
            ]
        );
        assert_eq!(spec.metrics, ["cost", "accuracy"]);
    }

    #[test]
    fn sum_of_squares_covers_lanes_and_tail() {
        let values: Vec<f32> = (1..=11).map(|v| v as f32).collect();
        assert_eq!(sum_of_squares(&values), 506.0);
        assert_eq!(sum_of_squares(&values[..8]), 204.0);
        assert_eq!(sum_of_squares(&[3.0]), 9.0);
        assert_eq!(sum_of_squares(&[]), 0.0);
    }

    #[test]
    fn grad_norm_agrees_with_the_workspace() {
        let data = crate::data::xor();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mlp_config = MlpConfig {
            inputs: 2,
            width: 5,
            depth: 11,
            hidden: Activation::Relu,
            init: Init::Uniform,
        };
        let mut mlp = Mlp::new(&mlp_config, &mut rng).unwrap();
        let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        ws.step(&mut mlp, &mut opt, data.x.view(), data.y.view(), 0.1)
            .unwrap();
        for k in 0..11 {
            let ours = grad_norm(&ws, k);
            let theirs = ws.grad_norm(k).unwrap();
            assert!(
                (ours - theirs).abs() <= 1e-6 * theirs,
                "layer {k}: {ours} vs {theirs}"
            );
        }
        assert!(grad_norm(&ws, 11).is_nan());
    }
}
