//! Datasets for classification: the lesson's XOR truth table, three generated 2-D sets
//! (circles, moons, spirals), CSV files of feature columns followed by a class, and
//! images in MNIST's IDX format (Fashion-MNIST as Debian installs it, or any directory
//! of the four MNIST-named files).
//!
//! This layer knows nothing of the network: it hands out [`Dataset`]s (features and a
//! class per example) and fills mini-batches from them. Every dataset but XOR comes with
//! a held-out test set ([`Split`]): IDX's `t10k` files, the generated sets' points drawn
//! from another stream of the same seed, or a second CSV file. XOR has none: its four
//! points are the whole input space. Generated sets are drawn from a ChaCha8 generator
//! seeded by the caller, so one seed always gives the same points. File problems are
//! reported with the file and the 1-based line (and column) or the part of the file
//! where they are.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

mod csv_file;
mod dataset;
mod generate;
pub mod idx;

pub use csv_file::{
    load as load_csv, load_test as load_test_csv, CsvTable, MAX_COLUMNS, MAX_FIELD_BYTES,
    MAX_VALUES,
};

pub use dataset::{Dataset, ImageShape, MAX_CLASSES};
pub use generate::{xor, GENERATED_POINTS};

/// What can go wrong when naming, generating or loading a dataset.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A dataset name that is none of the choices.
    #[error("unknown dataset `{text}`: choose {}", choices())]
    UnknownSpec { text: String },
    /// `csv:` or `idx:` with nothing after it.
    #[error("`{prefix}` needs a path, as in {prefix}{}", if *.prefix == CSV_PREFIX { "points.csv" } else { "data/mnist" })]
    EmptyPath { prefix: &'static str },
    /// A test CSV file given for a dataset that is not a CSV file.
    #[error("a test file ({}) is only for csv: datasets; {spec} brings its own test set, or has none", path.display())]
    TestFileNotCsv { path: PathBuf, spec: String },
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
        MAX_CLASSES,
        MAX_CLASSES - 1
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
    /// A label that is not one of the classes, given to [`Dataset::new`] (`index` is
    /// 0-based).
    #[error("label {index} is {value}, not a class of 0 to {}", .classes - 1)]
    LabelValue {
        index: usize,
        value: u32,
        classes: usize,
    },
    /// A number of classes outside `2 ..= MAX_CLASSES`.
    #[error("a dataset needs 2 to {MAX_CLASSES} classes, got {classes}")]
    ClassCount { classes: usize },
    /// Class names that are not one per class.
    #[error("{names} class names for {classes} classes")]
    ClassNames { names: usize, classes: usize },
    /// Image bytes that are not as many images of their shape as there are labels.
    #[error(
        "{images} images of {height}x{width} pixels need {} bytes, got {bytes}",
        .images.saturating_mul(.height.saturating_mul(*.width))
    )]
    ImageShape {
        height: usize,
        width: usize,
        images: usize,
        bytes: usize,
    },
    /// A non-finite feature given to [`Dataset::new`] (0-based row and column).
    #[error("feature ({row}, {column}) is {value}, not finite")]
    FeatureValue {
        row: usize,
        column: usize,
        value: f32,
    },
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
    /// Zalando's Fashion-MNIST where Debian's `dataset-fashion-mnist` installs it
    /// ([`idx::FASHION_MNIST_DIR`]), with its ten class names.
    FashionMnist,
    /// A CSV file: feature columns, then a class `0 .. K`; an optional header row.
    Csv(PathBuf),
    /// A directory holding the four MNIST-named IDX files (see [`idx`]).
    Idx(PathBuf),
}

/// The built-in datasets and their names: the one place the names are spelled.
const NAMED: [(&str, DatasetSpec); 5] = [
    ("xor", DatasetSpec::Xor),
    ("circles", DatasetSpec::Circles),
    ("moons", DatasetSpec::Moons),
    ("spirals", DatasetSpec::Spirals),
    ("fashion-mnist", DatasetSpec::FashionMnist),
];

/// What a CSV dataset's name starts with, as in `csv:points.csv`.
pub const CSV_PREFIX: &str = "csv:";
/// What a directory of IDX files is named with, as in `idx:data/mnist`.
pub const IDX_PREFIX: &str = "idx:";

/// The choices, for messages: `xor, circles, ..., csv:PATH or idx:DIR`.
fn choices() -> String {
    let names: Vec<&str> = NAMED.iter().map(|(name, _)| *name).collect();
    format!("{}, {CSV_PREFIX}PATH or {IDX_PREFIX}DIR", names.join(", "))
}

impl FromStr for DatasetSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        if let Some((_, spec)) = NAMED.iter().find(|(name, _)| *name == text) {
            return Ok(spec.clone());
        }
        for (prefix, make) in [
            (CSV_PREFIX, DatasetSpec::Csv as fn(PathBuf) -> DatasetSpec),
            (IDX_PREFIX, DatasetSpec::Idx),
        ] {
            match text.strip_prefix(prefix) {
                Some("") => return Err(Error::EmptyPath { prefix }),
                Some(path) => return Ok(make(PathBuf::from(path))),
                None => {}
            }
        }
        Err(Error::UnknownSpec {
            text: text.to_string(),
        })
    }
}

impl fmt::Display for DatasetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, NAMED.iter().find(|(_, spec)| spec == self)) {
            (DatasetSpec::Csv(path), _) => write!(f, "{CSV_PREFIX}{}", path.display()),
            (DatasetSpec::Idx(path), _) => write!(f, "{IDX_PREFIX}{}", path.display()),
            (_, Some((name, _))) => f.write_str(name),
            (_, None) => Err(fmt::Error),
        }
    }
}

impl DatasetSpec {
    /// Whether the dataset is a CSV file (the only kind whose test set is a file of its
    /// own, given apart).
    pub fn is_csv(&self) -> bool {
        matches!(self, DatasetSpec::Csv(_))
    }
}

/// A training set and, for every dataset but XOR, its held-out test set.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub train: Dataset,
    pub test: Option<Dataset>,
}

/// What a run needs to know of its data before anything is made: sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Training examples.
    pub rows: usize,
    /// Test examples (0 without a test set).
    pub test_rows: usize,
    /// Features per example.
    pub features: usize,
    /// Classes.
    pub classes: usize,
}

impl Split {
    /// The sizes of this data.
    pub fn shape(&self) -> Shape {
        Shape {
            rows: self.train.len(),
            test_rows: self.test.as_ref().map_or(0, Dataset::len),
            features: self.train.features(),
            classes: self.train.classes(),
        }
    }
}

/// Loads or generates a dataset with its test set; `seed` drives the generated ones
/// (their test points come from another stream of the same seed). A CSV dataset has
/// no test set this way: see [`load_with_test_csv`].
pub fn load(spec: &DatasetSpec, seed: u64) -> Result<Split, Error> {
    load_with_test_csv(spec, None, seed)
}

/// [`load`], with a CSV dataset's test set read from `test_csv` (the same columns; its
/// classes among the training file's). A test file for another kind of dataset is an
/// error: the others bring their own.
pub fn load_with_test_csv(
    spec: &DatasetSpec,
    test_csv: Option<&Path>,
    seed: u64,
) -> Result<Split, Error> {
    if let (Some(path), false) = (test_csv, spec.is_csv()) {
        return Err(Error::TestFileNotCsv {
            path: path.to_path_buf(),
            spec: spec.to_string(),
        });
    }
    let generated = |make: fn(u64, generate::Stream) -> Dataset| Split {
        train: make(seed, generate::Stream::Train),
        test: Some(make(seed, generate::Stream::Test)),
    };
    match spec {
        DatasetSpec::Xor => Ok(Split {
            train: xor(),
            test: None,
        }),
        DatasetSpec::Circles => Ok(generated(generate::circles)),
        DatasetSpec::Moons => Ok(generated(generate::moons)),
        DatasetSpec::Spirals => Ok(generated(generate::spirals)),
        DatasetSpec::FashionMnist => from_idx(
            idx::read_fashion_mnist()?,
            Some(&idx::FASHION_MNIST_CLASSES),
        ),
        DatasetSpec::Idx(dir) => from_idx(idx::read_dir(dir)?, None),
        DatasetSpec::Csv(path) => {
            let table = csv_file::load(path)?;
            let test = match test_csv {
                Some(test) => Some(from_csv(csv_file::load_test(test, &table)?)?),
                None => None,
            };
            Ok(Split {
                train: from_csv(table)?,
                test,
            })
        }
    }
}

/// A CSV file's rows as a dataset.
fn from_csv(table: CsvTable) -> Result<Dataset, Error> {
    Dataset::new(table.x, table.labels, table.classes)
}

/// A directory of IDX files as a training and a test set of images, kept as bytes,
/// with class names when they are known.
fn from_idx(data: idx::IdxData, names: Option<&[&str]>) -> Result<Split, Error> {
    let classes = data.classes;
    let dataset = |split: idx::Split| -> Result<Dataset, Error> {
        let idx::Split { images, labels } = split;
        let shape = ImageShape {
            height: images.rows,
            width: images.cols,
        };
        let labels = labels.into_iter().map(u32::from).collect();
        let set = Dataset::images(images.pixels, shape, labels, classes)?;
        match names {
            Some(names) => set.with_class_names(names.iter().map(|n| n.to_string()).collect()),
            None => Ok(set),
        }
    };
    Ok(Split {
        train: dataset(data.train)?,
        test: Some(dataset(data.test)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plane_is_the_bounding_box_plus_ten_percent() {
        let ds = load(&DatasetSpec::Spirals, 5).unwrap().train;
        let column = |c: usize| {
            let v: Vec<f32> = (0..ds.len()).map(|i| ds.row(i).unwrap()[c]).collect();
            let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (lo, hi)
        };
        let ((x0, x1), (y0, y1)) = (column(0), column(1));
        let want = [
            x0 - 0.1 * (x1 - x0),
            x1 + 0.1 * (x1 - x0),
            y0 - 0.1 * (y1 - y0),
            y1 + 0.1 * (y1 - y0),
        ];
        assert_eq!(ds.plane(), want);
    }

    #[test]
    fn specs_parse_and_display() {
        for text in [
            "xor",
            "circles",
            "moons",
            "spirals",
            "fashion-mnist",
            "csv:data/points.csv",
            "idx:data/mnist",
        ] {
            let spec: DatasetSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "csv:a b.csv".parse::<DatasetSpec>().unwrap(),
            DatasetSpec::Csv(PathBuf::from("a b.csv"))
        );
        assert_eq!(
            "idx:/usr/share/datasets/fashion-mnist"
                .parse::<DatasetSpec>()
                .unwrap(),
            DatasetSpec::Idx(PathBuf::from("/usr/share/datasets/fashion-mnist"))
        );
        assert_eq!(
            "iris".parse::<DatasetSpec>().unwrap_err().to_string(),
            "unknown dataset `iris`: choose xor, circles, moons, spirals, fashion-mnist, \
             csv:PATH or idx:DIR"
        );
        assert_eq!(
            "csv:".parse::<DatasetSpec>().unwrap_err().to_string(),
            "`csv:` needs a path, as in csv:points.csv"
        );
        assert_eq!(
            "idx:".parse::<DatasetSpec>().unwrap_err().to_string(),
            "`idx:` needs a path, as in idx:data/mnist"
        );
    }

    #[test]
    fn every_dataset_but_xor_has_a_test_set_and_a_test_csv_is_for_csv_only() {
        let xor = load(&DatasetSpec::Xor, 1).unwrap();
        assert_eq!(xor.test, None);
        for spec in [
            DatasetSpec::Circles,
            DatasetSpec::Moons,
            DatasetSpec::Spirals,
        ] {
            let split = load(&spec, 1).unwrap();
            let test = split.test.unwrap();
            assert_eq!((test.len(), test.features()), (GENERATED_POINTS, 2));
            assert_ne!(test, split.train, "{spec}");
        }
        let err = load_with_test_csv(&DatasetSpec::Moons, Some(Path::new("t.csv")), 1);
        assert_eq!(
            err.unwrap_err().to_string(),
            "a test file (t.csv) is only for csv: datasets; moons brings its own test set, \
             or has none"
        );
    }
}
