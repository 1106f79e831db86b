//! The training loop: build the network, run gradient descent for the configured number
//! of steps, log what the [`LogPlan`] says at each step, and report how it ended.
//!
//! The step itself allocates nothing; logging reads the model's buffers in place.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ndarray::{Array1, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::diagnosis::FirstStep;
use super::log::RunLog;
use super::logdir::{claim, RunDir};
use super::plan::LogPlan;
use super::{
    Error, Outcome, Prediction, Progress, RunReport, TrainConfig, DIVERGENCE_COST, MAX_PREDICTIONS,
};
use crate::data::Dataset;
use crate::events::WriterOptions;
use crate::nn::{Mlp, MlpConfig, Optimizer, Workspace};

/// Trains one network on `data` as `config` says, logging into `config.logdir`.
///
/// `stop` is polled before every step: when it turns true the run stops, flushes and
/// closes its log, and reports [`Outcome::Interrupted`]. A cost that is not finite or
/// above [`DIVERGENCE_COST`] stops it the same way with [`Outcome::Diverged`]. Both end
/// the hparams session as a failure.
pub fn train(
    config: &TrainConfig,
    data: &Dataset,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
) -> Result<RunReport, Error> {
    config.validate(data.len(), data.features())?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mlp = Mlp::new(
        &MlpConfig {
            inputs: data.features(),
            width: config.width,
            depth: config.depth,
            hidden: config.activation()?,
            init: config.init,
        },
        &mut rng,
    )?;
    let batch = config.batch_rows(data.len());
    let ws = Workspace::new(&mlp, batch)?;
    let opt = Optimizer::new(config.optimizer, &mlp);
    let plan = LogPlan::new(&config.schedule, config.steps);

    let mut dir = claim(&config.logdir, config.overwrite)?;
    let built = Built {
        rng,
        mlp,
        ws,
        opt,
        plan,
        batch,
    };
    let result = run(config, data, stop, progress, &mut dir, built);
    if result.is_err() {
        dir.discard_failed();
    }
    result
}

/// What is made before the run directory is claimed.
struct Built {
    rng: ChaCha8Rng,
    mlp: Mlp,
    ws: Workspace,
    opt: Optimizer,
    plan: LogPlan,
    batch: usize,
}

/// The run, in its claimed directory.
fn run(
    config: &TrainConfig,
    data: &Dataset,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
    dir: &mut RunDir,
    built: Built,
) -> Result<RunReport, Error> {
    let Built {
        mut rng,
        mut mlp,
        mut ws,
        mut opt,
        plan,
        batch,
    } = built;
    let full_batch = batch == data.len();
    let options = WriterOptions {
        flush_interval: config.flush_interval,
        ..Default::default()
    };
    let mut log = RunLog::start(config, data, &mlp, batch, options)?;
    // The new run has started (its first records are on disk): only now may the files
    // it replaces go.
    log.flush()?;
    dir.started(log.event_file())?;

    // Minibatch buffers, made once.
    let mut xb = Array2::<f32>::zeros((batch, data.features()));
    let mut yb = Array1::<f32>::zeros(batch);
    let mut order: Vec<usize> = (0..data.len()).collect();

    let depth = mlp.depth();
    let start = Instant::now();
    let mut outcome = Outcome::Completed;
    let mut steps_done = 0;
    let mut first_below = None;
    let mut grad_norms_start = Vec::new();
    let mut first_step = FirstStep::default();
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
        if step == 0 {
            first_step = FirstStep::weights(&mlp);
        }
        let cost = ws.step(&mut mlp, &mut opt, x, y, config.lr)?;
        steps_done = step + 1;
        if step == 0 {
            grad_norms_start = grad_norms(&ws, depth);
            first_step.observe(&ws, config.lr);
        }
        if !cost.is_finite() || cost > DIVERGENCE_COST {
            let cause = first_step.cause(step);
            outcome = Outcome::Diverged { step, cause };
            break;
        }
        if first_below.is_none() && cost < 0.1 {
            first_below = Some(step);
        }
        if plan.scalars(step) {
            log.scalars(&ws, cost, step)?;
        }
        if plan.histograms(step) {
            log.internals(&ws, step)?;
        }
        if plan.images(step) {
            log.images(&mlp, grad_norms(&ws, depth), &grad_norms_start, step)?;
        }
        progress.step(step, cost);
    }
    let grad_norms_end = grad_norms(&ws, depth);
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
    let predictions: Vec<Prediction> = data
        .x
        .axis_iter(Axis(0))
        .zip(eval.output().iter().zip(data.y.iter()))
        .take(MAX_PREDICTIONS)
        .map(|(row, (&h, &l))| Prediction {
            input: row.to_vec(),
            hypothesis: h,
            label: l,
        })
        .collect();
    let report = RunReport {
        outcome,
        steps_done,
        final_cost,
        accuracy,
        predictions,
        grad_ratio_start: first_over_last(&grad_norms_start),
        grad_ratio_end: first_over_last(&grad_norms_end),
        grad_norms_start,
        grad_norms_end,
        first_step_below_0_1: first_below,
        elapsed,
        logdir: config.logdir.clone(),
    };
    log.finish(&report)?;
    Ok(report)
}

/// Every layer's gradient norm after the last step (layer 1 first).
fn grad_norms(ws: &Workspace, depth: usize) -> Vec<f32> {
    (0..depth)
        .map(|k| ws.grad_norm(k).unwrap_or(f32::NAN))
        .collect()
}

/// `norms[0] / norms[last]` (NaN for no layers).
fn first_over_last(norms: &[f32]) -> f32 {
    match (norms.first(), norms.last()) {
        (Some(first), Some(last)) => first / last,
        _ => f32::NAN,
    }
}

/// Fills `xb`/`yb` with a random batch (a partial Fisher-Yates shuffle of `order`).
fn sample_batch(
    data: &Dataset,
    order: &mut [usize],
    rng: &mut ChaCha8Rng,
    xb: &mut Array2<f32>,
    yb: &mut Array1<f32>,
) {
    let n = order.len();
    for i in 0..yb.len() {
        let j = rng.random_range(i..n);
        order.swap(i, j);
        let src = order[i];
        xb.row_mut(i).assign(&data.x.row(src));
        yb[i] = data.y[src];
    }
}
