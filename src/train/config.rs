//! What defines one training run: [`TrainConfig`], its defaults (the lesson's set-up,
//! [`TrainConfig::lesson`], the one place defaults live), its checks, and how it is
//! shown (the hparams of its session, the `config` text).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::limits;
use super::plan::{Budget, Length, Schedule};
use super::settings::Setting;
use crate::data::{self, DatasetSpec};
use crate::nn::{self, Activation, ActivationKind, ActivationParams, Init, OptimizerKind};
use crate::summary::hparams::{ExperimentSpec, HParamDomain, HParamSpec, HParamValue, MetricSpec};

/// The seed used when none is given: fixed, so that a run is reproducible by default.
pub const DEFAULT_SEED: u64 = 1;

/// The longest time logged data waits before it reaches the file, by default.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(2);

/// The scalar tags a run writes besides `grad_norm/layer*`, and the metrics of its
/// hparams session.
pub const METRIC_TAGS: [&str; 2] = [super::tags::COST, super::tags::ACCURACY];

/// Everything that defines one training run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Number of weight layers (11 = 10 hidden layers and the output layer).
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// Activation of the hidden layers (the output is always a sigmoid).
    pub act: ActivationKind,
    /// Slope of leaky ReLU for negative inputs (used when `act` is leaky ReLU).
    pub leaky_slope: f32,
    /// Affine pieces per maxout unit (used when `act` is maxout).
    pub maxout_pieces: usize,
    /// Weight initialisation.
    pub init: Init,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Learning rate.
    pub lr: f32,
    /// Number of training steps (steps `0 ..= steps - 1`), each on a batch drawn at
    /// random; used when `epochs` is `None`.
    pub steps: u64,
    /// Passes over the training set in shuffled mini-batches, instead of `steps`.
    pub epochs: Option<u64>,
    /// Probability of dropping a hidden unit's output while training (0: none).
    pub dropout: f32,
    /// Seed of every random choice (weights, generated data, batches).
    pub seed: u64,
    /// Training data.
    pub dataset: DatasetSpec,
    /// The held-out test set of a CSV dataset (other datasets bring their own).
    pub test_csv: Option<PathBuf>,
    /// Rows per step; `None` for the full batch.
    pub batch: Option<usize>,
    /// Run directory the event files go to.
    pub logdir: PathBuf,
    /// What to log when.
    pub schedule: Schedule,
    /// Longest time between two flushes of the event file.
    pub flush_interval: Duration,
    /// Remove the event files already in `logdir` instead of refusing to start.
    pub overwrite: bool,
    /// The hparams experiment this run writes: by default [`single_run_experiment`];
    /// a sweep or a comparison gives all its runs the same one, whose domains hold
    /// every value its runs take (TensorBoard uses the first experiment it finds). Shared,
    /// not copied: a sweep's runs all point to one.
    pub experiment: Option<Arc<ExperimentSpec>>,
    /// Threads for the network's matrix products (`None`: every core). Not a setting:
    /// it changes how fast a run goes, not what it computes; a sweep running several
    /// trainings at once gives each its share of the cores.
    pub threads: Option<usize>,
    /// The HParams group of this run's session (runs of one configuration that differ
    /// only by seed share one, so the HParams tab shows one row over their seeds);
    /// `None` for a group of its own.
    pub hparams_group: Option<String>,
}

/// A setting whose value cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A value outside its range (e.g. a depth of 0).
    #[error("{setting} {problem}")]
    Invalid {
        setting: Setting,
        problem: &'static str,
    },
    /// A network that would not fit in memory (see [`limits`]).
    #[error(
        "a network of width {width} and depth {depth} on {inputs} input features, trained \
         on batches of {batch} of {rows} rows, needs about {needed} numbers in memory, more \
         than the limit of {limit} (1 GiB)"
    )]
    TooLarge {
        width: usize,
        depth: usize,
        inputs: usize,
        batch: usize,
        rows: usize,
        needed: u128,
        limit: u64,
    },
}

impl TrainConfig {
    /// The lesson's set-up: depth 11, width 5, sigmoid, uniform init, SGD, lr 0.1,
    /// 10,001 full-batch steps on XOR, logged as TensorBoard's default view shows in
    /// full ([`Budget::LESSON`]).
    pub fn lesson(logdir: impl Into<PathBuf>) -> Self {
        TrainConfig {
            experiment: Some(Arc::new(single_run_experiment())),
            ..Self::lesson_without_experiment(logdir.into())
        }
    }

    /// [`TrainConfig::lesson`] with no experiment (what [`single_run_experiment`] reads
    /// the settings' kinds from).
    fn lesson_without_experiment(logdir: PathBuf) -> Self {
        TrainConfig {
            depth: 11,
            width: 5,
            act: ActivationKind::Sigmoid,
            // The lecture's leaky ReLU, max(0.1x, x); PyTorch defaults to 0.01 and
            // TensorFlow's tf.nn.leaky_relu to 0.2 (at depth 11, 0.1 learns XOR in 20 of
            // 20 seeds, 0.01 in 14).
            leaky_slope: 0.1,
            maxout_pieces: 2,
            init: Init::Uniform,
            optimizer: OptimizerKind::Sgd,
            lr: 0.1,
            steps: 10_001,
            epochs: None,
            dropout: 0.0,
            seed: DEFAULT_SEED,
            dataset: DatasetSpec::Xor,
            test_csv: None,
            batch: None,
            logdir,
            schedule: Budget::LESSON,
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            overwrite: false,
            experiment: None,
            threads: None,
            hparams_group: None,
        }
    }

    /// Checks the settings a run needs before anything is made: sizes of at least 1, a
    /// positive finite learning rate, a dropout rate in [0, 1), a test file only for a
    /// CSV dataset, a number of steps that fits, and a network that fits in memory for
    /// data of `shape`.
    pub fn validate(&self, shape: &data::Shape) -> Result<(), ConfigError> {
        let invalid = |setting, problem| Err(ConfigError::Invalid { setting, problem });
        if self.depth == 0 {
            return invalid(Setting::Depth, "must be at least 1");
        }
        if self.width == 0 {
            return invalid(Setting::Width, "must be at least 1");
        }
        if self.steps == 0 {
            return invalid(Setting::Steps, "must be at least 1");
        }
        if self.epochs == Some(0) {
            return invalid(Setting::Epochs, "must be at least 1");
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return invalid(Setting::Lr, "must be a positive finite number");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return invalid(Setting::Dropout, "must be at least 0 and below 1");
        }
        if !self.leaky_slope.is_finite() {
            return invalid(Setting::LeakySlope, "must be a finite number");
        }
        if self.maxout_pieces < 2 {
            return invalid(Setting::MaxoutPieces, "must be at least 2");
        }
        if self.batch == Some(0) {
            return invalid(Setting::Batch, "must be at least 1");
        }
        if self.test_csv.is_some() && !self.dataset.is_csv() {
            return invalid(
                Setting::TestCsv,
                "is only for a csv: dataset (the others bring their own test set)",
            );
        }
        if self.total_steps(shape.rows).is_none() {
            return invalid(Setting::Epochs, "make more steps than can be counted");
        }
        let batch = self.batch_rows(shape.rows);
        let needed = limits::working_floats(&limits::RunShape {
            inputs: shape.features,
            width: self.width,
            depth: self.depth,
            pieces: self.activation_pieces(),
            outputs: output_units(shape.classes),
            batch,
            rows: shape.rows.saturating_add(shape.test_rows),
        });
        if needed > u128::from(limits::MAX_WORKING_FLOATS) {
            return Err(ConfigError::TooLarge {
                width: self.width,
                depth: self.depth,
                inputs: shape.features,
                batch,
                rows: shape.rows,
                needed,
                limit: limits::MAX_WORKING_FLOATS,
            });
        }
        Ok(())
    }

    /// Training steps on a training set of `rows` rows: `steps`, or `epochs` times the
    /// steps of one epoch (`None` if that overflows).
    pub fn total_steps(&self, rows: usize) -> Option<u64> {
        match self.epochs {
            None => Some(self.steps),
            Some(epochs) => epochs.checked_mul(self.steps_per_epoch(rows)),
        }
    }

    /// The steps a progress display counts for a training set of `rows` rows:
    /// [`total_steps`](Self::total_steps), or `steps` where that overflows (which
    /// `validate` refuses before any training).
    pub fn counted_steps(&self, rows: usize) -> u64 {
        self.total_steps(rows).unwrap_or(self.steps)
    }

    /// How the run is counted on a training set of `rows` rows.
    pub fn length(&self, rows: usize) -> Length {
        match self.epochs {
            None => Length::Steps(self.steps),
            Some(epochs) => Length::Epochs {
                epochs,
                steps_per_epoch: self.steps_per_epoch(rows),
            },
        }
    }

    /// Steps of one epoch: the whole batches in `rows` rows (at least one; the rows
    /// left over are left out of that epoch, a different few each epoch).
    pub fn steps_per_epoch(&self, rows: usize) -> u64 {
        (rows / self.batch_rows(rows).max(1)).max(1) as u64
    }

    /// The hidden activation with its parameters.
    pub fn activation(&self) -> Result<Activation, nn::Error> {
        Activation::new(
            self.act,
            ActivationParams {
                leaky_slope: self.leaky_slope,
                maxout_pieces: self.maxout_pieces,
            },
        )
    }

    /// Pieces per hidden unit: [`TrainConfig::maxout_pieces`] for maxout, else 1.
    pub fn activation_pieces(&self) -> usize {
        if self.act == ActivationKind::Maxout {
            self.maxout_pieces
        } else {
            1
        }
    }

    /// Rows per step on a dataset of `rows` rows.
    pub fn batch_rows(&self, rows: usize) -> usize {
        self.batch.unwrap_or(rows).min(rows)
    }

    /// The hparams of this run's session: every setting that matters for it (see
    /// [`Setting::matters`]), in [`Setting::ALL`] order.
    pub fn hparams(&self) -> Vec<(&'static str, HParamValue)> {
        Setting::ALL
            .into_iter()
            .filter(|s| s.matters(self))
            .map(|s| (s.key(), s.get(self).hparam()))
            .collect()
    }

    /// Every setting as a markdown table (the `config` text summary).
    pub fn markdown(&self) -> String {
        let mut rows: Vec<(&str, String)> = Setting::ALL
            .into_iter()
            .filter(|s| s.matters(self))
            .map(|s| (s.key(), s.get(self).to_string()))
            .collect();
        rows.extend([
            ("scalars", self.schedule.scalars.to_string()),
            ("histograms", self.schedule.histograms.to_string()),
            ("images", self.schedule.images.to_string()),
            ("flush interval", format!("{:?}", self.flush_interval)),
            ("logdir", self.logdir.display().to_string()),
        ]);
        let mut md = String::from("| setting | value |\n|---|---|\n");
        for (k, v) in rows {
            let _ = writeln!(md, "| {k} | {} |", v.replace('|', "\\|"));
        }
        md
    }
}

/// Units of the output layer for `classes` classes: one sigmoid unit for two, one
/// softmax unit per class for more.
pub fn output_units(classes: usize) -> usize {
    if classes <= 2 {
        1
    } else {
        classes
    }
}

/// The hparams experiment of a run on its own: every setting, typed by its kind, with no
/// fixed domain (so that several such runs' experiments agree: TensorBoard uses the
/// first it finds), and the [`METRIC_TAGS`] metrics.
///
/// The type matters to the HParams tab: a number typed `FLOAT64` gets an interval filter
/// and a numeric axis; an untyped one gets no filter and is plotted as a category.
pub fn single_run_experiment() -> ExperimentSpec {
    ExperimentSpec {
        hparams: Setting::ALL
            .into_iter()
            .map(|s| HParamSpec {
                name: s.key().to_string(),
                domain: HParamDomain::Any(s.hparam_kind()),
                differs: false,
            })
            .collect(),
        metrics: metrics(false),
    }
}

/// The sub-run of a run that holds its test set's curves: `<logdir>/test`, with the
/// same tags as the run's own training curves, so TensorBoard draws both on one card.
pub const TEST_RUN: &str = "test";

/// The HParams metrics of a run: [`METRIC_TAGS`] of its training curves and, with a test
/// set, of its [`TEST_RUN`] sub-run.
pub fn metrics(with_test: bool) -> Vec<MetricSpec> {
    let groups: &[&str] = if with_test { &["", TEST_RUN] } else { &[""] };
    groups
        .iter()
        .flat_map(|group| {
            METRIC_TAGS
                .iter()
                .map(|tag| MetricSpec::in_group(group, tag))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::hparams::HParamKind;

    #[test]
    fn experiment_types_every_setting_by_its_value() {
        let spec = single_run_experiment();
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
                ("epochs", n.clone()),
                ("batch", s.clone()),
                ("dropout", n.clone()),
                ("leaky-slope", n.clone()),
                ("maxout-pieces", n.clone()),
                ("dataset", s.clone()),
                ("test-csv", s),
                ("seed", n),
            ]
        );
        assert_eq!(spec.metrics, metrics(false));
        let tags = |with_test| -> Vec<(String, String)> {
            metrics(with_test)
                .into_iter()
                .map(|m| (m.group, m.tag))
                .collect()
        };
        assert_eq!(
            tags(true),
            [
                (String::new(), "cost".to_string()),
                (String::new(), "accuracy".to_string()),
                ("test".to_string(), "cost".to_string()),
                ("test".to_string(), "accuracy".to_string()),
            ]
        );
    }

    #[test]
    fn validation_names_the_setting() {
        let xor = data::Shape {
            rows: 4,
            test_rows: 0,
            features: 2,
            classes: 2,
        };
        let ok = TrainConfig::lesson("x");
        assert_eq!(ok.validate(&xor), Ok(()));
        let mut c = ok.clone();
        c.depth = 0;
        assert_eq!(
            c.validate(&xor).unwrap_err().to_string(),
            "depth must be at least 1"
        );
        let mut c = ok.clone();
        c.lr = f32::NAN;
        assert_eq!(
            c.validate(&xor).unwrap_err().to_string(),
            "lr must be a positive finite number"
        );
        let mut c = ok;
        c.width = 1_000_000_000;
        let e = c.validate(&xor).unwrap_err().to_string();
        assert!(
            e.starts_with("a network of width 1000000000 and depth 11"),
            "{e}"
        );
        assert!(!e.contains("--"), "{e}");
    }

    #[test]
    fn hparams_leave_out_what_does_not_matter() {
        let mut c = TrainConfig::lesson("x");
        let keys: Vec<&str> = c.hparams().iter().map(|(k, _)| *k).collect();
        assert!(!keys.contains(&"leaky-slope"));
        c.act = ActivationKind::LeakyRelu;
        let keys: Vec<&str> = c.hparams().iter().map(|(k, _)| *k).collect();
        assert!(keys.contains(&"leaky-slope"));
        assert!(c.hparams().contains(&("lr", HParamValue::Num(0.1))));
    }
}
