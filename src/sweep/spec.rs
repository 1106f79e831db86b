//! What a sweep runs: the settings it varies, their values, and the runs in a stable
//! order with their directory names (see [`super::name`]).
//!
//! Runs are the cartesian product of the value lists, enumerated with the settings in
//! [`Setting::ALL`] order (seed last, so consecutive runs differ by seed first) and each
//! list in the order given. A run's index in that order is what `--shard` selects on, so
//! every machine of a sharded sweep, given the same flags, agrees on who runs what.
//!
//! Run directory names list the varied settings that matter for the run (those with more
//! than one value; the leaky slope only for leaky-relu), and the seed always, as
//! `key=value` pairs joined by `,` in [`Setting::ALL`] order, e.g.
//! `act=relu,depth=11,seed=3`. Two combinations that differ only in a setting that does
//! not matter for them (`--act relu,leaky-relu --leaky-slope 0.1,0.2` gives two identical
//! relu runs) are one run: the later ones are collapsed into the first and counted
//! ([`SweepSpec::collapsed`]). Names are unique otherwise, since each value is written in
//! a way that tells different values apart.

use std::collections::HashSet;

pub use super::experiment::{experiment_for, ExperimentBuilder, MAX_DISCRETE_NUMBERS};
use super::name::run_name;
use crate::summary::hparams::{ExperimentSpec, HParamValue};
use crate::train::{Setting, TrainConfig, Value};

/// Most runs one sweep may have.
pub const MAX_RUNS: usize = 1_000_000;
/// Longest run directory name, in bytes (common file systems allow 255).
pub const MAX_NAME_BYTES: usize = 255;

/// Why a sweep cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("a list of values is empty")]
    EmptyList,
    #[error("{setting} is given twice")]
    Repeated { setting: Setting },
    #[error("{setting}: '{value}' is listed twice")]
    Duplicate { setting: Setting, value: String },
    #[error("{setting}: a list holds values of another setting")]
    Mixed { setting: Setting },
    #[error("the sweep has more than {MAX_RUNS} runs")]
    TooMany,
    #[error("run name '{name}' is longer than {MAX_NAME_BYTES} bytes")]
    NameTooLong { name: String },
    /// A list given for a setting that changes none of the sweep's runs
    /// ([`Setting::matters`]): its values would only name identical runs.
    #[error("{setting} {values} changes no run of the sweep: only {used_by} use it")]
    Unused {
        setting: Setting,
        /// The values given, as the list writes them (`0.1,0.2`).
        values: String,
        /// The runs it would change ([`Setting::used_by`]).
        used_by: &'static str,
    },
}

/// The settings of a sweep: a base configuration, per varied setting its values, and
/// the runs they make.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    base: TrainConfig,
    runs: Vec<Run>,
    collapsed: usize,
    /// Settings whose values some runs do not use (what made the collapsed runs).
    collapsed_over: Vec<Setting>,
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

impl Run {
    /// The run's configuration group: its name without the seed (`act=relu,depth=11`),
    /// or `""` when only the seed varies. Runs that differ only by seed are one
    /// configuration (one row of the summary, one HParams group).
    pub fn group(&self) -> String {
        let pairs: Vec<(Setting, String)> = self
            .pairs
            .iter()
            .filter(|(s, _)| *s != Setting::Seed)
            .cloned()
            .collect();
        run_name(&pairs)
    }
}

impl SweepSpec {
    /// A sweep of `base` over `axes`, each a non-empty list of distinct values of one
    /// setting (at most one list per setting; a setting without a list keeps `base`'s
    /// value). Runs go to `base.logdir/<name>`.
    pub fn new(base: TrainConfig, mut axes: Vec<Vec<Value>>) -> Result<SweepSpec, SpecError> {
        let mut seen = HashSet::new();
        let mut total: usize = 1;
        for axis in &axes {
            let first = axis.first().ok_or(SpecError::EmptyList)?;
            let setting = first.setting();
            if axis.iter().any(|v| v.setting() != setting) {
                return Err(SpecError::Mixed { setting });
            }
            if !seen.insert(setting) {
                return Err(SpecError::Repeated { setting });
            }
            let mut values = HashSet::with_capacity(axis.len());
            for v in axis {
                let text = v.to_string();
                if !values.insert(text.clone()) {
                    return Err(SpecError::Duplicate {
                        setting,
                        value: text,
                    });
                }
            }
            total = total
                .checked_mul(axis.len())
                .filter(|&t| t <= MAX_RUNS)
                .ok_or(SpecError::TooMany)?;
        }
        axes.sort_by_key(|axis| axis.first().map(Value::setting));
        let enumerated = enumerate(&base, &axes, total)?;
        for (axis, used) in axes.iter().zip(&enumerated.used) {
            if let (false, Some(first)) = (used, axis.first()) {
                let setting = first.setting();
                return Err(SpecError::Unused {
                    setting,
                    values: axis
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    used_by: setting.used_by().unwrap_or("some runs"),
                });
            }
        }
        Ok(SweepSpec {
            base,
            runs: enumerated.runs,
            collapsed: enumerated.collapsed,
            collapsed_over: enumerated.collapsed_over,
        })
    }

    /// The settings whose values some runs do not use, so that combinations differing
    /// only in them were one run ([`SweepSpec::collapsed`]).
    pub fn collapsed_over(&self) -> &[Setting] {
        &self.collapsed_over
    }

    /// The base configuration (its `logdir` is the sweep's).
    pub fn base(&self) -> &TrainConfig {
        &self.base
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether the sweep has no runs (never, once built).
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Combinations that were the same run as an earlier one (a setting that does not
    /// matter for them was all that differed).
    pub fn collapsed(&self) -> usize {
        self.collapsed
    }

    /// Every run, in enumeration order.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// Every run, in enumeration order, by value.
    pub fn into_runs(self) -> Vec<Run> {
        self.runs
    }

    /// The hparams experiment of the whole sweep (see [`experiment_for`]), made one run
    /// at a time.
    pub fn experiment(&self) -> ExperimentSpec {
        let mut builder = ExperimentBuilder::new();
        for run in &self.runs {
            let hparams = run.config.hparams();
            builder.add(hparams.iter().map(|(n, v)| (*n, v)));
        }
        builder.finish()
    }
}

/// What [`enumerate`] makes of the lists.
struct Enumerated {
    runs: Vec<Run>,
    /// Combinations collapsed into an identical earlier run.
    collapsed: usize,
    /// Per axis: whether its setting changes any combination.
    used: Vec<bool>,
    /// Settings of several values that some combinations do not use.
    collapsed_over: Vec<Setting>,
}

/// The runs of the cartesian product of `axes` (sorted by setting) over `base`, how many
/// combinations were collapsed into an identical earlier run, and which lists change
/// which runs.
fn enumerate(
    base: &TrainConfig,
    axes: &[Vec<Value>],
    total: usize,
) -> Result<Enumerated, SpecError> {
    let mut runs: Vec<Run> = Vec::with_capacity(total);
    let mut names = HashSet::with_capacity(total);
    let mut collapsed = 0;
    let mut used = vec![false; axes.len()];
    let mut collapsed_over = Vec::new();
    // Mixed-radix counter over the axes; the last axis moves fastest.
    let mut digits = vec![0usize; axes.len()];
    for _ in 0..total {
        let mut config = base.clone();
        for (axis, &d) in axes.iter().zip(&digits) {
            if let Some(value) = axis.get(d) {
                value.apply(&mut config);
            }
        }
        let mut pairs = Vec::new();
        for ((axis, &d), used) in axes.iter().zip(&digits).zip(used.iter_mut()) {
            let Some(value) = axis.get(d) else { continue };
            let setting = value.setting();
            let matters = setting.matters(&config);
            *used |= matters;
            if axis.len() > 1 && !matters && !collapsed_over.contains(&setting) {
                collapsed_over.push(setting);
            }
            if (axis.len() > 1 && matters) || setting == Setting::Seed {
                pairs.push((setting, value.to_string()));
            }
        }
        if !pairs.iter().any(|(s, _)| *s == Setting::Seed) {
            pairs.push((Setting::Seed, config.seed.to_string()));
        }
        let name = run_name(&pairs);
        if name.len() > MAX_NAME_BYTES {
            return Err(SpecError::NameTooLong { name });
        }
        if names.insert(name.clone()) {
            config.logdir = base.logdir.join(&name);
            runs.push(Run {
                index: runs.len(),
                name,
                pairs,
                config,
            });
        } else {
            collapsed += 1;
        }
        for (digit, axis) in digits.iter_mut().zip(axes).rev() {
            *digit += 1;
            if *digit < axis.len() {
                break;
            }
            *digit = 0;
        }
    }
    Ok(Enumerated {
        runs,
        collapsed,
        used,
        collapsed_over,
    })
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
    use crate::data::DatasetSpec;
    use crate::nn::ActivationKind;
    use crate::summary::hparams::HParamDomain;
    use std::collections::HashSet;

    fn spec(axes: Vec<Vec<Value>>) -> Result<SweepSpec, SpecError> {
        SweepSpec::new(TrainConfig::lesson("sw"), axes)
    }

    #[test]
    fn runs_are_enumerated_and_named_in_a_stable_order() {
        let s = spec(vec![
            vec![Value::Seed(1), Value::Seed(2)],
            vec![Value::Depth(2), Value::Depth(11)],
            vec![Value::Act(ActivationKind::Relu)],
        ])
        .unwrap();
        assert_eq!(s.len(), 4);
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
        assert_eq!(r.group(), "depth=11");
        assert_eq!((r.config.depth, r.config.seed), (11, 1));
        assert_eq!(r.config.act, ActivationKind::Relu);
        assert_eq!(r.config.logdir, std::path::Path::new("sw/depth=11,seed=1"));
    }

    #[test]
    fn a_single_run_is_named_by_its_seed() {
        let s = spec(vec![]).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s.runs()[0].name, "seed=1");
        assert_eq!(s.runs()[0].group(), "");
    }

    #[test]
    fn names_never_collide() {
        let s = spec(vec![
            vec![
                Value::Act(ActivationKind::Sigmoid),
                Value::Act(ActivationKind::Relu),
                Value::Act(ActivationKind::LeakyRelu),
            ],
            vec![Value::Lr(0.1), Value::Lr(0.10000001), Value::Lr(1e6)],
            vec![Value::LeakySlope(0.01), Value::LeakySlope(0.2)],
            vec![Value::Batch(None), Value::Batch(Some(2))],
            (1..=5).map(Value::Seed).collect(),
        ])
        .unwrap();
        let runs = s.runs();
        // 3 x 3 x 2 x 2 x 5 = 180 combinations, but sigmoid and relu ignore the slope:
        // each of their 30 runs stands for two combinations.
        assert_eq!(runs.len(), 120);
        assert_eq!(s.collapsed(), 60);
        let names: HashSet<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), 120);
        assert_eq!(runs[0].name, "act=sigmoid,lr=0.1,batch=full,seed=1");
        assert!(names.contains("act=leaky-relu,lr=0.10000001,batch=2,leaky-slope=0.2,seed=5"));
        assert!(names.contains("act=relu,lr=1000000,batch=full,seed=4"));
        let leaky = runs
            .iter()
            .find(|r| r.name == "act=leaky-relu,lr=0.1,batch=full,leaky-slope=0.2,seed=1")
            .unwrap();
        assert_eq!(
            (leaky.config.act, leaky.config.leaky_slope),
            (ActivationKind::LeakyRelu, 0.2)
        );
        assert!(runs.iter().enumerate().all(|(i, r)| r.index == i));
    }

    #[test]
    fn a_list_that_changes_no_run_is_refused() {
        let slopes = vec![Value::LeakySlope(0.1), Value::LeakySlope(0.2)];
        let err = spec(vec![
            vec![Value::Act(ActivationKind::Sigmoid)],
            slopes.clone(),
        ])
        .unwrap_err();
        assert_eq!(
            err,
            SpecError::Unused {
                setting: Setting::LeakySlope,
                values: "0.1,0.2".into(),
                used_by: "runs whose act is leaky-relu"
            }
        );
        assert_eq!(
            err.to_string(),
            "leaky-slope 0.1,0.2 changes no run of the sweep: only runs whose act is \
             leaky-relu use it"
        );
        // One value, or the pieces of maxout: the same rule.
        assert!(matches!(
            spec(vec![vec![Value::LeakySlope(0.3)]]),
            Err(SpecError::Unused {
                setting: Setting::LeakySlope,
                ..
            })
        ));
        assert!(matches!(
            spec(vec![
                vec![Value::Act(ActivationKind::Relu)],
                vec![Value::MaxoutPieces(2), Value::MaxoutPieces(3)]
            ]),
            Err(SpecError::Unused {
                setting: Setting::MaxoutPieces,
                ..
            })
        ));
        // Used by some runs: those collapse, and the setting is said to be why.
        let s = spec(vec![
            vec![
                Value::Act(ActivationKind::Relu),
                Value::Act(ActivationKind::LeakyRelu),
            ],
            slopes,
        ])
        .unwrap();
        assert_eq!((s.len(), s.collapsed()), (3, 1));
        assert_eq!(s.collapsed_over(), [Setting::LeakySlope]);
    }

    #[test]
    fn bad_specs_are_refused() {
        assert_eq!(
            spec(vec![vec![Value::Depth(2), Value::Depth(2)]]).unwrap_err(),
            SpecError::Duplicate {
                setting: Setting::Depth,
                value: "2".into()
            }
        );
        assert_eq!(
            spec(vec![vec![Value::Depth(2)], vec![Value::Depth(3)]]).unwrap_err(),
            SpecError::Repeated {
                setting: Setting::Depth
            }
        );
        assert_eq!(
            spec(vec![vec![Value::Depth(2), Value::Width(3)]]).unwrap_err(),
            SpecError::Mixed {
                setting: Setting::Depth
            }
        );
        assert_eq!(spec(vec![vec![]]).unwrap_err(), SpecError::EmptyList);
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
    fn a_million_seeds_are_checked_in_linear_time() {
        // Quadratic duplicate checks made 200,000 seeds take over 30 s; this must not.
        let seeds: Vec<Value> = (0..1_000_000).map(Value::Seed).collect();
        let s = spec(vec![seeds]).unwrap();
        assert_eq!(s.len(), 1_000_000);
        assert_eq!(s.runs()[999_999].name, "seed=999999");
    }

    #[test]
    fn many_numbers_take_their_interval_and_few_keep_a_discrete_domain() {
        let nine: Vec<Value> = (1..=9).map(Value::Seed).collect();
        let e = spec(vec![nine]).unwrap().experiment();
        let seed = e.hparams.iter().find(|h| h.name == "seed").unwrap();
        assert_eq!(
            seed.domain,
            HParamDomain::Discrete((1..=9).map(|s| HParamValue::Num(s as f64)).collect())
        );
        // Ten seeds, in any order: the interval from the least to the greatest.
        let ten: Vec<Value> = [7, 3, 12, 1, 5, 9, 2, 8, 4, 6].map(Value::Seed).to_vec();
        let e = spec(vec![ten]).unwrap().experiment();
        let seed = e.hparams.iter().find(|h| h.name == "seed").unwrap();
        assert_eq!(
            seed.domain,
            HParamDomain::Interval {
                min: 1.0,
                max: 12.0
            }
        );
        assert!(seed.differs);
        // The same experiment, of the same size, for a million seeds.
        let million: Vec<Value> = (0..1_000_000).map(Value::Seed).collect();
        let e = spec(vec![million]).unwrap().experiment();
        let seed = e.hparams.iter().find(|h| h.name == "seed").unwrap();
        assert_eq!(
            seed.domain,
            HParamDomain::Interval {
                min: 0.0,
                max: 999_999.0
            }
        );
        let depth = e.hparams.iter().find(|h| h.name == "depth").unwrap();
        assert_eq!(
            depth.domain,
            HParamDomain::Discrete(vec![HParamValue::Num(11.0)])
        );
        assert!(!depth.differs);
        // Strings keep every value (TensorBoard filters them only through it).
        let names: Vec<(String, HParamValue)> = (0..20)
            .map(|i| ("tag".to_string(), HParamValue::Str(format!("v{i}"))))
            .collect();
        let runs: Vec<Vec<(String, HParamValue)>> = names.into_iter().map(|p| vec![p]).collect();
        match &experiment_for(&runs).hparams[0].domain {
            HParamDomain::Discrete(values) => assert_eq!(values.len(), 20),
            other => panic!("{other:?}"),
        }
        // Mixed kinds: no domain; zero and minus zero are one value.
        let runs = vec![
            vec![("x".to_string(), HParamValue::Num(0.0))],
            vec![("x".to_string(), HParamValue::Num(-0.0))],
        ];
        let e = experiment_for(&runs);
        assert_eq!(
            e.hparams[0].domain,
            HParamDomain::Discrete(vec![HParamValue::Num(0.0)])
        );
        assert!(!e.hparams[0].differs);
        let runs = vec![
            vec![("x".to_string(), HParamValue::Num(1.0))],
            vec![("x".to_string(), HParamValue::Str("a".into()))],
        ];
        let e = experiment_for(&runs);
        assert_eq!(e.hparams[0].domain, HParamDomain::Unspecified);
        assert!(e.hparams[0].differs);
    }

    #[test]
    fn experiment_domains_cover_every_value() {
        let s = spec(vec![
            vec![
                Value::Act(ActivationKind::Sigmoid),
                Value::Act(ActivationKind::Relu),
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
        let differs = |n: &str| e.hparams.iter().find(|h| h.name == n).unwrap().differs;
        assert!(differs("act") && differs("seed") && !differs("depth") && !differs("lr"));
        assert_eq!(e.metrics, crate::train::config::metrics(false));
    }
}
