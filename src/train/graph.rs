//! The model's graph, as TensorBoard's Graphs tab draws it.
//!
//! TensorBoard groups nodes into boxes by the `/`-separated prefixes of their names
//! ("name scopes"). The graph built here has the scopes `input`, `layer1` ... `layerN`,
//! `cost` and `train`, as the lesson's `tf.name_scope` calls made; inside each layer the
//! weight and bias variables, the `MatMul`, the bias `Add` and the activation op (and,
//! with dropout, a hidden layer's `dropout` fed by `input/keep_prob`, as lab 10-5's
//! `tf.nn.dropout`). The output layer is one `Sigmoid` unit with a sigmoid
//! cross-entropy for two classes, or `Softmax` units with a softmax cross-entropy of
//! their logits (the `add`) for more. Every node carries `_output_shapes`, which the
//! Graphs tab prints on the edges.

use std::collections::BTreeMap;

use crate::nn::{ActivationKind, OptimizerKind};
use crate::proto::{
    attr_value, AttrValue, DataType, GraphDef, NodeDef, TensorShapeProto, VersionDef,
};

/// What the graph needs to know of the network.
#[derive(Debug, Clone)]
pub struct GraphSpec<'a> {
    /// Number of input features.
    pub inputs: usize,
    /// Output width of each weight layer, first to last (the last is 1 for a sigmoid
    /// output, the number of classes for a softmax one).
    pub layer_widths: &'a [usize],
    /// TensorFlow-style op name of the hidden activation (e.g. `Sigmoid`, `Relu`).
    pub hidden_op: &'a str,
    /// Affine pieces per hidden unit: above 1 (maxout), each hidden layer computes
    /// `width * pieces` columns, reshapes them to `[batch, width, pieces]` and takes the
    /// maximum over the pieces.
    pub pieces: usize,
    /// Rows per training step (`-1` draws as `?`).
    pub batch: i64,
    /// Optimizer op name for the `train` scope (e.g. `GradientDescent`, `Adam`).
    pub optimizer_op: &'a str,
    /// Whether hidden layers drop units while training.
    pub dropout: bool,
}

/// TensorFlow's op name for an activation, shown in the Graphs tab (maxout is a
/// `Reshape` of its pieces and a `Max` over them, see [`build`]).
pub fn activation_op(act: ActivationKind) -> &'static str {
    match act {
        ActivationKind::Sigmoid => "Sigmoid",
        ActivationKind::Relu => "Relu",
        ActivationKind::LeakyRelu => "LeakyRelu",
        ActivationKind::Tanh => "Tanh",
        ActivationKind::Elu => "Elu",
        ActivationKind::Selu => "Selu",
        ActivationKind::Gelu => "Gelu",
        ActivationKind::Swish => "Swish",
        ActivationKind::Maxout => "Max",
        ActivationKind::Softmax => "Softmax",
    }
}

/// TensorFlow's op name for an optimizer's update, shown in the `train` scope.
pub fn optimizer_op(kind: OptimizerKind) -> &'static str {
    match kind {
        OptimizerKind::Sgd => "GradientDescent",
        OptimizerKind::Momentum => "Momentum",
        OptimizerKind::Adam => "Adam",
    }
}

/// Builds the `GraphDef` of a multilayer perceptron.
pub fn build(spec: &GraphSpec<'_>) -> GraphDef {
    let mut nodes = Vec::new();
    let batch = spec.batch;
    let inputs = spec.inputs as i64;
    let last = spec.layer_widths.len();
    let outputs = spec.layer_widths.last().map_or(1, |&w| w as i64);
    let softmax = outputs > 1;
    nodes.push(node("input/X", "Placeholder", &[], &[&[batch, inputs]]));
    nodes.push(node("input/Y", "Placeholder", &[], &[&[batch, outputs]]));
    if spec.dropout {
        nodes.push(node("input/keep_prob", "Placeholder", &[], &[&[]]));
    }

    let mut prev = "input/X".to_string();
    let mut fan_in = inputs;
    let mut variables = Vec::new();
    let mut logits = String::new();
    for (i, &width) in spec.layer_widths.iter().enumerate() {
        let k = i + 1;
        let width = width as i64;
        let scope = format!("layer{k}");
        let w = format!("{scope}/W{k}");
        let b = format!("{scope}/b{k}");
        let matmul = format!("{scope}/MatMul");
        let add = format!("{scope}/add");
        let op = match (k == last, softmax) {
            (false, _) => spec.hidden_op,
            (true, false) => "Sigmoid",
            (true, true) => "Softmax",
        };
        let act = format!("{scope}/{op}");
        let pieces = if k == last {
            1
        } else {
            spec.pieces.max(1) as i64
        };
        let columns = width * pieces;
        nodes.push(node(&w, "VariableV2", &[], &[&[fan_in, columns]]));
        nodes.push(node(&b, "VariableV2", &[], &[&[columns]]));
        nodes.push(node(&matmul, "MatMul", &[&prev, &w], &[&[batch, columns]]));
        nodes.push(node(&add, "Add", &[&matmul, &b], &[&[batch, columns]]));
        if pieces > 1 {
            let pieces_node = format!("{scope}/pieces");
            nodes.push(node(
                &pieces_node,
                "Reshape",
                &[&add],
                &[&[batch, width, pieces]],
            ));
            nodes.push(node(&act, op, &[&pieces_node], &[&[batch, width]]));
        } else {
            nodes.push(node(&act, op, &[&add], &[&[batch, width]]));
        }
        variables.push(w);
        variables.push(b);
        prev = act;
        if spec.dropout && k != last {
            let dropout = format!("{scope}/dropout");
            nodes.push(node(
                &dropout,
                "Dropout",
                &[&prev, "input/keep_prob"],
                &[&[batch, width]],
            ));
            prev = dropout;
        }
        logits = add;
        fan_in = width;
    }

    let (cost, cost_op, cost_input) = if softmax {
        (
            "cost/softmax_cross_entropy",
            "SoftmaxCrossEntropyWithLogits",
            logits.as_str(),
        )
    } else {
        (
            "cost/binary_cross_entropy",
            "SigmoidCrossEntropy",
            prev.as_str(),
        )
    };
    let per_example: &[i64] = if softmax { &[batch] } else { &[batch, 1] };
    nodes.push(node(
        cost,
        cost_op,
        &[cost_input, "input/Y"],
        &[per_example],
    ));
    nodes.push(node("cost/Mean", "Mean", &[cost], &[&[]]));
    nodes.push(node("train/gradients", "Gradients", &["cost/Mean"], &[&[]]));
    let mut train_inputs: Vec<&str> = vec!["train/gradients"];
    train_inputs.extend(variables.iter().map(String::as_str));
    nodes.push(node(
        &format!("train/{}", spec.optimizer_op),
        spec.optimizer_op,
        &train_inputs,
        &[&[]],
    ));

    GraphDef {
        node: nodes,
        versions: Some(VersionDef {
            producer: 22,
            min_consumer: 0,
            bad_consumers: Vec::new(),
        }),
        version: 0,
    }
}

fn node(name: &str, op: &str, inputs: &[&str], shapes: &[&[i64]]) -> NodeDef {
    let mut attr = BTreeMap::new();
    attr.insert(
        "dtype".to_string(),
        AttrValue {
            value: Some(attr_value::Value::Type(DataType::DtFloat as i32)),
        },
    );
    attr.insert(
        "_output_shapes".to_string(),
        AttrValue {
            value: Some(attr_value::Value::List(attr_value::ListValue {
                shape: shapes.iter().map(|s| shape(s)).collect(),
                ..Default::default()
            })),
        },
    );
    NodeDef {
        name: name.to_string(),
        op: op.to_string(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        device: String::new(),
        attr,
    }
}

fn shape(dims: &[i64]) -> TensorShapeProto {
    TensorShapeProto {
        dim: dims
            .iter()
            .map(|&size| crate::proto::tensor_shape_proto::Dim {
                size,
                name: String::new(),
            })
            .collect(),
        unknown_rank: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson() -> GraphDef {
        let widths = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1];
        build(&GraphSpec {
            inputs: 2,
            layer_widths: &widths,
            hidden_op: "Sigmoid",
            pieces: 1,
            batch: 4,
            optimizer_op: "GradientDescent",
            dropout: false,
        })
    }

    #[test]
    fn one_scope_per_layer() {
        let g = lesson();
        let mut scopes: Vec<&str> = g
            .node
            .iter()
            .filter_map(|n| n.name.split('/').next())
            .collect();
        scopes.dedup();
        let mut expected = vec!["input".to_string()];
        expected.extend((1..=11).map(|k| format!("layer{k}")));
        expected.push("cost".into());
        expected.push("train".into());
        assert_eq!(scopes, expected);
    }

    #[test]
    fn layers_chain_and_carry_shapes() {
        let g = lesson();
        let find = |name: &str| g.node.iter().find(|n| n.name == name).unwrap();
        assert_eq!(find("layer1/MatMul").input, vec!["input/X", "layer1/W1"]);
        assert_eq!(
            find("layer2/MatMul").input,
            vec!["layer1/Sigmoid", "layer2/W2"]
        );
        assert_eq!(find("layer11/Sigmoid").op, "Sigmoid");
        let w1 = find("layer1/W1");
        let Some(attr_value::Value::List(list)) = &w1.attr["_output_shapes"].value else {
            panic!("no shapes")
        };
        let dims: Vec<i64> = list.shape[0].dim.iter().map(|d| d.size).collect();
        assert_eq!(dims, vec![2, 5]);
        let w11 = find("layer11/W11");
        let Some(attr_value::Value::List(list)) = &w11.attr["_output_shapes"].value else {
            panic!("no shapes")
        };
        let dims: Vec<i64> = list.shape[0].dim.iter().map(|d| d.size).collect();
        assert_eq!(dims, vec![5, 1]);
    }

    #[test]
    fn hidden_op_is_used_except_on_the_output() {
        let widths = [5, 5, 1];
        let g = build(&GraphSpec {
            inputs: 2,
            layer_widths: &widths,
            hidden_op: "Relu",
            pieces: 1,
            batch: -1,
            optimizer_op: "Adam",
            dropout: false,
        });
        let ops: Vec<&str> = g
            .node
            .iter()
            .filter(|n| {
                n.name.starts_with("layer") && !n.name.contains("/W") && !n.name.contains("/b")
            })
            .map(|n| n.op.as_str())
            .collect();
        assert_eq!(
            ops,
            vec!["MatMul", "Add", "Relu", "MatMul", "Add", "Relu", "MatMul", "Add", "Sigmoid"]
        );
        assert!(g.node.iter().any(|n| n.name == "train/Adam"));
    }

    #[test]
    fn maxout_layers_show_their_pieces_and_the_max() {
        let widths = [5, 5, 1];
        let g = build(&GraphSpec {
            inputs: 2,
            layer_widths: &widths,
            hidden_op: activation_op(ActivationKind::Maxout),
            pieces: 3,
            batch: 4,
            optimizer_op: "GradientDescent",
            dropout: false,
        });
        let find = |name: &str| {
            g.node
                .iter()
                .find(|n| n.name == name)
                .unwrap_or_else(|| panic!("no node {name}"))
        };
        let shape = |name: &str| -> Vec<i64> {
            let Some(attr_value::Value::List(list)) = &find(name).attr["_output_shapes"].value
            else {
                panic!("{name}: no shapes")
            };
            list.shape[0].dim.iter().map(|d| d.size).collect()
        };
        assert_eq!(shape("layer1/W1"), [2, 15]);
        assert_eq!(shape("layer2/W2"), [5, 15]);
        assert_eq!(find("layer1/pieces").op, "Reshape");
        assert_eq!(shape("layer1/pieces"), [4, 5, 3]);
        assert_eq!(find("layer1/Max").op, "Max");
        assert_eq!(find("layer1/Max").input, ["layer1/pieces"]);
        assert_eq!(shape("layer1/Max"), [4, 5]);
        // The output layer is one sigmoid unit, no pieces.
        assert_eq!(shape("layer3/W3"), [5, 1]);
        assert_eq!(find("layer3/Sigmoid").input, ["layer3/add"]);
    }

    #[test]
    fn ten_classes_end_in_softmax_and_dropout_sits_in_each_hidden_scope() {
        let widths = [256, 256, 10];
        let g = build(&GraphSpec {
            inputs: 784,
            layer_widths: &widths,
            hidden_op: "Relu",
            pieces: 1,
            batch: 100,
            optimizer_op: "Adam",
            dropout: true,
        });
        let find = |name: &str| {
            g.node
                .iter()
                .find(|n| n.name == name)
                .unwrap_or_else(|| panic!("no node {name}"))
        };
        assert_eq!(find("layer3/Softmax").op, "Softmax");
        assert_eq!(
            find("layer1/dropout").input,
            ["layer1/Relu", "input/keep_prob"]
        );
        assert_eq!(find("layer2/MatMul").input, ["layer1/dropout", "layer2/W2"]);
        assert_eq!(find("layer3/MatMul").input, ["layer2/dropout", "layer3/W3"]);
        assert!(g.node.iter().all(|n| n.name != "layer3/dropout"));
        let cost = find("cost/softmax_cross_entropy");
        assert_eq!(cost.op, "SoftmaxCrossEntropyWithLogits");
        assert_eq!(cost.input, ["layer3/add", "input/Y"]);
        assert_eq!(find("cost/Mean").input, ["cost/softmax_cross_entropy"]);
    }
}
