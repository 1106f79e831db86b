//! Activation functions: what a hidden unit does with its pre-activation `z`, and the
//! derivative the backward pass multiplies by, written side by side.
//!
//! The choice decides whether a deep net learns: the sigmoid's derivative is at most 0.25,
//! so the gradient shrinks layer by layer (the lesson), while ReLU's is 1 where it is on.
//!
//! [`ActivationKind`] names the functions (the one place each name is spelled);
//! [`Activation`] is a kind with its parameters, checked when it is made. Kinks follow
//! TensorFlow's gradients: ReLU's derivative at 0 is 0, leaky ReLU's is its slope, ELU's
//! and SELU's use the negative side. GELU is the tanh approximation
//! (`tf.nn.gelu(approximate=True)`).
//!
//! Maxout (Goodfellow et al. 2013) is not element-wise: a unit computes `pieces`
//! pre-activations and outputs the largest, and the gradient flows back only to that
//! piece (the first one, on a tie). Softmax is not element-wise either, and is no hidden
//! activation: it is the output of a network of three classes or more, `a_j = e^{z_j} /
//! sum_i e^{z_i}` over one example's units (a net of two classes ends in one sigmoid unit).
//!
//! How a whole layer's buffers are walked, in either layout of the training step, is in
//! `layers.rs`; maxout's and softmax's per-example loops in their own files.

use std::fmt;
use std::str::FromStr;

mod functions;
pub(crate) mod layers;
mod maxout;
pub(crate) mod softmax;

use functions::*;

use super::float::Float;
use super::{by_name, Error};

/// An activation by name, without its parameters: what a user chooses from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivationKind {
    /// `1 / (1 + e^-z)`: derivative at most 0.25, the lesson's vanishing gradient.
    Sigmoid,
    /// `max(0, z)`.
    Relu,
    /// `z` for `z > 0`, else `slope * z`.
    LeakyRelu,
    /// Hyperbolic tangent.
    Tanh,
    /// `z` for `z > 0`, else `e^z - 1`.
    Elu,
    /// Scaled ELU: `scale * z` for `z > 0`, else `scale * alpha * (e^z - 1)`.
    Selu,
    /// `0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))`.
    Gelu,
    /// `z * sigmoid(z)`.
    Swish,
    /// The largest of a unit's `pieces` affine pre-activations.
    Maxout,
    /// `e^{z_j} / sum_i e^{z_i}` over a layer's units: the output of a network of three
    /// or more classes only, so not in [`ALL`](Self::ALL).
    Softmax,
}

impl ActivationKind {
    /// Every hidden-layer kind, in declaration order: what a user chooses from (and what
    /// parsing accepts). [`Softmax`](Self::Softmax), the output's, is not one of them.
    pub const ALL: [ActivationKind; 9] = [
        ActivationKind::Sigmoid,
        ActivationKind::Relu,
        ActivationKind::LeakyRelu,
        ActivationKind::Tanh,
        ActivationKind::Elu,
        ActivationKind::Selu,
        ActivationKind::Gelu,
        ActivationKind::Swish,
        ActivationKind::Maxout,
    ];

    /// The name, e.g. `leaky-relu`: the only place it is spelled.
    pub const fn name(self) -> &'static str {
        match self {
            ActivationKind::Sigmoid => "sigmoid",
            ActivationKind::Relu => "relu",
            ActivationKind::LeakyRelu => "leaky-relu",
            ActivationKind::Tanh => "tanh",
            ActivationKind::Elu => "elu",
            ActivationKind::Selu => "selu",
            ActivationKind::Gelu => "gelu",
            ActivationKind::Swish => "swish",
            ActivationKind::Maxout => "maxout",
            ActivationKind::Softmax => "softmax",
        }
    }
}

impl FromStr for ActivationKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        by_name(&Self::ALL, Self::name, text).ok_or_else(|| Error::UnknownActivation {
            name: text.to_string(),
        })
    }
}

impl fmt::Display for ActivationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The parameters some activations take; each activation reads only its own, so the
/// others may hold anything. There is no default here: the trainer's settings own them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivationParams {
    /// Leaky ReLU's gradient on the negative side; must be finite.
    pub leaky_slope: f32,
    /// Maxout's affine pieces per unit; at least 2.
    pub maxout_pieces: usize,
}

/// A layer's activation with its parameters. Hidden layers take any but
/// [`Activation::Softmax`]; the output layer is [`Activation::Sigmoid`] (one unit, two
/// classes) or [`Activation::Softmax`] (three classes or more). Made by
/// [`Activation::new`], which checks the parameters; a variant written directly is
/// checked when a network is made from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// See [`ActivationKind::Sigmoid`].
    Sigmoid,
    /// See [`ActivationKind::Relu`].
    Relu,
    /// See [`ActivationKind::LeakyRelu`].
    LeakyRelu {
        /// Gradient on the negative side (finite).
        slope: f32,
    },
    /// See [`ActivationKind::Tanh`].
    Tanh,
    /// See [`ActivationKind::Elu`].
    Elu,
    /// See [`ActivationKind::Selu`].
    Selu,
    /// See [`ActivationKind::Gelu`].
    Gelu,
    /// See [`ActivationKind::Swish`].
    Swish,
    /// See [`ActivationKind::Maxout`]: a layer of `units` maxout units has
    /// `units * pieces` weight columns.
    Maxout {
        /// Affine pieces per unit (at least 2).
        pieces: usize,
    },
    /// See [`ActivationKind::Softmax`]: the output layer of three classes or more.
    Softmax,
}

impl Activation {
    /// The activation `kind` with the parameter it reads from `params`, checked.
    pub fn new(kind: ActivationKind, params: ActivationParams) -> Result<Self, Error> {
        let activation = match kind {
            ActivationKind::Sigmoid => Activation::Sigmoid,
            ActivationKind::Relu => Activation::Relu,
            ActivationKind::LeakyRelu => Activation::LeakyRelu {
                slope: params.leaky_slope,
            },
            ActivationKind::Tanh => Activation::Tanh,
            ActivationKind::Elu => Activation::Elu,
            ActivationKind::Selu => Activation::Selu,
            ActivationKind::Gelu => Activation::Gelu,
            ActivationKind::Swish => Activation::Swish,
            ActivationKind::Maxout => Activation::Maxout {
                pieces: params.maxout_pieces,
            },
            ActivationKind::Softmax => Activation::Softmax,
        };
        activation.checked()
    }

    /// Itself if its parameters are valid: a finite slope, at least two pieces.
    pub fn checked(self) -> Result<Self, Error> {
        match self {
            Activation::LeakyRelu { slope } if !slope.is_finite() => {
                Err(Error::LeakySlope { slope })
            }
            Activation::Maxout { pieces } if pieces < 2 => Err(Error::MaxoutPieces { pieces }),
            _ => Ok(self),
        }
    }

    /// Which activation this is, without its parameters.
    pub fn kind(self) -> ActivationKind {
        match self {
            Activation::Sigmoid => ActivationKind::Sigmoid,
            Activation::Relu => ActivationKind::Relu,
            Activation::LeakyRelu { .. } => ActivationKind::LeakyRelu,
            Activation::Tanh => ActivationKind::Tanh,
            Activation::Elu => ActivationKind::Elu,
            Activation::Selu => ActivationKind::Selu,
            Activation::Gelu => ActivationKind::Gelu,
            Activation::Swish => ActivationKind::Swish,
            Activation::Maxout { .. } => ActivationKind::Maxout,
            Activation::Softmax => ActivationKind::Softmax,
        }
    }

    /// The kind's name, e.g. `leaky-relu`.
    pub fn name(self) -> &'static str {
        self.kind().name()
    }

    /// Pre-activations per unit: `pieces` for maxout, 1 for the element-wise ones.
    pub fn pieces(self) -> usize {
        match self {
            Activation::Maxout { pieces } => pieces,
            _ => 1,
        }
    }

    /// `a = act(z)` for one value. Maxout's unit takes `pieces` values and softmax's
    /// every unit of the layer (see `layers.rs`); alone, one value is its own
    /// maximum, so maxout passes it through, and a softmax over one unit is 1.
    #[inline(always)]
    pub fn forward<F: Float>(self, z: F) -> F {
        match self {
            Activation::Sigmoid => sigmoid(z),
            Activation::Relu => relu(z),
            Activation::LeakyRelu { slope } => leaky_relu(z, F::from_f64(f64::from(slope))),
            Activation::Tanh => tanh(z),
            Activation::Elu => elu(z),
            Activation::Selu => selu(z),
            Activation::Gelu => gelu(z),
            Activation::Swish => swish(z),
            Activation::Maxout { .. } => z,
            Activation::Softmax => F::ONE,
        }
    }

    /// `act'(z)` for one value (1 for maxout's single piece, 0 for a softmax over one
    /// unit, see [`forward`](Self::forward)).
    pub fn derivative<F: Float>(self, z: F) -> F {
        self.derivative_at(z, self.forward(z))
    }

    /// `act'(z)` given `a = act(z)` from the forward pass, which most derivatives reuse.
    #[inline(always)]
    fn derivative_at<F: Float>(self, z: F, a: F) -> F {
        match self {
            Activation::Sigmoid => sigmoid_derivative(z, a),
            Activation::Relu => relu_derivative(z, a),
            Activation::LeakyRelu { slope } => {
                leaky_relu_derivative(z, F::from_f64(f64::from(slope)))
            }
            Activation::Tanh => tanh_derivative(z, a),
            Activation::Elu => elu_derivative(z, a),
            Activation::Selu => selu_derivative(z, a),
            Activation::Gelu => gelu_derivative(z, a),
            Activation::Swish => swish_derivative(z, a),
            Activation::Maxout { .. } => F::ONE,
            Activation::Softmax => F::ZERO,
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every activation once (leaky ReLU with slope 0.2, maxout with 3 pieces), for tests
/// across the module.
#[cfg(test)]
pub(crate) const ALL_FOR_TESTS: [Activation; 9] = [
    Activation::Sigmoid,
    Activation::Relu,
    Activation::LeakyRelu { slope: 0.2 },
    Activation::Tanh,
    Activation::Elu,
    Activation::Selu,
    Activation::Gelu,
    Activation::Swish,
    Activation::Maxout { pieces: 3 },
];

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: ActivationParams = ActivationParams {
        leaky_slope: 0.2,
        maxout_pieces: 3,
    };

    #[test]
    fn kinds_names_and_activations_round_trip() {
        for (act, kind) in ALL_FOR_TESTS.iter().zip(ActivationKind::ALL) {
            assert_eq!(act.kind(), kind);
            assert_eq!(kind.name().parse::<ActivationKind>().unwrap(), kind);
            assert_eq!(kind.to_string(), kind.name());
            assert_eq!(act.to_string(), kind.name());
            assert_eq!(Activation::new(kind, PARAMS).unwrap(), *act);
        }
        assert_eq!(Activation::Maxout { pieces: 3 }.pieces(), 3);
        assert_eq!(Activation::Relu.pieces(), 1);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let leaky = |slope| ActivationParams {
            leaky_slope: slope,
            ..PARAMS
        };
        for slope in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let err = Activation::new(ActivationKind::LeakyRelu, leaky(slope)).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("the leaky ReLU slope must be finite, got {slope}")
            );
        }
        // Each activation reads only its own parameter.
        assert_eq!(
            Activation::new(ActivationKind::Relu, leaky(f32::NAN)),
            Ok(Activation::Relu)
        );
        let maxout = |pieces| ActivationParams {
            maxout_pieces: pieces,
            ..PARAMS
        };
        for pieces in [0, 1] {
            let err = Activation::new(ActivationKind::Maxout, maxout(pieces)).unwrap_err();
            assert_eq!(err, Error::MaxoutPieces { pieces });
        }
        assert_eq!(
            Activation::new(ActivationKind::Maxout, maxout(2)),
            Ok(Activation::Maxout { pieces: 2 })
        );
        assert_eq!(
            Activation::LeakyRelu { slope: f32::NAN }
                .checked()
                .unwrap_err()
                .to_string(),
            "the leaky ReLU slope must be finite, got NaN"
        );
    }

    #[test]
    fn forward_values() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        close(Activation::Sigmoid.forward(0.0), 0.5);
        close(Activation::Sigmoid.forward(2.0), 0.880_797_077_977_882_3);
        close(Activation::Relu.forward(-3.0), 0.0);
        close(Activation::Relu.forward(3.0), 3.0);
        close(
            Activation::LeakyRelu { slope: 0.2 }.forward(-3.0),
            -0.6000000089406967,
        );
        close(Activation::Tanh.forward(1.0), 0.761_594_155_955_764_9);
        close(Activation::Elu.forward(-1.0), -0.632_120_558_828_557_7);
        close(Activation::Elu.forward(2.0), 2.0);
        close(Activation::Selu.forward(1.0), 1.050_700_987_355_480_5);
        close(Activation::Selu.forward(-1.0), -1.111_330_737_812_562_3);
        close(Activation::Gelu.forward(1.0), 0.841_191_990_607_766);
        close(Activation::Swish.forward(1.0), 0.731_058_578_630_004_9);
        close(Activation::Maxout { pieces: 2 }.forward(-1.5), -1.5);
    }

    #[test]
    fn derivatives_match_central_differences_in_f64() {
        for act in ALL_FOR_TESTS {
            for i in -40..=40 {
                let x = i as f64 * 0.1 + 0.013;
                let h = 1e-6;
                let numeric = (act.forward(x + h) - act.forward(x - h)) / (2.0 * h);
                let analytic = act.derivative(x);
                assert!(
                    (numeric - analytic).abs() < 1e-8,
                    "{act} at {x}: {analytic} vs {numeric}"
                );
            }
        }
    }

    #[test]
    fn derivatives_at_kinks_follow_tensorflow() {
        assert_eq!(Activation::Relu.derivative(0.0f32), 0.0);
        assert_eq!(Activation::LeakyRelu { slope: 0.2 }.derivative(0.0f32), 0.2);
        assert_eq!(Activation::Elu.derivative(0.0f32), 1.0);
        assert_eq!(Activation::Sigmoid.derivative(0.0f32), 0.25);
    }
}
