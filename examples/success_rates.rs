//! Success rates of the lesson's deep net, for the README: depth-11, width-5 networks
//! trained on XOR for 10,001 full-batch SGD steps (lr 0.1), seeds 1..=100, for each
//! hidden activation (relu, leaky-relu, tanh, and sigmoid for reference) and each
//! initialisation (uniform U(-1, 1), xavier, he). A run succeeds when the accuracy of
//! its final weights is 1.0. Also: the vanishing gradient at step 0, as the ratio
//! `grad_norm/layer1 / grad_norm/layer11` (median, min and max over the seeds), and why
//! the ReLU runs that fail do (dead at step 0, or stuck later).
//!
//! Runs go through `tbtrain::train::train` with every log period 0 (only the start and
//! end summaries are written, into a temporary directory), on 2 threads.
//!
//! `cargo run --release --example success_rates`; options after `--`: `--seeds N` (seeds
//! 1..=N, default 100), `--acts a,b` and `--inits a,b` to run only some of the table.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use tbtrain::data;
use tbtrain::nn::{ActivationKind, Init};
use tbtrain::train::{self, Budget, Outcome, TrainConfig};

const DEPTH: usize = 11;
const THREADS: usize = 2;
/// The lecture's table of activations (leaky ReLU as max(0.1x, x), maxout of 2 pieces:
/// the trainer's defaults).
const ACTS: [&str; 6] = ["sigmoid", "tanh", "relu", "leaky-relu", "maxout", "elu"];
const INITS: [&str; 3] = ["uniform", "xavier", "he"];

/// What one run tells.
#[derive(Debug, Clone, Copy)]
struct Run {
    learned: bool,
    diverged: bool,
    ratio_start: f32,
    /// Layer 1's gradient was exactly zero at step 0 (every path through the net dead).
    dead_at_start: bool,
    final_cost: f32,
}

fn run_one(act: ActivationKind, init: Init, seed: u64, root: &std::path::Path) -> Run {
    let mut config =
        TrainConfig::lesson(root.join(format!("{}-{}-{seed}", act.name(), init.name())));
    config.depth = DEPTH;
    config.act = act;
    config.init = init;
    config.seed = seed;
    config.schedule = Budget::NONE;
    let data = data::load(&data::DatasetSpec::Xor, seed).expect("XOR is built in");
    let report = train::train(&config, &data, &AtomicBool::new(false), &mut ())
        .unwrap_or_else(|e| panic!("{} {} seed {seed}: {e}", act.name(), init.name()));
    let _ = std::fs::remove_dir_all(&config.logdir);
    Run {
        learned: report.accuracy == 1.0,
        diverged: matches!(report.outcome, Outcome::Diverged { .. }),
        ratio_start: report.grad_ratio_start,
        dead_at_start: report.grad_norms_start.first() == Some(&0.0),
        final_cost: report.final_cost,
    }
}

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    match v.len() {
        0 => f32::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seeds: u64 = args
        .iter()
        .position(|a| a == "--seeds")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse().expect("--seeds N"))
        .unwrap_or(100);
    let only = |flag: &str, all: &[&'static str]| -> Vec<&'static str> {
        match args
            .iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
        {
            Some(list) => all
                .iter()
                .copied()
                .filter(|name| list.split(',').any(|n| n == *name))
                .collect(),
            None => all.to_vec(),
        }
    };
    let acts = only("--acts", &ACTS);
    let inits = only("--inits", &INITS);
    let root = tempfile::tempdir().expect("temporary directory");

    let mut jobs = Vec::new();
    for &act in &acts {
        for &init in &inits {
            for seed in 1..=seeds {
                jobs.push((act, init, seed));
            }
        }
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<(&str, &str, u64), Run>> = Mutex::new(BTreeMap::new());
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(act_name, init_name, seed)) = jobs.get(i) else {
                    break;
                };
                let act: ActivationKind = act_name.parse().expect("activation");
                let init: Init = init_name.parse().expect("init");
                let run = run_one(act, init, seed, root.path());
                results
                    .lock()
                    .expect("results")
                    .insert((act_name, init_name, seed), run);
            });
        }
    });
    let results = results.into_inner().expect("results");
    let elapsed = start.elapsed();

    println!(
        "Depth-{DEPTH} XOR runs reaching accuracy 1.0 after 10,001 steps (seeds 1..={seeds}, \
         width 5, SGD lr 0.1, full batch; leaky-relu slope 0.1, maxout 2 pieces):\n"
    );
    let header: Vec<&str> = inits
        .iter()
        .map(|&i| {
            if i == "uniform" {
                "uniform U(-1, 1)"
            } else {
                i
            }
        })
        .collect();
    println!("| activation | {} |", header.join(" | "));
    println!("|---{}|", "|---".repeat(inits.len()));
    for &act in &acts {
        let cells: Vec<String> = inits
            .iter()
            .map(|&init| {
                let runs: Vec<&Run> = results
                    .iter()
                    .filter(|((a, i, _), _)| *a == act && *i == init)
                    .map(|(_, r)| r)
                    .collect();
                let ok = runs.iter().filter(|r| r.learned).count();
                let diverged = runs.iter().filter(|r| r.diverged).count();
                let mut cell = format!(
                    "{ok}/{} ({:.0}%)",
                    runs.len(),
                    100.0 * ok as f64 / runs.len().max(1) as f64
                );
                if diverged > 0 {
                    cell.push_str(&format!(", {diverged} diverged"));
                }
                cell
            })
            .collect();
        println!("| {act} | {} |", cells.join(" | "));
    }

    println!(
        "\nGradient ratio grad_norm/layer1 / grad_norm/layer11 at step 0 (uniform init; \
         median, min, max over the seeds where both norms are non-zero):\n"
    );
    println!("| activation | median | min | max | seeds with layer 1 dead at step 0 |");
    println!("|---|---|---|---|---|");
    for &act in &acts {
        let runs: Vec<&Run> = results
            .iter()
            .filter(|((a, i, _), _)| *a == act && *i == "uniform")
            .map(|(_, r)| r)
            .collect();
        let ratios: Vec<f32> = runs
            .iter()
            .map(|r| r.ratio_start)
            .filter(|r| r.is_finite() && *r > 0.0)
            .collect();
        let min = ratios.iter().copied().fold(f32::INFINITY, f32::min);
        let max = ratios.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let dead = runs.iter().filter(|r| r.dead_at_start).count();
        println!(
            "| {act} | {:.3e} | {min:.3e} | {max:.3e} | {dead}/{} |",
            median(ratios.clone()),
            runs.len()
        );
    }

    println!("\nWhy the ReLU-family runs that fail do (uniform init):\n");
    println!("| activation | failed | dead at step 0 | final cost within 0.01 of ln 2 | other |");
    println!("|---|---|---|---|---|");
    for act in ["relu", "leaky-relu"]
        .into_iter()
        .filter(|a| acts.contains(a))
    {
        let failed: Vec<&Run> = results
            .iter()
            .filter(|((a, i, _), r)| *a == act && *i == "uniform" && !r.learned)
            .map(|(_, r)| r)
            .collect();
        let dead = failed.iter().filter(|r| r.dead_at_start).count();
        let ln2 = failed
            .iter()
            .filter(|r| !r.dead_at_start && (r.final_cost - std::f32::consts::LN_2).abs() < 0.01)
            .count();
        println!(
            "| {act} | {} | {dead} | {ln2} | {} |",
            failed.len(),
            failed.len() - dead - ln2
        );
    }
    println!(
        "\n{} runs in {:.1} s on {THREADS} threads.",
        results.len(),
        elapsed.as_secs_f64()
    );
}
