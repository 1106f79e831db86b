//! Optimizers: plain gradient descent (the lesson's), momentum and Adam.
//!
//! Update rules are TensorFlow 1's (`GradientDescentOptimizer`, `MomentumOptimizer` with
//! momentum 0.9, `AdamOptimizer` with beta1 0.9, beta2 0.999, epsilon 1e-8):
//! - SGD: `w -= lr * g`
//! - momentum: `a = 0.9 a + g; w -= lr * a`
//! - Adam, at step t: `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;`
//!   `w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`
//!
//! Every slot is allocated in [`Optimizer::new`]; an update allocates nothing.

use std::fmt;

use super::float::Float;
use super::mlp::Mlp;
use super::Error;

/// Momentum's decay.
pub const MOMENTUM: f64 = 0.9;
/// Adam's first-moment decay.
pub const ADAM_BETA1: f64 = 0.9;
/// Adam's second-moment decay.
pub const ADAM_BETA2: f64 = 0.999;
/// Adam's epsilon (added to `sqrt(v)`, as TensorFlow does).
pub const ADAM_EPSILON: f64 = 1e-8;

/// Which update rule to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptimizerKind {
    /// Plain gradient descent.
    Sgd,
    /// Gradient descent with momentum 0.9.
    Momentum,
    /// Adam with TensorFlow's defaults.
    Adam,
}

impl OptimizerKind {
    /// Every kind, in declaration order.
    pub const ALL: [OptimizerKind; 3] = [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adam,
    ];

    /// The command-line spelling.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adam => "adam",
        }
    }

    /// Parses a command-line spelling.
    pub fn parse(name: &str) -> Result<Self, Error> {
        OptimizerKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| Error::UnknownOptimizer {
                name: name.to_string(),
            })
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Per-layer optimizer state, shaped like the layer's weights and biases.
#[derive(Debug, Clone)]
struct Slots<F> {
    /// Momentum's accumulator, or Adam's first moment (empty for SGD).
    first_w: Vec<F>,
    first_b: Vec<F>,
    /// Adam's second moment (empty otherwise).
    second_w: Vec<F>,
    second_b: Vec<F>,
}

/// An optimizer with its state for one network.
#[derive(Debug, Clone)]
pub struct Optimizer<F = f32> {
    kind: OptimizerKind,
    slots: Vec<Slots<F>>,
    steps: u64,
    beta1_power: F,
    beta2_power: F,
}

impl<F: Float> Optimizer<F> {
    /// An optimizer for `mlp`, with zeroed state.
    pub fn new(kind: OptimizerKind, mlp: &Mlp<F>) -> Self {
        let (first, second) = match kind {
            OptimizerKind::Sgd => (false, false),
            OptimizerKind::Momentum => (true, false),
            OptimizerKind::Adam => (true, true),
        };
        let zeros = |on: bool, n: usize| if on { vec![F::ZERO; n] } else { Vec::new() };
        let slots = mlp
            .layers()
            .iter()
            .map(|layer| {
                let (w, b) = (layer.weights().len(), layer.biases().len());
                Slots {
                    first_w: zeros(first, w),
                    first_b: zeros(first, b),
                    second_w: zeros(second, w),
                    second_b: zeros(second, b),
                }
            })
            .collect();
        Optimizer {
            kind,
            slots,
            steps: 0,
            beta1_power: F::ONE,
            beta2_power: F::ONE,
        }
    }

    /// The update rule.
    pub fn kind(&self) -> OptimizerKind {
        self.kind
    }

    /// Updates applied so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Whether this optimizer's state has the shape of `mlp`'s parameters.
    pub(crate) fn fits(&self, mlp: &Mlp<F>) -> bool {
        let first = self.kind != OptimizerKind::Sgd;
        let second = self.kind == OptimizerKind::Adam;
        self.slots.len() == mlp.depth()
            && self.slots.iter().zip(mlp.layers()).all(|(s, l)| {
                let (w, b) = (l.weights().len(), l.biases().len());
                (!first || (s.first_w.len() == w && s.first_b.len() == b))
                    && (!second || (s.second_w.len() == w && s.second_b.len() == b))
            })
    }

    /// Starts one update of every layer: advances Adam's step count and bias corrections.
    pub(crate) fn begin_update(&mut self) {
        self.steps += 1;
        if self.kind == OptimizerKind::Adam {
            self.beta1_power *= F::from_f64(ADAM_BETA1);
            self.beta2_power *= F::from_f64(ADAM_BETA2);
        }
    }

    /// Updates layer `k`'s weights and biases from their gradients (after
    /// [`begin_update`](Self::begin_update)).
    #[inline(always)]
    pub(crate) fn update_layer(
        &mut self,
        k: usize,
        weights: &mut [F],
        biases: &mut [F],
        weight_grads: &[F],
        bias_grads: &[F],
        lr: F,
    ) {
        let (beta1_power, beta2_power) = (self.beta1_power, self.beta2_power);
        let Some(slots) = self.slots.get_mut(k) else {
            return;
        };
        match self.kind {
            OptimizerKind::Sgd => {
                sgd(weights, weight_grads, lr);
                sgd(biases, bias_grads, lr);
            }
            OptimizerKind::Momentum => {
                momentum(weights, &mut slots.first_w, weight_grads, lr);
                momentum(biases, &mut slots.first_b, bias_grads, lr);
            }
            OptimizerKind::Adam => {
                let lr_t = lr * (F::ONE - beta2_power).sqrt() / (F::ONE - beta1_power);
                adam(
                    weights,
                    &mut slots.first_w,
                    &mut slots.second_w,
                    weight_grads,
                    lr_t,
                );
                adam(
                    biases,
                    &mut slots.first_b,
                    &mut slots.second_b,
                    bias_grads,
                    lr_t,
                );
            }
        }
    }
}

fn sgd<F: Float>(params: &mut [F], grads: &[F], lr: F) {
    for (p, &g) in params.iter_mut().zip(grads) {
        *p -= lr * g;
    }
}

fn momentum<F: Float>(params: &mut [F], accum: &mut [F], grads: &[F], lr: F) {
    let m = F::from_f64(MOMENTUM);
    for ((p, a), &g) in params.iter_mut().zip(accum.iter_mut()).zip(grads) {
        *a = m * *a + g;
        *p -= lr * *a;
    }
}

fn adam<F: Float>(params: &mut [F], m: &mut [F], v: &mut [F], grads: &[F], lr_t: F) {
    let b1 = F::from_f64(ADAM_BETA1);
    let b2 = F::from_f64(ADAM_BETA2);
    let eps = F::from_f64(ADAM_EPSILON);
    for (((p, m), v), &g) in params
        .iter_mut()
        .zip(m.iter_mut())
        .zip(v.iter_mut())
        .zip(grads)
    {
        *m = b1 * *m + (F::ONE - b1) * g;
        *v = b2 * *v + (F::ONE - b2) * g * g;
        *p -= lr_t * *m / (v.sqrt() + eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Layer};
    use ndarray::array;

    /// A one-layer network with two weights and one bias, parameters p = [w1, w2, b].
    fn tiny() -> Mlp<f64> {
        let layer = Layer::new(array![[0.5], [-0.25]], array![0.125], Activation::Sigmoid);
        Mlp::from_layers(vec![layer.unwrap()]).unwrap()
    }

    /// Runs `steps` updates with the given gradients; returns [w1, w2, b].
    fn run(kind: OptimizerKind, grads: &[[f64; 3]], lr: f64) -> [f64; 3] {
        let mut mlp = tiny();
        let mut opt = Optimizer::new(kind, &mlp);
        assert!(opt.fits(&mlp));
        for g in grads {
            opt.begin_update();
            let layer = &mut mlp.layers[0];
            let (w, b) = (&mut layer.weights, &mut layer.biases);
            opt.update_layer(0, w, b, &g[..2], &g[2..], lr);
        }
        assert_eq!(opt.steps(), grads.len() as u64);
        let l = &mlp.layers[0];
        [l.weights[0], l.weights[1], l.biases[0]]
    }

    fn assert_close(got: [f64; 3], want: [f64; 3]) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "got {got:?}, want {want:?}");
        }
    }

    const G1: [f64; 3] = [0.2, -0.4, 1.0];
    const G2: [f64; 3] = [-0.1, 0.3, 0.5];

    #[test]
    fn sgd_by_hand() {
        // w -= 0.1 g, twice.
        assert_close(
            run(OptimizerKind::Sgd, &[G1, G2], 0.1),
            [0.5 - 0.02 + 0.01, -0.25 + 0.04 - 0.03, 0.125 - 0.1 - 0.05],
        );
    }

    #[test]
    fn momentum_by_hand() {
        // Step 1: a = g1 = [0.2, -0.4, 1]; p -= 0.1 a -> [0.48, -0.21, 0.025].
        // Step 2: a = 0.9 g1 + g2 = [0.08, -0.06, 1.4]; p -= 0.1 a -> [0.472, -0.204, -0.115].
        assert_close(
            run(OptimizerKind::Momentum, &[G1, G2], 0.1),
            [0.472, -0.204, -0.115],
        );
    }

    #[test]
    fn adam_by_hand() {
        // Step 1: m = 0.1 g, v = 0.001 g^2, lr_t = 0.01 sqrt(0.001) / 0.1, so the step is
        // 0.01 g / (|g| + 1e-8 / sqrt(0.001)), a step of about 0.01 against the sign of g.
        assert_close(
            run(OptimizerKind::Adam, &[G1], 0.01),
            [
                0.490_000_015_811_363_3,
                -0.240_000_007_905_687_9,
                0.115_000_003_162_276_65,
            ],
        );
        // Step 2 (computed in f64 from the formulas above):
        // m = [0.008, -0.006, 0.14], v = [0.00004996, 0.00024984, 0.001249],
        // lr_t = 0.01 sqrt(1 - 0.999^2) / (1 - 0.81).
        assert_close(
            run(OptimizerKind::Adam, &[G1, G2], 0.01),
            [
                0.487_336_649_182_836_03,
                -0.239_106_758_396_756_24,
                0.105_678_209_411_819_34,
            ],
        );
    }

    #[test]
    fn names_round_trip() {
        for kind in OptimizerKind::ALL {
            assert_eq!(OptimizerKind::parse(kind.name()).unwrap(), kind);
        }
        assert_eq!(
            OptimizerKind::parse("rmsprop").unwrap_err().to_string(),
            "unknown optimizer `rmsprop`: choose one of sgd, momentum, adam"
        );
    }
}
