//! Sweeps on a real Slurm cluster, through the job scripts users submit
//! (`scripts/slurm/sweep-array.sbatch`, `scripts/slurm/summarize.sbatch`):
//!
//! - the README's job array (4 tasks, one shard each) and the `--summarize-only` job
//!   submitted with `--dependency=afterok:<array>` write the summary an unsharded sweep
//!   writes, byte for byte;
//! - an array of long runs sent `scancel --signal=TERM --full` mid-run exits 143 from
//!   every task it stopped, leaves logs `tbtrain inspect` finds no problem in, and once
//!   requeued (`scontrol requeue`, what a preemption with PreemptMode=REQUEUE does)
//!   resumes to the uninterrupted sweep's summary, the runs that had finished untouched.
//!
//! Slurm must be up (`scripts/slurm/local-cluster.sh` starts a single-node cluster from
//! Debian's packages). When it is not, this runner (libtest-mimic, `harness = false`)
//! reports each test as *ignored* with the reason; `TBTRAIN_REQUIRE_SLURM=1` (as in
//! `.ci/run`) makes that a failure. The tests run one at a time: they share the node.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use tbtrain::sweep::disk::{read_run, RunOnDisk};
use tbtrain::sweep::RecordOutcome;

const BIN: &str = env!("CARGO_BIN_EXE_tbtrain");
/// Turns a missing or stopped Slurm from an ignored test into a failure.
const REQUIRE_ENV: &str = "TBTRAIN_REQUIRE_SLURM";
/// Longest wait for a job (a requeued job waits `cred_expire`, 10 s on the local cluster,
/// 120 s by Slurm's default, before it starts again).
const JOB_TIMEOUT: Duration = Duration::from_secs(300);
/// Job states after which a job does not run again by itself.
const ENDED: [&str; 9] = [
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "BOOT_FAIL",
    "DEADLINE",
];

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // One at a time: both submit jobs to the same two CPUs.
    args.test_threads = Some(1);
    let trials = vec![
        trial(
            "job_array_and_afterok_summary_equal_an_unsharded_sweep",
            job_array_and_afterok_summary_equal_an_unsharded_sweep,
        ),
        trial(
            "scancel_term_mid_run_then_requeue_resumes_to_the_uninterrupted_summary",
            scancel_term_mid_run_then_requeue_resumes_to_the_uninterrupted_summary,
        ),
    ];
    libtest_mimic::run(&args, trials).exit_code()
}

/// A test that needs Slurm: ignored with the reason when Slurm is not up, unless
/// [`REQUIRE_ENV`] is 1.
fn trial(name: &'static str, body: fn(&Path)) -> Trial {
    Trial::ignorable_test(name, move || {
        if let Err(reason) = slurm_up() {
            let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v.trim() == "1");
            return if required {
                Err(Failed::from(format!(
                    "{reason} [{REQUIRE_ENV}=1 makes this a failure]"
                )))
            } else {
                Ok(Completion::ignored_with(reason))
            };
        }
        let dir = tempfile::Builder::new()
            .prefix("slurm-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .map_err(|e| Failed::from(format!("temporary directory: {e}")))?;
        body(dir.path());
        Ok(Completion::Completed)
    })
}

/// Whether a Slurm controller answers and its node takes jobs (checked once).
fn slurm_up() -> Result<(), String> {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    UP.get_or_init(|| {
        let hint = "start one with scripts/slurm/local-cluster.sh";
        let output = Command::new("sinfo")
            .args(["--noheader", "--format=%T"])
            .output()
            .map_err(|e| format!("Slurm is not installed (cannot run sinfo: {e}); {hint}"))?;
        let states = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            let first = err.lines().next().unwrap_or("no message");
            return Err(format!("Slurm does not answer (sinfo: {first}); {hint}"));
        }
        let ready = ["idle", "mixed", "allocated", "completing"];
        if !states
            .lines()
            .any(|s| ready.iter().any(|r| s.starts_with(r)))
        {
            return Err(format!(
                "no Slurm node takes jobs (states: {:?}); {hint}",
                states.trim()
            ));
        }
        Ok(())
    })
    .clone()
}

/// A job script of `scripts/slurm/`.
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/slurm")
        .join(name)
}

/// Runs `program args` in `dir`, which must succeed; returns its stdout.
fn check(dir: &Path, program: &str, args: &[&str]) -> String {
    let output: Output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TBTRAIN", BIN)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Submits with `sbatch --parsable` from `dir` (so outputs land there) with `$TBTRAIN`
/// naming the binary under test; returns the job id.
fn sbatch(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["--parsable"];
    all.extend(args);
    let out = check(dir, "sbatch", &all);
    let id = out.trim().split(';').next().unwrap_or("").to_string();
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        "sbatch printed {out:?}"
    );
    id
}

/// What `scontrol show job` says of job `id`: one record per array task (or one for the
/// job), each field by name.
fn jobs(id: &str) -> Vec<BTreeMap<String, String>> {
    let out = Command::new("scontrol")
        .args(["--oneliner", "show", "job", id])
        .output()
        .expect("scontrol runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            line.split_whitespace()
                .filter_map(|field| field.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Every Slurm output file in `dir` with its text, for failure messages.
fn outputs(dir: &Path) -> String {
    let mut text = String::new();
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    names.sort();
    for path in names {
        if path.extension().is_some_and(|e| e == "out") {
            let body = fs::read_to_string(&path).unwrap_or_default();
            text += &format!("--- {}\n{body}", path.display());
        }
    }
    text
}

/// Waits until every record of job `id` has ended; returns them. Fails early when the
/// job waits on a dependency that can no longer be met.
fn wait_ended(dir: &Path, id: &str) -> Vec<BTreeMap<String, String>> {
    let start = Instant::now();
    loop {
        let records = jobs(id);
        let state = |r: &BTreeMap<String, String>| r.get("JobState").cloned().unwrap_or_default();
        if !records.is_empty() && records.iter().all(|r| ENDED.contains(&state(r).as_str())) {
            return records;
        }
        let stuck = records.iter().any(|r| {
            r.get("Reason")
                .is_some_and(|x| x == "DependencyNeverSatisfied")
        });
        if stuck || start.elapsed() > JOB_TIMEOUT {
            panic!(
                "job {id} has not ended after {:?}: {records:#?}\n{}",
                start.elapsed(),
                outputs(dir)
            );
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// The records of an array job, by task id.
fn tasks(records: &[BTreeMap<String, String>]) -> BTreeMap<u32, &BTreeMap<String, String>> {
    records
        .iter()
        .map(|r| {
            let task = r.get("ArrayTaskId").and_then(|t| t.parse().ok());
            (
                task.unwrap_or_else(|| panic!("not an array task: {r:?}")),
                r,
            )
        })
        .collect()
}

/// `(JobState, ExitCode)` of a record.
fn ending(record: &BTreeMap<String, String>) -> (&str, &str) {
    let get = |k: &str| record.get(k).map_or("?", String::as_str);
    (get("JobState"), get("ExitCode"))
}

/// `summary.md` and `summary.csv` of a sweep directory (in its run `summary`).
fn summary_files(logdir: &Path) -> [String; 2] {
    ["summary.md", "summary.csv"].map(|f| {
        fs::read_to_string(logdir.join("summary").join(f))
            .unwrap_or_else(|e| panic!("{}/{f}: {e}", logdir.display()))
    })
}

/// Trains `flags` unsharded (two at a time) into `<dir>/reference`; its summary files.
fn reference(dir: &Path, flags: &[&str]) -> [String; 2] {
    let mut args = vec!["sweep"];
    args.extend(flags);
    args.extend(["--jobs", "2", "--logdir", "reference", "-q"]);
    check(dir, BIN, &args);
    summary_files(&dir.join("reference"))
}

/// The run directories of a sweep, by name.
fn run_dirs(logdir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(logdir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    // The run directories; the sweep's own run `summary` is left out.
    dirs.retain(|p| p.is_dir() && !p.ends_with("summary"));
    dirs.sort();
    dirs
}

/// Event files directly in `dir`, with their bytes.
fn event_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().contains("tfevents"))
                .map(|p| {
                    let bytes = fs::read(&p).unwrap_or_default();
                    (p, bytes)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `tbtrain inspect --json logdir`: every run and its problems.
fn problems(logdir: &Path) -> BTreeMap<String, serde_json::Value> {
    let json = check(logdir, BIN, &["inspect", "--json", "."]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("inspect prints JSON");
    value["runs"]
        .as_array()
        .expect("a runs array")
        .iter()
        .map(|r| {
            (
                r["run"].as_str().unwrap_or("?").to_string(),
                r["problems"].clone(),
            )
        })
        .collect()
}

/// The README's recipe: a 4-task array, one shard each, then the summary job after it.
fn job_array_and_afterok_summary_equal_an_unsharded_sweep(dir: &Path) {
    let flags = [
        "--act",
        "sigmoid,relu",
        "--depth",
        "2,11",
        "--seeds",
        "1..3",
        "--steps",
        "300",
    ];
    let expected = reference(dir, &flags);
    let logdir = dir.join("lesson");
    let l = logdir.to_str().unwrap();
    // The array's size (4) comes from the script's own #SBATCH --array=0-3.
    let mut args = vec![script("sweep-array.sbatch").to_str().unwrap().to_string()];
    args.extend(flags.iter().map(|f| f.to_string()));
    args.extend(["--logdir".to_string(), l.to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let array = sbatch(dir, &args);
    let after = format!("--dependency=afterok:{array}");
    let summary = sbatch(
        dir,
        &[
            &after,
            script("summarize.sbatch").to_str().unwrap(),
            "--logdir",
            l,
        ],
    );
    let summary_job = wait_ended(dir, &summary);
    let array_tasks = wait_ended(dir, &array);
    let by_task = tasks(&array_tasks);
    assert_eq!(
        by_task.keys().copied().collect::<Vec<_>>(),
        [0, 1, 2, 3],
        "{array_tasks:#?}"
    );
    for (task, record) in &by_task {
        assert_eq!(
            ending(record),
            ("COMPLETED", "0:0"),
            "task {task}\n{}",
            outputs(dir)
        );
        let out = fs::read_to_string(dir.join(format!("slurm-tbtrain-sweep-{array}_{task}.out")))
            .unwrap();
        assert!(
            out.contains(&format!(
                "shard {task}/4: 3 runs of the sweep\nresumed: 0 of 3 runs had finished and were kept\n"
            )),
            "task {task}:\n{out}"
        );
        // The summary job started once this task had ended.
        assert!(
            summary_job[0]["StartTime"] >= record["EndTime"],
            "{summary_job:#?}\n{record:#?}"
        );
    }
    assert_eq!(
        ending(&summary_job[0]),
        ("COMPLETED", "0:0"),
        "{}",
        outputs(dir)
    );
    assert_eq!(run_dirs(&logdir).len(), 12);
    let got = summary_files(&logdir);
    assert!(
        got == expected,
        "summary differs:\n{}\nexpected:\n{}",
        got[0],
        expected[0]
    );
    let printed =
        fs::read_to_string(dir.join(format!("slurm-tbtrain-summary-{summary}.out"))).unwrap();
    assert!(printed.starts_with(expected[0].trim_end()), "{printed}");
}

/// An array of long runs, stopped by `scancel --signal=TERM --full` once some run has
/// finished and another is training, then requeued.
fn scancel_term_mid_run_then_requeue_resumes_to_the_uninterrupted_summary(dir: &Path) {
    let flags = [
        "--act",
        "relu",
        "--depth",
        "3",
        "--seeds",
        "1..4",
        "--steps",
        "1500000",
        "--log-every",
        "1000",
        "--hist-every",
        "0",
        "--image-every",
        "0",
        "--flush-secs",
        "0.2",
    ];
    let expected = reference(dir, &flags);
    let logdir = dir.join("long");
    let l = logdir.to_str().unwrap();
    let mut args = vec![
        "--array=0-1".to_string(),
        script("sweep-array.sbatch").to_str().unwrap().to_string(),
    ];
    args.extend(flags.iter().map(|f| f.to_string()));
    args.extend(["--logdir".to_string(), l.to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let array = sbatch(dir, &args);

    // Each task trains its two runs one at a time: wait for a finished run and a
    // training one, then stop every task.
    let start = Instant::now();
    loop {
        let states: Vec<(bool, bool)> = run_dirs(&logdir)
            .iter()
            .map(|d| {
                let finished = matches!(read_run(d), Ok(RunOnDisk::Run(r)) if r.outcome == RecordOutcome::Completed);
                let training = !finished && event_files(d).values().any(|b| b.len() >= 20_000);
                (finished, training)
            })
            .collect();
        if states.iter().any(|s| s.0) && states.iter().any(|s| s.1) {
            break;
        }
        assert!(
            start.elapsed() < JOB_TIMEOUT,
            "no run finished with another training: {states:?}\n{:#?}\n{}",
            jobs(&array),
            outputs(dir)
        );
        thread::sleep(Duration::from_millis(10));
    }
    check(dir, "scancel", &["--signal=TERM", "--full", &array]);
    let stopped = wait_ended(dir, &array);
    let by_task = tasks(&stopped);
    let mut terminated = 0;
    for (task, record) in &by_task {
        let out = fs::read_to_string(dir.join(format!("slurm-tbtrain-sweep-{array}_{task}.out")))
            .unwrap();
        match ending(record) {
            ("FAILED", "143:0") => {
                terminated += 1;
                assert!(
                    out.contains("tbtrain: interrupted by SIGTERM; "),
                    "task {task}:\n{out}"
                );
            }
            // A task that was still waiting for a CPU was not signalled.
            ("COMPLETED", "0:0") => {}
            other => panic!("task {task} ended {other:?}\n{out}"),
        }
    }
    assert!(terminated > 0, "{stopped:#?}");

    // Every log reads back clean; each run completed or was interrupted cleanly.
    let found = problems(&logdir);
    assert!(!found.is_empty());
    for (run, problems) in &found {
        assert_eq!(problems, &serde_json::json!([]), "{run}");
    }
    let mut finished = BTreeMap::new();
    let mut interrupted = BTreeSet::new();
    for d in run_dirs(&logdir) {
        let Ok(RunOnDisk::Run(record)) = read_run(&d) else {
            panic!("{}: no sweep run", d.display());
        };
        match record.outcome {
            RecordOutcome::Completed => {
                finished.insert(d.clone(), event_files(&d));
            }
            RecordOutcome::Interrupted { .. } => {
                interrupted.insert(d.clone());
            }
            other => panic!("{}: {other:?}", d.display()),
        }
    }
    assert!(!finished.is_empty() && !interrupted.is_empty());

    // Requeued, the same tasks resume with the same command; the summary job waits for
    // them. (On the tasks: Slurm keeps an array's highest exit code, 143 here, so
    // `afterok:<array>` can no longer be met after a requeue.)
    check(dir, "scontrol", &["requeue", &array]);
    let ids: Vec<String> = by_task.keys().map(|t| format!("{array}_{t}")).collect();
    let after = format!("--dependency=afterok:{}", ids.join(":"));
    let summary = sbatch(
        dir,
        &[
            &after,
            script("summarize.sbatch").to_str().unwrap(),
            "--logdir",
            l,
        ],
    );
    let summary_job = wait_ended(dir, &summary);
    assert_eq!(
        ending(&summary_job[0]),
        ("COMPLETED", "0:0"),
        "{}",
        outputs(dir)
    );
    for (task, record) in tasks(&wait_ended(dir, &array)) {
        assert_eq!(ending(record), ("COMPLETED", "0:0"), "task {task}");
        let out = fs::read_to_string(dir.join(format!("slurm-tbtrain-sweep-{array}_{task}.out")))
            .unwrap();
        assert!(
            out.contains("runs had finished and were kept\n"),
            "task {task}:\n{out}"
        );
    }
    let got = summary_files(&logdir);
    assert!(
        got == expected,
        "summary differs:\n{}\nexpected:\n{}",
        got[0],
        expected[0]
    );
    for (d, files) in &finished {
        assert!(&event_files(d) == files, "{} was touched", d.display());
    }
    for d in run_dirs(&logdir) {
        let files = event_files(&d);
        assert_eq!(files.len(), 1, "{}", d.display());
        let Ok(RunOnDisk::Run(record)) = read_run(&d) else {
            panic!("{}", d.display());
        };
        assert_eq!(record.outcome, RecordOutcome::Completed, "{}", d.display());
    }
    for (run, problems) in problems(&logdir) {
        assert_eq!(problems, serde_json::json!([]), "{run}");
    }
}
