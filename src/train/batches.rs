//! Which training examples each step sees, and the buffers they are copied into.
//!
//! Three ways, by how the run is counted ([`Length`]) and its batch size:
//! - the full batch: every example, copied into the buffers once;
//! - steps of a smaller batch: each step draws its batch at random (a partial
//!   Fisher-Yates shuffle of the row numbers, so no example twice in one batch);
//! - epochs: each epoch shuffles the row numbers (Fisher-Yates) and walks through them
//!   a batch at a time; rows left over after the last whole batch sit that epoch out.
//!
//! Only row numbers are shuffled; each step copies its batch's rows into the same
//! buffers ([`Dataset::fill`], which scales bytes to [0, 1]). Every random choice comes
//! from the run's generator, so a seed gives the same batches.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::Length;
use crate::data::Dataset;

/// The batch buffers and the order of the rows.
pub(super) struct Batches {
    x: Array2<f32>,
    y: Array1<f32>,
    /// Row numbers, in the order batches take them.
    order: Vec<usize>,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Full,
    Random,
    Epochs { steps_per_epoch: u64 },
}

impl Batches {
    /// Batches of `batch` rows (at most the dataset's) of `data`, for a run of `length`.
    pub(super) fn new(data: &Dataset, batch: usize, length: Length) -> Batches {
        let batch = batch.clamp(1, data.len());
        let order: Vec<usize> = (0..data.len()).collect();
        let kind = match length {
            _ if batch == data.len() => Kind::Full,
            Length::Steps(_) => Kind::Random,
            Length::Epochs {
                steps_per_epoch, ..
            } => Kind::Epochs { steps_per_epoch },
        };
        let mut batches = Batches {
            x: Array2::zeros((batch, data.features())),
            y: Array1::zeros(batch),
            order,
            kind,
        };
        if kind == Kind::Full {
            data.fill(&batches.order, batches.x.view_mut(), batches.y.view_mut());
        }
        batches
    }

    /// The batch of `step` (steps come in order, from 0), drawn with `rng`.
    pub(super) fn at(
        &mut self,
        step: u64,
        data: &Dataset,
        rng: &mut ChaCha8Rng,
    ) -> (ArrayView2<'_, f32>, ArrayView1<'_, f32>) {
        let batch = self.y.len();
        match self.kind {
            Kind::Full => {}
            Kind::Random => {
                let n = self.order.len();
                for i in 0..batch {
                    let j = rng.random_range(i..n);
                    self.order.swap(i, j);
                }
                data.fill(&self.order[..batch], self.x.view_mut(), self.y.view_mut());
            }
            Kind::Epochs { steps_per_epoch } => {
                let within = (step % steps_per_epoch) as usize;
                if within == 0 {
                    self.order.shuffle(rng);
                }
                let rows = &self.order[within * batch..(within + 1) * batch];
                data.fill(rows, self.x.view_mut(), self.y.view_mut());
            }
        }
        (self.x.view(), self.y.view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn data(n: usize) -> Dataset {
        let x = Array2::from_shape_fn((n, 1), |(i, _)| i as f32);
        Dataset::new(x, (0..n).map(|i| (i % 2) as u32).collect(), 2).unwrap()
    }

    fn rows_of(
        batches: &mut Batches,
        step: u64,
        data: &Dataset,
        rng: &mut ChaCha8Rng,
    ) -> Vec<usize> {
        let (x, _) = batches.at(step, data, rng);
        x.column(0).iter().map(|&v| v as usize).collect()
    }

    #[test]
    fn an_epoch_sees_every_whole_batch_once_in_a_new_order() {
        let d = data(10);
        let length = Length::Epochs {
            epochs: 2,
            steps_per_epoch: 3,
        };
        let mut batches = Batches::new(&d, 3, length);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut epochs = Vec::new();
        for epoch in 0..2u64 {
            let mut seen: Vec<usize> = (0..3)
                .flat_map(|b| rows_of(&mut batches, epoch * 3 + b, &d, &mut rng))
                .collect();
            let order = seen.clone();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), 9, "nine distinct rows, one left out: {order:?}");
            epochs.push(order);
        }
        assert_ne!(epochs[0], epochs[1], "each epoch reshuffles");
        // Labels follow their rows.
        let (x, y) = batches.at(0, &d, &mut rng);
        for (row, label) in x.column(0).iter().zip(y) {
            assert_eq!(*label, (*row as usize % 2) as f32);
        }
    }

    #[test]
    fn the_full_batch_is_every_row_in_order_and_draws_nothing() {
        let d = data(4);
        let mut batches = Batches::new(&d, 4, Length::Steps(10));
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let before = rng.clone();
        assert_eq!(rows_of(&mut batches, 7, &d, &mut rng), [0, 1, 2, 3]);
        assert_eq!(rng, before);
    }

    #[test]
    fn random_batches_hold_distinct_rows_and_follow_the_seed() {
        let d = data(50);
        let draw = |seed| {
            let mut batches = Batches::new(&d, 8, Length::Steps(3));
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..3)
                .map(|s| rows_of(&mut batches, s, &d, &mut rng))
                .collect::<Vec<_>>()
        };
        let a = draw(1);
        for batch in &a {
            let mut b = batch.clone();
            b.sort_unstable();
            b.dedup();
            assert_eq!(b.len(), 8);
        }
        assert_eq!(a, draw(1));
        assert_ne!(a, draw(2));
    }
}
