//! The summary of a sweep: one row per configuration (every setting but the seed), with
//! the success rate over seeds, the median final cost, the median first step whose cost
//! fell below 0.1, and the failures, as a markdown table and as CSV.
//!
//! It is built from [`RunRecord`]s, which come either from the runs just trained
//! ([`RunRecord::from_result`]) or from the logs on disk (`super::disk`); both take the
//! settings from the hparams the run records (plus, for batch and leaky slope, which the
//! hparams do not hold, from the run's name) and the results from the values the run
//! wrote as `final/*` scalars, so the two summaries are equal.
//!
//! Definitions:
//! - a run *succeeds* when it completed every step and its final accuracy is exactly 1;
//! - a run *fails* when it diverged, was interrupted, or could not run;
//! - medians are the lower middle value of the sorted values (an observed value, also
//!   for an even count); the final-cost median is over the runs with a finite final cost,
//!   the first-step median over all runs, a run whose cost never fell below 0.1 counting
//!   as later than any step ("never" when the median is such a run);
//! - columns are the settings (seed excepted) the sweep varied, as the run names list
//!   them, and any other taking more than one value among the runs (so a sweep stopped
//!   early keeps its columns); rows are sorted by them, numbers numerically.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};

use super::exec::RunResult;
use super::spec::{owned_hparams, Run, Setting};
use crate::summary::hparams::HParamValue;
use crate::train::Outcome;

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
        }
    }

    /// The record of a run just trained.
    pub fn from_result(run: &Run, result: &RunResult) -> RunRecord {
        let hparams = owned_hparams(&run.config);
        let name = run.name.clone();
        match result {
            Ok(r) => {
                let outcome = match r.outcome {
                    Outcome::Completed => RecordOutcome::Completed,
                    Outcome::Diverged { step } => RecordOutcome::Diverged { step },
                    Outcome::Interrupted { step } => RecordOutcome::Interrupted { step },
                };
                let below = r.first_step_below_0_1;
                RunRecord::new(
                    name,
                    hparams,
                    &run.pairs,
                    outcome,
                    r.final_cost,
                    r.accuracy,
                    below,
                )
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

    fn value(&self, setting: Setting) -> &str {
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

/// One configuration's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The values of [`Summary::columns`].
    pub values: Vec<String>,
    pub runs: usize,
    pub successes: usize,
    /// Lower median of the finite final costs; `None` if there is none.
    pub median_final_cost: Option<f32>,
    /// Lower median first step below 0.1; `None` for "never".
    pub median_first_below: Option<u64>,
    /// Names and outcomes of the runs that failed.
    pub failed: Vec<(String, RecordOutcome)>,
}

/// The summary of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The settings that vary between configurations.
    pub columns: Vec<Setting>,
    pub rows: Vec<Row>,
}

impl Summary {
    /// Groups `records` by configuration.
    pub fn from_records(records: &[RunRecord]) -> Summary {
        let mut sorted: Vec<&RunRecord> = records.iter().collect();
        sorted.sort_by(|a, b| compare_settings(&a.settings, &b.settings).then(a.name.cmp(&b.name)));
        let columns: Vec<Setting> = Setting::ALL
            .into_iter()
            .filter(|&s| s != Setting::Seed)
            .filter(|&s| {
                let first = sorted.first().map(|r| r.value(s));
                sorted
                    .iter()
                    .any(|r| r.named.contains(&s) || Some(r.value(s)) != first)
            })
            .collect();
        let mut groups: Vec<(Vec<String>, Vec<&RunRecord>)> = Vec::new();
        for record in sorted {
            let key: Vec<String> = columns
                .iter()
                .map(|&s| record.value(s).to_string())
                .collect();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(record),
                None => groups.push((key, vec![record])),
            }
        }
        let rows = groups
            .into_iter()
            .map(|(values, members)| row(values, &members))
            .collect();
        Summary { columns, rows }
    }

    /// Total runs.
    pub fn runs(&self) -> usize {
        self.rows.iter().map(|r| r.runs).sum()
    }

    /// Total failed runs.
    pub fn failures(&self) -> usize {
        self.rows.iter().map(|r| r.failed.len()).sum()
    }

    /// One line: how many runs, configurations and failures.
    pub fn headline(&self) -> String {
        let plural = |n: usize, what: &str| {
            if n == 1 {
                format!("1 {what}")
            } else {
                format!("{n} {what}s")
            }
        };
        format!(
            "{} in {}, {} failed",
            plural(self.runs(), "run"),
            plural(self.rows.len(), "configuration"),
            self.failures()
        )
    }

    /// The table as markdown, columns padded so it also reads as plain text, then the
    /// list of failed runs, if any.
    pub fn markdown(&self) -> String {
        let mut header: Vec<String> = self.columns.iter().map(|s| s.key().to_string()).collect();
        header.extend(
            [
                "runs",
                "success",
                "median final cost",
                "median first step cost < 0.1",
                "failures",
            ]
            .map(String::from),
        );
        let body: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let mut cells = r.values.clone();
                cells.push(r.runs.to_string());
                cells.push(format!(
                    "{}/{} ({:.0}%)",
                    r.successes,
                    r.runs,
                    100.0 * r.successes as f64 / r.runs.max(1) as f64
                ));
                cells.push(r.median_final_cost.map_or("-".into(), format_cost));
                cells.push(
                    r.median_first_below
                        .map_or("never".into(), |s| s.to_string()),
                );
                cells.push(r.failed.len().to_string());
                cells
            })
            .collect();
        let numeric = |i: usize| i >= self.columns.len();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                body.iter()
                    .filter_map(|cells| cells.get(i))
                    .chain(header.get(i))
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(3)
                    .max(3)
            })
            .collect();
        let line = |cells: &[String]| {
            let mut out = String::from("|");
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                let cell = cell.replace('|', "\\|");
                if numeric(i) {
                    let _ = write!(out, " {cell:>w$} |");
                } else {
                    let _ = write!(out, " {cell:<w$} |");
                }
            }
            out.push('\n');
            out
        };
        let mut md = line(&header);
        md.push('|');
        for (i, w) in widths.iter().enumerate() {
            let dashes = "-".repeat(*w);
            if numeric(i) {
                let _ = write!(md, " {}: |", &dashes[1..]);
            } else {
                let _ = write!(md, " {dashes} |");
            }
        }
        md.push('\n');
        for cells in &body {
            md.push_str(&line(cells));
        }
        let failed: Vec<&(String, RecordOutcome)> =
            self.rows.iter().flat_map(|r| &r.failed).collect();
        if !failed.is_empty() {
            md.push_str("\nFailed runs:\n");
            for (name, outcome) in failed {
                let _ = writeln!(md, "- `{name}`: {outcome}");
            }
        }
        md
    }

    /// The table as CSV: the varied settings, then `runs`, `successes`, `success_rate`,
    /// `median_final_cost` (exact), `median_first_step_below_0_1` (or `never`),
    /// `failures` and `failed_runs` (`name: outcome`, `; `-separated).
    pub fn csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<&str> = self.columns.iter().map(|s| s.key()).collect();
        header.extend([
            "runs",
            "successes",
            "success_rate",
            "median_final_cost",
            "median_first_step_below_0_1",
            "failures",
            "failed_runs",
        ]);
        w.write_record(&header)?;
        for r in &self.rows {
            let mut cells = r.values.clone();
            cells.push(r.runs.to_string());
            cells.push(r.successes.to_string());
            cells.push(format!("{:.4}", r.successes as f64 / r.runs.max(1) as f64));
            cells.push(r.median_final_cost.map_or(String::new(), |c| c.to_string()));
            cells.push(
                r.median_first_below
                    .map_or("never".into(), |s| s.to_string()),
            );
            cells.push(r.failed.len().to_string());
            let failed: Vec<String> = r
                .failed
                .iter()
                .map(|(name, outcome)| format!("{name}: {outcome}"))
                .collect();
            cells.push(failed.join("; "));
            w.write_record(&cells)?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn row(values: Vec<String>, members: &[&RunRecord]) -> Row {
    let mut costs: Vec<f32> = members
        .iter()
        .map(|r| r.final_cost)
        .filter(|c| c.is_finite())
        .collect();
    costs.sort_by(f32::total_cmp);
    let mut firsts: Vec<u64> = members
        .iter()
        .map(|r| r.first_step_below_0_1.unwrap_or(u64::MAX))
        .collect();
    firsts.sort_unstable();
    Row {
        values,
        runs: members.len(),
        successes: members.iter().filter(|r| r.succeeded()).count(),
        median_final_cost: lower_median(&costs).copied(),
        median_first_below: lower_median(&firsts).copied().filter(|&s| s != u64::MAX),
        failed: members
            .iter()
            .filter(|r| r.outcome != RecordOutcome::Completed)
            .map(|r| (r.name.clone(), r.outcome.clone()))
            .collect(),
    }
}

fn lower_median<T>(sorted: &[T]) -> Option<&T> {
    sorted.get(sorted.len().checked_sub(1)? / 2)
}

/// `0.6931`, or `1.23e-3` below 0.01.
fn format_cost(c: f32) -> String {
    if c.abs() >= 0.01 {
        format!("{c:.4}")
    } else {
        format!("{c:.2e}")
    }
}

/// Orders settings value by value, numbers numerically, other text alphabetically.
fn compare_settings(a: &[(Setting, String)], b: &[(Setting, String)]) -> Ordering {
    for ((sa, va), (sb, vb)) in a.iter().zip(b) {
        let by = sa.cmp(sb).then_with(|| natural(va, vb));
        if by != Ordering::Equal {
            return by;
        }
    }
    a.len().cmp(&b.len())
}

fn natural(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        act: &str,
        depth: u32,
        seed: u64,
        cost: f32,
        acc: f32,
        below: Option<u64>,
    ) -> RunRecord {
        let hparams = vec![
            ("act".to_string(), HParamValue::Str(act.into())),
            ("depth".to_string(), HParamValue::Num(f64::from(depth))),
            ("lr".to_string(), HParamValue::Num(f64::from(0.1f32))),
            ("seed".to_string(), HParamValue::Num(seed as f64)),
        ];
        RunRecord::new(
            format!("act={act},depth={depth},seed={seed}"),
            hparams,
            &[(Setting::Seed, seed.to_string())],
            RecordOutcome::Completed,
            cost,
            acc,
            below,
        )
    }

    #[test]
    fn settings_come_from_hparams_then_the_name() {
        let r = record("relu", 11, 3, 0.5, 1.0, None);
        let r = RunRecord::new(
            r.name,
            r.hparams,
            &[(Setting::Batch, "full".into()), (Setting::Seed, "7".into())],
            r.outcome,
            r.final_cost,
            r.accuracy,
            None,
        );
        assert_eq!(r.named, [Setting::Batch, Setting::Seed]);
        assert_eq!(
            r.settings,
            [
                (Setting::Act, "relu".to_string()),
                (Setting::Depth, "11".to_string()),
                (Setting::Lr, "0.1".to_string()),
                (Setting::Batch, "full".to_string()),
                (Setting::Seed, "3".to_string()),
            ]
        );
        assert_eq!(hparam_text(&HParamValue::Num(1e6)), "1000000");
        assert_eq!(hparam_text(&HParamValue::Num(f64::from(0.003f32))), "0.003");
    }

    #[test]
    fn rows_group_seeds_and_count() {
        let mut records = vec![
            record("sigmoid", 11, 1, 0.69, 0.5, None),
            record("sigmoid", 11, 2, 0.70, 0.5, None),
            record("relu", 11, 1, 0.001, 1.0, Some(500)),
            record("relu", 11, 2, 0.002, 1.0, Some(300)),
            record("relu", 11, 3, 0.0005, 0.75, Some(900)),
            record("relu", 2, 1, 0.02, 1.0, Some(40)),
        ];
        records[1].outcome = RecordOutcome::Diverged { step: 7 };
        records[1].final_cost = f32::NAN;
        let s = Summary::from_records(&records);
        assert_eq!(s.columns, [Setting::Act, Setting::Depth]);
        assert_eq!(s.rows.len(), 3);
        assert_eq!(s.rows[0].values, ["relu", "2"]);
        let relu11 = &s.rows[1];
        assert_eq!(relu11.values, ["relu", "11"]);
        assert_eq!((relu11.runs, relu11.successes), (3, 2));
        assert_eq!(relu11.median_final_cost, Some(0.001));
        assert_eq!(relu11.median_first_below, Some(500));
        let sig = &s.rows[2];
        assert_eq!((sig.runs, sig.successes), (2, 0));
        assert_eq!(sig.median_final_cost, Some(0.69));
        assert_eq!(sig.median_first_below, None);
        assert_eq!(
            sig.failed,
            [(
                "act=sigmoid,depth=11,seed=2".to_string(),
                RecordOutcome::Diverged { step: 7 }
            )]
        );
        assert_eq!(s.headline(), "6 runs in 3 configurations, 1 failed");
        assert_eq!(
            s.markdown(),
            "\
| act     | depth | runs |    success | median final cost | median first step cost < 0.1 | failures |
| ------- | ----- | ---: | ---------: | ----------------: | ---------------------------: | -------: |
| relu    | 2     |    1 | 1/1 (100%) |            0.0200 |                           40 |        0 |
| relu    | 11    |    3 |  2/3 (67%) |           1.00e-3 |                          500 |        0 |
| sigmoid | 11    |    2 |   0/2 (0%) |            0.6900 |                        never |        1 |

Failed runs:
- `act=sigmoid,depth=11,seed=2`: diverged at step 7
"
        );
        assert_eq!(
            s.csv().unwrap(),
            "\
act,depth,runs,successes,success_rate,median_final_cost,median_first_step_below_0_1,failures,failed_runs
relu,2,1,1,1.0000,0.02,40,0,
relu,11,3,2,0.6667,0.001,500,0,
sigmoid,11,2,0,0.0000,0.69,never,1,\"act=sigmoid,depth=11,seed=2: diverged at step 7\"
"
        );
    }

    #[test]
    fn named_settings_are_columns_even_with_one_value() {
        let mut r = record("relu", 2, 1, 0.01, 1.0, Some(3));
        r.named = vec![Setting::Act, Setting::Seed];
        let s = Summary::from_records(&[r]);
        assert_eq!(s.columns, [Setting::Act]);
        assert_eq!(s.headline(), "1 run in 1 configuration, 0 failed");
    }

    #[test]
    fn lower_median_and_no_columns() {
        assert_eq!(lower_median(&[1, 2, 3, 4]), Some(&2));
        assert_eq!(lower_median(&[5]), Some(&5));
        assert_eq!(lower_median::<u8>(&[]), None);
        let s = Summary::from_records(&[
            record("relu", 2, 1, 0.01, 1.0, Some(3)),
            record("relu", 2, 2, 0.03, 1.0, None),
        ]);
        assert!(s.columns.is_empty());
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].median_first_below, Some(3));
        assert_eq!(s.rows[0].median_final_cost, Some(0.01));
    }
}
