//! The network layer: a multilayer perceptron and its training step, and nothing about
//! files, logging or command lines.
//!
//! Read it in this order; each file does one job:
//! - [`activation`]: what a hidden unit does with its pre-activation, each function beside
//!   its derivative ([`ActivationKind`] names them, [`Activation`] carries parameters).
//! - [`layer`](mod@layer): one layer's `z = x W + b` and, beside it, its backward pass.
//! - [`loss`]: binary cross-entropy on the sigmoid output, and where backpropagation starts.
//! - [`mlp`]: the parameters ([`MlpConfig`] for the shape, [`Init`] for the first draw).
//! - [`workspace`]: the training step, forward then backward through every layer, in
//!   buffers made once ([`Workspace`]), then the [`Optimizer`]'s update.
//!
//! Shapes are checked when things are made ([`Mlp::new`], [`Workspace::new`]) and at the
//! entry of a step; inside, nothing is checked again and nothing allocates.
//!
//! Training runs in `f32`. The maths is generic over [`Float`] so that tests can run the
//! same code in `f64` and compare gradients with finite differences.

pub mod activation;
pub mod float;
#[cfg(test)]
mod gradcheck;
pub mod init;
pub mod layer;
pub mod loss;
pub mod mlp;
pub mod optim;
pub mod workspace;

use std::fmt::Display;

pub use activation::{Activation, ActivationKind, ActivationParams};
pub use float::Float;
pub use init::Init;
pub use mlp::{Layer, Mlp, MlpConfig};
pub use optim::{Optimizer, OptimizerKind};
pub use workspace::Workspace;

/// What can go wrong when describing, building or feeding a network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// An activation name that is not one of [`ActivationKind::ALL`].
    #[error("unknown activation `{name}`: choose one of {}", choices(&ActivationKind::ALL))]
    UnknownActivation { name: String },
    /// An initialisation name that is not one of [`Init::ALL`].
    #[error("unknown initialisation `{name}`: choose one of {}", choices(&Init::ALL))]
    UnknownInit { name: String },
    /// An optimizer name that is not one of [`OptimizerKind::ALL`].
    #[error("unknown optimizer `{name}`: choose one of {}", choices(&OptimizerKind::ALL))]
    UnknownOptimizer { name: String },
    /// Leaky ReLU with an infinite or NaN slope.
    #[error("the leaky ReLU slope must be finite, got {slope}")]
    LeakySlope { slope: f32 },
    /// Maxout with fewer than two pieces per unit (one piece is a linear unit).
    #[error("maxout needs at least 2 pieces per unit, got {pieces}")]
    MaxoutPieces { pieces: usize },
    /// A network size (`inputs`, `width` or `depth`) of zero.
    #[error("network {field} must be at least 1")]
    ZeroSize { field: &'static str },
    /// A layer with no inputs or no units.
    #[error("a layer needs at least one input and one unit, got {fan_in}x{columns} weights")]
    EmptyLayer { fan_in: usize, columns: usize },
    /// A maxout layer whose weight columns do not split into its pieces.
    #[error("a maxout layer of {pieces} pieces needs a multiple of {pieces} weight columns, got {columns}")]
    PieceColumns { columns: usize, pieces: usize },
    /// A layer whose bias vector does not match its weight columns.
    #[error("layer has {columns} weight columns but {found} biases")]
    BiasLength { columns: usize, found: usize },
    /// Consecutive layers that do not fit together (`layer` is 1-based).
    #[error(
        "layer {layer} takes {fan_in} inputs but layer {} has {previous_units} units",
        .layer - 1
    )]
    LayerChain {
        layer: usize,
        fan_in: usize,
        previous_units: usize,
    },
    /// A last layer that is not a single sigmoid unit.
    #[error("the last layer must be one sigmoid unit, found {units} {activation} units")]
    OutputLayer {
        units: usize,
        activation: ActivationKind,
    },
    /// A workspace asked for a batch of zero examples.
    #[error("batch size must be at least 1")]
    EmptyBatch,
    /// A workspace or optimizer used with a network of another shape.
    #[error("the {what} was made for a network of another shape")]
    Mismatch { what: &'static str },
    /// Inputs whose shape is not `[batch, inputs]`.
    #[error("inputs are {rows}x{cols} but the workspace expects {batch}x{inputs}")]
    InputShape {
        rows: usize,
        cols: usize,
        batch: usize,
        inputs: usize,
    },
    /// Labels whose count is not the batch size.
    #[error("{found} labels for a batch of {batch}")]
    LabelCount { found: usize, batch: usize },
}

/// `a, b, c`: the choices an unknown-name error lists, from a type's `ALL`.
fn choices<T: Display>(all: &[T]) -> String {
    let names: Vec<String> = all.iter().map(T::to_string).collect();
    names.join(", ")
}

/// The item of `all` whose `name` is `text`: the one parser behind every `FromStr` here.
fn by_name<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str, text: &str) -> Option<T> {
    all.iter().copied().find(|&item| name(item) == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_list_the_choices_from_all() {
        let err = "softmax".parse::<ActivationKind>().unwrap_err();
        assert_eq!(
            err,
            Error::UnknownActivation {
                name: "softmax".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "unknown activation `softmax`: choose one of sigmoid, relu, leaky-relu, tanh, \
             elu, selu, gelu, swish, maxout"
        );
        assert_eq!(
            "zeros".parse::<Init>().unwrap_err().to_string(),
            "unknown initialisation `zeros`: choose one of uniform, xavier, he"
        );
        assert_eq!(
            "rmsprop".parse::<OptimizerKind>().unwrap_err().to_string(),
            "unknown optimizer `rmsprop`: choose one of sgd, momentum, adam"
        );
    }

    #[test]
    fn no_message_spells_a_command_line_flag() {
        let errors = [
            Error::LeakySlope { slope: f32::NAN },
            Error::MaxoutPieces { pieces: 1 },
            Error::ZeroSize { field: "width" },
            Error::PieceColumns {
                columns: 5,
                pieces: 2,
            },
            Error::EmptyBatch,
        ];
        for err in errors {
            assert!(!err.to_string().contains("--"), "{err}");
        }
        assert_eq!(
            Error::LeakySlope { slope: f32::NAN }.to_string(),
            "the leaky ReLU slope must be finite, got NaN"
        );
        assert_eq!(
            Error::MaxoutPieces { pieces: 1 }.to_string(),
            "maxout needs at least 2 pieces per unit, got 1"
        );
    }
}
