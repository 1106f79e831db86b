//! Writer throughput: our `SummaryWriter` against `tensorboard-rs`, same work, same disk.
//!
//! `cargo bench --bench writer`. Each case runs from creating the writer to having every
//! record in the file (our `close`, tensorboard-rs's drop, which joins its writer thread),
//! into a fresh temporary directory. Cases:
//! - 1,000,000 scalars;
//! - 10,000 histograms of 1,000 values: ours bucket the values in the call
//!   (`add_histogram`); tensorboard-rs gets buckets computed beforehand
//!   (`add_histogram_raw`), so our `add_histogram_raw` is timed too, for a like-for-like
//!   figure;
//! - the non-blocking writer (`WriterOptions::non_blocking`) against the blocking one:
//!   the caller's time per `add_image` (256x256 RGB) and per `add_histogram` (10,000
//!   values), i.e. the time spent inside the calls. Between two calls the caller pauses
//!   (untimed, as a training loop computes between two summaries), long enough for the
//!   background thread to finish the previous one; with no pause at all ("back to back")
//!   the caller and the thread compete for the machine's cores, which is also printed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tbtrain::events::WriterOptions;
use tbtrain::proto::HistogramProto;
use tbtrain::summary::histogram::{bucketize, DEFAULT_BUCKETS};
use tbtrain::SummaryWriter;

const SCALARS: i64 = 1_000_000;
const HISTOGRAMS: i64 = 10_000;
const VALUES: usize = 1_000;
const POOLS: usize = 16;
const IMAGES: usize = 32;
const IMAGE_SIDE: u32 = 256;
const BIG_HISTOGRAMS: usize = 200;
const BIG_VALUES: usize = 10_000;

fn main() {
    let pools = value_pools();
    let histos: Vec<HistogramProto> = pools
        .iter()
        .map(|v| bucketize(v, DEFAULT_BUCKETS))
        .collect();

    println!("writer benchmark (events/s, higher is better)");
    let ours = time(|dir| {
        let mut w = SummaryWriter::new(dir).unwrap();
        for step in 0..SCALARS {
            w.add_scalar("train/loss", step as f32 * 1e-6, step)
                .unwrap();
        }
        w.close().unwrap();
    });
    let theirs = time(|dir| {
        let mut w = tensorboard_rs::summary_writer::SummaryWriter::new(dir);
        for step in 0..SCALARS {
            w.add_scalar("train/loss", step as f32 * 1e-6, step as usize);
        }
        w.flush();
        drop(w);
    });
    report("1,000,000 add_scalar", SCALARS, ours, theirs);

    let ours = time(|dir| {
        let mut w = SummaryWriter::new(dir).unwrap();
        for step in 0..HISTOGRAMS {
            let values = &pools[step as usize % POOLS];
            w.add_histogram("layer0/weights", black_box(values), step)
                .unwrap();
        }
        w.close().unwrap();
    });
    let ours_raw = time(|dir| {
        let mut w = SummaryWriter::new(dir).unwrap();
        for step in 0..HISTOGRAMS {
            let h = &histos[step as usize % POOLS];
            w.add_histogram_raw("layer0/weights", h, step).unwrap();
        }
        w.close().unwrap();
    });
    let theirs = time(|dir| {
        let mut w = tensorboard_rs::summary_writer::SummaryWriter::new(dir);
        for step in 0..HISTOGRAMS {
            let h = &histos[step as usize % POOLS];
            w.add_histogram_raw(
                "layer0/weights",
                h.min,
                h.max,
                h.num,
                h.sum,
                h.sum_squares,
                &h.bucket_limit,
                &h.bucket,
                step as usize,
            );
        }
        w.flush();
        drop(w);
    });
    report(
        "10,000 add_histogram (1,000 values; ours buckets them)",
        HISTOGRAMS,
        ours,
        theirs,
    );
    report(
        "10,000 add_histogram_raw (pre-bucketed)",
        HISTOGRAMS,
        ours_raw,
        theirs,
    );

    println!("\nnon-blocking writer against the blocking one (per call, lower is better)");
    let pictures: Vec<Vec<u8>> = (0..4).map(picture).collect();
    let big: Vec<Vec<f32>> = (0..4)
        .map(|k| {
            pools
                .iter()
                .flatten()
                .skip(k * 7)
                .take(BIG_VALUES)
                .copied()
                .collect()
        })
        .collect();
    for pause in [Duration::from_millis(5), Duration::ZERO] {
        let images = |non_blocking: bool| {
            caller_time(non_blocking, IMAGES, pause, |w, i| {
                let rgb = &pictures[i % pictures.len()];
                w.add_image("boundary", rgb, IMAGE_SIDE, IMAGE_SIDE, i as i64)
                    .unwrap();
            })
        };
        compare("add_image (256x256 RGB)", IMAGES, pause, images);
    }
    for pause in [Duration::from_millis(1), Duration::ZERO] {
        let histograms = |non_blocking: bool| {
            caller_time(non_blocking, BIG_HISTOGRAMS, pause, |w, i| {
                w.add_histogram("layer1/weights", &big[i % big.len()], i as i64)
                    .unwrap();
            })
        };
        compare(
            "add_histogram (10,000 values)",
            BIG_HISTOGRAMS,
            pause,
            histograms,
        );
    }
}

/// Makes a writer, runs `call(writer, i)` for `i` in `0..calls`, sleeping `pause` after
/// each, and closes it; returns the time spent inside the calls and the time `close()`
/// took (waiting for the background thread, if any).
fn caller_time(
    non_blocking: bool,
    calls: usize,
    pause: Duration,
    call: impl Fn(&mut SummaryWriter, usize),
) -> (Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let options = WriterOptions {
        non_blocking,
        ..Default::default()
    };
    let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
    let mut inside = Duration::ZERO;
    for i in 0..calls {
        let t = Instant::now();
        call(&mut w, i);
        inside += t.elapsed();
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }
    let t = Instant::now();
    w.close().unwrap();
    (inside, t.elapsed())
}

/// Runs `case` blocking and non-blocking, alternating, three rounds; prints the best
/// caller's time of each per call, their ratio, and what `close()` took.
fn compare(name: &str, calls: usize, pause: Duration, case: impl Fn(bool) -> (Duration, Duration)) {
    let mut best = [(Duration::MAX, Duration::MAX); 2];
    for _ in 0..3 {
        for (slot, non_blocking) in [(0, false), (1, true)] {
            let (inside, total) = case(non_blocking);
            best[slot].0 = best[slot].0.min(inside);
            best[slot].1 = best[slot].1.min(total);
        }
    }
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / calls as f64;
    let [(b_in, b_close), (n_in, n_close)] = best;
    let how = if pause.is_zero() {
        "back to back".to_string()
    } else {
        format!("{} ms pause after each", pause.as_millis())
    };
    println!(
        "{name}, {calls} calls, {how}\n  caller's time per call: blocking {:>8.1} us, non-blocking {:>7.1} us, ratio {:>5.1}x\n  close():                blocking {:>8.1} ms, non-blocking {:>7.1} ms",
        per_call(b_in),
        per_call(n_in),
        b_in.as_secs_f64() / n_in.as_secs_f64(),
        b_close.as_secs_f64() * 1e3,
        n_close.as_secs_f64() * 1e3,
    );
}

/// A 256x256 RGB picture, smooth with some noise (like a decision boundary's shading).
fn picture(seed: usize) -> Vec<u8> {
    let side = IMAGE_SIDE as usize;
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ seed as u64;
    let mut out = Vec::with_capacity(side * side * 3);
    for y in 0..side {
        for x in 0..side {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 60) as u8;
            out.extend_from_slice(&[
                (x as u8).wrapping_add(noise),
                (y as u8).wrapping_add(noise),
                ((x + y) / 2) as u8,
            ]);
        }
    }
    out
}

/// Runs `f` on a fresh temporary directory three times; returns the best time.
fn time(f: impl Fn(&std::path::Path)) -> Duration {
    (0..3)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let start = Instant::now();
            f(dir.path());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn report(case: &str, events: i64, ours: Duration, theirs: Duration) {
    let rate = |d: Duration| events as f64 / d.as_secs_f64();
    println!(
        "{case}\n  tbtrain      {:>12.0} events/s ({:.3} s)\n  tensorboard-rs {:>10.0} events/s ({:.3} s)\n  ratio        {:>12.2}x",
        rate(ours),
        ours.as_secs_f64(),
        rate(theirs),
        theirs.as_secs_f64(),
        rate(ours) / rate(theirs)
    );
}

/// `POOLS` different arrays of `VALUES` values, spread like a layer's weights.
fn value_pools() -> Vec<Vec<f32>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..POOLS)
        .map(|_| {
            (0..VALUES)
                .map(|_| {
                    // xorshift64*, mapped to roughly [-1, 1).
                    state ^= state >> 12;
                    state ^= state << 25;
                    state ^= state >> 27;
                    let x = state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
                    x as f32 / (1u64 << 23) as f32 - 1.0
                })
                .collect()
        })
        .collect()
}
