//! The network layer: a multilayer perceptron and its training step, and nothing about
//! files, logging or command lines.
//!
//! Read it in this order; each file does one job:
//! - [`activation`]: what a unit does with its pre-activation, each function beside its
//!   derivative ([`ActivationKind`] names them, [`Activation`] carries parameters), and
//!   how a whole layer's buffers are walked.
//! - [`layer`](mod@layer): one layer's buffers, `z = x W + b` and its backward pass, the
//!   part both paths share (the activation, dropout).
//! - [`lanes`] and [`dense`]: the two paths' products, each layer's forward beside its
//!   backward: lane vectors of four examples for the lesson's tiny nets, matrix products
//!   ([`matmul`](mod@matmul), the `gemm` crate) over the whole batch for the others,
//!   their blocks side by side on helper threads that stay awake during a step ([`pool`]).
//! - [`loss`]: cross-entropy from the logits (one sigmoid unit for two classes, softmax
//!   for more), where backpropagation starts, and the predicted classes.
//! - [`dropout`]: the rate and the seeded masks.
//! - [`mlp`]: the parameters ([`MlpConfig`] for the shape, [`Init`] for the first draw).
//! - [`workspace`]: the training step, forward then backward through every layer, in
//!   buffers made once ([`Workspace`]), on the path chosen by size ([`Path::choose`]),
//!   then the [`Optimizer`]'s update.
//!
//! Shapes are checked when things are made ([`Mlp::new`], [`Workspace::new`]) and at the
//! entry of a step; inside, nothing is checked again and nothing allocates, except inside
//! the `gemm` crate's products on the dense path (see [`matmul`](mod@matmul)).
//!
//! Training runs in `f32`. The maths is generic over [`Float`] so that tests can run the
//! same code in `f64` and compare gradients with finite differences.

pub mod activation;
pub mod dense;
pub mod dropout;
pub mod float;
#[cfg(test)]
mod gradcheck;
pub mod init;
pub mod lanes;
pub mod layer;
pub mod loss;
pub mod matmul;
pub mod mlp;
pub mod optim;
pub mod pool;
pub mod workspace;

use std::fmt::Display;

pub use activation::{Activation, ActivationKind, ActivationParams};
pub use float::Float;
pub use init::Init;
pub use mlp::{Layer, Mlp, MlpConfig};
pub use optim::{Optimizer, OptimizerKind};
pub use workspace::{Path, Workspace, LANES_ANY_BATCH, LANES_MAX_WORK};

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
    /// A last layer that is neither one sigmoid unit nor three softmax units or more.
    #[error(
        "the last layer must be one sigmoid unit or at least 3 softmax units, \
         found {units} {activation} units"
    )]
    OutputLayer {
        units: usize,
        activation: ActivationKind,
    },
    /// Softmax before the last layer, or asked for as the hidden activation.
    #[error("softmax is only an output layer (of 3 classes or more), not a hidden activation")]
    SoftmaxHidden,
    /// Fewer than two classes.
    #[error("a classifier needs at least 2 classes, got {classes}")]
    Classes { classes: usize },
    /// A label that is not a class index `0, 1, ..., classes - 1` (`index` is 0-based).
    #[error("label {value} of example {index} is not a class: classes are 0 to {}", .classes - 1)]
    Label {
        index: usize,
        value: f64,
        classes: usize,
    },
    /// A dropout rate outside [0, 1).
    #[error("the dropout rate must be at least 0 and below 1, got {rate}")]
    DropoutRate { rate: f32 },
    /// Zero threads for the matrix products.
    #[error("the matrix products need at least 1 thread")]
    Threads,
    /// A training step on a workspace made for inference only.
    #[error("this workspace was made for evaluation only: it has no gradient buffers")]
    InferenceOnly,
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
            "unknown initialisation `zeros`: choose one of uniform, normal, xavier, he"
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
            Error::SoftmaxHidden,
            Error::Classes { classes: 1 },
            Error::DropoutRate { rate: 1.0 },
            Error::Threads,
            Error::InferenceOnly,
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
        assert_eq!(
            Error::Label {
                index: 3,
                value: 10.0,
                classes: 10
            }
            .to_string(),
            "label 10 of example 3 is not a class: classes are 0 to 9"
        );
    }
}
