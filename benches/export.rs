//! `tbtrain export` against tbparse: rows per second on the same logs, rows compared.
//!
//! `cargo bench --bench export`. Writes a log directory of 6 runs of 1,000,000 scalars
//! each (4 tags of 250,000 steps: 3 runs by this library's `SummaryWriter`, 3 by
//! tensorboard-rs), then times `tbtrain export <logs> --out <file>` (the release binary)
//! three times, printing each run's seconds, rows per second and peak resident memory
//! (`VmHWM`).
//! With `TBPARSE_PYTHON` set to a Python that can import tbparse (a venv of its own:
//! `python3 -m venv v && v/bin/pip install tbparse tensorboard`), it then runs
//! `scripts/export-vs-tbparse.py`, which times tbparse reading the same logs, checks
//! that its rows equal the export's (run, tag, step, wall time and float32 value), and
//! prints both speeds and the ratio.
//!
//! `TBTRAIN_EXPORT_POINTS` sets the points per run (default 1,000,000; 10,000,000 for
//! the 60M measurement); `TBTRAIN_EXPORT_LOGS` keeps the logs in that directory (made
//! once, reused when it exists).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use tbtrain::SummaryWriter;

const TAGS: [&str; 4] = ["loss", "accuracy", "layer2/grad_norm", "layer10/grad_norm"];

fn value(run: usize, tag: usize, step: i64) -> f32 {
    // Values with full float32 mantissas, not round numbers.
    ((step as f32 + 1.0).ln() * 0.37 + tag as f32).sin() / (run as f32 + 1.3)
}

fn write_logs(dir: &Path, points: i64) {
    let steps = points / TAGS.len() as i64;
    for run in 0..3 {
        let mut w = SummaryWriter::new(dir.join(format!("ours-{run}"))).unwrap();
        for step in 0..steps {
            for (t, tag) in TAGS.iter().enumerate() {
                w.add_scalar(tag, value(run, t, step), step).unwrap();
            }
        }
        w.close().unwrap();
    }
    for run in 0..3 {
        let path = dir.join(format!("tensorboard-rs-{run}"));
        std::fs::create_dir_all(&path).unwrap();
        let mut w = tensorboard_rs::summary_writer::SummaryWriter::new(&path);
        for step in 0..steps {
            for (t, tag) in TAGS.iter().enumerate() {
                w.add_scalar(tag, value(run + 3, t, step), step as usize);
            }
        }
        w.flush();
        drop(w);
    }
}

/// Runs `command` to its end and returns its peak resident memory in MiB: the
/// high-water mark `VmHWM` of its own address space, read from `/proc` while it runs
/// (not `getrusage`: a child started with `vfork` is charged the parent's memory too).
fn run_measuring_peak(command: &mut Command) -> (std::process::ExitStatus, f64) {
    let mut child = command.spawn().unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak_kib as f64 / 1024.0);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn main() {
    let points: i64 = std::env::var("TBTRAIN_EXPORT_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().unwrap();
    let logs: PathBuf = match std::env::var_os("TBTRAIN_EXPORT_LOGS") {
        Some(dir) => PathBuf::from(dir),
        None => tmp.path().join("logs"),
    };
    if !logs.exists() {
        let start = Instant::now();
        write_logs(&logs, points);
        println!(
            "wrote 6 runs of {points} scalars in {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
    let out = tmp.path().join("export.csv");
    let rows = 6 * (points / TAGS.len() as i64) * TAGS.len() as i64;
    println!("tbtrain export {} --out {}", logs.display(), out.display());
    let mut best = f64::INFINITY;
    for i in 1..=3 {
        let start = Instant::now();
        let (status, peak) = run_measuring_peak(
            Command::new(env!("CARGO_BIN_EXE_tbtrain"))
                .arg("export")
                .arg(&logs)
                .arg("--out")
                .arg(&out),
        );
        let secs = start.elapsed().as_secs_f64();
        assert!(status.success(), "{status}");
        best = best.min(secs);
        println!(
            "  run {i}: {secs:.2} s, {:.0} rows/s, peak resident memory {peak:.1} MiB",
            rows as f64 / secs,
        );
    }
    let lines = std::fs::read_to_string(&out)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    assert_eq!(lines as i64, rows + 1, "rows written");
    let Some(python) = std::env::var_os("TBPARSE_PYTHON") else {
        println!("tbparse: not compared (set TBPARSE_PYTHON to a Python with tbparse)");
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/export-vs-tbparse.py");
    let status = Command::new(python)
        .arg(script)
        .arg(&logs)
        .arg(&out)
        .arg(format!("{best}"))
        .status()
        .unwrap();
    assert!(status.success(), "export-vs-tbparse.py: {status}");
}
