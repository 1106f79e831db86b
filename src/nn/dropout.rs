//! Dropout's rate and its random masks.
//!
//! During a training step ([`Workspace::step`](super::Workspace::step)) each hidden unit's
//! output is dropped (set to 0) with probability `rate` and otherwise multiplied by
//! `1 / (1 - rate)` (inverted dropout, TensorFlow's `tf.nn.dropout`), so that evaluation,
//! which never drops, needs no rescaling. The output layer is never dropped.
//!
//! Masks come from a ChaCha8 generator seeded by the caller, drawn layer by layer (input
//! side first), example by example, unit by unit: one `u32` per unit, dropped when it is
//! below `rate * 2^32`. Both paths draw in that order, so a seed gives the same masks on
//! either. Drawing allocates nothing.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::activation::layers::Layout;
use super::float::Float;
use super::Error;

/// A dropout rate in [0, 1) with its generator; rate 0 is off.
#[derive(Debug, Clone)]
pub(crate) struct Dropout<F> {
    /// The probability of dropping a unit.
    rate: f32,
    /// What a kept unit is multiplied by: `1 / (1 - rate)`.
    scale: F,
    /// A draw below this drops the unit: `rate * 2^32`.
    threshold: u64,
    rng: ChaCha8Rng,
}

impl<F: Float> Dropout<F> {
    /// No dropout.
    pub(crate) fn off() -> Self {
        Dropout {
            rate: 0.0,
            scale: F::ONE,
            threshold: 0,
            rng: ChaCha8Rng::seed_from_u64(0),
        }
    }

    /// Dropout at `rate` with masks drawn from `seed`; a rate outside [0, 1) (or NaN)
    /// is an error.
    pub(crate) fn new(rate: f32, seed: u64) -> Result<Self, Error> {
        if !(0.0..1.0).contains(&rate) {
            return Err(Error::DropoutRate { rate });
        }
        let keep = 1.0 - f64::from(rate);
        Ok(Dropout {
            rate,
            scale: F::from_f64(1.0 / keep),
            threshold: (f64::from(rate) * 4_294_967_296.0) as u64,
            rng: ChaCha8Rng::seed_from_u64(seed),
        })
    }

    /// The rate (0 when off).
    pub(crate) fn rate(&self) -> f32 {
        self.rate
    }

    /// Whether units are dropped at all.
    pub(crate) fn is_on(&self) -> bool {
        self.rate > 0.0
    }

    /// Draws one layer's mask (`units` columns in `layout`, the first `batch` examples):
    /// 0 for a dropped unit, `1 / (1 - rate)` for a kept one.
    pub(crate) fn draw(&mut self, mask: &mut [F], layout: Layout, batch: usize, units: usize) {
        for e in 0..batch {
            let (start, step) = layout.example(e, units);
            for j in 0..units {
                let dropped = u64::from(self.rng.next_u32()) < self.threshold;
                mask[start + j * step] = if dropped { F::ZERO } else { self.scale };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_outside_zero_to_one_are_errors() {
        for rate in [-0.1f32, 1.0, 1.5, f32::NAN, f32::INFINITY] {
            let err = Dropout::<f32>::new(rate, 0).unwrap_err();
            assert!(matches!(err, Error::DropoutRate { rate: r } if r.to_bits() == rate.to_bits()));
        }
        assert_eq!(
            Error::DropoutRate { rate: 1.0 }.to_string(),
            "the dropout rate must be at least 0 and below 1, got 1"
        );
        assert!(!Dropout::<f32>::new(0.0, 0).unwrap().is_on());
        assert!(Dropout::<f32>::new(0.3, 0).unwrap().is_on());
    }

    #[test]
    fn masks_drop_the_rate_and_scale_the_rest() {
        let mut dropout = Dropout::<f32>::new(0.3, 7).unwrap();
        let mut mask = vec![9.0f32; 100 * 256];
        dropout.draw(&mut mask, Layout::Rows { batch: 100 }, 100, 256);
        let dropped = mask.iter().filter(|&&m| m == 0.0).count() as f64 / mask.len() as f64;
        assert!((dropped - 0.3).abs() < 0.01, "{dropped}");
        let scale = (1.0 / 0.7f64) as f32;
        assert!(mask.iter().all(|&m| m == 0.0 || m == scale));
        // The same seed draws the same masks; the lanes layout draws the same values in
        // the same order, only placed column by column.
        let mut again = Dropout::<f32>::new(0.3, 7).unwrap();
        let mut lanes = vec![9.0f32; 100 * 256];
        again.draw(&mut lanes, Layout::Lanes { padded: 100 }, 100, 256);
        for e in 0..100 {
            for j in 0..256 {
                assert_eq!(mask[e * 256 + j], lanes[j * 100 + e]);
            }
        }
        let mut other = Dropout::<f32>::new(0.3, 8).unwrap();
        let mut third = vec![0.0f32; 100 * 256];
        other.draw(&mut third, Layout::Rows { batch: 100 }, 100, 256);
        assert_ne!(third, mask);
    }
}
