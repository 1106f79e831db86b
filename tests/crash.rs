//! Crash safety: `tbtrain` killed with SIGKILL at 22 random (seeded) moments of a long
//! run loses nothing that reached the disk.
//!
//! Each run trains 2,000,000 steps with `--flush-secs 0.2` (three logging set-ups: the
//! defaults, with histograms and images; scalars only; and a 4-layer net with histograms
//! every 10 steps and images every 200) and is killed after a random 0.1 to 1.5 s. Then
//! every file must read to its last byte with at most one problem, a truncated last
//! record (a write cut short), never a checksum or decoding error; every scalar tag's
//! steps must run 0, 1, 2, ... without a gap; and the runs killed after 0.4 s or later
//! must hold data past step 0 (a flush happened).
//!
//! The first three runs (the same set-ups on the small generated datasets, whose steps
//! are slower, so that the files stay small) are then loaded by the real TensorBoard with both loaders, which
//! must serve their `cost` scalars up to the last step our reader found and log no
//! checksum or read error (the Python loader's debug note that a file ends in a partial
//! record, which it retries later, is the one line allowed).
mod common;
mod support;

use std::fs;
#[cfg(unix)]
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use common::harness::Need;
use support::{event_files, read_file, tbtrain};

fn main() {
    let conclusion = common::harness::run(vec![
        trial!(sigkill_at_random_moments_loses_nothing_flushed),
        trial!(
            tensorboard_reads_the_killed_runs_with_both_loaders,
            Need::TensorBoard
        ),
        trial!(partial_record_note_is_told_apart_from_a_checksum_error),
    ]);
    if let Some(kills) = KILLS_MADE.get() {
        let _ = fs::remove_dir_all(&kills.root);
    }
    conclusion.exit()
}

const KILLS: usize = 22;
const SEED: u64 = 20_251_129;
/// Kills whose runs TensorBoard loads afterwards (the first ones).
const FOR_TENSORBOARD: usize = 3;
/// Kills made at or after this delay must find training data on disk.
const SURE_FLUSHED_MS: u64 = 400;

/// The logging set-ups of the stress kills: the defaults (histograms every 100 steps,
/// images every 1000), scalars only, and a 4-layer net logging everything often.
const SETUPS: [&[&str]; 3] = [
    &[],
    &["--hist-every", "0", "--image-every", "0"],
    &["--depth", "4", "--hist-every", "10", "--image-every", "200"],
];
/// The same three on the generated 2-D datasets (hundreds of rows, so a step takes ~100
/// times longer): files of a few thousand events, which the Python loader reads in
/// seconds rather than minutes.
const TENSORBOARD_SETUPS: [&[&str]; FOR_TENSORBOARD] = [
    &["--dataset", "moons"],
    &[
        "--dataset",
        "circles",
        "--hist-every",
        "0",
        "--image-every",
        "0",
    ],
    &[
        "--dataset",
        "spirals",
        "--depth",
        "4",
        "--hist-every",
        "10",
        "--image-every",
        "50",
    ],
];

/// One kill: which set-up, after how long.
#[derive(Debug, Clone, Copy)]
struct Kill {
    index: usize,
    setup: &'static [&'static str],
    delay_ms: u64,
}

fn plan() -> Vec<Kill> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..KILLS)
        .map(|index| Kill {
            index,
            setup: match TENSORBOARD_SETUPS.get(index) {
                Some(setup) => setup,
                None => SETUPS[index % SETUPS.len()],
            },
            delay_ms: rng.random_range(100..1500),
        })
        .collect()
}

/// What one killed run left, as far as the checks need it.
#[derive(Debug)]
struct Killed {
    kill: Kill,
    run: String,
    /// Steps of `cost` found (they are `0..cost_steps`).
    cost_steps: usize,
    truncated: bool,
}

fn run_name(index: usize) -> String {
    format!("k{index:02}")
}

/// Starts the run, kills it after the planned delay, and checks what it left.
fn kill_and_check(root: &Path, kill: Kill) -> Killed {
    let run = run_name(kill.index);
    let mut child = tbtrain(root)
        .args([
            "--steps",
            "2000000",
            "--log-every",
            "1",
            "--flush-secs",
            "0.2",
            "--logdir",
            &run,
            "-q",
        ])
        .args(kill.setup)
        .spawn()
        .unwrap();
    let started = Instant::now();
    thread::sleep(Duration::from_millis(kill.delay_ms));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    let elapsed = started.elapsed();
    // (Elsewhere `kill` is TerminateProcess, as abrupt, with no signal to check.)
    #[cfg(unix)]
    assert_eq!(
        status.signal(),
        Some(libc::SIGKILL),
        "{kill:?}: the run ended before it was killed ({status})"
    );
    check_run(&root.join(&run), kill, elapsed)
}

fn check_run(dir: &Path, kill: Kill, elapsed: Duration) -> Killed {
    let files = event_files(dir);
    assert_eq!(files.len(), 1, "{kill:?}: {files:?}");
    let file = &files[0];
    let len = fs::metadata(file).unwrap().len();
    let contents = read_file(file);
    let what = format!("{kill:?} (killed after {elapsed:?}), {}", file.display());

    assert!(
        contents.problems.len() <= 1 && contents.problems.iter().all(|(trunc, _)| *trunc),
        "{what}: problems other than one truncated last record: {:?}",
        contents.problems
    );
    assert_eq!(
        contents.consumed, len,
        "{what}: the reader stopped before the end of the file"
    );
    assert!(
        contents.events >= 1,
        "{what}: not even the file_version event"
    );

    let cost = contents.steps("cost");
    for (tag, steps) in &contents.scalars {
        assert!(
            steps.iter().enumerate().all(|(i, &s)| s == i as i64),
            "{what}: {tag} steps are not 0, 1, 2, ...: they start {:?}",
            &steps[..steps.len().min(10)]
        );
        // Tags are written in order within a step, so a cut leaves them at most one apart.
        assert!(
            steps.len() + 1 >= cost.len() && steps.len() <= cost.len(),
            "{what}: {tag} has {} steps, cost {}",
            steps.len(),
            cost.len()
        );
    }
    if kill.delay_ms >= SURE_FLUSHED_MS {
        assert!(
            cost.len() > 1,
            "{what}: no training step on disk after {} ms with --flush-secs 0.2",
            kill.delay_ms
        );
    }

    let killed = Killed {
        kill,
        run: dir.file_name().unwrap().to_string_lossy().into_owned(),
        cost_steps: cost.len(),
        truncated: !contents.problems.is_empty(),
    };
    // What TensorBoard will not load is removed at once: the kills write ~0.4 GB in all.
    if kill.index >= FOR_TENSORBOARD {
        fs::remove_dir_all(dir).unwrap();
    }
    killed
}

/// The kills, made once per test process for both tests: the root holding the runs kept
/// for TensorBoard (removed by `main` after the tests) and what every kill left.
struct Kills {
    root: PathBuf,
    results: Vec<Killed>,
}

static KILLS_MADE: OnceLock<Kills> = OnceLock::new();

fn kills() -> &'static Kills {
    KILLS_MADE.get_or_init(|| {
        let root = tempfile::Builder::new()
            .prefix("tbtrain-crash-")
            .tempdir()
            .unwrap();
        let kills = plan();
        let start = Instant::now();
        // Two at a time: the kills are what takes time, not the CPU.
        let mut results: Vec<Killed> = thread::scope(|s| {
            let workers: Vec<_> = (0..2)
                .map(|w| {
                    let kills = &kills;
                    let root = root.path();
                    s.spawn(move || {
                        kills
                            .iter()
                            .filter(|k| k.index % 2 == w)
                            .map(|&k| kill_and_check(root, k))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        results.sort_by_key(|k| k.kill.index);
        eprintln!(
            "kills and reads took {:?}; runs for TensorBoard: {:?}",
            start.elapsed(),
            results
                .iter()
                .take(FOR_TENSORBOARD)
                .map(|k| (&k.run, k.cost_steps, k.truncated))
                .collect::<Vec<_>>()
        );
        Kills {
            root: root.keep(),
            results,
        }
    })
}

fn sigkill_at_random_moments_loses_nothing_flushed() {
    let Kills { root, results } = kills();
    assert_eq!(results.len(), KILLS);
    let truncated = results.iter().filter(|k| k.truncated).count();
    eprintln!(
        "{KILLS} kills, {truncated} left a truncated last record; cost steps on disk: {:?}",
        results.iter().map(|k| k.cost_steps).collect::<Vec<_>>()
    );
    assert!(
        truncated >= 1,
        "no kill cut a record: the test did not test truncation"
    );
    // `tbtrain inspect` agrees: every kept run and its test set's sub-run (the generated
    // datasets have one), at most one problem each, a truncation.
    let reports = tbtrain::inspect::scan(root).unwrap();
    assert_eq!(reports.len(), 2 * FOR_TENSORBOARD);
    for report in &reports {
        assert!(
            report.problems.len() <= 1
                && report
                    .problems
                    .iter()
                    .all(|p| p.contains(": truncated record at byte ")),
            "{}: {:?}",
            report.run,
            report.problems
        );
    }
}

fn tensorboard_reads_the_killed_runs_with_both_loaders() {
    let Kills { root, results } = kills();
    let kept: Vec<&Killed> = results.iter().take(FOR_TENSORBOARD).collect();
    let tb_start = Instant::now();
    thread::scope(|s| {
        for load_fast in [true, false] {
            let kept = &kept;
            s.spawn(move || check_tensorboard(root, kept, load_fast));
        }
    });
    eprintln!("TensorBoard checks took {:?}", tb_start.elapsed());
}

/// Is this server-log line the Python loader's note that a file ends in a partial record
/// (`Truncated record in F (F has truncated record in data)`)? Checksum failures read
/// `... failed event crc32 check` instead.
fn is_partial_record_note(line: &str) -> bool {
    line.contains("has truncated record in ") && !line.contains("failed")
}

fn check_tensorboard(logdir: &Path, kept: &[&Killed], load_fast: bool) {
    let mut tb = common::TensorBoard::start(logdir, load_fast);
    let names: Vec<&str> = kept.iter().map(|k| k.run.as_str()).collect();
    tb.wait_for_runs(&names, Duration::from_secs(60));
    for killed in kept {
        if killed.cost_steps == 0 {
            continue;
        }
        let last = killed.cost_steps as i64 - 1;
        let path = format!(
            "/data/plugin/scalars/scalars?{}",
            common::query(&[("run", &killed.run), ("tag", "cost")])
        );
        let points = tb.wait_for_json(&path, Duration::from_secs(60), |v| {
            v.as_array()
                .and_then(|a| a.last())
                .and_then(|p| p.get(1))
                .and_then(|s| s.as_i64())
                == Some(last)
        });
        let steps: Vec<i64> = points
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_i64().unwrap())
            .collect();
        // Both loaders keep a reservoir of 1000 points per series, always the last one.
        assert_eq!(
            steps.len(),
            killed.cost_steps.min(1000),
            "{}: {}",
            tb.label(),
            killed.run
        );
        assert!(
            steps.windows(2).all(|w| w[0] < w[1]) && steps[0] >= 0,
            "{}: {} steps out of order",
            tb.label(),
            killed.run
        );
    }
    let problems: Vec<String> = tb
        .server_log_problems()
        .into_iter()
        .filter(|line| !is_partial_record_note(line))
        .collect();
    assert!(
        problems.is_empty(),
        "{}: the server logged read problems:\n{}",
        tb.label(),
        problems.join("\n")
    );
}

fn partial_record_note_is_told_apart_from_a_checksum_error() {
    assert!(is_partial_record_note(
        "I1129 18:28:15.183048 1403 event_file_loader.py:186] Truncated record in /x/e \
         (/x/e has truncated record in data crc)"
    ));
    assert!(!is_partial_record_note(
        "I1129 18:28:15.183048 1403 event_file_loader.py:186] Truncated record in /x/e \
         (/x/e failed event crc32 check)"
    ));
    assert!(!is_partial_record_note(
        "[2026-11-29T18:28:23Z WARN  rustboard_core::run] Read error in /x: \
         InvalidRecord(ChecksumError { got: MaskedCrc(0x5), want: MaskedCrc(0x9) })"
    ));
}
