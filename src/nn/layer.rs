//! One layer of the training step: its forward pass and, right beside it, its backward
//! pass, on buffers made once.
//!
//! Forward, for inputs `x` (the layer below's activations, or the batch itself):
//!
//! ```text
//! z  = x W + b            pre-activations, one row per weight column
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
//! Buffers are stored unit by unit, with the batch along [`LANES`]-wide lane vectors: a
//! row holds one unit's values for the whole batch, `chunks` vectors of four examples,
//! padded with zero columns to a multiple of four. Arithmetic on a [`Lanes`] is written
//! lane by lane; the compiler turns each into one SIMD instruction, which is all the
//! speed this tiny network needs.

use ndarray::ArrayView2;

use super::float::Float;
use super::mlp::Layer;

/// Examples processed together: the length of a [`Lanes`].
pub const LANES: usize = 4;

/// One unit's values for four examples of the batch.
pub type Lanes<F> = [F; LANES];

/// What the training step knows of one layer's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Inputs: rows of `W`.
    pub(crate) fan_in: usize,
    /// Outputs: rows of `a`.
    pub(crate) units: usize,
    /// Pre-activations per unit (maxout's pieces, else 1).
    pub(crate) pieces: usize,
}

impl Shape {
    /// Columns of `W`, entries of `b`, rows of `z`: `units * pieces`.
    pub(crate) fn columns(self) -> usize {
        self.units * self.pieces
    }
}

/// One layer's buffers for a batch of `chunks * LANES` examples (padding included): what
/// its forward pass leaves for its backward pass, and the gradients for the optimizer.
#[derive(Debug, Clone)]
pub(crate) struct Buffers<F> {
    pub(crate) shape: Shape,
    /// Lane vectors per row.
    pub(crate) chunks: usize,
    /// `z = x W + b`, `columns` rows.
    pub(crate) z: Vec<Lanes<F>>,
    /// `a = act(z)`, `units` rows.
    pub(crate) a: Vec<Lanes<F>>,
    /// `dCost/da`, `units` rows (written by the layer above; unused at the output).
    pub(crate) da: Vec<Lanes<F>>,
    /// `dCost/dz`, `columns` rows.
    pub(crate) dz: Vec<Lanes<F>>,
    /// `dCost/dW`, `[fan_in, columns]` row-major, like `W`.
    pub(crate) dw: Vec<F>,
    /// `dCost/db`, `columns`.
    pub(crate) db: Vec<F>,
}

impl<F: Float> Buffers<F> {
    /// Zeroed buffers for a layer of `shape` and rows of `chunks` lane vectors.
    pub(crate) fn new(shape: Shape, chunks: usize) -> Self {
        let rows = |n: usize| vec![[F::ZERO; LANES]; n * chunks];
        Buffers {
            shape,
            chunks,
            z: rows(shape.columns()),
            a: rows(shape.units),
            da: rows(shape.units),
            dz: rows(shape.columns()),
            dw: vec![F::ZERO; shape.fan_in * shape.columns()],
            db: vec![F::ZERO; shape.columns()],
        }
    }

    /// Forward: `z = x W + b`, then `a = act(z)`.
    #[inline]
    pub(crate) fn forward(&mut self, layer: &Layer<F>, x: &[Lanes<F>]) {
        self.affine(x, &layer.weights, &layer.biases);
        layer
            .activation
            .forward_layer(&self.z, &mut self.a, self.chunks);
    }

    /// Backward, given `da`: `dz = da * act'(z)`, then [`backward_from_dz`].
    ///
    /// [`backward_from_dz`]: Self::backward_from_dz
    #[inline]
    pub(crate) fn backward(
        &mut self,
        layer: &Layer<F>,
        x: &[Lanes<F>],
        dx: Option<&mut [Lanes<F>]>,
    ) {
        let Buffers { z, a, da, dz, .. } = self;
        layer.activation.backward_layer(z, a, da, dz, self.chunks);
        self.backward_from_dz(layer, x, dx);
    }

    /// Backward from `dz`: `dW = x^T dz`, `db = sum dz`, and `dx = dz W^T` into the layer
    /// below's `da` when there is a layer below.
    #[inline]
    pub(crate) fn backward_from_dz(
        &mut self,
        layer: &Layer<F>,
        x: &[Lanes<F>],
        dx: Option<&mut [Lanes<F>]>,
    ) {
        self.parameter_grads(x);
        if let Some(dx) = dx {
            self.input_grads(&layer.weights, dx);
        }
    }

    // In the three loops below, row `r` of a buffer is its `chunks` lane vectors from
    // `r * chunks`, so `x[i * chunks + c]` is input `i` for the examples of chunk `c`;
    // `W[i, j]` is `w[i * columns + j]`.

    /// `z = x W + b`: `z[j] = b[j] + sum_i x[i] W[i, j]`, for every column `j` and
    /// chunk of examples, added in order of `i`.
    #[inline]
    fn affine(&mut self, x: &[Lanes<F>], w: &[F], b: &[F]) {
        let (chunks, fan_in, columns) = (self.chunks, self.shape.fan_in, self.shape.columns());
        for j in 0..columns {
            for c in 0..chunks {
                let mut z = [b[j]; LANES];
                for i in 0..fan_in {
                    z = add_scaled(z, w[i * columns + j], &x[i * chunks + c]);
                }
                self.z[j * chunks + c] = z;
            }
        }
    }

    /// `dW[i, j] = sum over the batch of x[i] dz[j]` and `db[j] = sum over the batch of
    /// dz[j]`. Padding columns hold `dz = 0`, so they add nothing.
    #[inline]
    fn parameter_grads(&mut self, x: &[Lanes<F>]) {
        let (chunks, fan_in, columns) = (self.chunks, self.shape.fan_in, self.shape.columns());
        let dz = &self.dz;
        for j in 0..columns {
            self.db[j] = batch_sum((0..chunks).map(|c| dz[j * chunks + c]));
        }
        for i in 0..fan_in {
            for j in 0..columns {
                let products = (0..chunks).map(|c| mul(&x[i * chunks + c], &dz[j * chunks + c]));
                self.dw[i * columns + j] = batch_sum(products);
            }
        }
    }

    /// `dx = dz W^T`: `dx[i] = sum_j W[i, j] dz[j]`, for every input `i` and chunk of
    /// examples, added in order of `j`.
    #[inline]
    fn input_grads(&self, w: &[F], dx: &mut [Lanes<F>]) {
        let (chunks, fan_in, columns) = (self.chunks, self.shape.fan_in, self.shape.columns());
        for i in 0..fan_in {
            for c in 0..chunks {
                let mut sum = [F::ZERO; LANES];
                for j in 0..columns {
                    sum = add_scaled(sum, w[i * columns + j], &self.dz[j * chunks + c]);
                }
                dx[i * chunks + c] = sum;
            }
        }
    }
}

/// `acc + w * x`, lane by lane.
#[inline(always)]
fn add_scaled<F: Float>(acc: Lanes<F>, w: F, x: &Lanes<F>) -> Lanes<F> {
    std::array::from_fn(|l| acc[l] + w * x[l])
}

/// `a * b`, lane by lane.
#[inline(always)]
fn mul<F: Float>(a: &Lanes<F>, b: &Lanes<F>) -> Lanes<F> {
    std::array::from_fn(|l| a[l] * b[l])
}

/// The sum of every lane of every chunk: each chunk's lanes left to right, then the
/// chunks in order. It starts from -0, the exact identity of addition (0 + -0 is +0).
#[inline(always)]
fn batch_sum<F: Float>(chunks: impl Iterator<Item = Lanes<F>>) -> F {
    chunks.fold(-F::ZERO, |sum, v| sum + (((v[0] + v[1]) + v[2]) + v[3]))
}

/// A `[rows, cols]` view of a row-major buffer that holds exactly `rows * cols` values,
/// which every constructor in this module guarantees.
pub(crate) fn matrix<F>(data: &[F], rows: usize, cols: usize) -> ArrayView2<'_, F> {
    ArrayView2::from_shape((rows, cols), data)
        .expect("nn buffers are sized from the shapes they are viewed with")
}

const _: () = assert!(LANES == 4, "batch_sum adds four lanes");
