//! What the binary prints: the progress bar (on a terminal only) and the end-of-run
//! summary with the `tensorboard --logdir` line to run next.

use std::fmt::Write as _;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use tbtrain::train::{Progress, RunReport, TrainConfig};

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
            if step % 256 == 0 {
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
    let _ = writeln!(
        out,
        "depth {} {} ({} init, {}, lr {}): {} steps in {:.2?}",
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
            p.predicted(),
            p.label
        );
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
