//! The cost, computed from the output layer's logits `z` so it never overflows, its
//! gradient, where backpropagation starts, and the predicted classes.
//!
//! Two classes (one sigmoid unit, `p = sigmoid(z)` the probability of class 1): binary
//! cross-entropy `-y ln p - (1 - y) ln(1 - p)`, which equals
//! `max(z, 0) - z y + ln(1 + e^-|z|)`, finite for every finite `z` (the form
//! `tf.nn.sigmoid_cross_entropy_with_logits` uses). Its derivative in `z` is `p - y`.
//!
//! `K >= 3` classes (softmax units, `a = softmax(z)`): cross-entropy `-ln a_y`, which
//! equals `ln sum_j e^{z_j} - z_y = (m - z_y) + ln(1 + sum_{j != k} e^{z_j - m})` with `m`
//! the largest logit `z_k`: every exponent is at most 0, so it is finite for any finite
//! logits, however large (`tf.nn.softmax_cross_entropy_with_logits`). Its derivative in
//! `z_j` is `a_j - [j = y]`. A net that learned nothing outputs `a_j = 1/K`: cost `ln K`.
//!
//! Either way the activation's derivative cancels against the cross-entropy's, which is
//! why the output layer's backward pass starts from `dz = (a - target) / n` (the mean over
//! the batch) rather than from `da`. Labels are class indices held as floats (0, 1, ...,
//! K - 1; for two classes the lesson's 0 and 1).

use super::activation::layers::Layout;
use super::activation::softmax::argmax;
use super::activation::Activation;
use super::float::Float;

/// What the output layer computes, as far as the cost is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    /// One sigmoid unit: two classes.
    Sigmoid,
    /// One softmax unit per class, three or more.
    Softmax { classes: usize },
}

impl Head {
    /// The head of an output layer of `units` units with `activation` (which
    /// [`Mlp`](super::Mlp) checked to be one of the two).
    pub(crate) fn new(activation: Activation, units: usize) -> Self {
        if activation == Activation::Softmax {
            Head::Softmax { classes: units }
        } else {
            Head::Sigmoid
        }
    }

    /// Classes told apart.
    pub(crate) fn classes(self) -> usize {
        match self {
            Head::Sigmoid => 2,
            Head::Softmax { classes } => classes,
        }
    }
}

/// The cross-entropy of one example with logit `z` and label `y` (0 or 1).
#[inline]
pub fn bce_with_logit<F: Float>(z: F, y: F) -> F {
    z.max(F::ZERO) - z * y + z.ln_1p_exp_neg_abs()
}

/// The cross-entropy `ln sum_j e^{z_j} - z_y` of one example whose `classes` logits are
/// at `start + j * step` in `z`, for class `y` (below `classes`).
#[inline]
pub fn softmax_ce_with_logits<F: Float>(
    z: &[F],
    start: usize,
    step: usize,
    classes: usize,
    y: usize,
) -> F {
    let (max, top) = argmax(z, start, step, classes);
    let mut others = F::ZERO;
    for j in (0..classes).filter(|&j| j != top) {
        others += (z[start + j * step] - max).exp();
    }
    (max - z[start + y * step]) + others.ln_1p()
}

/// The mean cost over the first `batch` examples of the output layer's logits `z`.
/// `labels` are the labels as given (two classes), `targets` the class indices.
pub(crate) fn mean_cost<F: Float>(
    head: Head,
    z: &[F],
    layout: Layout,
    labels: &[F],
    targets: &[usize],
) -> F {
    let batch = targets.len();
    let sum = match head {
        // One column: example e's logit is z[e] in either layout.
        Head::Sigmoid => z[..batch]
            .iter()
            .zip(labels)
            .fold(F::ZERO, |sum, (&z, &y)| sum + bce_with_logit(z, y)),
        Head::Softmax { classes } => targets.iter().enumerate().fold(F::ZERO, |sum, (e, &y)| {
            let (start, step) = layout.example(e, classes);
            sum + softmax_ce_with_logits(z, start, step, classes, y)
        }),
    };
    sum / F::from_f64(batch as f64)
}

/// `dCost/dz` of the mean cost over the batch: `(a - target) / n`, into the output
/// layer's `dz` (its padding, if any, is left as it is: zero).
pub(crate) fn output_gradient<F: Float>(
    head: Head,
    a: &[F],
    dz: &mut [F],
    layout: Layout,
    labels: &[F],
    targets: &[usize],
) {
    let batch = targets.len();
    let n = F::from_f64(batch as f64);
    match head {
        Head::Sigmoid => {
            for (dz, (&p, &y)) in dz[..batch].iter_mut().zip(a.iter().zip(labels)) {
                *dz = (p - y) / n;
            }
        }
        Head::Softmax { classes } => {
            for (e, &y) in targets.iter().enumerate() {
                let (start, step) = layout.example(e, classes);
                for j in 0..classes {
                    let at = start + j * step;
                    let target = if j == y { F::ONE } else { F::ZERO };
                    dz[at] = (a[at] - target) / n;
                }
            }
        }
    }
}

/// Each example's predicted class and [`output`](super::Workspace::output): for two
/// classes `p > 0.5` and `p` itself; else the largest logit's class (the first on a tie)
/// and its probability.
pub(crate) fn classify<F: Float>(
    head: Head,
    z: &[F],
    a: &[F],
    layout: Layout,
    predicted: &mut [usize],
    output: &mut [F],
) {
    for (e, (class, out)) in predicted.iter_mut().zip(output.iter_mut()).enumerate() {
        (*class, *out) = match head {
            Head::Sigmoid => (usize::from(a[e] > F::HALF), a[e]),
            Head::Softmax { classes } => {
                let (start, step) = layout.example(e, classes);
                let (_, top) = argmax(z, start, step, classes);
                (top, a[start + top * step])
            }
        };
    }
}

/// The fraction of predicted classes equal to the targets (at least one).
pub(crate) fn accuracy(predicted: &[usize], targets: &[usize]) -> f32 {
    let right = predicted
        .iter()
        .zip(targets)
        .filter(|(p, t)| p == t)
        .count();
    (right as f64 / targets.len() as f64) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: Layout = Layout::Rows { batch: 2 };

    #[test]
    fn matches_the_textbook_formula() {
        for &(z, y) in &[
            (0.3f64, 1.0),
            (0.3, 0.0),
            (-2.5, 1.0),
            (-2.5, 0.0),
            (0.0, 1.0),
        ] {
            let p = 1.0 / (1.0 + (-z).exp());
            let textbook = -y * p.ln() - (1.0 - y) * (1.0 - p).ln();
            assert!((bce_with_logit(z, y) - textbook).abs() < 1e-15);
        }
        assert_eq!(bce_with_logit(0.0f64, 0.0), std::f64::consts::LN_2);
        let z = [0.5f64, -1.0, 2.0];
        let sum: f64 = z.iter().map(|v| v.exp()).sum();
        for y in 0..3 {
            let textbook = -(z[y].exp() / sum).ln();
            assert!((softmax_ce_with_logits(&z, 0, 1, 3, y) - textbook).abs() < 1e-15);
        }
    }

    #[test]
    fn stays_finite_for_huge_logits() {
        assert_eq!(bce_with_logit(1000.0f32, 1.0), 0.0);
        assert_eq!(bce_with_logit(1000.0f32, 0.0), 1000.0);
        assert_eq!(bce_with_logit(-1000.0f32, 1.0), 1000.0);
        let z = [1e30f32, -1e30, 0.0, 1e30];
        assert_eq!(
            softmax_ce_with_logits(&z, 0, 1, 4, 0),
            std::f32::consts::LN_2
        );
        assert_eq!(softmax_ce_with_logits(&z, 0, 1, 4, 1), 2e30);
        assert_eq!(softmax_ce_with_logits(&z, 0, 1, 4, 2), 1e30);
        // 2^127 and 2^126: near f32's largest; the other exponents underflow to 0.
        let (big, half) = (2f32.powi(127), 2f32.powi(126));
        let z = [big, -big, half];
        assert_eq!(softmax_ce_with_logits(&z, 0, 1, 3, 0), 0.0);
        assert_eq!(softmax_ce_with_logits(&z, 0, 1, 3, 2), half);
    }

    #[test]
    fn a_collapsed_net_costs_ln_k() {
        let z = [0.25f64; 20];
        let cost = mean_cost(Head::Softmax { classes: 10 }, &z, ROWS, &[0.0; 2], &[3, 9]);
        assert!((cost - 10f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn mean_gradient_predictions_and_accuracy() {
        let head = Head::Sigmoid;
        let m = mean_cost(head, &[0.0f64, 0.0], ROWS, &[0.0, 1.0], &[0, 1]);
        assert_eq!(m, std::f64::consts::LN_2);
        let mut dz = [9.0f64; 3];
        output_gradient(head, &[0.75, 0.25], &mut dz, ROWS, &[1.0, 1.0], &[1, 1]);
        assert_eq!(dz, [-0.125, -0.375, 9.0]);
        let (mut predicted, mut out) = ([7; 4], [0.0f32; 4]);
        let a = [0.9f32, 0.2, 0.6, 0.5];
        classify(head, &[0.0; 4], &a, ROWS, &mut predicted, &mut out);
        assert_eq!((predicted, out), ([1, 0, 1, 0], a));
        assert_eq!(accuracy(&predicted, &[1, 0, 0, 1]), 0.5);
        assert_eq!(accuracy(&[1], &[1]), 1.0);

        // Three classes, two examples in the lanes layout (padded to 4): example e's
        // class j at j * 4 + e.
        let head = Head::Softmax { classes: 3 };
        let lanes = Layout::Lanes { padded: 4 };
        let z = [
            1.0f64, 0.0, 0.0, 0.0, 3.0, 2.0, 0.0, 0.0, 3.0, 2.0, 0.0, 0.0,
        ];
        let a = [
            0.125f64, 0.25, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0, 0.375, 0.25, 0.0, 0.0,
        ];
        let mut dz = [0.0f64; 12];
        output_gradient(head, &a, &mut dz, lanes, &[2.0, 0.0], &[2, 0]);
        assert_eq!(
            dz,
            [0.0625, -0.375, 0.0, 0.0, 0.25, 0.25, 0.0, 0.0, -0.3125, 0.125, 0.0, 0.0]
        );
        let (mut predicted, mut out) = ([0; 2], [0.0; 2]);
        classify(head, &z, &a, lanes, &mut predicted, &mut out);
        // Example 0: logits (1, 3, 3), the first of the tie; example 1: (0, 2, 2).
        assert_eq!((predicted, out), ([1, 1], [0.5, 0.5]));
    }
}
