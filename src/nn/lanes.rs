//! The small-network path: a layer's products for the lesson's tiny nets (width 5, a
//! batch of 4), where the batch, not the layer, fills the SIMD registers.
//!
//! Buffers are stored column by column (`Layout::Lanes`): a column holds one unit's
//! values for the whole batch, as `chunks` lane vectors of [`LANES`] examples, padded
//! with zero examples to a multiple of four. Arithmetic on a [`Lanes`] is written lane by
//! lane; the compiler turns each into one SIMD instruction, which is all the speed such
//! a network needs. The padding's inputs are zero and its `dz` stays zero, so it adds
//! nothing to any gradient.

use ndarray::ArrayView2;

use super::activation::layers::Layout;
use super::float::Float;
use super::layer::Buffers;
use super::mlp::Layer;

/// Examples processed together: the length of a [`Lanes`].
pub const LANES: usize = 4;

/// One unit's values for four examples of the batch.
pub type Lanes<F> = [F; LANES];

/// The lanes layout for a batch of `batch` examples.
pub(crate) fn layout(batch: usize) -> Layout {
    Layout::Lanes {
        padded: batch.div_ceil(LANES) * LANES,
    }
}

/// A flat buffer as lane vectors (every lanes buffer holds whole lane vectors).
#[inline(always)]
fn lanes<F>(v: &[F]) -> &[Lanes<F>] {
    v.as_chunks::<LANES>().0
}

/// The mutable [`lanes`].
#[inline(always)]
fn lanes_mut<F>(v: &mut [F]) -> &mut [Lanes<F>] {
    v.as_chunks_mut::<LANES>().0
}

/// Copies `x` (`[batch, inputs]`) into `input` (lanes layout, `inputs` columns): example
/// `b` goes to position `b` of each column.
pub(crate) fn load_inputs<F: Float>(input: &mut [F], x: ArrayView2<'_, F>, padded: usize) {
    for (b, example) in x.rows().into_iter().enumerate() {
        let column = input.iter_mut().skip(b).step_by(padded);
        for (slot, &v) in column.zip(example) {
            *slot = v;
        }
    }
}

/// Forward: `z = x W + b`, then `a = act(z)`; `x` is the layer below's output (or the
/// loaded inputs) in the lanes layout.
#[inline]
pub(crate) fn forward<F: Float>(
    buffers: &mut Buffers<F>,
    layer: &Layer<F>,
    x: &[F],
    layout: Layout,
) {
    let chunks = layout.examples() / LANES;
    affine(buffers, lanes(x), &layer.weights, &layer.biases, chunks);
    buffers.activate(layer, layout);
}

/// Backward from `dz`: `dW = x^T dz`, `db = sum dz`, and `dx = dz W^T` into the layer
/// below's `da` when there is a layer below.
#[inline]
pub(crate) fn backward_from_dz<F: Float>(
    buffers: &mut Buffers<F>,
    layer: &Layer<F>,
    x: &[F],
    dx: Option<&mut [F]>,
    layout: Layout,
) {
    let chunks = layout.examples() / LANES;
    parameter_grads(buffers, lanes(x), chunks);
    if let Some(dx) = dx {
        input_grads(buffers, &layer.weights, lanes_mut(dx), chunks);
    }
}

// In the three loops below, `chunks` is the lane vectors per column (the padded batch
// over LANES), column `r` of a buffer is its `chunks` lane vectors from
// `r * chunks`, so `x[i * chunks + c]` is input `i` for the examples of chunk `c`;
// `W[i, j]` is `w[i * columns + j]`.

/// `z = x W + b`: `z[j] = b[j] + sum_i x[i] W[i, j]`, for every column `j` and chunk of
/// examples, added in order of `i`.
#[inline]
fn affine<F: Float>(buffers: &mut Buffers<F>, x: &[Lanes<F>], w: &[F], b: &[F], chunks: usize) {
    let (fan_in, columns) = (buffers.shape.fan_in, buffers.shape.columns());
    let z = lanes_mut(&mut buffers.z);
    for j in 0..columns {
        for c in 0..chunks {
            let mut sum = [b[j]; LANES];
            for i in 0..fan_in {
                sum = add_scaled(sum, w[i * columns + j], &x[i * chunks + c]);
            }
            z[j * chunks + c] = sum;
        }
    }
}

/// `dW[i, j] = sum over the batch of x[i] dz[j]` and `db[j] = sum over the batch of
/// dz[j]`. Padding examples hold `dz = 0`, so they add nothing.
#[inline]
fn parameter_grads<F: Float>(buffers: &mut Buffers<F>, x: &[Lanes<F>], chunks: usize) {
    let (fan_in, columns) = (buffers.shape.fan_in, buffers.shape.columns());
    let dz = lanes(&buffers.dz);
    for j in 0..columns {
        buffers.db[j] = batch_sum((0..chunks).map(|c| dz[j * chunks + c]));
    }
    for i in 0..fan_in {
        for j in 0..columns {
            let products = (0..chunks).map(|c| mul(&x[i * chunks + c], &dz[j * chunks + c]));
            buffers.dw[i * columns + j] = batch_sum(products);
        }
    }
}

/// `dx = dz W^T`: `dx[i] = sum_j W[i, j] dz[j]`, for every input `i` and chunk of
/// examples, added in order of `j`.
#[inline]
fn input_grads<F: Float>(buffers: &Buffers<F>, w: &[F], dx: &mut [Lanes<F>], chunks: usize) {
    let (fan_in, columns) = (buffers.shape.fan_in, buffers.shape.columns());
    let dz = lanes(&buffers.dz);
    for i in 0..fan_in {
        for c in 0..chunks {
            let mut sum = [F::ZERO; LANES];
            for j in 0..columns {
                sum = add_scaled(sum, w[i * columns + j], &dz[j * chunks + c]);
            }
            dx[i * chunks + c] = sum;
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

const _: () = assert!(LANES == 4, "batch_sum adds four lanes");
