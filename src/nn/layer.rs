//! One layer's buffers in the training step, and the part of its forward and backward
//! passes that is the same on both paths.
//!
//! Forward, for inputs `x` (the layer below's activations, or the batch itself):
//!
//! ```text
//! z  = x W + b            pre-activations, one column per weight column
//! a  = act(z)             activations, the next layer's x
//! ```
//!
//! Backward, given `da = dCost/da` from the layer above (the chain rule, step by step):
//!
//! ```text
//! dz = da * act'(z)       through the activation (at the output, dz comes from the loss)
//! dW = x^T dz             each weight's gradient: its input times its column's dz
//! db = sum over batch dz  each bias's gradient
//! dx = dz W^T             the gradient at the inputs: the layer below's da
//! ```
//!
//! The products (`x W`, `x^T dz`, `dz W^T`) are the path's own, written beside its
//! forward and backward: [`lanes`](super::lanes) for small networks, [`dense`](super::dense)
//! (matrix products) for the others. The activation and dropout are the same on both:
//! they are here. Every buffer is a flat vector laid out as the path's
//! `Layout` says.
//!
//! Dropout (training steps only) multiplies each hidden unit's output by its `mask`
//! value, 0 (dropped) or `1 / (1 - rate)` (kept, inverted scaling), into `dropped`, which
//! the layer above then reads as its `x`; the backward pass multiplies `da` by the same
//! mask before the activation's derivative.

use ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder};

use super::activation::layers::Layout;
use super::float::Float;
use super::mlp::Layer;

/// What the training step knows of one layer's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Inputs: rows of `W`.
    pub(crate) fan_in: usize,
    /// Outputs: columns of `a`.
    pub(crate) units: usize,
    /// Pre-activations per unit (maxout's pieces, else 1).
    pub(crate) pieces: usize,
}

impl Shape {
    /// Columns of `W`, entries of `b`, columns of `z`: `units * pieces`.
    pub(crate) fn columns(self) -> usize {
        self.units * self.pieces
    }
}

/// One layer's buffers for a batch: what its forward pass leaves for its backward pass,
/// and the gradients for the optimizer.
#[derive(Debug, Clone)]
pub(crate) struct Buffers<F> {
    pub(crate) shape: Shape,
    /// `z = x W + b`, `columns` columns.
    pub(crate) z: Vec<F>,
    /// `a = act(z)`, `units` columns.
    pub(crate) a: Vec<F>,
    /// `dCost/da`, `units` columns (written by the layer above; unused at the output).
    /// Empty in a workspace for inference.
    pub(crate) da: Vec<F>,
    /// `dCost/dz`, `columns` columns; empty in a workspace for inference.
    pub(crate) dz: Vec<F>,
    /// `dCost/dW`, `[fan_in, columns]` row-major, like `W`.
    pub(crate) dw: Vec<F>,
    /// `dCost/db`, `columns`.
    pub(crate) db: Vec<F>,
    /// Dropout's mask, `units` columns of 0 or `1 / (1 - rate)`; empty without dropout.
    pub(crate) mask: Vec<F>,
    /// `a * mask`, the layer above's input under dropout; empty without dropout.
    pub(crate) dropped: Vec<F>,
}

impl<F: Float> Buffers<F> {
    /// Zeroed buffers for a layer of `shape` and `examples` examples (the lanes path's
    /// padding included); without `da` and `dz` unless `training`.
    pub(crate) fn new(shape: Shape, examples: usize, training: bool) -> Self {
        let columns = |n: usize| vec![F::ZERO; n * examples];
        let gradient = |n: usize| if training { columns(n) } else { Vec::new() };
        Buffers {
            shape,
            z: columns(shape.columns()),
            a: columns(shape.units),
            da: gradient(shape.units),
            dz: gradient(shape.columns()),
            dw: vec![F::ZERO; shape.fan_in * shape.columns()],
            db: vec![F::ZERO; shape.columns()],
            mask: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// Makes room for dropout's mask (once; a no-op when it is there).
    pub(crate) fn enable_dropout(&mut self) {
        if self.mask.len() != self.a.len() {
            self.mask = vec![F::ZERO; self.a.len()];
            self.dropped = vec![F::ZERO; self.a.len()];
        }
    }

    /// What the layer above reads as `x`: `a`, or `a * mask` when `dropping`.
    pub(crate) fn output(&self, dropping: bool) -> &[F] {
        if dropping {
            &self.dropped
        } else {
            &self.a
        }
    }

    /// `a = act(z)`, after the path computed `z`.
    #[inline]
    pub(crate) fn activate(&mut self, layer: &Layer<F>, layout: Layout) {
        let units = self.shape.units;
        layer
            .activation
            .forward_layer(&self.z, &mut self.a, layout, units);
    }

    /// Dropout, forward: `dropped = a * mask`, with the mask already drawn.
    #[inline]
    pub(crate) fn drop_out(&mut self) {
        for ((d, &a), &m) in self.dropped.iter_mut().zip(&self.a).zip(&self.mask) {
            *d = a * m;
        }
    }

    /// `dz = da * act'(z)`, after `da` was written by the layer above; under dropout,
    /// `da` first goes back through the mask (`da *= mask`).
    #[inline]
    pub(crate) fn activation_backward(&mut self, layer: &Layer<F>, layout: Layout, dropping: bool) {
        if dropping {
            for (da, &m) in self.da.iter_mut().zip(&self.mask) {
                *da *= m;
            }
        }
        let Buffers { z, a, da, dz, .. } = self;
        let units = self.shape.units;
        layer.activation.backward_layer(z, a, da, dz, layout, units);
    }
}

/// A `[rows, cols]` view of a row-major buffer that holds exactly `rows * cols` values,
/// which every constructor in this module guarantees.
pub(crate) fn matrix<F>(data: &[F], rows: usize, cols: usize) -> ArrayView2<'_, F> {
    ArrayView2::from_shape((rows, cols), data)
        .expect("nn buffers are sized from the shapes they are viewed with")
}

/// The mutable [`matrix`].
pub(crate) fn matrix_mut<F>(data: &mut [F], rows: usize, cols: usize) -> ArrayViewMut2<'_, F> {
    ArrayViewMut2::from_shape((rows, cols), data)
        .expect("nn buffers are sized from the shapes they are viewed with")
}

/// A buffer of `columns` columns in `layout`, as `[batch, columns]` (without the lanes
/// path's padding).
pub(crate) fn batch_view<F>(
    data: &[F],
    layout: Layout,
    batch: usize,
    columns: usize,
) -> ArrayView2<'_, F> {
    match layout {
        Layout::Lanes { padded } => {
            // Column j of example e at j * padded + e: strides (1, padded).
            ArrayView2::from_shape((batch, columns).strides((1, padded)), data)
                .expect("nn buffers are sized from the shapes they are viewed with")
        }
        Layout::Rows { .. } => matrix(data, batch, columns),
    }
}
