//! The summary of a sweep: one row per configuration (every setting but the seed), with
//! the success rate over seeds, the median final cost, the median first step whose cost
//! fell below 0.1, and the failures, as a markdown table and as CSV. When a run of the
//! sweep has a test set (the generated 2-D sets, Fashion-MNIST, `idx:`, `csv:` with a
//! test file), a column adds the median test accuracy: the success rate is about the
//! training set, which a net can learn by heart. A sweep without (XOR) shows exactly
//! the columns it always did.
//!
//! It is built from [`RunRecord`]s (see [`super::record`]), which come either from the runs just trained
//! ([`RunRecord::from_result`]) or from the logs on disk (`super::disk`); both take the
//! settings from the hparams the run records (plus, for batch and leaky slope, which the
//! hparams do not hold, from the run's name) and the results from the values the run
//! recorded at its end (`crate::train::result`), so the two summaries are equal.
//!
//! Definitions:
//! - a run *succeeds* when it completed every step and its final accuracy is exactly 1;
//! - a run *fails* when it diverged, was interrupted, or could not run;
//! - medians are the lower middle value of the sorted values (an observed value, also
//!   for an even count); the final-cost median is over the runs with a finite final cost,
//!   the first-step median over all runs, a run whose cost never fell below 0.1 counting
//!   as later than any step ("never" when the median is such a run); the test-accuracy
//!   median is over the runs whose test accuracy is known (none when none is);
//! - the test-accuracy column is there when any run's test accuracy is known;
//! - columns are the settings (seed excepted) the sweep varied, as the run names list
//!   them, and any other taking more than one value among the runs (so a sweep stopped
//!   early keeps its columns); rows are sorted by them, numbers numerically.

use std::cmp::Ordering;

use super::record::{RecordOutcome, RunRecord};
use crate::train::Setting;

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
    /// Lower median of the known test accuracies; `None` if there is none.
    pub median_test_accuracy: Option<f32>,
    /// Names and outcomes of the runs that failed.
    pub failed: Vec<(String, RecordOutcome)>,
}

/// The summary of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The settings that vary between configurations.
    pub columns: Vec<Setting>,
    pub rows: Vec<Row>,
    /// Whether any run's test accuracy is known: the table then has its column.
    pub has_test: bool,
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
        let has_test = records.iter().any(|r| r.test_accuracy.is_some());
        Summary {
            columns,
            rows,
            has_test,
        }
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
    let mut tests: Vec<f32> = members.iter().filter_map(|r| r.test_accuracy).collect();
    tests.sort_by(f32::total_cmp);
    Row {
        values,
        runs: members.len(),
        successes: members.iter().filter(|r| r.succeeded()).count(),
        median_final_cost: lower_median(&costs).copied(),
        median_first_below: lower_median(&firsts).copied().filter(|&s| s != u64::MAX),
        median_test_accuracy: lower_median(&tests).copied(),
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
    use crate::summary::hparams::HParamValue;
    use crate::sweep::record::hparam_text;

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
    fn a_test_set_adds_the_median_test_accuracy() {
        let with_test = |r: RunRecord, acc: Option<f32>| r.with_test_accuracy(acc);
        let mut records = vec![
            with_test(record("relu", 2, 1, 0.02, 1.0, Some(40)), Some(0.95)),
            with_test(record("relu", 2, 2, 0.03, 1.0, Some(60)), Some(0.875)),
            with_test(record("relu", 2, 3, 0.01, 1.0, Some(20)), Some(0.9)),
            with_test(record("relu", 2, 4, 0.04, 0.75, None), Some(0.5)),
            with_test(record("relu", 11, 1, 0.001, 1.0, Some(500)), Some(0.25)),
            with_test(record("relu", 11, 2, 0.002, 1.0, Some(300)), None),
            record("sigmoid", 11, 1, 0.69, 0.5, None),
        ];
        records[5].outcome = RecordOutcome::Failed("no data".into());
        records[5].final_cost = f32::NAN;
        let s = Summary::from_records(&records);
        assert!(s.has_test);
        let medians: Vec<Option<f32>> = s.rows.iter().map(|r| r.median_test_accuracy).collect();
        assert_eq!(medians, [Some(0.875), Some(0.25), None]);
        assert_eq!(
            s.markdown(),
            "\
| act     | depth | runs |   success | median final cost | median first step cost < 0.1 | median test accuracy | failures |
| ------- | ----- | ---: | --------: | ----------------: | ---------------------------: | -------------------: | -------: |
| relu    | 2     |    4 | 3/4 (75%) |            0.0200 |                           40 |               0.8750 |        0 |
| relu    | 11    |    2 | 1/2 (50%) |           1.00e-3 |                          300 |               0.2500 |        1 |
| sigmoid | 11    |    1 |  0/1 (0%) |            0.6900 |                        never |                    - |        0 |

Failed runs:
- `act=relu,depth=11,seed=2`: failed: no data
"
        );
        assert_eq!(
            s.csv().unwrap(),
            "\
act,depth,runs,successes,success_rate,median_final_cost,median_first_step_below_0_1,median_test_accuracy,failures,failed_runs
relu,2,4,3,0.7500,0.02,40,0.875,0,
relu,11,2,1,0.5000,0.001,300,0.25,1,\"act=relu,depth=11,seed=2: failed: no data\"
sigmoid,11,1,0,0.0000,0.69,never,,0,
"
        );
        // Without any known test accuracy, the columns of a sweep without a test set.
        let none: Vec<RunRecord> = records.into_iter().map(|r| with_test(r, None)).collect();
        let s = Summary::from_records(&none);
        assert!(!s.has_test);
        assert!(!s.markdown().contains("test") && !s.csv().unwrap().contains("test"));
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
