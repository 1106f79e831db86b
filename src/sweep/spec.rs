//! What a sweep runs: the settings it varies, their values, and the runs in a stable
//! order with their directory names (see [`super::name`]).
//!
//! Runs are the cartesian product of the value lists, enumerated with the settings in
//! [`Setting::ALL`] order (seed last, so consecutive runs differ by seed first) and each
//! list in the order given. A run's index in that order is what `--shard` selects on, so
//! every machine of a sharded sweep, given the same flags, agrees on who runs what.
//!
//! Run directory names list the varied settings (those with more than one value, and the
//! seed always) as `key=value` pairs joined by `,` in [`Setting::ALL`] order, e.g.
//! `act=relu,depth=11,seed=3`. Values are written as on the command line; any byte
//! outside `A-Z a-z 0-9 . _ + -` is escaped as `%XX` (so `csv:a/b.csv` becomes
//! `csv%3Aa%2Fb.csv`), which keeps names filesystem-safe and parseable
//! ([`super::name::parse_run_name`]). Two runs differ in at least one varied setting, and each value
//! is written in a way that tells different values apart, so names never collide (which
//! is also checked).

use std::collections::HashSet;
use std::fmt;

use super::name::run_name;
use crate::data::DatasetSpec;
use crate::nn::{Activation, Init, OptimizerKind};
use crate::summary::hparams::{ExperimentSpec, HParamDomain, HParamSpec, HParamValue};
use crate::train::{TrainConfig, METRIC_TAGS};

/// Most runs one sweep may have.
pub const MAX_RUNS: usize = 1_000_000;
/// Longest run directory name, in bytes (common file systems allow 255).
pub const MAX_NAME_BYTES: usize = 255;

/// A training setting a sweep can vary, in the order runs are enumerated and named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Setting {
    Act,
    Depth,
    Width,
    Init,
    Optimizer,
    Lr,
    Steps,
    Batch,
    LeakySlope,
    Dataset,
    Seed,
}

impl Setting {
    /// Every setting, in enumeration and naming order.
    pub const ALL: [Setting; 11] = [
        Setting::Act,
        Setting::Depth,
        Setting::Width,
        Setting::Init,
        Setting::Optimizer,
        Setting::Lr,
        Setting::Steps,
        Setting::Batch,
        Setting::LeakySlope,
        Setting::Dataset,
        Setting::Seed,
    ];

    /// The name used in run names, summaries and the hparams (`leaky-slope`, `seed`, ...).
    pub fn key(self) -> &'static str {
        match self {
            Setting::Act => "act",
            Setting::Depth => "depth",
            Setting::Width => "width",
            Setting::Init => "init",
            Setting::Optimizer => "optimizer",
            Setting::Lr => "lr",
            Setting::Steps => "steps",
            Setting::Batch => "batch",
            Setting::LeakySlope => "leaky-slope",
            Setting::Dataset => "dataset",
            Setting::Seed => "seed",
        }
    }

    /// The setting named `key` (see [`Setting::key`]).
    pub fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The command-line flag, for messages.
    pub fn flag(self) -> &'static str {
        match self {
            Setting::Seed => "--seeds",
            Setting::Act => "--act",
            Setting::Depth => "--depth",
            Setting::Width => "--width",
            Setting::Init => "--init",
            Setting::Optimizer => "--optimizer",
            Setting::Lr => "--lr",
            Setting::Steps => "--steps",
            Setting::Batch => "--batch",
            Setting::LeakySlope => "--leaky-slope",
            Setting::Dataset => "--dataset",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One value of one setting.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Act(Activation),
    Depth(usize),
    Width(usize),
    Init(Init),
    Optimizer(OptimizerKind),
    Lr(f32),
    Steps(u64),
    /// Rows per step; `None` for the full batch.
    Batch(Option<usize>),
    LeakySlope(f32),
    Dataset(DatasetSpec),
    Seed(u64),
}

impl Value {
    /// The setting this is a value of.
    pub fn setting(&self) -> Setting {
        match self {
            Value::Act(_) => Setting::Act,
            Value::Depth(_) => Setting::Depth,
            Value::Width(_) => Setting::Width,
            Value::Init(_) => Setting::Init,
            Value::Optimizer(_) => Setting::Optimizer,
            Value::Lr(_) => Setting::Lr,
            Value::Steps(_) => Setting::Steps,
            Value::Batch(_) => Setting::Batch,
            Value::LeakySlope(_) => Setting::LeakySlope,
            Value::Dataset(_) => Setting::Dataset,
            Value::Seed(_) => Setting::Seed,
        }
    }

    /// Sets this value in `config`. A leaky slope changes only a leaky-relu activation.
    pub fn apply(&self, config: &mut TrainConfig) {
        match self {
            Value::Act(a) => config.act = *a,
            Value::Depth(d) => config.depth = *d,
            Value::Width(w) => config.width = *w,
            Value::Init(i) => config.init = *i,
            Value::Optimizer(o) => config.optimizer = *o,
            Value::Lr(lr) => config.lr = *lr,
            Value::Steps(s) => config.steps = *s,
            Value::Batch(b) => config.batch = *b,
            Value::LeakySlope(slope) => {
                if let Activation::LeakyRelu { .. } = config.act {
                    config.act = Activation::LeakyRelu { slope: *slope };
                }
            }
            Value::Dataset(d) => config.dataset = d.clone(),
            Value::Seed(s) => config.seed = *s,
        }
    }
}

impl fmt::Display for Value {
    /// The command-line spelling (`f32` values in their shortest exact form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Act(a) => f.write_str(a.name()),
            Value::Depth(v) | Value::Width(v) => write!(f, "{v}"),
            Value::Init(i) => f.write_str(i.name()),
            Value::Optimizer(o) => f.write_str(o.name()),
            Value::Lr(v) | Value::LeakySlope(v) => write!(f, "{v}"),
            Value::Steps(v) | Value::Seed(v) => write!(f, "{v}"),
            Value::Batch(Some(b)) => write!(f, "{b}"),
            Value::Batch(None) => f.write_str("full"),
            Value::Dataset(d) => write!(f, "{d}"),
        }
    }
}

/// Why a sweep cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("{flag} has no values")]
    Empty { flag: &'static str },
    #[error("{flag} is given twice")]
    Repeated { flag: &'static str },
    #[error("{flag}: '{value}' is listed twice")]
    Duplicate { flag: &'static str, value: String },
    #[error("{flag}: a list holds values of another setting")]
    Mixed { flag: &'static str },
    #[error("the sweep has more than {MAX_RUNS} runs")]
    TooMany,
    #[error("run name '{name}' is longer than {MAX_NAME_BYTES} bytes")]
    NameTooLong { name: String },
    #[error("two runs would share the directory name '{name}'")]
    Collision { name: String },
}

/// The settings of a sweep: a base configuration and, per varied setting, its values.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    base: TrainConfig,
    axes: Vec<Vec<Value>>,
}

/// One run of a sweep.
#[derive(Debug, Clone)]
pub struct Run {
    /// Position in the enumeration order (what `--shard` selects on).
    pub index: usize,
    /// Directory name under the sweep's log directory.
    pub name: String,
    /// The varied settings and the seed, as in the name.
    pub pairs: Vec<(Setting, String)>,
    /// The full configuration; its `logdir` is `<sweep logdir>/<name>`.
    pub config: TrainConfig,
}

impl SweepSpec {
    /// A sweep of `base` over `axes`, each a non-empty list of values of one setting
    /// (at most one list per setting; a setting without a list keeps `base`'s value).
    /// Runs go to `base.logdir/<name>`.
    pub fn new(base: TrainConfig, mut axes: Vec<Vec<Value>>) -> Result<SweepSpec, SpecError> {
        let mut seen = HashSet::new();
        let mut total: usize = 1;
        for axis in &axes {
            let first = axis.first().ok_or(SpecError::Empty { flag: "a list" })?;
            let flag = first.setting().flag();
            if axis.iter().any(|v| v.setting() != first.setting()) {
                return Err(SpecError::Mixed { flag });
            }
            if !seen.insert(first.setting()) {
                return Err(SpecError::Repeated { flag });
            }
            for (i, v) in axis.iter().enumerate() {
                if axis.iter().take(i).any(|w| w == v) {
                    return Err(SpecError::Duplicate {
                        flag,
                        value: v.to_string(),
                    });
                }
            }
            total = total
                .checked_mul(axis.len())
                .filter(|&t| t <= MAX_RUNS)
                .ok_or(SpecError::TooMany)?;
        }
        axes.sort_by_key(|axis| axis.first().map(Value::setting));
        let spec = SweepSpec { base, axes };
        let runs = spec.runs();
        let mut names = HashSet::new();
        for run in &runs {
            if run.name.len() > MAX_NAME_BYTES {
                return Err(SpecError::NameTooLong {
                    name: run.name.clone(),
                });
            }
            if !names.insert(run.name.as_str()) {
                return Err(SpecError::Collision {
                    name: run.name.clone(),
                });
            }
        }
        Ok(spec)
    }

    /// The base configuration (its `logdir` is the sweep's).
    pub fn base(&self) -> &TrainConfig {
        &self.base
    }

    /// The settings that vary (more than one value), in [`Setting::ALL`] order.
    pub fn varied(&self) -> Vec<Setting> {
        self.axes
            .iter()
            .filter(|axis| axis.len() > 1)
            .filter_map(|axis| axis.first().map(Value::setting))
            .collect()
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.axes.iter().map(Vec::len).product()
    }

    /// Whether the sweep has no runs (never, once built).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every run, in enumeration order.
    pub fn runs(&self) -> Vec<Run> {
        let total = self.len();
        let mut runs = Vec::with_capacity(total);
        // Mixed-radix counter over the axes; the last axis moves fastest.
        let mut digits = vec![0usize; self.axes.len()];
        for index in 0..total {
            let mut config = self.base.clone();
            let mut pairs = Vec::new();
            for (axis, &d) in self.axes.iter().zip(&digits) {
                let Some(value) = axis.get(d) else { continue };
                value.apply(&mut config);
                if axis.len() > 1 || value.setting() == Setting::Seed {
                    pairs.push((value.setting(), value.to_string()));
                }
            }
            if !pairs.iter().any(|(s, _)| *s == Setting::Seed) {
                pairs.push((Setting::Seed, config.seed.to_string()));
            }
            let name = run_name(&pairs);
            config.logdir = self.base.logdir.join(&name);
            runs.push(Run {
                index,
                name,
                pairs,
                config,
            });
            for (digit, axis) in digits.iter_mut().zip(&self.axes).rev() {
                *digit += 1;
                if *digit < axis.len() {
                    break;
                }
                *digit = 0;
            }
        }
        runs
    }

    /// The hparams experiment of the whole sweep (see [`experiment_for`]).
    pub fn experiment(&self) -> ExperimentSpec {
        let hparams: Vec<_> = self
            .runs()
            .iter()
            .map(|r| owned_hparams(&r.config))
            .collect();
        experiment_for(&hparams)
    }
}

/// The experiment naming every hparam the runs record, each with the discrete domain of
/// the values they take (one value for a fixed setting), and the `cost` and `accuracy`
/// metrics. Hparams whose values mix kinds are left without a domain.
pub fn experiment_for(runs: &[Vec<(String, HParamValue)>]) -> ExperimentSpec {
    let mut names: Vec<&str> = Vec::new();
    let mut domains: Vec<Vec<HParamValue>> = Vec::new();
    for hparams in runs {
        for (name, value) in hparams {
            let k = match names.iter().position(|n| *n == name.as_str()) {
                Some(k) => k,
                None => {
                    names.push(name.as_str());
                    domains.push(Vec::new());
                    names.len() - 1
                }
            };
            if let Some(domain) = domains.get_mut(k) {
                if !domain.contains(value) {
                    domain.push(value.clone());
                }
            }
        }
    }
    ExperimentSpec {
        hparams: names
            .iter()
            .zip(domains)
            .map(|(name, values)| {
                let one_kind = values
                    .windows(2)
                    .all(|w| std::mem::discriminant(&w[0]) == std::mem::discriminant(&w[1]));
                HParamSpec {
                    name: (*name).to_string(),
                    domain: if one_kind && !values.is_empty() {
                        HParamDomain::Discrete(values)
                    } else {
                        HParamDomain::Unspecified
                    },
                }
            })
            .collect(),
        metrics: METRIC_TAGS.iter().map(|t| (*t).to_string()).collect(),
    }
}

/// `config.hparams()` with owned names (as read back from disk), sorted by
/// [`sort_hparams`].
pub fn owned_hparams(config: &TrainConfig) -> Vec<(String, HParamValue)> {
    let mut hparams: Vec<(String, HParamValue)> = config
        .hparams()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    sort_hparams(&mut hparams);
    hparams
}

/// Sorts hparams in [`Setting::ALL`] order (names that are no setting last, by name), so
/// that what is read back from disk comes in the order a sweep writes.
pub fn sort_hparams(hparams: &mut [(String, HParamValue)]) {
    hparams.sort_by(|(a, _), (b, _)| {
        let rank = |n: &str| Setting::from_key(n).map_or(usize::MAX, |s| s as usize);
        rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn spec(axes: Vec<Vec<Value>>) -> Result<SweepSpec, SpecError> {
        SweepSpec::new(TrainConfig::lesson("sw"), axes)
    }

    #[test]
    fn runs_are_enumerated_and_named_in_a_stable_order() {
        let s = spec(vec![
            vec![Value::Seed(1), Value::Seed(2)],
            vec![Value::Depth(2), Value::Depth(11)],
            vec![Value::Act(Activation::Relu)],
        ])
        .unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(s.varied(), [Setting::Depth, Setting::Seed]);
        let runs = s.runs();
        let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "depth=2,seed=1",
                "depth=2,seed=2",
                "depth=11,seed=1",
                "depth=11,seed=2"
            ]
        );
        let r = &runs[2];
        assert_eq!(r.index, 2);
        assert_eq!((r.config.depth, r.config.seed), (11, 1));
        assert_eq!(r.config.act, Activation::Relu);
        assert_eq!(r.config.logdir, std::path::Path::new("sw/depth=11,seed=1"));
    }

    #[test]
    fn a_single_run_is_named_by_its_seed() {
        let runs = spec(vec![]).unwrap().runs();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].name, "seed=1");
    }

    #[test]
    fn names_never_collide() {
        let s = spec(vec![
            vec![
                Value::Act(Activation::Sigmoid),
                Value::Act(Activation::Relu),
                Value::Act(Activation::LeakyRelu { slope: 0.01 }),
            ],
            vec![Value::Lr(0.1), Value::Lr(0.10000001), Value::Lr(1e6)],
            vec![Value::LeakySlope(0.01), Value::LeakySlope(0.2)],
            vec![Value::Batch(None), Value::Batch(Some(2))],
            (1..=5).map(Value::Seed).collect(),
        ])
        .unwrap();
        let runs = s.runs();
        assert_eq!(runs.len(), 180);
        let names: HashSet<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), 180);
        assert_eq!(
            runs[0].name,
            "act=sigmoid,lr=0.1,batch=full,leaky-slope=0.01,seed=1"
        );
        assert!(names.contains("act=leaky-relu,lr=0.10000001,batch=2,leaky-slope=0.2,seed=5"));
        assert!(names.contains("act=relu,lr=1000000,batch=full,leaky-slope=0.2,seed=4"));
        let leaky = runs
            .iter()
            .find(|r| r.name == "act=leaky-relu,lr=0.1,batch=full,leaky-slope=0.2,seed=1")
            .unwrap();
        assert_eq!(leaky.config.act, Activation::LeakyRelu { slope: 0.2 });
    }

    #[test]
    fn bad_specs_are_refused() {
        assert_eq!(
            spec(vec![vec![Value::Depth(2), Value::Depth(2)]]).unwrap_err(),
            SpecError::Duplicate {
                flag: "--depth",
                value: "2".into()
            }
        );
        assert_eq!(
            spec(vec![vec![Value::Depth(2)], vec![Value::Depth(3)]]).unwrap_err(),
            SpecError::Repeated { flag: "--depth" }
        );
        assert_eq!(
            spec(vec![vec![Value::Depth(2), Value::Width(3)]]).unwrap_err(),
            SpecError::Mixed { flag: "--depth" }
        );
        assert_eq!(
            spec(vec![vec![]]).unwrap_err(),
            SpecError::Empty { flag: "a list" }
        );
        let long = "x".repeat(300);
        assert!(spec(vec![vec![Value::Dataset(DatasetSpec::Csv(long.into()))]]).is_ok());
        let a = "a".repeat(250);
        assert!(matches!(
            spec(vec![vec![
                Value::Dataset(DatasetSpec::Csv(a.clone().into())),
                Value::Dataset(DatasetSpec::Xor)
            ]]),
            Err(SpecError::NameTooLong { .. })
        ));
    }

    #[test]
    fn experiment_domains_cover_every_value() {
        let s = spec(vec![
            vec![
                Value::Act(Activation::Sigmoid),
                Value::Act(Activation::Relu),
            ],
            (1..=3).map(Value::Seed).collect(),
        ])
        .unwrap();
        let e = s.experiment();
        let get = |n: &str| {
            e.hparams
                .iter()
                .find(|h| h.name == n)
                .map(|h| h.domain.clone())
                .unwrap()
        };
        assert_eq!(
            get("act"),
            HParamDomain::Discrete(vec![
                HParamValue::Str("sigmoid".into()),
                HParamValue::Str("relu".into())
            ])
        );
        assert_eq!(
            get("seed"),
            HParamDomain::Discrete(vec![
                HParamValue::Num(1.0),
                HParamValue::Num(2.0),
                HParamValue::Num(3.0)
            ])
        );
        assert_eq!(
            get("depth"),
            HParamDomain::Discrete(vec![HParamValue::Num(11.0)])
        );
        assert_eq!(e.metrics, ["cost", "accuracy"]);
    }
}
