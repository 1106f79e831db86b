//! The training step: the forward pass through every layer, the cost, the backward pass
//! through every layer in reverse, and the optimizer's update, in buffers made once so
//! that a step allocates nothing of its own.
//!
//! A [`Workspace`] serves one network shape and one batch size, both fixed when it is
//! made. A step first checks that the network, optimizer and batch it is given are of
//! that shape (a comparison of a few numbers per layer, and for three classes or more
//! that every label is a class) and returns an error if not; past that check nothing is
//! checked again.
//!
//! Two paths compute the layers, chosen once, by size, in [`Path::choose`] (`path.rs`):
//! the lanes path ([`lanes`](super::lanes)) for the lesson's tiny networks, and matrix
//! products ([`dense`](super::dense)) for the others. Both keep each layer's buffers in
//! [`layer`](super::layer); `passes.rs` runs a pass through every layer on the chosen
//! path, and the accessors (`view.rs`) show the buffers in the usual `[batch, units]`
//! shape as ndarray views, whichever path ran.
//!
//! Knobs, each set once after making the workspace: [`set_threads`](Workspace::set_threads)
//! (the matrix products' threads) and [`set_dropout`](Workspace::set_dropout).

use ndarray::{ArrayView1, ArrayView2};

use super::activation::layers::Layout;
use super::dropout::Dropout;
use super::float::Float;
use super::layer::Buffers;
use super::loss::Head;
use super::mlp::Mlp;
use super::optim::{Grads, Optimizer};
use super::Error;

mod passes;
mod path;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_paths;
mod view;

pub use path::{Path, LANES_ANY_BATCH, LANES_MAX_WORK};

/// What the forward pass does about dropout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dropping {
    /// Nothing is dropped (evaluation, or no dropout).
    Off,
    /// Draw new masks and apply them (a training step).
    Draw,
    /// Apply the masks of the last step again (the gradient check's fixed mask).
    #[cfg(test)]
    Reuse,
}

/// Every buffer of a training step for one network shape and batch size.
#[derive(Debug, Clone)]
pub struct Workspace<F = f32> {
    /// Examples per batch.
    batch: usize,
    path: Path,
    layout: Layout,
    /// Lanes path: the inputs, `inputs` columns in the lanes layout (zero padding).
    /// Empty on the dense path, which reads the caller's inputs where they are.
    input: Vec<F>,
    /// The labels of the last forward pass with labels, `[batch]`, as given.
    labels: Vec<F>,
    /// The same as class indices.
    targets: Vec<usize>,
    /// Each layer's buffers, input side first; as many as the network has layers (one
    /// or more).
    layers: Vec<Buffers<F>>,
    head: Head,
    /// Each example's predicted class after the last forward pass.
    predicted: Vec<usize>,
    /// Each example's [`output`](Self::output) after the last forward pass.
    output: Vec<F>,
    /// The cost of the last forward pass with labels.
    cost: Option<F>,
    dropout: Dropout<F>,
    /// Threads for the dense path's products.
    threads: usize,
    /// Whether the gradient buffers exist (`false` for [`for_inference`](Self::for_inference)).
    training: bool,
}

impl<F: Float> Workspace<F> {
    /// Buffers for training `mlp` (or networks of its shape) on batches of `batch`
    /// examples, on the path [`Path::choose`] picks, with the products on every core
    /// (see [`set_threads`](Self::set_threads)) and no dropout.
    pub fn new(mlp: &Mlp<F>, batch: usize) -> Result<Self, Error> {
        Self::build(mlp, batch, Path::choose(mlp, batch), true)
    }

    /// Buffers for evaluating `mlp` on batches of `batch` examples: the forward pass's
    /// only (no `dCost/da`, `dCost/dz`), so a large batch (the 10,000 test images) costs
    /// about half the memory of a training workspace: `4 * batch * sum over layers of
    /// (columns + units)` bytes in `f32`. [`step`](Self::step) refuses; the gradient
    /// accessors show zeros.
    pub fn for_inference(mlp: &Mlp<F>, batch: usize) -> Result<Self, Error> {
        Self::build(mlp, batch, Path::choose(mlp, batch), false)
    }

    /// A training workspace on a given path, whatever the size: for comparing the two.
    pub fn with_path(mlp: &Mlp<F>, batch: usize, path: Path) -> Result<Self, Error> {
        Self::build(mlp, batch, path, true)
    }

    fn build(mlp: &Mlp<F>, batch: usize, path: Path, training: bool) -> Result<Self, Error> {
        if batch == 0 {
            return Err(Error::EmptyBatch);
        }
        let layout = path.layout(batch);
        let examples = layout.examples();
        let input = match path {
            Path::Lanes => vec![F::ZERO; mlp.inputs() * examples],
            Path::Dense => Vec::new(),
        };
        let output = mlp.output_layer();
        Ok(Workspace {
            batch,
            path,
            layout,
            input,
            labels: vec![F::ZERO; batch],
            targets: vec![0; batch],
            layers: mlp
                .layers()
                .iter()
                .map(|layer| Buffers::new(layer.shape(), examples, training))
                .collect(),
            head: Head::new(output.activation, output.units),
            predicted: vec![0; batch],
            output: vec![F::ZERO; batch],
            cost: None,
            dropout: Dropout::off(),
            threads: default_threads(),
            training,
        })
    }

    /// Threads for the dense path's matrix products (the lanes path runs on the caller's
    /// thread alone). The default is the machine's cores. With several trainings at
    /// once (a sweep's jobs, each a thread), give each `cores / jobs` threads (at least
    /// 1): all products share one pool of `cores - 1` helper threads
    /// ([`pool`](crate::nn::pool)), and a job computes its share of its product, so
    /// `jobs * threads <= cores` keeps every core busy without more runnable threads
    /// than cores; with one thread a run never touches the pool. 0 is an error.
    pub fn set_threads(&mut self, threads: usize) -> Result<(), Error> {
        if threads == 0 {
            return Err(Error::Threads);
        }
        self.threads = threads;
        Ok(())
    }

    /// Threads for the matrix products.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Dropout for the training steps from now on: each step drops every hidden unit's
    /// output with probability `rate` (0 turns it off) and scales the kept ones by
    /// `1 / (1 - rate)`; evaluation ([`forward`](Self::forward), [`Mlp::predict`]) never
    /// drops. Masks come from a ChaCha8 generator seeded with `seed`, so one seed and
    /// one sequence of steps give the same masks on either path. Makes room for the
    /// masks (allocates, once); a rate outside [0, 1) is an error and changes nothing.
    pub fn set_dropout(&mut self, rate: f32, seed: u64) -> Result<(), Error> {
        self.dropout = Dropout::new(rate, seed)?;
        if self.dropout.is_on() && self.training {
            let hidden = self.layers.len() - 1;
            for buffers in &mut self.layers[..hidden] {
                buffers.enable_dropout();
            }
        }
        Ok(())
    }

    /// The dropout rate (0 when off).
    pub fn dropout_rate(&self) -> f32 {
        self.dropout.rate()
    }

    /// Examples per batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The path computing the layers.
    pub fn path(&self) -> Path {
        self.path
    }

    /// Classes told apart: 2 for one sigmoid output unit, else the softmax units.
    pub fn classes(&self) -> usize {
        self.head.classes()
    }

    /// Checks that `mlp`, `x` (`[batch, inputs]`) and `y` (`[batch]`) fit this workspace;
    /// for three classes or more, each label must be a class index `0, 1, ..., K - 1`.
    pub fn check(
        &self,
        mlp: &Mlp<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
    ) -> Result<(), Error> {
        self.check_inputs(mlp, x)?;
        if y.len() != self.batch {
            return Err(Error::LabelCount {
                found: y.len(),
                batch: self.batch,
            });
        }
        if let Head::Softmax { classes } = self.head {
            for (index, &label) in y.iter().enumerate() {
                if class_index(label, classes).is_none() {
                    let value = label.to_f64();
                    return Err(Error::Label {
                        index,
                        value,
                        classes,
                    });
                }
            }
        }
        Ok(())
    }

    /// Checks that `mlp` has this workspace's shape and `x` is `[batch, inputs]`.
    fn check_inputs(&self, mlp: &Mlp<F>, x: ArrayView2<'_, F>) -> Result<(), Error> {
        let same_shape = self.layers.len() == mlp.depth()
            && self
                .layers
                .iter()
                .zip(mlp.layers())
                .all(|(buffers, layer)| buffers.shape == layer.shape());
        if !same_shape {
            return Err(Error::Mismatch { what: "workspace" });
        }
        if x.dim() != (self.batch, mlp.inputs()) {
            return Err(Error::InputShape {
                rows: x.nrows(),
                cols: x.ncols(),
                batch: self.batch,
                inputs: mlp.inputs(),
            });
        }
        Ok(())
    }

    /// One training step: forward (dropping units if [`set_dropout`](Self::set_dropout)
    /// says so), cost, backward, and `opt`'s update of `mlp` with learning rate `lr`.
    /// Returns the cost computed before the update (as TensorFlow's
    /// `sess.run([cost, train])`). Allocates nothing on the lanes path; on the dense
    /// path only what the `gemm` crate allocates inside each product (see
    /// [`matmul`](super::matmul)).
    ///
    /// An `mlp`, `opt`, `x` or `y` of another shape than this workspace's (see
    /// [`check`](Self::check)) is an error, and then nothing is updated; so is a
    /// workspace made [`for_inference`](Self::for_inference).
    pub fn step(
        &mut self,
        mlp: &mut Mlp<F>,
        opt: &mut Optimizer<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
        lr: F,
    ) -> Result<F, Error> {
        if !self.training {
            return Err(Error::InferenceOnly);
        }
        self.check(mlp, x, y)?;
        opt.check(mlp)?;
        Ok(self.checked_step(mlp, opt, x, y, lr))
    }

    /// [`step`](Self::step) after the checks.
    fn checked_step(
        &mut self,
        mlp: &mut Mlp<F>,
        opt: &mut Optimizer<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
        lr: F,
    ) -> F {
        let dropping = if self.dropout.is_on() {
            Dropping::Draw
        } else {
            Dropping::Off
        };
        let cost = self.forward_pass(mlp, x, y, dropping);
        self.backward_pass(mlp, x, dropping != Dropping::Off);
        let grads = self.layers.iter().map(|buffers| Grads {
            weights: &buffers.dw,
            biases: &buffers.db,
        });
        opt.update(&mut mlp.layers, grads, lr, self.threads);
        cost
    }

    /// The forward pass and the mean cross-entropy, without any update and without
    /// dropout: for evaluating. Fills [`output`](Self::output),
    /// [`probabilities`](Self::probabilities), [`predicted_classes`](Self::predicted_classes),
    /// [`accuracy`](Self::accuracy) and the activations.
    pub fn forward(
        &mut self,
        mlp: &Mlp<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
    ) -> Result<F, Error> {
        self.check(mlp, x, y)?;
        Ok(self.forward_pass(mlp, x, y, Dropping::Off))
    }

    /// [`forward`](Self::forward) under the dropout masks of the last step: the cost
    /// whose gradient that step computed, for the finite-difference check.
    #[cfg(test)]
    pub(crate) fn forward_reusing_masks(
        &mut self,
        mlp: &Mlp<F>,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
    ) -> Result<F, Error> {
        self.check(mlp, x, y)?;
        let dropping = if self.dropout.is_on() {
            Dropping::Reuse
        } else {
            Dropping::Off
        };
        Ok(self.forward_pass(mlp, x, y, dropping))
    }

    /// The forward pass without labels: fills the outputs, probabilities and predicted
    /// classes, leaves the cost and the labels (so [`accuracy`](Self::accuracy)) alone.
    pub fn predict(&mut self, mlp: &Mlp<F>, x: ArrayView2<'_, F>) -> Result<(), Error> {
        self.check_inputs(mlp, x)?;
        self.forward_layers(mlp, x, Dropping::Off);
        self.classify();
        Ok(())
    }
}

/// The class a label names, if it is one of `0, 1, ..., classes - 1` exactly.
fn class_index<F: Float>(label: F, classes: usize) -> Option<usize> {
    let value = label.to_f64();
    let whole = value >= 0.0 && value < classes as f64 && value.fract() == 0.0;
    whole.then_some(value as usize)
}

/// The machine's cores (1 if unknown): the default number of threads.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
