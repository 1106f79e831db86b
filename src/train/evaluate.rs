//! Evaluating a network on a whole dataset: its cost, its accuracy, and what the
//! pictures of an evaluation need (the confusion matrix, the first examples' predicted
//! classes, every example's class probabilities for the PR curves).
//!
//! A dataset of any size is evaluated in chunks of at most [`EVAL_BATCH`] rows through
//! workspaces made once ([`Evaluator::new`]): 10,000 test images cost one chunk's
//! buffers, not 10,000 rows of every layer's. The cost is the mean over every example
//! (each chunk's mean weighted by its rows), computed from the logits as in training;
//! the predicted class is the most probable one (for two classes: output above 0.5).

use ndarray::{Array1, Array2};

use super::batches;
use super::limits::EVAL_BATCH;
use crate::data::Dataset;
use crate::nn::{self, Mlp, Workspace};

/// What one evaluation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Mean cross-entropy over the dataset.
    pub cost: f32,
    /// Fraction of examples whose most probable class is their label.
    pub accuracy: f32,
    /// `classes x classes` counts, row-major: row = true class, column = predicted.
    pub confusion: Vec<u64>,
    /// The class probabilities of each of the first [`Evaluator::KEPT`] examples,
    /// `[examples, classes]` row-major.
    pub first_probabilities: Vec<f32>,
    /// Every example's probability of each class, `[rows, classes]` row-major, when
    /// asked for (empty otherwise).
    pub probabilities: Vec<f32>,
}

impl Evaluation {
    /// Examples of class `truth` predicted as `predicted`.
    pub fn count(&self, truth: usize, predicted: usize) -> u64 {
        let classes = self.classes();
        self.confusion
            .get(truth * classes + predicted)
            .copied()
            .unwrap_or(0)
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        (self.confusion.len() as f64).sqrt().round() as usize
    }

    /// Example `i`'s class probabilities, for the first [`Evaluator::KEPT`] examples.
    pub fn first(&self, i: usize) -> Option<&[f32]> {
        let k = self.classes();
        self.first_probabilities.get(i * k..(i + 1) * k)
    }

    /// Example `i`'s predicted class, for the first [`Evaluator::KEPT`] examples.
    pub fn first_predicted(&self, i: usize) -> Option<usize> {
        self.first(i).map(argmax)
    }
}

/// Workspaces and batch buffers to evaluate one network shape on one dataset.
pub struct Evaluator {
    /// For the whole chunks of [`EVAL_BATCH`] rows (or the whole set, if smaller).
    chunk: Buffers,
    /// For the rows left after the whole chunks, if any.
    rest: Option<Buffers>,
    rows: usize,
    classes: usize,
}

/// One chunk size's workspace and input buffers.
struct Buffers {
    ws: Workspace,
    x: Array2<f32>,
    y: Array1<f32>,
    rows: Vec<usize>,
}

impl Buffers {
    fn new(
        mlp: &Mlp,
        rows: usize,
        features: usize,
        threads: Option<usize>,
    ) -> Result<Buffers, nn::Error> {
        let mut ws = Workspace::for_inference(mlp, rows)?;
        if let Some(threads) = threads {
            ws.set_threads(threads)?;
        }
        Ok(Buffers {
            ws,
            x: Array2::zeros((rows, features)),
            y: Array1::zeros(rows),
            rows: Vec::with_capacity(rows),
        })
    }
}

impl Evaluator {
    /// Examples whose probabilities are kept for the report and the pictures
    /// ([`Evaluation::first_probabilities`]).
    pub const KEPT: usize = super::MAX_PREDICTIONS;

    /// An evaluator of networks shaped like `mlp` on `data`, its products on `threads`
    /// threads (`None`: every core).
    pub fn new(mlp: &Mlp, data: &Dataset, threads: Option<usize>) -> Result<Evaluator, nn::Error> {
        let rows = data.len();
        let chunk_rows = rows.min(EVAL_BATCH);
        let rest_rows = rows % chunk_rows;
        Ok(Evaluator {
            chunk: Buffers::new(mlp, chunk_rows, data.features(), threads)?,
            rest: match rest_rows {
                0 => None,
                n => Some(Buffers::new(mlp, n, data.features(), threads)?),
            },
            rows,
            classes: data.classes(),
        })
    }

    /// Evaluates `mlp` on `data` (the dataset this evaluator was made for); with
    /// `probabilities`, keeps every example's class probabilities too.
    pub fn run(
        &mut self,
        mlp: &Mlp,
        data: &Dataset,
        probabilities: bool,
    ) -> Result<Evaluation, nn::Error> {
        let classes = self.classes;
        let mut eval = Evaluation {
            cost: 0.0,
            accuracy: 0.0,
            confusion: vec![0; classes * classes],
            first_probabilities: Vec::with_capacity(Self::KEPT * classes),
            probabilities: Vec::with_capacity(if probabilities {
                self.rows * classes
            } else {
                0
            }),
        };
        let mut cost_sum = 0.0f64;
        let mut right = 0u64;
        let mut probs = vec![0.0f32; classes];
        let mut start = 0;
        while start < self.rows {
            let buffers = match &mut self.rest {
                Some(rest) if self.rows - start < self.chunk.y.len() => rest,
                _ => &mut self.chunk,
            };
            let n = buffers.y.len();
            buffers.rows.clear();
            buffers.rows.extend(start..start + n);
            let threads = buffers.ws.threads();
            let (x, y) = (buffers.x.view_mut(), buffers.y.view_mut());
            batches::fill(data, &buffers.rows, x, y, threads);
            let cost = buffers
                .ws
                .forward(mlp, buffers.x.view(), buffers.y.view())?;
            cost_sum += f64::from(cost) * n as f64;
            let predictions = buffers.ws.predicted_classes();
            for (i, (&label, &predicted)) in buffers.y.iter().zip(predictions).enumerate() {
                class_probabilities(&buffers.ws, i, &mut probs);
                let truth = label as usize;
                if predicted == truth {
                    right += 1;
                }
                if let Some(cell) = eval.confusion.get_mut(truth * classes + predicted) {
                    *cell += 1;
                }
                if eval.first_probabilities.len() < Self::KEPT * classes {
                    eval.first_probabilities.extend_from_slice(&probs);
                }
                if probabilities {
                    eval.probabilities.extend_from_slice(&probs);
                }
            }
            start += n;
        }
        eval.cost = (cost_sum / self.rows as f64) as f32;
        eval.accuracy = (right as f64 / self.rows as f64) as f32;
        Ok(eval)
    }
}

/// Example `i`'s probability of each class after `ws`'s last forward pass, into
/// `out` (`classes` long): for one sigmoid output, `[1 - p, p]`.
fn class_probabilities(ws: &Workspace, i: usize, out: &mut [f32]) {
    let probabilities = ws.probabilities();
    let row = probabilities.row(i);
    if let ([zero, one], 1) = (&mut *out, row.len()) {
        *zero = 1.0 - row[0];
        *one = row[0];
    } else {
        for (o, &p) in out.iter_mut().zip(row.iter()) {
            *o = p;
        }
    }
}

/// The index of the largest value (the first of equal ones; 0 for none or NaNs).
fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Init, MlpConfig};
    use rand::SeedableRng;

    #[test]
    fn argmax_takes_the_first_of_equals() {
        assert_eq!(argmax(&[0.5, 0.5]), 0);
        assert_eq!(argmax(&[0.2, 0.7, 0.1]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.3]), 0);
    }

    #[test]
    fn chunks_give_the_whole_sets_cost_and_accuracy() {
        // 2,500 points: two whole chunks of 1,000 and a rest of 500.
        let n = 2500;
        let x = Array2::from_shape_fn((n, 2), |(i, c)| ((i * 7 + c * 3) % 11) as f32 / 5.0 - 1.0);
        let labels: Vec<u32> = (0..n).map(|i| (i % 3 == 0) as u32).collect();
        let data = Dataset::new(x.clone(), labels.clone(), 2).unwrap();
        let config = MlpConfig {
            inputs: 2,
            width: 4,
            depth: 3,
            hidden: Activation::Tanh,
            init: Init::Xavier,
            classes: 2,
        };
        let mlp = Mlp::new(&config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(2)).unwrap();
        let mut evaluator = Evaluator::new(&mlp, &data, None).unwrap();
        let eval = evaluator.run(&mlp, &data, true).unwrap();
        // The whole set at once, in f64 for the reference.
        let mut ws = Workspace::new(&mlp, n).unwrap();
        let y = Array1::from_iter(labels.iter().map(|&l| l as f32));
        let whole = ws.forward(&mlp, x.view(), y.view()).unwrap();
        assert!((eval.cost - whole).abs() < 1e-5, "{} vs {whole}", eval.cost);
        let right = ws
            .output()
            .iter()
            .zip(&labels)
            .filter(|&(&p, &l)| (p > 0.5) == (l == 1))
            .count();
        assert_eq!(eval.accuracy, right as f32 / n as f32);
        assert_eq!(eval.confusion.iter().sum::<u64>(), n as u64);
        assert_eq!(eval.count(1, 0) + eval.count(1, 1), 834);
        assert_eq!(eval.first_probabilities.len(), 2 * Evaluator::KEPT);
        assert_eq!(eval.first(0), Some(&eval.probabilities[..2]));
        assert_eq!(
            eval.first_predicted(0),
            Some((ws.output()[0] > 0.5) as usize)
        );
        assert_eq!(eval.probabilities.len(), 2 * n);
        assert_eq!(eval.probabilities[1], ws.output()[0]);
        // Without probabilities, nothing is kept of them.
        let eval = evaluator.run(&mlp, &data, false).unwrap();
        assert!(eval.probabilities.is_empty());
    }
}
