//! Every allocation that grows with the input is counted before any file or directory
//! is made: a CSV row of millions of columns and a network a million layers deep, each
//! with every log kind on or off, are one line (exit 2 for a too-large network, 1 for a
//! CSV no run can hold) and leave nothing on disk. A long dataset with a small batch
//! costs its rows, not every layer's buffers for every row: it is evaluated in chunks.
//! A CSV is streamed, never read whole: a 200 MB field under a 1 GiB address space is
//! one line too.

mod support;

use std::fs;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Output;

use support::{assert_clean_failure, run, tbtrain, tree};

const LOGS_OFF: &[&str] = &[
    "--log-every",
    "0",
    "--hist-every",
    "0",
    "--image-every",
    "0",
];

/// A CSV of one header-less row: `columns - 1` zero features then a 1 label.
fn wide_csv(path: &Path, columns: usize) {
    let mut f = std::io::BufWriter::new(fs::File::create(path).unwrap());
    for _ in 0..columns - 1 {
        f.write_all(b"0,").unwrap();
    }
    f.write_all(b"1\n").unwrap();
    f.flush().unwrap();
}

#[test]
fn a_row_of_millions_of_columns_is_one_line_and_makes_no_logdir() {
    let dir = tempfile::tempdir().unwrap();
    wide_csv(&dir.path().join("wide.csv"), 3_000_000);
    for extra in [&[][..], LOGS_OFF] {
        let mut args = vec!["--dataset", "csv:wide.csv", "--logdir", "run"];
        args.extend_from_slice(extra);
        let out = run(dir.path(), &args);
        assert_clean_failure(
            "3,000,000 columns",
            &out,
            1,
            &["tbtrain: wide.csv:1: 3000000 columns, more than the 131072 a run can hold"],
        );
        assert_eq!(support::stderr(&out).lines().count(), 1);
        assert_eq!(tree(dir.path()), ["wide.csv"]);
    }
    // Under the column limit, the network is still too large: the size limit says so.
    wide_csv(&dir.path().join("wide.csv"), 130_000);
    let out = run(
        dir.path(),
        &["--dataset", "csv:wide.csv", "--logdir", "run"],
    );
    assert_clean_failure(
        "130,000 columns",
        &out,
        2,
        &["needs about", "more than the limit"],
    );
    assert_eq!(tree(dir.path()), ["wide.csv"]);
}

#[test]
fn very_deep_narrow_networks_are_refused_before_anything_is_made() {
    let dir = tempfile::tempdir().unwrap();
    for depth in ["1000000", "100000"] {
        for extra in [&[][..], LOGS_OFF] {
            let mut args = vec!["--depth", depth, "--width", "1", "--logdir", "run"];
            args.extend_from_slice(extra);
            let out = run(dir.path(), &args);
            assert_clean_failure(
                &format!("--depth {depth} {extra:?}"),
                &out,
                2,
                &[
                    &format!("a network of width 1 and depth {depth}"),
                    "--depth",
                ],
            );
            // Nor without --logdir (the default run directory is not made either).
            let out = run(dir.path(), &args[..4]);
            assert_eq!(out.status.code(), Some(2));
            assert!(tree(dir.path()).is_empty(), "{:?}", tree(dir.path()));
        }
    }
}

/// Address space the long-dataset run may use: its 4,000,000 rows and their CSV's
/// bytes fit easily; evaluating them all at once (the 11-layer net's buffers for every
/// row: about 2.5 GB) would not.
const LONG_DATASET_ADDRESS_SPACE: u64 = 1 << 30;

#[test]
fn a_long_dataset_with_a_small_batch_is_evaluated_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut f = std::io::BufWriter::new(fs::File::create(dir.path().join("long.csv")).unwrap());
        for i in 0..4_000_000u32 {
            f.write_all(if i.is_multiple_of(2) {
                b"0,1,1\n"
            } else {
                b"1,1,0\n"
            })
            .unwrap();
        }
        f.flush().unwrap();
    }
    let mut command = support::tbtrain(dir.path());
    command.args([
        "--dataset",
        "csv:long.csv",
        "--batch",
        "4",
        "--steps",
        "2",
        "--logdir",
        "run",
    ]);
    command.args(LOGS_OFF);
    // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: LONG_DATASET_ADDRESS_SPACE,
                rlim_max: LONG_DATASET_ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("final cost "), "{stdout}");
    assert_eq!(support::event_files(&dir.path().join("run")).len(), 1);
}

/// `tbtrain args` in `dir` with its address space limited to `bytes` (`RLIMIT_AS`, in the
/// child only): an allocation past it fails, and Rust aborts on a failed allocation.
fn run_with_address_space(dir: &Path, args: &[&str], bytes: u64) -> Output {
    let mut command = tbtrain(dir);
    command.args(args);
    // SAFETY: between fork and exec only async-signal-safe libc calls are made.
    unsafe {
        command.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

/// A 200 MB CSV of one field (digits, no line end): reading the file whole and copying it
/// into a record took 1.2 GB and aborted under a 1 GiB address space. Streamed, the field
/// is refused after 1 KiB, in `train`, `sweep` and `compare`.
#[test]
fn a_200_mb_field_under_a_1_gib_address_space_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut f = std::io::BufWriter::new(fs::File::create(dir.path().join("big.csv")).unwrap());
        let block = vec![b'7'; 1 << 20];
        for _ in 0..200 {
            f.write_all(&block).unwrap();
        }
        f.flush().unwrap();
    }
    let line = "tbtrain: big.csv:1: column 1: a field of more than 1024 bytes; \
                no number needs that many";
    for args in [
        &["--dataset", "csv:big.csv", "--logdir", "run"][..],
        &[
            "sweep",
            "--dataset",
            "csv:big.csv",
            "--seeds",
            "1,2",
            "--logdir",
            "sw",
        ],
        &["compare", "--dataset", "csv:big.csv", "--logdir", "cmp"],
    ] {
        let out = run_with_address_space(dir.path(), args, 1 << 30);
        let first = assert_clean_failure(&format!("{args:?}"), &out, 1, &[]);
        assert!(
            first.ends_with(line.trim_start_matches("tbtrain: ")),
            "{first}"
        );
        assert_eq!(support::stderr(&out).lines().count(), 1, "{args:?}");
        assert_eq!(tree(dir.path()), ["big.csv"]);
    }
}

/// Runs `tbtrain args` in `dir` under an address-space limit of `mb` MiB (RLIMIT_AS, as
/// a batch system's memory limit would hold it).
#[cfg(unix)]
fn run_limited(dir: &Path, mb: u64, args: &[&str]) -> std::process::Output {
    use std::os::unix::process::CommandExt as _;
    let mut command = support::tbtrain(dir);
    command.args(args);
    let bytes = (mb << 20) as libc::rlim_t;
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

#[cfg(unix)]
#[test]
fn a_sweep_of_100000_seeds_sets_up_in_linear_memory() {
    let dir = tempfile::tempdir().unwrap();
    // Unsharded: the whole sweep is set up (every run, the experiment, the checks), then
    // refused by the root's lock, held here. A copy of the experiment (every seed) per
    // run needed some 10^11 bytes; 12,000 seeds aborted under 2 GB.
    let root = dir.path().join("sw");
    fs::create_dir(&root).unwrap();
    let held = tbtrain::events::DirLock::exclusive(&root).unwrap();
    let sweep = [
        "sweep",
        "--seeds",
        "1..100000",
        "--steps",
        "1",
        "--logdir",
        "sw",
    ];
    let out = run_limited(dir.path(), 1024, &sweep);
    assert_clean_failure(
        "100,000 seeds",
        &out,
        1,
        &[&format!(
            "tbtrain: sw is in use by another tbtrain (pid {} on ",
            std::process::id()
        )],
    );
    drop(held);
    // A shard of one run of it trains under the same limit; the run's experiment gives the
    // seed the interval of its values, so the file is the size of a 10-seed sweep's.
    let mut sizes = Vec::new();
    for seeds in ["1..100000", "1..10"] {
        let logdir = format!("shard-{seeds}");
        let shard = [
            "sweep", "--seeds", seeds, "--steps", "1", "--jobs", "1", "--shard", "0/100000",
            "--logdir", &logdir, "-q",
        ];
        let out = run_limited(dir.path(), 1024, &shard);
        assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
        let run = dir.path().join(&logdir).join("seed=1");
        let experiment = tbtrain::sweep::disk::read_experiment(&run)
            .unwrap()
            .unwrap();
        let seed = experiment
            .hparam_infos
            .iter()
            .find(|h| h.name == "seed")
            .unwrap();
        let max = if seeds == "1..10" { 10.0 } else { 100_000.0 };
        assert_eq!(
            seed.domain,
            Some(
                tbtrain::proto::hparams::h_param_info::Domain::DomainInterval(
                    tbtrain::proto::hparams::Interval {
                        min_value: 1.0,
                        max_value: max
                    }
                )
            ),
            "{seeds}"
        );
        let files = support::event_files(&run);
        sizes.push(fs::metadata(&files[0]).unwrap().len());
    }
    // (Two more digits in the interval's upper end, and none in the file's name.)
    assert!(sizes[0].abs_diff(sizes[1]) < 16, "{sizes:?}");
}
