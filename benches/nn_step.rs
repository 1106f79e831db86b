//! Training-step throughput of the lesson's network (depth 11, width 5, XOR batch of 4),
//! against a naive ndarray-`dot` step written the obvious way, as the in-process peer.
//!
//! Run with `cargo bench --bench nn_step`. Plain `Instant` timing: each variant runs for
//! three rounds of 0.7 s after a warm-up round, and the best round is reported, per
//! wall-clock second and (on Linux) per second of this thread's CPU time, which is
//! steadier on a machine shared with other work.
//!
//! Then the crossover behind [`Path::choose`]: the same depth-11 ReLU step on the lanes
//! path and on the dense path (one thread), for growing widths and two batch sizes, in
//! steps per CPU second (three rounds of 0.15 s, best), and the path the rule picks.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ndarray::{array, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tbtrain::nn::{Activation, Init, Mlp, MlpConfig, Optimizer, OptimizerKind, Path, Workspace};

const DEPTH: usize = 11;
const WIDTH: usize = 5;
const LR: f32 = 0.1;
const ROUND: Duration = Duration::from_millis(700);

/// The same step with ndarray's `dot`, allocating its temporaries as it goes.
struct Naive {
    weights: Vec<Array2<f32>>,
    biases: Vec<Array1<f32>>,
    hidden: Activation,
}

impl Naive {
    fn from(mlp: &Mlp) -> Self {
        Naive {
            weights: mlp
                .layers()
                .iter()
                .map(|l| l.weights().to_owned())
                .collect(),
            biases: mlp.layers().iter().map(|l| l.biases().to_owned()).collect(),
            hidden: mlp.layers()[0].activation(),
        }
    }

    fn step(&mut self, x: ArrayView2<f32>, y: ArrayView1<f32>, lr: f32) -> f32 {
        let depth = self.weights.len();
        let act = |k: usize| {
            if k + 1 == depth {
                Activation::Sigmoid
            } else {
                self.hidden
            }
        };
        let mut zs = Vec::with_capacity(depth);
        let mut acts = vec![x.to_owned()];
        for k in 0..depth {
            let z = acts[k].dot(&self.weights[k]) + &self.biases[k];
            acts.push(z.mapv(|v| act(k).forward(v)));
            zs.push(z);
        }
        let n = y.len() as f32;
        let logits = zs[depth - 1].column(0);
        let cost = logits
            .iter()
            .zip(y)
            .map(|(&z, &y)| z.max(0.0) - z * y + (-z.abs()).exp().ln_1p())
            .sum::<f32>()
            / n;
        let out = acts[depth].column(0).to_owned();
        let mut delta = ((&out - &y) / n).insert_axis(Axis(1));
        for k in (0..depth).rev() {
            let dw = acts[k].t().dot(&delta);
            let db = delta.sum_axis(Axis(0));
            if k > 0 {
                let da = delta.dot(&self.weights[k].t());
                let deriv = zs[k - 1].mapv(|v| act(k - 1).derivative(v));
                delta = da * deriv;
            }
            self.weights[k].scaled_add(-lr, &dw);
            self.biases[k].scaled_add(-lr, &db);
        }
        cost
    }
}

/// Nanoseconds this thread has run on a CPU (Linux `schedstat`), if available: on a
/// shared machine, steps per CPU-second is steadier than steps per wall-second.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Steps per wall-clock second and per CPU second of `step`, each the best of three
/// timed rounds after a warm-up round.
fn rate(step: impl FnMut() -> f32) -> (f64, Option<f64>) {
    rate_for(ROUND, 1000, step)
}

/// [`rate`] with rounds of `round_time`, looking at the clock every `chunk` steps.
fn rate_for(round_time: Duration, chunk: u64, mut step: impl FnMut() -> f32) -> (f64, Option<f64>) {
    let mut best_wall = 0.0f64;
    let mut best_cpu: Option<f64> = None;
    for round in 0..4 {
        let cpu_start = thread_cpu_ns();
        let start = Instant::now();
        let mut steps = 0u64;
        while start.elapsed() < round_time {
            for _ in 0..chunk {
                black_box(step());
            }
            steps += chunk;
        }
        let wall = start.elapsed().as_secs_f64();
        let cpu = cpu_start
            .zip(thread_cpu_ns())
            .map(|(a, b)| (b - a) as f64 * 1e-9);
        if round > 0 {
            best_wall = best_wall.max(steps as f64 / wall);
            if let Some(cpu) = cpu {
                let r = steps as f64 / cpu;
                best_cpu = Some(best_cpu.map_or(r, |b| b.max(r)));
            }
        }
    }
    (best_wall, best_cpu)
}

fn main() {
    // `NN_STEP_PROFILE=N` runs N tbtrain steps per activation and no timing: for
    // profilers (`valgrind --tool=callgrind`, `perf record`).
    let profile_steps: Option<u64> = std::env::var("NN_STEP_PROFILE")
        .ok()
        .and_then(|n| n.parse().ok());
    let x = array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let y = array![0.0f32, 1.0, 1.0, 0.0];
    println!("training steps/s, depth {DEPTH}, width {WIDTH}, XOR batch of 4, SGD lr {LR}");
    for hidden in [Activation::Sigmoid, Activation::Relu] {
        let config = MlpConfig {
            inputs: 2,
            width: WIDTH,
            depth: DEPTH,
            hidden,
            init: Init::Uniform,
            classes: 2,
        };
        let start = Mlp::new(&config, &mut ChaCha8Rng::seed_from_u64(1)).expect("valid config");

        // Both implementations must agree before their speeds mean anything.
        let mut mlp = start.clone();
        let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
        let mut ws = Workspace::new(&mlp, 4).expect("batch of 4");
        let mut naive = Naive::from(&start);
        for i in 0..200 {
            let ours = ws
                .step(&mut mlp, &mut opt, x.view(), y.view(), LR)
                .expect("shapes fit");
            let theirs = naive.step(x.view(), y.view(), LR);
            assert!(
                (ours - theirs).abs() <= 1e-4 * theirs.abs().max(1e-3),
                "{hidden} step {i}: cost {ours} vs {theirs}"
            );
        }

        let mut mlp = start.clone();
        let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
        if let Some(n) = profile_steps {
            for _ in 0..n {
                black_box(
                    ws.step(&mut mlp, &mut opt, x.view(), y.view(), LR)
                        .expect("shapes fit"),
                );
            }
            continue;
        }
        let ours = rate(|| {
            ws.step(&mut mlp, &mut opt, x.view(), y.view(), LR)
                .expect("shapes fit")
        });
        let mut naive = Naive::from(&start);
        let theirs = rate(|| naive.step(x.view(), y.view(), LR));
        println!(
            "{:<8} wall: tbtrain {:>9.0} steps/s ({:>5.0} ns/step) | naive ndarray dot {:>8.0} steps/s | ratio {:.1}x",
            hidden.name(),
            ours.0,
            1e9 / ours.0,
            theirs.0,
            ours.0 / theirs.0
        );
        if let (Some(ours), Some(theirs)) = (ours.1, theirs.1) {
            println!(
                "{:<8} cpu:  tbtrain {:>9.0} steps/s ({:>5.0} ns/step) | naive ndarray dot {:>8.0} steps/s | ratio {:.1}x",
                "",
                ours,
                1e9 / ours,
                theirs,
                ours / theirs
            );
        }
    }
    if profile_steps.is_none() {
        crossover();
    }
}

/// Steps per CPU second on each path for growing widths: where [`Path::choose`]'s
/// threshold comes from.
fn crossover() {
    println!(
        "\npaths, depth 11 ReLU, SGD, one thread: steps per CPU second (lanes | dense), \
         the rule's choice"
    );
    for batch in [4, 16, 50, 100, 200] {
        let x = Array2::from_shape_fn((batch, 2), |(i, j)| ((i * 3 + j) % 5) as f32 * 0.25);
        let y = Array1::from_shape_fn(batch, |i| (i % 2) as f32);
        for width in [5, 8, 12, 16, 24] {
            let config = MlpConfig {
                inputs: 2,
                width,
                depth: DEPTH,
                hidden: Activation::Relu,
                init: Init::He,
                classes: 2,
            };
            let start = Mlp::new(&config, &mut ChaCha8Rng::seed_from_u64(1)).expect("valid");
            let rates = [Path::Lanes, Path::Dense].map(|path| {
                let mut mlp = start.clone();
                let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
                let mut ws = Workspace::with_path(&mlp, batch, path).expect("batch");
                ws.set_threads(1).expect("one thread");
                let r = rate_for(Duration::from_millis(150), 10, || {
                    ws.step(&mut mlp, &mut opt, x.view(), y.view(), 0.01)
                        .expect("shapes fit")
                });
                r.1.unwrap_or(r.0)
            });
            println!(
                "batch {batch:>3} width {width:>2}: {:>9.0} | {:>9.0}  ({:.2}x)  rule: {:?}",
                rates[0],
                rates[1],
                rates[0] / rates[1],
                Path::choose(&start, batch)
            );
        }
    }
}
