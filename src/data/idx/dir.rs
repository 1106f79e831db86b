//! A directory of IDX files: MNIST's four file names, each raw or gzip-compressed, read
//! as a training and a test set and checked together; and Debian's Fashion-MNIST.

use std::io;
use std::path::{Path, PathBuf};

use super::{read_images, read_labels, Images};
use crate::data::Error;

/// Where Debian's `dataset-fashion-mnist` installs Fashion-MNIST.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";
/// The package that installs it.
pub const FASHION_MNIST_PACKAGE: &str = "dataset-fashion-mnist";
/// Fashion-MNIST's ten classes, by label.
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

/// The training images' file name (MNIST's).
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// The training labels' file name.
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// The test images' file name.
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// The test labels' file name.
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";
/// The four files of a directory, in the order [`IdxFiles`] holds them.
pub const FILE_NAMES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];
/// What a compressed file's name adds: `train-images-idx3-ubyte.gz`.
pub const GZ_SUFFIX: &str = ".gz";

/// Images and their labels, as many of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub images: Images,
    /// One class index per image.
    pub labels: Vec<u8>,
}

/// A directory's training and test sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxData {
    pub train: Split,
    pub test: Split,
    /// Classes: the largest training label plus one (2 or more); every test label is
    /// below it.
    pub classes: usize,
}

/// The four files of a directory, each `NAME` or `NAME.gz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxFiles {
    pub train_images: PathBuf,
    pub train_labels: PathBuf,
    pub test_images: PathBuf,
    pub test_labels: PathBuf,
}

/// Finds the four MNIST-named files in `dir`, each `NAME` or `NAME.gz`; when both are
/// there, `NAME` (already inflated, and what `gunzip -k` leaves beside the original).
/// A directory missing any of them is one error naming every missing file.
pub fn find_files(dir: &Path) -> Result<IdxFiles, Error> {
    let meta = std::fs::metadata(dir).map_err(|source| Error::Open {
        path: dir.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut found = Vec::with_capacity(FILE_NAMES.len());
    let mut missing = Vec::new();
    for name in FILE_NAMES {
        let raw = dir.join(name);
        let gz = dir.join(format!("{name}{GZ_SUFFIX}"));
        // A link counts as present even when dangling: reading it then says why.
        match [raw, gz].into_iter().find(|p| p.symlink_metadata().is_ok()) {
            Some(path) => found.push(path),
            None => missing.push(name),
        }
    }
    match (missing.is_empty(), <[PathBuf; 4]>::try_from(found)) {
        (true, Ok([train_images, train_labels, test_images, test_labels])) => Ok(IdxFiles {
            train_images,
            train_labels,
            test_images,
            test_labels,
        }),
        _ => Err(Error::IdxMissing {
            dir: dir.to_path_buf(),
            missing,
        }),
    }
}

/// Reads a directory's four files ([`find_files`]) and checks them together: as many
/// labels as images within the training and within the test set, training and test
/// images of one size, at least two classes, every test label one of the training
/// set's classes.
pub fn read_dir(dir: &Path) -> Result<IdxData, Error> {
    read_files(&find_files(dir)?)
}

/// Reads the four files of [`IdxFiles`], checked as [`read_dir`] says.
pub fn read_files(files: &IdxFiles) -> Result<IdxData, Error> {
    let train = read_split(&files.train_images, &files.train_labels)?;
    let test = read_split(&files.test_images, &files.test_labels)?;
    let shape = |s: &Split| (s.images.rows, s.images.cols);
    if shape(&train) != shape(&test) {
        return Err(Error::IdxShapeMismatch {
            test: files.test_images.clone(),
            train: files.train_images.clone(),
            test_shape: shape(&test),
            train_shape: shape(&train),
        });
    }
    let classes = train.labels.iter().max().map_or(0, |&m| usize::from(m) + 1);
    if classes < 2 {
        return Err(Error::TooFewClasses {
            path: files.train_labels.clone(),
        });
    }
    if let Some((index, &label)) = test
        .labels
        .iter()
        .enumerate()
        .find(|&(_, &l)| usize::from(l) >= classes)
    {
        return Err(Error::IdxTestLabel {
            path: files.test_labels.clone(),
            index,
            label,
            classes,
        });
    }
    Ok(IdxData {
        train,
        test,
        classes,
    })
}

/// Debian's Fashion-MNIST files ([`FASHION_MNIST_DIR`]), or
/// [`Error::FashionMnistMissing`] naming the first missing one.
pub fn fashion_mnist_files() -> Result<IdxFiles, Error> {
    fashion_mnist_files_in(Path::new(FASHION_MNIST_DIR))
}

/// Reads Debian's Fashion-MNIST ([`read_dir`] of [`FASHION_MNIST_DIR`]).
pub fn read_fashion_mnist() -> Result<IdxData, Error> {
    read_files(&fashion_mnist_files()?)
}

/// [`fashion_mnist_files`] of another directory (for tests).
fn fashion_mnist_files_in(dir: &Path) -> Result<IdxFiles, Error> {
    let missing: Vec<&str> = match find_files(dir) {
        Ok(files) => return Ok(files),
        Err(Error::IdxMissing { missing, .. }) => missing,
        Err(Error::Open { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            FILE_NAMES.to_vec()
        }
        Err(other) => return Err(other),
    };
    let first = missing.first().copied().unwrap_or(TRAIN_IMAGES);
    Err(Error::FashionMnistMissing {
        path: dir.join(format!("{first}{GZ_SUFFIX}")),
        more: missing.len().saturating_sub(1),
    })
}

/// One set's images and labels, as many of each.
fn read_split(images: &Path, labels: &Path) -> Result<Split, Error> {
    let split = Split {
        images: read_images(images)?,
        labels: read_labels(labels)?,
    };
    if split.images.count != split.labels.len() {
        return Err(Error::IdxCountMismatch {
            images: images.to_path_buf(),
            labels: labels.to_path_buf(),
            image_count: split.images.count,
            label_count: split.labels.len(),
        });
    }
    Ok(split)
}

/// The missing files of a directory, for messages: `NAME(.gz) and NAME(.gz)`.
pub(in crate::data) fn missing_text(missing: &[&str]) -> String {
    let names: Vec<String> = missing.iter().map(|n| format!("{n}(.gz)")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{gz, idx, labels, write};
    use super::*;

    /// A directory of the four files: training labels `train`, test labels `test`.
    fn idx_dir(train: &[u8], test: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let images_of = |n: usize| idx(0x08, &[n as u32, 2, 2], &vec![9; n * 4]);
        write(dir.path(), TRAIN_IMAGES, &images_of(train.len()));
        write(
            dir.path(),
            &format!("{TRAIN_LABELS}.gz"),
            &gz(&labels(train)),
        );
        write(
            dir.path(),
            &format!("{TEST_IMAGES}.gz"),
            &gz(&images_of(test.len())),
        );
        write(dir.path(), TEST_LABELS, &labels(test));
        dir
    }

    fn dir_error(dir: &Path) -> String {
        read_dir(dir)
            .unwrap_err()
            .to_string()
            .replace(&dir.display().to_string(), "DIR")
    }

    #[test]
    fn a_directory_of_raw_and_gzip_files() {
        let dir = idx_dir(&[0, 2, 1], &[2, 0]);
        let data = read_dir(dir.path()).unwrap();
        assert_eq!(data.classes, 3);
        assert_eq!(data.train.labels, [0, 2, 1]);
        assert_eq!(data.test.labels, [2, 0]);
        assert_eq!(
            (
                data.train.images.count,
                data.train.images.rows,
                data.train.images.cols
            ),
            (3, 2, 2)
        );
        assert_eq!(data.test.images.pixels, [9; 8]);
        // Both NAME and NAME.gz: NAME is read.
        write(dir.path(), &format!("{TRAIN_IMAGES}.gz"), b"not read");
        write(dir.path(), TEST_IMAGES, &idx(0x08, &[2, 2, 2], &[1; 8]));
        let data = read_dir(dir.path()).unwrap();
        assert_eq!(data.test.images.pixels, [1; 8]);
        let files = find_files(dir.path()).unwrap();
        assert_eq!(files.train_images, dir.path().join(TRAIN_IMAGES));
        assert_eq!(
            files.train_labels,
            dir.path().join(format!("{TRAIN_LABELS}.gz"))
        );
    }

    #[test]
    fn a_directory_missing_files_names_them() {
        let dir = idx_dir(&[0, 1], &[1]);
        std::fs::remove_file(dir.path().join(TEST_LABELS)).unwrap();
        assert_eq!(
            dir_error(dir.path()),
            "DIR: no t10k-labels-idx1-ubyte(.gz): a directory of IDX files holds \
             train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, \
             t10k-labels-idx1-ubyte, each raw or gzip-compressed (NAME.gz)"
        );
        std::fs::remove_file(dir.path().join(TRAIN_IMAGES)).unwrap();
        assert!(dir_error(dir.path())
            .starts_with("DIR: no train-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz): "));
        // A dangling link is there, and reading it says why.
        std::os::unix::fs::symlink("nowhere", dir.path().join(TRAIN_IMAGES)).unwrap();
        write(dir.path(), TEST_LABELS, &labels(&[1]));
        assert!(dir_error(dir.path())
            .starts_with("cannot read DIR/train-images-idx3-ubyte: No such file"));
        let file = write(dir.path(), "plain", b"");
        assert_eq!(
            read_dir(&file).unwrap_err().to_string(),
            format!("cannot read {}: not a directory", file.display())
        );
    }

    #[test]
    fn counts_shapes_and_classes_must_agree() {
        let dir = idx_dir(&[0, 1], &[1]);
        write(dir.path(), TEST_LABELS, &labels(&[1, 0]));
        assert_eq!(
            dir_error(dir.path()),
            "DIR/t10k-images-idx3-ubyte.gz: 1 images, but DIR/t10k-labels-idx1-ubyte \
             holds 2 labels"
        );
        let dir = idx_dir(&[0, 1], &[1]);
        write(
            dir.path(),
            &format!("{TRAIN_LABELS}.gz"),
            &labels(&[0, 1, 1]),
        );
        assert_eq!(
            dir_error(dir.path()),
            "DIR/train-images-idx3-ubyte: 2 images, but DIR/train-labels-idx1-ubyte.gz \
             holds 3 labels"
        );
        let dir = idx_dir(&[0, 1], &[1]);
        write(
            dir.path(),
            &format!("{TEST_IMAGES}.gz"),
            &idx(8, &[1, 4, 1], &[0; 4]),
        );
        assert_eq!(
            dir_error(dir.path()),
            "DIR/t10k-images-idx3-ubyte.gz: images of 4x1, but the training images \
             (DIR/train-images-idx3-ubyte) are 2x2"
        );
        let dir = idx_dir(&[0, 0], &[0]);
        assert_eq!(
            dir_error(dir.path()),
            "DIR/train-labels-idx1-ubyte.gz: every label is 0; \
             a classifier needs two classes or more (labels 0 to K-1)"
        );
        let dir = idx_dir(&[0, 1], &[1, 0, 2]);
        assert_eq!(
            dir_error(dir.path()),
            "DIR/t10k-labels-idx1-ubyte: label 2 of item 2 is not one of the training \
             labels' 2 classes (0 to 1)"
        );
    }

    #[test]
    fn fashion_mnist_missing_says_how_to_get_it() {
        let dir = tempfile::tempdir().unwrap();
        let absent = dir.path().join("fashion-mnist");
        let err = fashion_mnist_files_in(&absent).unwrap_err().to_string();
        assert_eq!(
            err.replace(&absent.display().to_string(), "DIR"),
            "Fashion-MNIST is not installed: DIR/train-images-idx3-ubyte.gz is missing \
             (and 3 more of its four files); install it with \
             `apt-get install dataset-fashion-mnist`, or give the four files of any \
             directory as idx:DIR"
        );
        let full = idx_dir(&[0, 1], &[1]);
        std::fs::remove_file(full.path().join(TEST_LABELS)).unwrap();
        let err = fashion_mnist_files_in(full.path()).unwrap_err().to_string();
        assert_eq!(
            err.replace(&full.path().display().to_string(), "DIR"),
            "Fashion-MNIST is not installed: DIR/t10k-labels-idx1-ubyte.gz is missing; \
             install it with `apt-get install dataset-fashion-mnist`, or give the four \
             files of any directory as idx:DIR"
        );
        assert_eq!(FASHION_MNIST_CLASSES[0], "T-shirt/top");
        assert_eq!(FASHION_MNIST_CLASSES[9], "Ankle boot");
    }
}
