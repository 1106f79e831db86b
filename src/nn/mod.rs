//! The network layer: a multilayer perceptron and its training step, and nothing about
//! files or logging.
//!
//! - [`Mlp`] holds the parameters ([`MlpConfig`] for its shape, [`Init`] for how weights
//!   are drawn, [`Activation`] for the hidden layers; the output is one sigmoid unit).
//! - [`Workspace`] holds every buffer of a training step, made once, and runs
//!   [`Workspace::step`]: forward pass, binary cross-entropy, backward pass and the
//!   [`Optimizer`] update, without allocating. After a step its buffers (outputs,
//!   activations, gradients) can be read for logging.
//!
//! Training runs in `f32`. The maths is generic over [`Float`] so that tests can run the
//! same code in `f64` and compare gradients with finite differences.

pub mod activation;
pub mod float;
pub mod init;
mod kernels;
pub mod loss;
pub mod mlp;
pub mod optim;
pub mod workspace;

pub use activation::Activation;
pub use float::Float;
pub use init::Init;
pub use loss::accuracy;
pub use mlp::{Layer, Mlp, MlpConfig};
pub use optim::{Optimizer, OptimizerKind};
pub use workspace::Workspace;

/// What can go wrong when describing, building or feeding a network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// An activation name that is not one of [`Activation::NAMES`].
    #[error(
        "unknown activation `{name}`: choose one of sigmoid, relu, leaky-relu, tanh, elu, \
         selu, gelu, swish"
    )]
    UnknownActivation { name: String },
    /// Leaky ReLU with an infinite or NaN slope.
    #[error("leaky-relu slope must be finite, got {slope}")]
    LeakySlope { slope: f32 },
    /// An initialisation name that is not one of [`Init::ALL`].
    #[error("unknown initialisation `{name}`: choose one of uniform, xavier, he")]
    UnknownInit { name: String },
    /// An optimizer name that is not one of [`OptimizerKind::ALL`].
    #[error("unknown optimizer `{name}`: choose one of sgd, momentum, adam")]
    UnknownOptimizer { name: String },
    /// A network size (`inputs`, `width` or `depth`) of zero.
    #[error("network {field} must be at least 1")]
    ZeroSize { field: &'static str },
    /// A layer with no inputs or no units.
    #[error("a layer needs at least one input and one unit, got {fan_in}x{fan_out} weights")]
    EmptyLayer { fan_in: usize, fan_out: usize },
    /// A layer whose bias vector does not match its unit count.
    #[error("layer has {fan_out} units but {found} biases")]
    BiasLength { fan_out: usize, found: usize },
    /// Consecutive layers that do not fit together (`layer` is 1-based).
    #[error(
        "layer {layer} takes {fan_in} inputs but layer {} has {previous_fan_out} units",
        .layer - 1
    )]
    LayerChain {
        layer: usize,
        fan_in: usize,
        previous_fan_out: usize,
    },
    /// A last layer that is not a single sigmoid unit.
    #[error("the last layer must be one sigmoid unit, found {fan_out} {activation} units")]
    OutputLayer {
        fan_out: usize,
        activation: &'static str,
    },
    /// A workspace asked for a batch of zero examples.
    #[error("batch size must be at least 1")]
    EmptyBatch,
    /// A workspace (or optimizer) used with a network of another shape.
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
