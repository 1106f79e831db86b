//! IDX files (MNIST's format): a placeholder reader until the checked one lands.
//! TODO(lead): replaced by the data helper's reader (branch `datain`).

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::{Dataset, Error, ImageShape, Split};

/// Where Debian's `dataset-fashion-mnist` installs Fashion-MNIST.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Fashion-MNIST's class names, in label order.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let raw = std::fs::read(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|source| Error::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn find(dir: &Path, name: &str) -> PathBuf {
    let gz = dir.join(format!("{name}.gz"));
    if gz.exists() {
        gz
    } else {
        dir.join(name)
    }
}

fn split_of(dir: &Path, prefix: &str) -> Result<(Array2<u8>, ImageShape, Vec<u32>), Error> {
    let images = read(&find(dir, &format!("{prefix}-images-idx3-ubyte")))?;
    let labels = read(&find(dir, &format!("{prefix}-labels-idx1-ubyte")))?;
    let dim = |b: &[u8], i: usize| {
        u32::from_be_bytes([b[4 + 4 * i], b[5 + 4 * i], b[6 + 4 * i], b[7 + 4 * i]]) as usize
    };
    let (n, h, w) = (dim(&images, 0), dim(&images, 1), dim(&images, 2));
    let pixels =
        Array2::from_shape_vec((n, h * w), images[16..16 + n * h * w].to_vec()).map_err(|_| {
            Error::EmptyDataset {
                rows: n,
                features: h * w,
            }
        })?;
    let labels = labels[8..8 + n].iter().map(|&l| u32::from(l)).collect();
    Ok((
        pixels,
        ImageShape {
            height: h,
            width: w,
        },
        labels,
    ))
}

/// The four files of `dir`.
pub fn load_dir(dir: &Path) -> Result<Split, Error> {
    let (train_pixels, shape, train_labels) = split_of(dir, "train")?;
    let (test_pixels, test_shape, test_labels) = split_of(dir, "t10k")?;
    let classes = train_labels.iter().max().map_or(0, |&m| m as usize + 1);
    Ok(Split {
        train: Dataset::images(train_pixels, shape, train_labels, classes)?,
        test: Some(Dataset::images(
            test_pixels,
            test_shape,
            test_labels,
            classes,
        )?),
    })
}

/// Debian's Fashion-MNIST, with its class names.
pub fn fashion_mnist() -> Result<Split, Error> {
    let split = load_dir(Path::new(FASHION_MNIST_DIR))?;
    let names = || {
        FASHION_MNIST_CLASSES
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    Ok(Split {
        train: split.train.with_class_names(names())?,
        test: match split.test {
            Some(test) => Some(test.with_class_names(names())?),
            None => None,
        },
    })
}
