//! Writer throughput: our `SummaryWriter` against `tensorboard-rs`, same work, same disk.
//!
//! `cargo bench --bench writer`. Each case runs from creating the writer to having every
//! record in the file (our `close`, tensorboard-rs's drop, which joins its writer thread),
//! into a fresh temporary directory. Cases:
//! - 1,000,000 scalars;
//! - 10,000 histograms of 1,000 values: ours bucket the values in the call
//!   (`add_histogram`); tensorboard-rs gets buckets computed beforehand
//!   (`add_histogram_raw`), so our `add_histogram_raw` is timed too, for a like-for-like
//!   figure.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tbtrain::proto::HistogramProto;
use tbtrain::summary::histogram::{bucketize, DEFAULT_BUCKETS};
use tbtrain::SummaryWriter;

const SCALARS: i64 = 1_000_000;
const HISTOGRAMS: i64 = 10_000;
const VALUES: usize = 1_000;
const POOLS: usize = 16;

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
