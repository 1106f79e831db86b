//! The live test of [`tbtrain::SummaryWriter`]: write one of every kind of summary, start
//! the REAL TensorBoard on the logdir with each loader (`--load_fast=true`, the Rust data
//! server, and `false`, the Python one, concurrently, each its own server and port), and
//! read everything back through the HTTP routes the web page uses: exact scalar values,
//! histogram buckets, image pixels, rendered text, graph nodes, the hparams experiment
//! and session groups, the custom-scalars layout, and a server log free of read errors.
//!
//! Without the venv from `scripts/setup-venv.sh` the test is reported as ignored, with
//! the reason; `TBTRAIN_REQUIRE_TENSORBOARD=1` makes that a failure
//! (`tests/common/harness.rs`).

mod common;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;
use std::thread;

use serde_json::{json, Value};
use tbtrain::proto::hparams::Status;
use tbtrain::proto::{GraphDef, HistogramProto, NodeDef};
use tbtrain::summary::hparams::{ExperimentSpec, HParamDomain, HParamSpec, HParamValue};
use tbtrain::summary::layout;
use tbtrain::SummaryWriter;

use common::harness::Need;
use common::{TensorBoard, DEFAULT_TIMEOUT};

fn main() {
    common::harness::main(vec![
        trial!(
            tensorboard_shows_everything_the_summary_writer_wrote,
            Need::TensorBoard
        ),
        trial!(
            tensorboard_shows_the_one_run_experiment_of_add_hparams,
            Need::TensorBoard
        ),
        trial!(
            tensorboard_serves_the_descriptions_of_every_kind,
            Need::TensorBoard
        ),
    ]);
}

/// `loss` at steps 0, 1, ...: values whose f32 -> f64 widening must survive exactly.
const LOSS: [f32; 6] = [std::f32::consts::LN_2, 0.5, 0.1, 1e-7, -3.25, 123_456.79];
/// `acc` series for `add_scalars`: (series, value at step 0, value at step 1).
const ACC: [(&str, f32, f32); 2] = [("train", 0.75, 1.0), ("test", 0.5, 0.625)];
/// Values of the `layer1/weights` histogram.
const WEIGHTS: [f32; 6] = [-1.0, 0.0, 0.5, 0.5, 1.0, 2.0];
/// A 3x2 RGB picture, row by row.
const PIXELS: [[u8; 3]; 6] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
    [0, 0, 0],
    [12, 34, 56],
];
const IMAGE_WIDTH: u32 = 3;
const IMAGE_HEIGHT: u32 = 2;
const IMAGE_STEP: i64 = 7;

fn node(name: &str, op: &str, inputs: &[&str]) -> NodeDef {
    NodeDef {
        name: name.to_string(),
        op: op.to_string(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn graph() -> GraphDef {
    GraphDef {
        node: vec![
            node("input/x", "Placeholder", &[]),
            node("layer1/W", "VariableV2", &[]),
            node("layer1/MatMul", "MatMul", &["input/x", "layer1/W"]),
            node("layer1/Sigmoid", "Sigmoid", &["layer1/MatMul"]),
        ],
        ..Default::default()
    }
}

fn experiment() -> ExperimentSpec {
    let spec = |name: &str, domain| HParamSpec {
        name: name.to_string(),
        domain,
        differs: false,
    };
    ExperimentSpec {
        hparams: vec![
            spec(
                "lr",
                HParamDomain::Interval {
                    min: 0.001,
                    max: 1.0,
                },
            ),
            spec(
                "activation",
                HParamDomain::Discrete(vec![
                    HParamValue::Str("sigmoid".into()),
                    HParamValue::Str("relu".into()),
                ]),
            ),
            spec(
                "layers",
                HParamDomain::Discrete(vec![HParamValue::Num(11.0), HParamValue::Num(2.0)]),
            ),
            spec(
                "batchnorm",
                HParamDomain::Discrete(vec![HParamValue::Bool(true), HParamValue::Bool(false)]),
            ),
            spec("note", HParamDomain::Unspecified),
        ],
        metrics: vec!["accuracy".into(), "loss".into()],
    }
}

/// Writes the whole logdir: run `.` (every kind), sub-runs `acc_train` and `acc_test`,
/// and two hparams sessions `trial-1` (group `relu-11`, success) and `trial-2` (no
/// group name, failure).
fn write_logdir(logdir: &Path) {
    let mut w = SummaryWriter::new(logdir).unwrap();
    for (step, value) in LOSS.iter().enumerate() {
        w.add_scalar("loss", *value, step as i64).unwrap();
    }
    let at = |step: usize| -> Vec<(&str, f32)> {
        ACC.iter()
            .map(|&(name, v0, v1)| (name, if step == 0 { v0 } else { v1 }))
            .collect()
    };
    w.add_scalars("acc", &at(0), 0).unwrap();
    w.add_scalars("acc", &at(1), 1).unwrap();
    w.add_histogram("layer1/weights", &WEIGHTS, 0).unwrap();
    let raw = HistogramProto {
        min: 0.0,
        max: 3.0,
        num: 4.0,
        sum: 6.0,
        sum_squares: 14.0,
        bucket_limit: vec![1.0, 2.0, 3.0],
        bucket: vec![1.0, 2.0, 1.0],
    };
    w.add_histogram_raw("raw", &raw, 3).unwrap();
    let rgb: Vec<u8> = PIXELS.concat();
    w.add_image("boundary", &rgb, IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_STEP)
        .unwrap();
    w.add_text("notes", "hello *world*", 0).unwrap();
    w.add_text("notes", "second `note`", 1).unwrap();
    w.add_graph(&graph()).unwrap();
    w.add_hparams_experiment(&experiment()).unwrap();
    let charts = [(
        "loss and accuracy",
        vec!["loss".to_string(), "acc".to_string()],
    )];
    w.add_custom_scalars(&layout::multiline("Training", &charts))
        .unwrap();
    w.close().unwrap();

    let mut t1 = SummaryWriter::new(logdir.join("trial-1")).unwrap();
    let hparams = [
        ("lr", HParamValue::Num(0.1)),
        ("activation", HParamValue::Str("relu".into())),
        ("layers", HParamValue::Num(11.0)),
        ("batchnorm", HParamValue::Bool(false)),
    ];
    t1.add_hparams_start(&hparams, Some("relu-11")).unwrap();
    t1.add_scalar("accuracy", 0.5, 0).unwrap();
    t1.add_scalar("accuracy", 1.0, 100).unwrap();
    t1.add_scalar("loss", 0.01, 100).unwrap();
    t1.add_hparams_end(Status::Success).unwrap();
    t1.close().unwrap();

    let mut t2 = SummaryWriter::new(logdir.join("trial-2")).unwrap();
    let hparams = [
        ("lr", HParamValue::Num(0.5)),
        ("activation", HParamValue::Str("sigmoid".into())),
        ("layers", HParamValue::Num(11.0)),
        ("batchnorm", HParamValue::Bool(true)),
    ];
    t2.add_hparams_start(&hparams, None).unwrap();
    t2.add_scalar("accuracy", 0.5, 100).unwrap();
    t2.add_hparams_end(Status::Failure).unwrap();
    t2.close().unwrap();
}

const RUNS: [&str; 5] = [".", "acc_train", "acc_test", "trial-1", "trial-2"];

fn tensorboard_shows_everything_the_summary_writer_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path();
    write_logdir(logdir);
    thread::scope(|s| {
        let handles = [true, false].map(|load_fast| s.spawn(move || check_all(logdir, load_fast)));
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

fn check_all(logdir: &Path, load_fast: bool) {
    let mut tb = TensorBoard::start(logdir, load_fast);
    tb.wait_for_runs(&RUNS, DEFAULT_TIMEOUT);
    // A run is listed once its directory is found; its scalar tags appear once its file
    // has been read (whole: the writers were closed before the server started).
    tb.wait_for_json("/data/plugin/scalars/tags", DEFAULT_TIMEOUT, |tags| {
        RUNS.iter().all(|run| tags.get(run).is_some())
    });

    check_scalars(&tb);
    check_histograms(&tb);
    check_image(&tb);
    check_text(&tb);
    check_graph(&tb);
    check_hparams(&tb);
    check_custom_scalars(&tb);
    tb.assert_every_plugin_has_data();

    tb.assert_log_clean();
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn check_scalars(tb: &TensorBoard) {
    let label = tb.label();
    let tags = tb.tags("scalars");
    assert_eq!(keys(&tags["."]), ["loss"], "{label}: scalar tags {tags}");
    assert_eq!(keys(&tags["acc_train"]), ["acc"], "{label}: {tags}");
    assert_eq!(keys(&tags["acc_test"]), ["acc"], "{label}: {tags}");
    assert_eq!(
        keys(&tags["trial-1"]),
        ["accuracy", "loss"],
        "{label}: {tags}"
    );

    let loss: Vec<(i64, f64)> = tb
        .scalars(".", "loss")
        .into_iter()
        .map(|(_, step, value)| (step, value))
        .collect();
    let expected: Vec<(i64, f64)> = LOSS
        .iter()
        .enumerate()
        .map(|(step, v)| (step as i64, f64::from(*v)))
        .collect();
    assert_eq!(loss, expected, "{label}: loss");

    for (series, v0, v1) in ACC {
        let run = format!("acc_{series}");
        let got: Vec<(i64, f64)> = tb
            .scalars(&run, "acc")
            .into_iter()
            .map(|(_, step, value)| (step, value))
            .collect();
        assert_eq!(
            got,
            [(0, f64::from(v0)), (1, f64::from(v1))],
            "{label}: {run}/acc"
        );
    }
}

fn check_histograms(tb: &TensorBoard) {
    let label = tb.label();
    let tags = tb.tags("histograms");
    assert_eq!(
        keys(&tags["."]),
        ["layer1/weights", "raw"],
        "{label}: histogram tags {tags}"
    );

    let weights = tb.histograms(".", "layer1/weights");
    assert_eq!(weights.len(), 1, "{label}: {weights:?}");
    let (_, step, buckets) = &weights[0];
    assert_eq!(*step, 0, "{label}");
    let total: f64 = buckets.iter().map(|b| b[2]).sum();
    assert_eq!(
        total,
        WEIGHTS.len() as f64,
        "{label}: counts of {buckets:?}"
    );
    let first = buckets.first().expect("buckets");
    let last = buckets.last().expect("buckets");
    assert_eq!(
        (first[0], last[1]),
        (-1.0, 2.0),
        "{label}: edges {buckets:?}"
    );
    // Each value lands in a bucket whose range holds it.
    for b in buckets.iter().filter(|b| b[2] > 0.0) {
        let inside = WEIGHTS
            .iter()
            .filter(|&&v| f64::from(v) >= b[0] && f64::from(v) <= b[1])
            .count();
        assert!(
            inside as f64 >= b[2],
            "{label}: bucket {b:?} counts more values than lie in it"
        );
    }

    let raw = tb.histograms(".", "raw");
    assert_eq!(raw.len(), 1, "{label}: {raw:?}");
    assert_eq!(raw[0].1, 3, "{label}: raw step");
    assert_eq!(
        raw[0].2,
        vec![[0.0, 1.0, 1.0], [1.0, 2.0, 2.0], [2.0, 3.0, 1.0]],
        "{label}: raw buckets"
    );
}

fn check_image(tb: &TensorBoard) {
    let label = tb.label();
    let tags = tb.tags("images");
    assert_eq!(keys(&tags["."]), ["boundary"], "{label}: image tags {tags}");
    assert_eq!(tags["."]["boundary"]["samples"], 1, "{label}: {tags}");

    let entries = tb.images(".", "boundary");
    assert_eq!(entries.len(), 1, "{label}: {entries:?}");
    assert_eq!(entries[0]["step"], IMAGE_STEP, "{label}: {entries:?}");
    let image_query = entries[0]["query"].as_str().expect("query string");
    let png_bytes = tb.individual_image(image_query);
    assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n", "{label}: not a PNG");

    let decoder = png::Decoder::new(Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    assert_eq!(
        (info.width, info.height, info.bit_depth),
        (IMAGE_WIDTH, IMAGE_HEIGHT, png::BitDepth::Eight),
        "{label}"
    );
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("{label}: unexpected PNG colour type {other:?}"),
    };
    let mut pixels = Vec::new();
    for row in buf.chunks(info.line_size).take(IMAGE_HEIGHT as usize) {
        for px in row.chunks(channels).take(IMAGE_WIDTH as usize) {
            if channels == 4 {
                assert_eq!(px[3], 255, "{label}: alpha");
            }
            pixels.push([px[0], px[1], px[2]]);
        }
    }
    assert_eq!(pixels, PIXELS, "{label}: decoded pixels");
}

fn check_text(tb: &TensorBoard) {
    let label = tb.label();
    let tags = tb.tags("text");
    assert_eq!(tags["."], json!(["notes"]), "{label}: text tags {tags}");
    let notes = tb.text(".", "notes");
    assert_eq!(notes.len(), 2, "{label}: {notes:?}");
    assert_eq!(notes[0].0, 0, "{label}");
    assert!(
        notes[0].1.contains("<p>hello <em>world</em></p>"),
        "{label}: markdown not rendered: {:?}",
        notes[0].1
    );
    assert_eq!(notes[1].0, 1, "{label}");
    assert!(
        notes[1].1.contains("<p>second <code>note</code></p>"),
        "{label}: {:?}",
        notes[1].1
    );
}

/// Splits a GraphDef pbtxt into `name -> node block text`.
fn pbtxt_nodes(pbtxt: &str) -> BTreeMap<String, String> {
    pbtxt
        .split("node {")
        .skip(1)
        .filter_map(|block| {
            let name = block.split("name: \"").nth(1)?.split('"').next()?;
            Some((name.to_string(), block.to_string()))
        })
        .collect()
}

fn check_graph(tb: &TensorBoard) {
    let label = tb.label();
    let info = tb.graphs_info();
    assert_eq!(info["."]["run_graph"], true, "{label}: graphs info {info}");
    let pbtxt = tb.graph_pbtxt(".");
    let nodes = pbtxt_nodes(&pbtxt);
    let names: Vec<&str> = nodes.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["input/x", "layer1/MatMul", "layer1/Sigmoid", "layer1/W"],
        "{label}: {pbtxt}"
    );
    let matmul = &nodes["layer1/MatMul"];
    for line in [
        "op: \"MatMul\"",
        "input: \"input/x\"",
        "input: \"layer1/W\"",
    ] {
        assert!(matmul.contains(line), "{label}: {line} missing in {matmul}");
    }
    assert!(
        nodes["layer1/Sigmoid"].contains("input: \"layer1/MatMul\""),
        "{label}: {pbtxt}"
    );
}

/// `hparamInfos` of an experiment, by name.
fn hparam_infos(experiment: &Value) -> BTreeMap<String, Value> {
    experiment["hparamInfos"]
        .as_array()
        .map(|infos| {
            infos
                .iter()
                .map(|i| (i["name"].as_str().unwrap_or("").to_string(), i.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// A JSON list's items, sorted by their text, so domain order does not matter.
fn sorted(list: &Value) -> Vec<String> {
    let mut items: Vec<String> = list
        .as_array()
        .map(|a| a.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    items.sort();
    items
}

fn check_hparams(tb: &TensorBoard) {
    let label = tb.label();
    let experiment = tb.hparams_experiment();
    let infos = hparam_infos(&experiment);
    assert_eq!(
        infos.keys().map(String::as_str).collect::<Vec<_>>(),
        ["activation", "batchnorm", "layers", "lr", "note"],
        "{label}: experiment {experiment:#}"
    );
    assert_eq!(infos["lr"]["type"], "DATA_TYPE_FLOAT64", "{label}");
    assert_eq!(
        infos["lr"]["domainInterval"],
        json!({"minValue": 0.001, "maxValue": 1.0}),
        "{label}: {experiment:#}"
    );
    assert_eq!(infos["activation"]["type"], "DATA_TYPE_STRING", "{label}");
    assert_eq!(
        sorted(&infos["activation"]["domainDiscrete"]),
        ["\"relu\"", "\"sigmoid\""],
        "{label}: {experiment:#}"
    );
    assert_eq!(infos["layers"]["type"], "DATA_TYPE_FLOAT64", "{label}");
    assert_eq!(
        sorted(&infos["layers"]["domainDiscrete"]),
        ["11.0", "2.0"],
        "{label}: {experiment:#}"
    );
    assert_eq!(infos["batchnorm"]["type"], "DATA_TYPE_BOOL", "{label}");
    assert_eq!(
        sorted(&infos["batchnorm"]["domainDiscrete"]),
        ["false", "true"],
        "{label}: {experiment:#}"
    );
    assert!(
        infos["note"].get("domainDiscrete").is_none()
            && infos["note"].get("domainInterval").is_none(),
        "{label}: {experiment:#}"
    );
    let metric_tags: Vec<(&str, &str)> = experiment["metricInfos"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| {
                    (
                        m["name"]["tag"].as_str().unwrap_or("?"),
                        m["name"]["group"].as_str().unwrap_or("?"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        metric_tags,
        [("accuracy", ""), ("loss", "")],
        "{label}: {experiment:#}"
    );

    let groups = tb.hparams_session_groups();
    assert_eq!(groups["totalSize"], 2, "{label}: {groups:#}");
    let by_name: BTreeMap<&str, &Value> = groups["sessionGroups"]
        .as_array()
        .map(|g| {
            g.iter()
                .map(|g| (g["name"].as_str().unwrap_or("?"), g))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        by_name.keys().copied().collect::<Vec<_>>(),
        ["relu-11", "trial-2"],
        "{label}: group names {groups:#}"
    );

    let relu = by_name["relu-11"];
    assert_eq!(
        relu["hparams"],
        json!({"lr": 0.1, "activation": "relu", "layers": 11.0, "batchnorm": false}),
        "{label}: {relu:#}"
    );
    let sessions = relu["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{label}: {relu:#}");
    assert_eq!(sessions[0]["name"], "trial-1", "{label}: {relu:#}");
    assert_eq!(sessions[0]["status"], "STATUS_SUCCESS", "{label}: {relu:#}");
    let metrics: BTreeMap<&str, (f64, i64)> = sessions[0]["metricValues"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| {
                    (
                        m["name"]["tag"].as_str().unwrap_or("?"),
                        (
                            m["value"].as_f64().unwrap_or(f64::NAN),
                            m["trainingStep"].as_i64().unwrap_or(-1),
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        metrics,
        BTreeMap::from([
            ("accuracy", (1.0, 100)),
            ("loss", (f64::from(0.01f32), 100))
        ]),
        "{label}: last metric values {relu:#}"
    );

    let failed = by_name["trial-2"];
    assert_eq!(
        failed["hparams"],
        json!({"lr": 0.5, "activation": "sigmoid", "layers": 11.0, "batchnorm": true}),
        "{label}: {failed:#}"
    );
    assert_eq!(failed["sessions"][0]["name"], "trial-2", "{label}");
    assert_eq!(
        failed["sessions"][0]["status"], "STATUS_FAILURE",
        "{label}: {failed:#}"
    );
}

fn check_custom_scalars(tb: &TensorBoard) {
    let label = tb.label();
    let layout = tb.custom_scalars_layout();
    let categories = layout["category"].as_array().expect("categories");
    assert_eq!(categories.len(), 1, "{label}: {layout:#}");
    assert_eq!(categories[0]["title"], "Training", "{label}: {layout:#}");
    let charts = categories[0]["chart"].as_array().expect("charts");
    assert_eq!(charts.len(), 1, "{label}: {layout:#}");
    assert_eq!(charts[0]["title"], "loss and accuracy", "{label}");
    assert_eq!(
        charts[0]["multiline"]["tag"],
        json!(["loss", "acc"]),
        "{label}: {layout:#}"
    );
}

/// `add_hparams` alone (experiment inferred from the values, plus the session start, in
/// one run) gives the hparams dashboard one session with those values and the metric.
fn tensorboard_shows_the_one_run_experiment_of_add_hparams() {
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path();
    let mut w = SummaryWriter::new(logdir.join("run-a")).unwrap();
    let hparams = [
        ("lr", HParamValue::Num(0.1)),
        ("act", HParamValue::Str("relu".into())),
    ];
    w.add_hparams(&hparams, &["accuracy"]).unwrap();
    w.add_scalar("accuracy", 0.75, 10).unwrap();
    w.close().unwrap();

    thread::scope(|s| {
        let handles = [true, false].map(|load_fast| {
            s.spawn(move || {
                let mut tb = TensorBoard::start(logdir, load_fast);
                tb.wait_for_runs(&["run-a"], DEFAULT_TIMEOUT);
                tb.wait_for_json("/data/plugin/scalars/tags", DEFAULT_TIMEOUT, |tags| {
                    tags.get("run-a").is_some()
                });
                let label = tb.label();
                let experiment = tb.hparams_experiment();
                let infos = hparam_infos(&experiment);
                assert_eq!(infos.len(), 2, "{label}: {experiment:#}");
                assert_eq!(infos["lr"]["type"], "DATA_TYPE_FLOAT64", "{label}");
                assert_eq!(infos["lr"]["domainDiscrete"], json!([0.1]), "{label}");
                assert_eq!(infos["act"]["type"], "DATA_TYPE_STRING", "{label}");
                assert_eq!(infos["act"]["domainDiscrete"], json!(["relu"]), "{label}");
                assert_eq!(
                    experiment["metricInfos"][0]["name"],
                    json!({"tag": "accuracy", "group": ""}),
                    "{label}: {experiment:#}"
                );
                let groups = tb.hparams_session_groups();
                assert_eq!(groups["totalSize"], 1, "{label}: {groups:#}");
                let group = &groups["sessionGroups"][0];
                // No group name given: the group is named after the session (the run).
                assert_eq!(group["name"], "run-a", "{label}: {groups:#}");
                assert_eq!(
                    group["hparams"],
                    json!({"lr": 0.1, "act": "relu"}),
                    "{label}"
                );
                let session = &group["sessions"][0];
                assert_eq!(session["name"], "run-a", "{label}: {groups:#}");
                // Never ended: no session_end_info.
                assert_eq!(session["status"], "STATUS_UNKNOWN", "{label}: {groups:#}");
                assert_eq!(
                    (
                        &session["metricValues"][0]["value"],
                        &session["metricValues"][0]["trainingStep"]
                    ),
                    (&json!(0.75), &json!(10)),
                    "{label}: {groups:#}"
                );
                let problems = tb.server_log_problems();
                assert!(problems.is_empty(), "{label}: {problems:#?}");
            })
        });
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

/// Descriptions (`SummaryWriter::set_description`) reach the tags routes the web page uses
/// (shown under each chart) with both loaders, written by a blocking and a non-blocking
/// writer: scalars, an `add_scalars` chart (in each sub-run), histograms (also Time
/// Series' `tagDescriptions`) and images. The text plugin serves no descriptions.
fn tensorboard_serves_the_descriptions_of_every_kind() {
    const COST: &str = "**ln 2** = 0.6931 means the output is 0.5 for every input.";
    const WEIGHTS_MD: &str = "Weights of layer 1; read them *beside* layer 11.";
    const BOUNDARY: &str = "Blue: class 0, red: class 1; dots are the training points.";
    const ACC: &str = "Accuracy per split.";
    let dir = tempfile::tempdir().unwrap();
    let logdir = dir.path();
    for (run, non_blocking) in [("blocking", false), ("non_blocking", true)] {
        let options = tbtrain::events::WriterOptions {
            non_blocking,
            ..Default::default()
        };
        let mut w = SummaryWriter::with_options(logdir.join(run), options).unwrap();
        for (tag, text) in [
            ("cost", COST),
            ("layer1/weights", WEIGHTS_MD),
            ("decision_boundary", BOUNDARY),
            ("acc", ACC),
            ("notes", "not shown"),
        ] {
            w.set_description(tag, text).unwrap();
        }
        for step in 0..3 {
            w.add_scalar("cost", std::f32::consts::LN_2, step).unwrap();
            w.add_scalars("acc", &[("train", 0.5), ("test", 0.25)], step)
                .unwrap();
            w.add_histogram("layer1/weights", &WEIGHTS, step).unwrap();
            w.add_image("decision_boundary", &PIXELS.concat(), 3, 2, step)
                .unwrap();
            w.add_text("notes", "a note", step).unwrap();
        }
        w.close().unwrap();
    }
    let runs = [
        "blocking",
        "non_blocking",
        "blocking/acc_train",
        "non_blocking/acc_test",
    ];
    thread::scope(|s| {
        let handles = [true, false].map(|load_fast| {
            s.spawn(move || {
                let mut tb = TensorBoard::start(logdir, load_fast);
                tb.wait_for_runs(&runs, DEFAULT_TIMEOUT);
                let label = tb.label();
                let scalars = tb.wait_for_json("/data/plugin/scalars/tags", DEFAULT_TIMEOUT, |t| {
                    runs.iter().all(|r| t.get(r).is_some())
                });
                let cost_html = "<strong>ln 2</strong> = 0.6931 means the output is 0.5";
                for run in ["blocking", "non_blocking"] {
                    let d = scalars[run]["cost"]["description"].as_str().unwrap_or("");
                    assert!(d.contains(cost_html), "{label}: {run}/cost: {scalars:#}");
                    for sub in ["acc_train", "acc_test"] {
                        let d = scalars[format!("{run}/{sub}")]["acc"]["description"]
                            .as_str()
                            .unwrap_or("");
                        assert!(d.contains(ACC), "{label}: {run}/{sub}: {scalars:#}");
                    }
                }
                let histograms = tb.tags("histograms");
                let images = tb.tags("images");
                for run in ["blocking", "non_blocking"] {
                    let d = histograms[run]["layer1/weights"]["description"]
                        .as_str()
                        .unwrap_or("");
                    assert!(
                        d.contains("read them <em>beside</em> layer 11"),
                        "{label}: {run}: {histograms:#}"
                    );
                    let d = images[run]["decision_boundary"]["description"]
                        .as_str()
                        .unwrap_or("");
                    assert!(d.contains(BOUNDARY), "{label}: {run}: {images:#}");
                    assert_eq!(images[run]["decision_boundary"]["samples"], 1, "{label}");
                }
                let series = tb.get_json("/data/plugin/timeseries/tags");
                for (kind, tag, needle) in [
                    ("scalars", "cost", cost_html),
                    ("histograms", "layer1/weights", "<em>beside</em>"),
                    ("images", "decision_boundary", BOUNDARY),
                ] {
                    let d = series[kind]["tagDescriptions"][tag].as_str().unwrap_or("");
                    assert!(d.contains(needle), "{label}: timeseries {kind}: {series:#}");
                }
                // The described first events are still read as data, exactly.
                let cost = tb.scalars("blocking", "cost");
                assert_eq!(cost.len(), 3, "{label}: {cost:?}");
                assert!(
                    cost.iter()
                        .all(|p| p.2 == f64::from(std::f32::consts::LN_2)),
                    "{label}: {cost:?}"
                );
                assert_eq!(tb.histograms("non_blocking", "layer1/weights").len(), 3);
                assert_eq!(tb.text("blocking", "notes").len(), 3, "{label}");
                tb.assert_log_clean();
            })
        });
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}
