//! The summaries of one training run: which tag holds what, written through a
//! [`SummaryWriter`]. The training loop decides when (see [`super::LogPlan`]); this
//! file decides what and under which name, reading the model's buffers in place.

use std::fmt::Write as _;

use ndarray::{Array1, Array2, Axis};

use super::{
    boundary, experiment_for, grad_norm, graph, op_name, Error, Outcome, Prediction, TrainConfig,
};
use crate::data::Dataset;
use crate::events::WriterOptions;
use crate::nn::{Mlp, OptimizerKind, Workspace};
use crate::proto::hparams::Status;
use crate::summary::{layout, SummaryWriter};

/// Cost of the final weights on the whole dataset, at step `steps_done`.
pub const FINAL_COST_TAG: &str = "final/cost";
/// Accuracy of the final weights on the whole dataset, at step `steps_done`.
pub const FINAL_ACCURACY_TAG: &str = "final/accuracy";
/// Present when the cost fell below 0.1; its step is the first such step.
pub const FIRST_BELOW_TAG: &str = "final/first_step_below_0_1";
/// Present when the run diverged; its step is the step whose cost was not finite.
pub const DIVERGED_TAG: &str = "final/diverged_at_step";

/// The summaries of one run, with the tag names fixed once.
pub(super) struct RunLog {
    writer: SummaryWriter,
    grad_tags: Vec<String>,
    hist_tags: Vec<[String; 4]>,
    lattice: Array2<f32>,
    /// Evaluates the model on the lattice without allocating (and in SIMD lanes: about
    /// ten times faster than `Mlp::predict` row by row).
    lattice_ws: Workspace,
    /// Dummy labels for the lattice's forward pass (its cost is not used).
    lattice_labels: Array1<f32>,
    plane: [f32; 4],
    points: Vec<boundary::Point>,
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
        let grad_tags = (1..=depth).map(|k| format!("grad_norm/layer{k}")).collect();
        let hist_tags = (1..=depth)
            .map(|k| {
                [
                    format!("layer{k}/weights"),
                    format!("layer{k}/biases"),
                    format!("layer{k}/activations"),
                    format!("layer{k}/gradients"),
                ]
            })
            .collect();

        let hparams = config.hparams();
        if config.write_experiment {
            writer.add_hparams_experiment(&experiment_for(&hparams))?;
        }
        writer.add_hparams_start(&hparams, None)?;
        let widths: Vec<usize> = mlp.layers().iter().map(|l| l.fan_out()).collect();
        writer.add_graph(&graph::build(&graph::GraphSpec {
            inputs: data.features(),
            layer_widths: &widths,
            hidden_op: op_name(config.act),
            batch: batch as i64,
            optimizer_op: match config.optimizer {
                OptimizerKind::Sgd => "GradientDescent",
                OptimizerKind::Momentum => "Momentum",
                OptimizerKind::Adam => "Adam",
            },
        }))?;
        writer.add_custom_scalars(&layout::multiline(
            "vanishing gradient",
            &[(
                "gradient norm per layer (dCost/dW)",
                vec![r"grad_norm/layer\d+".to_string()],
            )],
        ))?;
        writer.add_text("config", &config.markdown(), 0)?;

        let plane = data.plane();
        let grid = boundary::GRID;
        let flat = boundary::lattice(plane, grid);
        let lattice = Array2::from_shape_vec((grid * grid, 2), flat)
            .map_err(|e| Error::Config(format!("decision-boundary lattice: {e}")))?;
        let lattice_ws = Workspace::new(mlp, grid * grid)?;
        let lattice_labels = Array1::zeros(grid * grid);
        let points = if data.features() == 2 {
            data.x
                .axis_iter(Axis(0))
                .zip(data.y.iter())
                .map(|(r, &label)| boundary::Point {
                    x: r[0],
                    y: r[1],
                    label,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(RunLog {
            writer,
            grad_tags,
            hist_tags,
            lattice,
            lattice_ws,
            lattice_labels,
            plane,
            points,
            scratch: Vec::new(),
        })
    }

    pub(super) fn scalars(
        &mut self,
        ws: &Workspace,
        cost: f32,
        depth: usize,
        step: u64,
    ) -> Result<(), Error> {
        let step = step as i64;
        self.writer.add_scalar("cost", cost, step)?;
        self.writer.add_scalar("accuracy", ws.accuracy(), step)?;
        for k in 0..depth {
            self.writer
                .add_scalar(&self.grad_tags[k], grad_norm(ws, k), step)?;
        }
        Ok(())
    }

    pub(super) fn parameters(&mut self, mlp: &Mlp, step: u64) -> Result<(), Error> {
        let step = step as i64;
        for (k, layer) in mlp.layers().iter().enumerate() {
            let tags = &self.hist_tags[k];
            copy_into(&mut self.scratch, layer.weights().iter());
            self.writer.add_histogram(&tags[0], &self.scratch, step)?;
            copy_into(&mut self.scratch, layer.biases().iter());
            self.writer.add_histogram(&tags[1], &self.scratch, step)?;
        }
        Ok(())
    }

    pub(super) fn internals(
        &mut self,
        ws: &Workspace,
        depth: usize,
        step: u64,
    ) -> Result<(), Error> {
        let step = step as i64;
        for k in 0..depth {
            let tags = &self.hist_tags[k];
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

    pub(super) fn boundary(&mut self, mlp: &Mlp, data: &Dataset, step: u64) -> Result<(), Error> {
        let _ = data;
        let (x, y) = (self.lattice.view(), self.lattice_labels.view());
        let unplottable;
        let probs = if self.lattice_ws.check(mlp, x, y).is_ok() {
            self.lattice_ws.forward(mlp, x, y)?;
            self.lattice_ws.output().to_slice().unwrap_or(&[])
        } else {
            // Not a 2-D input: NaN everywhere, drawn black.
            unplottable = Array1::from_elem(x.nrows(), f32::NAN);
            unplottable.as_slice().unwrap_or(&[])
        };
        let rgb = boundary::render(
            probs,
            boundary::GRID,
            self.plane,
            &self.points,
            boundary::SIZE,
        );
        let size = boundary::SIZE as u32;
        self.writer
            .add_image("decision_boundary", &rgb, size, size, step as i64)?;
        Ok(())
    }

    pub(super) fn finish(
        mut self,
        predictions: &[Prediction],
        cost: f32,
        accuracy: f32,
        steps_done: u64,
        first_below: Option<u64>,
        outcome: Outcome,
    ) -> Result<(), Error> {
        let last_step = steps_done.saturating_sub(1) as i64;
        let mut md =
            String::from("| input | hypothesis | predicted | label |\n|---|---|---|---|\n");
        for p in predictions {
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
        let _ = write!(md, "\nfinal cost {cost:.6}, accuracy {accuracy}");
        match outcome {
            Outcome::Completed => {}
            Outcome::Diverged { step } => {
                let _ = write!(
                    md,
                    "\n\n**diverged** at step {step}: the cost was not finite"
                );
            }
            Outcome::Interrupted { step } => {
                let _ = write!(md, "\n\n**interrupted** before step {step}");
            }
        }
        self.writer.add_text("predictions", &md, last_step.max(0))?;
        self.final_scalars(cost, accuracy, steps_done, first_below, outcome)?;
        let status = if outcome == Outcome::Completed {
            Status::Success
        } else {
            Status::Failure
        };
        self.writer.add_hparams_end(status)?;
        self.writer.close()?;
        Ok(())
    }
}

impl RunLog {
    /// The run's result as scalars a reader can rebuild it from (the sweep summary does):
    /// `final/cost` and `final/accuracy` of the final weights at step `steps_done`, and
    /// two markers whose *step* is the fact (value = the same step): `final/first_step_below_0_1`
    /// when the cost fell below 0.1, `final/diverged_at_step` when the cost diverged
    /// (see [`super::DIVERGENCE_COST`]). Written whatever `--log-every` says, like the
    /// hparams session.
    fn final_scalars(
        &mut self,
        cost: f32,
        accuracy: f32,
        steps_done: u64,
        first_below: Option<u64>,
        outcome: Outcome,
    ) -> Result<(), Error> {
        let at = steps_done as i64;
        self.writer.add_scalar(FINAL_COST_TAG, cost, at)?;
        self.writer.add_scalar(FINAL_ACCURACY_TAG, accuracy, at)?;
        if let Some(step) = first_below {
            self.writer
                .add_scalar(FIRST_BELOW_TAG, step as f32, step as i64)?;
        }
        if let Outcome::Diverged { step } = outcome {
            self.writer
                .add_scalar(DIVERGED_TAG, step as f32, step as i64)?;
        }
        Ok(())
    }
}

/// Replaces `buf`'s contents with `values` (the model's buffers may be strided).
fn copy_into<'a>(buf: &mut Vec<f32>, values: impl Iterator<Item = &'a f32>) {
    buf.clear();
    buf.extend(values.copied());
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use crate::nn::{Activation, Init, Mlp, MlpConfig, Workspace};
    use crate::train::boundary;

    #[test]
    fn lattice_forward_matches_predict() {
        // The picture's probabilities come from a Workspace forward pass; they must be
        // the model's outputs, as `Mlp::predict` gives them.
        for act in [Activation::Sigmoid, Activation::Relu, Activation::Tanh] {
            let config = MlpConfig {
                inputs: 2,
                width: 5,
                depth: 11,
                hidden: act,
                init: Init::Uniform,
            };
            let mlp = Mlp::new(&config, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
            let n = boundary::GRID * boundary::GRID;
            let flat = boundary::lattice([-0.5, 1.5, -0.5, 1.5], boundary::GRID);
            let x = Array2::from_shape_vec((n, 2), flat).unwrap();
            let mut ws = Workspace::new(&mlp, n).unwrap();
            ws.forward(&mlp, x.view(), Array1::zeros(n).view()).unwrap();
            let want = mlp.predict(x.view()).unwrap();
            assert_eq!(ws.output().len(), n);
            for (i, (a, b)) in ws.output().iter().zip(want.iter()).enumerate() {
                assert!((a - b).abs() <= 1e-5, "{act} point {i}: {a} vs {b}");
            }
        }
    }
}
