//! The lesson, reproduced: an 11-layer sigmoid net collapses to 0.5 and cost ln 2;
//! a 2-layer one learns XOR; the gradient vanishes layer by layer at step 0.

use std::sync::atomic::AtomicBool;

use tbtrain::data::{self, DatasetSpec};
use tbtrain::nn::{ActivationKind, Init};
use tbtrain::train::{self, Budget, Outcome, RunReport, TrainConfig};

fn run(depth: usize, act: ActivationKind, init: Init, seed: u64) -> RunReport {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TrainConfig::lesson(dir.path().join("run"));
    config.depth = depth;
    config.act = act;
    config.init = init;
    config.seed = seed;
    // The lesson's maths, without the per-step logging (the trainer's logging has its
    // own tests): only what a run always writes.
    config.schedule = Budget::NONE;
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
        let r = run(11, ActivationKind::Sigmoid, Init::Uniform, seed);
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
        let r = run(2, ActivationKind::Sigmoid, Init::Uniform, seed);
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

/// `grad_norm/layer1 / grad_norm/layer11` at step 0, and whether layer 1's gradient was
/// exactly zero (a dead ReLU net: some hidden layer is off for all four inputs), for
/// seeds 1..=20 with the lesson's uniform init. One step is enough: the ratio is read
/// before the first update.
fn start_ratios(act: ActivationKind) -> Vec<(u64, f32, bool)> {
    (1..=20)
        .map(|seed| {
            let dir = tempfile::tempdir().unwrap();
            let mut config = TrainConfig::lesson(dir.path().join("run"));
            config.act = act;
            config.seed = seed;
            config.steps = 1;
            config.schedule = Budget::NONE;
            let data = data::load(&DatasetSpec::Xor, seed).unwrap();
            let r = train::train(&config, &data, &AtomicBool::new(false), &mut ()).unwrap();
            assert_eq!(r.grad_norms_start.len(), 11);
            (seed, r.grad_ratio_start, r.grad_norms_start[0] == 0.0)
        })
        .collect()
}

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    (v[(v.len() - 1) / 2] + v[v.len() / 2]) / 2.0
}

/// Measured (`cargo run --release --example success_rates`, seeds 1..=100): sigmoid's
/// ratio has median 1.9e-6 (max 1.3e-3), ReLU's 2.6 (min 2.7e-2) over the seeds whose
/// net is not dead at step 0 (22 of 100; a dead net's ratio is 0/0). On seeds 1..=20:
/// sigmoid median 2.6e-6, max 1.2e-5; ReLU median 2.1, min 8.9e-2, 4 dead.
#[test]
fn gradient_vanishes_layer_by_layer_for_sigmoid_not_relu() {
    let sig = start_ratios(ActivationKind::Sigmoid);
    let relu = start_ratios(ActivationKind::Relu);

    // Sigmoid: layer 1's gradient is orders of magnitude below layer 11's, every seed.
    assert!(
        sig.iter().all(|&(_, r, dead)| !dead && r > 0.0 && r < 1e-4),
        "{sig:?}"
    );
    let sig_median = median(sig.iter().map(|s| s.1).collect());
    assert!(sig_median < 1e-5, "sigmoid median {sig_median}: {sig:?}");

    // ReLU: the ratio is NaN exactly when the net is dead at step 0, which happens to a
    // minority of seeds; every live net keeps layer 1's gradient within a few orders.
    for &(seed, r, dead) in &relu {
        assert_eq!(r.is_nan(), dead, "seed {seed}: ratio {r}, dead {dead}");
    }
    let live: Vec<f32> = relu.iter().filter(|s| !s.2).map(|s| s.1).collect();
    assert!(live.len() >= 14, "only {} of 20 live: {relu:?}", live.len());
    assert!(live.iter().all(|&r| r > 1e-2), "{relu:?}");
    let relu_median = median(live);
    assert!(relu_median > 0.5, "relu median {relu_median}: {relu:?}");
    assert!(
        relu_median > 1e4 * sig_median,
        "{relu_median} vs {sig_median}"
    );
}

/// The fix, measured over seeds rather than one lucky seed: depth-11 ReLU with the
/// lesson's init learns XOR in about 42% of seeds (424 of seeds 1..=1000); seeds
/// 1..=20 give 8.
#[test]
fn deep_relu_learns_xor_for_many_seeds() {
    let mut learned = Vec::new();
    for seed in 1..=20 {
        let r = run(11, ActivationKind::Relu, Init::Uniform, seed);
        if r.accuracy == 1.0 {
            learned.push(seed);
        }
    }
    assert!(
        (5..=15).contains(&learned.len()),
        "ReLU learned XOR for seeds {learned:?}"
    );
}
