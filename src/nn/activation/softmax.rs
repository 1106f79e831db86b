//! Softmax over one example's units: `a_j = e^{z_j - m} / sum_i e^{z_i - m}` with `m` the
//! largest `z`, so every exponent is at most 0 and nothing overflows for any finite
//! logits. The output layer's gradient comes from the cost (see [`loss`](crate::nn::loss));
//! the backward pass here is the general chain rule through the softmax's Jacobian.
//!
//! Unit `j` of the example is at `start + j * step` in every buffer (see
//! [`Layout::example`](super::layers::Layout::example)).

use crate::nn::float::Float;

/// The largest of `units` values at `start + j * step`, and the column of the first one
/// (the class a network predicts). NaN never wins over a number.
#[inline]
pub(crate) fn argmax<F: Float>(z: &[F], start: usize, step: usize, units: usize) -> (F, usize) {
    let mut best = (z[start], 0);
    for j in 1..units {
        let v = z[start + j * step];
        if v > best.0 || (best.0.is_nan() && !v.is_nan()) {
            best = (v, j);
        }
    }
    best
}

/// `a = softmax(z)` for one example.
#[inline]
pub(super) fn softmax_forward<F: Float>(
    z: &[F],
    a: &mut [F],
    start: usize,
    step: usize,
    units: usize,
) {
    let (max, _) = argmax(z, start, step, units);
    let mut sum = F::ZERO;
    for j in 0..units {
        let at = start + j * step;
        let e = (z[at] - max).exp();
        a[at] = e;
        sum += e;
    }
    for j in 0..units {
        a[start + j * step] /= sum;
    }
}

/// `dz_j = a_j (da_j - sum_i a_i da_i)`: the softmax's Jacobian `a_j (delta_ij - a_i)`
/// times `da`, for one example.
#[inline]
pub(super) fn softmax_backward<F: Float>(
    a: &[F],
    da: &[F],
    dz: &mut [F],
    start: usize,
    step: usize,
    units: usize,
) {
    let mut dot = F::ZERO;
    for j in 0..units {
        let at = start + j * step;
        dot += a[at] * da[at];
    }
    for j in 0..units {
        let at = start + j * step;
        dz[at] = a[at] * (da[at] - dot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_by_hand_and_for_huge_logits() {
        let mut a = [0.0f64; 3];
        softmax_forward(&[1.0, 2.0, 3.0], &mut a, 0, 1, 3);
        let e = [(-2.0f64).exp(), (-1.0f64).exp(), 1.0];
        let sum: f64 = e.iter().sum();
        for (got, want) in a.iter().zip(e) {
            assert!((got - want / sum).abs() < 1e-16);
        }
        let mut a = [0.0f32; 3];
        softmax_forward(&[1e30, -1e30, 3e38], &mut a, 0, 1, 3);
        assert_eq!(a, [0.0, 0.0, 1.0]);
        softmax_forward(&[1e30, 1e30, -1e30], &mut a, 0, 1, 3);
        assert_eq!(a, [0.5, 0.5, 0.0]);
        assert_eq!(argmax(&[1.0f32, 5.0, 5.0, f32::NAN], 0, 1, 4), (5.0, 1));
        assert_eq!(argmax(&[f32::NAN, 1.0], 0, 1, 2).1, 1);
        // Strided: the example's units every third value.
        assert_eq!(
            argmax(&[0.0f32, 9.0, 0.0, 1.0, 0.0, 0.0, 2.0], 0, 3, 3),
            (2.0, 2)
        );
    }

    #[test]
    fn the_backward_pass_is_the_jacobian_product() {
        // Central differences of sum_j da_j softmax(z)_j in f64.
        let z = [0.3f64, -1.2, 2.0, 0.5];
        let da = [1.0f64, -2.0, 0.5, 3.0];
        let mut a = [0.0; 4];
        softmax_forward(&z, &mut a, 0, 1, 4);
        let mut dz = [0.0; 4];
        softmax_backward(&a, &da, &mut dz, 0, 1, 4);
        let weighted = |z: &[f64; 4]| {
            let mut a = [0.0; 4];
            softmax_forward(z, &mut a, 0, 1, 4);
            a.iter().zip(da).map(|(a, d)| a * d).sum::<f64>()
        };
        for j in 0..4 {
            let (mut up, mut down) = (z, z);
            up[j] += 1e-6;
            down[j] -= 1e-6;
            let numeric = (weighted(&up) - weighted(&down)) / 2e-6;
            assert!(
                (numeric - dz[j]).abs() < 1e-9,
                "{j}: {} vs {numeric}",
                dz[j]
            );
        }
    }
}
