//! What a sweep runs: the settings it varies, the list/range syntax of their values,
//! the runs in a stable order, their directory names, and the `--shard K/N` selection.
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
//! ([`parse_run_name`]). Two runs differ in at least one varied setting, and each value
//! is written in a way that tells different values apart, so names never collide (which
//! is also checked).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::data::DatasetSpec;
use crate::nn::{Activation, Init, OptimizerKind};
use crate::summary::hparams::{ExperimentSpec, HParamDomain, HParamSpec, HParamValue};
use crate::train::{TrainConfig, METRIC_TAGS};

/// Most values one `a..b` range may expand to.
pub const MAX_RANGE_VALUES: u64 = 100_000;
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

/// Parses a comma-separated list of values, each read by `item`. An item `A..B` (whole
/// numbers, `A <= B`) stands for every whole number from A to B inclusive, each then read
/// by `item` too. Blank items and repeated values are errors, since a repeated value
/// would make two identical runs.
///
/// `parse_list("1..3,7", |s| s.parse::<u32>().map_err(|e| e.to_string()))` is
/// `[1, 2, 3, 7]`.
pub fn parse_list<T: PartialEq>(
    text: &str,
    item: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let mut values: Vec<T> = Vec::new();
    let push = |raw: &str, values: &mut Vec<T>| -> Result<(), String> {
        let value = item(raw)?;
        if values.contains(&value) {
            return Err(format!("'{raw}' is listed twice"));
        }
        values.push(value);
        Ok(())
    };
    for raw in text.split(',') {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(format!(
                "'{text}' has an empty item: write values as a,b,c or ranges as 1..20"
            ));
        }
        match raw.split_once("..") {
            None => push(raw, &mut values)?,
            Some((from, to)) => {
                let (from, to) = match (from.parse::<u64>(), to.parse::<u64>()) {
                    (Ok(a), Ok(b)) => (a, b),
                    _ => {
                        return Err(format!(
                        "'{raw}' is not a range: ranges are whole numbers A..B, both ends included"
                    ))
                    }
                };
                if from > to {
                    return Err(format!(
                        "the range '{raw}' is empty: write A..B with A <= B"
                    ));
                }
                if to - from >= MAX_RANGE_VALUES {
                    return Err(format!(
                        "the range '{raw}' has more than {MAX_RANGE_VALUES} values"
                    ));
                }
                for n in from..=to {
                    push(&n.to_string(), &mut values)?;
                }
            }
        }
    }
    Ok(values)
}

/// `--shard K/N`: run only the runs whose index modulo N is K.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole sweep (`0/1`).
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether the run with this index belongs to the shard.
    pub fn contains(self, run_index: usize) -> bool {
        self.count > 0 && run_index % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N` with `0 <= K < N`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("'{s}' is not K/N (this machine's number K from 0, of N machines)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!("'{s}': the number of shards N must be at least 1"));
        }
        if index >= count {
            return Err(format!(
                "'{s}': K must be less than N (shards are numbered 0 to {})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
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

    /// The hparams experiment of the whole sweep (see [`experiment_for_configs`]).
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

/// `config.hparams()` with owned names (as read back from disk).
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

/// The directory name of a run with these `(setting, value)` pairs.
pub fn run_name(pairs: &[(Setting, String)]) -> String {
    let mut name = String::new();
    for (i, (setting, value)) in pairs.iter().enumerate() {
        if i > 0 {
            name.push(',');
        }
        name.push_str(setting.key());
        name.push('=');
        escape_into(value, &mut name);
    }
    name
}

/// The `(setting, value)` pairs of a run name made by [`run_name`], or `None` if `name`
/// is not one.
pub fn parse_run_name(name: &str) -> Option<Vec<(Setting, String)>> {
    name.split(',')
        .map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((Setting::from_key(key)?, unescape(value)?))
        })
        .collect()
}

fn is_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"._+-".contains(&byte)
}

fn escape_into(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if is_plain(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

fn unescape(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = tail.get(..2)?;
            let hex = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = tail.get(2..)?;
        } else if is_plain(b) {
            bytes.push(b);
            rest = tail;
        } else {
            return None;
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Result<u64, String> {
        s.parse::<u64>()
            .map_err(|_| format!("'{s}' is not a whole number"))
    }

    #[test]
    fn lists_and_inclusive_ranges() {
        assert_eq!(parse_list("1..3,7", num).unwrap(), [1, 2, 3, 7]);
        assert_eq!(parse_list("5", num).unwrap(), [5]);
        assert_eq!(parse_list(" 2 , 11 ", num).unwrap(), [2, 11]);
        assert_eq!(parse_list("4..4", num).unwrap(), [4]);
        assert_eq!(
            parse_list("a,b", |s| Ok::<_, String>(s.to_string())).unwrap(),
            ["a", "b"]
        );
    }

    #[test]
    fn list_errors_name_the_item() {
        assert_eq!(
            parse_list("1,,2", num).unwrap_err(),
            "'1,,2' has an empty item: write values as a,b,c or ranges as 1..20"
        );
        assert_eq!(
            parse_list("3..1", num).unwrap_err(),
            "the range '3..1' is empty: write A..B with A <= B"
        );
        assert_eq!(
            parse_list("0.1..0.5", num).unwrap_err(),
            "'0.1..0.5' is not a range: ranges are whole numbers A..B, both ends included"
        );
        assert_eq!(
            parse_list("1..3,2", num).unwrap_err(),
            "'2' is listed twice"
        );
        assert_eq!(
            parse_list("x", num).unwrap_err(),
            "'x' is not a whole number"
        );
        assert_eq!(
            parse_list("0..100000", num).unwrap_err(),
            "the range '0..100000' has more than 100000 values"
        );
    }

    #[test]
    fn shards_parse_and_partition() {
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        assert_eq!(
            "2/2".parse::<Shard>().unwrap_err(),
            "'2/2': K must be less than N (shards are numbered 0 to 1)"
        );
        assert_eq!(
            "0/0".parse::<Shard>().unwrap_err(),
            "'0/0': the number of shards N must be at least 1"
        );
        assert_eq!(
            "1".parse::<Shard>().unwrap_err(),
            "'1' is not K/N (this machine's number K from 0, of N machines)"
        );
        let shards = [
            Shard { index: 0, count: 3 },
            Shard { index: 1, count: 3 },
            Shard { index: 2, count: 3 },
        ];
        for i in 0..10 {
            assert_eq!(
                shards.iter().filter(|s| s.contains(i)).count(),
                1,
                "run {i}"
            );
        }
        let picked: Vec<usize> = (0..7).filter(|&i| shards[1].contains(i)).collect();
        assert_eq!(picked, [1, 4]);
        assert!((0..5).all(|i| Shard::ALL.contains(i)));
    }

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
    fn names_escape_unsafe_bytes_and_parse_back() {
        let pairs = vec![
            (Setting::Dataset, "csv:data/x,y=1 %.csv".to_string()),
            (Setting::Lr, "0.001".to_string()),
            (Setting::Seed, "3".to_string()),
        ];
        let name = run_name(&pairs);
        assert_eq!(
            name,
            "dataset=csv%3Adata%2Fx%2Cy%3D1%20%25.csv,lr=0.001,seed=3"
        );
        assert_eq!(parse_run_name(&name).unwrap(), pairs);
        assert_eq!(parse_run_name("depth=2,bogus=1"), None);
        assert_eq!(parse_run_name("depth=%2"), None);
        assert_eq!(parse_run_name("depth=a/b"), None);
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
