//! The matrix-product path: a layer's forward and backward passes over a whole batch as
//! matrix products ([`matmul`]), for networks too large for [`lanes`](super::lanes).
//!
//! Buffers are `[batch, columns]` row-major (`Layout::Rows`), one example per row,
//! as TensorFlow's tensors are. The batch's inputs are read where the caller keeps them
//! (any strides); `x^T` and `W^T` are views of `x` and `W`.

use ndarray::ArrayView2;

use super::activation::layers::Layout;
use super::float::Float;
use super::layer::{matrix, matrix_mut, Buffers};
use super::matmul::matmul;
use super::mlp::Layer;

/// The rows layout for a batch of `batch` examples.
pub(crate) fn layout(batch: usize) -> Layout {
    Layout::Rows { batch }
}

/// Forward: `z = x W + b`, then `a = act(z)`. `x` is `[batch, fan_in]`.
#[inline]
pub(crate) fn forward<F: Float>(
    buffers: &mut Buffers<F>,
    layer: &Layer<F>,
    x: ArrayView2<'_, F>,
    threads: usize,
) {
    let batch = x.nrows();
    let columns = buffers.shape.columns();
    // z = b in every row, then z += x W.
    for row in buffers.z.chunks_exact_mut(columns) {
        row.copy_from_slice(&layer.biases);
    }
    let z = matrix_mut(&mut buffers.z, batch, columns);
    matmul(x, layer.weights(), z, true, threads);
    buffers.activate(layer, layout(batch));
}

/// Backward from `dz`: `dW = x^T dz`, `db = sum over the batch of dz`, and `dx = dz W^T`
/// into the layer below's `da` when there is a layer below (the first layer's `dx`
/// would be the inputs' gradient, which nothing needs).
#[inline]
pub(crate) fn backward_from_dz<F: Float>(
    buffers: &mut Buffers<F>,
    layer: &Layer<F>,
    x: ArrayView2<'_, F>,
    dx: Option<&mut [F]>,
    threads: usize,
) {
    let (batch, fan_in) = x.dim();
    let columns = buffers.shape.columns();
    let dz = matrix(&buffers.dz, batch, columns);
    matmul(
        x.t(),
        dz,
        matrix_mut(&mut buffers.dw, fan_in, columns),
        false,
        threads,
    );
    buffers.db.fill(F::ZERO);
    for row in buffers.dz.chunks_exact(columns) {
        for (db, &g) in buffers.db.iter_mut().zip(row) {
            *db += g;
        }
    }
    if let Some(dx) = dx {
        let dx = matrix_mut(dx, batch, fan_in);
        matmul(dz, layer.weights().t(), dx, false, threads);
    }
}
