//! `tbtrain export` on literal files: hostile names, NaN and infinities, a truncated and
//! a corrupt record, a round trip through the library, a resumed run, closed and full
//! outputs, `--out` written whole or not at all.

mod support;

use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Output, Stdio};

use tbtrain::events::{record, EventWriter, WriterOptions};
use tbtrain::proto::{event, summary, Event, Summary};
use tbtrain::SummaryWriter;

use support::{run, stderr, tbtrain};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn scalar_event(step: i64, wall_time: f64, values: &[(&str, f32)]) -> Event {
    Event {
        wall_time,
        step,
        what: Some(event::What::Summary(Summary {
            value: values
                .iter()
                .map(|(tag, v)| summary::Value {
                    tag: tag.to_string(),
                    value: Some(summary::value::Value::SimpleValue(*v)),
                    ..Default::default()
                })
                .collect(),
        })),
        source_metadata: None,
    }
}

/// Writes `events` as one event file named `name` in `dir` (made if need be).
fn write_file(dir: &Path, name: &str, events: &[Event]) -> Vec<u8> {
    fs::create_dir_all(dir).unwrap();
    let mut bytes = Vec::new();
    for e in events {
        record::encode_into(&prost::Message::encode_to_vec(e), &mut bytes);
    }
    fs::write(dir.join(name), &bytes).unwrap();
    bytes
}

#[test]
fn names_with_commas_quotes_newlines_and_bytes_that_are_not_utf8_come_out_exact() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let tags: &[(&str, f32)] = &[("t,1", 0.5), ("\"q\"", 1.5), ("x\ny\r", 2.5), ("é", 3.5)];
    // Two runs whose names differ only in a byte that is not UTF-8, and names that
    // CSV must quote.
    let runs: [&[u8]; 4] = [b"a,b", b"q\"uote", b"r\xff", b"r\xfe"];
    for name in runs {
        let run = logs.join(std::ffi::OsStr::from_bytes(name));
        write_file(
            &run,
            "events.out.tfevents.1.h",
            &[scalar_event(7, 1.25, tags)],
        );
    }
    let out = run(dir.path(), &["export", "logs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    // Runs by bytes, tags in TensorBoard's order, every field exact.
    let mut expected = b"run,tag,step,wall_time,value\n".to_vec();
    let mut sorted = runs.to_vec();
    sorted.sort();
    for name in sorted {
        let quoted = if name.contains(&b',') || name.contains(&b'"') {
            let mut q = b"\"".to_vec();
            for &b in name {
                if b == b'"' {
                    q.push(b'"');
                }
                q.push(b);
            }
            q.push(b'"');
            q
        } else {
            name.to_vec()
        };
        for (tag, value) in [
            ("\"\"\"q\"\"\"", "1.5"),
            ("\"t,1\"", "0.5"),
            ("\"x\ny\r\"", "2.5"),
            ("é", "3.5"),
        ] {
            expected.extend_from_slice(&quoted);
            expected.extend_from_slice(format!(",{tag},7,1.25,{value}\n").as_bytes());
        }
    }
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out.stdout, expected);

    // JSON Lines: escaped, the bytes as \udcNN (Python's surrogateescape).
    let out = run(
        dir.path(),
        &["export", "logs", "--format", "jsonl", "--run", "^r"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8, "{text}");
    assert_eq!(
        lines[0],
        r#"{"run":"r\udcfe","tag":"\"q\"","step":7,"wall_time":1.25,"value":1.5}"#
    );
    assert_eq!(
        lines[6],
        r#"{"run":"r\udcff","tag":"x\ny\r","step":7,"wall_time":1.25,"value":2.5}"#
    );
    assert_eq!(
        lines[7],
        r#"{"run":"r\udcff","tag":"é","step":7,"wall_time":1.25,"value":3.5}"#
    );
}

#[test]
fn nan_and_infinities_are_spelled_nan_inf_and_minus_inf() {
    let dir = tempfile::tempdir().unwrap();
    let values = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        1e-45,
        3.4028235e38,
    ];
    let events: Vec<Event> = values
        .iter()
        .enumerate()
        .map(|(i, v)| scalar_event(i as i64, 10.0, &[("v", *v)]))
        .collect();
    write_file(
        &dir.path().join("logs/run"),
        "events.out.tfevents.1.h",
        &events,
    );
    let out = run(dir.path(), &["export", "logs"]);
    assert_eq!(
        stdout(&out),
        "run,tag,step,wall_time,value\n\
         run,v,0,10.0,nan\n\
         run,v,1,10.0,inf\n\
         run,v,2,10.0,-inf\n\
         run,v,3,10.0,-0.0\n\
         run,v,4,10.0,1e-45\n\
         run,v,5,10.0,3.4028235e38\n"
    );
    let out = run(dir.path(), &["export", "logs", "--format", "jsonl"]);
    let text = stdout(&out);
    let values: Vec<&str> = text
        .lines()
        .map(|l| l.rsplit_once("\"value\":").unwrap().1.trim_end_matches('}'))
        .collect();
    assert_eq!(
        values,
        [
            "\"nan\"",
            "\"inf\"",
            "\"-inf\"",
            "-0.0",
            "1e-45",
            "3.4028235e38"
        ]
    );
}

#[test]
fn a_truncated_and_a_corrupt_record_are_reported_with_file_and_offset_and_the_rest_goes_out() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("logs/run");
    // Steps 1 to 4 (not 0, which protobuf leaves out): four records of one size.
    let events: Vec<Event> = (1..5)
        .map(|s| scalar_event(s, 5.0, &[("x", s as f32)]))
        .collect();
    let bytes = write_file(&run_dir, "events.out.tfevents.1.a", &events);
    let len = bytes.len() / 4;
    // File 1: record 1's data checksum broken (skipped), record 3 cut short.
    let mut broken = bytes.clone();
    broken[len + record::HEADER_LEN + 2] ^= 0x40;
    broken.truncate(3 * len + 10);
    fs::write(run_dir.join("events.out.tfevents.1.a"), &broken).unwrap();
    // File 2, read after it: steps 5 and 6.
    let later: Vec<Event> = (5..7)
        .map(|s| scalar_event(s, 6.0, &[("x", s as f32)]))
        .collect();
    write_file(&run_dir, "events.out.tfevents.2.b", &later);
    let out = run(dir.path(), &["export", "logs"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "run,tag,step,wall_time,value\n\
         run,x,1,5.0,1.0\n\
         run,x,3,5.0,3.0\n\
         run,x,5,6.0,5.0\n\
         run,x,6,6.0,6.0\n"
    );
    assert_eq!(
        stderr(&out),
        format!(
            "tbtrain: run: events.out.tfevents.1.a: corrupt record data at byte {len} (checksum mismatch); record skipped\n\
             tbtrain: run: events.out.tfevents.1.a: truncated record at byte {} (needs 12 bytes, 10 present)\n",
            3 * len
        )
    );
    // inspect counts the same points.
    let out = run(dir.path(), &["inspect", "logs", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["runs"][0]["tags"][0]["count"], 4);
}

/// Values of every kind of float32 bit pattern, from a seeded generator.
fn float_bits(n: usize) -> Vec<f32> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            f32::from_bits(seed as u32)
        })
        .collect()
}

#[test]
fn a_round_trip_through_the_library_gives_every_float32_back_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let values = float_bits(3000);
    let mut w = SummaryWriter::new(dir.path().join("logs/lib")).unwrap();
    for (i, v) in values.iter().enumerate() {
        w.add_scalar(
            if i % 2 == 0 { "layer2/x" } else { "layer10/x" },
            *v,
            i as i64 / 2,
        )
        .unwrap();
    }
    w.close().unwrap();
    for format in ["csv", "jsonl"] {
        let out = run(dir.path(), &["export", "logs", "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        let rows: Vec<(String, i64, u32)> = text
            .lines()
            .skip(usize::from(format == "csv"))
            .map(|line| {
                let (tag, step, value) = if format == "csv" {
                    let f: Vec<&str> = line.split(',').collect();
                    (f[1].to_string(), f[2].parse().unwrap(), f[4].to_string())
                } else {
                    let j: serde_json::Value = serde_json::from_str(line).unwrap();
                    let v = match &j["value"] {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (
                        j["tag"].as_str().unwrap().to_string(),
                        j["step"].as_i64().unwrap(),
                        v,
                    )
                };
                (tag, step, value.parse::<f32>().unwrap().to_bits())
            })
            .collect();
        // layer2 before layer10 (numbers as numbers), each in step order.
        let mut expected: Vec<(String, i64, u32)> = Vec::new();
        for (tag, parity) in [("layer2/x", 0), ("layer10/x", 1)] {
            for (i, v) in values.iter().enumerate().filter(|(i, _)| i % 2 == parity) {
                let bits = if v.is_nan() {
                    f32::NAN.to_bits()
                } else {
                    v.to_bits()
                };
                expected.push((tag.to_string(), i as i64 / 2, bits));
            }
        }
        let canonical = |rows: Vec<(String, i64, u32)>| -> Vec<(String, i64, u32)> {
            rows.into_iter()
                .map(|(t, s, b)| {
                    (
                        t,
                        s,
                        if f32::from_bits(b).is_nan() {
                            f32::NAN.to_bits()
                        } else {
                            b
                        },
                    )
                })
                .collect()
        };
        assert_eq!(canonical(rows), expected, "{format}");
    }
}

#[test]
fn a_resumed_run_gives_the_old_points_before_the_step_and_the_new_ones_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("logs/resumed");
    let mut w = SummaryWriter::new(&run_dir).unwrap();
    for step in 0..1000 {
        w.add_scalar("loss", 1.0, step).unwrap();
        if step % 100 == 0 {
            w.add_scalar("sparse", 1.0, step).unwrap();
        }
    }
    drop(w);
    let options = WriterOptions {
        purge_step: Some(598),
        ..Default::default()
    };
    let mut w = SummaryWriter::with_options(&run_dir, options).unwrap();
    for step in 598..1000 {
        w.add_scalar("loss", 2.0, step).unwrap();
    }
    w.close().unwrap();
    let out = run(dir.path(), &["export", "logs"]);
    let text = stdout(&out);
    let loss: Vec<(i64, f32)> = text
        .lines()
        .filter(|l| l.starts_with("resumed,loss,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[2].parse().unwrap(), f[4].parse().unwrap())
        })
        .collect();
    let expected: Vec<(i64, f32)> = (0..1000)
        .map(|s| (s, if s < 598 { 1.0 } else { 2.0 }))
        .collect();
    assert_eq!(loss, expected);
    let sparse: Vec<&str> = text.lines().filter(|l| l.contains(",sparse,")).collect();
    assert_eq!(sparse.len(), 6, "steps 0 to 500: {sparse:?}");
    // inspect counts what TensorBoard shows: 1,000 points, not 1,402.
    let out = run(dir.path(), &["inspect", "logs", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tags = json["runs"][0]["tags"].as_array().unwrap();
    let loss = tags.iter().find(|t| t["tag"] == "loss").unwrap();
    assert_eq!(
        (loss["count"].as_u64(), loss["last_value"].as_f64()),
        (Some(1000), Some(2.0))
    );
    let sparse = tags.iter().find(|t| t["tag"] == "sparse").unwrap();
    assert_eq!(
        (sparse["count"].as_u64(), sparse["last_step"].as_i64()),
        (Some(6), Some(500))
    );
}

#[test]
fn filters_select_runs_tags_and_steps() {
    let dir = tempfile::tempdir().unwrap();
    for run in ["train", "test"] {
        let events: Vec<Event> = (0..5)
            .map(|s| scalar_event(s, 1.0, &[("loss", 1.0), ("acc", 0.5)]))
            .collect();
        write_file(
            &dir.path().join("logs").join(run),
            "events.out.tfevents.1.h",
            &events,
        );
    }
    let out = run(
        dir.path(),
        &[
            "export", "logs", "--run", "^tr", "--tag", "^loss$", "--steps", "1..3",
        ],
    );
    assert_eq!(
        stdout(&out),
        "run,tag,step,wall_time,value\ntrain,loss,1,1.0,1.0\ntrain,loss,2,1.0,1.0\ntrain,loss,3,1.0,1.0\n"
    );
    let bad = run(dir.path(), &["export", "logs", "--steps", "5..1"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = run(dir.path(), &["export", "logs", "--tag", "("]);
    assert_eq!(bad.status.code(), Some(2));
    let missing = run(dir.path(), &["export", "nope"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        stderr(&missing),
        "tbtrain: nope: no such file or directory\n"
    );
}

/// A logdir with enough rows that the output outgrows any pipe buffer.
fn big_logs(dir: &Path) {
    let mut w = EventWriter::create(dir.join("logs/big")).unwrap();
    for step in 0..200_000 {
        w.write_event(&scalar_event(step, 1.0, &[("loss", 0.25)]))
            .unwrap();
    }
    w.close().unwrap();
}

#[test]
fn a_closed_standard_output_ends_the_export_quietly() {
    let dir = tempfile::tempdir().unwrap();
    big_logs(dir.path());
    let mut child = tbtrain(dir.path())
        .args(["export", "logs"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The read end is closed here.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(head.starts_with(b"run,tag,step,wall_time,value\nbig,loss,0,1.0,0.25\n"));
}

#[test]
fn a_full_standard_output_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    big_logs(dir.path());
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = tbtrain(dir.path())
        .args(["export", "logs"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "tbtrain: cannot write to standard output: No space left on device (os error 28)\n"
    );
}

#[test]
fn out_is_whole_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    big_logs(dir.path());
    let out = run(dir.path(), &["export", "logs", "--out", "rows.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!((stdout(&out), stderr(&out)), (String::new(), String::new()));
    let text = fs::read_to_string(dir.path().join("rows.csv")).unwrap();
    assert_eq!(text.lines().count(), 200_001);
    // A failing export (no event files) leaves the old file and no temporary one.
    fs::create_dir(dir.path().join("empty")).unwrap();
    let out = run(dir.path(), &["export", "empty", "--out", "rows.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        fs::read_to_string(dir.path().join("rows.csv")).unwrap(),
        text
    );
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    // A directory that does not exist: one line naming the file.
    let out = run(dir.path(), &["export", "logs", "--out", "no/such/rows.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "tbtrain: cannot write no/such/rows.csv: No such file or directory (os error 2)\n"
    );
}

#[test]
fn histograms_text_and_hparams_have_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let trained = run(
        dir.path(),
        &[
            "--steps",
            "20",
            "--depth",
            "2",
            "--logdir",
            "logs/sig",
            "--hist-every",
            "10",
            "-q",
        ],
    );
    assert_eq!(trained.status.code(), Some(0), "{}", stderr(&trained));

    let out = run(
        dir.path(),
        &[
            "export",
            "logs",
            "--kind",
            "histograms",
            "--tag",
            "^variables/W1$",
        ],
    );
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("run,tag,step,wall_time,left,right,count")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').skip(2).map(|f| f.parse().unwrap()).collect())
        .collect();
    // Steps 0, 10 and the last, 19, each a histogram of the first layer's weights: its
    // buckets' counts add up to the number of weights (2 inputs x width 5), edges in order.
    let steps: std::collections::BTreeSet<i64> = rows.iter().map(|r| r[0] as i64).collect();
    assert_eq!(steps.into_iter().collect::<Vec<_>>(), [0, 10, 19]);
    for step in [0.0, 10.0, 19.0] {
        let buckets: Vec<&Vec<f64>> = rows.iter().filter(|r| r[0] == step).collect();
        let total: f64 = buckets.iter().map(|r| r[4]).sum();
        assert_eq!(total, 10.0, "step {step}");
        assert!(
            buckets.windows(2).all(|w| w[0][3] == w[1][2]),
            "edges: {buckets:?}"
        );
    }

    let out = run(
        dir.path(),
        &["export", "logs", "--kind", "text", "--format", "jsonl"],
    );
    let first: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(
        (first["run"].as_str(), first["tag"].as_str()),
        (Some("sig"), Some("config"))
    );
    assert!(
        first["text"].as_str().unwrap().contains("| depth | 2 |"),
        "{first}"
    );

    let out = run(dir.path(), &["export", "logs", "--kind", "hparams"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let header: Vec<&str> = lines[0].split(',').collect();
    let row: Vec<&str> = lines[1].split(',').collect();
    let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!((header[0], header[1]), ("run", "status"));
    assert_eq!(
        (cell("run"), cell("status"), cell("act")),
        ("sig", "success", "sigmoid")
    );
    assert_eq!(cell("depth").parse::<f64>().unwrap(), 2.0);
    // The metric is the cost at its last step, as the scalars export gives it.
    let scalars = stdout(&run(dir.path(), &["export", "logs", "--tag", "^cost$"]));
    let last_cost = scalars.lines().last().unwrap().rsplit(',').next().unwrap();
    assert_eq!(cell("cost"), last_cost);
}
