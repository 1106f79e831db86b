//! The training settings, each defined once.
//!
//! A [`Setting`] is one knob of a run (`depth`, `act`, `lr`, ...). Its row in
//! `Setting::row` says everything the rest of the program needs: its key (the name in
//! run directories, summaries, HParams columns and, with `--` in front, the command-line
//! flag), its help text, whether it takes whole-number ranges in a sweep, how its text is
//! read ([`Setting::parse`]) and where it lives in a [`TrainConfig`] ([`Setting::get`],
//! [`Value::apply`]). Defaults are not here: they are [`TrainConfig::lesson`]'s values.
//!
//! `train`'s flags, `compare`'s and `sweep`'s list-valued twins are all made from this
//! table, so adding a setting means a field in [`TrainConfig`], a variant here and the
//! code that uses it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::TrainConfig;
use crate::data::DatasetSpec;
use crate::nn::{ActivationKind, Init, OptimizerKind};
use crate::summary::hparams::{HParamKind, HParamValue};

/// A training setting, in the order runs are enumerated, named and listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Setting {
    Act,
    Depth,
    Width,
    Init,
    Optimizer,
    Lr,
    Steps,
    Epochs,
    Batch,
    Dropout,
    LeakySlope,
    MaxoutPieces,
    Dataset,
    TestCsv,
    Seed,
}

/// What the program says about a setting (see [`Setting::row`]).
struct Row {
    key: &'static str,
    value_name: &'static str,
    help: &'static str,
    /// Takes inclusive ranges `A..B` in sweeps (whole-number settings only).
    ranges: bool,
}

impl Setting {
    /// Every setting, in enumeration and naming order (the seed last, so that
    /// consecutive runs of a sweep differ by seed first).
    pub const ALL: [Setting; 15] = [
        Setting::Act,
        Setting::Depth,
        Setting::Width,
        Setting::Init,
        Setting::Optimizer,
        Setting::Lr,
        Setting::Steps,
        Setting::Epochs,
        Setting::Batch,
        Setting::Dropout,
        Setting::LeakySlope,
        Setting::MaxoutPieces,
        Setting::Dataset,
        Setting::TestCsv,
        Setting::Seed,
    ];

    /// The table: one row per setting.
    fn row(self) -> Row {
        let row = |key, value_name, help, ranges| Row {
            key,
            value_name,
            help,
            ranges,
        };
        match self {
            Setting::Act => row(
                "act",
                "A",
                "Activation of the hidden layers (the output is one sigmoid unit for two classes, softmax for more)",
                false,
            ),
            Setting::Depth => row(
                "depth",
                "N",
                "Number of weight layers (11 = 10 hidden layers and the output layer)",
                true,
            ),
            Setting::Width => row("width", "N", "Units in each hidden layer", true),
            Setting::Init => row(
                "init",
                "I",
                "Weight initialisation: uniform = U(-1, 1) weights and zero biases (the lesson's); normal = N(0, 1) weights and biases",
                false,
            ),
            Setting::Optimizer => row("optimizer", "O", "Optimizer", false),
            Setting::Lr => row("lr", "X", "Learning rate", false),
            Setting::Steps => row(
                "steps",
                "N",
                "Training steps (the lesson's 10,001: steps 0 to 10,000), each on a batch drawn at random; not with --epochs",
                true,
            ),
            Setting::Epochs => row(
                "epochs",
                "N",
                "Passes over the training set in shuffled mini-batches of --batch, instead of --steps (off: count --steps)",
                true,
            ),
            Setting::Batch => row(
                "batch",
                "N",
                "Rows per step (full: the whole training set)",
                true,
            ),
            Setting::Dropout => row(
                "dropout",
                "P",
                "Probability of dropping each hidden unit's output while training (0: none; never when evaluating)",
                false,
            ),
            Setting::LeakySlope => row(
                "leaky-slope",
                "S",
                "Slope of leaky-relu for negative inputs (the lecture's max(0.1x, x))",
                false,
            ),
            Setting::MaxoutPieces => row(
                "maxout-pieces",
                "K",
                "Affine pieces of each maxout unit (its output is their maximum)",
                true,
            ),
            Setting::Dataset => row(
                "dataset",
                "D",
                "Training data: xor, circles, moons, spirals, fashion-mnist, csv:PATH (features, then a class 0..K-1) or idx:DIR (MNIST's four files)",
                false,
            ),
            Setting::TestCsv => row(
                "test-csv",
                "PATH",
                "Held-out test set of a csv: dataset, a file of the same columns (none: no test set)",
                false,
            ),
            Setting::Seed => row(
                "seed",
                "N",
                "Seed of the weights, generated data and batches",
                true,
            ),
        }
    }

    /// The name in run directories, summaries and HParams (`leaky-slope`, `seed`, ...).
    pub fn key(self) -> &'static str {
        self.row().key
    }

    /// The setting named `key` (see [`Setting::key`]).
    pub fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.key() == key)
    }

    /// One line of help.
    pub fn help(self) -> &'static str {
        self.row().help
    }

    /// The placeholder of its value in usage lines (`N`, `X`, ...).
    pub fn value_name(self) -> &'static str {
        self.row().value_name
    }

    /// Whether a sweep list of it may hold ranges `A..B`.
    pub fn takes_ranges(self) -> bool {
        self.row().ranges
    }

    /// The names it accepts, for settings that are a choice of names.
    pub fn choices(self) -> Option<Vec<&'static str>> {
        match self {
            Setting::Act => Some(ActivationKind::ALL.iter().map(|a| a.name()).collect()),
            Setting::Init => Some(Init::ALL.iter().map(|i| i.name()).collect()),
            Setting::Optimizer => Some(OptimizerKind::ALL.iter().map(|o| o.name()).collect()),
            _ => None,
        }
    }

    /// Reads a value of this setting from its text (as on the command line).
    pub fn parse(self, text: &str) -> Result<Value, String> {
        Ok(match self {
            Setting::Act => Value::Act(text.parse().map_err(|e: crate::nn::Error| e.to_string())?),
            Setting::Depth => Value::Depth(at_least_one(text)?),
            Setting::Width => Value::Width(at_least_one(text)?),
            Setting::Init => {
                Value::Init(text.parse().map_err(|e: crate::nn::Error| e.to_string())?)
            }
            Setting::Optimizer => {
                Value::Optimizer(text.parse().map_err(|e: crate::nn::Error| e.to_string())?)
            }
            Setting::Lr => Value::Lr(positive(text)?),
            Setting::Steps => Value::Steps(at_least_one(text)?),
            Setting::Epochs => Value::Epochs(match text {
                OFF => None,
                _ => Some(at_least_one(text)?),
            }),
            Setting::Batch => Value::Batch(match text {
                FULL_BATCH => None,
                _ => Some(at_least_one(text)?),
            }),
            Setting::Dropout => Value::Dropout(probability(text)?),
            Setting::LeakySlope => Value::LeakySlope(finite(text)?),
            Setting::MaxoutPieces => Value::MaxoutPieces(at_least_two(text)?),
            Setting::Dataset => Value::Dataset(
                text.parse()
                    .map_err(|e: crate::data::Error| e.to_string())?,
            ),
            Setting::TestCsv => Value::TestCsv(match text {
                NONE => None,
                "" => return Err("needs a path (or none)".into()),
                _ => Some(PathBuf::from(text)),
            }),
            Setting::Seed => Value::Seed(whole(text)?),
        })
    }

    /// This setting's value in `config`.
    pub fn get(self, config: &TrainConfig) -> Value {
        match self {
            Setting::Act => Value::Act(config.act),
            Setting::Depth => Value::Depth(config.depth),
            Setting::Width => Value::Width(config.width),
            Setting::Init => Value::Init(config.init),
            Setting::Optimizer => Value::Optimizer(config.optimizer),
            Setting::Lr => Value::Lr(config.lr),
            Setting::Steps => Value::Steps(config.steps),
            Setting::Epochs => Value::Epochs(config.epochs),
            Setting::Batch => Value::Batch(config.batch),
            Setting::Dropout => Value::Dropout(config.dropout),
            Setting::LeakySlope => Value::LeakySlope(config.leaky_slope),
            Setting::MaxoutPieces => Value::MaxoutPieces(config.maxout_pieces),
            Setting::Dataset => Value::Dataset(config.dataset.clone()),
            Setting::TestCsv => Value::TestCsv(config.test_csv.clone()),
            Setting::Seed => Value::Seed(config.seed),
        }
    }

    /// The kind of value its HParams column holds, whatever the value (epochs are a
    /// number wherever they matter, though "off" is not).
    pub fn hparam_kind(self) -> HParamKind {
        match self {
            Setting::Depth
            | Setting::Width
            | Setting::Lr
            | Setting::Steps
            | Setting::Epochs
            | Setting::Dropout
            | Setting::LeakySlope
            | Setting::MaxoutPieces
            | Setting::Seed => HParamKind::Num,
            Setting::Act
            | Setting::Init
            | Setting::Optimizer
            | Setting::Batch
            | Setting::Dataset
            | Setting::TestCsv => HParamKind::Str,
        }
    }

    /// Whether this setting changes anything in `config` (the leaky slope only does for
    /// leaky-relu, the pieces only for maxout, the steps only without epochs, the
    /// epochs only when set, dropout only with hidden layers, a test CSV only for a CSV
    /// dataset).
    ///
    /// The one rule of what a run uses: its hparams and `config` text list only these,
    /// a sweep names and collapses runs by it, and a setting given for runs of which it
    /// changes none is refused ([`Setting::changes_any`], with [`Setting::used_by`] to
    /// say why). A setting whose rule is not `true` says in [`Setting::used_by`] which
    /// runs it changes.
    pub fn matters(self, config: &TrainConfig) -> bool {
        match self {
            Setting::LeakySlope => config.act == ActivationKind::LeakyRelu,
            Setting::MaxoutPieces => config.act == ActivationKind::Maxout,
            Setting::Steps => config.epochs.is_none(),
            Setting::Epochs => config.epochs.is_some(),
            Setting::Dropout => config.depth > 1,
            Setting::TestCsv => config.dataset.is_csv(),
            _ => true,
        }
    }

    /// The runs this setting changes, in words (`runs whose act is leaky-relu`), for a
    /// setting that does not change every run ([`Setting::matters`]); `None` for one
    /// that does.
    pub fn used_by(self) -> Option<&'static str> {
        match self {
            Setting::LeakySlope => Some("runs whose act is leaky-relu"),
            Setting::MaxoutPieces => Some("runs whose act is maxout"),
            Setting::Steps => Some("runs counted in steps (epochs off)"),
            Setting::Epochs => Some("runs counted in epochs"),
            Setting::Dropout => Some("runs with hidden layers (depth 2 or more)"),
            Setting::TestCsv => Some("runs whose dataset is a csv: file"),
            _ => None,
        }
    }

    /// Whether this setting changes any of `configs` ([`Setting::matters`]).
    pub fn changes_any<'a>(self, configs: impl IntoIterator<Item = &'a TrainConfig>) -> bool {
        configs.into_iter().any(|c| self.matters(c))
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How the full batch is written where a batch size could be.
pub const FULL_BATCH: &str = "full";
/// How "no epochs" (a run counted in steps) is written.
pub const OFF: &str = "off";
/// How "no test file" is written.
pub const NONE: &str = "none";

/// One value of one setting.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Act(ActivationKind),
    Depth(usize),
    Width(usize),
    Init(Init),
    Optimizer(OptimizerKind),
    Lr(f32),
    Steps(u64),
    /// Passes over the training set; `None` to count steps instead.
    Epochs(Option<u64>),
    /// Rows per step; `None` for the full batch.
    Batch(Option<usize>),
    Dropout(f32),
    LeakySlope(f32),
    MaxoutPieces(usize),
    Dataset(DatasetSpec),
    TestCsv(Option<PathBuf>),
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
            Value::Epochs(_) => Setting::Epochs,
            Value::Batch(_) => Setting::Batch,
            Value::Dropout(_) => Setting::Dropout,
            Value::LeakySlope(_) => Setting::LeakySlope,
            Value::MaxoutPieces(_) => Setting::MaxoutPieces,
            Value::Dataset(_) => Setting::Dataset,
            Value::TestCsv(_) => Setting::TestCsv,
            Value::Seed(_) => Setting::Seed,
        }
    }

    /// Sets this value in `config`.
    pub fn apply(&self, config: &mut TrainConfig) {
        match self {
            Value::Act(a) => config.act = *a,
            Value::Depth(d) => config.depth = *d,
            Value::Width(w) => config.width = *w,
            Value::Init(i) => config.init = *i,
            Value::Optimizer(o) => config.optimizer = *o,
            Value::Lr(lr) => config.lr = *lr,
            Value::Steps(s) => config.steps = *s,
            Value::Epochs(e) => config.epochs = *e,
            Value::Batch(b) => config.batch = *b,
            Value::Dropout(p) => config.dropout = *p,
            Value::LeakySlope(slope) => config.leaky_slope = *slope,
            Value::MaxoutPieces(k) => config.maxout_pieces = *k,
            Value::Dataset(d) => config.dataset = d.clone(),
            Value::TestCsv(t) => config.test_csv = t.clone(),
            Value::Seed(s) => config.seed = *s,
        }
    }

    /// The value as the HParams tab shows it: numbers as numbers (an `f32` as the
    /// shortest decimal that reads back as it, so `0.1` stays 0.1 and does not become
    /// 0.10000000149011612), names as strings; the batch is a string (`full` or a count).
    pub fn hparam(&self) -> HParamValue {
        match self {
            Value::Depth(v) | Value::Width(v) | Value::MaxoutPieces(v) => {
                HParamValue::Num(*v as f64)
            }
            Value::Steps(v) | Value::Seed(v) | Value::Epochs(Some(v)) => {
                HParamValue::Num(*v as f64)
            }
            Value::Lr(v) | Value::LeakySlope(v) | Value::Dropout(v) => {
                HParamValue::Num(shortest_decimal(*v))
            }
            _ => HParamValue::Str(self.to_string()),
        }
    }
}

impl fmt::Display for Value {
    /// The command-line spelling (`f32` values in their shortest exact form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Act(a) => f.write_str(a.name()),
            Value::Depth(v) | Value::Width(v) | Value::MaxoutPieces(v) => write!(f, "{v}"),
            Value::Init(i) => f.write_str(i.name()),
            Value::Optimizer(o) => f.write_str(o.name()),
            Value::Lr(v) | Value::LeakySlope(v) | Value::Dropout(v) => write!(f, "{v}"),
            Value::Steps(v) | Value::Seed(v) | Value::Epochs(Some(v)) => write!(f, "{v}"),
            Value::Epochs(None) => f.write_str(OFF),
            Value::Batch(Some(b)) => write!(f, "{b}"),
            Value::Batch(None) => f.write_str(FULL_BATCH),
            Value::Dataset(d) => write!(f, "{d}"),
            Value::TestCsv(Some(path)) => write!(f, "{}", path.display()),
            Value::TestCsv(None) => f.write_str(NONE),
        }
    }
}

/// `x` widened to `f64` through its shortest decimal form (`0.1f32` gives `0.1`).
fn shortest_decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

/// A whole number, 0 or more.
fn whole<T: FromStr>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("'{text}' is not a whole number"))
}

/// A whole number, 1 or more.
fn at_least_one<T: FromStr + PartialEq + From<u8>>(text: &str) -> Result<T, String> {
    let value: T = whole(text)?;
    if value == T::from(0) {
        return Err("must be at least 1".into());
    }
    Ok(value)
}

/// A whole number, 2 or more.
fn at_least_two(text: &str) -> Result<usize, String> {
    let value: usize = whole(text)?;
    if value < 2 {
        return Err("must be at least 2".into());
    }
    Ok(value)
}

/// A finite number.
fn finite(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err("must be a finite number".into()),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// A dropout probability: a number in [0, 1).
fn probability(text: &str) -> Result<f32, String> {
    let v = finite(text)?;
    if (0.0..1.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be at least 0 and below 1".into())
    }
}

/// A finite number above 0.
fn positive(text: &str) -> Result<f32, String> {
    let v = finite(text)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err("must be greater than 0".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_reads_back_what_it_writes() {
        let config = TrainConfig::lesson("unused");
        for setting in Setting::ALL {
            let value = setting.get(&config);
            assert_eq!(value.setting(), setting);
            assert_eq!(
                setting.parse(&value.to_string()),
                Ok(value.clone()),
                "{setting}"
            );
            assert_eq!(Setting::from_key(setting.key()), Some(setting));
            let mut copy = config.clone();
            value.apply(&mut copy);
            assert_eq!(copy, config, "{setting}");
        }
    }

    #[test]
    fn values_are_checked() {
        let err = |s: Setting, text: &str| s.parse(text).unwrap_err();
        assert_eq!(err(Setting::Depth, "0"), "must be at least 1");
        assert_eq!(err(Setting::Depth, "-3"), "'-3' is not a whole number");
        assert_eq!(err(Setting::Steps, "1e3"), "'1e3' is not a whole number");
        assert_eq!(err(Setting::Lr, "0"), "must be greater than 0");
        assert_eq!(err(Setting::Lr, "inf"), "must be a finite number");
        assert_eq!(err(Setting::LeakySlope, "x"), "'x' is not a number");
        assert_eq!(err(Setting::Batch, "0"), "must be at least 1");
        assert_eq!(Setting::Batch.parse("full"), Ok(Value::Batch(None)));
        assert_eq!(Setting::Seed.parse("0"), Ok(Value::Seed(0)));
        assert!(err(Setting::Init, "zeros").contains("uniform, normal, xavier, he"));
    }

    #[test]
    fn hparams_keep_the_decimal_the_user_gave() {
        assert_eq!(Value::Lr(0.1).hparam(), HParamValue::Num(0.1));
        assert_eq!(Value::LeakySlope(0.01).hparam(), HParamValue::Num(0.01));
        assert_eq!(Value::Depth(11).hparam(), HParamValue::Num(11.0));
        assert_eq!(Value::Batch(None).hparam(), HParamValue::Str("full".into()));
        assert_eq!(Value::Batch(Some(4)).hparam(), HParamValue::Str("4".into()));
    }

    #[test]
    fn a_setting_that_does_not_change_every_run_says_which_it_changes() {
        // Every activation, each dataset kind, runs counted in steps and in epochs, with
        // and without hidden layers: a setting that some of them do not use says which
        // runs use it; one that all use says nothing.
        let mut configs = Vec::new();
        for act in ActivationKind::ALL {
            for dataset in [DatasetSpec::Xor, DatasetSpec::Csv("x.csv".into())] {
                for epochs in [None, Some(2)] {
                    for depth in [11, 1] {
                        let mut config = TrainConfig::lesson("unused");
                        Value::Act(act).apply(&mut config);
                        Value::Dataset(dataset.clone()).apply(&mut config);
                        Value::Epochs(epochs).apply(&mut config);
                        Value::Depth(depth).apply(&mut config);
                        configs.push(config);
                    }
                }
            }
        }
        for setting in Setting::ALL {
            let everywhere = configs.iter().all(|c| setting.matters(c));
            assert_eq!(setting.used_by().is_none(), everywhere, "{setting}");
            assert!(setting.changes_any(&configs), "{setting}");
        }
        let sigmoid = TrainConfig::lesson("unused");
        assert!(!Setting::LeakySlope.changes_any([&sigmoid]));
        assert_eq!(
            Setting::LeakySlope.used_by(),
            Some("runs whose act is leaky-relu")
        );
    }

    #[test]
    fn slope_and_pieces_matter_only_for_their_activation() {
        let mut config = TrainConfig::lesson("unused");
        assert!(!Setting::LeakySlope.matters(&config));
        assert!(!Setting::MaxoutPieces.matters(&config));
        Value::Act(ActivationKind::LeakyRelu).apply(&mut config);
        assert!(Setting::LeakySlope.matters(&config));
        Value::Act(ActivationKind::Maxout).apply(&mut config);
        assert!(Setting::MaxoutPieces.matters(&config));
        assert!(!Setting::LeakySlope.matters(&config));
        assert_eq!(
            Setting::MaxoutPieces.parse("1").unwrap_err(),
            "must be at least 2"
        );
    }
}
