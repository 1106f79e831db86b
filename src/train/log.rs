//! The summaries of one training run: which tag holds what, written through a
//! [`SummaryWriter`]. The training loop decides when (see [`super::LogPlan`]); this
//! file decides what and under which name, reading the model's buffers in place.

use std::fmt::Write as _;

use super::config::{metrics, TEST_RUN};
use super::evaluate::Evaluation;
use super::pictures::Pictures;
use super::result::RunResult;
use super::{
    boundary, confusion, embedding, gallery, graph, tags, vanishing, Error, Outcome, RunReport,
    TrainConfig,
};
use crate::data::{Dataset, Split};
use crate::events::WriterOptions;
use crate::nn::{Mlp, Workspace};
use crate::proto::hparams::Status;
use crate::proto::{event, Event};
use crate::summary::{layout, SummaryWriter};

/// The summaries of one run, with the tag names fixed once.
pub(super) struct RunLog {
    writer: SummaryWriter,
    /// The test set's curves and pictures, in the run's [`TEST_RUN`] sub-run.
    test: Option<SummaryWriter>,
    grad_tags: Vec<String>,
    hist_tags: Vec<[String; 4]>,
    /// The pictures, drawn on a thread of their own.
    pictures: Pictures,
    /// Reused buffer for histogram values.
    scratch: Vec<f32>,
    /// Each class's name (its number for unnamed classes).
    class_names: Vec<String>,
}

impl RunLog {
    pub(super) fn start(
        config: &TrainConfig,
        split: &Split,
        mlp: &Mlp,
        batch: usize,
        options: WriterOptions,
    ) -> Result<RunLog, Error> {
        let data = &split.train;
        let classes = data.classes();
        let mut writer = SummaryWriter::with_options(&config.logdir, options.clone())?;
        let depth = mlp.depth();
        for (tag, description) in tags::descriptions(depth, classes) {
            writer.set_description(&tag, &description)?;
        }
        let grad_tags = (1..=depth).map(tags::grad_norm).collect();
        let hist_tags = (1..=depth).map(tags::histograms).collect();
        let class_names: Vec<String> = (0..classes)
            .map(|c| data.class_name(c).into_owned())
            .collect();
        let test = match &split.test {
            Some(_) => {
                let mut test = SummaryWriter::with_options(config.logdir.join(TEST_RUN), options)?;
                for (tag, description) in tags::test_descriptions(&class_names) {
                    test.set_description(&tag, &description)?;
                }
                Some(test)
            }
            None => None,
        };

        if let Some(experiment) = &config.experiment {
            // A run with a test set has its test curves as metrics too.
            let missing: Vec<_> = metrics(test.is_some())
                .into_iter()
                .filter(|m| !experiment.metrics.contains(m))
                .collect();
            if missing.is_empty() {
                writer.add_hparams_experiment(experiment)?;
            } else {
                let mut with_test = (**experiment).clone();
                with_test.metrics.extend(missing);
                writer.add_hparams_experiment(&with_test)?;
            }
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
            dropout: config.dropout > 0.0,
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
            test,
            grad_tags,
            hist_tags,
            pictures: Pictures::new(boundary::Painter::new(data, mlp)?),
            scratch: Vec::new(),
            class_names,
        })
    }

    /// Writes everything so far to the files.
    pub(super) fn flush(&mut self) -> Result<(), Error> {
        self.writer.flush()?;
        if let Some(test) = &mut self.test {
            test.flush()?;
        }
        Ok(())
    }

    /// The run's event file.
    pub(super) fn event_file(&self) -> &std::path::Path {
        self.writer.event_file()
    }

    /// The test sub-run's event file, for data with a test set.
    pub(super) fn test_event_file(&self) -> Option<&std::path::Path> {
        self.test.as_ref().map(SummaryWriter::event_file)
    }

    /// An evaluation of the test set `set` with the weights before update `step`: its
    /// cost and accuracy in the test sub-run, and with `pictures` its confusion matrix
    /// and, for images, the first test images with their predicted classes.
    pub(super) fn test(
        &mut self,
        eval: &Evaluation,
        set: &Dataset,
        step: u64,
        pictures: bool,
    ) -> Result<(), Error> {
        let Some(test) = &mut self.test else {
            return Ok(());
        };
        let step = step as i64;
        test.add_scalars_at_step(
            &[(tags::COST, eval.cost), (tags::ACCURACY, eval.accuracy)],
            step,
        )?;
        if !pictures {
            return Ok(());
        }
        let names = &self.class_names;
        if let Some((rgb, width, height)) = confusion::render(&eval.confusion, names)? {
            test.add_image(tags::CONFUSION_MATRIX, &rgb, width, height, step)?;
        }
        // One PR curve per class: "is it this class?" against the class's probability.
        let classes = set.classes();
        if eval.probabilities.len() == set.len() * classes {
            let mut is_class = vec![false; set.len()];
            let mut probability = vec![0.0f32; set.len()];
            for (class, name) in names.iter().enumerate() {
                for (i, (&label, (is, p))) in set
                    .labels()
                    .iter()
                    .zip(is_class.iter_mut().zip(probability.iter_mut()))
                    .enumerate()
                {
                    *is = label as usize == class;
                    // Softmax and sigmoid probabilities are in [0, 1]; a NaN (a diverged
                    // net) counts as 0 rather than refusing the curve.
                    let value = eval.probabilities[i * classes + class];
                    *p = if value.is_nan() {
                        0.0
                    } else {
                        value.clamp(0.0, 1.0)
                    };
                }
                test.add_pr_curve(
                    &tags::pr_curve(name),
                    &is_class,
                    &probability,
                    step,
                    PR_CURVE_THRESHOLDS,
                )?;
            }
        }
        if let Some(shape) = set.image_shape() {
            let shown: Vec<gallery::Shown> = (0..gallery::SHOWN)
                .map_while(|i| {
                    Some(gallery::Shown {
                        pixels: set.pixels(i)?,
                        predicted: names.get(eval.first_predicted(i)?)?,
                        truth: names.get(*set.labels().get(i)? as usize)?,
                    })
                })
                .collect();
            let (rgb, width, height) = gallery::render(&shown, shape)?;
            test.add_image(tags::TEST_IMAGES, &rgb, width, height, step)?;
        }
        Ok(())
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

    /// The Projector's points at the end of the run (see [`embedding`]), in the test
    /// sub-run at `step`.
    pub(super) fn embedding(
        &mut self,
        points: &embedding::Points,
        set: &Dataset,
        step: u64,
    ) -> Result<(), Error> {
        if let Some(test) = &mut self.test {
            test.add_embedding(embedding::TAG, &points.embedding(set), step as i64)?;
        }
        Ok(())
    }

    /// The class names, for the Projector's labels.
    pub(super) fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Writes the end of the run: the pictures still being drawn, the predictions text,
    /// the final values, the hparams session's end, and closes the file.
    pub(super) fn finish(mut self, report: &RunReport) -> Result<(), Error> {
        self.pictures.finish(&mut self.writer)?;
        let last_step = report.steps_done.saturating_sub(1) as i64;
        let mut md = predictions_table(report, &self.class_names);
        let _ = write!(
            md,
            "\nfinal cost {:.6}, accuracy {}",
            report.final_cost, report.accuracy
        );
        if let Some(test) = report.test {
            let _ = write!(
                md,
                "\n\ntest cost {:.6}, test accuracy {}",
                test.cost, test.accuracy
            );
        }
        match report.outcome {
            Outcome::Completed => {}
            Outcome::Diverged { step, .. } => {
                let (when, limit) = if step == 0 {
                    (", before any update", super::FIRST_COST_LIMIT)
                } else {
                    ("", report.divergence_limit)
                };
                let _ = write!(
                    md,
                    "\n\n**diverged** at step {step}{when}: the cost was NaN, infinite or above {limit}"
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
        // Close both files, whichever fails, and report the first error.
        let test = self.test.map_or(Ok(()), SummaryWriter::close);
        self.writer.close()?;
        test?;
        Ok(())
    }
}

/// The `predictions` text: the first examples with the network's output and their
/// class. Two classes: each input, the sigmoid output (the hypothesis), the predicted
/// class and the label, as the lesson prints them. More classes, or inputs too wide to
/// read: the example's number, the predicted class, its probability and the label, by
/// name.
fn predictions_table(report: &RunReport, names: &[String]) -> String {
    let name = |class: usize| {
        names
            .get(class)
            .cloned()
            .unwrap_or_else(|| class.to_string())
    };
    let narrow = report
        .predictions
        .first()
        .is_some_and(|p| p.input.len() <= MAX_INPUTS_SHOWN);
    let mut md = String::new();
    if report.classes <= 2 && narrow {
        md.push_str("| input | hypothesis | predicted | label |\n|---|---|---|---|\n");
        for p in &report.predictions {
            let input: Vec<String> = p.input.iter().map(|v| format!("{v}")).collect();
            let _ = writeln!(
                md,
                "| [{}] | {} | {} | {} |",
                input.join(", "),
                p.hypothesis,
                p.predicted,
                p.label
            );
        }
    } else {
        md.push_str("| example | predicted | probability | label |\n|---|---|---|---|\n");
        for (i, p) in report.predictions.iter().enumerate() {
            let probability = if report.classes <= 2 && p.predicted == 0 {
                1.0 - p.hypothesis
            } else {
                p.hypothesis
            };
            let _ = writeln!(
                md,
                "| {i} | {} | {probability:.4} | {} |",
                name(p.predicted).replace('|', "\\|"),
                name(p.label).replace('|', "\\|")
            );
        }
    }
    md
}

/// Thresholds of each PR curve (TensorBoard's default).
const PR_CURVE_THRESHOLDS: u32 = crate::summary::pr_curve::DEFAULT_NUM_THRESHOLDS;

/// Widest input the `predictions` text shows in full.
const MAX_INPUTS_SHOWN: usize = 8;

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
