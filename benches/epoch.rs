//! An epoch of lab 10-3's network on Fashion-MNIST: 784-256-256-10, ReLU, Xavier, Adam
//! at lr 0.001, mini-batches of 100 (600 steps an epoch), with the default logging (the
//! test set evaluated as the plan says, scalars, histograms, pictures).
//!
//! It prints, in one run:
//! - the median epoch time of 3 epochs trained through the library (`train()`, a
//!   progress callback noting when each epoch ends), and its GFLOP/s counted two ways:
//!   - by the usual count, 6 flops per weight per example (the forward pass, `dW` and
//!     `dx`): 96.8 GFLOP an epoch, the "97 GFLOP per epoch", in which its
//!     TensorFlow figure (61 GFLOP/s) and its targets (0.8 s, 60% of the peak) are
//!     stated. It is the count that compares implementations, whichever products
//!     each one skips;
//!   - by the products tbtrain makes (that first `dx` left out): 72.7 GFLOP an epoch;
//! - the machine's GEMM peak measured the same way as the products are made (the
//!   `gemm` crate's own 2000x2000x2000 product on every core, best of 3 before and 3
//!   after training) and the fraction of it an epoch reaches, by each count;
//! - the same 3 epochs without any logging, to show what logging costs;
//! - the release `tbtrain` process training the same run: wall time and peak resident
//!   memory (`ru_maxrss` of the child);
//! - when `TBTRAIN_TF_PYTHON` names a Python with TensorFlow (scripts/setup-tf-venv.sh
//!   makes one: `TBTRAIN_TF_PYTHON=.venv-tf/bin/python`), TensorFlow's median epoch on
//!   the same network and data (scripts/tf_fashion_mnist.py) and the ratio.
//!
//! Needs Debian's dataset-fashion-mnist (`/usr/share/datasets/fashion-mnist`); without
//! it the bench says so and measures nothing. Run with `cargo bench --bench epoch`.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use ndarray::Array2;
use tbtrain::data::{self, DatasetSpec};
use tbtrain::nn::matmul::matmul;
use tbtrain::nn::{ActivationKind, Init, OptimizerKind};
use tbtrain::train::{self, Budget, Progress, TrainConfig};

const EPOCHS: u64 = 3;
const BATCH: usize = 100;
/// Multiply-adds per example of 784-256-256-10's weights.
const MACS: f64 = (784 * 256 + 256 * 256 + 256 * 10) as f64;
/// Multiply-adds per example by the usual count: three per weight (the forward pass,
/// `dW` and `dx`).
const USUAL_MACS: f64 = 3.0 * MACS;
/// Multiply-adds per example of the products a step makes: the forward pass and `dW`
/// for every layer, `dx` for every layer but the first (nobody needs the inputs'
/// gradient).
const STEP_MACS: f64 = 2.0 * MACS + (256 * 256 + 256 * 10) as f64;
/// Lab 10-3's run, in `logdir`: the one place its settings are spelled.
fn lab_10_3(logdir: &Path) -> TrainConfig {
    let mut config = TrainConfig::lesson(logdir.to_path_buf());
    config.depth = 3;
    config.width = 256;
    config.act = ActivationKind::Relu;
    config.init = Init::Xavier;
    config.optimizer = OptimizerKind::Adam;
    config.lr = 0.001;
    config.batch = Some(BATCH);
    config.epochs = Some(EPOCHS);
    config.dataset = DatasetSpec::FashionMnist;
    config
}

/// The flags of the same run, for the `tbtrain` process and TensorFlow's script (which
/// reads the same flags).
fn flags() -> Vec<String> {
    let c = lab_10_3(Path::new("unused"));
    [
        ("--depth", c.depth.to_string()),
        ("--width", c.width.to_string()),
        ("--act", c.act.to_string()),
        ("--init", c.init.to_string()),
        ("--optimizer", c.optimizer.to_string()),
        ("--lr", c.lr.to_string()),
        ("--batch", BATCH.to_string()),
        ("--epochs", EPOCHS.to_string()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_string(), value])
    .collect()
}

/// Notes the time at each epoch's end.
struct EpochClock {
    steps_per_epoch: u64,
    started: Instant,
    ends: Vec<Instant>,
}

impl Progress for EpochClock {
    fn step(&mut self, step: u64, _cost: f32) {
        if (step + 1).is_multiple_of(self.steps_per_epoch) {
            self.ends.push(Instant::now());
        }
    }
}

impl EpochClock {
    fn epochs(&self) -> Vec<Duration> {
        let mut last = self.started;
        self.ends
            .iter()
            .map(|&end| {
                let d = end - last;
                last = end;
                d
            })
            .collect()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// GFLOP/s of the best of `rounds` 2000x2000x2000 products on every core.
fn gemm_peak(rounds: usize) -> f64 {
    let n = 2000;
    let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.1);
    let b = Array2::from_shape_fn((n, n), |(i, j)| ((i + j * 5) % 11) as f32 * 0.1);
    let mut c = Array2::<f32>::zeros((n, n));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let start = Instant::now();
        matmul(a.view(), b.view(), c.view_mut(), false, threads);
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(&c);
    2.0 * (n as f64).powi(3) / best / 1e9
}

/// The median epoch of 3 epochs trained in this process, and the run's report line.
fn epochs_in_process(split: &data::Split, logging: bool) -> (f64, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut config = lab_10_3(&dir.path().join("run"));
    if !logging {
        config.schedule = Budget::NONE;
    }
    let mut clock = EpochClock {
        steps_per_epoch: (split.train.len() / BATCH) as u64,
        started: Instant::now(),
        ends: Vec::new(),
    };
    let report = train::train(&config, split, &AtomicBool::new(false), &mut clock)
        .expect("the bench's run trains");
    let seconds = clock.epochs().iter().map(Duration::as_secs_f64).collect();
    let test = report.test.map_or(String::new(), |t| {
        format!(", test accuracy {:.4}", t.accuracy)
    });
    (
        median(seconds),
        format!("{} steps{test}", report.steps_done),
    )
}

/// Wall seconds and peak resident MB of the release `tbtrain` process on the same run.
fn process_run() -> Option<(f64, f64)> {
    let dir = tempfile::tempdir().ok()?;
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_tbtrain"))
        .args(["--dataset", "fashion-mnist", "-q", "--logdir"])
        .arg(dir.path().join("run"))
        .args(flags())
        .spawn()
        .ok()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes only the status and the rusage struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    // Reaped by wait4: dropping `child` does not wait again.
    drop(child);
    if waited != pid || status != 0 {
        eprintln!("tbtrain process failed (status {status})");
        return None;
    }
    Some((wall, usage.ru_maxrss as f64 / 1024.0))
}

/// TensorFlow's median epoch on the same network and data, if `TBTRAIN_TF_PYTHON` is set.
fn tensorflow_epoch() -> Result<Option<(f64, String)>, String> {
    let Some(python) = std::env::var_os("TBTRAIN_TF_PYTHON") else {
        return Ok(None);
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tf_fashion_mnist.py");
    let out = Command::new(&python)
        .arg(&script)
        .args(flags())
        .output()
        .map_err(|e| format!("{}: {e}", Path::new(&python).display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_str(line.trim())
        .map_err(|e| format!("tf_fashion_mnist.py printed {line:?}: {e}"))?;
    let seconds: Vec<f64> = json["epoch_seconds"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    if seconds.is_empty() {
        return Err(format!("no epoch_seconds in {line:?}"));
    }
    let about = format!(
        "TensorFlow {}, test accuracy {}",
        json["tensorflow"].as_str().unwrap_or("?"),
        json["test_accuracy"]
    );
    Ok(Some((median(seconds), about)))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let split = match data::load(&DatasetSpec::FashionMnist, 1) {
        Ok(split) => split,
        Err(e) => {
            println!("epoch bench skipped: {e}");
            return;
        }
    };
    println!("load average before: {}", load_average());
    let examples = split.train.len() as f64;
    let (usual, made) = (
        2.0 * USUAL_MACS * examples / 1e9,
        2.0 * STEP_MACS * examples / 1e9,
    );
    let peak_before = gemm_peak(3);
    let (epoch, about) = epochs_in_process(&split, true);
    let (bare, _) = epochs_in_process(&split, false);
    let peak = peak_before.max(gemm_peak(3));
    println!(
        "lab 10-3 784-256-256-10, batch {BATCH}, {EPOCHS} epochs ({about}): {usual:.1} GFLOP an epoch by the usual count (6 x weights), {made:.1} GFLOP of products made"
    );
    let rates = |seconds: f64| {
        format!(
            "{seconds:.3} s = {:.1} GFLOP/s = {:.0}% of the GEMM peak (products made: {:.1} GFLOP/s, {:.0}%)",
            usual / seconds,
            100.0 * usual / seconds / peak,
            made / seconds,
            100.0 * made / seconds / peak
        )
    };
    println!("epoch (median), default logging: {}", rates(epoch));
    println!("epoch (median), no logging:      {}", rates(bare));
    println!("GEMM peak (gemm crate, 2000x2000x2000, all cores): {peak:.1} GFLOP/s");
    match process_run() {
        Some((wall, mb)) => {
            println!("tbtrain process, same run: {wall:.2} s wall, peak resident {mb:.0} MB")
        }
        None => println!("tbtrain process, same run: failed"),
    }
    match tensorflow_epoch() {
        Ok(Some((tf, about))) => println!(
            "TensorFlow epoch (median, {about}): {tf:.3} s; tbtrain / TensorFlow epoch time: {:.2}",
            epoch / tf
        ),
        Ok(None) => {
            println!("TensorFlow: skipped (set TBTRAIN_TF_PYTHON to a Python with tensorflow)")
        }
        Err(e) => println!("TensorFlow: failed: {e}"),
    }
    println!("load average after: {}", load_average());
}
