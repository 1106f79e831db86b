//! The names of everything a run logs, in one place.
//!
//! The names decide what TensorBoard shows first. Its Time Series dashboard groups cards
//! by the part of a tag before the first `/`, sorts the groups by name, and opens only
//! the first two: with these names those are `accuracy` and `cost`, the collapse. The
//! per-layer histograms are grouped by kind, so that all layers of one kind sit in one
//! group in layer order, each run's card beside the other's: `gradients/layer1` ...
//! `gradients/layer11` put the gradient of the first layer and of the last in one place.
//! The parameters are named as in the Graphs tab (`W1`, `b1`, ...).

/// The cost of each step (before its update).
pub const COST: &str = "cost";
/// The accuracy of each step's batch.
pub const ACCURACY: &str = "accuracy";
/// The decision-boundary picture.
pub const DECISION_BOUNDARY: &str = "decision_boundary";
/// The picture of every layer's gradient norm on a log axis.
pub const VANISHING_GRADIENT: &str = "vanishing_gradient";
/// Every setting, as a table.
pub const CONFIG: &str = "config";
/// The final predictions.
pub const PREDICTIONS: &str = "predictions";
/// Each layer's gradient norm at the start and at the end, as a table.
pub const GRADIENTS_TABLE: &str = "gradients";
/// The custom-scalars chart of every gradient norm.
pub const GRAD_NORM_CHART: &str = "vanishing gradient";

/// The gradient norm of layer `k` (1-based).
pub fn grad_norm(k: usize) -> String {
    format!("grad_norm/layer{k}")
}

/// The regular expression of every [`grad_norm`] tag (for the custom-scalars chart).
pub const GRAD_NORM_PATTERN: &str = r"grad_norm/layer\d+";

/// The histogram tags of layer `k` (1-based): its weights, its biases, its outputs (the
/// activations) and the gradient of the cost with respect to its weights.
pub fn histograms(k: usize) -> [String; 4] {
    [
        format!("variables/W{k}"),
        format!("variables/b{k}"),
        format!("outputs/layer{k}"),
        format!("gradients/layer{k}"),
    ]
}
