//! The IDX reader on Debian's real Fashion-MNIST files (`apt-get install
//! dataset-fashion-mnist`): 60,000 training and 10,000 test images of 28x28, labels 0
//! to 9, 6,000 and 1,000 of each; the first labels and pixels as literals (read with
//! Python's `gzip`, not with this reader). The same files inflated into a directory of
//! raw files (`idx:DIR`) read the same.
//!
//! Without the package these tests are reported as ignored, with the reason;
//! `TBTRAIN_REQUIRE_FASHION_MNIST=1` (as `.ci/run` sets it) makes that a failure
//! (`tests/common/harness.rs`). The reader's behaviour on hostile bytes is tested beside
//! it, on literal bytes (`src/data/idx.rs`, `src/data/idx/dir.rs`).

mod common;

use std::fs;
use std::io::Read as _;
use std::time::Instant;

use common::harness::{self, Need};
use tbtrain::data::idx::{self, IdxData};

fn main() {
    harness::main(vec![
        trial!(reads_debians_fashion_mnist, Need::FashionMnist),
        trial!(
            raw_files_of_a_directory_read_as_the_gzip_ones,
            Need::FashionMnist
        ),
    ]);
}

/// Every class `count` times.
fn assert_balanced(labels: &[u8], count: usize) {
    let mut per_class = [0usize; 10];
    for &l in labels {
        per_class[usize::from(l)] += 1;
    }
    assert_eq!(per_class, [count; 10]);
}

fn check_fashion_mnist(data: &IdxData) {
    let (train, test) = (&data.train, &data.test);
    assert_eq!(data.classes, 10);
    assert_eq!(idx::FASHION_MNIST_CLASSES.len(), data.classes);
    assert_eq!(
        (train.images.count, train.images.rows, train.images.cols),
        (60_000, 28, 28)
    );
    assert_eq!(
        (test.images.count, test.images.rows, test.images.cols),
        (10_000, 28, 28)
    );
    assert_eq!(train.images.pixels.len(), 47_040_000);
    assert_eq!(test.images.pixels.len(), 7_840_000);
    assert_eq!(train.labels[..12], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9]);
    assert_eq!(test.labels[..12], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5]);
    assert_balanced(&train.labels, 6_000);
    assert_balanced(&test.labels, 1_000);
    // The first training image (an ankle boot), its middle row.
    let first = train.images.image(0).unwrap();
    assert_eq!(
        first[14 * 28..15 * 28],
        [
            0, 0, 1, 4, 6, 7, 2, 0, 0, 0, 0, 0, 237, 226, 217, 223, 222, 219, 222, 221, 216, 223,
            229, 215, 218, 255, 77, 0
        ]
    );
    let sum = |pixels: &[u8]| pixels.iter().map(|&p| u64::from(p)).sum::<u64>();
    assert_eq!(sum(first), 76_247);
    assert_eq!(sum(test.images.image(0).unwrap()), 33_456);
    assert_eq!(sum(&train.images.pixels), 3_431_114_169);
    assert_eq!(sum(&test.images.pixels), 573_469_082);
}

fn reads_debians_fashion_mnist() {
    let files = idx::fashion_mnist_files().unwrap();
    assert_eq!(
        files.train_images,
        std::path::Path::new(idx::FASHION_MNIST_DIR).join("train-images-idx3-ubyte.gz")
    );
    // Times are reported, never asserted (shared machines).
    let start = Instant::now();
    let train = idx::read_images(&files.train_images).unwrap();
    eprintln!(
        "read the 60,000 training images (gzip) in {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    let start = Instant::now();
    let data = idx::read_fashion_mnist().unwrap();
    eprintln!(
        "read Fashion-MNIST (70,000 images and their labels, gzip) in {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(train, data.train.images);
    check_fashion_mnist(&data);
}

fn raw_files_of_a_directory_read_as_the_gzip_ones() {
    let files = idx::fashion_mnist_files().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (from, name) in [
        (&files.train_images, idx::TRAIN_IMAGES),
        (&files.train_labels, idx::TRAIN_LABELS),
        (&files.test_images, idx::TEST_IMAGES),
        (&files.test_labels, idx::TEST_LABELS),
    ] {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(from).unwrap())
            .read_to_end(&mut raw)
            .unwrap();
        fs::write(dir.path().join(name), raw).unwrap();
    }
    let start = Instant::now();
    let data = idx::read_dir(dir.path()).unwrap();
    eprintln!(
        "read Fashion-MNIST (70,000 images, raw) in {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    check_fashion_mnist(&data);
    assert_eq!(data, idx::read_fashion_mnist().unwrap());
}
