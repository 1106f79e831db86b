//! The summaries of one training run: which tag holds what, written through a
//! [`SummaryWriter`]. The training loop decides when (see [`super::LogPlan`]); this
//! file decides what and under which name, reading the model's buffers in place.

use std::fmt::Write as _;

use super::pictures::Pictures;
use super::result::RunResult;
use super::{boundary, graph, tags, vanishing, Error, Outcome, RunReport, TrainConfig};
use crate::data::Dataset;
use crate::events::WriterOptions;
use crate::nn::{Mlp, Workspace};
use crate::proto::hparams::Status;
use crate::proto::{event, Event};
use crate::summary::{layout, SummaryWriter};

/// The summaries of one run, with the tag names fixed once.
pub(super) struct RunLog {
    writer: SummaryWriter,
    grad_tags: Vec<String>,
    hist_tags: Vec<[String; 4]>,
    /// The pictures, drawn on a thread of their own.
    pictures: Pictures,
    /// Reused buffer for histogram values.
    scratch: Vec<f32>,
}

impl RunLog {
    pub(super) fn start(
        config: &TrainConfig,
        data: &Dataset,
        mlp: &Mlp,
        batch: usize,
        options: WriterOptions,
    ) -> Result<RunLog, Error> {
        let mut writer = SummaryWriter::with_options(&config.logdir, options)?;
        let depth = mlp.depth();
        for (tag, description) in tags::descriptions(depth) {
            writer.set_description(&tag, &description)?;
        }
        let grad_tags = (1..=depth).map(tags::grad_norm).collect();
        let hist_tags = (1..=depth).map(tags::histograms).collect();

        if let Some(experiment) = &config.experiment {
            writer.add_hparams_experiment(experiment)?;
        }
        writer.add_hparams_start(&config.hparams(), config.hparams_group.as_deref())?;
        let widths: Vec<usize> = mlp.layers().iter().map(|l| l.fan_out()).collect();
        writer.add_graph(&graph::build(&graph::GraphSpec {
            inputs: data.features(),
            layer_widths: &widths,
            hidden_op: graph::activation_op(config.act),
            pieces: config.activation_pieces(),
            batch: batch as i64,
            optimizer_op: graph::optimizer_op(config.optimizer),
        }))?;
        writer.add_custom_scalars(&layout::multiline(
            tags::GRAD_NORM_CHART,
            &[(
                "gradient norm per layer (dCost/dW)",
                vec![tags::GRAD_NORM_PATTERN.to_string()],
            )],
        ))?;
        writer.add_text(tags::CONFIG, &config.markdown(), 0)?;
        Ok(RunLog {
            writer,
            grad_tags,
            hist_tags,
            pictures: Pictures::new(boundary::Painter::new(data, mlp)?),
            scratch: Vec::new(),
        })
    }

    /// Writes everything so far to the file.
    pub(super) fn flush(&mut self) -> Result<(), Error> {
        Ok(self.writer.flush()?)
    }

    /// The run's event file.
    pub(super) fn event_file(&self) -> &std::path::Path {
        self.writer.event_file()
    }

    /// The step's scalars, in one event (a third of the bytes of one event each).
    pub(super) fn scalars(&mut self, ws: &Workspace, cost: f32, step: u64) -> Result<(), Error> {
        let mut values: Vec<(&str, f32)> = Vec::with_capacity(self.grad_tags.len() + 2);
        values.push((tags::COST, cost));
        values.push((tags::ACCURACY, ws.accuracy()));
        for (k, tag) in self.grad_tags.iter().enumerate() {
            values.push((tag, ws.grad_norm(k).unwrap_or(f32::NAN)));
        }
        self.writer.add_scalars_at_step(&values, step as i64)?;
        Ok(())
    }

    pub(super) fn parameters(&mut self, mlp: &Mlp, step: u64) -> Result<(), Error> {
        let step = step as i64;
        for (layer, tags) in mlp.layers().iter().zip(&self.hist_tags) {
            copy_into(&mut self.scratch, layer.weights().iter());
            self.writer.add_histogram(&tags[0], &self.scratch, step)?;
            copy_into(&mut self.scratch, layer.biases().iter());
            self.writer.add_histogram(&tags[1], &self.scratch, step)?;
        }
        Ok(())
    }

    pub(super) fn internals(&mut self, ws: &Workspace, step: u64) -> Result<(), Error> {
        let step = step as i64;
        for (k, tags) in self.hist_tags.iter().enumerate() {
            if let Some(a) = ws.activations(k) {
                copy_into(&mut self.scratch, a.iter());
                self.writer.add_histogram(&tags[2], &self.scratch, step)?;
            }
            if let Some(g) = ws.weight_grads(k) {
                copy_into(&mut self.scratch, g.iter());
                self.writer.add_histogram(&tags[3], &self.scratch, step)?;
            }
        }
        Ok(())
    }

    /// The pictures: the decision boundary (for two-feature data) and every layer's
    /// gradient norm now (`now`) beside step 0's (`start`), handed to the drawing
    /// thread; those it has finished are written now.
    pub(super) fn images(
        &mut self,
        mlp: &Mlp,
        now: Vec<f32>,
        start: &[f32],
        step: u64,
    ) -> Result<(), Error> {
        self.pictures.draw(&mut self.writer, mlp, now, start, step)
    }

    /// Writes the end of the run: the pictures still being drawn, the predictions text,
    /// the final values, the hparams session's end, and closes the file.
    pub(super) fn finish(mut self, report: &RunReport) -> Result<(), Error> {
        self.pictures.finish(&mut self.writer)?;
        let last_step = report.steps_done.saturating_sub(1) as i64;
        let mut md =
            String::from("| input | hypothesis | predicted | label |\n|---|---|---|---|\n");
        for p in &report.predictions {
            let input: Vec<String> = p.input.iter().map(|v| format!("{v}")).collect();
            let _ = writeln!(
                md,
                "| [{}] | {} | {} | {} |",
                input.join(", "),
                p.hypothesis,
                p.predicted(),
                p.label
            );
        }
        let _ = write!(
            md,
            "\nfinal cost {:.6}, accuracy {}",
            report.final_cost, report.accuracy
        );
        match report.outcome {
            Outcome::Completed => {}
            Outcome::Diverged { step, .. } => {
                let when = if step == 0 { ", before any update" } else { "" };
                let _ = write!(
                    md,
                    "\n\n**diverged** at step {step}{when}: the cost was NaN, infinite or above {}",
                    super::DIVERGENCE_COST
                );
            }
            Outcome::Interrupted { step } => {
                let _ = write!(md, "\n\n**interrupted** before step {step}");
            }
        }
        self.writer
            .add_text(tags::PREDICTIONS, &md, last_step.max(0))?;
        let table = vanishing::table(
            &report.grad_norms_start,
            &report.grad_norms_end,
            last_step.max(0) as u64,
        );
        self.writer
            .add_text(tags::GRADIENTS_TABLE, &table, last_step.max(0))?;
        let result = RunResult::of(report)
            .summary()
            .map_err(|e| Error::Result(e.to_string()))?;
        self.writer.write_event(Event {
            wall_time: wall_time_now(),
            step: last_step.max(0),
            what: Some(event::What::Summary(result)),
            ..Default::default()
        })?;
        let status = if report.outcome == Outcome::Completed {
            Status::Success
        } else {
            Status::Failure
        };
        self.writer.add_hparams_end(status)?;
        self.writer.close()?;
        Ok(())
    }
}

/// Replaces `buf`'s contents with `values` (the model's buffers may be strided).
fn copy_into<'a>(buf: &mut Vec<f32>, values: impl Iterator<Item = &'a f32>) {
    buf.clear();
    buf.extend(values.copied());
}

/// Seconds since the Unix epoch, as event files hold them.
fn wall_time_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
