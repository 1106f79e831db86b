//! Running many trainings at once: `jobs` threads take runs from one shared queue until
//! it is empty or the stop flag is set.
//!
//! The queue holds the longest runs first (by steps x depth x width², the cost of a
//! step), so that no long run starts last and leaves the other threads idle at the end.
//! A run that fails (bad data, diverged, cannot write) is reported and the others go on.
//! Setting the stop flag (a signal: SIGINT, SIGTERM, SIGHUP) stops the running trainings
//! at their next step (each closes its log and ends its hparams session as a failure) and
//! starts no new one.
//!
//! Each run's matrix products use the machine's cores shared out among the jobs
//! ([`threads_per_run`]): with `--jobs 2` on two cores, each run computes on its own
//! thread and never hands work to the step's helper threads (`nn::pool`), so two runs
//! keep two cores busy, not more.
//!
//! Data that does not depend on the seed (a file: Fashion-MNIST, IDX, CSV) is loaded once
//! and shared by every run that trains on it (`DataCache`); generated sets are drawn
//! per run, from its seed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::data;
use crate::train::{self, Progress, RunReport, TrainConfig};

/// Why one run produced no report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The dataset could not be loaded.
    #[error("cannot load the data: {0}")]
    Data(#[from] data::Error),
    /// The training could not start or could not write its log.
    #[error(transparent)]
    Train(#[from] train::Error),
}

/// What one run ended with.
pub type RunResult = Result<RunReport, RunError>;

/// Progress of a whole batch of runs, called from the worker threads.
pub trait BatchProgress: Sync {
    /// `n` more training steps were done (reported in chunks).
    fn steps(&self, n: u64);
    /// The run of `config` ended.
    fn run_done(&self, config: &TrainConfig, result: &RunResult);
    /// A run counted as `estimated` steps (its `--steps`) trains `actual`: a run of
    /// `--epochs`, whose steps are known once its data is loaded.
    fn recount(&self, estimated: u64, actual: u64) {
        let _ = (estimated, actual);
    }
}

/// No progress reporting.
impl BatchProgress for () {
    fn steps(&self, _: u64) {}
    fn run_done(&self, _: &TrainConfig, _: &RunResult) {}
}

/// Steps are passed on in chunks of this many, so the shared counter is not hammered.
const STEP_CHUNK: u64 = 256;

/// Trains every configuration, `jobs` at a time (at least 1). Returns one entry per
/// configuration, in the same order: `None` for a run not started because `stop` was
/// set first.
pub fn execute(
    configs: &[TrainConfig],
    jobs: usize,
    stop: &AtomicBool,
    progress: &dyn BatchProgress,
) -> Vec<Option<RunResult>> {
    let order = longest_first(configs);
    let next = AtomicUsize::new(0);
    let cache = DataCache::default();
    let results: Mutex<Vec<Option<RunResult>>> = Mutex::new(configs.iter().map(|_| None).collect());
    let jobs = jobs.clamp(1, configs.len().max(1));
    let threads = threads_per_run(jobs);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let Some(config) = configs.get(index) else {
                    break;
                };
                let result = match config.threads {
                    Some(_) => run_one(config, &cache, stop, progress),
                    None => {
                        let config = TrainConfig {
                            threads: Some(threads),
                            ..config.clone()
                        };
                        run_one(&config, &cache, stop, progress)
                    }
                };
                progress.run_done(config, &result);
                // A poisoned lock only means another worker panicked; keep the results.
                let mut guard = results.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(slot) = guard.get_mut(index) {
                    *slot = Some(result);
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The threads each run's matrix products may use when `jobs` runs train at once: the
/// machine's cores shared out (at least 1), so that `--jobs 2` on two cores runs each
/// product on its run's own thread instead of four threads fighting over two cores.
pub fn threads_per_run(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores / jobs.max(1)).max(1)
}

/// The data of a run: its dataset, with its test set (for a CSV, `test_csv`).
pub fn load_data(config: &TrainConfig) -> Result<data::Split, data::Error> {
    data::load_with_test_csv(&config.dataset, config.test_csv.as_deref(), config.seed)
}

/// What names a run's data: the dataset, its test CSV, and the seed for generated sets.
type DataKey = (String, Option<PathBuf>, Option<u64>);

/// Datasets already loaded, by what names them.
#[derive(Default)]
struct DataCache {
    loaded: Mutex<HashMap<DataKey, Arc<data::Split>>>,
}

impl DataCache {
    /// The data of `config`, loaded once per dataset (per seed for generated ones).
    /// Loading happens outside the lock; two runs that ask at once may both load, and
    /// the second copy is dropped.
    fn get(&self, config: &TrainConfig) -> Result<Arc<data::Split>, data::Error> {
        let from_file = matches!(
            config.dataset,
            data::DatasetSpec::Csv(_) | data::DatasetSpec::Idx(_) | data::DatasetSpec::FashionMnist
        );
        let key = (
            config.dataset.to_string(),
            config.test_csv.clone(),
            (!from_file).then_some(config.seed),
        );
        let lock = || self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(data) = lock().get(&key) {
            return Ok(Arc::clone(data));
        }
        let data = Arc::new(load_data(config)?);
        if !from_file {
            // One run per seed: nothing to share.
            return Ok(data);
        }
        Ok(Arc::clone(lock().entry(key).or_insert(data)))
    }
}

/// Loads the run's data (or takes it from `cache`) and trains it.
fn run_one(
    config: &TrainConfig,
    cache: &DataCache,
    stop: &AtomicBool,
    progress: &dyn BatchProgress,
) -> RunResult {
    let data = cache.get(config)?;
    let steps = config.counted_steps(data.train.len());
    if steps != config.steps {
        progress.recount(config.steps, steps);
    }
    let mut chunks = Chunks {
        progress,
        pending: 0,
    };
    let report = train::train(config, &data, stop, &mut chunks);
    progress.steps(chunks.pending);
    Ok(report?)
}

struct Chunks<'a> {
    progress: &'a dyn BatchProgress,
    pending: u64,
}

impl Progress for Chunks<'_> {
    fn step(&mut self, _step: u64, _cost: f32) {
        self.pending += 1;
        if self.pending >= STEP_CHUNK {
            self.progress.steps(self.pending);
            self.pending = 0;
        }
    }
}

/// Indices of `configs`, the most expensive first (ties keep their order).
fn longest_first(configs: &[TrainConfig]) -> Vec<usize> {
    let cost = |c: &TrainConfig| {
        let width = c.width as u128;
        u128::from(c.steps) * c.depth as u128 * width * width
    };
    let mut order: Vec<usize> = (0..configs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(configs.get(i).map_or(0, cost)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Budget;
    use std::sync::atomic::AtomicU64;

    fn config(dir: &std::path::Path, name: &str, depth: usize, steps: u64) -> TrainConfig {
        let mut c = TrainConfig::lesson(dir.join(name));
        c.depth = depth;
        c.steps = steps;
        c.experiment = None;
        c.schedule = Budget::NONE;
        c
    }

    #[test]
    fn the_cores_are_shared_out_among_the_jobs() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(threads_per_run(1), cores);
        assert_eq!(threads_per_run(0), cores);
        assert_eq!(threads_per_run(cores), 1);
        assert_eq!(threads_per_run(cores * 3), 1);
    }

    #[test]
    fn longest_runs_go_first() {
        let d = std::path::Path::new("x");
        let configs = [
            config(d, "a", 2, 100),
            config(d, "b", 11, 100),
            config(d, "c", 2, 1000),
            config(d, "d", 2, 100),
        ];
        assert_eq!(longest_first(&configs), [2, 1, 0, 3]);
    }

    struct Count(AtomicU64, AtomicU64);
    impl BatchProgress for Count {
        fn steps(&self, n: u64) {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
        fn run_done(&self, _: &TrainConfig, _: &RunResult) {
            self.1.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn every_run_is_done_once_in_parallel() {
        let dir = tempfile::tempdir().unwrap();
        let configs: Vec<_> = (0..5)
            .map(|i| config(dir.path(), &format!("r{i}"), 2 + i, 300))
            .collect();
        let count = Count(AtomicU64::new(0), AtomicU64::new(0));
        let results = execute(&configs, 2, &AtomicBool::new(false), &count);
        assert_eq!(results.len(), 5);
        for (i, r) in results.iter().enumerate() {
            let report = r.as_ref().unwrap().as_ref().unwrap();
            assert_eq!(report.steps_done, 300);
            assert_eq!(report.logdir, dir.path().join(format!("r{i}")));
        }
        assert_eq!(count.0.load(Ordering::Relaxed), 1500);
        assert_eq!(count.1.load(Ordering::Relaxed), 5);
    }

    /// Steps, and each recount, as reported.
    struct Recounts(AtomicU64, std::sync::Mutex<Vec<(u64, u64)>>);
    impl BatchProgress for Recounts {
        fn steps(&self, n: u64) {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
        fn run_done(&self, _: &TrainConfig, _: &RunResult) {}
        fn recount(&self, estimated: u64, actual: u64) {
            self.1.lock().unwrap().push((estimated, actual));
        }
    }

    #[test]
    fn a_run_of_epochs_is_recounted_once_its_data_is_loaded() {
        // XOR's 4 rows in full batches: one step an epoch, so 7 epochs are 7 steps, not
        // the 100 of `--steps` that the bar counted before the data was loaded.
        let dir = tempfile::tempdir().unwrap();
        let mut epochs = config(dir.path(), "epochs", 2, 100);
        epochs.epochs = Some(7);
        let configs = vec![epochs, config(dir.path(), "steps", 2, 30)];
        let seen = Recounts(AtomicU64::new(0), std::sync::Mutex::new(Vec::new()));
        let results = execute(&configs, 1, &AtomicBool::new(false), &seen);
        assert_eq!(results[0].as_ref().unwrap().as_ref().unwrap().steps_done, 7);
        assert_eq!(*seen.1.lock().unwrap(), [(100, 7)]);
        assert_eq!(seen.0.load(Ordering::Relaxed), 37);
    }

    #[test]
    fn a_set_stop_flag_starts_nothing_and_a_bad_run_does_not_stop_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let configs = vec![
            config(dir.path(), "a", 2, 10),
            config(dir.path(), "b", 2, 10),
        ];
        let results = execute(&configs, 2, &AtomicBool::new(true), &());
        assert!(results.iter().all(Option::is_none));

        let mut bad = config(dir.path(), "bad", 2, 10);
        bad.dataset = crate::data::DatasetSpec::Csv(dir.path().join("missing.csv"));
        let configs = vec![bad, config(dir.path(), "good", 2, 10)];
        let results = execute(&configs, 1, &AtomicBool::new(false), &());
        let err = results[0]
            .as_ref()
            .unwrap()
            .as_ref()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot load the data: cannot read "),
            "{err}"
        );
        assert_eq!(
            results[1].as_ref().unwrap().as_ref().unwrap().steps_done,
            10
        );
    }
}
