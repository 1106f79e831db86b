//! How we know the backward pass is right: every back-propagated gradient of random `f64`
//! networks, for every activation and depths 1 to 12, on both paths, with two classes
//! (sigmoid) and more (softmax), and with dropout under a fixed mask, against central
//! finite differences of the cost. Tests only.

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::activation::ALL_FOR_TESTS;
use super::{Activation, Init, Mlp, MlpConfig, Optimizer, OptimizerKind, Path, Workspace};

/// One gradient check: a random network and batch.
#[derive(Debug, Clone, Copy)]
struct Case {
    act: Activation,
    depth: usize,
    width: usize,
    /// 5 and 9 are not multiples of LANES: the lanes path's padding is used.
    batch: usize,
    seed: u64,
    classes: usize,
    path: Path,
    /// Dropout's rate (0: none), its mask drawn by the step and then held fixed.
    dropout: f32,
}

impl Case {
    fn new(act: Activation, depth: usize, width: usize, batch: usize, seed: u64) -> Self {
        Case {
            act,
            depth,
            width,
            batch,
            seed,
            classes: 2,
            path: Path::Lanes,
            dropout: 0.0,
        }
    }
}

/// A random f64 network with random biases (so no ReLU sits on its kink) and a random
/// batch of `batch` examples, labelled with classes in turn.
fn random_case(case: Case) -> (Mlp<f64>, Array2<f64>, Array1<f64>) {
    let cfg = MlpConfig {
        inputs: 3,
        width: case.width,
        depth: case.depth,
        hidden: case.act,
        init: Init::Xavier,
        classes: case.classes,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(case.seed);
    let mut mlp = Mlp::new(&cfg, &mut rng).unwrap().cast::<f64>();
    for layer in &mut mlp.layers {
        for b in &mut layer.biases {
            *b = rng.random_range(-0.5..0.5);
        }
    }
    let x = Array2::from_shape_simple_fn((case.batch, 3), || rng.random_range(-1.5..1.5));
    let y = Array1::from_shape_fn(case.batch, |b| {
        if case.classes == 2 {
            [0.0, 1.0, 1.0, 0.0, 1.0][b % 5]
        } else {
            ((b * 3 + 1) % case.classes) as f64
        }
    });
    (mlp, x, y)
}

/// Parameter `p` of layer `k`: its weights in order, then its biases.
fn param(mlp: &mut Mlp<f64>, k: usize, p: usize) -> &mut f64 {
    let layer = &mut mlp.layers[k];
    let n_weights = layer.weights.len();
    if p < n_weights {
        &mut layer.weights[p]
    } else {
        &mut layer.biases[p - n_weights]
    }
}

/// Where every kink lies: the sign of every pre-activation and, for each maxout unit and
/// example, its winning piece. A change means a perturbation crossed a kink.
fn kinks(ws: &Workspace<f64>, mlp: &Mlp<f64>) -> Vec<usize> {
    let mut pattern = Vec::new();
    for (k, layer) in mlp.layers().iter().enumerate() {
        let z = ws.pre_activations(k).unwrap();
        pattern.extend(z.iter().map(|&v| usize::from(v > 0.0)));
        for example in z.rows() {
            let pieces: Vec<f64> = example.to_vec();
            for unit in pieces.chunks(layer.pieces()) {
                let best = unit.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                pattern.push(unit.iter().position(|&v| v == best).unwrap());
            }
        }
    }
    pattern
}

/// Back-propagated gradients of every layer, `[dW..., db...]`, from a step with learning
/// rate 0 (which leaves the network as it was).
fn backprop(
    mlp: &mut Mlp<f64>,
    ws: &mut Workspace<f64>,
    x: &Array2<f64>,
    y: &Array1<f64>,
) -> Vec<Vec<f64>> {
    let mut opt = Optimizer::new(OptimizerKind::Sgd, mlp);
    let before = mlp.clone();
    assert!(ws
        .step(mlp, &mut opt, x.view(), y.view(), 0.0)
        .unwrap()
        .is_finite());
    assert_eq!(*mlp, before);
    (0..mlp.depth())
        .map(|k| {
            let dw = ws.weight_grads(k).unwrap();
            dw.iter()
                .chain(ws.bias_grads(k).unwrap().iter())
                .copied()
                .collect()
        })
        .collect()
}

/// Compares back-propagated gradients with central finite differences (five-point
/// stencil, truncation error O(h^4)) in f64: they must agree within a relative error
/// of 1e-6 plus the difference's rounding noise (the cost is only known to ~1e-16),
/// which matters only for the vanished gradients of deep sigmoid nets.
/// Returns (worst relative error where the relative term dominates, how many
/// gradients that was, gradients in all).
fn gradient_check(case: Case) -> (f64, usize, usize) {
    let (mut mlp, x, y) = random_case(case);
    let mut ws = Workspace::with_path(&mlp, case.batch, case.path).unwrap();
    ws.set_dropout(case.dropout, case.seed).unwrap();
    let analytic = backprop(&mut mlp, &mut ws, &x, &y);
    let base_kinks = kinks(&ws, &mlp);
    let (mut worst, mut relative, mut total) = (0.0f64, 0, 0);
    for (k, analytic) in analytic.iter().enumerate() {
        for (p, &a) in analytic.iter().enumerate() {
            let mut cost_at = |delta: f64| -> (f64, bool) {
                let saved = *param(&mut mlp, k, p);
                *param(&mut mlp, k, p) = saved + delta;
                // The cost under the step's dropout masks (none without dropout).
                let c = ws.forward_reusing_masks(&mlp, x.view(), y.view()).unwrap();
                *param(&mut mlp, k, p) = saved;
                (c, kinks(&ws, &mlp) == base_kinks)
            };
            // If a perturbation crosses a kink (ReLU's 0, maxout's change of winner),
            // the difference is meaningless there: shrink h.
            let found = [1e-3, 1e-4, 1e-5].into_iter().find_map(|h| {
                let points: Vec<(f64, bool)> = [-2.0, -1.0, 1.0, 2.0]
                    .iter()
                    .map(|m| cost_at(m * h))
                    .collect();
                let smooth = points.iter().all(|&(_, same)| same);
                let c: Vec<f64> = points.iter().map(|&(c, _)| c).collect();
                smooth.then(|| ((c[0] - 8.0 * c[1] + 8.0 * c[2] - c[3]) / (12.0 * h), h))
            });
            let Some((numeric, h)) = found else {
                panic!("{case:?}: layer {k} parameter {p} sits on a kink");
            };
            // Rounding noise of the difference: ~1e-16 * 11 / (12 h); allow 10 times.
            let noise = 1e-15 / h;
            let scale = a.abs().max(numeric.abs());
            let error = (a - numeric).abs();
            assert!(
                error <= 1e-6 * scale + noise,
                "{case:?}: layer {k} parameter {p}: {a:e} vs {numeric:e}"
            );
            if a == 0.0 {
                continue; // a genuinely zero gradient (a dead ReLU unit, a losing piece)
            }
            total += 1;
            if 1e-6 * scale > noise {
                relative += 1;
                worst = worst.max(error / scale);
            }
        }
    }
    (worst, relative, total)
}

/// Runs the check and asserts that most gradients were well above the noise (so that
/// the relative comparison, not the noise allowance, decided), with `worst` below `bound`.
fn check(case: Case, bound: f64) {
    let (worst, relative, total) = gradient_check(case);
    assert!(
        relative * 2 > total,
        "{case:?}: {relative}/{total} (worst {worst:.2e})"
    );
    assert!(worst < bound, "{case:?}: {worst:e}");
}

#[test]
fn gradients_match_finite_differences_for_every_activation_and_depth() {
    for path in [Path::Lanes, Path::Dense] {
        for act in ALL_FOR_TESTS {
            for depth in 1..=12 {
                let case = Case::new(act, depth, 4, 5, 100 + depth as u64);
                // Even at depth 12 most gradients are well above the noise.
                check(Case { path, ..case }, 2e-6);
            }
        }
    }
}

#[test]
fn softmax_cross_entropy_gradients_match_on_both_paths() {
    for path in [Path::Lanes, Path::Dense] {
        for act in ALL_FOR_TESTS {
            for (depth, classes) in [(1, 3), (2, 10), (4, 5)] {
                let case = Case::new(act, depth, 6, 9, 40 + depth as u64);
                check(
                    Case {
                        path,
                        classes,
                        ..case
                    },
                    1e-6,
                );
            }
        }
    }
}

#[test]
fn dropout_gradients_match_under_a_fixed_mask() {
    // The step draws the masks; the finite differences evaluate the cost under the same
    // masks. Rate 0.5 drops about half the units, so some gradients are exactly zero.
    for path in [Path::Lanes, Path::Dense] {
        for act in [
            Activation::Sigmoid,
            Activation::Relu,
            Activation::Maxout { pieces: 2 },
        ] {
            for (depth, classes) in [(2, 2), (3, 4), (5, 10)] {
                let case = Case::new(act, depth, 8, 9, 60 + depth as u64);
                check(
                    Case {
                        path,
                        classes,
                        dropout: 0.5,
                        ..case
                    },
                    1e-6,
                );
            }
        }
    }
}

#[test]
fn gradients_match_for_wide_layers_and_long_batches() {
    // Width 19 and a batch of 9 (three chunks); maxout with 2 pieces has 38 columns.
    let acts = [
        Activation::Sigmoid,
        Activation::Relu,
        Activation::Tanh,
        Activation::Maxout { pieces: 2 },
    ];
    for path in [Path::Lanes, Path::Dense] {
        for act in acts {
            for depth in [1, 2, 4] {
                check(
                    Case {
                        path,
                        ..Case::new(act, depth, 19, 9, 7)
                    },
                    1e-6,
                );
            }
        }
    }
}

#[test]
fn only_the_winning_maxout_piece_gets_a_gradient() {
    let act = Activation::Maxout { pieces: 3 };
    let (mut mlp, x, y) = random_case(Case::new(act, 3, 4, 5, 11));
    let mut ws = Workspace::new(&mlp, 5).unwrap();
    backprop(&mut mlp, &mut ws, &x, &y);
    for k in 0..2 {
        let z = ws.pre_activations(k).unwrap();
        let dw = ws.weight_grads(k).unwrap();
        assert_eq!(z.dim(), (5, 12));
        assert_eq!(dw.dim(), (if k == 0 { 3 } else { 4 }, 12));
        // A piece that loses for every example of the batch gets no gradient at all.
        for column in 0..12 {
            let (unit, piece) = (column / 3, column % 3);
            let wins = z.rows().into_iter().any(|row| {
                let pieces = row.slice(ndarray::s![unit * 3..unit * 3 + 3]);
                let best = pieces.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                pieces.iter().position(|&v| v == best) == Some(piece)
            });
            let grad = ws.bias_grads(k).unwrap()[column];
            assert_eq!(grad == 0.0, !wins, "layer {k} column {column}");
            if !wins {
                assert!(dw.column(column).iter().all(|&g| g == 0.0));
            }
        }
    }
}
