//! Which path computes a network's layers, chosen in one place by size.

use crate::nn::activation::layers::Layout;
use crate::nn::float::Float;
use crate::nn::mlp::Mlp;
use crate::nn::{dense, lanes};

/// Which code computes a network's layers. Both compute the same maths (a test holds
/// them to the same costs, gradients and updates within float tolerance); they differ
/// in speed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Loops over lane vectors of four examples ([`lanes`](crate::nn::lanes)): fastest for
    /// the lesson's width-5 nets, where a matrix product's setup costs more than its work.
    Lanes,
    /// Matrix products through the `gemm` crate ([`dense`](crate::nn::dense)).
    Dense,
}

/// Layers of at most this many weights (the lesson's 5x5) run on the lanes path at any
/// batch size: measured up to 200 examples, a matrix product's setup still costs more
/// than its work there (`cargo bench --bench nn_step` prints the crossover).
pub const LANES_ANY_BATCH: usize = 32;

/// Beyond [`LANES_ANY_BATCH`], the lanes path takes a network while the padded batch
/// times its largest layer's weights stays at most this: where the two paths cross.
pub const LANES_MAX_WORK: usize = 1024;

impl Path {
    /// The path for `mlp` at `batch` examples per step: [`Path::Lanes`] when its largest
    /// layer has at most [`LANES_ANY_BATCH`] weights, or when the batch (padded to whole
    /// lane vectors) times those weights is at most [`LANES_MAX_WORK`]; else
    /// [`Path::Dense`]. The one place the choice is made.
    pub fn choose<F: Float>(mlp: &Mlp<F>, batch: usize) -> Path {
        let largest = largest_layer(mlp);
        let padded = batch.div_ceil(lanes::LANES) * lanes::LANES;
        if largest <= LANES_ANY_BATCH || padded.saturating_mul(largest) <= LANES_MAX_WORK {
            Path::Lanes
        } else {
            Path::Dense
        }
    }

    /// How this path lays out a batch of `batch` examples.
    pub(super) fn layout(self, batch: usize) -> Layout {
        match self {
            Path::Lanes => lanes::layout(batch),
            Path::Dense => dense::layout(batch),
        }
    }
}

/// Weights of `mlp`'s largest layer.
fn largest_layer<F: Float>(mlp: &Mlp<F>) -> usize {
    mlp.layers()
        .iter()
        .map(|l| l.weights.len())
        .max()
        .unwrap_or(0)
}
