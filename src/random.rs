//! Random sampling shared by the layers that draw numbers: one normal sampler, so that a
//! seed gives the same numbers wherever they are drawn.

use rand::Rng;

/// One N(0, 1) sample by the Box-Muller transform (two uniforms per sample, the cosine
/// branch only).
pub(crate) fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // 1 - U[0, 1) lies in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn first_samples_of_a_seed_are_fixed() {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        // The numbers every seeded He initialisation so far was drawn from: moving the
        // sampler must not change them.
        let got: Vec<f64> = (0..3).map(|_| standard_normal(&mut rng)).collect();
        assert_eq!(
            got,
            [1.4402540791191, -0.735682235615744, 0.4852373357206243]
        );
    }

    #[test]
    fn mean_and_variance_are_those_of_n01() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 200_000;
        let samples: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let mean = samples.iter().sum::<f64>() / n as f64;
        let var = samples.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "variance {var}");
    }
}
