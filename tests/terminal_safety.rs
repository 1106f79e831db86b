//! What `tbtrain` prints that came from a file (tags, run names, problems, hparam values,
//! CSV fields quoted in errors) cannot move the cursor or fake a line on a terminal:
//! control characters (C0, DEL, C1) and bidirectional overrides come out as visible
//! escapes (`tbtrain::escape::for_terminal`).

mod support;

use std::fs;
use std::path::Path;

use tbtrain::proto::hparams::Status;
use tbtrain::summary::hparams::HParamValue;
use tbtrain::SummaryWriter;

use support::run;

/// Bytes a terminal acts on: C0 controls but `\n`, DEL, C1 (UTF-8 `c2 80..9f`), and the
/// bidirectional overrides and isolates (UTF-8 `e2 80 aa..ae`, `e2 81 a6..a9`).
fn assert_inert(what: &str, bytes: &[u8]) {
    for (i, &b) in bytes.iter().enumerate() {
        let c0 = b < 0x20 && b != b'\n';
        let c1 = b == 0xc2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n));
        let bidi = b == 0xe2
            && matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(0x80), Some(0xaa..=0xae)) | (Some(0x81), Some(0xa6..=0xa9))
            );
        assert!(
            !(c0 || b == 0x7f || c1 || bidi),
            "{what}: byte {i} ({b:#04x}) acts on the terminal: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

const HOSTILE_TAG: &str = "cost\x1b[2J\x1b[H\rfake line\x08\u{85}\u{202e}txt.exe\u{2066}";
const ESCAPED_TAG: &str = "cost\\x1b[2J\\x1b[H\\rfake line\\x08\\u{85}\\u{202e}txt.exe\\u{2066}";

fn hostile_run(root: &Path) {
    let mut w =
        SummaryWriter::new(root.join("run\x1b]0;title\x07\nrun fake: 9 event files")).unwrap();
    w.add_scalar(HOSTILE_TAG, 0.5, 0).unwrap();
    w.add_scalar("plain", 1.0, 0).unwrap();
    // Wider than any format width: no panic (src/table.rs).
    w.add_scalar(&"w".repeat(70_000), 2.0, 0).unwrap();
    w.close().unwrap();
}

#[test]
fn inspect_escapes_tags_and_run_names() {
    let dir = tempfile::tempdir().unwrap();
    hostile_run(&dir.path().join("logs"));
    let out = run(dir.path(), &["inspect", "logs"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_inert("inspect", &out.stdout);
    let text = String::from_utf8_lossy(&out.stdout);
    // The table's first column is as wide as the 70,000-character tag: compare lines
    // with their padding taken off, and show only their starts on failure.
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let short: Vec<String> = lines
        .iter()
        .map(|l| l.chars().take(120).collect())
        .collect();
    assert_eq!(
        lines[0], "run run\\x1b]0;title\\x07\\nrun fake: 9 event files: 1 event file, graph: no",
        "{short:?}"
    );
    assert_eq!(lines[1], "tag kind count steps last value", "{short:?}");
    assert_eq!(
        lines[2],
        format!("{ESCAPED_TAG} scalar 1 0..0 0.5"),
        "{short:?}"
    );
    assert_eq!(lines[3], "plain scalar 1 0..0 1", "{short:?}");
    assert_eq!(
        lines[4],
        format!("{} scalar 1 0..0 2", "w".repeat(70_000)),
        "{short:?}"
    );
    // One line per tag and run: nothing faked.
    assert_eq!(lines.len(), 5, "{short:?}");
}

#[test]
fn errors_quoting_a_csv_field_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad.csv"),
        "0,0,1\n\x1b[2J\x1b[31m\u{202e},0,1\n",
    )
    .unwrap();
    let out = run(dir.path(), &["--dataset", "csv:bad.csv", "--logdir", "run"]);
    assert_inert("csv error", &out.stderr);
    let first = support::assert_clean_failure(
        "csv field",
        &out,
        1,
        &["tbtrain: bad.csv:2: column 1: `\\x1b[2J\\x1b[31m\\u{202e}` is not a number"],
    );
    assert_eq!(support::stderr(&out).lines().count(), 1, "{first}");
}

#[test]
fn the_rebuilt_sweep_summary_escapes_hparam_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sw");
    let long = "l".repeat(70_000);
    for (name, act) in [
        ("a", "re\x1b[2J\rlu"),
        ("b", "tanh\u{202e}"),
        ("c", long.as_str()),
    ] {
        let mut w = SummaryWriter::new(root.join(name)).unwrap();
        w.add_hparams_start(&[("act", HParamValue::Str(act.into()))], None)
            .unwrap();
        w.add_scalar("cost", 0.5, 0).unwrap();
        w.add_hparams_end(Status::Success).unwrap();
        w.close().unwrap();
    }
    let out = run(dir.path(), &["sweep", "--summarize-only", "--logdir", "sw"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_inert("summarize stdout", &out.stdout);
    assert_inert("summarize stderr", &out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("re\\x1b[2J\\rlu"), "{text}");
    assert!(text.contains("tanh\\u{202e}"), "{text}");
    assert!(text.contains(&long));
}
