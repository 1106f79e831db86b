//! Binary cross-entropy on a sigmoid output, computed from the logit so it never overflows.
//!
//! With `p = sigmoid(z)`, `-y ln p - (1 - y) ln(1 - p)` equals
//! `max(z, 0) - z y + ln(1 + e^-|z|)`, which is finite for every finite `z` (the form
//! `tf.nn.sigmoid_cross_entropy_with_logits` uses). Its derivative in `z` is `p - y`.

use super::float::Float;

/// The cross-entropy of one example with logit `z` and label `y` (0 or 1).
#[inline]
pub fn bce_with_logit<F: Float>(z: F, y: F) -> F {
    z.max(F::ZERO) - z * y + z.ln_1p_exp_neg_abs()
}

/// The mean cross-entropy over paired logits and labels (NaN if there are none).
pub fn mean_bce_with_logits<F: Float>(logits: &[F], labels: &[F]) -> F {
    let mut sum = F::ZERO;
    let mut n = 0usize;
    for (&z, &y) in logits.iter().zip(labels) {
        sum += bce_with_logit(z, y);
        n += 1;
    }
    sum / F::from_f64(n as f64)
}

/// The mean cross-entropy of the first `n` examples, with logits in chunks of `L` and
/// labels flat: a chunk at a time, so the compiler computes each chunk as one SIMD
/// vector. Sums lane-wise, then across lanes.
#[inline]
pub(crate) fn mean_bce_chunks<F: Float, const L: usize>(
    logits: &[[F; L]],
    labels: &[F],
    n: usize,
) -> F {
    let mut acc = [F::ZERO; L];
    for (c, (z, y)) in logits.iter().zip(labels.chunks_exact(L)).enumerate() {
        for (l, acc) in acc.iter_mut().enumerate() {
            let (z, y) = (z[l], y[l]);
            let term = bce_with_logit(z, y);
            *acc += if c * L + l < n { term } else { F::ZERO };
        }
    }
    acc.iter().fold(F::ZERO, |sum, &v| sum + v) / F::from_f64(n as f64)
}

/// The fraction of outputs on the right side of 0.5: `(out > 0.5) == (label > 0.5)`.
///
/// Returns NaN when there are no outputs or the lengths differ.
pub fn accuracy<F: Float>(outputs: &[F], labels: &[F]) -> f32 {
    if outputs.is_empty() || outputs.len() != labels.len() {
        return f32::NAN;
    }
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
    fn mean_and_accuracy() {
        let m = mean_bce_with_logits(&[0.0f64, 0.0], &[0.0, 1.0]);
        assert_eq!(m, std::f64::consts::LN_2);
        assert!(mean_bce_with_logits::<f32>(&[], &[]).is_nan());
        assert_eq!(
            accuracy(&[0.9f32, 0.2, 0.6, 0.5], &[1.0, 0.0, 0.0, 1.0]),
            0.5
        );
        assert_eq!(accuracy(&[0.9f32], &[1.0]), 1.0);
        assert!(accuracy::<f32>(&[0.9], &[1.0, 0.0]).is_nan());
        // Chunked: 5 examples in two chunks of 4; the padding (huge logits) is ignored.
        let logits = [[0.0f64, 0.0, 2.0, -1.0], [0.5, 1e6, -1e6, 1e6]];
        let labels = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let flat: Vec<f64> = logits.iter().flatten().copied().collect();
        let want = mean_bce_with_logits(&flat[..5], &labels[..5]);
        assert!((mean_bce_chunks(&logits, &labels, 5) - want).abs() < 1e-15);
    }
}
