//! The workspace's tests: hand-computed passes, the lesson's runs, shapes and errors.

use super::*;
use crate::nn::activation::ALL_FOR_TESTS;
use crate::nn::{Activation, Init, Layer, MlpConfig, OptimizerKind};
use ndarray::{array, s, Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn xor() -> (Array2<f32>, Array1<f32>) {
    (
        array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
        array![0.0, 1.0, 1.0, 0.0],
    )
}

fn xor_net(depth: usize, width: usize, hidden: Activation, seed: u64) -> Mlp {
    net(depth, width, hidden, Init::Uniform, seed)
}

fn net(depth: usize, width: usize, hidden: Activation, init: Init, seed: u64) -> Mlp {
    let cfg = MlpConfig {
        inputs: 2,
        width,
        depth,
        hidden,
        init,
        classes: 2,
    };
    Mlp::new(&cfg, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap()
}

/// Maxout at depth 11 with the lesson's uniform(-1, 1) weights diverges for some
/// seeds (the max of pieces grows layer by layer); Glorot's scale keeps it in range.
const MAXOUT: (Activation, Init) = (Activation::Maxout { pieces: 2 }, Init::Xavier);

/// Trains like the lesson (full-batch XOR, SGD, lr 0.1); returns every cost.
fn train_xor(mlp: &mut Mlp, kind: OptimizerKind, steps: usize) -> Vec<f32> {
    let (x, y) = xor();
    let mut opt = Optimizer::new(kind, mlp);
    let mut ws = Workspace::new(mlp, 4).unwrap();
    (0..steps)
        .map(|_| ws.step(mlp, &mut opt, x.view(), y.view(), 0.1).unwrap())
        .collect()
}

#[test]
fn forward_and_backward_by_hand() {
    // 2 -> 2 (sigmoid) -> 1, two examples; expected values computed in f64 from the
    // formulas (cost from the logit, dCost/dz = (sigmoid(z) - y) / n).
    let l1 = Layer::new(
        array![[0.5, -1.0], [0.25, 0.75]],
        array![0.1, -0.2],
        Activation::Sigmoid,
    );
    let l2 = Layer::new(array![[1.5], [-0.5]], array![0.05], Activation::Sigmoid);
    let mlp = Mlp::from_layers(vec![l1.unwrap(), l2.unwrap()]).unwrap();
    let x = array![[1.0, 2.0], [-1.0, 0.5]];
    let y = array![1.0, 0.0];
    for path in [Path::Lanes, Path::Dense] {
        let mut ws = Workspace::with_path(&mlp, 2, path).unwrap();
        assert_eq!(ws.cost(), None);
        let cost = ws.forward(&mlp, x.view(), y.view()).unwrap();
        ws.backward_pass(&mlp, x.view(), false);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        close(cost, 0.603_937_164_854_637_4);
        assert_eq!(ws.cost(), Some(cost));
        close(ws.output()[0], 0.708_512_153_316_410_7);
        close(ws.output()[1], 0.578_226_257_228_286_7);
        let z1 = ws.pre_activations(0).unwrap();
        for (&got, want) in z1.iter().zip([1.1, 0.3, -0.275, 1.175]) {
            close(got, want);
        }
        let dw1 = ws.weight_grads(0).unwrap();
        close(dw1[[0, 0]], -0.147_355_249_878_449_45);
        close(dw1[[0, 1]], 0.043_874_650_067_194_02);
        close(dw1[[1, 0]], -0.028_727_455_165_782_02);
        close(dw1[[1, 1]], 0.022_598_066_765_553_752);
        let db1 = ws.bias_grads(0).unwrap();
        close(db1[0], 0.065_431_185_794_444_04);
        close(db1[1], -0.008_246_336_627_873_413);
        let dw2 = ws.weight_grads(1).unwrap();
        close(dw2[[0, 0]], 0.015_458_508_820_547_195);
        close(dw2[[1, 0]], 0.137_174_685_853_106_3);
        close(ws.bias_grads(1).unwrap()[0], 0.143_369_205_272_348_7);
        let norm =
            (0.015_458_508_820_547_195f64.powi(2) + 0.137_174_685_853_106_3f64.powi(2)).sqrt();
        close(ws.grad_norm(1).unwrap(), norm);
        assert_eq!(ws.accuracy(), 0.5);
        assert_eq!(ws.predicted_classes(), [1, 1]);
        assert_eq!(ws.probabilities().column(0), ws.output());
    }
}

#[test]
fn step_returns_the_cost_before_its_update() {
    let mut mlp = xor_net(3, 5, Activation::Tanh, 9);
    let (x, y) = xor();
    let mut ws = Workspace::new(&mlp, 4).unwrap();
    let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
    let before = ws.forward(&mlp, x.view(), y.view()).unwrap();
    let untouched = mlp.clone();
    let returned = ws
        .step(&mut mlp, &mut opt, x.view(), y.view(), 0.1)
        .unwrap();
    assert_eq!(returned.to_bits(), before.to_bits());
    assert_ne!(mlp, untouched);
    // Plain SGD moved every weight by exactly -lr * gradient.
    let moved = &untouched.layers()[1].weights() - &mlp.layers()[1].weights();
    let want = ws.weight_grads(1).unwrap().mapv(|g| 0.1 * g);
    assert!(moved.iter().zip(&want).all(|(m, w)| (m - w).abs() < 1e-7));
    assert!(ws.forward(&mlp, x.view(), y.view()).unwrap() < before);
    assert_eq!(opt.steps(), 1);
}

#[test]
fn f32_training_gradients_agree_with_f64() {
    for act in ALL_FOR_TESTS {
        let mlp = xor_net(6, 5, act, 3);
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        ws.forward(&mlp, x.view(), y.view()).unwrap();
        ws.backward_pass(&mlp, x.view(), false);
        let mlp64 = mlp.cast::<f64>();
        let mut ws64 = Workspace::new(&mlp64, 4).unwrap();
        let (x64, y64) = (x.mapv(f64::from), y.mapv(f64::from));
        ws64.forward(&mlp64, x64.view(), y64.view()).unwrap();
        ws64.backward_pass(&mlp64, x64.view(), false);
        for k in 0..6 {
            let (g32, g64) = (ws.weight_grads(k).unwrap(), ws64.weight_grads(k).unwrap());
            let scale = g64.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            for (&a, &b) in g32.iter().zip(g64) {
                assert!((f64::from(a) - b).abs() <= 1e-4 * scale, "{act} layer {k}");
            }
        }
    }
}

#[test]
fn same_seed_gives_bit_identical_costs() {
    // Bits, not values: momentum at lr 0.1 sends the deep maxout net to NaN, which
    // must happen the same way every time too.
    let bits = |mlp: &Mlp| -> Vec<u32> {
        let params = mlp
            .layers()
            .iter()
            .flat_map(|l| l.weights.iter().chain(&l.biases));
        params.map(|v| v.to_bits()).collect()
    };
    for kind in OptimizerKind::ALL {
        for (act, init) in [(Activation::Relu, Init::Uniform), MAXOUT] {
            let run = |seed| {
                let mut mlp = net(11, 5, act, init, seed);
                let costs: Vec<u32> = train_xor(&mut mlp, kind, 500)
                    .iter()
                    .map(|c| c.to_bits())
                    .collect();
                (costs, bits(&mlp))
            };
            let (a, params_a) = run(1);
            let (b, params_b) = run(1);
            assert_eq!(a, b, "{kind} {act}");
            assert_eq!(params_a, params_b, "{kind} {act}");
            assert_ne!(a, run(2).0, "{kind} {act}");
        }
    }
}

#[test]
fn two_layer_sigmoid_net_learns_xor() {
    // The lesson's 2 -> 2 -> 1 network, uniform(-1, 1) weights, lr 0.1, 10,001 steps.
    let mut mlp = xor_net(2, 2, Activation::Sigmoid, 2);
    let costs = train_xor(&mut mlp, OptimizerKind::Sgd, 10_001);
    let (x, y) = xor();
    let mut ws = Workspace::new(&mlp, 4).unwrap();
    let cost = ws.forward(&mlp, x.view(), y.view()).unwrap();
    assert_eq!(ws.accuracy(), 1.0);
    assert!(cost < 0.03, "final cost {cost}");
    assert!(costs[0] > 0.69, "first cost {}", costs[0]);
    assert_eq!(mlp.predict(x.view()).unwrap(), ws.output());
}

#[test]
fn eleven_layer_sigmoid_net_collapses_to_one_half() {
    // The lesson's 2 -> 5 x 10 -> 1 sigmoid net: the vanishing gradient.
    let mut mlp = xor_net(11, 5, Activation::Sigmoid, 0);
    let costs = train_xor(&mut mlp, OptimizerKind::Sgd, 10_001);
    let last = costs[costs.len() - 1];
    assert!(
        (last - std::f32::consts::LN_2).abs() < 0.01,
        "final cost {last}"
    );
    let (x, y) = xor();
    let mut ws = Workspace::new(&mlp, 4).unwrap();
    ws.forward(&mlp, x.view(), y.view()).unwrap();
    assert!(
        ws.output().iter().all(|p| (p - 0.5).abs() < 0.02),
        "{}",
        ws.output()
    );
    // Why: at the start, the first layer's gradient is orders of magnitude below the
    // last one's.
    let fresh = xor_net(11, 5, Activation::Sigmoid, 0);
    ws.forward(&fresh, x.view(), y.view()).unwrap();
    ws.backward_pass(&fresh, x.view(), false);
    let (first, top) = (ws.grad_norm(0).unwrap(), ws.grad_norm(10).unwrap());
    assert!(first < top * 1e-3, "{first} vs {top}");
}

#[test]
fn eleven_layer_relu_and_maxout_nets_learn_xor() {
    // The lesson's fix: ReLU hidden layers (this seed keeps enough units alive); and
    // maxout, which has no dead units.
    for (act, init) in [(Activation::Relu, Init::Uniform), MAXOUT] {
        let mut mlp = net(11, 5, act, init, 1);
        let costs = train_xor(&mut mlp, OptimizerKind::Sgd, 10_001);
        assert!(
            costs[costs.len() - 1] < 0.01,
            "{act}: {}",
            costs[costs.len() - 1]
        );
        let (x, y) = xor();
        let mut ws = Workspace::new(&mlp, 4).unwrap();
        ws.forward(&mlp, x.view(), y.view()).unwrap();
        assert_eq!(ws.accuracy(), 1.0, "{act}");
    }
}

#[test]
fn every_optimizer_trains_a_maxout_net() {
    for kind in OptimizerKind::ALL {
        let mut mlp = xor_net(3, 4, Activation::Maxout { pieces: 3 }, 5);
        let lr_costs = train_xor(&mut mlp, kind, 2_000);
        let last = lr_costs[lr_costs.len() - 1];
        assert!(last < 0.1, "{kind}: {} -> {last}", lr_costs[0]);
    }
}

#[test]
fn mismatched_shapes_are_errors_and_steps_do_nothing() {
    let mut mlp = xor_net(3, 5, Activation::Relu, 0);
    let (x, y) = xor();
    let mut ws = Workspace::new(&mlp, 4).unwrap();
    let mut opt = Optimizer::new(OptimizerKind::Adam, &mlp);
    let x3 = Array2::<f32>::zeros((4, 3));
    let y3 = Array1::<f32>::zeros(3);
    let other = xor_net(4, 5, Activation::Relu, 0);
    // Same layer sizes, but maxout holds twice the weights.
    let maxout = xor_net(3, 5, Activation::Maxout { pieces: 2 }, 0);
    let input_shape = Error::InputShape {
        rows: 4,
        cols: 3,
        batch: 4,
        inputs: 2,
    };
    assert_eq!(
        ws.check(&mlp, x3.view(), y.view()),
        Err(input_shape.clone())
    );
    assert_eq!(
        input_shape.to_string(),
        "inputs are 4x3 but the workspace expects 4x2"
    );
    let labels = Error::LabelCount { found: 3, batch: 4 };
    assert_eq!(ws.check(&mlp, x.view(), y3.view()), Err(labels.clone()));
    assert_eq!(labels.to_string(), "3 labels for a batch of 4");
    let workspace = Error::Mismatch { what: "workspace" };
    for net in [&other, &maxout] {
        assert_eq!(ws.check(net, x.view(), y.view()), Err(workspace.clone()));
    }
    assert_eq!(
        workspace.to_string(),
        "the workspace was made for a network of another shape"
    );
    assert_eq!(Workspace::new(&mlp, 0).unwrap_err(), Error::EmptyBatch);
    let before = mlp.clone();
    let step = |ws: &mut Workspace,
                mlp: &mut Mlp,
                opt: &mut Optimizer,
                x: &Array2<f32>,
                y: &Array1<f32>| { ws.step(mlp, opt, x.view(), y.view(), 0.1) };
    assert_eq!(step(&mut ws, &mut mlp, &mut opt, &x3, &y), Err(input_shape));
    assert_eq!(step(&mut ws, &mut mlp, &mut opt, &x, &y3), Err(labels));
    let mut other_opt = Optimizer::new(OptimizerKind::Adam, &other);
    assert_eq!(
        step(&mut ws, &mut mlp, &mut other_opt, &x, &y),
        Err(Error::Mismatch { what: "optimizer" })
    );
    assert_eq!(ws.forward(&other, x.view(), y.view()), Err(workspace));
    assert_eq!(ws.cost(), None);
    assert_eq!(mlp, before);
    assert_eq!(opt.steps(), 0);
    assert!(step(&mut ws, &mut mlp, &mut opt, &x, &y)
        .unwrap()
        .is_finite());
}

#[test]
fn accessors_have_the_usual_shapes_and_padding_stays_out() {
    // Batch 7 pads to 8 columns; outputs must still equal predict's.
    let mlp = xor_net(4, 3, Activation::Gelu, 4);
    let x = Array2::from_shape_fn((7, 2), |(i, j)| (i as f32 - 3.0) * 0.4 + j as f32);
    let y = array![0.0f32, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    let mut ws = Workspace::new(&mlp, 7).unwrap();
    assert_eq!(ws.batch(), 7);
    ws.forward(&mlp, x.view(), y.view()).unwrap();
    ws.backward_pass(&mlp, x.view(), false);
    assert_eq!(ws.output().len(), 7);
    assert_eq!(ws.output(), mlp.predict(x.view()).unwrap());
    assert_eq!(ws.activations(0).unwrap().dim(), (7, 3));
    assert_eq!(ws.activations(3).unwrap().dim(), (7, 1));
    assert_eq!(ws.activations(3).unwrap().column(0), ws.output());
    assert_eq!(ws.pre_activations(2).unwrap().dim(), (7, 3));
    assert_eq!(ws.weight_grads(0).unwrap().dim(), (2, 3));
    assert_eq!(ws.bias_grads(3).unwrap().dim(), 1);
    assert!(ws.activations(4).is_none() && ws.weight_grads(4).is_none());
    assert!(ws.pre_activations(4).is_none());
    assert!(ws.bias_grads(4).is_none() && ws.grad_norm(4).is_none());
    let sum_sq: f32 = ws.weight_grads(2).unwrap().iter().map(|g| g * g).sum();
    assert!((ws.grad_norm(2).unwrap() - sum_sq.sqrt()).abs() < 1e-7);
    // The padding column holds no label, so its dz is zero, and so is every dz below.
    assert_eq!(ws.path(), Path::Lanes);
    for buffers in &ws.layers {
        for column in buffers.dz.chunks_exact(8) {
            assert_eq!(column[7], 0.0);
        }
    }
}

#[test]
fn maxout_accessors_cover_every_piece() {
    let mlp = xor_net(3, 4, Activation::Maxout { pieces: 3 }, 2);
    let (x, y) = xor();
    let mut ws = Workspace::new(&mlp, 4).unwrap();
    ws.forward(&mlp, x.view(), y.view()).unwrap();
    ws.backward_pass(&mlp, x.view(), false);
    let z = ws.pre_activations(0).unwrap();
    let a = ws.activations(0).unwrap();
    assert_eq!((z.dim(), a.dim()), ((4, 12), (4, 4)));
    // Column j * pieces + p is piece p of unit j; a unit is its largest piece.
    for (z, a) in z.rows().into_iter().zip(a.rows()) {
        for (unit, &a) in a.iter().enumerate() {
            let pieces = z.slice(s![unit * 3..unit * 3 + 3]);
            assert_eq!(a, pieces.fold(f32::NEG_INFINITY, |m, &v| m.max(v)));
        }
    }
    assert_eq!(ws.weight_grads(1).unwrap().dim(), (4, 12));
    assert_eq!(ws.bias_grads(1).unwrap().dim(), 12);
    assert_eq!(ws.weight_grads(2).unwrap().dim(), (4, 1));
    assert_eq!(mlp.layer(0).unwrap().weights().dim(), (2, 12));
    assert_eq!(mlp.layer(0).unwrap().pieces(), 3);
}
