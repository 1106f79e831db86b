//! Optimizers: plain gradient descent (the lesson's), momentum and Adam.
//!
//! Update rules are TensorFlow 1's (`GradientDescentOptimizer`, `MomentumOptimizer` with
//! momentum 0.9, `AdamOptimizer` with beta1 0.9, beta2 0.999, epsilon 1e-8):
//! - SGD: `w -= lr * g`
//! - momentum: `a = 0.9 a + g; w -= lr * a`
//! - Adam, at step t: `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;`
//!   `w -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`
//!
//! Every slot is allocated in [`Optimizer::new`], shaped like the network's parameters
//! (a maxout layer's pieces included); an update allocates nothing of its own. Given
//! more than one thread, an update splits long parameter vectors over the helper threads
//! ([`pool`])
//! (Adam's square root and division per weight are a tenth of a large step); each value
//! gets the same arithmetic either way, so the result is the same to the bit.

use std::fmt;
use std::str::FromStr;

use super::float::Float;
use super::mlp::{Layer, Mlp};
use super::pool;
use super::{by_name, Error};

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

    /// The name, e.g. `adam`: the only place it is spelled.
    pub const fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adam => "adam",
        }
    }
}

impl FromStr for OptimizerKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        by_name(&Self::ALL, Self::name, text).ok_or_else(|| Error::UnknownOptimizer {
            name: text.to_string(),
        })
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Per-layer optimizer state, shaped like the layer's weights and biases (empty where
/// the rule keeps none).
#[derive(Debug, Clone, PartialEq)]
struct Slots<F> {
    /// Momentum's accumulator, or Adam's first moment (empty for SGD).
    first_w: Vec<F>,
    first_b: Vec<F>,
    /// Adam's second moment (empty otherwise).
    second_w: Vec<F>,
    second_b: Vec<F>,
}

impl<F: Float> Slots<F> {
    /// Zeroed state for `layer` under `kind`.
    fn new(kind: OptimizerKind, layer: &Layer<F>) -> Self {
        let [first_w, first_b, second_w, second_b] = Self::lengths(kind, layer);
        Slots {
            first_w: vec![F::ZERO; first_w],
            first_b: vec![F::ZERO; first_b],
            second_w: vec![F::ZERO; second_w],
            second_b: vec![F::ZERO; second_b],
        }
    }

    /// The lengths of the four slots `kind` keeps for `layer`.
    fn lengths(kind: OptimizerKind, layer: &Layer<F>) -> [usize; 4] {
        let (first, second) = match kind {
            OptimizerKind::Sgd => (false, false),
            OptimizerKind::Momentum => (true, false),
            OptimizerKind::Adam => (true, true),
        };
        let (w, b) = (layer.weights.len(), layer.biases.len());
        let len = |on: bool, n: usize| if on { n } else { 0 };
        [len(first, w), len(first, b), len(second, w), len(second, b)]
    }

    /// Whether this state is shaped for `layer` under `kind`.
    fn fits(&self, kind: OptimizerKind, layer: &Layer<F>) -> bool {
        let have = [&self.first_w, &self.first_b, &self.second_w, &self.second_b];
        have.map(Vec::len) == Self::lengths(kind, layer)
    }
}

/// One layer's gradients, as the training step hands them to [`Optimizer::update`].
pub(crate) struct Grads<'a, F> {
    pub(crate) weights: &'a [F],
    pub(crate) biases: &'a [F],
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
        Optimizer {
            kind,
            slots: mlp.layers().iter().map(|l| Slots::new(kind, l)).collect(),
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

    /// `Ok` if this optimizer's state has the shape of `mlp`'s parameters.
    pub(crate) fn check(&self, mlp: &Mlp<F>) -> Result<(), Error> {
        let fits = self.slots.len() == mlp.depth()
            && self
                .slots
                .iter()
                .zip(mlp.layers())
                .all(|(slots, layer)| slots.fits(self.kind, layer));
        if fits {
            Ok(())
        } else {
            Err(Error::Mismatch { what: "optimizer" })
        }
    }

    /// One update of every layer from its gradients, after a [`check`](Self::check) of
    /// `layers`' network, on up to `threads` threads.
    pub(crate) fn update<'g>(
        &mut self,
        layers: &mut [Layer<F>],
        grads: impl Iterator<Item = Grads<'g, F>>,
        lr: F,
        threads: usize,
    ) where
        F: 'g,
    {
        self.steps += 1;
        if self.kind == OptimizerKind::Adam {
            self.beta1_power *= F::from_f64(ADAM_BETA1);
            self.beta2_power *= F::from_f64(ADAM_BETA2);
        }
        let (beta1_power, beta2_power) = (self.beta1_power, self.beta2_power);
        let kind = self.kind;
        // Adam's step size at step t.
        let lr_t = match kind {
            OptimizerKind::Adam => lr * (F::ONE - beta2_power).sqrt() / (F::ONE - beta1_power),
            OptimizerKind::Sgd | OptimizerKind::Momentum => lr,
        };
        let apply = |part: Part<'_, F>| match kind {
            OptimizerKind::Sgd => sgd(part.params, part.grads, lr_t),
            OptimizerKind::Momentum => momentum(part.params, part.first, part.grads, lr_t),
            OptimizerKind::Adam => adam(part.params, part.first, part.second, part.grads, lr_t),
        };
        for ((layer, slots), g) in layers.iter_mut().zip(&mut self.slots).zip(grads) {
            let weights = Part {
                params: &mut layer.weights,
                first: &mut slots.first_w,
                second: &mut slots.second_w,
                grads: g.weights,
            };
            in_parallel(weights, threads, &apply);
            let biases = Part {
                params: &mut layer.biases,
                first: &mut slots.first_b,
                second: &mut slots.second_b,
                grads: g.biases,
            };
            in_parallel(biases, threads, &apply);
        }
    }
}

/// Parameters with their slots (empty where the rule keeps none) and gradients.
struct Part<'a, F> {
    params: &'a mut [F],
    first: &'a mut [F],
    second: &'a mut [F],
    grads: &'a [F],
}

impl<'a, F> Part<'a, F> {
    /// The values before `mid` and from `mid` on (an empty slot stays empty).
    fn split_at(self, mid: usize) -> (Self, Self) {
        fn cut<T>(v: &mut [T], mid: usize) -> (&mut [T], &mut [T]) {
            let mid = mid.min(v.len());
            v.split_at_mut(mid)
        }
        let (p0, p1) = cut(self.params, mid);
        let (f0, f1) = cut(self.first, mid);
        let (s0, s1) = cut(self.second, mid);
        let (g0, g1) = self.grads.split_at(mid.min(self.grads.len()));
        (
            Part {
                params: p0,
                first: f0,
                second: s0,
                grads: g0,
            },
            Part {
                params: p1,
                first: f1,
                second: s1,
                grads: g1,
            },
        )
    }
}

/// Parameters below this count are updated on one thread: splitting costs more.
const PARALLEL_MIN: usize = 1 << 14;

/// `apply` to `part`, split in halves over the helper threads while there are threads to
/// spare and the halves stay long.
#[inline(always)]
fn in_parallel<F: Float>(part: Part<'_, F>, threads: usize, apply: &(impl Fn(Part<'_, F>) + Sync)) {
    if threads < 2 || part.params.len() < PARALLEL_MIN {
        apply(part)
    } else {
        split(part, threads, apply)
    }
}

/// [`in_parallel`] for a long part: its halves side by side.
#[inline(never)]
fn split<F: Float>(part: Part<'_, F>, threads: usize, apply: &(impl Fn(Part<'_, F>) + Sync)) {
    let mid = part.params.len() / 2;
    let (left, right) = part.split_at(mid);
    pool::join_halves(
        |t| in_parallel(left, t, apply),
        |t| in_parallel(right, t, apply),
        threads,
    );
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

/// Adam's update, in the widest vectors this CPU has. Its square root and division per
/// weight made it about a tenth of a step of lab 10-3's net in the baseline x86-64 build
/// (4 lanes); the wider copies compute the same bits (IEEE square root and division
/// are exact at any width, and Rust never fuses a multiply and an add).
fn adam<F: Float>(params: &mut [F], m: &mut [F], v: &mut [F], grads: &[F], lr_t: F) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { adam_avx512(params, m, v, grads, lr_t) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { adam_avx2(params, m, v, grads, lr_t) };
        }
    }
    adam_loop(params, m, v, grads, lr_t)
}

/// [`adam_loop`] compiled for AVX-512.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn adam_avx512<F: Float>(p: &mut [F], m: &mut [F], v: &mut [F], g: &[F], lr_t: F) {
    adam_loop(p, m, v, g, lr_t)
}

/// [`adam_loop`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn adam_avx2<F: Float>(p: &mut [F], m: &mut [F], v: &mut [F], g: &[F], lr_t: F) {
    adam_loop(p, m, v, g, lr_t)
}

/// Adam on each weight: the moments, then the step.
#[inline(always)]
fn adam_loop<F: Float>(params: &mut [F], m: &mut [F], v: &mut [F], grads: &[F], lr_t: F) {
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
        assert_eq!(opt.check(&mlp), Ok(()));
        for g in grads {
            let grads = Grads {
                weights: &g[..2],
                biases: &g[2..],
            };
            opt.update(&mut mlp.layers, std::iter::once(grads), lr, 1);
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
    fn adam_in_wide_vectors_gives_the_bits_of_the_plain_loop() {
        // Long enough for every vector width and a tail; values of many magnitudes.
        let n = 1000 + 13;
        let value = |i: usize, scale: f32| ((i * 7919 % 1009) as f32 - 504.0) * scale;
        let grads: Vec<f32> = (0..n).map(|i| value(i, 1e-3)).collect();
        let start = |s: f32| (0..n).map(|i| value(i + 17, s)).collect::<Vec<f32>>();
        let (mut p1, mut m1, mut v1) = (
            start(1e-2),
            start(1e-4),
            start(1e-6).iter().map(|v| v.abs()).collect::<Vec<_>>(),
        );
        let (mut p2, mut m2, mut v2) = (p1.clone(), m1.clone(), v1.clone());
        for _ in 0..3 {
            adam(&mut p1, &mut m1, &mut v1, &grads, 1e-3);
            adam_loop(&mut p2, &mut m2, &mut v2, &grads, 1e-3);
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            (bits(&p1), bits(&m1), bits(&v1)),
            (bits(&p2), bits(&m2), bits(&v2))
        );
    }

    #[test]
    fn names_round_trip() {
        for kind in OptimizerKind::ALL {
            assert_eq!(kind.name().parse::<OptimizerKind>().unwrap(), kind);
            assert_eq!(kind.to_string(), kind.name());
        }
        assert_eq!(
            "rmsprop".parse::<OptimizerKind>().unwrap_err(),
            Error::UnknownOptimizer {
                name: "rmsprop".into()
            }
        );
    }

    #[test]
    fn an_optimizer_fits_only_its_networks_shape() {
        let one = tiny();
        let two = Mlp::from_layers(vec![
            Layer::new(
                array![[0.5, 1.0], [-0.25, 2.0]],
                array![0.0, 0.0],
                Activation::Relu,
            )
            .unwrap(),
            Layer::new(array![[1.0], [1.0]], array![0.0], Activation::Sigmoid).unwrap(),
        ])
        .unwrap();
        for kind in OptimizerKind::ALL {
            let opt = Optimizer::new(kind, &one);
            assert_eq!(opt.check(&one), Ok(()));
            assert_eq!(opt.check(&two), Err(Error::Mismatch { what: "optimizer" }));
        }
    }
}
