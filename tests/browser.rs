//! The browser test: what a person sees of a fresh `tbtrain compare` log (runs `relu` and
//! `sigmoid`) in the real TensorBoard at its default settings, judged in headless
//! Chromium by `scripts/browser/check.js` (playwright-core): Time Series draws both
//! runs' `cost` lines, the Images dashboard shows every run's image of each
//! [`IMAGE_TAGS`] tag, loaded, and the Graphs dashboard draws the boxes `layer1` ...
//! `layer11`. Once per loader (`--load_fast=true` and `false`), and once against an
//! empty logdir, where the checker must fail and say what is missing: so a pass means
//! TensorBoard drew something.
//!
//! A small Fashion-MNIST run (`tests/common/fashion.rs`, a 3-layer ReLU net) is judged
//! too, once per loader, in a TensorBoard of its own (beside the XOR runs its 40 steps
//! would be a sliver of the 10,000-step axis): the `accuracy` card draws the run's and
//! its test sub-run's lines, the Images dashboard shows the test sub-run's
//! `evaluation/confusion_matrix` and `evaluation/test_images`, PR Curves draws every class's curve, and the
//! Projector shows the `last_hidden_layer` embedding.
//!
//! Screenshots of every page judged go to `$TBTRAIN_SCREENSHOTS_DIR`, else
//! `<target dir>/browser-screenshots`, one directory per case (CI uploads them).
//!
//! Needs the venv's TensorBoard (`scripts/setup-venv.sh`), node, `npm ci --prefix
//! scripts/browser` and Chromium (`apt-get install chromium`); without them the tests
//! are reported as ignored with the reason, unless `TBTRAIN_REQUIRE_TENSORBOARD=1` /
//! `TBTRAIN_REQUIRE_BROWSER=1` make that a failure (`tests/common/harness.rs`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use common::harness::{self, Need};
use common::{fashion, TensorBoard, DEFAULT_TIMEOUT};
use tbtrain::data::idx::FASHION_MNIST_CLASSES;
use tbtrain::nn::ActivationKind;
use tbtrain::train::config::TEST_RUN;
use tbtrain::train::{embedding, tags};

fn main() {
    let conclusion = harness::run(vec![
        trial!(
            tensorboard_draws_the_compare_runs_with_the_rust_loader,
            Need::TensorBoard,
            Need::Browser
        ),
        trial!(
            tensorboard_draws_the_compare_runs_with_the_python_loader,
            Need::TensorBoard,
            Need::Browser
        ),
        trial!(
            the_checker_fails_when_tensorboard_draws_nothing,
            Need::TensorBoard,
            Need::Browser
        ),
        trial!(
            tensorboard_draws_a_fashion_mnist_run_with_the_rust_loader,
            Need::TensorBoard,
            Need::Browser,
            Need::FashionMnist
        ),
        trial!(
            tensorboard_draws_a_fashion_mnist_run_with_the_python_loader,
            Need::TensorBoard,
            Need::Browser,
            Need::FashionMnist
        ),
    ]);
    for log in [&COMPARE_LOG, &FASHION_LOG] {
        if let Some(dir) = log.get() {
            let _ = fs::remove_dir_all(dir);
        }
    }
    conclusion.exit()
}

/// The runs `tbtrain compare` makes by default (`--acts sigmoid,relu`).
const RUNS: [&str; 2] = ["relu", "sigmoid"];
/// The scalar tags whose Time Series chart must draw every run.
const SCALAR_TAGS: &[&str] = &["cost"];
/// The image tags the Images dashboard must show for every run: add a tag here when the
/// trainer logs a new picture.
const IMAGE_TAGS: &[&str] = &["vanishing_gradient", "decision_boundary"];
/// `tbtrain compare`'s default depth: the graph's boxes are `layer1` ... `layer11`.
const DEPTH: usize = 11;
/// How long TensorBoard may take to read the whole compare log (the Python loader reads
/// some 10,000 events a second, slower on a busy machine).
const LOAD_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the checker waits for TensorBoard to draw a dashboard that should be there.
const DRAW_TIMEOUT_MS: u64 = 60_000;
/// ... and one that cannot be (the empty logdir): it can only fail, so waiting less
/// only saves time.
const EMPTY_TIMEOUT_MS: u64 = 5_000;
/// Environment variable naming where the screenshots go.
const SCREENSHOTS_ENV: &str = "TBTRAIN_SCREENSHOTS_DIR";

/// The directory of the screenshots of `case`: `$TBTRAIN_SCREENSHOTS_DIR/<case>`, else
/// `<target dir>/browser-screenshots/<case>`, emptied first.
fn screenshots(case: &str) -> PathBuf {
    let root = match std::env::var_os(SCREENSHOTS_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("CARGO_TARGET_TMPDIR is <target dir>/tmp")
            .join("browser-screenshots"),
    };
    let dir = root.join(case);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

static COMPARE_LOG: OnceLock<PathBuf> = OnceLock::new();

/// A fresh `tbtrain compare --logdir <dir>` (the README's command, default flags), made
/// once per test process; `main` removes it after the tests.
fn compare_log() -> &'static Path {
    COMPARE_LOG.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("tbtrain-browser-")
            .tempdir()
            .expect("create a temporary directory");
        let logdir = dir.path().join("logs");
        let out = Command::new(env!("CARGO_BIN_EXE_tbtrain"))
            .arg("compare")
            .arg("--logdir")
            .arg(&logdir)
            .output()
            .expect("run tbtrain compare");
        assert!(
            out.status.success(),
            "tbtrain compare failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for run in RUNS {
            assert!(logdir.join(run).is_dir(), "compare made no run {run}");
        }
        dir.keep()
    })
}

/// Runs the checker against `tb` with this file's expectations; prints what it said,
/// after `expect` (what the test requires of it).
fn run_checker(tb: &TensorBoard, screenshots: &Path, timeout_ms: u64, expect: &str) -> Output {
    let graph_nodes: Vec<String> = (1..=DEPTH).map(|k| format!("layer{k}")).collect();
    let checker = harness::browser_dir().join("check.js");
    let out = Command::new("node")
        .arg(&checker)
        .args(["--url", &tb.url()])
        .args(["--runs", &RUNS.join(",")])
        .args(["--scalars", &SCALAR_TAGS.join(",")])
        .args(["--images", &IMAGE_TAGS.join(",")])
        .args(["--graph-nodes", &graph_nodes.join(",")])
        .arg("--screenshots")
        .arg(screenshots)
        .args(["--timeout-ms", &timeout_ms.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run node {}: {e}", checker.display()));
    println!(
        "{} ({expect}): the browser check said:\n{}{}",
        tb.label(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Waits until `tb` serves every checked scalar and image tag of every run up to the last
/// step in the files (as our reader finds it): the Python loader takes tens of seconds
/// to read a compare log, and a page opened before that would show a partial chart.
fn wait_until_served_to_the_end(tb: &mut TensorBoard, logdir: &Path) {
    let reports = tbtrain::inspect::scan(logdir).expect("read the compare log back");
    for run in RUNS {
        let report = reports
            .iter()
            .find(|r| r.run == run)
            .unwrap_or_else(|| panic!("no run {run} in {}", logdir.display()));
        let last_step = |tag: &str| {
            report
                .tags
                .iter()
                .find(|t| t.tag == tag)
                .unwrap_or_else(|| panic!("run {run} has no tag {tag}"))
                .last_step
        };
        for (plugin, route, tags) in [
            ("scalars", "scalars", SCALAR_TAGS),
            ("images", "images", IMAGE_TAGS),
        ] {
            for &tag in tags {
                let last = last_step(tag);
                let path = format!(
                    "/data/plugin/{plugin}/{route}?{}",
                    common::query(&[("run", run), ("tag", tag)])
                );
                tb.wait_for_json(&path, LOAD_TIMEOUT, |points| {
                    let step = points.as_array().and_then(|p| p.last()).and_then(|p| {
                        // Scalars: [wall_time, step, value]; images: {"step": ...}.
                        p.get(1).or_else(|| p.get("step")).and_then(|s| s.as_i64())
                    });
                    step == Some(last)
                });
            }
        }
    }
}

fn check_compare_log(load_fast: bool, case: &str) {
    let logdir = compare_log().join("logs");
    let mut tb = TensorBoard::start(&logdir, load_fast);
    tb.wait_for_runs(&RUNS, DEFAULT_TIMEOUT);
    wait_until_served_to_the_end(&mut tb, &logdir);
    let out = run_checker(&tb, &screenshots(case), DRAW_TIMEOUT_MS, "must pass");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        tb.fail(&format!(
            "the browser check failed ({}):\n{said}",
            out.status
        ));
    }
    assert!(
        said.contains("browser check: 3 of 3 dashboards as expected"),
        "{}: {said}",
        tb.label()
    );
    tb.assert_log_clean();
}

fn tensorboard_draws_the_compare_runs_with_the_rust_loader() {
    check_compare_log(true, "compare-rust-loader");
}

fn tensorboard_draws_the_compare_runs_with_the_python_loader() {
    check_compare_log(false, "compare-python-loader");
}

/// The checker is not a rubber stamp: against a TensorBoard with nothing to show it
/// fails, exit 1, naming what each dashboard lacks.
fn the_checker_fails_when_tensorboard_draws_nothing() {
    let empty = tempfile::tempdir().unwrap();
    let tb = TensorBoard::start(empty.path(), true);
    let out = run_checker(
        &tb,
        &screenshots("empty-logdir"),
        EMPTY_TIMEOUT_MS,
        "must fail: nothing to draw",
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let failures: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("browser check FAILED: "))
        .collect();
    // Built from the same expectations as the checker's arguments, in its order (tag,
    // then run; scalars first).
    let no_cards: Vec<String> = IMAGE_TAGS
        .iter()
        .flat_map(|tag| RUNS.map(|run| format!("{run}/{tag}: no image card")))
        .collect();
    let no_boxes: Vec<String> = (1..=DEPTH).map(|k| format!("layer{k}")).collect();
    let expected = [
        format!(
            "browser check FAILED: Time Series: no `{}` chart; the run list shows []",
            SCALAR_TAGS[0]
        ),
        format!(
            "browser check FAILED: Images: {} (image cards on the page: []); TensorBoard \
             shows \"No image data was found.\"",
            no_cards.join(", ")
        ),
        format!(
            "browser check FAILED: Graphs: no box for {} (boxes drawn: []); TensorBoard \
             shows \"No graph definition files were found.\"",
            no_boxes.join(", ")
        ),
    ];
    assert_eq!(failures.len(), expected.len(), "{stderr}");
    for (line, want) in failures.iter().zip(expected) {
        assert!(
            line.starts_with(want.as_str()),
            "expected {want:?}\n     got {line:?}"
        );
    }
    assert!(
        stdout.contains("browser check: 0 of 3 dashboards as expected"),
        "{stdout}"
    );
}

// ---- a Fashion-MNIST run --------------------------------------------------------------

/// The Fashion-MNIST run's name.
const FASHION_RUN: &str = "relu";
/// Its depth: a 3-layer ReLU net.
const FASHION_DEPTH: usize = 3;

static FASHION_LOG: OnceLock<PathBuf> = OnceLock::new();

/// A logdir holding [`FASHION_RUN`] (and its test sub-run), made once per test process;
/// `main` removes it after the tests.
fn fashion_log() -> &'static Path {
    FASHION_LOG.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("tbtrain-browser-fashion-")
            .tempdir()
            .expect("create a temporary directory");
        let run_dir = dir.path().join(FASHION_RUN);
        fashion::train_run(
            &run_dir,
            &fashion::small_split(),
            ActivationKind::Relu,
            FASHION_DEPTH,
        );
        dir.keep()
    })
}

fn check_fashion_log(load_fast: bool, case: &str) {
    let logdir = fashion_log();
    let test_run = format!("{FASHION_RUN}/{TEST_RUN}");
    let mut tb = TensorBoard::start(logdir, load_fast);
    tb.wait_for_runs(&[FASHION_RUN, &test_run], DEFAULT_TIMEOUT);
    fashion::wait_until_read(&mut tb, FASHION_RUN);
    let pr_curves: Vec<String> = FASHION_MNIST_CLASSES
        .iter()
        .map(|c| tags::pr_curve(c))
        .collect();
    let checker = harness::browser_dir().join("check.js");
    let out = Command::new("node")
        .arg(&checker)
        .args(["--url", &tb.url()])
        .args(["--test-runs", &format!("{FASHION_RUN},{test_run}")])
        .args(["--test-scalars", tags::ACCURACY])
        .args([
            "--test-images",
            &[tags::CONFUSION_MATRIX, tags::TEST_IMAGES].join(","),
        ])
        .args(["--pr-curves", &pr_curves.join(",")])
        .args(["--embedding", embedding::TAG])
        .arg("--screenshots")
        .arg(screenshots(case))
        .args(["--timeout-ms", &DRAW_TIMEOUT_MS.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run node {}: {e}", checker.display()));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{}: the browser check said:\n{said}", tb.label());
    if !out.status.success() {
        tb.fail(&format!(
            "the browser check failed ({}):\n{said}",
            out.status
        ));
    }
    assert!(
        said.contains("browser check: 4 of 4 dashboards as expected"),
        "{}: {said}",
        tb.label()
    );
    tb.assert_log_clean();
}

fn tensorboard_draws_a_fashion_mnist_run_with_the_rust_loader() {
    check_fashion_log(true, "fashion-rust-loader");
}

fn tensorboard_draws_a_fashion_mnist_run_with_the_python_loader() {
    check_fashion_log(false, "fashion-python-loader");
}
