//! One run as the sweep summary sees it: its settings (from the hparams it recorded,
//! plus what its name says of settings the hparams lack), how it ended and its results.
//! Records come from the runs just trained ([`RunRecord::from_result`]) or from the logs
//! on disk (`super::disk`), so that both summaries are equal: a fresh record takes the
//! numbers as the recorded result holds them (a non-finite test accuracy is unknown).

use std::fmt;

use super::exec::RunResult;
use super::spec::{owned_hparams, Run};
use crate::summary::hparams::HParamValue;
use crate::train::{Outcome, Setting};

/// How a run ended, as far as the summary is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordOutcome {
    Completed,
    /// The cost was not finite at this step.
    Diverged {
        step: u64,
    },
    /// Stopped before this step.
    Interrupted {
        step: u64,
    },
    /// The run could not run or could not be read back; the reason.
    Failed(String),
}

impl fmt::Display for RecordOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordOutcome::Completed => f.write_str("completed"),
            RecordOutcome::Diverged { step } => write!(f, "diverged at step {step}"),
            RecordOutcome::Interrupted { step } => write!(f, "interrupted before step {step}"),
            RecordOutcome::Failed(reason) => write!(f, "failed: {reason}"),
        }
    }
}

/// One run as the summary sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The run's directory name.
    pub name: String,
    /// Its settings, in [`Setting::ALL`] order.
    pub settings: Vec<(Setting, String)>,
    /// The settings its name lists (those the sweep varied, and the seed).
    pub named: Vec<Setting>,
    /// The hparams it recorded (for the experiment's domains).
    pub hparams: Vec<(String, HParamValue)>,
    pub outcome: RecordOutcome,
    /// Cost of the final weights (NaN when unknown).
    pub final_cost: f32,
    /// Accuracy of the final weights (0 when unknown).
    pub accuracy: f32,
    /// First step whose cost was below 0.1.
    pub first_step_below_0_1: Option<u64>,
    /// Accuracy of the final weights on the test set: `None` for data without one, and
    /// when unknown (a run that failed, or one recorded without it).
    pub test_accuracy: Option<f32>,
}

impl RunRecord {
    /// A record from what a run recorded: its hparams, the `(setting, value)` pairs of its
    /// name (used for the settings the hparams lack), and its results.
    pub fn new(
        name: String,
        hparams: Vec<(String, HParamValue)>,
        name_pairs: &[(Setting, String)],
        outcome: RecordOutcome,
        final_cost: f32,
        accuracy: f32,
        first_step_below_0_1: Option<u64>,
    ) -> RunRecord {
        let mut settings: Vec<(Setting, String)> = hparams
            .iter()
            .filter_map(|(k, v)| Some((Setting::from_key(k)?, hparam_text(v))))
            .collect();
        for (setting, value) in name_pairs {
            if !settings.iter().any(|(s, _)| s == setting) {
                settings.push((*setting, value.clone()));
            }
        }
        settings.sort_by_key(|(s, _)| *s);
        RunRecord {
            name,
            settings,
            named: name_pairs.iter().map(|(s, _)| *s).collect(),
            hparams,
            outcome,
            final_cost,
            accuracy,
            first_step_below_0_1,
            test_accuracy: None,
        }
    }

    /// The record with the test accuracy the run recorded (see
    /// [`RunRecord::test_accuracy`]).
    pub fn with_test_accuracy(mut self, test_accuracy: Option<f32>) -> RunRecord {
        self.test_accuracy = test_accuracy;
        self
    }

    /// The record of a run just trained.
    pub fn from_result(run: &Run, result: &RunResult) -> RunRecord {
        let hparams = owned_hparams(&run.config);
        let name = run.name.clone();
        match result {
            Ok(r) => {
                let outcome = match r.outcome {
                    Outcome::Completed => RecordOutcome::Completed,
                    Outcome::Diverged { step, .. } => RecordOutcome::Diverged { step },
                    Outcome::Interrupted { step } => RecordOutcome::Interrupted { step },
                };
                let below = r.first_step_below_0_1;
                // As `crate::train::result::RunResult::of` records it, and `super::disk`
                // reads it back.
                let test_accuracy = r.test.map(|t| t.accuracy).filter(|a| a.is_finite());
                RunRecord::new(
                    name,
                    hparams,
                    &run.pairs,
                    outcome,
                    r.final_cost,
                    r.accuracy,
                    below,
                )
                .with_test_accuracy(test_accuracy)
            }
            Err(e) => RunRecord::new(
                name,
                hparams,
                &run.pairs,
                RecordOutcome::Failed(e.to_string()),
                f32::NAN,
                0.0,
                None,
            ),
        }
    }

    /// Completed with final accuracy 1.
    pub fn succeeded(&self) -> bool {
        self.outcome == RecordOutcome::Completed && self.accuracy == 1.0
    }

    pub(super) fn value(&self, setting: Setting) -> &str {
        self.settings
            .iter()
            .find(|(s, _)| *s == setting)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// An hparam value as the command line writes it (`11`, not `11.0`; `0.1`, not the
/// `f64` widening of the `f32` learning rate).
pub fn hparam_text(value: &HParamValue) -> String {
    match value {
        HParamValue::Str(s) => s.clone(),
        HParamValue::Bool(b) => b.to_string(),
        HParamValue::Num(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => format!("{}", *x as i64),
        HParamValue::Num(x) => format!("{}", *x as f32),
    }
}
