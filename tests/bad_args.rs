//! Bad invocations, table-driven: each one exits 2 (usage) or 1 (data), its first stderr
//! line names the flag, or the file and line, that is wrong, nothing panics, and nothing
//! is created: every case runs in a fresh directory with `--logdir` inside it, and that
//! directory must afterwards hold exactly the input files the case put there.

mod support;

use support::{assert_clean_failure, run, tree};

/// Exit code for bad usage.
const USAGE: i32 = 2;
/// Exit code for bad data (or a missing file).
const DATA: i32 = 1;

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    /// Input files `(relative path, contents)` written before the run.
    files: &'static [(&'static str, &'static str)],
    code: i32,
    /// Each must appear in the first line of stderr.
    first_line: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "depth 0",
        args: &["--depth", "0"],
        files: &[],
        code: USAGE,
        first_line: &["'--depth <N>'", "must be at least 1"],
    },
    Case {
        name: "negative depth",
        args: &["--depth", "-3"],
        files: &[],
        code: USAGE,
        first_line: &["'--depth <N>'", "'-3' is not a whole number"],
    },
    Case {
        name: "depth not a number",
        args: &["--depth", "eleven"],
        files: &[],
        code: USAGE,
        first_line: &["'--depth <N>'", "'eleven' is not a whole number"],
    },
    Case {
        name: "width 0",
        args: &["--width", "0"],
        files: &[],
        code: USAGE,
        first_line: &["'--width <N>'", "must be at least 1"],
    },
    Case {
        name: "a network too large for memory",
        args: &["--width", "1000000000"],
        files: &[],
        code: USAGE,
        first_line: &[
            "a network of width 1000000000 and depth 11",
            "limit of 268435456",
            "use a smaller --width, --depth or --batch",
        ],
    },
    Case {
        name: "negative lr",
        args: &["--lr", "-1"],
        files: &[],
        code: USAGE,
        first_line: &["'--lr <X>'", "must be greater than 0"],
    },
    Case {
        name: "zero lr",
        args: &["--lr", "0"],
        files: &[],
        code: USAGE,
        first_line: &["'--lr <X>'", "must be greater than 0"],
    },
    Case {
        name: "NaN lr",
        args: &["--lr", "NaN"],
        files: &[],
        code: USAGE,
        first_line: &["'--lr <X>'", "must be a finite number"],
    },
    Case {
        name: "infinite lr",
        args: &["--lr", "inf"],
        files: &[],
        code: USAGE,
        first_line: &["'--lr <X>'", "must be a finite number"],
    },
    Case {
        name: "lr beyond f32",
        args: &["--lr", "1e39"],
        files: &[],
        code: USAGE,
        first_line: &["'--lr <X>'", "must be a finite number"],
    },
    Case {
        name: "lr not a number",
        args: &["--lr", "fast"],
        files: &[],
        code: USAGE,
        first_line: &["'--lr <X>'", "'fast' is not a number"],
    },
    Case {
        name: "steps 0",
        args: &["--steps", "0"],
        files: &[],
        code: USAGE,
        first_line: &["'--steps <N>'", "must be at least 1"],
    },
    Case {
        name: "steps in float notation",
        args: &["--steps", "1e3"],
        files: &[],
        code: USAGE,
        first_line: &["'--steps <N>'", "'1e3' is not a whole number"],
    },
    Case {
        name: "batch 0",
        args: &["--batch", "0"],
        files: &[],
        code: USAGE,
        first_line: &["'--batch <N>'", "must be at least 1"],
    },
    Case {
        name: "negative seed",
        args: &["--seed", "-1"],
        files: &[],
        code: USAGE,
        first_line: &["'--seed <N>'"],
    },
    Case {
        name: "negative flush interval",
        args: &["--flush-secs", "-1"],
        files: &[],
        code: USAGE,
        first_line: &["'--flush-secs <S>'", "0 or more"],
    },
    Case {
        name: "NaN flush interval",
        args: &["--flush-secs", "nan"],
        files: &[],
        code: USAGE,
        first_line: &["'--flush-secs <S>'", "0 or more"],
    },
    Case {
        name: "negative histogram period",
        args: &["--hist-every", "-1"],
        files: &[],
        code: USAGE,
        first_line: &["'--hist-every <N>'"],
    },
    Case {
        name: "infinite leaky slope",
        args: &["--act", "leaky-relu", "--leaky-slope", "inf"],
        files: &[],
        code: USAGE,
        first_line: &["'--leaky-slope <S>'", "must be a finite number"],
    },
    Case {
        name: "a swept slope that no run uses",
        args: &["sweep", "--act", "sigmoid", "--leaky-slope", "0.1,0.2"],
        files: &[],
        code: USAGE,
        first_line: &[
            "tbtrain: --leaky-slope 0.1,0.2 changes no run of the sweep: only runs \
                       whose act is leaky-relu use it",
        ],
    },
    Case {
        name: "swept maxout pieces that no run uses",
        args: &[
            "sweep",
            "--act",
            "relu,tanh",
            "--maxout-pieces",
            "2,3",
            "--seeds",
            "1..4",
        ],
        files: &[],
        code: USAGE,
        first_line: &[
            "tbtrain: --maxout-pieces 2,3 changes no run of the sweep: only runs \
                       whose act is maxout use it",
        ],
    },
    Case {
        name: "a slope given to a sweep without leaky-relu",
        args: &["sweep", "--act", "relu", "--leaky-slope", "0.3"],
        files: &[],
        code: USAGE,
        first_line: &["tbtrain: --leaky-slope 0.3 changes no run of the sweep"],
    },
    Case {
        name: "a slope given to a comparison without leaky-relu",
        args: &["compare", "--acts", "sigmoid,relu", "--leaky-slope", "0.3"],
        files: &[],
        code: USAGE,
        first_line: &[
            "tbtrain: --leaky-slope 0.3 changes none of the compared runs: only runs \
                       whose act is leaky-relu use it",
        ],
    },
    Case {
        name: "maxout pieces given to a relu run",
        args: &["--act", "relu", "--maxout-pieces", "3"],
        files: &[],
        code: USAGE,
        first_line: &[
            "tbtrain: --maxout-pieces 3 changes nothing in this run: only runs whose \
                       act is maxout use it",
        ],
    },
    Case {
        name: "unknown activation",
        args: &["--act", "softmax"],
        files: &[],
        code: USAGE,
        first_line: &["'softmax'", "'--act <A>'"],
    },
    Case {
        name: "unknown init",
        args: &["--init", "zeros"],
        files: &[],
        code: USAGE,
        first_line: &["'zeros'", "'--init <I>'"],
    },
    Case {
        name: "unknown optimizer",
        args: &["--optimizer", "rmsprop"],
        files: &[],
        code: USAGE,
        first_line: &["'rmsprop'", "'--optimizer <O>'"],
    },
    Case {
        name: "unknown dataset",
        args: &["--dataset", "mnist"],
        files: &[],
        code: USAGE,
        first_line: &["'--dataset <D>'", "unknown dataset `mnist`"],
    },
    Case {
        name: "csv: with no path",
        args: &["--dataset", "csv:"],
        files: &[],
        code: USAGE,
        first_line: &["'--dataset <D>'"],
    },
    Case {
        name: "sweep shard out of range",
        args: &["sweep", "--shard", "3/2", "--seeds", "1..2"],
        files: &[],
        code: USAGE,
        first_line: &["'--shard <K/N>'", "K must be less than N"],
    },
    Case {
        name: "sweep of a network too large for memory",
        args: &["sweep", "--width", "5,1000000000", "--steps", "10"],
        files: &[],
        code: USAGE,
        first_line: &[
            "a network of width 1000000000 and depth 11",
            "use a smaller --width, --depth or --batch",
        ],
    },
    Case {
        name: "compare of a network too large for memory",
        args: &["compare", "--width", "1000000000", "--steps", "10"],
        files: &[],
        code: USAGE,
        first_line: &["a network of width 1000000000 and depth 11"],
    },
    Case {
        name: "sweep over a bad csv",
        args: &["sweep", "--dataset", "xor,csv:bad.csv", "--steps", "10"],
        files: &[("bad.csv", "x,y,label\n0,0,0\n1,one,1\n")],
        code: DATA,
        first_line: &["tbtrain: --dataset csv:bad.csv: bad.csv:3: column 2: `one` is not a number"],
    },
    Case {
        name: "compare over a bad csv",
        args: &["compare", "--dataset", "csv:bad.csv", "--steps", "10"],
        files: &[("bad.csv", "x,y,label\n0,0,0\n1,one,1\n")],
        code: DATA,
        first_line: &["tbtrain: bad.csv:3: column 2: `one` is not a number"],
    },
    Case {
        name: "sweep with an empty list",
        args: &["sweep", "--act", ""],
        files: &[],
        code: USAGE,
        first_line: &["--act"],
    },
    Case {
        name: "unknown flag",
        args: &["--bogus"],
        files: &[],
        code: USAGE,
        first_line: &["'--bogus'"],
    },
    Case {
        name: "empty --logdir",
        args: &["--logdir="],
        files: &[],
        code: USAGE,
        first_line: &["'--logdir <LOGDIR>'"],
    },
    Case {
        name: "unknown flag of the train subcommand",
        args: &["train", "--depth", "0"],
        files: &[],
        code: USAGE,
        first_line: &["'--depth <N>'", "must be at least 1"],
    },
    Case {
        name: "csv file that does not exist",
        args: &["--dataset", "csv:missing.csv"],
        files: &[],
        code: DATA,
        first_line: &["tbtrain: cannot read missing.csv: ", "(os error 2)"],
    },
    Case {
        name: "csv path that is a directory",
        args: &["--dataset", "csv:sub"],
        files: &[("sub/keep.txt", "x")],
        code: DATA,
        first_line: &["tbtrain: cannot read sub: a directory, not a regular file"],
    },
    Case {
        name: "csv with a malformed number",
        args: &["--dataset", "csv:bad.csv"],
        files: &[("bad.csv", "x,y,label\n0,0,0\n1,one,1\n")],
        code: DATA,
        first_line: &["tbtrain: bad.csv:3: column 2: `one` is not a number"],
    },
    Case {
        name: "csv with an unclosed quote",
        args: &["--dataset", "csv:quote.csv"],
        files: &[("quote.csv", "0,0,0\n1,\"1,1\n")],
        code: DATA,
        first_line: &["tbtrain: quote.csv:2: "],
    },
    Case {
        name: "csv with an infinite feature",
        args: &["--dataset", "csv:inf.csv"],
        files: &[("inf.csv", "0,0,0\n1,inf,1\n")],
        code: DATA,
        first_line: &["tbtrain: inf.csv:2: column 2: `inf` is not finite"],
    },
    Case {
        name: "csv label not a class index",
        args: &["--dataset", "csv:label.csv"],
        files: &[("label.csv", "x,y,label\n0,0,0\n1,1,1.5\n")],
        code: DATA,
        first_line: &[
            "tbtrain: label.csv:3: label `1.5` is not a class index (a whole number: 0, 1, 2, ...)",
        ],
    },
    Case {
        name: "csv negative label",
        args: &["--dataset", "csv:label.csv"],
        files: &[("label.csv", "x,y,label\n0,0,0\n1,1,-1\n")],
        code: DATA,
        first_line: &["tbtrain: label.csv:3: label `-1` is not a class index"],
    },
    Case {
        name: "csv label past the class limit",
        args: &["--dataset", "csv:label.csv"],
        files: &[("label.csv", "x,y,label\n0,0,0\n1,1,1000\n")],
        code: DATA,
        first_line: &[
            "tbtrain: label.csv:3: label `1000` is past the 1000 classes a run can have (labels 0 to 999)",
        ],
    },
    Case {
        name: "csv of one class",
        args: &["--dataset", "csv:one.csv"],
        files: &[("one.csv", "x,y,label\n0,0,0\n1,1,0\n")],
        code: DATA,
        first_line: &[
            "tbtrain: one.csv: every label is 0; a classifier needs two classes or more (labels 0 to K-1)",
        ],
    },
    Case {
        name: "csv with CR-only line ends",
        args: &["--dataset", "csv:cr.csv"],
        files: &[("cr.csv", "x,y,label\r0,0,0\r1,1,1\r1,0,x\r")],
        code: DATA,
        first_line: &["tbtrain: cr.csv:4: label `x` is not a class index"],
    },
    Case {
        name: "csv ragged row",
        args: &["--dataset", "csv:ragged.csv"],
        files: &[("ragged.csv", "0,0,0\n0,1,1\n1,0\n")],
        code: DATA,
        first_line: &["tbtrain: ragged.csv:3: expected 3 columns, found 2"],
    },
    Case {
        name: "csv empty file",
        args: &["--dataset", "csv:empty.csv"],
        files: &[("empty.csv", "")],
        code: DATA,
        first_line: &["tbtrain: empty.csv: the file is empty"],
    },
    Case {
        name: "csv header only",
        args: &["--dataset", "csv:header.csv"],
        files: &[("header.csv", "x,y,label\n")],
        code: DATA,
        first_line: &["tbtrain: header.csv: a header but no data rows"],
    },
    Case {
        name: "csv with a label column only",
        args: &["--dataset", "csv:one.csv"],
        files: &[("one.csv", "0\n1\n")],
        code: DATA,
        first_line: &[
            "tbtrain: one.csv:1: found 1 column(s); need feature columns then a label",
        ],
    },
    Case {
        name: "inspect a missing path",
        args: &["inspect", "nowhere"],
        files: &[],
        code: DATA,
        first_line: &["tbtrain: nowhere: no such file or directory"],
    },
    Case {
        name: "inspect a directory without event files",
        args: &["inspect", "notes"],
        files: &[("notes/readme.txt", "no events here")],
        code: DATA,
        first_line: &["tbtrain: no TensorBoard event files", "in notes"],
    },
    Case {
        name: "inspect a file that is not an event file",
        args: &["inspect", "notes.txt"],
        files: &[("notes.txt", "hello")],
        code: DATA,
        first_line: &["tbtrain: no TensorBoard event files", "in notes.txt"],
    },
    Case {
        name: "inspect with an unknown flag",
        args: &["inspect", ".", "--yaml"],
        files: &[],
        code: USAGE,
        first_line: &["'--yaml'"],
    },
];

/// The arguments a case runs with: training gets `--logdir run -q` (and few steps) unless
/// it sets them itself, so a case that wrongly succeeded would leave `run/` behind.
fn full_args(case: &Case) -> Vec<&'static str> {
    let mut args = case.args.to_vec();
    if args.first() == Some(&"inspect") {
        return args;
    }
    if !args.iter().any(|a| a.starts_with("--logdir")) {
        args.extend(["--logdir", "run"]);
    }
    if !args.contains(&"--steps") {
        args.extend(["--steps", "3"]);
    }
    args.push("-q");
    args
}

#[test]
fn every_bad_invocation_fails_cleanly_and_creates_nothing() {
    assert!(CASES.len() >= 20, "the table must keep at least 20 cases");
    let mut failures = Vec::new();
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let mut inputs = Vec::new();
        for (rel, contents) in case.files {
            let path = dir.path().join(rel);
            if let Some(parent) = path.parent().filter(|p| *p != dir.path()) {
                std::fs::create_dir_all(parent).unwrap();
                inputs.push(format!(
                    "{}/",
                    parent.strip_prefix(dir.path()).unwrap().display()
                ));
            }
            std::fs::write(&path, contents).unwrap();
            inputs.push(rel.to_string());
        }
        inputs.sort();
        inputs.dedup();
        let args = full_args(case);
        let output = run(dir.path(), &args);
        let outcome = std::panic::catch_unwind(|| {
            assert_clean_failure(case.name, &output, case.code, case.first_line);
        });
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "(non-string panic)".into());
            failures.push(format!("{} {args:?}: {message}", case.name));
            continue;
        }
        let left = tree(dir.path());
        if left != inputs {
            failures.push(format!(
                "{} {args:?}: the directory holds {left:?}, expected only the inputs {inputs:?}",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

/// The same checks hold for a data error reported from deep in the CSV (line 1001),
/// so the line number is counted, not guessed.
#[test]
fn a_bad_row_far_into_a_csv_is_named_by_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("x,y,label\n");
    for i in 0..999 {
        csv.push_str(&format!("{},{},{}\n", i % 2, (i / 2) % 2, i % 2));
    }
    csv.push_str("0.5,0.5,-3\n");
    std::fs::write(dir.path().join("long.csv"), &csv).unwrap();
    let output = run(
        dir.path(),
        &["--dataset", "csv:long.csv", "--logdir", "run", "-q"],
    );
    assert_clean_failure(
        "bad label on line 1001",
        &output,
        DATA,
        &["tbtrain: long.csv:1001: label `-3` is not a class index"],
    );
    assert_eq!(tree(dir.path()), ["long.csv"]);
}
