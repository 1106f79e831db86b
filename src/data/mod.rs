//! Datasets for binary classification: the lesson's XOR truth table, three generated 2-D
//! sets (circles, moons, spirals), and CSV files of feature columns followed by a 0/1
//! label.
//!
//! This layer knows nothing of the network: it hands out an `[n, d]` feature matrix and
//! `[n]` labels. Generated sets are drawn from a ChaCha8 generator seeded by the caller,
//! so one seed always gives the same points. CSV problems are reported with the file and
//! the 1-based line (and column) where they are.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use ndarray::{Array1, Array2};

mod csv_file;
mod generate;
pub mod idx;

pub use csv_file::{
    load as load_csv, load_test as load_test_csv, CsvTable, MAX_CLASSES, MAX_COLUMNS,
    MAX_FIELD_BYTES, MAX_VALUES,
};

pub use generate::{xor, GENERATED_POINTS};

/// What can go wrong when naming, generating or loading a dataset.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A dataset name that is none of the choices.
    #[error("unknown dataset `{text}`: choose {}", choices())]
    UnknownSpec { text: String },
    /// `csv:` with nothing after it.
    #[error("`{CSV_PREFIX}` needs a path, as in {CSV_PREFIX}points.csv")]
    EmptyCsvPath,
    /// The file could not be opened.
    #[error("cannot read {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The path is a FIFO, a device, a directory or another file that is not a regular
    /// file: reading it could block forever, or never end.
    #[error("cannot read {}: {what}, not a regular file", path.display())]
    NotAFile { path: PathBuf, what: &'static str },
    /// A row has more columns than any run can hold.
    #[error(
        "{}:{line}: {found} columns, more than the {} a run can hold",
        path.display(),
        csv_file::MAX_COLUMNS
    )]
    TooManyColumns {
        path: PathBuf,
        line: u64,
        found: usize,
    },
    /// The rows hold more numbers than any run can hold.
    #[error(
        "{}:{line}: the rows so far hold more than {} numbers, more than a run can hold",
        path.display(),
        csv_file::MAX_VALUES
    )]
    TooManyValues { path: PathBuf, line: u64 },
    /// Reading failed part-way (an I/O error, or text that is not UTF-8).
    #[error("{}:{line}: cannot read: {message}", path.display())]
    Read {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// The file holds nothing at all.
    #[error("{}: the file is empty", path.display())]
    EmptyFile { path: PathBuf },
    /// The file has a header but no data rows.
    #[error("{}: a header but no data rows", path.display())]
    NoDataRows { path: PathBuf },
    /// The first row has fewer than two columns.
    #[error(
        "{}:{line}: found {found} column(s); need feature columns then a label",
        path.display()
    )]
    TooFewColumns {
        path: PathBuf,
        line: u64,
        found: usize,
    },
    /// A row whose column count differs from the first row's.
    #[error("{}:{line}: expected {expected} columns, found {found}", path.display())]
    Ragged {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
    },
    /// A feature that is not a number.
    #[error("{}:{line}: column {column}: `{text}` is not a number", path.display())]
    Number {
        path: PathBuf,
        line: u64,
        column: usize,
        text: String,
    },
    /// A feature that is infinite or NaN.
    #[error("{}:{line}: column {column}: `{text}` is not finite", path.display())]
    NonFinite {
        path: PathBuf,
        line: u64,
        column: usize,
        text: String,
    },
    /// A label that is not a class index: a whole number from 0.
    #[error(
        "{}:{line}: label `{text}` is not a class index (a whole number: 0, 1, 2, ...)",
        path.display()
    )]
    Label {
        path: PathBuf,
        line: u64,
        text: String,
    },
    /// A label past the classes any run can have.
    #[error(
        "{}:{line}: label `{text}` is past the {} classes a run can have (labels 0 to {})",
        path.display(),
        csv_file::MAX_CLASSES,
        csv_file::MAX_CLASSES - 1
    )]
    TooManyClasses {
        path: PathBuf,
        line: u64,
        text: String,
    },
    /// The rows read so far could not be held in memory.
    #[error("{}:{line}: out of memory holding the rows read so far", path.display())]
    OutOfMemory { path: PathBuf, line: u64 },
    /// Every label is 0: one class, nothing to tell apart.
    #[error(
        "{}: every label is 0; a classifier needs two classes or more (labels 0 to K-1)",
        path.display()
    )]
    TooFewClasses { path: PathBuf },
    /// A field longer than any number needs (the reader holds at most that much of it).
    #[error(
        "{}:{line}: column {column}: a field of more than {} bytes; no number needs that many",
        path.display(),
        csv_file::MAX_FIELD_BYTES
    )]
    FieldTooLong {
        path: PathBuf,
        line: u64,
        column: usize,
    },
    /// A test file whose rows have another column count than the training file's.
    #[error(
        "{}:{line}: {found} columns, but the training file {} has {expected}",
        path.display(),
        train.display()
    )]
    TestColumns {
        path: PathBuf,
        line: u64,
        found: usize,
        train: PathBuf,
        expected: usize,
    },
    /// A test file's label that is none of the training file's classes.
    #[error(
        "{}:{line}: label {label} is not one of the training file's {classes} classes (0 to {})",
        path.display(),
        classes - 1
    )]
    TestLabel {
        path: PathBuf,
        line: u64,
        label: u32,
        classes: usize,
    },
    /// `idx:DIR` names something that is not a directory.
    #[error("cannot read {}: not a directory", path.display())]
    NotADirectory { path: PathBuf },
    /// A directory without all four MNIST-named files.
    #[error(
        "{}: no {}: a directory of IDX files holds {}, each raw or gzip-compressed (NAME.gz)",
        dir.display(),
        idx::dir::missing_text(missing),
        idx::FILE_NAMES.join(", ")
    )]
    IdxMissing {
        dir: PathBuf,
        missing: Vec<&'static str>,
    },
    /// Debian's Fashion-MNIST files are not there.
    #[error(
        "Fashion-MNIST is not installed: {} is missing{}; install it with `apt-get install {}`, \
         or give the four files of any directory as {IDX_PREFIX}DIR",
        path.display(),
        if *more > 0 { format!(" (and {more} more of its four files)") } else { String::new() },
        idx::FASHION_MNIST_PACKAGE
    )]
    FashionMnistMissing { path: PathBuf, more: usize },
    /// An I/O error part-way through an IDX file.
    #[error("{}: cannot read: {source}", path.display())]
    IdxRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A gzip-compressed IDX file whose stream is corrupt.
    #[error("{}: corrupt gzip stream: {message}", path.display())]
    IdxGzip { path: PathBuf, message: String },
    /// The file ends inside the IDX header.
    #[error(
        "{}: truncated: the IDX header needs {needed} bytes, {}",
        path.display(),
        idx::held(*found, *compressed)
    )]
    IdxHeaderTruncated {
        path: PathBuf,
        needed: u64,
        found: u64,
        compressed: bool,
    },
    /// A file that does not start as an IDX file does.
    #[error(
        "{}: not an IDX file: it starts with {:02x} {:02x} {:02x} {:02x}{}, not 00 00 then a type and a rank",
        path.display(),
        magic[0], magic[1], magic[2], magic[3],
        if *compressed { " once inflated" } else { "" }
    )]
    IdxMagic {
        path: PathBuf,
        magic: [u8; 4],
        compressed: bool,
    },
    /// An element type other than unsigned bytes.
    #[error(
        "{}: element type {} is not supported: images and labels must be unsigned bytes (0x08)",
        path.display(),
        idx::type_name(*code)
    )]
    IdxType { path: PathBuf, code: u8 },
    /// Another number of dimensions than images or labels have.
    #[error(
        "{}: {found} dimension(s), but {kind} have {} ({})",
        path.display(),
        kind.rank(),
        kind.dimensions()
    )]
    IdxRank {
        path: PathBuf,
        found: u8,
        kind: idx::Kind,
    },
    /// Dimensions whose product does not fit in 64 bits (or in memory addresses).
    #[error(
        "{}: dimensions {} overflow: their product is past what memory can address",
        path.display(),
        idx::dims_text(dims)
    )]
    IdxOverflow { path: PathBuf, dims: Vec<u32> },
    /// Dimensions with a 0.
    #[error("{}: dimensions {}: no data", path.display(), idx::dims_text(dims))]
    IdxEmpty { path: PathBuf, dims: Vec<u32> },
    /// A header promising more data than any run can hold.
    #[error(
        "{}: dimensions {} make {bytes} bytes, more than the {} a run can hold",
        path.display(),
        idx::dims_text(dims),
        idx::MAX_BYTES
    )]
    IdxTooLarge {
        path: PathBuf,
        dims: Vec<u32>,
        bytes: u64,
    },
    /// The data ends before what the header promises.
    #[error(
        "{}: truncated: the header promises {expected} bytes of data, {}",
        path.display(),
        idx::held(*found, *compressed)
    )]
    IdxTruncated {
        path: PathBuf,
        expected: u64,
        found: u64,
        compressed: bool,
    },
    /// More data than the header promises (reading stops one byte past the promise).
    #[error(
        "{}: trailing data: {} more than the {expected} bytes of data the header promises",
        path.display(),
        if *compressed { "the file inflates to" } else { "the file holds" }
    )]
    IdxTrailing {
        path: PathBuf,
        expected: u64,
        compressed: bool,
    },
    /// Images and labels in different numbers.
    #[error(
        "{}: {image_count} images, but {} holds {label_count} labels",
        images.display(),
        labels.display()
    )]
    IdxCountMismatch {
        images: PathBuf,
        labels: PathBuf,
        image_count: usize,
        label_count: usize,
    },
    /// Test images of another size than the training images.
    #[error(
        "{}: images of {}x{}, but the training images ({}) are {}x{}",
        test.display(),
        test_shape.0,
        test_shape.1,
        train.display(),
        train_shape.0,
        train_shape.1
    )]
    IdxShapeMismatch {
        test: PathBuf,
        train: PathBuf,
        test_shape: (usize, usize),
        train_shape: (usize, usize),
    },
    /// A test label that is none of the training labels' classes (`index` is 0-based).
    #[error(
        "{}: label {label} of item {index} is not one of the training labels' {classes} classes (0 to {})",
        path.display(),
        classes - 1
    )]
    IdxTestLabel {
        path: PathBuf,
        index: usize,
        label: u8,
        classes: usize,
    },
    /// Features and labels of different lengths given to [`Dataset::new`].
    #[error("{rows} feature rows but {labels} labels")]
    LabelCount { rows: usize, labels: usize },
    /// A dataset without examples or without features.
    #[error("a dataset needs at least one example and one feature, got {rows}x{features}")]
    EmptyDataset { rows: usize, features: usize },
    /// A label other than 0 or 1 given to [`Dataset::new`] (`index` is 0-based).
    #[error("label {index} is {value}, not 0 or 1")]
    LabelValue { index: usize, value: f32 },
    /// A non-finite feature given to [`Dataset::new`] (0-based row and column).
    #[error("feature ({row}, {column}) is {value}, not finite")]
    FeatureValue {
        row: usize,
        column: usize,
        value: f32,
    },
}

/// Examples for binary classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Features, `[n, d]`.
    pub x: Array2<f32>,
    /// Labels, `[n]`, each 0.0 or 1.0.
    pub y: Array1<f32>,
}

impl Dataset {
    /// A dataset from features and labels, checked: as many labels as rows, at least one
    /// of each, labels 0 or 1, features finite.
    pub fn new(x: Array2<f32>, y: Array1<f32>) -> Result<Self, Error> {
        let (rows, features) = x.dim();
        if rows != y.len() {
            return Err(Error::LabelCount {
                rows,
                labels: y.len(),
            });
        }
        if rows == 0 || features == 0 {
            return Err(Error::EmptyDataset { rows, features });
        }
        if let Some((index, &value)) = y.iter().enumerate().find(|&(_, &v)| v != 0.0 && v != 1.0) {
            return Err(Error::LabelValue { index, value });
        }
        if let Some(((row, column), &value)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::FeatureValue { row, column, value });
        }
        Ok(Dataset { x, y })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no examples (never, for a dataset made by this module).
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Features per example.
    pub fn features(&self) -> usize {
        self.x.ncols()
    }

    /// The region `[xmin, xmax, ymin, ymax]` to draw a decision boundary over, from the
    /// first two features: each axis spans the data plus a 10% margin on both sides,
    /// except that a 0/1-valued axis (a truth table, as XOR) spans [-0.5, 1.5], so the
    /// four XOR points sit in the middle of the four quarters. A constant axis gets
    /// +-0.5 around its value; a missing second feature spans [-1, 1].
    pub fn plane(&self) -> [f32; 4] {
        let axis = |column: usize| -> [f32; 2] {
            if column >= self.features() {
                return [-1.0, 1.0];
            }
            let values = self.x.column(column);
            if values.iter().all(|&v| v == 0.0 || v == 1.0) {
                return [-0.5, 1.5];
            }
            let (lo, hi) = values
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let margin = if hi > lo { 0.1 * (hi - lo) } else { 0.5 };
            [lo - margin, hi + margin]
        };
        let ([xmin, xmax], [ymin, ymax]) = (axis(0), axis(1));
        [xmin, xmax, ymin, ymax]
    }
}

/// Which dataset to use, as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetSpec {
    /// The four XOR points.
    Xor,
    /// Two concentric circles: class 0 outside (radius 1), class 1 inside (radius 0.5).
    Circles,
    /// Two interleaving half circles.
    Moons,
    /// Two interleaved spirals of one and a half turns.
    Spirals,
    /// A CSV file: feature columns, then a 0/1 label; an optional header row.
    Csv(PathBuf),
}

/// The built-in datasets and their names: the one place the names are spelled.
const NAMED: [(&str, DatasetSpec); 4] = [
    ("xor", DatasetSpec::Xor),
    ("circles", DatasetSpec::Circles),
    ("moons", DatasetSpec::Moons),
    ("spirals", DatasetSpec::Spirals),
];

/// What a CSV dataset's name starts with, as in `csv:points.csv`.
pub const CSV_PREFIX: &str = "csv:";
/// What a directory of IDX files is named with, as in `idx:mnist/`.
pub const IDX_PREFIX: &str = "idx:";

/// The choices, for messages: `xor, circles, moons, spirals or csv:PATH`.
fn choices() -> String {
    let names: Vec<&str> = NAMED.iter().map(|(name, _)| *name).collect();
    format!("{} or {CSV_PREFIX}PATH", names.join(", "))
}

impl FromStr for DatasetSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        if let Some((_, spec)) = NAMED.iter().find(|(name, _)| *name == text) {
            return Ok(spec.clone());
        }
        match text.strip_prefix(CSV_PREFIX) {
            Some("") => Err(Error::EmptyCsvPath),
            Some(path) => Ok(DatasetSpec::Csv(PathBuf::from(path))),
            None => Err(Error::UnknownSpec {
                text: text.to_string(),
            }),
        }
    }
}

impl fmt::Display for DatasetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, NAMED.iter().find(|(_, spec)| spec == self)) {
            (DatasetSpec::Csv(path), _) => write!(f, "{CSV_PREFIX}{}", path.display()),
            (_, Some((name, _))) => f.write_str(name),
            (_, None) => Err(fmt::Error),
        }
    }
}

/// Loads or generates a dataset; `seed` drives the generated ones (XOR and CSV ignore it).
pub fn load(spec: &DatasetSpec, seed: u64) -> Result<Dataset, Error> {
    match spec {
        DatasetSpec::Xor => Ok(xor()),
        DatasetSpec::Circles => Ok(generate::circles(seed)),
        DatasetSpec::Moons => Ok(generate::moons(seed)),
        DatasetSpec::Spirals => Ok(generate::spirals(seed)),
        DatasetSpec::Csv(path) => {
            // Until the trainer takes K classes: the labels as numbers, checked 0/1.
            let table = csv_file::load(path)?;
            Dataset::new(table.x, table.labels.iter().map(|&l| l as f32).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plane_is_the_bounding_box_plus_ten_percent() {
        let ds = load(&DatasetSpec::Spirals, 5).unwrap();
        let column = |c: usize| {
            let v = ds.x.column(c);
            let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (lo, hi)
        };
        let ((x0, x1), (y0, y1)) = (column(0), column(1));
        let plane = ds.plane();
        let want = [
            x0 - 0.1 * (x1 - x0),
            x1 + 0.1 * (x1 - x0),
            y0 - 0.1 * (y1 - y0),
            y1 + 0.1 * (y1 - y0),
        ];
        assert_eq!(plane, want);
        let flat = Dataset::new(
            ndarray::array![[2.0, 3.0], [4.0, 3.0]],
            ndarray::array![0.0, 1.0],
        );
        assert_eq!(flat.unwrap().plane(), [1.8, 4.2, 2.5, 3.5]);
        let one = Dataset::new(ndarray::array![[2.0], [4.0]], ndarray::array![0.0, 1.0]);
        assert_eq!(one.unwrap().plane(), [1.8, 4.2, -1.0, 1.0]);
    }

    #[test]
    fn specs_parse_and_display() {
        for text in ["xor", "circles", "moons", "spirals", "csv:data/points.csv"] {
            let spec: DatasetSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "csv:a b.csv".parse::<DatasetSpec>().unwrap(),
            DatasetSpec::Csv(PathBuf::from("a b.csv"))
        );
        assert_eq!(
            "iris".parse::<DatasetSpec>().unwrap_err().to_string(),
            "unknown dataset `iris`: choose xor, circles, moons, spirals or csv:PATH"
        );
        assert_eq!(
            "csv:".parse::<DatasetSpec>().unwrap_err().to_string(),
            "`csv:` needs a path, as in csv:points.csv"
        );
    }

    #[test]
    fn dataset_new_checks_its_input() {
        use ndarray::array;
        let err = |x: Array2<f32>, y: Array1<f32>| Dataset::new(x, y).unwrap_err().to_string();
        assert_eq!(
            err(array![[1.0], [2.0]], array![0.0]),
            "2 feature rows but 1 labels"
        );
        assert_eq!(
            err(Array2::zeros((0, 2)), Array1::zeros(0)),
            "a dataset needs at least one example and one feature, got 0x2"
        );
        assert_eq!(
            err(array![[1.0], [2.0]], array![0.0, 0.5]),
            "label 1 is 0.5, not 0 or 1"
        );
        assert_eq!(
            err(array![[1.0, f32::NAN]], array![1.0]),
            "feature (0, 1) is NaN, not finite"
        );
    }
}
