//! Parallel speed-up of a sweep: the same 40-run sweep (sigmoid, relu x depth 2, 3, 6, 11
//! x seeds 1..5, 10,001 logged steps each, as `tbtrain sweep` runs them) with one job and
//! with two, in-process through the library, each into a fresh temporary directory.
//!
//! Run with `cargo bench --bench sweep`. Prints each round's wall and CPU time, the best
//! wall time of each variant and the speed-up; the target on a 2-core machine is at least
//! 1.7x. It needs the cores to itself: with the kernel's autogroup scheduling, one busy
//! process of another session already holds a 2-thread sweep to about one core ("cores
//! busy" shows it). `SWEEP_BENCH_STEPS` overrides the steps.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use tbtrain::nn::ActivationKind;
use tbtrain::sweep::{Shard, Sweep, SweepOptions, SweepSpec};
use tbtrain::train::TrainConfig;
use tbtrain::train::Value;

/// Timed rounds of each variant.
const ROUNDS: usize = 3;

fn spec(logdir: &std::path::Path, steps: u64) -> SweepSpec {
    let mut base = TrainConfig::lesson(logdir);
    base.steps = steps;
    SweepSpec::new(
        base,
        vec![
            vec![
                Value::Act(ActivationKind::Sigmoid),
                Value::Act(ActivationKind::Relu),
            ],
            [2, 3, 6, 11].map(Value::Depth).to_vec(),
            (1..=5).map(Value::Seed).collect(),
        ],
    )
    .expect("a valid sweep")
}

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a rusage struct.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Load average over the last minute (from /proc/loadavg; 0 if unknown).
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Wall time and CPU time of the whole sweep with `jobs` threads.
fn time(jobs: usize, steps: u64) -> (Duration, Duration) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let sweep = Sweep::new(
        spec(dir.path(), steps),
        SweepOptions {
            shard: Shard::ALL,
            jobs,
            overwrite: false,
            resume: false,
        },
    );
    assert_eq!(sweep.runs().len(), 40);
    let (start, cpu) = (Instant::now(), cpu_time());
    let report = sweep
        .run(&AtomicBool::new(false), &())
        .expect("the sweep runs");
    let elapsed = (start.elapsed(), cpu_time().saturating_sub(cpu));
    assert_eq!(report.records.len(), 40);
    elapsed
}

fn main() {
    let steps = std::env::var("SWEEP_BENCH_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_001);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "sweep bench: 40 runs x {steps} steps, {cores} cores, load average {:.2}",
        load_average()
    );
    // Warm-up (page cache, allocator), not timed.
    time(2, steps / 10 + 1);
    // Alternating rounds, best of each: other processes on the machine only ever add time.
    let mut best = [f64::INFINITY; 2];
    for round in 1..=ROUNDS {
        for (k, jobs) in [1, 2].into_iter().enumerate() {
            let (wall, cpu) = time(jobs, steps);
            println!(
                "  round {round} --jobs {jobs}: {:>8.2?} wall, {:>8.2?} CPU ({:.2} cores busy), load average {:.2}",
                wall,
                cpu,
                cpu.as_secs_f64() / wall.as_secs_f64(),
                load_average()
            );
            best[k] = best[k].min(wall.as_secs_f64());
        }
    }
    println!(
        "  best --jobs 1: {:.2}s, best --jobs 2: {:.2}s, speed-up: {:.2}x (target >= 1.7x on 2 idle cores)",
        best[0],
        best[1],
        best[0] / best[1]
    );
}
