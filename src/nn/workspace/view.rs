//! The read-only accessors: what the last pass left, in the usual `[batch, units]` shape
//! as ndarray views (without the lanes path's padding), whichever path ran.

use ndarray::{ArrayView1, ArrayView2};

use super::Workspace;
use crate::nn::float::Float;
use crate::nn::layer::{batch_view, matrix, Buffers};
use crate::nn::loss;

impl<F: Float> Workspace<F> {
    /// The output layer's buffers (a network has at least one layer).
    pub(super) fn output_buffers(&self) -> &Buffers<F> {
        &self.layers[self.layers.len() - 1]
    }

    /// The cost of the last forward pass with labels, or `None` before the first.
    pub fn cost(&self) -> Option<F> {
        self.cost
    }

    /// One value per example of the last forward pass, `[batch]` (zeros before the
    /// first): for two classes the sigmoid's output, the probability of class 1 (the
    /// lesson's `hypothesis`); for more, the probability of the predicted class.
    pub fn output(&self) -> ArrayView1<'_, F> {
        ArrayView1::from(&self.output[..])
    }

    /// The class probabilities of the last forward pass: `[batch, K]` (softmax) for
    /// three classes or more, `[batch, 1]` (class 1's) for two.
    pub fn probabilities(&self) -> ArrayView2<'_, F> {
        let out = self.output_buffers();
        batch_view(&out.a, self.layout, self.batch, out.shape.units)
    }

    /// Each example's predicted class in the last forward pass: the most probable (the
    /// first on a tie); for two classes, 1 when the output is above 0.5.
    pub fn predicted_classes(&self) -> &[usize] {
        &self.predicted
    }

    /// Fraction of the last batch with labels classified right: the predicted class is
    /// the label (two classes: output > 0.5 iff label > 0.5).
    pub fn accuracy(&self) -> f32 {
        loss::accuracy(&self.predicted, &self.targets)
    }

    // Accessors by layer: `k` is 0-based; `None` means the network has no layer `k`.

    /// Activations of layer `k`, `[batch, fan_out]` (before dropout).
    pub fn activations(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        let buffers = self.layers.get(k)?;
        Some(batch_view(
            &buffers.a,
            self.layout,
            self.batch,
            buffers.shape.units,
        ))
    }

    /// Pre-activations `matmul(L, W) + b` of layer `k`, `[batch, fan_out * pieces]`, in
    /// the order of the weight columns.
    pub fn pre_activations(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        let buffers = self.layers.get(k)?;
        let columns = buffers.shape.columns();
        Some(batch_view(&buffers.z, self.layout, self.batch, columns))
    }

    /// `dCost/dW` of layer `k` from the last step, `[fan_in, fan_out * pieces]`.
    pub fn weight_grads(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        let buffers = self.layers.get(k)?;
        let shape = buffers.shape;
        Some(matrix(&buffers.dw, shape.fan_in, shape.columns()))
    }

    /// `dCost/db` of layer `k` from the last step, `[fan_out * pieces]`.
    pub fn bias_grads(&self, k: usize) -> Option<ArrayView1<'_, F>> {
        Some(ArrayView1::from(&self.layers.get(k)?.db[..]))
    }

    /// The L2 norm of `dCost/dW` of layer `k`: how much the layer still learns.
    pub fn grad_norm(&self, k: usize) -> Option<F> {
        Some(sum_of_squares(&self.layers.get(k)?.dw).sqrt())
    }
}

/// `sum of v^2` over `values`, in [`LANES`] running sums added at the end: one running
/// sum is a chain of dependent additions (a few cycles each, 0.25 ms for lab 10-3's
/// 269k weights, every logged step), while independent sums run as vector lanes.
fn sum_of_squares<F: Float>(values: &[F]) -> F {
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    let mut sums = [F::ZERO; LANES];
    for chunk in chunks {
        for (sum, &v) in sums.iter_mut().zip(chunk) {
            *sum += v * v;
        }
    }
    let tail = rest.iter().fold(F::ZERO, |sum, &v| sum + v * v);
    sums.iter().fold(tail, |total, &sum| total + sum)
}

/// Running sums of [`sum_of_squares`]: enough for the widest vectors of `f32` (16 lanes)
/// twice over.
const LANES: usize = 32;

#[cfg(test)]
mod tests {
    use super::sum_of_squares;

    #[test]
    fn sums_of_squares_of_any_length() {
        for n in [0usize, 1, 31, 32, 33, 100, 1000] {
            let values: Vec<f64> = (0..n).map(|i| i as f64 - 7.0).collect();
            let exact: f64 = values.iter().map(|v| v * v).sum();
            assert_eq!(sum_of_squares(&values), exact, "{n}");
        }
        assert_eq!(sum_of_squares(&[3.0f32, 4.0]).sqrt(), 5.0);
    }
}
