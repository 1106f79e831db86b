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
//! buffers ([`Dataset::fill`], which scales bytes to [0, 1]; [`fill`] splits the copy
//! over the run's threads). Every random choice comes from the run's generator, so a
//! seed gives the same batches.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::Length;
use crate::data::Dataset;
use crate::nn::pool;

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

    /// The batch of `step` (steps come in order, from 0), drawn with `rng`, copied on
    /// up to `threads` threads.
    pub(super) fn at(
        &mut self,
        step: u64,
        data: &Dataset,
        rng: &mut ChaCha8Rng,
        threads: usize,
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
                let rows = &self.order[..batch];
                fill(data, rows, self.x.view_mut(), self.y.view_mut(), threads);
            }
            Kind::Epochs { steps_per_epoch } => {
                let within = (step % steps_per_epoch) as usize;
                if within == 0 {
                    self.order.shuffle(rng);
                }
                let rows = &self.order[within * batch..(within + 1) * batch];
                fill(data, rows, self.x.view_mut(), self.y.view_mut(), threads);
            }
        }
        (self.x.view(), self.y.view())
    }
}

/// [`Dataset::fill`] of `rows` into `x` and `y`, its halves side by side when `threads`
/// allow and the batch is worth splitting (the step's helper threads idle while the
/// caller fills). Each row is the same copy on either thread.
pub(super) fn fill(
    data: &Dataset,
    rows: &[usize],
    mut x: ArrayViewMut2<'_, f32>,
    mut y: ArrayViewMut1<'_, f32>,
    threads: usize,
) {
    /// Rows below which a batch is filled on one thread: handing over costs more.
    const SPLIT_ROWS: usize = 32;
    if threads < 2 || rows.len() < SPLIT_ROWS {
        return data.fill(rows, x, y);
    }
    let mid = rows.len() / 2;
    let (rows_1, rows_2) = rows.split_at(mid);
    let (x1, x2) = x.view_mut().split_at(Axis(0), mid);
    let (y1, y2) = y.view_mut().split_at(Axis(0), mid);
    pool::join_halves(
        |t| fill(data, rows_1, x1, y1, t),
        |t| fill(data, rows_2, x2, y2, t),
        threads,
    );
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
        let (x, _) = batches.at(step, data, rng, 1);
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
        let (x, y) = batches.at(0, &d, &mut rng, 1);
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

    #[test]
    fn a_batch_filled_in_halves_is_the_batch_filled_at_once() {
        let x = Array2::from_shape_fn((100, 3), |(i, j)| (i * 3 + j) as f32);
        let d = Dataset::new(x, (0..100).map(|i| (i % 3) as u32).collect(), 3).unwrap();
        let rows: Vec<usize> = (0..64).map(|i| (i * 37 + 5) % 100).collect();
        let filled = |threads| {
            let (mut x, mut y) = (Array2::zeros((64, 3)), Array1::zeros(64));
            fill(&d, &rows, x.view_mut(), y.view_mut(), threads);
            (x, y)
        };
        let (x, y) = filled(1);
        for (r, &row) in rows.iter().enumerate() {
            assert_eq!(x.row(r).to_vec(), [0, 1, 2].map(|j| (row * 3 + j) as f32));
            assert_eq!(y[r], (row % 3) as f32);
        }
        assert_eq!(filled(2), (x.clone(), y.clone()));
        assert_eq!(filled(3), (x, y));
    }
}
