//! The live test of a Fashion-MNIST run's views: a small run (the first 2,000 training
//! and 1,000 test images of Debian's Fashion-MNIST, 2 epochs of batches of 100) of a
//! 3-layer ReLU net and of the lesson's 11-layer sigmoid net, trained through
//! `tbtrain::train::train`, then read back by the REAL TensorBoard at its default
//! settings with each loader (`--load_fast=true` and `false`, concurrently, one server
//! each) through the HTTP routes its web page calls:
//!
//! - scalars: `accuracy` (and `cost`) served for the run `X` and its test sub-run
//!   `X/test`, so Time Series draws both on one card; the ReLU net's training cost
//!   starts at the 10-class guess, ln 10;
//! - images of the test sub-run: `evaluation/confusion_matrix` and `evaluation/test_images` are PNGs of the
//!   size the trainer draws, at the same steps as the PR curves;
//! - the PR-curves plugin: one curve per class, `pr_curve/<class name>`, each entry on
//!   the 201 thresholds written (a prefix of them: TensorBoard cuts a curve after its
//!   last threshold with a prediction), recall 1 at threshold 0;
//! - the Projector: the `last_hidden_layer` embedding of the test sub-run with 1,000
//!   points of the last hidden layer's width, the metadata header `label\tpredicted`
//!   with class names, and a PNG sprite of 32 x 32 images of 28 x 28; the sigmoid net's
//!   points lie on one spot, the ReLU net's do not;
//! - a server log without read errors.
//!
//! Needs the venv from `scripts/setup-venv.sh` and Debian's `dataset-fashion-mnist`;
//! without them the test is reported as ignored, with the reason
//! (`TBTRAIN_REQUIRE_TENSORBOARD=1`, `TBTRAIN_REQUIRE_FASHION_MNIST=1` make that a
//! failure: `tests/common/harness.rs`).

mod common;

use std::time::Instant;

use serde_json::Value;
use tbtrain::data::idx::FASHION_MNIST_CLASSES;
use tbtrain::nn::ActivationKind;
use tbtrain::summary::pr_curve::DEFAULT_NUM_THRESHOLDS;
use tbtrain::summary::projector;
use tbtrain::train::config::TEST_RUN;
use tbtrain::train::{confusion, embedding, gallery, tags};

use common::fashion::{small_split, train_run, wait_until_read, LAST, TEST_ROWS, WIDTH};
use common::harness::Need;
use common::{png_size, query, with_both_loaders, TensorBoard, DEFAULT_TIMEOUT};

fn main() {
    common::harness::main(vec![trial!(
        tensorboard_shows_the_views_of_a_fashion_mnist_run,
        Need::TensorBoard,
        Need::FashionMnist
    )]);
}

/// The sprite: `ceil(sqrt(1000))` = 32 images a side, each 28 x 28.
const SPRITE_SIDE: u32 = 32 * 28;

/// The runs: name, activation, depth.
const RUNS: [(&str, ActivationKind, usize); 2] = [
    ("relu", ActivationKind::Relu, 3),
    ("sig", ActivationKind::Sigmoid, 11),
];

fn tensorboard_shows_the_views_of_a_fashion_mnist_run() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let data = small_split();
    for (run, act, depth) in RUNS {
        train_run(&dir.path().join(run), &data, act, depth);
    }
    eprintln!(
        "read Fashion-MNIST and trained both runs in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    with_both_loaders(dir.path(), check_views);
    eprintln!(
        "both loaders checked in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

fn test_run(run: &str) -> String {
    format!("{run}/{TEST_RUN}")
}

fn check_views(tb: &mut TensorBoard) {
    let runs: Vec<String> = RUNS
        .iter()
        .flat_map(|r| [r.0.into(), test_run(r.0)])
        .collect();
    let listed: Vec<&str> = runs.iter().map(String::as_str).collect();
    tb.wait_for_runs(&listed, DEFAULT_TIMEOUT);
    for (run, _, _) in RUNS {
        wait_until_read(tb, run);
    }
    // The ReLU net starts at the 10-class guess: its first cost is about ln 10. (The
    // deep sigmoid net starts higher, its output the same for every input but not a
    // tenth for each class.)
    let label = tb.label();
    let (run, ln10) = (RUNS[0].0, 10f64.ln());
    let first_cost = tb.scalars(run, tags::COST)[0].2;
    assert!(
        (first_cost - ln10).abs() < 0.15,
        "{label}: {run}'s first cost {first_cost}, not about ln 10 = {ln10:.4}"
    );
    let mut spreads = Vec::new();
    for (run, _, _) in RUNS {
        check_scalars(tb, run);
        let picture_steps = check_pictures(tb, run);
        check_pr_curves(tb, run, &picture_steps);
        spreads.push(check_projector(tb, run));
    }
    // The lesson: the deep sigmoid net gives every input (almost) the same last hidden
    // layer, the ReLU net does not.
    // (Measured: 0.81 and 3e-7.)
    let (relu, sig) = (spreads[0], spreads[1]);
    assert!(
        relu > 0.1 && sig < 1e-3,
        "{label}: the Projector's points spread {relu} (relu) and {sig} (sig)"
    );
    tb.wait_for_json("/data/plugins_listing", DEFAULT_TIMEOUT, |l| {
        ["scalars", "images", "pr_curves", "projector"]
            .iter()
            .all(|p| l[p]["enabled"] == true)
    });
}

/// `accuracy` and `cost` of the run and of its test sub-run: the same tags, so one card
/// each; the training cost starts at ln 10.
fn check_scalars(tb: &mut TensorBoard, run: &str) {
    let label = tb.label();
    let test = test_run(run);
    let scalar_tags = tb.tags("scalars");
    for tag in [tags::ACCURACY, tags::COST] {
        for r in [run, test.as_str()] {
            assert!(
                scalar_tags[r].get(tag).is_some(),
                "{label}: no {tag} in run {r}: {scalar_tags}"
            );
        }
        let train_points = tb.scalars(run, tag);
        let test_points = tb.scalars(&test, tag);
        let last = |points: &[(f64, i64, f64)]| points.last().map(|p| p.1);
        // Training steps 0 ..= LAST; the test set is evaluated on the final weights too,
        // at step LAST + 1.
        assert_eq!(train_points[0].1, 0, "{label}: {run} {tag}");
        assert_eq!(last(&train_points), Some(LAST), "{label}: {run} {tag}");
        assert_eq!(test_points[0].1, 0, "{label}: {test} {tag}");
        assert_eq!(last(&test_points), Some(LAST + 1), "{label}: {test} {tag}");
        assert!(
            test_points.len() >= 3,
            "{label}: {test} {tag}: {test_points:?}"
        );
        for (_, step, value) in train_points.iter().chain(&test_points) {
            let range = if tag == tags::ACCURACY {
                0.0..=1.0
            } else {
                0.0..=10.0
            };
            assert!(
                range.contains(value),
                "{label}: {run} {tag} at {step}: {value}"
            );
        }
    }
}

/// The test sub-run's `evaluation/confusion_matrix` and `evaluation/test_images`: PNGs of the trainer's
/// widths, at the same steps. Returns those steps.
fn check_pictures(tb: &mut TensorBoard, run: &str) -> Vec<i64> {
    let label = tb.label();
    let test = test_run(run);
    let mut steps_of = Vec::new();
    for (tag, width) in [
        (tags::CONFUSION_MATRIX, confusion::WIDTH),
        (tags::TEST_IMAGES, gallery::WIDTH),
    ] {
        let entries = tb.images(&test, tag);
        let steps: Vec<i64> = entries
            .iter()
            .map(|e| e["step"].as_i64().unwrap())
            .collect();
        assert!(
            steps.len() >= 2 && steps[0] == 0 && steps.last() == Some(&(LAST + 1)),
            "{label}: {test} {tag} at steps {steps:?}"
        );
        for entry in [&entries[0], entries.last().unwrap()] {
            let bytes = tb.individual_image(entry["query"].as_str().unwrap());
            let (w, h) = png_size(&bytes).unwrap_or_else(|e| panic!("{label}: {test} {tag}: {e}"));
            assert!(
                w == width && (width / 2..=4 * width).contains(&h),
                "{label}: {test} {tag} is {w}x{h}, expected {width} wide"
            );
        }
        steps_of.push(steps);
    }
    assert_eq!(steps_of[0], steps_of[1], "{label}: {test}: picture steps");
    steps_of.swap_remove(0)
}

/// One PR curve per class, at the pictures' steps, on the 201 thresholds written.
fn check_pr_curves(tb: &mut TensorBoard, run: &str, steps: &[i64]) {
    let label = tb.label();
    let test = test_run(run);
    let listing = tb.get_json("/data/plugin/pr_curves/tags");
    let mut listed: Vec<&String> = listing[&test]
        .as_object()
        .unwrap_or_else(|| panic!("{label}: no PR curves for {test}: {listing}"))
        .keys()
        .collect();
    listed.sort();
    let mut expected: Vec<String> = FASHION_MNIST_CLASSES
        .iter()
        .map(|c| tags::pr_curve(c))
        .collect();
    expected.sort();
    assert_eq!(
        listed,
        expected.iter().collect::<Vec<_>>(),
        "{label}: {test}"
    );
    let n = DEFAULT_NUM_THRESHOLDS as usize;
    for tag in &expected {
        let entries = tb.pr_curves(&test, tag);
        let served: Vec<i64> = entries
            .iter()
            .map(|e| e["step"].as_i64().unwrap())
            .collect();
        assert_eq!(served, steps, "{label}: {test} {tag}");
        for entry in &entries {
            let list = |key: &str| -> Vec<f64> {
                entry[key]
                    .as_array()
                    .unwrap_or_else(|| panic!("{label}: {tag}: no {key} in {entry}"))
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect()
            };
            let thresholds = list("thresholds");
            assert!(
                (1..=n).contains(&thresholds.len()),
                "{label}: {tag}: {} thresholds",
                thresholds.len()
            );
            for (i, t) in thresholds.iter().enumerate() {
                let written = i as f64 / (n - 1) as f64;
                assert!(
                    (t - written).abs() < 1e-12,
                    "{label}: {tag}: threshold {i} is {t}"
                );
            }
            for key in ["precision", "recall", "true_positives", "false_positives"] {
                assert_eq!(list(key).len(), thresholds.len(), "{label}: {tag}: {key}");
            }
            // At threshold 0 every example is "yes": all of the class's 1,000-example
            // share found.
            let (tp, fp) = (list("true_positives")[0], list("false_positives")[0]);
            assert_eq!(tp + fp, TEST_ROWS as f64, "{label}: {tag} at 0");
            assert_eq!(list("recall")[0], 1.0, "{label}: {tag}");
        }
    }
}

/// The `last_hidden_layer` embedding; returns the points' spread (RMS distance to
/// their centroid over the centroid's norm).
fn check_projector(tb: &mut TensorBoard, run: &str) -> f64 {
    let label = tb.label();
    let test = test_run(run);
    let runs = tb.get_json("/data/plugin/projector/runs");
    assert!(
        runs.as_array().unwrap().iter().any(|r| r == test.as_str()),
        "{label}: projector runs {runs}"
    );
    let info = tb.get_json(&format!(
        "/data/plugin/projector/info?{}",
        query(&[("run", &test)])
    ));
    let name = projector::tensor_name(embedding::TAG, LAST + 1);
    let embeddings = info["embeddings"].as_array().unwrap();
    let e: &Value = embeddings
        .iter()
        .find(|e| e["tensorName"] == name.as_str())
        .unwrap_or_else(|| panic!("{label}: no embedding {name} in {info}"));
    let points = TEST_ROWS.min(embedding::POINTS);
    assert_eq!(
        e["tensorShape"],
        serde_json::json!([points, WIDTH]),
        "{label}: {info}"
    );
    assert_eq!(
        e["sprite"]["singleImageDim"],
        serde_json::json!([28, 28]),
        "{label}: {info}"
    );

    let tensor = tb.projector("tensor", &test, &name);
    assert_eq!(tensor.len(), points * WIDTH * 4, "{label}: {name}");
    let features: Vec<f32> = tensor
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert!(features.iter().all(|v| v.is_finite()), "{label}: {name}");

    let metadata = String::from_utf8(tb.projector("metadata", &test, &name)).unwrap();
    let mut lines = metadata.lines();
    assert_eq!(lines.next(), Some("label\tpredicted"), "{label}: {name}");
    let rows: Vec<(&str, &str)> = lines
        .map(|l| {
            l.split_once('\t')
                .unwrap_or_else(|| panic!("{label}: row {l:?}"))
        })
        .collect();
    assert_eq!(rows.len(), points, "{label}: {name}");
    // The first test image is an ankle boot (label 9).
    assert_eq!(rows[0].0, "Ankle boot", "{label}: {name}");
    for (truth, predicted) in &rows {
        assert!(
            FASHION_MNIST_CLASSES.contains(truth) && FASHION_MNIST_CLASSES.contains(predicted),
            "{label}: {name}: row {truth:?} {predicted:?}"
        );
    }

    let sprite = tb.projector("sprite_image", &test, &name);
    assert_eq!(
        png_size(&sprite),
        Ok((SPRITE_SIDE, SPRITE_SIDE)),
        "{label}: sprite of {name}"
    );
    spread(&features, WIDTH)
}

/// RMS distance of the rows of `features` to their centroid, over the centroid's norm.
fn spread(features: &[f32], dim: usize) -> f64 {
    let rows = features.len() / dim;
    let mut centroid = vec![0f64; dim];
    for row in features.chunks_exact(dim) {
        for (c, &v) in centroid.iter_mut().zip(row) {
            *c += f64::from(v) / rows as f64;
        }
    }
    let sq: f64 = features
        .chunks_exact(dim)
        .flat_map(|row| {
            row.iter()
                .zip(&centroid)
                .map(|(&v, c)| (f64::from(v) - c).powi(2))
        })
        .sum();
    let norm = centroid.iter().map(|c| c * c).sum::<f64>().sqrt();
    (sq / rows as f64).sqrt() / norm.max(1e-12)
}
