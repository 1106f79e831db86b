//! A whole layer's activation, forward and backward, in either layout of the training
//! step (see [`Layout`]).
//!
//! The element-wise activations run one flat loop over the values, whatever the layout,
//! which the compiler turns into SIMD code. Maxout and softmax combine several values of
//! one example; they run per example, finding that example's values through the layout.
//! One `match` per layer, so that each loop is straight-line code.

use super::functions::*;
use super::maxout::{maxout_backward, maxout_forward};
use super::softmax::{softmax_backward, softmax_forward};
use super::Activation;
use crate::nn::float::Float;

/// Where a layer's buffer keeps the value of column `j` (a unit, or maxout's piece) for
/// example `e`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// The small-network path ([`lanes`](crate::nn::lanes)): column by column, each
    /// column `padded` examples long, so column `j` of example `e` is at
    /// `j * padded + e`.
    Lanes {
        /// Examples per column, the batch rounded up to whole lane vectors.
        padded: usize,
    },
    /// The matrix-product path ([`dense`](crate::nn::dense)): `[batch, columns]`
    /// row-major, so column `j` of example `e` is at `e * columns + j`.
    Rows {
        /// Examples (rows).
        batch: usize,
    },
}

impl Layout {
    /// Examples the buffers hold (the padding included).
    pub(crate) fn examples(self) -> usize {
        match self {
            Layout::Lanes { padded } => padded,
            Layout::Rows { batch } => batch,
        }
    }

    /// Where example `e`'s first column is in a buffer of `columns` columns, and the
    /// step from one column to the next.
    #[inline(always)]
    pub(crate) fn example(self, e: usize, columns: usize) -> (usize, usize) {
        match self {
            Layout::Lanes { padded } => (e, padded),
            Layout::Rows { .. } => (e * columns, 1),
        }
    }
}

impl Activation {
    /// A layer's forward activation `a = act(z)`: `z` holds `units * pieces` columns and
    /// `a` holds `units`, in `layout`.
    #[inline(always)]
    pub(crate) fn forward_layer<F: Float>(
        self,
        z: &[F],
        a: &mut [F],
        layout: Layout,
        units: usize,
    ) {
        match self {
            Activation::Sigmoid => each(z, a, sigmoid),
            Activation::Relu => each(z, a, relu),
            Activation::LeakyRelu { slope } => {
                let slope = F::from_f64(f64::from(slope));
                each(z, a, |z| leaky_relu(z, slope))
            }
            Activation::Tanh => each(z, a, tanh),
            Activation::Elu => each(z, a, elu),
            Activation::Selu => each(z, a, selu),
            Activation::Gelu => each(z, a, gelu),
            Activation::Swish => each(z, a, swish),
            Activation::Maxout { pieces } => {
                for e in 0..layout.examples() {
                    let (zs, step) = layout.example(e, units * pieces);
                    let (at, _) = layout.example(e, units);
                    maxout_forward(z, a, (zs, at, step), units, pieces);
                }
            }
            Activation::Softmax => {
                for e in 0..layout.examples() {
                    let (start, step) = layout.example(e, units);
                    softmax_forward(z, a, start, step, units);
                }
            }
        }
    }

    /// A layer's backward activation `dz = da * act'(z)`, given `a` from the forward
    /// pass; shapes as in [`forward_layer`](Self::forward_layer). For maxout, `dz` of
    /// the winning piece is `da` and the others' are 0; for softmax, the Jacobian's
    /// product `dz_j = a_j (da_j - sum_i a_i da_i)`.
    #[inline(always)]
    pub(crate) fn backward_layer<F: Float>(
        self,
        z: &[F],
        a: &[F],
        da: &[F],
        dz: &mut [F],
        layout: Layout,
        units: usize,
    ) {
        match self {
            Activation::Sigmoid => chain(z, a, da, dz, sigmoid_derivative),
            Activation::Relu => chain(z, a, da, dz, relu_derivative),
            Activation::LeakyRelu { slope } => {
                let slope = F::from_f64(f64::from(slope));
                chain(z, a, da, dz, |z, _| leaky_relu_derivative(z, slope))
            }
            Activation::Tanh => chain(z, a, da, dz, tanh_derivative),
            Activation::Elu => chain(z, a, da, dz, elu_derivative),
            Activation::Selu => chain(z, a, da, dz, selu_derivative),
            Activation::Gelu => chain(z, a, da, dz, gelu_derivative),
            Activation::Swish => chain(z, a, da, dz, swish_derivative),
            Activation::Maxout { pieces } => {
                for e in 0..layout.examples() {
                    let (zs, step) = layout.example(e, units * pieces);
                    let (at, _) = layout.example(e, units);
                    maxout_backward(z, a, da, dz, (zs, at, step), units, pieces);
                }
            }
            Activation::Softmax => {
                for e in 0..layout.examples() {
                    let (start, step) = layout.example(e, units);
                    softmax_backward(a, da, dz, start, step, units);
                }
            }
        }
    }
}

/// `a = f(z)`, value by value.
#[inline(always)]
fn each<F: Float>(z: &[F], a: &mut [F], f: impl Fn(F) -> F) {
    for (a, &z) in a.iter_mut().zip(z) {
        *a = f(z);
    }
}

/// The chain rule through an element-wise activation: `dz = da * f'(z, a)`.
#[inline(always)]
fn chain<F: Float>(z: &[F], a: &[F], da: &[F], dz: &mut [F], derivative: impl Fn(F, F) -> F) {
    for (dz, ((&z, &a), &da)) in dz.iter_mut().zip(z.iter().zip(a).zip(da)) {
        *dz = da * derivative(z, a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::activation::ALL_FOR_TESTS;

    #[test]
    fn element_wise_layers_agree_with_the_scalar_functions() {
        let z: Vec<f32> = (0..20).map(|i| i as f32 * 0.37 - 3.7).collect();
        let layout = Layout::Rows { batch: 4 };
        for act in &ALL_FOR_TESTS[..8] {
            let mut a = vec![0.0; z.len()];
            act.forward_layer(&z, &mut a, layout, 5);
            let mut dz = vec![0.0; z.len()];
            act.backward_layer(&z, &a, &[2.0; 20], &mut dz, layout, 5);
            for (i, &x) in z.iter().enumerate() {
                assert_eq!(a[i], act.forward(x), "{act}");
                assert_eq!(dz[i], 2.0 * act.derivative(x), "{act}");
            }
        }
    }

    #[test]
    fn both_layouts_give_the_same_maxout_and_softmax() {
        // Three examples, two units of three pieces (maxout) or four units (softmax); the
        // lanes layout pads the examples to four.
        let value = |e: usize, j: usize| ((e * 7 + j * 5) % 11) as f64 * 0.3 - 1.4;
        for (act, units, columns) in [
            (Activation::Maxout { pieces: 3 }, 2, 6),
            (Activation::Softmax, 4, 4),
        ] {
            let rows = Layout::Rows { batch: 3 };
            let lanes = Layout::Lanes { padded: 4 };
            let fill = |layout: Layout, cols: usize, f: &dyn Fn(usize, usize) -> f64| {
                let mut v = vec![0.0; cols * 4];
                for e in 0..3 {
                    let (start, step) = layout.example(e, cols);
                    for j in 0..cols {
                        v[start + j * step] = f(e, j);
                    }
                }
                v
            };
            let da_of = |e: usize, j: usize| (e + 2 * j) as f64 * 0.25 - 0.5;
            let run = |layout: Layout| {
                let z = fill(layout, columns, &value);
                let mut a = vec![0.0; units * 4];
                act.forward_layer(&z, &mut a, layout, units);
                let da = fill(layout, units, &da_of);
                let mut dz = vec![0.0; columns * 4];
                act.backward_layer(&z, &a, &da, &mut dz, layout, units);
                let read = |v: &[f64], cols: usize| -> Vec<f64> {
                    (0..3)
                        .flat_map(|e| {
                            let (start, step) = layout.example(e, cols);
                            (0..cols).map(move |j| start + j * step)
                        })
                        .map(|i| v[i])
                        .collect()
                };
                (read(&a, units), read(&dz, columns))
            };
            assert_eq!(run(rows), run(lanes), "{act}");
        }
    }
}
