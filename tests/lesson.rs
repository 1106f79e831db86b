//! The lesson, reproduced: an 11-layer sigmoid net collapses to 0.5 and cost ln 2;
//! a 2-layer one learns XOR; the gradient vanishes layer by layer at step 0.

use std::sync::atomic::AtomicBool;

use tbtrain::data::{self, DatasetSpec};
use tbtrain::nn::{Activation, Init};
use tbtrain::train::{self, Outcome, PlanEvery, RunReport, TrainConfig};

fn run(depth: usize, act: Activation, init: Init, seed: u64) -> RunReport {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TrainConfig::lesson(dir.path().join("run"));
    config.depth = depth;
    config.act = act;
    config.init = init;
    config.seed = seed;
    // The lesson's maths, without the per-step logging (the trainer's logging has its
    // own tests): only what a run always writes.
    config.plan_every = PlanEvery {
        scalars: 0,
        histograms: 0,
        images: 0,
    };
    let data = data::load(&DatasetSpec::Xor, seed).unwrap();
    let report = train::train(&config, &data, &AtomicBool::new(false), &mut ()).unwrap();
    assert_eq!(report.outcome, Outcome::Completed);
    assert_eq!(report.steps_done, 10_001);
    report
}

#[test]
fn deep_sigmoid_collapses_to_one_half_and_ln2() {
    let ln2 = std::f32::consts::LN_2;
    let mut collapsed = 0;
    let mut lines = Vec::new();
    for seed in 1..=10 {
        let r = run(11, Activation::Sigmoid, Init::Uniform, seed);
        let outputs: Vec<f32> = r.predictions.iter().map(|p| p.hypothesis).collect();
        let ok =
            (r.final_cost - ln2).abs() < 0.01 && outputs.iter().all(|h| (h - 0.5).abs() < 0.02);
        lines.push(format!(
            "seed {seed}: cost {} outputs {outputs:?} collapsed {ok}",
            r.final_cost
        ));
        if ok {
            collapsed += 1;
        }
    }
    assert!(
        collapsed >= 9,
        "only {collapsed}/10 seeds collapsed:\n{}",
        lines.join("\n")
    );
}

#[test]
fn two_layer_sigmoid_learns_xor() {
    let mut learned = 0;
    let mut lines = Vec::new();
    for seed in 1..=10 {
        let r = run(2, Activation::Sigmoid, Init::Uniform, seed);
        lines.push(format!(
            "seed {seed}: cost {} accuracy {}",
            r.final_cost, r.accuracy
        ));
        if r.accuracy == 1.0 {
            learned += 1;
        }
    }
    assert!(
        learned >= 9,
        "only {learned}/10 seeds learned XOR:\n{}",
        lines.join("\n")
    );
}

#[test]
fn gradient_vanishes_layer_by_layer_for_sigmoid_not_relu() {
    let sig = run(11, Activation::Sigmoid, Init::Uniform, 42);
    let relu = run(11, Activation::Relu, Init::Uniform, 42);
    assert_eq!(sig.grad_norms_start.len(), 11);
    // Sigmoid: layer 1's gradient is orders of magnitude below layer 11's.
    assert!(
        sig.grad_ratio_start < 1e-3,
        "sigmoid ratio {}",
        sig.grad_ratio_start
    );
    // ReLU keeps the first layer's gradient within a few orders of the last one's.
    assert!(
        relu.grad_ratio_start > 1e-2,
        "relu ratio {}",
        relu.grad_ratio_start
    );
    assert!(relu.grad_ratio_start > 100.0 * sig.grad_ratio_start);
}
