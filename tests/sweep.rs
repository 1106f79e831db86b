//! `tbtrain sweep` and `tbtrain compare`, run as the binary: the runs a sweep makes, its
//! summary checked against the runs' own event files read back with the library's
//! reader, sharding, `--summarize-only`, a diverging configuration, the median test
//! accuracy of a sweep with a test set, the real
//! TensorBoard's HParams view of a sweep, and the usage errors.
//!
//! One 2 activations x 2 depths x 3 seeds sweep (300 steps per run) is made once per
//! test process and shared by the tests that only read it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::thread;

use serde_json::{json, Value};

use common::harness::Need;
use common::{TensorBoard, DEFAULT_TIMEOUT};

const BIN: &str = env!("CARGO_BIN_EXE_tbtrain");

fn main() {
    common::harness::main(vec![
        trial!(sweep_makes_one_directory_per_run_and_a_summary_that_matches_them),
        trial!(shards_split_the_sweep_and_summarize_only_rebuilds_the_printed_summary),
        trial!(a_diverging_configuration_is_counted_and_the_sweep_goes_on),
        trial!(a_test_set_adds_the_median_test_accuracy_also_from_disk),
        trial!(usage_errors_name_the_flag),
        trial!(a_used_logdir_is_refused_unless_overwrite),
        trial!(compare_trains_side_by_side_and_refuses_a_used_logdir),
        trial!(
            tensorboard_lists_every_session_and_the_swept_domains,
            Need::TensorBoard
        ),
        trial!(
            tensorboard_shows_a_comparison_as_one_experiment,
            Need::TensorBoard
        ),
        trial!(
            tensorboard_filters_ten_seeds_by_their_interval,
            Need::TensorBoard
        ),
    ]);
}

/// The flags of the shared sweep (without `--logdir`).
const SWEEP: [&str; 10] = [
    "sweep",
    "--act",
    "sigmoid,relu",
    "--depth",
    "2,11",
    "--seeds",
    "1..3",
    "--steps",
    "300",
    "--jobs=2",
];

fn tbtrain(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `tbtrain args`, which must exit 0; returns its stdout.
fn ok(args: &[&str]) -> String {
    let out = tbtrain(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "tbtrain {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// The summary block of a sweep's output: everything before the `summary:` or
/// `when every shard is done:` line.
fn summary_block(out: &str) -> String {
    let end = out
        .find("\n\nsummary: ")
        .or_else(|| out.find("\n\nwhen every shard is done"))
        .unwrap_or_else(|| panic!("no summary block in:\n{out}"));
    out[..end].to_string()
}

/// Names of the subdirectories of `dir`.
/// The run directories of a sweep (its summary run left out).
fn run_dirs(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir() && e.file_name() != "summary")
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The shared sweep: its log directory and what it printed.
struct Fixture {
    logdir: PathBuf,
    stdout: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweep-test");
        let _ = fs::remove_dir_all(&root);
        let logdir = root.join("full");
        let mut args = SWEEP.to_vec();
        let dir = logdir.to_str().unwrap().to_string();
        args.extend(["--logdir", &dir]);
        let stdout = ok(&args);
        Fixture { logdir, stdout }
    })
}

/// The 12 run names, in enumeration order (act, then depth, then seed).
fn expected_names() -> Vec<String> {
    let mut names = Vec::new();
    for act in ["sigmoid", "relu"] {
        for depth in [2, 11] {
            for seed in 1..=3 {
                names.push(format!("act={act},depth={depth},seed={seed}"));
            }
        }
    }
    names
}

/// The result a run recorded at its end, read back with the library's reader.
fn result_of(run: &Path) -> tbtrain::sweep::RunRecord {
    match tbtrain::sweep::disk::read_run(run).unwrap() {
        tbtrain::sweep::disk::RunOnDisk::Run(record) => record,
        other => panic!("{}: not a finished run: {other:?}", run.display()),
    }
}

fn sweep_makes_one_directory_per_run_and_a_summary_that_matches_them() {
    let fx = fixture();
    let names = expected_names();
    let mut dirs = run_dirs(&fx.logdir);
    assert_eq!(
        dirs,
        names.iter().cloned().collect::<BTreeSet<_>>(),
        "{}",
        fx.stdout
    );
    dirs.clear();

    let csv = fs::read_to_string(fx.logdir.join("summary/summary.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "act",
            "depth",
            "runs",
            "successes",
            "success_rate",
            "median_final_cost",
            "median_first_step_below_0_1",
            "failures",
            "failed_runs"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let configs: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    assert_eq!(
        configs,
        [
            ("relu".into(), "2".into()),
            ("relu".into(), "11".into()),
            ("sigmoid".into(), "2".into()),
            ("sigmoid".into(), "11".into())
        ],
        "{csv}"
    );
    let mut total_successes = 0;
    for row in &rows {
        let (act, depth) = (&row[0], &row[1]);
        let runs: Vec<PathBuf> = (1..=3)
            .map(|seed| {
                fx.logdir
                    .join(format!("act={act},depth={depth},seed={seed}"))
            })
            .collect();
        let successes = runs.iter().filter(|r| result_of(r).accuracy == 1.0).count();
        total_successes += successes;
        assert_eq!(&row[2], "3", "{csv}");
        assert_eq!(
            row[3].parse::<usize>().unwrap(),
            successes,
            "{act} {depth}: {csv}"
        );
        assert_eq!(
            &row[4],
            format!("{:.4}", successes as f64 / 3.0),
            "{act} {depth}: {csv}"
        );
        let mut costs: Vec<f32> = runs.iter().map(|r| result_of(r).final_cost).collect();
        costs.sort_by(f32::total_cmp);
        assert_eq!(
            row[5].parse::<f32>().unwrap(),
            costs[1],
            "{act} {depth}: {csv}"
        );
        assert_eq!((&row[7], &row[8]), ("0", ""), "{csv}");
    }
    // The lesson shows already at 300 steps: some relu runs learn XOR, no deep sigmoid does.
    assert!(total_successes > 0, "{csv}");
    assert_eq!(&rows[3][3], "0", "{csv}");

    let md = fs::read_to_string(fx.logdir.join("summary/summary.md")).unwrap();
    assert_eq!(md.trim_end(), summary_block(&fx.stdout));
    assert!(
        md.starts_with("12 runs in 4 configurations, 0 failed\n\n| act     | depth | runs |"),
        "{md}"
    );
}

fn shards_split_the_sweep_and_summarize_only_rebuilds_the_printed_summary() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path().join("sharded");
    let l = logdir.to_str().unwrap();
    let mut shard0 = SWEEP.to_vec();
    shard0.extend(["--logdir", l, "--shard", "0/2"]);
    let out0 = ok(&shard0);
    assert!(
        out0.starts_with("shard 0/2: 6 runs of the sweep\n\n"),
        "{out0}"
    );
    assert!(
        out0.contains(&format!(
            "when every shard is done: tbtrain sweep --summarize-only --logdir {l}"
        )),
        "{out0}"
    );
    let first = run_dirs(&logdir);
    // A shard writes only its runs: no root run, no summary files.
    assert_eq!(
        fs::read_dir(&logdir).unwrap().count(),
        6,
        "{:?}",
        fs::read_dir(&logdir).unwrap().collect::<Vec<_>>()
    );
    let mut shard1 = SWEEP.to_vec();
    shard1.extend(["--logdir", l, "--shard", "1/2"]);
    ok(&shard1);
    let all = run_dirs(&logdir);
    let second: BTreeSet<String> = all.difference(&first).cloned().collect();

    let names = expected_names();
    let even: BTreeSet<String> = names.iter().step_by(2).cloned().collect();
    let odd: BTreeSet<String> = names.iter().skip(1).step_by(2).cloned().collect();
    assert_eq!(first, even);
    assert_eq!(second, odd);
    assert!(first.is_disjoint(&second));
    assert_eq!(all, run_dirs(&fx.logdir));

    let rebuilt = ok(&["sweep", "--summarize-only", "--logdir", l]);
    assert_eq!(summary_block(&rebuilt), summary_block(&fx.stdout));
    for file in ["summary/summary.md", "summary/summary.csv"] {
        assert_eq!(
            fs::read_to_string(logdir.join(file)).unwrap(),
            fs::read_to_string(fx.logdir.join(file)).unwrap(),
            "{file}"
        );
    }
    // The summary run holds the summary text, and nothing is at the root.
    let summary_run = |dir: &Path| {
        tbtrain::inspect::scan(dir)
            .unwrap()
            .into_iter()
            .find(|r| r.run == "summary")
            .expect("a summary run")
    };
    let runs = tbtrain::inspect::scan(&logdir).unwrap();
    assert!(runs.iter().all(|r| r.run != "."), "nothing at the root");
    let tags: Vec<String> = summary_run(&logdir)
        .tags
        .iter()
        .map(|t| t.tag.clone())
        .collect();
    assert_eq!(tags, ["summary"]);
    // Rebuilding again replaces the summary's event file instead of adding one.
    ok(&["sweep", "--summarize-only", "--logdir", l, "--quiet"]);
    assert_eq!(summary_run(&logdir).files, 1);

    // And on the unsharded sweep's own directory, the same again.
    let again = ok(&[
        "sweep",
        "--summarize-only",
        "--logdir",
        fx.logdir.to_str().unwrap(),
    ]);
    assert_eq!(summary_block(&again), summary_block(&fx.stdout));
}

fn a_diverging_configuration_is_counted_and_the_sweep_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let l = dir.path().to_str().unwrap();
    let out = tbtrain(&[
        "sweep", "--act", "relu", "--lr", "0.1,1e6", "--seeds", "1..2", "--steps", "100",
        "--logdir", l,
    ]);
    let printed = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}\n{}", stderr(&out));
    let names = run_dirs(dir.path());
    assert_eq!(
        names,
        [
            "lr=0.1,seed=1",
            "lr=0.1,seed=2",
            "lr=1000000,seed=1",
            "lr=1000000,seed=2"
        ]
        .map(String::from)
        .into()
    );
    // Which runs diverged, from their own files.
    let diverged: BTreeMap<String, i64> = names
        .iter()
        .filter_map(|n| match result_of(&dir.path().join(n)).outcome {
            tbtrain::sweep::RecordOutcome::Diverged { step } => Some((n.clone(), step as i64)),
            _ => None,
        })
        .collect();
    assert!(diverged.contains_key("lr=1000000,seed=1"), "{diverged:?}");
    assert!(
        diverged.keys().all(|n| n.starts_with("lr=1000000,")),
        "{diverged:?}"
    );
    let block = summary_block(&printed);
    assert!(
        block.starts_with(&format!(
            "4 runs in 2 configurations, {} failed",
            diverged.len()
        )),
        "{block}"
    );
    let listed: String = diverged
        .iter()
        .map(|(n, step)| format!("- `{n}`: diverged at step {step}\n"))
        .collect();
    assert!(
        block.ends_with(&format!("Failed runs:\n{}", listed.trim_end())),
        "{block}"
    );
    let csv = fs::read_to_string(dir.path().join("summary/summary.csv")).unwrap();
    let row = csv.lines().find(|l| l.starts_with("1000000,")).unwrap();
    assert!(
        row.starts_with("1000000,2,0,0.0000,") && row.contains(&format!(",{},\"", diverged.len())),
        "{csv}"
    );
    // The same from disk: the diverged marker and the failed session end.
    let rebuilt = ok(&["sweep", "--summarize-only", "--logdir", l]);
    assert_eq!(summary_block(&rebuilt), block);
}

fn a_test_set_adds_the_median_test_accuracy_also_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let l = dir.path().to_str().unwrap();
    let printed = ok(&[
        "sweep",
        "--dataset",
        "xor,circles",
        "--seeds",
        "1..2",
        "--steps",
        "50",
        "--jobs=2",
        "--logdir",
        l,
    ]);
    let block = summary_block(&printed);
    let lines: Vec<&str> = block.lines().collect();
    assert_eq!(lines[0], "4 runs in 2 configurations, 0 failed", "{block}");
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    assert_eq!(
        cells(lines[2]),
        [
            "dataset",
            "runs",
            "success",
            "median final cost",
            "median first step cost < 0.1",
            "median test accuracy",
            "failures"
        ],
        "{block}"
    );
    // Circles has a test set: the lower median of its seeds' test accuracies, as the
    // runs recorded them. XOR has none.
    let mut accs: Vec<f32> = (1..=2)
        .map(|seed| {
            let run = dir.path().join(format!("dataset=circles,seed={seed}"));
            result_of(&run)
                .test_accuracy
                .unwrap_or_else(|| panic!("{}: no test accuracy", run.display()))
        })
        .collect();
    accs.sort_by(f32::total_cmp);
    let circles = cells(lines[4]);
    assert_eq!(
        (circles[0].as_str(), circles[5].clone()),
        ("circles", format!("{:.4}", accs[0])),
        "{block}"
    );
    let xor = cells(lines[5]);
    assert_eq!((xor[0].as_str(), xor[5].as_str()), ("xor", "-"), "{block}");
    assert_eq!(lines.len(), 6, "{block}");

    let csv = fs::read_to_string(dir.path().join("summary/summary.csv")).unwrap();
    let csv_lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        csv_lines[0],
        "dataset,runs,successes,success_rate,median_final_cost,\
         median_first_step_below_0_1,median_test_accuracy,failures,failed_runs",
        "{csv}"
    );
    let field = |line: &str, i: usize| line.split(',').nth(i).map(String::from);
    assert_eq!(field(csv_lines[1], 0).as_deref(), Some("circles"), "{csv}");
    assert_eq!(field(csv_lines[1], 6), Some(accs[0].to_string()), "{csv}");
    assert_eq!(field(csv_lines[2], 0).as_deref(), Some("xor"), "{csv}");
    assert_eq!(field(csv_lines[2], 6).as_deref(), Some(""), "{csv}");

    // The same summary from the logs on disk, byte for byte.
    let md = fs::read_to_string(dir.path().join("summary/summary.md")).unwrap();
    assert_eq!(md.trim_end(), block);
    let rebuilt = ok(&["sweep", "--summarize-only", "--logdir", l]);
    assert_eq!(summary_block(&rebuilt), block);
    for file in ["summary/summary.md", "summary/summary.csv"] {
        let again = fs::read_to_string(dir.path().join(file)).unwrap();
        let first = if file.ends_with("md") { &md } else { &csv };
        assert_eq!(&again, first, "{file}");
    }
}

fn usage_errors_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let l = dir.path().to_str().unwrap();
    // Were one of these accepted, it would train one step into the temporary directory.
    let usage = |flags: &[&str]| {
        let mut args = vec!["sweep", "--steps", "1", "--logdir", l];
        args.extend(flags);
        let out = tbtrain(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        stderr(&out)
    };
    let err = usage(&["--shard", "2/2"]);
    assert!(
        err.contains("'--shard <K/N>'") && err.contains("K must be less than N"),
        "{err}"
    );
    let err = usage(&["--depth", "2,3,2"]);
    assert!(
        err.contains("'--depth <N>'") && err.contains("'2' is listed twice"),
        "{err}"
    );
    let err = usage(&["--seeds", "5..1"]);
    assert!(err.contains("the range '5..1' is empty"), "{err}");
    let err = usage(&["--lr", "1..3"]);
    assert!(
        err.contains("'1..3': ranges A..B are for whole-number settings"),
        "{err}"
    );
    let err = usage(&["--summarize-only", "--seeds", "1,2"]);
    assert!(
        err.starts_with("error: the argument '--steps <N>' cannot be used with '--summarize-only'"),
        "{err}"
    );
    let err = usage(&["--act", "relu,softmax"]);
    assert!(
        err.contains("unknown activation `softmax`: choose one of sigmoid, relu"),
        "{err}"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

fn a_used_logdir_is_refused_unless_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let l = dir.path().to_str().unwrap();
    let args = [
        "sweep", "--seeds", "1,2", "--steps", "5", "--logdir", l, "-q",
    ];
    ok(&args);
    let out = tbtrain(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "tbtrain: {l}/summary already holds event files of an earlier run (and 2 more of this \
             sweep's directories do); pass --overwrite to replace them, or choose another --logdir\n"
        )
    );
    let mut again = args.to_vec();
    again.push("--overwrite");
    ok(&again);
    assert_eq!(tbtrain::inspect::scan(dir.path()).unwrap().len(), 3);
    assert!(tbtrain::inspect::scan(dir.path())
        .unwrap()
        .iter()
        .all(|r| r.files == 1));

    let out = tbtrain(&[
        "sweep",
        "--summarize-only",
        "--logdir",
        dir.path().join("none").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

fn compare_trains_side_by_side_and_refuses_a_used_logdir() {
    let dir = tempfile::tempdir().unwrap();
    let l = dir.path().to_str().unwrap();
    let out = ok(&["compare", "--steps", "200", "--depth", "3", "--logdir", l]);
    assert_eq!(
        run_dirs(dir.path()),
        ["relu", "sigmoid"].map(String::from).into()
    );
    let lines: Vec<&str> = out.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["sigmoid", "relu"], "{out}");
    let row = |label: &str| -> Vec<String> {
        let line = lines
            .iter()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row in:\n{out}"));
        line[label.len()..]
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    for (k, act) in ["sigmoid", "relu"].iter().enumerate() {
        let run = dir.path().join(act);
        assert_eq!(
            row("accuracy")[k].parse::<f64>().unwrap(),
            f64::from(result_of(&run).accuracy),
            "{out}"
        );
        assert_eq!(
            row("final cost")[k],
            format!("{:.6}", result_of(&run).final_cost),
            "{out}"
        );
    }
    for input in [
        "[0, 0] (label 0)",
        "[0, 1] (label 1)",
        "[1, 0] (label 1)",
        "[1, 1] (label 0)",
    ] {
        assert_eq!(row(&format!("output {input}")).len(), 2, "{out}");
    }
    assert_eq!(row("grad_norm layer1/layer3, step 0").len(), 2, "{out}");
    assert_eq!(row("outcome"), ["200", "steps", "200", "steps"], "{out}");
    assert_eq!(
        lines.last().copied(),
        Some(format!("view: tensorboard --logdir {l}").as_str())
    );

    let again = tbtrain(&["compare", "--steps", "200", "--depth", "3", "--logdir", l]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already holds event files of an earlier run; pass --overwrite"),
        "{}",
        stderr(&again)
    );
}

fn tensorboard_lists_every_session_and_the_swept_domains() {
    let fx = fixture();
    let names = expected_names();
    thread::scope(|s| {
        let handles = [true, false].map(|load_fast| {
            let names = &names;
            s.spawn(move || check_tensorboard(&fx.logdir, names, load_fast))
        });
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

fn check_tensorboard(logdir: &Path, names: &[String], load_fast: bool) {
    let mut tb = TensorBoard::start(logdir, load_fast);
    let mut runs: Vec<&str> = names.iter().map(String::as_str).collect();
    runs.push("summary");
    tb.wait_for_runs(&runs, DEFAULT_TIMEOUT);
    tb.wait_for_json("/data/plugin/scalars/tags", DEFAULT_TIMEOUT, |tags| {
        names.iter().all(|n| tags.get(n).is_some())
    });
    let label = tb.label();

    let experiment = tb.hparams_experiment();
    let infos: BTreeMap<String, Value> = experiment["hparamInfos"]
        .as_array()
        .unwrap_or_else(|| panic!("{label}: {experiment:#}"))
        .iter()
        .map(|i| (i["name"].as_str().unwrap_or("?").to_string(), i.clone()))
        .collect();
    // (TensorBoard lists them by name.)
    assert_eq!(
        infos.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "act",
            "batch",
            "dataset",
            "depth",
            "dropout",
            "init",
            "lr",
            "optimizer",
            "seed",
            "steps",
            "width"
        ],
        "{label}"
    );
    let domain = |name: &str| infos[name]["domainDiscrete"].clone();
    assert_eq!(
        domain("act"),
        json!(["relu", "sigmoid"]),
        "{label}: {experiment:#}"
    );
    assert_eq!(domain("depth"), json!([2.0, 11.0]), "{label}");
    assert_eq!(domain("seed"), json!([1.0, 2.0, 3.0]), "{label}");
    assert_eq!(domain("width"), json!([5.0]), "{label}");
    assert_eq!(domain("steps"), json!([300.0]), "{label}");
    assert_eq!(domain("init"), json!(["uniform"]), "{label}");
    assert_eq!(domain("lr"), json!([0.1]), "{label}");
    assert_eq!(infos["act"]["type"], "DATA_TYPE_STRING", "{label}");
    assert_eq!(infos["depth"]["type"], "DATA_TYPE_FLOAT64", "{label}");
    // The swept settings are marked as differing (TensorBoard's table shows those
    // columns first); the fixed ones are not.
    let differing: Vec<&str> = infos
        .iter()
        .filter(|(_, info)| info["differs"] == json!(true))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        differing,
        ["act", "depth", "seed"],
        "{label}: {experiment:#}"
    );
    let metrics: Vec<&str> = experiment["metricInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"]["tag"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(metrics, ["cost", "accuracy"], "{label}");

    // A session's end is the last thing in its file: wait until every one is read.
    tb.wait_until("12 sessions with an end status", DEFAULT_TIMEOUT, |tb| {
        let ended = sessions_where(tb, |status| status != "STATUS_UNKNOWN");
        (ended == 12).then_some(())
    });
    // One group per configuration (the run name without its seed), its seeds inside.
    let groups = tb.hparams_session_groups();
    assert_eq!(groups["totalSize"], 4, "{label}: {groups:#}");
    let mut seen = BTreeSet::new();
    for group in groups["sessionGroups"].as_array().unwrap() {
        let name = group["name"].as_str().unwrap_or("?");
        let sessions = group["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 3, "{label}: {group:#}");
        for session in sessions {
            let run = session["name"].as_str().unwrap_or("?");
            let (act, depth, _) = parse_name(run);
            assert_eq!(
                name,
                format!("act={act},depth={depth}"),
                "{label}: {group:#}"
            );
            assert_eq!(session["status"], "STATUS_SUCCESS", "{label}: {group:#}");
            seen.insert(run.to_string());
        }
        let (act, depth, _) = parse_name(&format!("{name},seed=1"));
        assert_eq!(group["hparams"]["act"], json!(act), "{label}: {group:#}");
        assert_eq!(
            group["hparams"]["depth"],
            json!(depth),
            "{label}: {group:#}"
        );
        assert_eq!(
            group["hparams"]["steps"],
            json!(300.0),
            "{label}: {group:#}"
        );
    }
    assert_eq!(seen, names.iter().cloned().collect(), "{label}");

    let text = tb.text("summary", "summary");
    assert_eq!(text.len(), 1, "{label}: {text:?}");
    assert!(
        text[0].1.contains("12 runs in 4 configurations"),
        "{label}: {text:?}"
    );

    let problems = tb.server_log_problems();
    assert!(problems.is_empty(), "{label}: {problems:#?}");
}

/// How many HParams sessions TensorBoard serves whose status passes `keep`.
fn sessions_where(tb: &TensorBoard, keep: impl Fn(&Value) -> bool) -> usize {
    let groups = tb.hparams_session_groups();
    groups["sessionGroups"].as_array().map_or(0, |g| {
        g.iter()
            .flat_map(|g| g["sessions"].as_array().cloned().unwrap_or_default())
            .filter(|s| keep(&s["status"]))
            .count()
    })
}

/// `act=relu,depth=11,seed=3` -> ("relu", 11.0, 3.0).
fn parse_name(name: &str) -> (String, f64, f64) {
    let pairs = tbtrain::sweep::name::parse_run_name(name).unwrap();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(s, _)| s.key() == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    (
        get("act"),
        get("depth").parse().unwrap(),
        get("seed").parse().unwrap(),
    )
}

/// `tbtrain compare` at its defaults, read by TensorBoard with each loader: one
/// experiment whose `act` column differs and holds both activations, `lr` exactly 0.1
/// (not the f32 0.10000000149), and a session for each run.
fn tensorboard_shows_a_comparison_as_one_experiment() {
    let dir = tempfile::tempdir().unwrap();
    ok(&[
        "compare",
        "--steps",
        "200",
        "--logdir",
        dir.path().to_str().unwrap(),
    ]);
    thread::scope(|s| {
        let handles = [true, false].map(|load_fast| {
            let logdir = dir.path();
            s.spawn(move || check_comparison(logdir, load_fast))
        });
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

fn check_comparison(logdir: &Path, load_fast: bool) {
    let mut tb = TensorBoard::start(logdir, load_fast);
    tb.wait_for_runs(&["relu", "sigmoid"], DEFAULT_TIMEOUT);
    let label = tb.label();
    tb.wait_until("2 sessions with an end status", DEFAULT_TIMEOUT, |tb| {
        let ended = sessions_where(tb, |status| status == "STATUS_SUCCESS");
        (ended == 2).then_some(())
    });
    let experiment = tb.hparams_experiment();
    let infos: BTreeMap<String, Value> = experiment["hparamInfos"]
        .as_array()
        .unwrap_or_else(|| panic!("{label}: {experiment:#}"))
        .iter()
        .map(|i| (i["name"].as_str().unwrap_or("?").to_string(), i.clone()))
        .collect();
    assert_eq!(
        infos["act"]["differs"],
        json!(true),
        "{label}: {experiment:#}"
    );
    assert_eq!(
        infos["act"]["domainDiscrete"],
        json!(["relu", "sigmoid"]),
        "{label}: {experiment:#}"
    );
    assert_eq!(infos["lr"]["domainDiscrete"], json!([0.1]), "{label}");
    assert_eq!(
        infos["lr"]["differs"],
        json!(false),
        "{label}: {experiment:#}"
    );
    assert_eq!(infos["depth"]["domainDiscrete"], json!([11.0]), "{label}");

    let groups = tb.hparams_session_groups();
    assert_eq!(groups["totalSize"], 2, "{label}: {groups:#}");
    for group in groups["sessionGroups"].as_array().unwrap() {
        assert_eq!(group["hparams"]["lr"], json!(0.1), "{label}: {group:#}");
        let sessions = group["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 1, "{label}: {group:#}");
        let run = sessions[0]["name"].as_str().unwrap_or("?");
        assert_eq!(group["hparams"]["act"], json!(run), "{label}: {group:#}");
    }
    let problems = tb.server_log_problems();
    assert!(problems.is_empty(), "{label}: {problems:#?}");
}

/// A sweep of ten seeds: the experiment gives the seed the interval of its values (the
/// HParams tab's min/max filter; with ten or more values a discrete domain gets only a
/// regular-expression box), and the activations their checkboxes; both loaders serve it.
fn tensorboard_filters_ten_seeds_by_their_interval() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweep-interval");
    let _ = fs::remove_dir_all(&root);
    let dir = root.to_str().unwrap().to_string();
    ok(&[
        "sweep",
        "--act",
        "sigmoid,relu",
        "--seeds",
        "1..10",
        "--depth",
        "2",
        "--steps",
        "20",
        "--logdir",
        &dir,
        "-q",
    ]);
    for load_fast in [true, false] {
        let mut tb = TensorBoard::start(&root, load_fast);
        tb.wait_for_runs(&["act=relu,seed=10", "summary"], DEFAULT_TIMEOUT);
        let label = tb.label();
        let experiment = tb.hparams_experiment();
        let infos: BTreeMap<String, Value> = experiment["hparamInfos"]
            .as_array()
            .unwrap_or_else(|| panic!("{label}: {experiment:#}"))
            .iter()
            .map(|i| (i["name"].as_str().unwrap_or("?").to_string(), i.clone()))
            .collect();
        assert_eq!(
            infos["seed"]["domainInterval"],
            json!({"minValue": 1.0, "maxValue": 10.0}),
            "{label}: {experiment:#}"
        );
        assert_eq!(infos["seed"]["type"], "DATA_TYPE_FLOAT64", "{label}");
        assert_eq!(infos["seed"]["differs"], json!(true), "{label}");
        assert_eq!(
            infos["act"]["domainDiscrete"],
            json!(["relu", "sigmoid"]),
            "{label}"
        );
        let problems = tb.server_log_problems();
        assert!(problems.is_empty(), "{label}: {problems:#?}");
    }
}
