//! The cost: binary cross-entropy on the sigmoid output, computed from the logit so it
//! never overflows, and its gradient, where backpropagation starts.
//!
//! With `p = sigmoid(z)`, `-y ln p - (1 - y) ln(1 - p)` equals
//! `max(z, 0) - z y + ln(1 + e^-|z|)`, which is finite for every finite `z` (the form
//! `tf.nn.sigmoid_cross_entropy_with_logits` uses). Its derivative in `z` is `p - y`:
//! the sigmoid's derivative `p (1 - p)` cancels against the cross-entropy's, which is why
//! the output layer's backward pass starts from `dz` rather than from `da`.

use super::float::Float;

/// The cross-entropy of one example with logit `z` and label `y` (0 or 1).
#[inline]
pub fn bce_with_logit<F: Float>(z: F, y: F) -> F {
    z.max(F::ZERO) - z * y + z.ln_1p_exp_neg_abs()
}

/// The mean cross-entropy over paired logits and labels (at least one of each, the
/// callers' batches).
pub(crate) fn mean_bce<F: Float>(logits: &[F], labels: &[F]) -> F {
    let sum = logits
        .iter()
        .zip(labels)
        .fold(F::ZERO, |sum, (&z, &y)| sum + bce_with_logit(z, y));
    sum / F::from_f64(logits.len() as f64)
}

/// `dCost/dz` of the mean cross-entropy over the `p.len()` examples: `(p - y) / n`.
pub(crate) fn output_gradient<F: Float>(p: &[F], labels: &[F], dz: &mut [F]) {
    let n = F::from_f64(p.len() as f64);
    for (dz, (&p, &y)) in dz.iter_mut().zip(p.iter().zip(labels)) {
        *dz = (p - y) / n;
    }
}

/// The fraction of outputs on the right side of 0.5: `(out > 0.5) == (label > 0.5)`,
/// over paired outputs and labels (at least one).
pub(crate) fn accuracy<F: Float>(outputs: &[F], labels: &[F]) -> f32 {
    let right = outputs
        .iter()
        .zip(labels)
        .filter(|&(&out, &label)| (out > F::HALF) == (label > F::HALF))
        .count();
    (right as f64 / outputs.len() as f64) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn stays_finite_for_huge_logits() {
        assert_eq!(bce_with_logit(1000.0f32, 1.0), 0.0);
        assert_eq!(bce_with_logit(1000.0f32, 0.0), 1000.0);
        assert_eq!(bce_with_logit(-1000.0f32, 1.0), 1000.0);
    }

    #[test]
    fn mean_gradient_and_accuracy() {
        let m = mean_bce(&[0.0f64, 0.0], &[0.0, 1.0]);
        assert_eq!(m, std::f64::consts::LN_2);
        let mut dz = [9.0f64; 3];
        output_gradient(&[0.75, 0.25], &[1.0, 1.0], &mut dz);
        assert_eq!(dz, [-0.125, -0.375, 9.0]);
        assert_eq!(
            accuracy(&[0.9f32, 0.2, 0.6, 0.5], &[1.0, 0.0, 0.0, 1.0]),
            0.5
        );
        assert_eq!(accuracy(&[0.9f32], &[1.0]), 1.0);
    }
}
