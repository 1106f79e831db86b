//! Speed of the lesson's set-up (depth 11, width 5, sigmoid, uniform init, SGD lr 0.1,
//! 10,001 full-batch steps on XOR), from the bare step loop to the whole process:
//!
//! - (a) without logging: the bare `nn` step loop, and `train()` with every log period 0;
//! - (b) `train()` with the default logging (the lesson's schedule: at most 1,000
//!   scalars, 30 histograms and 10 images per tag) into a temporary directory, and the
//!   cost of each kind alone;
//! - (c) the whole release process `tbtrain --depth 11 --act sigmoid --logdir <tmp>`,
//!   spawned 10 times (median wall and CPU time); `cargo bench` builds it in the bench
//!   profile (release settings) and hands its path over as `CARGO_BIN_EXE_tbtrain`;
//! - (d) the debug-profile binary the README's `cargo run` runs: built here with
//!   `cargo build --bin tbtrain` (a no-op when up to date), then timed the same way.
//!
//! Floors on the 2-core reference machine: at least 500,000 steps/s without logging
//! (the bare step), the whole release process of one seed's run under 40 ms, the debug
//! one under 2 s. Wall times on a shared machine include waiting for a CPU, so CPU
//! times are printed beside them: the whole process's, every thread's (a run draws its
//! pictures on a second thread, so its wall time can be below its CPU time).
//!
//! Run with `cargo bench --bench train` (`-- --quick` skips (d)).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tbtrain::data;
use tbtrain::nn::{Mlp, MlpConfig, Optimizer, OptimizerKind, Workspace};
use tbtrain::train::{self, Budget, Every, Schedule, TrainConfig};

const STEPS: u64 = 10_001;
/// Timed repetitions of each in-process variant (after one warm-up).
const ROUNDS: usize = 7;
/// Spawns of each binary.
const SPAWNS: usize = 10;

/// User + system CPU time of this process so far, every thread's (training draws its
/// pictures on a second thread).
fn process_cpu() -> Option<Duration> {
    rusage(libc::RUSAGE_SELF)
}

/// User + system CPU time of the terminated children waited for so far.
fn children_cpu() -> Duration {
    rusage(libc::RUSAGE_CHILDREN).unwrap_or_default()
}

/// User + system CPU time of `who` (`RUSAGE_SELF` or `RUSAGE_CHILDREN`).
fn rusage(who: libc::c_int) -> Option<Duration> {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(who, &mut usage) };
    if rc != 0 {
        return None;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Some(tv(usage.ru_utime) + tv(usage.ru_stime))
}

/// One timing: wall and (if known) CPU time.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// `(median, min)` of the walls and of the CPU times.
fn summarise(samples: &[Sample]) -> (Duration, Duration, Option<Duration>, Option<Duration>) {
    let walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    let cpus: Option<Vec<Duration>> = samples.iter().map(|s| s.cpu).collect();
    let min_wall = walls.iter().copied().min().unwrap_or_default();
    let (med_cpu, min_cpu) = match cpus {
        Some(c) => (
            Some(median(c.clone())),
            Some(c.into_iter().min().unwrap_or_default()),
        ),
        None => (None, None),
    };
    (median(walls), min_wall, med_cpu, min_cpu)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Times `run` (one whole 10,001-step run) `ROUNDS` times after a warm-up.
fn time_rounds(mut run: impl FnMut()) -> Vec<Sample> {
    run();
    (0..ROUNDS)
        .map(|_| {
            let cpu0 = process_cpu();
            let t0 = Instant::now();
            run();
            let wall = t0.elapsed();
            let cpu = cpu0.zip(process_cpu()).map(|(a, b)| b.saturating_sub(a));
            Sample { wall, cpu }
        })
        .collect()
}

fn report_rate(label: &str, samples: &[Sample]) {
    let (med, min, med_cpu, _) = summarise(samples);
    let rate = |d: Duration| STEPS as f64 / d.as_secs_f64();
    let cpu = med_cpu.map_or(String::new(), |c| {
        format!(" | cpu {:>7.2} ms, {:>10.0} steps/s", ms(c), rate(c))
    });
    println!(
        "{label:<44} median {:>7.2} ms, {:>10.0} steps/s (best {:>10.0}){cpu}",
        ms(med),
        rate(med),
        rate(min)
    );
}

fn lesson(logdir: &Path, every: Schedule) -> TrainConfig {
    let mut config = TrainConfig::lesson(logdir);
    config.schedule = every;
    config
}

/// `train()` into a fresh directory under `root` each round.
fn time_train(root: &Path, every: Schedule) -> Vec<Sample> {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let data = data::load(&data::DatasetSpec::Xor, 1).expect("XOR is built in");
    let stop = AtomicBool::new(false);
    time_rounds(|| {
        let n = RUNS.fetch_add(1, Ordering::Relaxed);
        let config = lesson(&root.join(format!("run{n}")), every);
        let report = train::train(&config, &data, &stop, &mut ()).expect("train");
        black_box(report.final_cost);
    })
}

/// Spawns `exe --depth 11 --act sigmoid --logdir <root>/<tag>N` `SPAWNS` times.
fn time_process(exe: &Path, root: &Path, tag: &str, spawns: usize) -> Vec<Sample> {
    (0..spawns)
        .map(|i| {
            let logdir = root.join(format!("{tag}{i}"));
            let cpu0 = children_cpu();
            let t0 = Instant::now();
            let status = Command::new(exe)
                .args(["--depth", "11", "--act", "sigmoid", "--logdir"])
                .arg(&logdir)
                .stdout(Stdio::null())
                .status()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
            let wall = t0.elapsed();
            assert!(status.success(), "{} failed: {status}", exe.display());
            Sample {
                wall,
                cpu: Some(children_cpu().saturating_sub(cpu0)),
            }
        })
        .collect()
}

fn report_process(label: &str, samples: &[Sample], target: Duration) {
    let (med, min, med_cpu, min_cpu) = summarise(samples);
    let max = samples.iter().map(|s| s.wall).max().unwrap_or_default();
    println!(
        "{label:<44} median {:>7.1} ms wall (min {:.1}, max {:.1}), cpu median {:.1} ms (min {:.1}) over {} runs; target < {} ms: {}",
        ms(med),
        ms(min),
        ms(max),
        med_cpu.map_or(f64::NAN, ms),
        min_cpu.map_or(f64::NAN, ms),
        samples.len(),
        target.as_millis(),
        if med < target { "met" } else { "MISSED (wall)" }
    );
}

/// The parts of one `decision_boundary` image: the model on the 48x48 lattice (a
/// lattice row at a time, as training draws it), the 192x192 picture, its PNG encoding.
fn image_parts() {
    use tbtrain::train::boundary;
    let data = data::xor();
    let mlp = Mlp::new(
        &MlpConfig {
            inputs: 2,
            width: 5,
            depth: 11,
            hidden: tbtrain::nn::Activation::Sigmoid,
            init: tbtrain::nn::Init::Uniform,
            classes: 2,
        },
        &mut ChaCha8Rng::seed_from_u64(1),
    )
    .expect("mlp");
    let plane = data.plane();
    let mut painter = boundary::Painter::new(&data, &mlp)
        .expect("painter")
        .expect("two features");
    let per = |mut f: Box<dyn FnMut() + '_>| {
        f();
        let t0 = Instant::now();
        for _ in 0..20 {
            f();
        }
        t0.elapsed() / 20
    };
    let forward = per(Box::new(|| {
        black_box(painter.probabilities(&mlp).expect("lattice"));
    }));
    let probs = painter.probabilities(&mlp).expect("lattice");
    let render = per(Box::new(|| {
        black_box(boundary::render(
            &probs,
            boundary::GRID,
            plane,
            &[],
            boundary::SIZE,
        ));
    }));
    let rgb = boundary::render(&probs, boundary::GRID, plane, &[], boundary::SIZE);
    let size = boundary::SIZE as u32;
    let png = per(Box::new(|| {
        black_box(tbtrain::summary::image::encode_png(&rgb, size, size).expect("png"));
    }));
    println!(
        "    one image: lattice forward {:.0} us, render {:.0} us, PNG encode {:.0} us",
        forward.as_secs_f64() * 1e6,
        render.as_secs_f64() * 1e6,
        png.as_secs_f64() * 1e6
    );
}

/// `<target>/debug/tbtrain`, built with `cargo build --bin tbtrain` (the dev profile).
fn debug_binary() -> Option<PathBuf> {
    // This bench runs as <target>/release/deps/train-<hash>.
    let target = std::env::current_exe()
        .ok()?
        .parent()?
        .parent()?
        .parent()?
        .to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--bin", "tbtrain"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .ok()?;
    let exe = target.join("debug").join("tbtrain");
    (status.success() && exe.is_file()).then_some(exe)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let root = tempfile::tempdir().expect("temporary directory");
    println!(
        "tbtrain, the lesson's set-up: depth 11, width 5, sigmoid, uniform init, SGD lr 0.1, \
         {STEPS} full-batch steps on XOR ({} CPUs, load average {})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    );

    // (a) Without logging.
    let (x, y) = (
        ndarray::array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
        ndarray::array![0.0f32, 1.0, 1.0, 0.0],
    );
    let config = MlpConfig {
        inputs: 2,
        width: 5,
        depth: 11,
        hidden: tbtrain::nn::Activation::Sigmoid,
        init: tbtrain::nn::Init::Uniform,
        classes: 2,
    };
    let bare = time_rounds(|| {
        let mut mlp = Mlp::new(&config, &mut ChaCha8Rng::seed_from_u64(1)).expect("mlp");
        let mut opt = Optimizer::new(OptimizerKind::Sgd, &mlp);
        let mut ws = Workspace::new(&mlp, 4).expect("workspace");
        let mut cost = 0.0;
        for _ in 0..STEPS {
            cost = ws
                .step(&mut mlp, &mut opt, x.view(), y.view(), 0.1)
                .expect("step");
        }
        black_box(cost);
    });
    report_rate("(a) bare nn step loop", &bare);
    let off = Budget::NONE;
    report_rate(
        "(a) train(), every log period 0",
        &time_train(root.path(), off),
    );
    println!("    target: at least 500,000 steps/s without logging");

    // (b) With the default logging, and each kind alone.
    let default = Budget::LESSON;
    report_rate(
        "(b) train(), default logging",
        &time_train(root.path(), default),
    );
    for (label, every) in [
        (
            "    scalars only (default schedule)",
            Schedule {
                scalars: default.scalars,
                ..off
            },
        ),
        (
            "    scalars only (every step)",
            Schedule {
                scalars: Every::Steps(1),
                ..off
            },
        ),
        (
            "    histograms only (default schedule)",
            Schedule {
                histograms: default.histograms,
                ..off
            },
        ),
        (
            "    images only (default schedule)",
            Schedule {
                images: default.images,
                ..off
            },
        ),
    ] {
        report_rate(label, &time_train(root.path(), every));
    }

    image_parts();

    // (c) The whole release process.
    let release = Path::new(env!("CARGO_BIN_EXE_tbtrain"));
    let process = time_process(release, root.path(), "release", SPAWNS);
    report_process(
        "(c) release process, default logging",
        &process,
        Duration::from_millis(40),
    );
    // The machine's speed drifts; the ratio to the bare loop timed in the same run less so.
    let (process_median, ..) = summarise(&process);
    let (bare_median, ..) = summarise(&bare);
    println!(
        "    the process's median is {:.2}x the bare step loop's (a) in this run",
        process_median.as_secs_f64() / bare_median.as_secs_f64()
    );

    // (d) The debug process `cargo run` starts.
    if quick {
        return;
    }
    match debug_binary() {
        Some(exe) => report_process(
            "(d) debug-profile process (cargo run)",
            &time_process(&exe, root.path(), "debug", 3),
            Duration::from_secs(2),
        ),
        None => println!("(d) debug-profile process: `cargo build --bin tbtrain` failed; skipped"),
    }
}
