//! The hparams experiment of several runs (a sweep's, a comparison's): every hparam they
//! record, with the domain of the values they take, built one run at a time so that its
//! memory does not grow with the number of runs.

use std::collections::HashSet;

use crate::summary::hparams::{ExperimentSpec, HParamDomain, HParamSpec, HParamValue};

/// A number hparam keeps a discrete domain while it takes at most this many values; with
/// more, its domain is the interval of its values.
///
/// TensorBoard's HParams tab (2.21) filters a discrete domain of fewer than 10 values with
/// a checkbox per value, and a longer one with a regular expression over the values'
/// text; a number with an interval domain gets a min/max filter and a linear axis. So a
/// sweep's few learning rates are checkboxes, its seeds `1..1000` an interval, and the
/// experiment, written into every run's file, stays the same size however many seeds (or
/// other numbers) a sweep takes: it grew with the square of a sweep's size when every
/// seed was listed in every run.
pub const MAX_DISCRETE_NUMBERS: usize = 9;

/// The experiment of runs, built one run's hparams at a time (see [`experiment_for`]):
/// its memory does not grow with the number of runs, nor with the number of values a
/// number takes.
#[derive(Debug, Default)]
pub struct ExperimentBuilder {
    hparams: Vec<DomainBuilder>,
    runs: usize,
}

/// What is known of one hparam's values so far.
#[derive(Debug)]
struct DomainBuilder {
    name: String,
    /// Runs that record it.
    present: usize,
    /// Its distinct values in the order first seen, while they may still form a
    /// discrete domain (every string; numbers up to [`MAX_DISCRETE_NUMBERS`]).
    values: Vec<HParamValue>,
    seen: HashSet<ValueKey>,
    /// More distinct numbers than a discrete domain keeps: the interval `[min, max]`.
    many: bool,
    min: f64,
    max: f64,
    /// Values of more than one kind (no domain).
    mixed: bool,
}

/// A value as a hash key: numbers by their bits (0 and -0 as one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ValueKey {
    Str(String),
    Bool(bool),
    Num(u64),
}

impl ValueKey {
    fn of(value: &HParamValue) -> ValueKey {
        match value {
            HParamValue::Str(s) => ValueKey::Str(s.clone()),
            HParamValue::Bool(b) => ValueKey::Bool(*b),
            HParamValue::Num(x) if *x == 0.0 => ValueKey::Num(0),
            HParamValue::Num(x) => ValueKey::Num(x.to_bits()),
        }
    }
}

impl DomainBuilder {
    fn new(name: &str) -> DomainBuilder {
        DomainBuilder {
            name: name.to_string(),
            present: 0,
            values: Vec::new(),
            seen: HashSet::new(),
            many: false,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            mixed: false,
        }
    }

    fn add(&mut self, value: &HParamValue) {
        self.present += 1;
        let first_kind = self.values.first().map(std::mem::discriminant);
        if first_kind.is_some_and(|k| k != std::mem::discriminant(value)) {
            self.mixed = true;
        }
        if let HParamValue::Num(x) = value {
            self.min = self.min.min(*x);
            self.max = self.max.max(*x);
        }
        if self.many || !self.seen.insert(ValueKey::of(value)) {
            return;
        }
        self.values.push(value.clone());
        let numbers = matches!(self.values.first(), Some(HParamValue::Num(_)));
        if numbers && !self.mixed && self.values.len() > MAX_DISCRETE_NUMBERS {
            self.many = true;
            self.values.truncate(1); // keeps the kind for the checks above
            self.seen = HashSet::new();
        }
    }

    fn finish(self, runs: usize) -> HParamSpec {
        let differs = self.many || self.mixed || self.values.len() > 1 || self.present < runs;
        let domain = if self.mixed || self.values.is_empty() {
            HParamDomain::Unspecified
        } else if self.many {
            HParamDomain::Interval {
                min: self.min,
                max: self.max,
            }
        } else {
            HParamDomain::Discrete(self.values)
        };
        HParamSpec {
            name: self.name,
            domain,
            differs,
        }
    }
}

impl ExperimentBuilder {
    /// An experiment of no runs yet.
    pub fn new() -> ExperimentBuilder {
        ExperimentBuilder::default()
    }

    /// Adds one run's hparams.
    pub fn add<'a>(&mut self, hparams: impl IntoIterator<Item = (&'a str, &'a HParamValue)>) {
        self.runs += 1;
        for (name, value) in hparams {
            let k = match self.hparams.iter().position(|h| h.name == name) {
                Some(k) => k,
                None => {
                    self.hparams.push(DomainBuilder::new(name));
                    self.hparams.len() - 1
                }
            };
            if let Some(domain) = self.hparams.get_mut(k) {
                domain.add(value);
            }
        }
    }

    /// The experiment of the runs added (see [`experiment_for`]).
    pub fn finish(self) -> ExperimentSpec {
        let runs = self.runs;
        ExperimentSpec {
            hparams: self.hparams.into_iter().map(|h| h.finish(runs)).collect(),
            metrics: crate::train::config::metrics(false),
        }
    }
}

/// The experiment naming every hparam the runs record, in the order first recorded, each
/// with the domain of the values they take: discrete (one value for a fixed setting),
/// or, for a number taking more than [`MAX_DISCRETE_NUMBERS`] values, the interval from
/// the least to the greatest; marked `differs` when the runs do not all record the same
/// value (several values, or missing from some runs); and the `cost` and `accuracy`
/// metrics. Hparams whose values mix kinds are left without a domain.
pub fn experiment_for(runs: &[Vec<(String, HParamValue)>]) -> ExperimentSpec {
    let mut builder = ExperimentBuilder::new();
    for hparams in runs {
        builder.add(hparams.iter().map(|(n, v)| (n.as_str(), v)));
    }
    builder.finish()
}
