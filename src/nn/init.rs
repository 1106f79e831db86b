//! Weight initialisation schemes: the lesson's uniform(-1, 1), N(0, 1) (lab 10-2's
//! `tf.random_normal`), Xavier (Glorot) and He.
//!
//! The random numbers come from the caller's generator, drawn row by row through the
//! `[fan_in, fan_out]` weight matrix, so one seed always gives the same network.
//! Biases start at zero, as in the lesson, except with `normal`, which draws them from
//! N(0, 1) after the weights (lab 10-2 draws `b` with `tf.random_normal` too). A maxout
//! layer is drawn as one `[fan_in, units * pieces]` matrix, the affine layer its pieces
//! come from.

use std::fmt;
use std::str::FromStr;

use ndarray::{Array1, Array2};
use rand::Rng;

use super::{by_name, Error};
use crate::random::standard_normal;

/// How a layer's weights are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Init {
    /// Uniform on [-1, 1): the lesson's `tf.random_uniform([..], -1.0, 1.0)`.
    Uniform,
    /// N(0, 1) weights and biases: lab 10-2's `tf.random_normal`.
    Normal,
    /// Glorot uniform: U(-l, l) with `l = sqrt(6 / (fan_in + fan_out))`.
    Xavier,
    /// He normal: N(0, sigma) with `sigma = sqrt(2 / fan_in)` (not truncated).
    He,
}

impl Init {
    /// Every scheme, in declaration order.
    pub const ALL: [Init; 4] = [Init::Uniform, Init::Normal, Init::Xavier, Init::He];

    /// The name, e.g. `xavier`: the only place it is spelled.
    pub const fn name(self) -> &'static str {
        match self {
            Init::Uniform => "uniform",
            Init::Normal => "normal",
            Init::Xavier => "xavier",
            Init::He => "he",
        }
    }

    /// Draws one layer: weights `[fan_in, fan_out]` in row-major order, then (for
    /// [`Init::Normal`] only) the biases; the others' biases are zero.
    pub fn layer<R: Rng + ?Sized>(
        self,
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) -> (Array2<f32>, Array1<f32>) {
        let weights = match self {
            Init::Uniform => {
                Array2::from_shape_simple_fn((fan_in, fan_out), || rng.random_range(-1.0f32..1.0))
            }
            Init::Normal => {
                Array2::from_shape_simple_fn((fan_in, fan_out), || standard_normal(rng) as f32)
            }
            Init::Xavier => {
                let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
                Array2::from_shape_simple_fn((fan_in, fan_out), || rng.random_range(-limit..limit))
            }
            Init::He => {
                let sigma = (2.0 / fan_in as f64).sqrt();
                Array2::from_shape_simple_fn((fan_in, fan_out), || {
                    (sigma * standard_normal(rng)) as f32
                })
            }
        };
        let biases = match self {
            Init::Normal => Array1::from_shape_simple_fn(fan_out, || standard_normal(rng) as f32),
            Init::Uniform | Init::Xavier | Init::He => Array1::from_elem(fan_out, 0.0),
        };
        (weights, biases)
    }
}

impl FromStr for Init {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        by_name(&Self::ALL, Self::name, text).ok_or_else(|| Error::UnknownInit {
            name: text.to_string(),
        })
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn names_round_trip() {
        for init in Init::ALL {
            assert_eq!(init.name().parse::<Init>().unwrap(), init);
            assert_eq!(init.to_string(), init.name());
        }
        assert_eq!(
            "zeros".parse::<Init>().unwrap_err(),
            Error::UnknownInit {
                name: "zeros".into()
            }
        );
    }

    #[test]
    fn shapes_ranges_and_zero_biases() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (w, b) = Init::Uniform.layer(2, 5, &mut rng);
        assert_eq!(w.dim(), (2, 5));
        assert_eq!(b.to_vec(), vec![0.0; 5]);
        assert!(w.iter().all(|&v| (-1.0..1.0).contains(&v)));
        for init in [Init::Xavier, Init::He] {
            assert_eq!(init.layer(2, 5, &mut rng).1.to_vec(), vec![0.0; 5]);
        }
        // Normal draws the weights first, then the biases, from the same stream.
        let (nw, nb) = Init::Normal.layer(2, 3, &mut ChaCha8Rng::seed_from_u64(42));
        let mut rng42 = ChaCha8Rng::seed_from_u64(42);
        let draws: Vec<f32> = (0..9).map(|_| standard_normal(&mut rng42) as f32).collect();
        assert_eq!(nw.iter().chain(&nb).copied().collect::<Vec<_>>(), draws);

        let (w, _) = Init::Xavier.layer(5, 5, &mut rng);
        let limit = (6.0f32 / 10.0).sqrt();
        assert!(w.iter().all(|&v| v.abs() <= limit));
    }

    #[test]
    fn same_seed_same_weights() {
        let a = Init::He.layer(3, 4, &mut ChaCha8Rng::seed_from_u64(42)).0;
        let b = Init::He.layer(3, 4, &mut ChaCha8Rng::seed_from_u64(42)).0;
        let c = Init::He.layer(3, 4, &mut ChaCha8Rng::seed_from_u64(43)).0;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn statistics_match_each_scheme() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mean_var = |w: &Array2<f32>| {
            let n = w.len() as f64;
            let mean = w.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = w
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / n;
            (mean, var)
        };
        // U(-1, 1): variance 1/3.
        let (mean, var) = mean_var(&Init::Uniform.layer(200, 200, &mut rng).0);
        assert!(
            mean.abs() < 0.01 && (var - 1.0 / 3.0).abs() < 0.01,
            "{mean} {var}"
        );
        // Glorot: variance 2 / (fan_in + fan_out) = 0.005.
        let (mean, var) = mean_var(&Init::Xavier.layer(200, 200, &mut rng).0);
        assert!(
            mean.abs() < 0.002 && (var - 0.005).abs() < 0.0002,
            "{mean} {var}"
        );
        // Normal: N(0, 1) for weights and biases alike.
        let (w, b) = Init::Normal.layer(200, 200, &mut rng);
        let (mean, var) = mean_var(&w);
        assert!(
            mean.abs() < 0.02 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
        let (mean, var) = mean_var(&b.insert_axis(ndarray::Axis(0)));
        assert!(
            mean.abs() < 0.25 && (var - 1.0).abs() < 0.25,
            "{mean} {var}"
        );
        // He: variance 2 / fan_in = 0.01.
        let (mean, var) = mean_var(&Init::He.layer(200, 200, &mut rng).0);
        assert!(
            mean.abs() < 0.002 && (var - 0.01).abs() < 0.0004,
            "{mean} {var}"
        );
    }
}
