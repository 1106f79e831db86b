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
/// The test set's confusion matrix (in the `test` sub-run). Under `evaluation/`, a
/// group that sorts after `cost`, so the groups Time Series opens stay `accuracy` and
/// `cost`.
pub const CONFUSION_MATRIX: &str = "evaluation/confusion_matrix";
/// The test set's first images with their predicted and true classes (in the `test`
/// sub-run), beside the confusion matrix.
pub const TEST_IMAGES: &str = "evaluation/test_images";

/// The test set's precision-recall curve of one class (in the `test` sub-run), by the
/// class's name.
pub fn pr_curve(class_name: &str) -> String {
    format!("pr_curve/{class_name}")
}

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

/// What `cost` at its collapsed value means for `classes` classes: the output is the
/// same for every input, so the cost is ln `classes`.
fn collapse(classes: usize) -> String {
    if classes <= 2 {
        "**ln 2 = 0.6931** means the output is 0.5 for every input: the network has \
         collapsed to guessing."
            .to_string()
    } else {
        format!(
            "**ln {classes} = {:.4}** means the output is 1/{classes} for every class and every \
             input: the network has collapsed to guessing.",
            (classes as f64).ln()
        )
    }
}

/// The cross-entropy `cost` measures, for `classes` classes.
fn cross_entropy(classes: usize) -> &'static str {
    if classes <= 2 {
        "Binary cross-entropy"
    } else {
        "Softmax cross-entropy"
    }
}

/// What accuracy means, and its guessing level, for `classes` classes.
fn right(classes: usize) -> String {
    if classes <= 2 {
        "classified right (output above 0.5 for label 1). On XOR, 0.5 is guessing.".to_string()
    } else {
        format!(
            "classified right (the most probable of the {classes} classes is the true one). \
             With {classes} balanced classes, {} is guessing.",
            1.0 / classes as f64
        )
    }
}

/// What the test run's tags show (the tags of [`TEST_RUN`](super::config::TEST_RUN)),
/// for classes of these `names`.
pub fn test_descriptions(names: &[String]) -> Vec<(String, String)> {
    let classes = names.len();
    let mut out = vec![
        (
            COST.to_string(),
            format!(
                "{} of the whole **test set** (held out: never trained on), with the weights \
                 before this step's update. {}",
                cross_entropy(classes),
                collapse(classes)
            ),
        ),
        (
            ACCURACY.to_string(),
            format!("Fraction of the **test set** {}", right(classes)),
        ),
        (
            CONFUSION_MATRIX.to_string(),
            "How the test set's examples of each true class (rows) were classified \
             (columns), in percent of the row: a network that learns fills the diagonal; a \
             collapsed one predicts one class for everything (one dark column)."
                .to_string(),
        ),
        (
            TEST_IMAGES.to_string(),
            "The test set's first images: under each, the predicted class (**green** when \
             right, **red** when wrong) and the true class in grey. The slider shows the \
             predictions change as the network learns."
                .to_string(),
        ),
    ];
    for name in names {
        out.push((
            pr_curve(name),
            format!(
                "Precision against recall of **{name}** on the test set, \"is it {name}?\" \
                 answered by the network's probability of {name} at 201 thresholds. A \
                 collapsed network's curve is a point: the same probability for every input."
            ),
        ));
    }
    out
}

/// What each tag shows, as TensorBoard prints it under the chart
/// (`SummaryMetadata.summary_description`, markdown), for a run of `depth` layers and
/// `classes` classes.
pub fn descriptions(depth: usize, classes: usize) -> Vec<(String, String)> {
    let mut out = vec![
        (
            COST.to_string(),
            format!(
                "{} of each step's batch, before the step's update. {}",
                cross_entropy(classes),
                collapse(classes)
            ),
        ),
        (
            ACCURACY.to_string(),
            format!("Fraction of the batch {}", right(classes)),
        ),
        (
            DECISION_BOUNDARY.to_string(),
            "The network's output over the input plane: **blue 0, light grey 0.5, red 1**. \
             The dots are the training points in the colour of their label. A collapsed \
             network is grey everywhere."
                .to_string(),
        ),
        (
            VANISHING_GRADIENT.to_string(),
            "Every layer's gradient norm, log10 of |dCost/dW|, at this step (bold) and at \
             step 0 (faint). A line that falls towards layer 1 is the vanishing gradient: \
             the first layers get almost no signal to learn from."
                .to_string(),
        ),
    ];
    for k in 1..=depth {
        let position = match k {
            1 => " (next to the input)",
            _ if k == depth => " (the output layer)",
            _ => "",
        };
        out.push((
            grad_norm(k),
            format!(
                "L2 norm of dCost/dW of layer {k}{position}. Compare the layers on a **log \
                 scale**: in the 11-layer sigmoid net layer 1's is about a million times \
                 smaller than layer 11's (the picture `vanishing_gradient` shows all of them)."
            ),
        ));
        let [w, b, a, g] = histograms(k);
        out.push((
            w,
            format!("Weights of layer {k} (`W{k}` in the Graphs tab)."),
        ));
        out.push((
            b,
            format!("Biases of layer {k} (`b{k}` in the Graphs tab)."),
        ));
        out.push((
            a,
            format!(
                "Layer {k}'s outputs a = act(z) over the batch. Sigmoid outputs piled near 0 \
                 or 1 are saturated: their derivative, and the gradient through them, is near 0."
            ),
        ));
        out.push((
            g,
            format!(
                "dCost/dW of layer {k}, over its weights: **read the x axis**, and compare \
                 layer 1 with layer {depth}."
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_logged_tag_has_one_description() {
        let d = descriptions(11, 2);
        let tags: std::collections::BTreeSet<&str> = d.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tags.len(), d.len(), "one each");
        for tag in [
            COST,
            ACCURACY,
            DECISION_BOUNDARY,
            VANISHING_GRADIENT,
            "grad_norm/layer1",
        ] {
            assert!(tags.contains(tag), "{tag}");
        }
        assert_eq!(d.len(), 4 + 11 * 5);
        assert!(d[0].1.contains("ln 2 = 0.6931"));
    }

    #[test]
    fn ten_classes_collapse_at_ln_10_and_a_tenth() {
        let d = descriptions(11, 10);
        assert_eq!(
            d[0].1,
            "Softmax cross-entropy of each step's batch, before the step's update. \
             **ln 10 = 2.3026** means the output is 1/10 for every class and every input: \
             the network has collapsed to guessing."
        );
        assert!(
            d[1].1
                .ends_with("With 10 balanced classes, 0.1 is guessing."),
            "{}",
            d[1].1
        );
        let names: Vec<String> = (0..10).map(|c| c.to_string()).collect();
        let t = test_descriptions(&names);
        assert!(t[0].1.contains("**test set**") && t[0].1.contains("ln 10 = 2.3026"));
        assert_eq!(t.len(), 4 + 10);
        assert_eq!(t[4].0, "pr_curve/0");
    }
}
