//! The workspace's tests for ten classes, the two paths, dropout and the knobs.

use super::*;
use crate::nn::{Activation, Init, Layer, MlpConfig, OptimizerKind};
use ndarray::{array, Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random network of `classes` classes on 20 inputs, and a batch of `batch` random
/// examples labelled with classes in turn.
fn case(
    hidden: Activation,
    classes: usize,
    batch: usize,
    seed: u64,
) -> (Mlp, Array2<f32>, Array1<f32>) {
    let cfg = MlpConfig {
        inputs: 20,
        width: 16,
        depth: 3,
        hidden,
        init: Init::Xavier,
        classes,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mlp = Mlp::new(&cfg, &mut rng).unwrap();
    let x = Array2::from_shape_simple_fn((batch, 20), || rng.random_range(-1.0f32..1.0));
    let y = Array1::from_shape_fn(batch, |b| ((b * 7 + 3) % classes) as f32);
    (mlp, x, y)
}

/// Asserts `a` and `b` agree within `tol` of the larger magnitude in `b` (at least 1e-3).
fn assert_close<'a>(
    a: impl IntoIterator<Item = &'a f32>,
    b: impl IntoIterator<Item = &'a f32>,
    tol: f32,
    what: &str,
) {
    let (a, b): (Vec<f32>, Vec<f32>) = (
        a.into_iter().copied().collect(),
        b.into_iter().copied().collect(),
    );
    assert_eq!(a.len(), b.len(), "{what}");
    let scale = b.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale,
            "{what} [{i}]: {x} vs {y} (scale {scale})"
        );
    }
}

#[test]
fn both_paths_compute_the_same_steps() {
    // Same net, same batch (13: the lanes path pads it to 16), three SGD steps: the
    // costs, every gradient and every updated weight agree within float rounding. (Not
    // Adam: its first steps move each weight by about lr times the sign of its gradient,
    // so a gradient that is rounding noise on one path may move the other way.)
    for hidden in [
        Activation::Sigmoid,
        Activation::Relu,
        Activation::Maxout { pieces: 2 },
    ] {
        for classes in [2, 10] {
            for dropout in [0.0, 0.3] {
                let (start, x, y) = case(hidden, classes, 13, 5);
                let mut runs = [Path::Lanes, Path::Dense].map(|path| {
                    let mut ws = Workspace::with_path(&start, 13, path).unwrap();
                    ws.set_dropout(dropout, 9).unwrap();
                    (
                        ws,
                        start.clone(),
                        Optimizer::new(OptimizerKind::Sgd, &start),
                    )
                });
                for step in 0..3 {
                    let costs = runs
                        .each_mut()
                        .map(|(ws, mlp, opt)| ws.step(mlp, opt, x.view(), y.view(), 0.1).unwrap());
                    let what = format!("{hidden} {classes} classes dropout {dropout} step {step}");
                    assert_close(&[costs[0]], &[costs[1]], 1e-5, &format!("{what} cost"));
                    let [(lanes, lanes_mlp, _), (dense, dense_mlp, _)] = &runs;
                    assert_eq!(lanes.path(), Path::Lanes);
                    assert_eq!(dense.path(), Path::Dense);
                    for k in 0..3 {
                        let what = format!("{what} layer {k}");
                        let (l, d) = (
                            lanes.weight_grads(k).unwrap(),
                            dense.weight_grads(k).unwrap(),
                        );
                        assert_close(l, d, 1e-4, &format!("{what} dW"));
                        let (l, d) = (lanes.bias_grads(k).unwrap(), dense.bias_grads(k).unwrap());
                        assert_close(l, d, 1e-4, &format!("{what} db"));
                        let (l, d) = (lanes.activations(k).unwrap(), dense.activations(k).unwrap());
                        assert_close(l, d, 1e-5, &format!("{what} a"));
                        let (l, d) = (&lanes_mlp.layers()[k], &dense_mlp.layers()[k]);
                        assert_close(l.weights(), d.weights(), 1e-4, &format!("{what} W"));
                        assert_close(l.biases(), d.biases(), 1e-4, &format!("{what} b"));
                    }
                    assert_eq!(
                        lanes.predicted_classes(),
                        dense.predicted_classes(),
                        "{what}"
                    );
                    assert_close(lanes.probabilities(), dense.probabilities(), 1e-5, &what);
                    assert_eq!(lanes.accuracy(), dense.accuracy(), "{what}");
                }
            }
        }
    }
}

#[test]
fn ten_classes_by_hand() {
    // One layer, 2 inputs -> 3 softmax units, two examples; values in f64 from the
    // formulas: z = x W + b, a = softmax(z), cost = mean(ln sum e^z - z_y),
    // dz = (a - onehot) / 2.
    let w = array![[1.0, -1.0, 0.5], [0.0, 2.0, -0.5]];
    let mlp = Mlp::from_layers(vec![Layer::new(
        w,
        array![0.1, 0.0, -0.1],
        Activation::Softmax,
    )
    .unwrap()])
    .unwrap();
    assert_eq!(mlp.classes(), 3);
    let x = array![[1.0, 0.5], [-1.0, 1.0]];
    let y = array![2.0, 1.0];
    for path in [Path::Lanes, Path::Dense] {
        let mut ws = Workspace::with_path(&mlp, 2, path).unwrap();
        assert_eq!(ws.classes(), 3);
        let cost = ws.forward(&mlp, x.view(), y.view()).unwrap();
        ws.backward_pass(&mlp, x.view(), false);
        let z = [[1.1, 0.0, 0.15], [-0.9, 3.0, -1.1]];
        let softmax = |z: [f64; 3]| {
            let sum: f64 = z.iter().map(|v| v.exp()).sum();
            z.map(|v| v.exp() / sum)
        };
        let a = z.map(softmax);
        let want_cost = (-(a[0][2].ln()) - a[1][1].ln()) / 2.0;
        let close =
            |got: f64, want: f64| assert!((got - want).abs() < 1e-15, "{path:?}: {got} vs {want}");
        close(cost, want_cost);
        for e in 0..2 {
            for j in 0..3 {
                close(ws.pre_activations(0).unwrap()[[e, j]], z[e][j]);
                close(ws.probabilities()[[e, j]], a[e][j]);
            }
        }
        assert_eq!(ws.predicted_classes(), [0, 1]);
        close(ws.output()[0], a[0][0]);
        close(ws.output()[1], a[1][1]);
        assert_eq!(ws.accuracy(), 0.5);
        let dz = [
            [a[0][0] / 2.0, a[0][1] / 2.0, (a[0][2] - 1.0) / 2.0],
            [a[1][0] / 2.0, (a[1][1] - 1.0) / 2.0, a[1][2] / 2.0],
        ];
        let dw = ws.weight_grads(0).unwrap();
        for j in 0..3 {
            close(dw[[0, j]], dz[0][j] - dz[1][j]);
            close(dw[[1, j]], 0.5 * dz[0][j] + dz[1][j]);
            close(ws.bias_grads(0).unwrap()[j], dz[0][j] + dz[1][j]);
        }
    }
}

#[test]
fn labels_must_be_classes() {
    let (mlp, x, _) = case(Activation::Relu, 10, 4, 1);
    let mut ws = Workspace::new(&mlp, 4).unwrap();
    for (bad, index) in [(10.0f32, 2), (-1.0, 2), (2.5, 2), (f32::NAN, 2)] {
        let y = array![0.0f32, 9.0, bad, 1.0];
        let err = ws.forward(&mlp, x.view(), y.view()).unwrap_err();
        assert!(
            matches!(err, Error::Label { index: i, classes: 10, .. } if i == index),
            "{bad}: {err}"
        );
    }
    assert_eq!(ws.cost(), None);
    assert!(ws
        .forward(&mlp, x.view(), array![0.0f32, 9.0, 3.0, 1.0].view())
        .is_ok());
}

#[test]
fn a_collapsed_ten_class_net_costs_ln_10() {
    // All weights zero: every logit equal, so a = 1/10 and the cost is ln 10.
    let (mut mlp, x, y) = case(Activation::Sigmoid, 10, 100, 2);
    for layer in &mut mlp.layers {
        layer.weights.fill(0.0);
        layer.biases.fill(0.0);
    }
    let mut ws = Workspace::new(&mlp, 100).unwrap();
    let cost = ws.forward(&mlp, x.view(), y.view()).unwrap();
    assert!((cost - 10f32.ln()).abs() < 1e-5, "{cost}");
    assert!(ws.probabilities().iter().all(|&p| (p - 0.1).abs() < 1e-7));
    assert!(ws.predicted_classes().iter().all(|&c| c == 0));
}

#[test]
fn dropout_acts_in_steps_only_and_is_reproducible() {
    let (start, x, y) = case(Activation::Relu, 10, 50, 3);
    let run = |seed: u64, rate: f32| {
        let mut mlp = start.clone();
        let mut ws = Workspace::new(&mlp, 50).unwrap();
        ws.set_dropout(rate, seed).unwrap();
        let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
        let costs: Vec<u32> = (0..5)
            .map(|_| {
                ws.step(&mut mlp, &mut opt, x.view(), y.view(), 0.1)
                    .unwrap()
                    .to_bits()
            })
            .collect();
        (costs, mlp, ws)
    };
    let (a, mlp_a, mut ws) = run(1, 0.5);
    let (b, mlp_b, _) = run(1, 0.5);
    assert_eq!((a.clone(), mlp_a.clone()), (b, mlp_b));
    assert_ne!(a, run(2, 0.5).0);
    assert_ne!(a, run(1, 0.0).0);
    assert_eq!(ws.dropout_rate(), 0.5);
    // Half the first hidden layer's units were dropped in the last step: the mask holds
    // 0 or 2 (1 / (1 - 0.5)).
    let mask = &ws.layers[0].mask;
    let dropped = mask.iter().filter(|&&m| m == 0.0).count() as f32 / mask.len() as f32;
    assert!((dropped - 0.5).abs() < 0.05, "{dropped}");
    assert!(mask.iter().all(|&m| m == 0.0 || m == 2.0));
    assert!(
        ws.layers[2].mask.is_empty(),
        "the output layer is never dropped"
    );
    // Evaluation never drops: forward equals a fresh workspace's without dropout.
    let cost = ws.forward(&mlp_a, x.view(), y.view()).unwrap();
    let mut plain = Workspace::new(&mlp_a, 50).unwrap();
    assert_eq!(cost, plain.forward(&mlp_a, x.view(), y.view()).unwrap());
    assert_eq!(ws.probabilities(), plain.probabilities());
    // A bad rate is an error and leaves the old one.
    assert_eq!(
        ws.set_dropout(1.0, 0),
        Err(Error::DropoutRate { rate: 1.0 })
    );
    assert_eq!(ws.dropout_rate(), 0.5);
}

#[test]
fn inference_workspaces_and_threads() {
    let (mut mlp, x, y) = case(Activation::Relu, 10, 30, 4);
    let mut eval = Workspace::for_inference(&mlp, 30).unwrap();
    let mut train = Workspace::new(&mlp, 30).unwrap();
    assert!(eval
        .layers
        .iter()
        .all(|b| b.da.is_empty() && b.dz.is_empty()));
    let cost = eval.forward(&mlp, x.view(), y.view()).unwrap();
    assert_eq!(cost, train.forward(&mlp, x.view(), y.view()).unwrap());
    assert_eq!(
        eval.weight_grads(1).unwrap(),
        train.weight_grads(1).unwrap()
    );
    let mut opt = Optimizer::new(OptimizerKind::Adam, &mlp);
    assert_eq!(
        eval.step(&mut mlp, &mut opt, x.view(), y.view(), 0.1),
        Err(Error::InferenceOnly)
    );
    // predict fills the outputs and leaves the cost.
    eval.predict(&mlp, x.view()).unwrap();
    assert_eq!(eval.cost(), Some(cost));
    let (classes, probabilities) = mlp.classify(x.view()).unwrap();
    assert_eq!(classes, eval.predicted_classes());
    assert_eq!(probabilities, eval.probabilities());
    assert_eq!(mlp.predict(x.view()).unwrap(), eval.output());
    // Threads: at least one; one or two compute the same products.
    assert_eq!(train.set_threads(0), Err(Error::Threads));
    assert!(train.threads() >= 1);
    let mut one = Workspace::with_path(&mlp, 30, Path::Dense).unwrap();
    one.set_threads(1).unwrap();
    let mut two = Workspace::with_path(&mlp, 30, Path::Dense).unwrap();
    two.set_threads(2).unwrap();
    assert_eq!(
        one.forward(&mlp, x.view(), y.view()),
        two.forward(&mlp, x.view(), y.view())
    );
}

#[test]
fn the_size_rule_keeps_the_lesson_on_lanes() {
    let net = |inputs: usize, width: usize, hidden: Activation| {
        let cfg = MlpConfig {
            inputs,
            width,
            depth: 3,
            hidden,
            init: Init::Uniform,
            classes: 2,
        };
        Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(0)).unwrap()
    };
    let relu = Activation::Relu;
    let maxout = Activation::Maxout { pieces: 2 };
    // The lesson's 5x5 layers: lanes at any batch.
    for batch in [1, 4, 200, 10_000] {
        assert_eq!(Path::choose(&net(2, 5, relu), batch), Path::Lanes);
    }
    // Wider layers: lanes while the padded batch times the largest layer stays small.
    assert_eq!(Path::choose(&net(2, 12, relu), 4), Path::Lanes); // 4 * 144
    assert_eq!(Path::choose(&net(2, 12, relu), 16), Path::Dense); // 16 * 144
    assert_eq!(Path::choose(&net(2, 5, maxout), 4), Path::Lanes); // 4 * 5 * 10
    assert_eq!(Path::choose(&net(2, 5, maxout), 30), Path::Dense); // 32 * 50
    assert_eq!(Path::choose(&net(2, 16, relu), 1), Path::Lanes); // 4 * 256
                                                                 // Images: the first layer alone decides.
    assert_eq!(Path::choose(&net(784, 5, relu), 1), Path::Dense);
    assert_eq!(Path::choose(&net(784, 256, relu), 100), Path::Dense);
    assert_eq!(
        Workspace::new(&net(784, 256, relu), 3).unwrap().path(),
        Path::Dense
    );
    assert_eq!(
        Workspace::new(&net(2, 5, relu), 10_000).unwrap().path(),
        Path::Lanes
    );
    assert_eq!(
        Workspace::for_inference(&net(784, 5, relu), 1)
            .unwrap()
            .path(),
        Path::Dense
    );
}

#[test]
fn large_dense_steps_give_the_same_bits_on_any_number_of_threads() {
    // Lab 10-3's net (784-256-256-10) and the deep lesson at real scale (784-64x10-10),
    // batch 100, with Adam and dropout: three steps on one, two and four threads end
    // on the same weights, bit for bit, as a sweep's job (one thread) and a run alone
    // (every core) must. (Cutting a product by the thread count gave other bits.)
    for (width, depth) in [(256, 3), (64, 11)] {
        let cfg = MlpConfig {
            inputs: 784,
            width,
            depth,
            hidden: Activation::Relu,
            init: Init::Xavier,
            classes: 10,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let start = Mlp::new(&cfg, &mut rng).unwrap();
        let x = Array2::from_shape_simple_fn((100, 784), || rng.random_range(0.0f32..1.0));
        let y = Array1::from_shape_fn(100, |b| (b % 10) as f32);
        let weights = |threads: usize| {
            let mut mlp = start.clone();
            let mut opt = Optimizer::new(OptimizerKind::Adam, &mlp);
            let mut ws = Workspace::with_path(&mlp, 100, Path::Dense).unwrap();
            ws.set_threads(threads).unwrap();
            ws.set_dropout(0.3, 5).unwrap();
            for _ in 0..3 {
                ws.step(&mut mlp, &mut opt, x.view(), y.view(), 0.001)
                    .unwrap();
            }
            let mut bits = Vec::new();
            for layer in mlp.layers() {
                bits.extend(layer.weights().iter().map(|w| w.to_bits()));
                bits.extend(layer.biases.iter().map(|b| b.to_bits()));
            }
            bits
        };
        let one = weights(1);
        assert!(
            one == weights(2),
            "width {width}, depth {depth}: 1 and 2 threads"
        );
        assert!(
            one == weights(4),
            "width {width}, depth {depth}: 1 and 4 threads"
        );
    }
}
