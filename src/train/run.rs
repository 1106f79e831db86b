//! The training loop: build the network, run gradient descent for the configured number
//! of steps (or epochs), evaluate the test set and log what the [`LogPlan`] says at
//! each step, and report how it ended.
//!
//! The step itself allocates nothing; logging reads the model's buffers in place.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::batches::Batches;
use super::config::TEST_RUN;
use super::diagnosis::FirstStep;
use super::embedding::last_hidden_layer;
use super::evaluate::{Evaluation, Evaluator};
use super::log::RunLog;
use super::logdir::{claim, RunDir};
use super::plan::LogPlan;
use super::{
    divergence_limit, Error, Outcome, Prediction, Progress, RunReport, TestScore, TrainConfig,
    DIVERGENCE_COST, FIRST_COST_LIMIT,
};
use crate::data::{Dataset, Split};
use crate::events::WriterOptions;
use crate::nn::{Mlp, MlpConfig, Optimizer, Workspace};

/// Trains one network on `data` (its training set; its test set is evaluated as the
/// plan says) as `config` says, logging into `config.logdir` (and the test set's
/// curves into its `test` sub-run).
///
/// `stop` is polled before every step: when it turns true the run stops, flushes and
/// closes its log, and reports [`Outcome::Interrupted`]. A cost that is not finite or
/// above [`divergence_limit`] stops it the same way with [`Outcome::Diverged`]. Both end
/// the hparams session as a failure.
pub fn train(
    config: &TrainConfig,
    data: &Split,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
) -> Result<RunReport, Error> {
    config.validate(&data.shape())?;
    let train_set = &data.train;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mlp = Mlp::new(
        &MlpConfig {
            inputs: train_set.features(),
            width: config.width,
            depth: config.depth,
            hidden: config.activation()?,
            init: config.init,
            classes: train_set.classes(),
        },
        &mut rng,
    )?;
    let batch = config.batch_rows(train_set.len());
    let mut ws = Workspace::new(&mlp, batch)?;
    if let Some(threads) = config.threads {
        ws.set_threads(threads)?;
    }
    if config.dropout > 0.0 {
        // The masks' generator is seeded from the run's own, so one seed gives the same
        // run; runs without dropout draw nothing more from it.
        ws.set_dropout(config.dropout, rng.random())?;
    }
    let opt = Optimizer::new(config.optimizer, &mlp);
    let length = config.length(train_set.len());
    let schedule = match &data.test {
        Some(set) => config.schedule.within_test_budget(
            length.steps().saturating_mul(batch as u64),
            set.len() as u64,
        ),
        None => config.schedule,
    };
    let plan = LogPlan::of(&schedule, length);
    let batches = Batches::new(train_set, batch, length);
    let test = match &data.test {
        Some(set) => Some((set, Evaluator::new(&mlp, set, config.threads)?)),
        None => None,
    };

    let mut dir = claim(&config.logdir, config.overwrite)?;
    let mut test_dir = match test {
        Some(_) => Some(claim(&config.logdir.join(TEST_RUN), config.overwrite)?),
        None => None,
    };
    let built = Built {
        rng,
        mlp,
        ws,
        opt,
        plan,
        batches,
        test,
        steps: length.steps(),
    };
    let result = run(
        config,
        data,
        stop,
        progress,
        (&mut dir, test_dir.as_mut()),
        built,
    );
    if result.is_err() {
        dir.discard_failed();
        if let Some(test_dir) = &test_dir {
            test_dir.discard_failed();
        }
    }
    result
}

/// What is made before the run directory is claimed.
struct Built<'d> {
    rng: ChaCha8Rng,
    mlp: Mlp,
    ws: Workspace,
    opt: Optimizer,
    plan: LogPlan,
    batches: Batches,
    /// The test set and its evaluator.
    test: Option<(&'d Dataset, Evaluator)>,
    /// Steps in all.
    steps: u64,
}

/// The run, in its claimed directories.
fn run(
    config: &TrainConfig,
    data: &Split,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
    (dir, test_dir): (&mut RunDir, Option<&mut RunDir>),
    built: Built<'_>,
) -> Result<RunReport, Error> {
    let Built {
        mut rng,
        mut mlp,
        mut ws,
        mut opt,
        plan,
        mut batches,
        mut test,
        steps,
    } = built;
    let train_set = &data.train;
    let options = WriterOptions {
        flush_interval: config.flush_interval,
        ..Default::default()
    };
    let mut log = RunLog::start(config, data, &mlp, ws.batch(), options)?;
    // The new run has started (its first records are on disk): only now may the files
    // it replaces go.
    log.flush()?;
    dir.started(log.event_file())?;
    if let (Some(test_dir), Some(file)) = (test_dir, log.test_event_file()) {
        test_dir.started(file)?;
    }

    let depth = mlp.depth();
    let start = Instant::now();
    let mut outcome = Outcome::Completed;
    let mut steps_done = 0;
    let mut first_below = None;
    let mut limit = DIVERGENCE_COST;
    let mut grad_norms_start = Vec::new();
    let mut first_step = FirstStep::default();
    for step in 0..steps {
        if stop.load(Ordering::Relaxed) {
            outcome = Outcome::Interrupted { step };
            break;
        }
        if let Some((set, evaluator)) = &mut test {
            if plan.tests(step) {
                let eval = evaluator.run(&mlp, set, plan.test_pictures(step))?;
                log.test(&eval, set, step, plan.test_pictures(step))?;
            }
        }
        if plan.histograms(step) {
            log.parameters(&mlp, step)?;
        }
        let (x, y) = batches.at(step, train_set, &mut rng, ws.threads());
        if step == 0 {
            first_step = FirstStep::weights(&mlp);
        }
        let cost = ws.step(&mut mlp, &mut opt, x, y, config.lr)?;
        steps_done = step + 1;
        if step == 0 {
            grad_norms_start = grad_norms(&ws, depth);
            first_step.observe(&ws, config.lr);
            limit = divergence_limit(cost);
        }
        if !cost.is_finite() || cost > limit || (step == 0 && cost > FIRST_COST_LIMIT) {
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

    // The final weights on the whole training set, through the same (stable,
    // from-logit) cost as training, and on the test set, logged as the test curve's
    // last point with its pictures.
    let mut evaluator = Evaluator::new(&mlp, train_set, config.threads)?;
    let final_train = evaluator.run(&mlp, train_set, false)?;
    let final_test = match &mut test {
        Some((set, evaluator)) => {
            let eval = evaluator.run(&mlp, set, true)?;
            log.test(&eval, set, steps_done, true)?;
            let names = log.class_names();
            if let Some(points) = last_hidden_layer(&mlp, set, names, config.threads)? {
                log.embedding(&points, set, steps_done)?;
            }
            Some(TestScore {
                cost: eval.cost,
                accuracy: eval.accuracy,
            })
        }
        None => None,
    };
    let report = RunReport {
        outcome,
        steps_done,
        final_cost: final_train.cost,
        accuracy: final_train.accuracy,
        test: final_test,
        classes: train_set.classes(),
        predictions: predictions(train_set, &final_train),
        grad_ratio_start: first_over_last(&grad_norms_start),
        grad_ratio_end: first_over_last(&grad_norms_end),
        grad_norms_start,
        grad_norms_end,
        first_step_below_0_1: first_below,
        elapsed,
        logdir: config.logdir.clone(),
        divergence_limit: limit,
    };
    log.finish(&report)?;
    Ok(report)
}

/// The first examples' predictions, from an evaluation of `data`.
fn predictions(data: &Dataset, eval: &Evaluation) -> Vec<Prediction> {
    (0..super::MAX_PREDICTIONS)
        .map_while(|i| {
            let probs = eval.first(i)?;
            let predicted = eval.first_predicted(i)?;
            let hypothesis = match probs {
                [_, one] => *one,
                _ => probs.get(predicted).copied().unwrap_or(f32::NAN),
            };
            Some(Prediction {
                input: data.row(i)?,
                hypothesis,
                predicted,
                label: *data.labels().get(i)? as usize,
            })
        })
        .collect()
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
