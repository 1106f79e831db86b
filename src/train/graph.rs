//! The model's graph, as TensorBoard's Graphs tab draws it.
//!
//! TensorBoard groups nodes into boxes by the `/`-separated prefixes of their names
//! ("name scopes"). The graph built here has the scopes `input`, `layer1` ... `layerN`,
//! `cost` and `train`, as the lesson's `tf.name_scope` calls made; inside each layer the
//! weight and bias variables, the `MatMul`, the bias `Add` and the activation op. Every
//! node carries `_output_shapes`, which the Graphs tab prints on the edges.

use std::collections::BTreeMap;

use crate::nn::{Activation, OptimizerKind};
use crate::proto::{
    attr_value, AttrValue, DataType, GraphDef, NodeDef, TensorShapeProto, VersionDef,
};

/// What the graph needs to know of the network.
#[derive(Debug, Clone)]
pub struct GraphSpec<'a> {
    /// Number of input features.
    pub inputs: usize,
    /// Output width of each weight layer, first to last (the last is 1).
    pub layer_widths: &'a [usize],
    /// TensorFlow-style op name of the hidden activation (e.g. `Sigmoid`, `Relu`).
    pub hidden_op: &'a str,
    /// Rows per training step (`-1` draws as `?`).
    pub batch: i64,
    /// Optimizer op name for the `train` scope (e.g. `GradientDescent`, `Adam`).
    pub optimizer_op: &'a str,
}

/// TensorFlow's op name for an activation, shown in the Graphs tab.
pub fn activation_op(act: Activation) -> &'static str {
    match act {
        Activation::Sigmoid => "Sigmoid",
        Activation::Relu => "Relu",
        Activation::LeakyRelu { .. } => "LeakyRelu",
        Activation::Tanh => "Tanh",
        Activation::Elu => "Elu",
        Activation::Selu => "Selu",
        Activation::Gelu => "Gelu",
        Activation::Swish => "Swish",
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
    nodes.push(node("input/X", "Placeholder", &[], &[&[batch, inputs]]));
    nodes.push(node("input/Y", "Placeholder", &[], &[&[batch, 1]]));

    let mut prev = "input/X".to_string();
    let mut fan_in = inputs;
    let last = spec.layer_widths.len();
    let mut variables = Vec::new();
    for (i, &width) in spec.layer_widths.iter().enumerate() {
        let k = i + 1;
        let width = width as i64;
        let scope = format!("layer{k}");
        let w = format!("{scope}/W{k}");
        let b = format!("{scope}/b{k}");
        let matmul = format!("{scope}/MatMul");
        let add = format!("{scope}/add");
        let op = if k == last { "Sigmoid" } else { spec.hidden_op };
        let act = format!("{scope}/{op}");
        nodes.push(node(&w, "VariableV2", &[], &[&[fan_in, width]]));
        nodes.push(node(&b, "VariableV2", &[], &[&[width]]));
        nodes.push(node(&matmul, "MatMul", &[&prev, &w], &[&[batch, width]]));
        nodes.push(node(&add, "Add", &[&matmul, &b], &[&[batch, width]]));
        nodes.push(node(&act, op, &[&add], &[&[batch, width]]));
        variables.push(w);
        variables.push(b);
        prev = act;
        fan_in = width;
    }

    nodes.push(node(
        "cost/binary_cross_entropy",
        "SigmoidCrossEntropy",
        &[&prev, "input/Y"],
        &[&[batch, 1]],
    ));
    nodes.push(node(
        "cost/Mean",
        "Mean",
        &["cost/binary_cross_entropy"],
        &[&[]],
    ));
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
            batch: 4,
            optimizer_op: "GradientDescent",
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
            batch: -1,
            optimizer_op: "Adam",
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
}
