//! The bare training step at real scale: lab 10-3's 784-256-256-10 ReLU net (and lab
//! 10-4's 784-512x4-10) on mini-batches of 100 with Adam, on the dense path.
//!
//! Run with `cargo bench --bench dense_step`. It prints, per net and thread count, the
//! median and range over rounds of 600 steps (one Fashion-MNIST epoch) of steps/s,
//! seconds per epoch and GFLOP/s (2 m n k per product the step does: three per layer,
//! but no `dx` for the first), then the `gemm` crate's own 2000x2000 product in the same
//! run as the machine's peak, and the step's fraction of it. `DENSE_STEP_ROUNDS=N`
//! changes the number of rounds (default 7); `DENSE_STEP_PROFILE=N` runs N steps of the
//! first net and nothing else (for `perf record`).

use std::hint::black_box;
use std::time::Instant;

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tbtrain::nn::matmul::matmul;
use tbtrain::nn::{Activation, Init, Mlp, MlpConfig, Optimizer, OptimizerKind, Path, Workspace};

const BATCH: usize = 100;
const EPOCH: usize = 600;
const LR: f32 = 0.001;

/// Floating-point operations of one step: forward `x W`, backward `x^T dz` and, above
/// the first layer, `dz W^T`, each `2 * batch * fan_in * columns`.
fn step_flops(mlp: &Mlp) -> f64 {
    mlp.layers()
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let product = 2.0 * (BATCH * l.weights().len()) as f64;
            if k == 0 {
                2.0 * product
            } else {
                3.0 * product
            }
        })
        .sum()
}

/// Median, smallest and largest.
fn summary(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

/// Seconds per round of `EPOCH` steps, after one warm-up round.
fn time_epochs(rounds: usize, mut step: impl FnMut()) -> Vec<f64> {
    (0..=rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..EPOCH {
                step();
            }
            start.elapsed().as_secs_f64()
        })
        .skip(1)
        .collect()
}

/// The gemm crate's GFLOP/s on a 2000x2000 square product (best of five), `threads` threads.
fn peak(threads: usize) -> f64 {
    let n = 2000;
    let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.1);
    let b = Array2::from_shape_fn((n, n), |(i, j)| ((i * 5 + j) % 11) as f32 * 0.1);
    let mut c = Array2::<f32>::zeros((n, n));
    matmul(a.view(), b.view(), c.view_mut(), false, threads);
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            matmul(a.view(), b.view(), c.view_mut(), false, threads);
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    black_box(&c);
    2.0 * (n * n * n) as f64 / best / 1e9
}

fn net(width: usize, depth: usize) -> (Mlp, Array2<f32>, Array1<f32>) {
    let config = MlpConfig {
        inputs: 784,
        width,
        depth,
        hidden: Activation::Relu,
        init: Init::Xavier,
        classes: 10,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mlp = Mlp::new(&config, &mut rng).expect("valid config");
    // Pixel-like inputs in [0, 1), labels 0..9.
    let x = Array2::from_shape_simple_fn((BATCH, 784), || rng.random_range(0.0f32..1.0));
    let y = Array1::from_shape_fn(BATCH, |b| (b % 10) as f32);
    (mlp, x, y)
}

fn main() {
    let rounds: usize = std::env::var("DENSE_STEP_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(7);
    if let Some(n) = std::env::var("DENSE_STEP_PROFILE")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let (mut mlp, x, y) = net(256, 3);
        let mut opt = Optimizer::new(OptimizerKind::Adam, &mlp);
        let mut ws = Workspace::new(&mlp, BATCH).expect("batch of 100");
        for _ in 0..n {
            black_box(
                ws.step(&mut mlp, &mut opt, x.view(), y.view(), LR)
                    .expect("fits"),
            );
        }
        return;
    }
    println!("bare step, batch {BATCH}, Adam, {rounds} rounds of {EPOCH} steps: median [min, max]");
    let peaks: Vec<(usize, f64)> = [1, 2].map(|t| (t, peak(t))).into();
    for (name, width, depth) in [("784-256-256-10", 256, 3), ("784-512x4-10", 512, 5)] {
        let (start, x, y) = net(width, depth);
        let flops = step_flops(&start);
        for threads in [2, 1] {
            let mut mlp = start.clone();
            let mut opt = Optimizer::new(OptimizerKind::Adam, &mlp);
            let mut ws = Workspace::new(&mlp, BATCH).expect("batch of 100");
            assert_eq!(ws.path(), Path::Dense);
            ws.set_threads(threads).expect("at least one");
            let secs = time_epochs(rounds, || {
                black_box(
                    ws.step(&mut mlp, &mut opt, x.view(), y.view(), LR)
                        .expect("fits"),
                );
            });
            let (epoch, lo, hi) = summary(secs);
            let rate = |s: f64| EPOCH as f64 / s;
            let gflops = |s: f64| flops * EPOCH as f64 / s / 1e9;
            let peak = peaks
                .iter()
                .find(|p| p.0 == threads)
                .map_or(f64::NAN, |p| p.1);
            println!(
                "{name:<15} {threads} thread(s): {:>6.0} steps/s [{:.0}, {:.0}]  \
                 {:.3} s/epoch [{:.3}, {:.3}]  {:>5.1} GFLOP/s [{:.1}, {:.1}]  \
                 {:.0}% of peak",
                rate(epoch),
                rate(hi),
                rate(lo),
                epoch,
                lo,
                hi,
                gflops(epoch),
                gflops(hi),
                gflops(lo),
                100.0 * gflops(epoch) / peak,
            );
        }
        println!("{name:<15} {:.1} MFLOP per step", flops / 1e6);
    }
    for (threads, gflops) in peaks {
        println!("peak: gemm 2000x2000, {threads} thread(s): {gflops:.1} GFLOP/s");
    }
}
