//! What the binary prints: the progress bars (on a terminal only), the end-of-run
//! summary with the `tensorboard --logdir` line to run next, and `compare`'s
//! side-by-side table.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use tbtrain::sweep::{BatchProgress, RunResult};
use tbtrain::table::{Align, Table};
use tbtrain::train::{Outcome, Progress, RunReport, TrainConfig};

/// A progress bar over the training steps, or nothing when not on a terminal.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(show: bool, steps: u64) -> Self {
        let bar = show.then(|| {
            let bar = ProgressBar::new(steps);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos:>6}/{len} steps  {msg}  [{elapsed_precise}]",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Bar { bar }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn step(&mut self, step: u64, cost: f32) {
        if let Some(bar) = &self.bar {
            if step.is_multiple_of(256) {
                bar.set_position(step + 1);
                bar.set_message(format!("cost {cost:.6}"));
            }
        }
    }
}

/// The end-of-run text: final cost, accuracy, each input's hypothesis, where the logs
/// are and how to look at them.
pub fn run_summary(config: &TrainConfig, report: &RunReport) -> String {
    let mut out = String::new();
    let epochs = config
        .epochs
        .map_or(String::new(), |e| format!(" ({e} epochs)"));
    let _ = writeln!(
        out,
        "depth {} {} ({} init, {}, lr {}): {} steps{epochs} in {:.2?}",
        config.depth,
        config.act.name(),
        config.init.name(),
        config.optimizer.name(),
        config.lr,
        report.steps_done,
        report.elapsed
    );
    let _ = writeln!(
        out,
        "final cost {:.6}, accuracy {}",
        report.final_cost, report.accuracy
    );
    if let Some(test) = report.test {
        let _ = writeln!(
            out,
            "test cost {:.6}, test accuracy {}",
            test.cost, test.accuracy
        );
    }
    if shows_inputs(report) {
        let _ = writeln!(
            out,
            "{:<16} {:>14} {:>9} {:>5}",
            "input", "hypothesis", "predicted", "label"
        );
        for p in &report.predictions {
            let input: Vec<String> = p.input.iter().map(|v| format!("{v}")).collect();
            let _ = writeln!(
                out,
                "{:<16} {:>14} {:>9} {:>5}",
                format!("[{}]", input.join(", ")),
                // Shortest exact form: 0.49999997 and 0.50000006 must not both print 0.500000.
                p.hypothesis.to_string(),
                p.predicted,
                p.label
            );
        }
    }
    let _ = writeln!(
        out,
        "gradient norm layer1 / layer{} at step 0: {:.3e}",
        config.depth, report.grad_ratio_start
    );
    let _ = writeln!(out, "logs: {}", report.logdir.display());
    let view = report
        .logdir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let _ = writeln!(out, "view: tensorboard --logdir {}", view.display());
    out
}

/// Whether the end-of-run text lists each input's hypothesis: for two classes and a few
/// inputs (the lesson's XOR), not for images.
fn shows_inputs(report: &RunReport) -> bool {
    report.classes <= 2
        && report.predictions.len() <= 4
        && report.predictions.iter().all(|p| p.input.len() <= 4)
}

/// Progress of many runs at once: one bar over all their steps on a terminal, or else
/// one line per finished run on stderr (what a batch job's log wants). Nothing if quiet.
pub struct BatchBar {
    bar: Option<ProgressBar>,
    lines: bool,
    runs: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
}

impl BatchBar {
    pub fn new(show: bool, total_steps: u64, runs: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (show && terminal).then(|| {
            let bar = ProgressBar::new(total_steps);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40.cyan/blue} {percent:>3}%  {msg}  [{elapsed_precise}, eta {eta}]",
            ) {
                bar.set_style(style);
            }
            bar.set_message(format!("0/{runs} runs"));
            bar
        });
        BatchBar {
            bar,
            lines: show && !terminal,
            runs,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl BatchProgress for BatchBar {
    fn steps(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    fn recount(&self, estimated: u64, actual: u64) {
        if let Some(bar) = &self.bar {
            if actual > estimated {
                bar.inc_length(actual - estimated);
            } else {
                bar.dec_length(estimated - actual);
            }
        }
    }

    fn run_done(&self, config: &TrainConfig, result: &RunResult) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let ok = matches!(result, Ok(r) if r.outcome == Outcome::Completed);
        let failed = self.failed.fetch_add(usize::from(!ok), Ordering::Relaxed) + usize::from(!ok);
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{done}/{} runs, {failed} failed", self.runs));
        }
        if self.lines {
            let name = config.logdir.file_name().map_or_else(
                || config.logdir.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let what = match result {
                Ok(r) => match r.outcome {
                    Outcome::Completed => format!(
                        "accuracy {}, final cost {:.6}, {:.2?}",
                        r.accuracy, r.final_cost, r.elapsed
                    ),
                    Outcome::Diverged { step, .. } => format!("diverged at step {step}"),
                    Outcome::Interrupted { step } => format!("interrupted before step {step}"),
                },
                Err(e) => format!("failed: {e}"),
            };
            // A full or closed standard error must not stop the runs or lose the
            // summary: the line is dropped (the summary still says what happened).
            let _ = writeln!(
                std::io::stderr().lock(),
                "[{done}/{}] {name}: {what}",
                self.runs
            );
        }
    }
}

/// `compare`'s table: one column per run, one row per quantity.
pub fn compare_table(configs: &[TrainConfig], results: &[Option<RunResult>]) -> String {
    let reports: Vec<Option<&RunReport>> = results
        .iter()
        .map(|r| r.as_ref().and_then(|r| r.as_ref().ok()))
        .collect();
    let mut header = vec![String::new()];
    header.extend(configs.iter().map(|c| c.act.name().to_string()));
    let mut rows = vec![header];
    let mut row = |label: String, cell: &dyn Fn(&RunReport) -> String| {
        let mut cells = vec![label];
        for (report, result) in reports.iter().zip(results) {
            cells.push(match (report, result) {
                (Some(r), _) => cell(r),
                (None, None) => "not run".to_string(),
                (None, Some(_)) => "error".to_string(),
            });
        }
        rows.push(cells);
    };
    row("final cost".into(), &|r| format!("{:.6}", r.final_cost));
    row("accuracy".into(), &|r| r.accuracy.to_string());
    if reports.iter().flatten().any(|r| r.test.is_some()) {
        row("test cost".into(), &|r| {
            r.test.map_or("-".into(), |t| format!("{:.6}", t.cost))
        });
        row("test accuracy".into(), &|r| {
            r.test.map_or("-".into(), |t| t.accuracy.to_string())
        });
    }
    let first = reports.iter().flatten().next().filter(|r| shows_inputs(r));
    let inputs: Vec<(String, usize)> = first.map_or_else(Vec::new, |r| {
        r.predictions
            .iter()
            .take(4)
            .map(|p| {
                let input: Vec<String> = p.input.iter().map(|v| format!("{v}")).collect();
                (format!("[{}]", input.join(", ")), p.label)
            })
            .collect()
    });
    for (k, (input, label)) in inputs.iter().enumerate() {
        row(format!("output {input} (label {label})"), &|r| {
            r.predictions
                .get(k)
                .map_or("-".into(), |p| format!("{:.6}", p.hypothesis))
        });
    }
    let depth = configs.first().map_or(0, |c| c.depth);
    row(format!("grad_norm layer1/layer{depth}, step 0"), &|r| {
        format!("{:.3e}", r.grad_ratio_start)
    });
    row(format!("grad_norm layer1/layer{depth}, end"), &|r| {
        format!("{:.3e}", r.grad_ratio_end)
    });
    row("wall time".into(), &|r| format!("{:.2?}", r.elapsed));
    row("outcome".into(), &|r| match r.outcome {
        Outcome::Completed => format!("{} steps", r.steps_done),
        Outcome::Diverged { step, .. } => format!("diverged at {step}"),
        Outcome::Interrupted { step } => format!("stopped at {step}"),
    });
    row("logs".into(), &|r| r.logdir.display().to_string());

    let mut rows = rows.into_iter();
    let header = rows.next().unwrap_or_default();
    let mut aligns = vec![Align::Right; header.len()];
    if let Some(first) = aligns.first_mut() {
        *first = Align::Left;
    }
    let mut table = Table::new(header, aligns);
    for cells in rows {
        table.push(cells);
    }
    let mut out = table.plain("", "  ");
    for (config, result) in configs.iter().zip(results) {
        if let Some(Err(e)) = result {
            let _ = writeln!(out, "{}: {e}", config.act.name());
        }
    }
    out
}
