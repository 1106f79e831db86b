//! Datasets for binary classification: the lesson's XOR truth table, three generated 2-D
//! sets (circles, moons, spirals), and CSV files of feature columns followed by a 0/1
//! label.
//!
//! This layer knows nothing of the network: it hands out an `[n, d]` feature matrix and
//! `[n]` labels. Generated sets are drawn from a ChaCha8 generator seeded by the caller,
//! so one seed always gives the same points. CSV problems are reported with the file and
//! the 1-based line (and column) where they are.

use std::f64::consts::{PI, TAU};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Points in each generated dataset (half of them in each class).
pub const GENERATED_POINTS: usize = 200;

/// What can go wrong when naming, generating or loading a dataset.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A dataset name that is none of the choices.
    #[error("unknown dataset `{text}`: choose xor, circles, moons, spirals or csv:PATH")]
    UnknownSpec { text: String },
    /// `csv:` with nothing after it.
    #[error("`csv:` needs a path, as in csv:points.csv")]
    EmptyCsvPath,
    /// The file could not be opened.
    #[error("cannot read {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
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
        "{}:{line}: found {found} column(s); need feature columns then a 0/1 label",
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
    /// A label other than 0 or 1.
    #[error("{}:{line}: label `{text}` is not 0 or 1", path.display())]
    Label {
        path: PathBuf,
        line: u64,
        text: String,
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

impl FromStr for DatasetSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        Ok(match text {
            "xor" => DatasetSpec::Xor,
            "circles" => DatasetSpec::Circles,
            "moons" => DatasetSpec::Moons,
            "spirals" => DatasetSpec::Spirals,
            _ => match text.strip_prefix("csv:") {
                Some("") => return Err(Error::EmptyCsvPath),
                Some(path) => DatasetSpec::Csv(PathBuf::from(path)),
                None => {
                    return Err(Error::UnknownSpec {
                        text: text.to_string(),
                    })
                }
            },
        })
    }
}

impl fmt::Display for DatasetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatasetSpec::Xor => f.write_str("xor"),
            DatasetSpec::Circles => f.write_str("circles"),
            DatasetSpec::Moons => f.write_str("moons"),
            DatasetSpec::Spirals => f.write_str("spirals"),
            DatasetSpec::Csv(path) => write!(f, "csv:{}", path.display()),
        }
    }
}

/// Loads or generates a dataset; `seed` drives the generated ones (XOR and CSV ignore it).
pub fn load(spec: &DatasetSpec, seed: u64) -> Result<Dataset, Error> {
    match spec {
        DatasetSpec::Xor => Ok(xor()),
        DatasetSpec::Circles => Ok(generate(seed, circles_point)),
        DatasetSpec::Moons => Ok(generate(seed, moons_point)),
        DatasetSpec::Spirals => Ok(generate(seed, spirals_point)),
        DatasetSpec::Csv(path) => load_csv(path),
    }
}

/// The lesson's XOR: inputs `[[0,0],[0,1],[1,0],[1,1]]`, labels `[0,1,1,0]`.
pub fn xor() -> Dataset {
    Dataset {
        x: ndarray::array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
        y: ndarray::array![0.0, 1.0, 1.0, 0.0],
    }
}

/// [`GENERATED_POINTS`] points, classes alternating 0, 1, 0, ... (so any prefix is
/// balanced), each drawn by `point(class, rng)`.
fn generate(seed: u64, point: fn(usize, &mut ChaCha8Rng) -> [f64; 2]) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::zeros((GENERATED_POINTS, 2));
    let mut y = Array1::zeros(GENERATED_POINTS);
    for (i, (mut row, label)) in x.rows_mut().into_iter().zip(y.iter_mut()).enumerate() {
        let class = i % 2;
        let [px, py] = point(class, &mut rng);
        row[0] = px as f32;
        row[1] = py as f32;
        *label = class as f32;
    }
    Dataset { x, y }
}

/// One N(0, 1) sample by the Box-Muller transform.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// Circles: radius 1 (class 0) or 0.5 (class 1), noise 0.05.
fn circles_point(class: usize, rng: &mut ChaCha8Rng) -> [f64; 2] {
    let radius = if class == 0 { 1.0 } else { 0.5 };
    let angle = rng.random_range(0.0..TAU);
    [
        radius * angle.cos() + 0.05 * normal(rng),
        radius * angle.sin() + 0.05 * normal(rng),
    ]
}

/// Moons: the upper half circle around (0, 0) (class 0) and the lower one around
/// (1, 0.5) (class 1), noise 0.1.
fn moons_point(class: usize, rng: &mut ChaCha8Rng) -> [f64; 2] {
    let t = rng.random_range(0.0..PI);
    let [px, py] = if class == 0 {
        [t.cos(), t.sin()]
    } else {
        [1.0 - t.cos(), 0.5 - t.sin()]
    };
    [px + 0.1 * normal(rng), py + 0.1 * normal(rng)]
}

/// Spirals: radius `r` in [0.05, 1] at angle `3 pi r`, the second class turned by pi;
/// noise 0.03.
fn spirals_point(class: usize, rng: &mut ChaCha8Rng) -> [f64; 2] {
    let r = rng.random_range(0.05..1.0);
    let angle = 3.0 * PI * r + if class == 0 { 0.0 } else { PI };
    [
        r * angle.cos() + 0.03 * normal(rng),
        r * angle.sin() + 0.03 * normal(rng),
    ]
}

/// Reads a CSV of feature columns then a 0/1 label. The first row is a header if any of
/// its fields is not a number. Every row must have the first row's column count.
fn load_csv(path: &Path) -> Result<Dataset, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    // Line numbers come from byte offsets (the csv crate's own line count skips blank
    // lines).
    let mut lines = LineCounter::new(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(&bytes[..]);
    let mut columns = 0usize;
    let mut features: Vec<f32> = Vec::new();
    let mut labels: Vec<f32> = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        let before = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                let line = lines.line_at(err.position().map_or(before, csv::Position::byte));
                return Err(Error::Read {
                    path: path.to_path_buf(),
                    line,
                    message: read_error_message(&err),
                });
            }
        }
        let line = lines.record_line(record.position().map_or(before, csv::Position::byte));
        if first {
            first = false;
            columns = record.len();
            if columns < 2 {
                return Err(Error::TooFewColumns {
                    path: path.to_path_buf(),
                    line,
                    found: columns,
                });
            }
            if record.iter().any(|field| field.parse::<f32>().is_err()) {
                continue; // a header
            }
        }
        if record.len() != columns {
            return Err(Error::Ragged {
                path: path.to_path_buf(),
                line,
                expected: columns,
                found: record.len(),
            });
        }
        let (feature_fields, label_field) = match record.len().checked_sub(1) {
            Some(last) => (record.iter().take(last), record.get(last).unwrap_or("")),
            None => continue,
        };
        for (i, text) in feature_fields.enumerate() {
            let value = text.parse::<f32>().map_err(|_| Error::Number {
                path: path.to_path_buf(),
                line,
                column: i + 1,
                text: text.to_string(),
            })?;
            if !value.is_finite() {
                return Err(Error::NonFinite {
                    path: path.to_path_buf(),
                    line,
                    column: i + 1,
                    text: text.to_string(),
                });
            }
            features.push(value);
        }
        match label_field.parse::<f32>() {
            Ok(label) if label == 0.0 || label == 1.0 => labels.push(label),
            _ => {
                return Err(Error::Label {
                    path: path.to_path_buf(),
                    line,
                    text: label_field.to_string(),
                })
            }
        }
    }
    if first {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    if labels.is_empty() {
        return Err(Error::NoDataRows {
            path: path.to_path_buf(),
        });
    }
    // Every accepted row added `columns - 1` features and one label.
    let d = columns - 1;
    let x = Array2::from_shape_fn((labels.len(), d), |(r, c)| {
        features.get(r * d + c).copied().unwrap_or(f32::NAN)
    });
    Ok(Dataset {
        x,
        y: Array1::from_vec(labels),
    })
}

/// 1-based line numbers of byte offsets, for offsets that never decrease.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line where a record read from byte `offset` starts: after any blank lines
    /// there, which the csv reader skips.
    fn record_line(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset).unwrap_or(usize::MAX);
        while let Some(b'\n' | b'\r') = self.bytes.get(start) {
            start += 1;
        }
        self.line_at(start as u64)
    }

    /// The line holding byte `offset`.
    fn line_at(&mut self, offset: u64) -> u64 {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        if offset > self.offset {
            let skipped = self.bytes.get(self.offset..offset).unwrap_or(&[]);
            self.line += skipped.iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// The cause of a CSV read error, without the position (reported separately).
fn read_error_message(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8 ({err})"),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn csv_file(contents: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(contents).unwrap();
        file.flush().unwrap();
        file
    }

    fn load_text(contents: &str) -> (Result<Dataset, Error>, String) {
        let file = csv_file(contents.as_bytes());
        let path = file.path().display().to_string();
        let spec = DatasetSpec::Csv(file.path().to_path_buf());
        (load(&spec, 0), path)
    }

    fn error_of(contents: &str) -> String {
        let (result, path) = load_text(contents);
        let message = result.unwrap_err().to_string();
        message.replace(&path, "FILE")
    }

    #[test]
    fn xor_is_the_lessons_table() {
        let ds = load(&DatasetSpec::Xor, 99).unwrap();
        assert_eq!(
            ds.x,
            ndarray::array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
        );
        assert_eq!(ds.y, ndarray::array![0.0, 1.0, 1.0, 0.0]);
        assert_eq!((ds.len(), ds.features(), ds.is_empty()), (4, 2, false));
        assert_eq!(ds.plane(), [-0.5, 1.5, -0.5, 1.5]);
    }

    #[test]
    fn generated_sets_are_balanced_deterministic_and_seeded() {
        for spec in [
            DatasetSpec::Circles,
            DatasetSpec::Moons,
            DatasetSpec::Spirals,
        ] {
            let a = load(&spec, 7).unwrap();
            assert_eq!((a.len(), a.features()), (200, 2), "{spec}");
            assert_eq!(a.y.iter().filter(|&&v| v == 1.0).count(), 100, "{spec}");
            assert_eq!(&a.y.to_vec()[..4], &[0.0, 1.0, 0.0, 1.0], "{spec}");
            assert_eq!(a, load(&spec, 7).unwrap(), "{spec}");
            assert_ne!(a.x, load(&spec, 8).unwrap().x, "{spec}");
            assert!(a.x.iter().all(|v| v.is_finite() && v.abs() < 3.0), "{spec}");
        }
    }

    #[test]
    fn circles_have_their_radii() {
        let ds = load(&DatasetSpec::Circles, 3).unwrap();
        for (row, &label) in ds.x.rows().into_iter().zip(&ds.y) {
            let r = (row[0] * row[0] + row[1] * row[1]).sqrt();
            let want = if label == 0.0 { 1.0 } else { 0.5 };
            assert!((r - want).abs() < 0.25, "radius {r} for class {label}");
        }
    }

    #[test]
    fn moons_classes_sit_on_their_half_circles() {
        let ds = load(&DatasetSpec::Moons, 0).unwrap();
        let mean = |class: f32| {
            let rows: Vec<_> =
                ds.x.rows()
                    .into_iter()
                    .zip(&ds.y)
                    .filter(|&(_, &l)| l == class)
                    .map(|(r, _)| (r[0], r[1]))
                    .collect();
            let n = rows.len() as f32;
            let (sx, sy) = rows
                .iter()
                .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
            (sx / n, sy / n)
        };
        // Means of the half circles: (0, 2/pi) and (1, 0.5 - 2/pi).
        let (x0, y0) = mean(0.0);
        let (x1, y1) = mean(1.0);
        assert!(
            x0.abs() < 0.15 && (y0 - std::f32::consts::FRAC_2_PI).abs() < 0.1,
            "{x0} {y0}"
        );
        assert!(
            (x1 - 1.0).abs() < 0.15 && (y1 - (0.5 - std::f32::consts::FRAC_2_PI)).abs() < 0.1,
            "{x1} {y1}"
        );
    }

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

    #[test]
    fn csv_with_and_without_header() {
        let (ds, _) = load_text("x1,x2,label\n0.5,-1,1\n2,3e-1,0\n");
        let ds = ds.unwrap();
        assert_eq!(ds.x, ndarray::array![[0.5, -1.0], [2.0, 0.3]]);
        assert_eq!(ds.y, ndarray::array![1.0, 0.0]);
        // A UTF-8 byte-order mark does not turn the first row into a header.
        let (ds, _) = load_text("\u{feff}1,2,0\n3,4,1\n");
        assert_eq!(ds.unwrap().len(), 2);
        let (ds, _) = load_text(" 1 , 2 , 3 , 1.0 \r\n4,5,6,0\r\n");
        let ds = ds.unwrap();
        assert_eq!(ds.x, ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        assert_eq!(ds.y, ndarray::array![1.0, 0.0]);
    }

    #[test]
    fn csv_errors_name_the_file_and_line() {
        assert_eq!(error_of(""), "FILE: the file is empty");
        assert_eq!(error_of("a,b,label\n"), "FILE: a header but no data rows");
        assert_eq!(
            error_of("1\n0\n"),
            "FILE:1: found 1 column(s); need feature columns then a 0/1 label"
        );
        assert_eq!(
            error_of("a,b,y\n1,2,0\n3,4\n"),
            "FILE:3: expected 3 columns, found 2"
        );
        assert_eq!(
            error_of("1,2,0\n3,4,1,5\n"),
            "FILE:2: expected 3 columns, found 4"
        );
        assert_eq!(
            error_of("a,b,y\n1,2,0\n3,x4,1\n"),
            "FILE:3: column 2: `x4` is not a number"
        );
        assert_eq!(
            error_of("1,2,0\n,2,1\n"),
            "FILE:2: column 1: `` is not a number"
        );
        assert_eq!(
            error_of("1,2,0\n1,inf,1\n"),
            "FILE:2: column 2: `inf` is not finite"
        );
        assert_eq!(
            error_of("1,2,0\n1,NaN,1\n"),
            "FILE:2: column 2: `NaN` is not finite"
        );
        assert_eq!(
            error_of("1,2,0\n1,2,2\n"),
            "FILE:2: label `2` is not 0 or 1"
        );
        assert_eq!(
            error_of("1,2,0\n1,2,yes\n"),
            "FILE:2: label `yes` is not 0 or 1"
        );
        assert_eq!(error_of("1,2,0.5\n"), "FILE:1: label `0.5` is not 0 or 1");
    }

    #[test]
    fn csv_line_numbers_count_blank_and_quoted_lines() {
        // A blank line is skipped but still counted; a quoted field may span lines.
        assert_eq!(
            error_of("1,2,0\n\n3,4,7\n"),
            "FILE:3: label `7` is not 0 or 1"
        );
        assert_eq!(
            error_of("\"1\n\",2,0\n3,4,7\n"),
            "FILE:3: label `7` is not 0 or 1"
        );
    }

    #[test]
    fn csv_read_failures() {
        let missing = std::env::temp_dir().join("tbtrain-no-such-file.csv");
        let err = load(&DatasetSpec::Csv(missing.clone()), 0).unwrap_err();
        assert!(matches!(&err, Error::Open { source, .. }
            if source.kind() == std::io::ErrorKind::NotFound));
        assert!(err
            .to_string()
            .starts_with(&format!("cannot read {}: ", missing.display())));

        let file = csv_file(b"1,2,0\n1,\xff,1\n");
        let err = load(&DatasetSpec::Csv(file.path().to_path_buf()), 0).unwrap_err();
        let message = err
            .to_string()
            .replace(&file.path().display().to_string(), "FILE");
        assert!(
            message.starts_with("FILE:2: cannot read: not UTF-8"),
            "{message}"
        );
    }
}
