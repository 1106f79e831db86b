//! Why a run diverged: the initial weights, or the updates (the learning rate).
//!
//! A deep network blows up when the signal grows layer by layer: each layer multiplies
//! its input's scale by a gain, and over depth the gains compound. Initialisations such
//! as Xavier's and He's are scaled to keep that gain near 1; U(-1, 1) weights in a deep
//! maxout net (two pieces per unit, the larger kept) have gains above 1, so the
//! activations already grow layer by layer before any update, gradients are as large as
//! the growth, and a few ordinary steps compound it past any bound. Updates that are
//! too large blow up a network whose initial gain is 1 or less just as well. The two
//! call for different fixes (another `init`, or a smaller `lr`), so the run measures,
//! at its first step, what tells them apart:
//!
//! - the **initial gain**: the RMS of the last hidden layer's activations over the
//!   first's, on the first batch, before any update. At [`AMPLIFYING_GAIN`] or more the
//!   initial weights amplify the signal;
//! - the **first step's size**: `lr` times each layer's first gradient norm over that
//!   layer's initial weight norm (the relative size of a plain gradient step), the
//!   largest over the layers. Gradients grow with the signal, so amplifying weights
//!   make the steps larger too: divided by the gain, it is the step a network of gain 1
//!   would take. When that is still 1 or more, a single step is as large as the weights
//!   themselves whatever the initialisation: the learning rate is too large as well.
//!
//! Measured on depth-11, width-5 nets on XOR, seeds 1 to 20: every maxout run that
//! diverged at lr 0.1 from U(-1, 1) or He weights had an initial gain of 2.6 to 18 and
//! first steps of 0.02 to 1.2 (0.01 to 0.12 divided by the gain), while from Xavier
//! weights every seed learns at lr 0.1; the runs that diverge from Xavier weights at lr
//! 10, or from a ReLU net's at lr 10^6, have gains of 0.01 to 0.18 (the activations
//! shrink through the layers): the updates alone blew them up. U(-1, 1) maxout at lr
//! 10^6 takes a first step 10^5 times the weights: both.
//!
//! A cost past the threshold at step 0 comes before any update: the initial weights and
//! the data give it ([`Divergence::BeforeAnyUpdate`]).

use crate::nn::{Mlp, Workspace};

/// An initial gain (last hidden layer's RMS activation over the first's) from which the
/// initial weights are said to amplify the signal: the activations at least double
/// through the hidden layers before any update, where an initialisation scaled for the
/// network keeps them level (gain about 1) or lets them shrink.
pub const AMPLIFYING_GAIN: f32 = 2.0;

/// Why a run diverged (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Divergence {
    /// At step 0, before any update: the initial weights on this data.
    BeforeAnyUpdate,
    /// The initial weights amplify the signal layer by layer (`gain` at the first step)
    /// and the first step was smaller than the weights: the initialisation.
    InitialWeights { gain: f32 },
    /// The initial weights do not amplify the signal: the updates, the learning rate.
    LearningRate,
    /// Both: the initial weights amplify the signal (`gain`), and the first step
    /// (`step_size`, relative to the weights) would be at least as large as the weights
    /// in a network of gain 1 (`step_size / gain >= 1`).
    Both { gain: f32, step_size: f32 },
    /// Read back from a run's file, which records when it diverged, not why.
    NotRecorded,
}

/// What the first step showed (see the module doc): made by [`FirstStep::weights`]
/// before the first update and completed by [`FirstStep::observe`] after it.
#[derive(Debug, Clone, Default)]
pub struct FirstStep {
    /// Each layer's weight norm before the first update.
    weight_norms: Vec<f32>,
    /// The initial gain; `None` with fewer than two hidden layers, or when it is not a
    /// finite number (every unit of the first hidden layer off).
    gain: Option<f32>,
    /// The largest relative size of a plain gradient step over the layers.
    step_size: Option<f32>,
}

impl FirstStep {
    /// Notes the initial weights' norms (call before the first update).
    pub fn weights(mlp: &Mlp) -> FirstStep {
        FirstStep {
            weight_norms: mlp
                .layers()
                .iter()
                .map(|l| l.weights().iter().map(|w| w * w).sum::<f32>().sqrt())
                .collect(),
            gain: None,
            step_size: None,
        }
    }

    /// Reads the first step's activations and gradients from `ws` (call right after the
    /// first step, whose forward pass used the initial weights) and its learning rate.
    pub fn observe(&mut self, ws: &Workspace, lr: f32) {
        let depth = self.weight_norms.len();
        let rms = |k: usize| {
            ws.activations(k).map(|a| {
                let n = a.len().max(1) as f32;
                (a.iter().map(|x| x * x).sum::<f32>() / n).sqrt()
            })
        };
        if depth >= 3 {
            if let (Some(first), Some(last)) = (rms(0), rms(depth - 2)) {
                self.gain = Some(last / first).filter(|g| g.is_finite());
            }
        }
        self.step_size = (0..depth)
            .filter_map(|k| {
                let (grad, weights) = (ws.grad_norm(k)?, *self.weight_norms.get(k)?);
                Some(lr * grad / weights).filter(|s| s.is_finite())
            })
            .reduce(f32::max);
    }

    /// Why a run that diverged at `step` did.
    pub fn cause(&self, step: u64) -> Divergence {
        if step == 0 {
            return Divergence::BeforeAnyUpdate;
        }
        match (self.gain, self.step_size) {
            (Some(gain), Some(step_size)) if gain >= AMPLIFYING_GAIN && step_size / gain >= 1.0 => {
                Divergence::Both { gain, step_size }
            }
            (Some(gain), _) if gain >= AMPLIFYING_GAIN => Divergence::InitialWeights { gain },
            _ => Divergence::LearningRate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Init, MlpConfig, Optimizer, OptimizerKind};
    use rand::SeedableRng;

    /// The first step of a depth-11, width-5 net with `hidden` and `init` on XOR.
    fn first_step(hidden: Activation, init: Init, seed: u64, lr: f32) -> FirstStep {
        let config = MlpConfig {
            inputs: 2,
            width: 5,
            depth: 11,
            hidden,
            init,
            classes: 2,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut mlp = Mlp::new(&config, &mut rng).unwrap();
        let x = ndarray::array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
        let y = ndarray::array![0.0f32, 1.0, 1.0, 0.0];
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
        let mut probe = FirstStep::weights(&mlp);
        ws.step(&mut mlp, &mut opt, x.view(), y.view(), lr).unwrap();
        probe.observe(&ws, lr);
        probe
    }

    fn maxout() -> Activation {
        Activation::new(
            crate::nn::ActivationKind::Maxout,
            crate::nn::ActivationParams {
                leaky_slope: 0.1,
                maxout_pieces: 2,
            },
        )
        .unwrap()
    }

    #[test]
    fn amplifying_initial_weights_are_told_from_large_updates() {
        // Seed 1's U(-1, 1) maxout net: the activations grow 2.6x through the hidden
        // layers before any update; the first step is small.
        let uniform = first_step(maxout(), Init::Uniform, 1, 0.1);
        let gain = uniform.gain.unwrap();
        assert!((2.6..2.7).contains(&gain), "{uniform:?}");
        assert!(uniform.step_size.unwrap() < 0.1, "{uniform:?}");
        assert_eq!(uniform.cause(19), Divergence::InitialWeights { gain });
        // Xavier's weights let the activations shrink: a divergence is the updates'.
        let xavier = first_step(maxout(), Init::Xavier, 1, 10.0);
        assert!(xavier.gain.unwrap() < 0.5, "{xavier:?}");
        assert_eq!(xavier.cause(3), Divergence::LearningRate);
        // The same amplifying weights with a step larger than the weights: both.
        let huge = first_step(maxout(), Init::Uniform, 1, 1e6);
        assert!(matches!(huge.cause(1), Divergence::Both { step_size, .. } if step_size > 1e4));
        // Step 0 is before any update, whatever the weights.
        assert_eq!(huge.cause(0), Divergence::BeforeAnyUpdate);
        // He's weights in seed 2 amplify 10x, and their first step (1.2 times the
        // weights) is that large because of it: the initialisation.
        let he = first_step(maxout(), Init::He, 2, 0.1);
        assert!(he.step_size.unwrap() > 1.0, "{he:?}");
        assert!(matches!(he.cause(4), Divergence::InitialWeights { gain } if gain > 10.0));
        // A net with one hidden layer has no gain to measure.
        let shallow = FirstStep {
            weight_norms: vec![1.0, 1.0],
            gain: None,
            step_size: Some(0.01),
        };
        assert_eq!(shallow.cause(5), Divergence::LearningRate);
    }
}
