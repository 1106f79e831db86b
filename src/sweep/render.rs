//! The sweep summary as text: a markdown table padded so that it also reads as plain
//! text (the terminal, `summary.md`, the `summary` text in TensorBoard), and CSV.
//!
//! A setting's value is whatever its run recorded (a CSV path may hold a tab, a newline,
//! an escape sequence): the markdown shows each value, run name and failure through
//! [`for_terminal`], so that a row stays one line and prints as it reads; the CSV keeps
//! the values as they are (its quoting holds any text).
//!
//! The median test accuracy column (markdown and CSV, just before the failures) is there
//! only when [`Summary::has_test`]: a sweep without a test set renders byte for byte as
//! it did before that column existed.

use std::fmt::Write as _;

use crate::escape::for_terminal;

use super::record::RecordOutcome;
use super::summary::Summary;
use crate::table::{Align, Table};

impl Summary {
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
            ]
            .map(String::from),
        );
        if self.has_test {
            header.push("median test accuracy".into());
        }
        header.push("failures".into());
        let mut aligns = vec![Align::Left; self.columns.len()];
        aligns.resize(header.len(), Align::Right);
        let mut table = Table::new(header, aligns);
        for r in &self.rows {
            let mut cells: Vec<String> = r
                .values
                .iter()
                .map(|v| for_terminal(v).into_owned())
                .collect();
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
            if self.has_test {
                cells.push(
                    r.median_test_accuracy
                        .map_or("-".into(), |a| format!("{a:.4}")),
                );
            }
            cells.push(r.failed.len().to_string());
            table.push(cells);
        }
        let mut md = table.markdown();
        let failed: Vec<&(String, RecordOutcome)> =
            self.rows.iter().flat_map(|r| &r.failed).collect();
        if !failed.is_empty() {
            md.push_str("\nFailed runs:\n");
            for (name, outcome) in failed {
                let outcome = outcome.to_string();
                let _ = writeln!(md, "- `{}`: {}", for_terminal(name), for_terminal(&outcome));
            }
        }
        md
    }

    /// The table as CSV: the varied settings, then `runs`, `successes`, `success_rate`,
    /// `median_final_cost` (exact), `median_first_step_below_0_1` (or `never`), when
    /// [`Summary::has_test`] `median_test_accuracy` (exact, empty when unknown), then
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
        ]);
        if self.has_test {
            header.push("median_test_accuracy");
        }
        header.extend(["failures", "failed_runs"]);
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
            if self.has_test {
                cells.push(
                    r.median_test_accuracy
                        .map_or(String::new(), |a| a.to_string()),
                );
            }
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

/// `0.6931`, or `1.23e-3` below 0.01.
fn format_cost(c: f32) -> String {
    if c.abs() >= 0.01 {
        format!("{c:.4}")
    } else {
        format!("{c:.2e}")
    }
}
