//! A small Fashion-MNIST run for the live tests of its views (tests/tensorboard_fashion.rs,
//! tests/browser.rs): the first [`TRAIN_ROWS`] training and [`TEST_ROWS`] test images of
//! Debian's Fashion-MNIST, [`EPOCHS`] epochs of batches of [`BATCH`], a net of width
//! [`WIDTH`] with Xavier's initialisation, trained through `tbtrain::train::train` at
//! the default logging schedule (a test that uses it declares
//! [`super::harness::Need::FashionMnist`]).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde_json::Value;
use tbtrain::data::{self, DatasetSpec, Split};
use tbtrain::nn::{ActivationKind, Init};
use tbtrain::train::config::TEST_RUN;
use tbtrain::train::{self, tags, Outcome, TrainConfig};

use super::{query, TensorBoard, DEFAULT_TIMEOUT};

/// Training and test images used: the first of each file.
pub const TRAIN_ROWS: usize = 2_000;
pub const TEST_ROWS: usize = 1_000;
pub const EPOCHS: u64 = 2;
pub const BATCH: usize = 100;
/// Units per hidden layer.
pub const WIDTH: usize = 64;
/// The last training step: 2 epochs of 20 batches. The test set is evaluated on the
/// final weights too, at `LAST + 1`.
pub const LAST: i64 = (EPOCHS as usize * TRAIN_ROWS / BATCH) as i64 - 1;

/// The first [`TRAIN_ROWS`] training and [`TEST_ROWS`] test images of Fashion-MNIST.
pub fn small_split() -> Split {
    let full = data::load(&DatasetSpec::FashionMnist, 1).expect("read Fashion-MNIST");
    Split {
        train: full.train.head(TRAIN_ROWS),
        test: Some(
            full.test
                .expect("Fashion-MNIST has a test set")
                .head(TEST_ROWS),
        ),
    }
}

/// Trains a net of `depth` layers of `act` on `data` into the run directory `run_dir`
/// (its test sub-run in `<run_dir>/test`); panics unless every step ran.
pub fn train_run(run_dir: &Path, data: &Split, act: ActivationKind, depth: usize) {
    let mut config = TrainConfig::lesson(run_dir);
    config.dataset = DatasetSpec::FashionMnist;
    config.act = act;
    config.depth = depth;
    config.width = WIDTH;
    config.init = Init::Xavier;
    config.epochs = Some(EPOCHS);
    config.batch = Some(BATCH);
    config.lr = 0.1;
    let report = train::train(&config, data, &AtomicBool::new(false), &mut ())
        .unwrap_or_else(|e| panic!("train {}: {e}", run_dir.display()));
    assert_eq!(report.outcome, Outcome::Completed, "{}", run_dir.display());
    assert_eq!(report.steps_done as i64, LAST + 1, "{}", run_dir.display());
}

/// Waits until `tb` serves the run `run`'s last training step and its test sub-run's
/// last pictures (the test images on the final weights, the last event of its file): a
/// run is listed as soon as it is found, and the Python loader then reads its events
/// while it answers. (The Projector reads its files itself.)
pub fn wait_until_read(tb: &mut TensorBoard, run: &str) {
    let last_step = |points: &Value| {
        let last = points.as_array().and_then(|p| p.last());
        // Scalars: [wall_time, step, value]; images: {"step": ...}.
        last.and_then(|p| p.get(1).or_else(|| p.get("step")))
            .and_then(Value::as_i64)
    };
    let test = format!("{run}/{TEST_RUN}");
    for (plugin, r, tag, last) in [
        ("scalars", run, tags::COST, LAST),
        ("images", test.as_str(), tags::TEST_IMAGES, LAST + 1),
    ] {
        let path = format!(
            "/data/plugin/{plugin}/{plugin}?{}",
            query(&[("run", r), ("tag", tag)])
        );
        tb.wait_for_json(&path, DEFAULT_TIMEOUT, |points| {
            last_step(points) == Some(last)
        });
    }
}
