//! The live test of the classifier's dashboards: PR curves written by
//! `SummaryWriter::add_pr_curve` / `add_pr_curve_raw` and embeddings written by
//! `add_embedding`, read back from the REAL TensorBoard, with each loader
//! (`--load_fast=true`, the Rust data server, and `false`, the Python one, at their
//! default settings, concurrently, each its own server), through the routes the web
//! page calls: `pr_curves/tags` and `pr_curves/pr_curves`, and the Projector's `runs`,
//! `info`, `tensor`, `metadata` and `sprite_image`. Values are compared exactly: counts,
//! precision and recall as the f32 written, the tensor's float32 bytes, the metadata
//! text, the sprite's PNG bytes and pixels.
//!
//! Without the venv from `scripts/setup-venv.sh` the tests are reported as ignored, with
//! the reason; `TBTRAIN_REQUIRE_TENSORBOARD=1` makes that a failure.

mod common;

use std::path::Path;

use serde_json::Value;
use tbtrain::summary::projector::{self, Embedding, Sprite};
use tbtrain::summary::PrCurveData;
use tbtrain::SummaryWriter;

use common::harness::Need;
use common::{query, with_both_loaders, TensorBoard, DEFAULT_TIMEOUT};

fn main() {
    common::harness::main(vec![
        trial!(
            tensorboard_serves_pr_curves_per_class_with_both_loaders,
            Need::TensorBoard
        ),
        trial!(
            tensorboard_projector_serves_embeddings_with_both_loaders,
            Need::TensorBoard
        ),
    ]);
}

// ---- PR curves ------------------------------------------------------------------------

const CLASSES: [&str; 3] = ["cat", "dog", "bird"];
/// The class of each of 12 test points.
const TRUTH: [usize; 12] = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1];
/// Thresholds asked for.
const THRESHOLDS: u32 = 11;
const STEPS: [i64; 3] = [0, 5, 10];

/// The predicted probability of `class` for point `i` at `step`: deterministic, in
/// [0, 1]; cat and dog reach 1.0 (so every threshold is served), bird never passes 0.64
/// (TensorBoard cuts its curve after the last threshold with a prediction, 0.5).
fn prediction(class: usize, i: usize, step: i64) -> f32 {
    if class < 2 && i == class {
        return 1.0;
    }
    let spread = ((i * 7 + class * 3) % 10) as f32 / 100.0;
    let drift = step as f32 / 200.0;
    if TRUTH[i] == class {
        0.5 + spread + drift
    } else {
        0.1 + spread + drift
    }
}

fn class_labels(class: usize) -> Vec<bool> {
    TRUTH.iter().map(|&t| t == class).collect()
}

fn class_predictions(class: usize, step: i64) -> Vec<f32> {
    (0..TRUTH.len())
        .map(|i| prediction(class, i, step))
        .collect()
}

/// A raw curve of 4 thresholds, given as is.
fn raw_curve() -> PrCurveData {
    PrCurveData {
        true_positives: vec![4.0, 3.0, 1.0, 1.0],
        false_positives: vec![4.0, 2.0, 1.0, 0.0],
        true_negatives: vec![0.0, 2.0, 3.0, 4.0],
        false_negatives: vec![0.0, 1.0, 3.0, 3.0],
        precision: vec![0.5, 0.6, 0.5, 1.0],
        recall: vec![1.0, 0.75, 0.25, 0.25],
    }
}

fn write_pr_logdir(logdir: &Path) {
    let mut w = SummaryWriter::new(logdir.join("classifier")).unwrap();
    w.set_description("pr/cat", "Is it a **cat**?").unwrap();
    for step in STEPS {
        for (class, name) in CLASSES.iter().enumerate() {
            let (labels, predictions) = (class_labels(class), class_predictions(class, step));
            w.add_pr_curve(
                &format!("pr/{name}"),
                &labels,
                &predictions,
                step,
                THRESHOLDS,
            )
            .unwrap();
        }
        w.add_scalar("loss", 1.0 / (1.0 + step as f32), step)
            .unwrap();
    }
    w.add_pr_curve_raw("raw", &raw_curve(), 3).unwrap();
    w.close().unwrap();
}

fn tensorboard_serves_pr_curves_per_class_with_both_loaders() {
    let dir = tempfile::tempdir().unwrap();
    write_pr_logdir(dir.path());
    with_both_loaders(dir.path(), check_pr_curves);
}

fn check_pr_curves(tb: &mut TensorBoard) {
    let label = tb.label();
    tb.wait_for_runs(&["classifier"], DEFAULT_TIMEOUT);
    let tags = tb.wait_for_json("/data/plugin/pr_curves/tags", DEFAULT_TIMEOUT, |tags| {
        tags["classifier"].as_object().is_some_and(|t| t.len() == 4)
    });
    let listed: Vec<&String> = tags["classifier"].as_object().unwrap().keys().collect();
    assert_eq!(
        listed,
        ["pr/bird", "pr/cat", "pr/dog", "raw"],
        "{label}: {tags}"
    );
    assert_eq!(
        tags["classifier"]["pr/cat"]["displayName"], "pr/cat",
        "{label}"
    );
    assert_eq!(
        tags["classifier"]["pr/cat"]["description"], "<p>Is it a <strong>cat</strong>?</p>",
        "{label}"
    );

    for (class, name) in CLASSES.iter().enumerate() {
        let tag = format!("pr/{name}");
        let entries = tb.pr_curves("classifier", &tag);
        let steps: Vec<i64> = entries
            .iter()
            .map(|e| e["step"].as_i64().unwrap())
            .collect();
        assert_eq!(steps, STEPS, "{label}: {tag}");
        for (entry, step) in entries.iter().zip(STEPS) {
            let labels = class_labels(class);
            let curve = PrCurveData::from_predictions(
                &tag,
                &labels,
                &class_predictions(class, step),
                THRESHOLDS,
            )
            .unwrap();
            check_entry(&label, &format!("{tag} at {step}"), entry, &curve);
        }
    }
    // Bird is never predicted above 0.55: TensorBoard serves its curve up to the last
    // threshold with a prediction at or above it (0.5), and no further.
    let bird = &tb.pr_curves("classifier", "pr/bird")[0];
    assert_eq!(
        bird["thresholds"].as_array().unwrap().len(),
        6,
        "{label}: {bird}"
    );
    let cat = &tb.pr_curves("classifier", "pr/cat")[0];
    assert_eq!(
        cat["thresholds"].as_array().unwrap().len(),
        THRESHOLDS as usize,
        "{label}: {cat}"
    );

    let raw = tb.pr_curves("classifier", "raw");
    assert_eq!(raw.len(), 1, "{label}");
    assert_eq!(raw[0]["step"], 3, "{label}");
    check_entry(&label, "raw", &raw[0], &raw_curve());
    tb.wait_for_json("/data/plugins_listing", DEFAULT_TIMEOUT, |l| {
        l["pr_curves"]["enabled"] == true
    });
}

/// One served entry against the curve written: the served prefix (TensorBoard stops at
/// the last threshold with any prediction at or above it) equals it exactly.
fn check_entry(label: &str, what: &str, entry: &Value, curve: &PrCurveData) {
    let n = curve.true_positives.len();
    let end = (0..n)
        .rev()
        .find(|&i| curve.true_positives[i] + curve.false_positives[i] > 0.0)
        .map_or(1, |i| i + 1);
    let served = |key: &str| -> Vec<f64> {
        entry[key]
            .as_array()
            .unwrap_or_else(|| panic!("{label}: {what}: no {key} in {entry}"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    for (key, row) in [
        ("true_positives", &curve.true_positives),
        ("false_positives", &curve.false_positives),
        ("true_negatives", &curve.true_negatives),
        ("false_negatives", &curve.false_negatives),
        ("precision", &curve.precision),
        ("recall", &curve.recall),
    ] {
        let expected: Vec<f64> = row[..end].iter().map(|&v| f64::from(v)).collect();
        assert_eq!(served(key), expected, "{label}: {what}: {key}");
    }
    // np.linspace(0, 1, N)[:end]: i * (1 / (N - 1)), within an ulp of i / (N - 1).
    let thresholds = served("thresholds");
    assert_eq!(thresholds.len(), end, "{label}: {what}");
    for (i, t) in thresholds.iter().enumerate() {
        let expected = i as f64 / (n - 1) as f64;
        assert!(
            (t - expected).abs() < 1e-12,
            "{label}: {what}: threshold {i} is {t}"
        );
    }
}

// ---- Projector ------------------------------------------------------------------------

/// Dimensions of the `hidden` embedding.
const DIM: usize = 3;
/// One sprite image: 3 wide, 2 high.
const IMAGE_W: u32 = 3;
const IMAGE_H: u32 = 2;

fn hidden_features(step: i64) -> Vec<f32> {
    let tricky = [
        0.1,
        1.0 / 3.0,
        -2.5e-20,
        123_456.79,
        f32::MIN_POSITIVE,
        -0.0,
    ];
    (0..TRUTH.len() * DIM)
        .map(|i| tricky[i % tricky.len()] + (i as f32) * 0.25 + step as f32)
        .collect()
}

/// Twelve RGB images of 3x2, each its own colours.
fn rgb_images() -> Vec<u8> {
    let pixels = (IMAGE_W * IMAGE_H) as usize;
    (0..TRUTH.len() * pixels * 3)
        .map(|i| (i * 37 % 251) as u8)
        .collect()
}

fn class_names() -> Vec<String> {
    TRUTH.iter().map(|&t| CLASSES[t].to_string()).collect()
}

/// The metadata TSV of `input` (three columns: a header row).
fn input_metadata() -> String {
    let mut tsv = String::from("class\tx\ty\n");
    for (i, &t) in TRUTH.iter().enumerate() {
        tsv.push_str(&format!("{}\t{}\t{}\n", CLASSES[t], i, i as f32 / 2.0));
    }
    tsv
}

fn write_projector_logdir(logdir: &Path) {
    let mut w = SummaryWriter::new(logdir.join("classifier")).unwrap();
    w.add_scalar("loss", 0.5, 0).unwrap();
    let images = rgb_images();
    for step in [5, 10] {
        let features = hidden_features(step);
        let e = Embedding::new(&features, DIM)
            .labels(class_names())
            .sprite(Sprite::rgb(&images, IMAGE_W, IMAGE_H));
        w.add_embedding("hidden", &e, step).unwrap();
    }
    let input: Vec<f32> = (0..TRUTH.len() * 2).map(|i| i as f32 / 7.0).collect();
    let grey: Vec<u8> = (0..TRUTH.len() * 4).map(|i| (i * 5) as u8).collect();
    let xs: Vec<String> = (0..TRUTH.len()).map(|i| i.to_string()).collect();
    let ys: Vec<String> = (0..TRUTH.len())
        .map(|i| (i as f32 / 2.0).to_string())
        .collect();
    let e = Embedding::new(&input, 2)
        .column("class", class_names())
        .column("x", xs)
        .column("y", ys)
        .sprite(Sprite::grey(&grey, 2, 2));
    w.add_embedding("input", &e, 0).unwrap();
    w.close().unwrap();

    // A run holding nothing but the writer's event file and one embedding.
    let mut w = SummaryWriter::new(logdir.join("emb_only")).unwrap();
    let e = Embedding::new(&[1.5, -2.0], 1).labels(["caf\u{e9}", "tab\there"]);
    w.add_embedding("points", &e, 0).unwrap();
    w.close().unwrap();
}

fn tensorboard_projector_serves_embeddings_with_both_loaders() {
    let dir = tempfile::tempdir().unwrap();
    write_projector_logdir(dir.path());
    with_both_loaders(dir.path(), check_projector);
}

fn check_projector(tb: &mut TensorBoard) {
    let label = tb.label();
    tb.wait_for_runs(&["classifier", "emb_only"], DEFAULT_TIMEOUT);
    // The plugin lists the runs TensorBoard's data provider lists (each with its
    // `projector_config.pbtxt` read from `<logdir>/<run>`), plus the logdir itself if it
    // has a config; a run without a config is not listed.
    let runs = tb.wait_for_json("/data/plugin/projector/runs", DEFAULT_TIMEOUT, |r| {
        r.as_array().is_some_and(|r| r.len() == 2)
    });
    let mut runs: Vec<String> = serde_json::from_value(runs).unwrap();
    runs.sort();
    assert_eq!(runs, ["classifier", "emb_only"], "{label}");

    let info = tb.get_json(&format!(
        "/data/plugin/projector/info?{}",
        query(&[("run", "classifier")])
    ));
    let embeddings = info["embeddings"].as_array().unwrap();
    let names: Vec<&str> = embeddings
        .iter()
        .map(|e| e["tensorName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["hidden:00005", "hidden:00010", "input:00000"],
        "{label}: {info}"
    );
    let hidden = &embeddings[1];
    assert_eq!(
        hidden["tensorShape"],
        serde_json::json!([12, 3]),
        "{label}: {info}"
    );
    assert_eq!(
        hidden["sprite"]["singleImageDim"],
        serde_json::json!([IMAGE_W, IMAGE_H]),
        "{label}: {info}"
    );
    assert_eq!(
        hidden["tensorPath"], "projector/hidden-10/tensors.tsv",
        "{label}"
    );

    for step in [5, 10] {
        let name = projector::tensor_name("hidden", step);
        let bytes = tb.projector("tensor", "classifier", &name);
        let expected: Vec<u8> = hidden_features(step)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert!(
            bytes == expected,
            "{label}: tensor {name}: other float32 bytes"
        );
        let metadata = tb.projector("metadata", "classifier", &name);
        let mut labels = class_names().join("\n");
        labels.push('\n');
        assert_eq!(
            String::from_utf8_lossy(&metadata),
            labels,
            "{label}: {name}"
        );
        let sprite = tb.projector("sprite_image", "classifier", &name);
        let on_disk = std::fs::read(
            tb.logdir()
                .join(format!("classifier/projector/hidden-{step}/sprite.png")),
        )
        .unwrap();
        assert!(sprite == on_disk, "{label}: sprite of {name}: other bytes");
        check_sprite_pixels(&label, &sprite);
    }

    let input = tb.projector("metadata", "classifier", "input:00000");
    assert_eq!(String::from_utf8_lossy(&input), input_metadata(), "{label}");
    let tensor = tb.projector("tensor", "classifier", "input:00000");
    assert_eq!(tensor.len(), TRUTH.len() * 2 * 4, "{label}");

    let points = tb.projector("tensor", "emb_only", "points:00000");
    let expected: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    assert_eq!(points, expected, "{label}");
    let metadata = tb.projector("metadata", "emb_only", "points:00000");
    assert_eq!(
        String::from_utf8_lossy(&metadata),
        "caf\u{e9}\ntab\\there\n",
        "{label}"
    );
    tb.wait_for_json("/data/plugins_listing", DEFAULT_TIMEOUT, |l| {
        l["projector"]["enabled"] == true
    });
}

/// The sprite is 4x4 images of 3x2: image `i` at cell `(i % 4, i / 4)`, the last row of
/// cells black.
fn check_sprite_pixels(label: &str, png_bytes: &[u8]) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (info.width, info.height),
        (4 * IMAGE_W, 4 * IMAGE_H),
        "{label}"
    );
    let images = rgb_images();
    let (w, h) = (IMAGE_W as usize, IMAGE_H as usize);
    let row_bytes = 4 * w * 3;
    for cell in 0..16 {
        for y in 0..h {
            let at = ((cell / 4) * h + y) * row_bytes + (cell % 4) * w * 3;
            let got = &buf[at..at + w * 3];
            let expected = if cell < TRUTH.len() {
                &images[(cell * h + y) * w * 3..(cell * h + y + 1) * w * 3]
            } else {
                &[0u8; 9][..]
            };
            assert_eq!(got, expected, "{label}: sprite cell {cell}, line {y}");
        }
    }
}
