//! CSV files of feature columns followed by a class label (0 to K-1), with an optional
//! header row; and a held-out test file checked against its training file.
//!
//! The file is streamed, never read whole: csv's own parser (`csv-core`, the one the
//! `csv` crate runs) splits fields into a buffer of [`MAX_FIELD_BYTES`], so what reading
//! holds grows only with the numbers kept, and those are bounded ([`MAX_COLUMNS`],
//! [`MAX_VALUES`], [`MAX_CLASSES`]). Every problem is reported with the file and the
//! 1-based line (and column) where it is. Lines end as the parser splits records: at a
//! CR, an LF or a CRLF; blank lines and the line ends inside quoted fields count.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::{Error, MAX_CLASSES};

mod fields;

use fields::Fields;

/// Most columns a row may have. A run's first layer and its decision-boundary lattice
/// grow with the features, so `train::limits` refuses far fewer (about 116,000 with the
/// lattice alone); this bounds what reading holds before that check.
pub const MAX_COLUMNS: usize = 1 << 17;
/// Most numbers (features and labels) the rows may hold: `train::limits`'s
/// `MAX_WORKING_FLOATS`, which counts the dataset too.
pub const MAX_VALUES: usize = 1 << 28;
/// Longest field, in bytes, padding included (not its quotes): no number needs that many
/// (an `f32` written in full, `%.50f` of the smallest, is under 60), and it leaves room
/// for a header's column names.
pub const MAX_FIELD_BYTES: usize = 1024;

/// The read buffer's size.
const READ_BUFFER: usize = 64 * 1024;

/// A CSV file's rows: features, and class indices.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTable {
    /// The file they were read from.
    pub path: PathBuf,
    /// Features, `[n, d]`, each finite.
    pub x: Array2<f32>,
    /// Labels, `[n]`, each below `classes`.
    pub labels: Vec<u32>,
    /// Classes: the training file's largest label plus one (2 or more).
    pub classes: usize,
}

/// Reads a CSV of feature columns then a label, a whole number from 0 (`1.0` and `1e0`
/// are 1, as numbers read elsewhere are). The first row is a header if any of its fields
/// is not a number. Every row must have the first row's column count. K, the classes, is
/// the largest label plus one: at least 2, at most [`MAX_CLASSES`]. Only a regular file
/// is read (a FIFO would block), and reading stops at the first row past
/// [`MAX_COLUMNS`] or [`MAX_VALUES`], or field past [`MAX_FIELD_BYTES`].
pub fn load(path: &Path) -> Result<CsvTable, Error> {
    let rows = read_rows(path, None)?;
    let classes = rows.labels.iter().max().map_or(0, |&m| m as usize + 1);
    if classes < 2 {
        return Err(Error::TooFewClasses {
            path: path.to_path_buf(),
        });
    }
    rows.into_table(path, classes)
}

/// Reads a held-out test CSV for `train` (read by [`load`]): as [`load`] does, and its
/// rows must have the training file's column count and labels below its classes.
pub fn load_test(path: &Path, train: &CsvTable) -> Result<CsvTable, Error> {
    let expect = Expect {
        train: &train.path,
        columns: train.x.ncols() + 1,
        classes: train.classes,
    };
    read_rows(path, Some(&expect))?.into_table(path, train.classes)
}

/// What a test file must match.
struct Expect<'a> {
    train: &'a Path,
    columns: usize,
    classes: usize,
}

/// The data rows read: features row after row, and labels.
struct Rows {
    columns: usize,
    features: Vec<f32>,
    labels: Vec<u32>,
}

impl Rows {
    fn into_table(self, path: &Path, classes: usize) -> Result<CsvTable, Error> {
        let d = self.columns.saturating_sub(1);
        let (rows, values) = (self.labels.len(), self.features.len());
        let x =
            Array2::from_shape_vec((rows, d), self.features).map_err(|_| Error::LabelCount {
                rows: values.checked_div(d).unwrap_or(0),
                labels: rows,
            })?;
        Ok(CsvTable {
            path: path.to_path_buf(),
            x,
            labels: self.labels,
            classes,
        })
    }
}

/// A field that is not a finite number, kept until the row is known whole (a ragged
/// row is reported first, as the label column is known only at the row's end).
enum Bad {
    Number,
    NonFinite,
}

/// The fields of the row being read.
#[derive(Default)]
struct Row {
    values: Vec<f32>,
    first_bad: Option<(usize, String, Bad)>,
    any_text: bool,
    last: String,
}

impl Row {
    fn clear(&mut self) {
        self.values.clear();
        self.first_bad = None;
        self.any_text = false;
        self.last.clear();
    }

    /// Field `index` of the row, trimmed.
    fn push(&mut self, index: usize, text: &str) {
        if index >= MAX_COLUMNS {
            return; // the row is refused at its end, with its column count
        }
        let (value, bad) = match text.parse::<f32>() {
            Ok(v) if v.is_finite() => (v, None),
            Ok(v) => (v, Some(Bad::NonFinite)),
            Err(_) => {
                self.any_text = true;
                (f32::NAN, Some(Bad::Number))
            }
        };
        if let (None, Some(bad)) = (&self.first_bad, bad) {
            self.first_bad = Some((index, text.to_string(), bad));
        }
        self.values.push(value);
        self.last.clear();
        self.last.push_str(text);
    }
}

/// Reads the data rows, checked against `expect` for a test file.
fn read_rows(path: &Path, expect: Option<&Expect>) -> Result<Rows, Error> {
    let open_error = |source| Error::Open {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(open_error)?;
    if !meta.is_file() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
            what: crate::special::file_kind(&meta.file_type()),
        });
    }
    let file = File::open(path).map_err(open_error)?;
    let mut fields = Fields::new(path, BufReader::with_capacity(READ_BUFFER, file))?;
    let mut rows = Rows {
        columns: 0,
        features: Vec::new(),
        labels: Vec::new(),
    };
    let mut row = Row::default();
    let mut first = true;
    loop {
        row.clear();
        let Some((line, found)) = fields.next_record(|i, text| row.push(i, text))? else {
            break;
        };
        let owned = || path.to_path_buf();
        if found > MAX_COLUMNS {
            return Err(Error::TooManyColumns {
                path: owned(),
                line,
                found,
            });
        }
        let held = rows.features.len().saturating_add(rows.labels.len());
        if held > MAX_VALUES - found {
            return Err(Error::TooManyValues {
                path: owned(),
                line,
            });
        }
        if first {
            first = false;
            rows.columns = found;
            if found < 2 {
                return Err(Error::TooFewColumns {
                    path: owned(),
                    line,
                    found,
                });
            }
            if let Some(expect) = expect.filter(|e| e.columns != found) {
                return Err(Error::TestColumns {
                    path: owned(),
                    line,
                    found,
                    train: expect.train.to_path_buf(),
                    expected: expect.columns,
                });
            }
            if row.any_text {
                continue; // a header
            }
        }
        if found != rows.columns {
            return Err(Error::Ragged {
                path: owned(),
                line,
                expected: rows.columns,
                found,
            });
        }
        let label_column = found - 1;
        match row.first_bad.take() {
            Some((i, text, Bad::Number)) if i < label_column => {
                let column = i + 1;
                return Err(Error::Number {
                    path: owned(),
                    line,
                    column,
                    text,
                });
            }
            Some((i, text, Bad::NonFinite)) if i < label_column => {
                let column = i + 1;
                return Err(Error::NonFinite {
                    path: owned(),
                    line,
                    column,
                    text,
                });
            }
            _ => {}
        }
        let label = parse_label(&row.last, path, line)?;
        if let Some(expect) = expect.filter(|e| label as usize >= e.classes) {
            return Err(Error::TestLabel {
                path: owned(),
                line,
                label,
                classes: expect.classes,
            });
        }
        let features = row.values.get(..label_column).unwrap_or(&[]);
        if rows.features.try_reserve(features.len()).is_err() || rows.labels.try_reserve(1).is_err()
        {
            return Err(Error::OutOfMemory {
                path: owned(),
                line,
            });
        }
        rows.features.extend_from_slice(features);
        rows.labels.push(label);
    }
    if first {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    if rows.labels.is_empty() {
        return Err(Error::NoDataRows {
            path: path.to_path_buf(),
        });
    }
    Ok(rows)
}

/// A label: a whole number from 0 below [`MAX_CLASSES`].
fn parse_label(text: &str, path: &Path, line: u64) -> Result<u32, Error> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 => {
            if v < MAX_CLASSES as f64 {
                Ok(v as u32)
            } else {
                Err(Error::TooManyClasses {
                    path: path.to_path_buf(),
                    line,
                    text: text.to_string(),
                })
            }
        }
        _ => Err(Error::Label {
            path: path.to_path_buf(),
            line,
            text: text.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{load as load_spec, DatasetSpec};
    use std::io::Write;

    fn csv_file(contents: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(contents).unwrap();
        file.flush().unwrap();
        file
    }

    fn load_text(contents: &str) -> CsvTable {
        let file = csv_file(contents.as_bytes());
        load(file.path()).unwrap()
    }

    /// The error of reading `contents`, its path written `FILE`.
    fn error_of(contents: impl AsRef<[u8]>) -> String {
        let file = csv_file(contents.as_ref());
        let path = file.path().display().to_string();
        load(file.path())
            .unwrap_err()
            .to_string()
            .replace(&path, "FILE")
    }

    #[test]
    fn csv_with_and_without_header() {
        let t = load_text("x1,x2,label\n0.5,-1,1\n2,3e-1,0\n");
        assert_eq!(t.x, ndarray::array![[0.5, -1.0], [2.0, 0.3]]);
        assert_eq!(t.labels, [1, 0]);
        assert_eq!(t.classes, 2);
        // A UTF-8 byte-order mark does not turn the first row into a header.
        let t = load_text("\u{feff}1,2,0\n3,4,1\n");
        assert_eq!(t.labels.len(), 2);
        let t = load_text(" 1 , 2 , 3 , 1.0 \r\n4,5,6,0\r\n");
        assert_eq!(t.x, ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        assert_eq!(t.labels, [1, 0]);
        // Quoted fields, a last row without a line end.
        let t = load_text("\"a, b\",c\n\"1\",0\n2,\"1\"");
        assert_eq!(t.x, ndarray::array![[1.0], [2.0]]);
        assert_eq!(t.labels, [0, 1]);
        // The dataset has the table's classes.
        let file = csv_file(b"1,2,0\n3,4,2\n");
        let ds = load_spec(&DatasetSpec::Csv(file.path().to_path_buf()), 0).unwrap();
        assert_eq!((ds.train.labels(), ds.train.classes()), (&[0, 2][..], 3));
    }

    #[test]
    fn labels_are_class_indices_and_k_is_the_largest_plus_one() {
        let t = load_text("a,b,y\n0,0,0\n1,0,3\n0,1,2.0\n1,1,1e0\n2,2,-0\n");
        assert_eq!(t.labels, [0, 3, 2, 1, 0]);
        assert_eq!(t.classes, 4);
        // A class without an example still counts: K is the largest label plus one.
        let t = load_text("1,1\n2,9\n");
        assert_eq!(t.classes, 10);
        let t = load_text("1,999\n2,0\n");
        assert_eq!(t.classes, MAX_CLASSES);
        assert_eq!(
            error_of("1,1000\n2,0\n"),
            "FILE:1: label `1000` is past the 1000 classes a run can have (labels 0 to 999)"
        );
        assert_eq!(
            error_of("1,0\n2,1e300\n"),
            "FILE:2: label `1e300` is past the 1000 classes a run can have (labels 0 to 999)"
        );
        assert_eq!(
            error_of("x,y\n1,0\n2,0\n"),
            "FILE: every label is 0; a classifier needs two classes or more (labels 0 to K-1)"
        );
        for bad in ["0.5", "-1", "1.0000001", "inf", "NaN", "yes", ""] {
            assert_eq!(
                error_of(format!("1,2,0\n1,2,{bad}\n")),
                format!(
                    "FILE:2: label `{bad}` is not a class index (a whole number: 0, 1, 2, ...)"
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn csv_errors_name_the_file_and_line() {
        assert_eq!(error_of(""), "FILE: the file is empty");
        assert_eq!(error_of("\n\r\n\r"), "FILE: the file is empty");
        assert_eq!(error_of("a,b,label\n"), "FILE: a header but no data rows");
        assert_eq!(
            error_of("1\n0\n"),
            "FILE:1: found 1 column(s); need feature columns then a label"
        );
        assert_eq!(
            error_of("a,b,y\n1,2,0\n3,4\n"),
            "FILE:3: expected 3 columns, found 2"
        );
        assert_eq!(
            error_of("1,2,0\n3,4,1,5\n"),
            "FILE:2: expected 3 columns, found 4"
        );
        // A ragged row is named as ragged even when a field of it is not a number.
        assert_eq!(
            error_of("1,2,0\n3,x,1,5\n"),
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
        // The first bad feature is named, before a bad label.
        assert_eq!(
            error_of("1,2,0\ninf,x,y\n"),
            "FILE:2: column 1: `inf` is not finite"
        );
        assert_eq!(
            error_of("1,2,0\n1,2,yes\n"),
            "FILE:2: label `yes` is not a class index (a whole number: 0, 1, 2, ...)"
        );
    }

    #[test]
    fn csv_line_numbers_count_blank_and_quoted_lines() {
        // A blank line is skipped but still counted; a quoted field may span lines.
        let label_7 = "label `7.5` is not a class index (a whole number: 0, 1, 2, ...)";
        assert_eq!(error_of("1,2,0\n\n3,4,7.5\n"), format!("FILE:3: {label_7}"));
        assert_eq!(
            error_of("\"1\n\",2,0\n3,4,7.5\n"),
            format!("FILE:3: {label_7}")
        );
        assert_eq!(
            error_of("\u{feff}\n1,2,0\n3,4,7.5\n"),
            format!("FILE:3: {label_7}")
        );
    }

    #[test]
    fn cr_lf_and_crlf_line_ends_each_end_one_line() {
        let label = "label `x` is not a class index (a whole number: 0, 1, 2, ...)";
        for end in ["\r", "\n", "\r\n"] {
            let text = ["1,2,0", "3,4,1", "5,6,0", "7,8,x", ""].join(end);
            assert_eq!(error_of(&text), format!("FILE:4: {label}"), "{end:?}");
            // Blank lines of each kind count.
            let text = ["1,2,0", "", "3,4,1", "", "7,8,x", ""].join(end);
            assert_eq!(error_of(&text), format!("FILE:5: {label}"), "{end:?}");
            // So does a line end inside a quoted field.
            let text = ["\"1", "\",2,0", "7,8,x"].join(end);
            assert_eq!(error_of(&text), format!("FILE:3: {label}"), "{end:?}");
        }
        // Mixed: CR, then LF, then CRLF, then LF CR (two line ends).
        assert_eq!(
            error_of("1,2,0\r3,4,1\n5,6,0\r\n5,6,1\n\r7,8,x\n"),
            format!("FILE:6: {label}")
        );
        let t = load_text("1,2,0\r3,4,1\r");
        assert_eq!(t.labels, [0, 1]);
    }

    #[test]
    fn a_field_longer_than_any_number_is_refused_early() {
        // 1024 bytes: a field at the limit is read (padding counts: 1022 spaces).
        let mut long = [" ".repeat(MAX_FIELD_BYTES - 2), "0.5".into()].concat();
        assert_eq!(long.len(), MAX_FIELD_BYTES + 1);
        long.remove(0);
        let t = load_text(&format!("{long},0\n2,1\n"));
        assert_eq!(t.x, ndarray::array![[0.5], [2.0]]);
        let mut long = long.into_bytes();
        long.push(b'1');
        let over = [b"0,1\n2,".as_slice(), &long, b",0\n"].concat();
        assert_eq!(
            error_of(&over),
            "FILE:2: column 2: a field of more than 1024 bytes; no number needs that many"
        );
        // Quoted and spanning lines, still counted.
        let quoted = [b"0,1\n\"\n".as_slice(), &long, b"\",1\n"].concat();
        assert_eq!(
            error_of(&quoted),
            "FILE:2: column 1: a field of more than 1024 bytes; no number needs that many"
        );
    }

    #[test]
    fn a_test_file_is_checked_against_its_training_file() {
        let train_file = csv_file(b"a,b,y\n0,0,0\n1,1,2\n");
        let train = load(train_file.path()).unwrap();
        assert_eq!(train.classes, 3);
        let test_error = |contents: &str| {
            let file = csv_file(contents.as_bytes());
            load_test(file.path(), &train)
                .unwrap_err()
                .to_string()
                .replace(&file.path().display().to_string(), "TEST")
                .replace(&train_file.path().display().to_string(), "TRAIN")
        };
        let file = csv_file(b"5,5,1\n6,6,1\n");
        let test = load_test(file.path(), &train).unwrap();
        assert_eq!(test.x, ndarray::array![[5.0, 5.0], [6.0, 6.0]]);
        assert_eq!((test.labels.as_slice(), test.classes), (&[1, 1][..], 3));
        assert_eq!(
            test_error("p,q,r,s\n1,2,3,0\n"),
            "TEST:1: 4 columns, but the training file TRAIN has 3"
        );
        assert_eq!(
            test_error("\n1,0\n"),
            "TEST:2: 2 columns, but the training file TRAIN has 3"
        );
        assert_eq!(
            test_error("1,2,0\r1,2,3\r"),
            "TEST:2: label 3 is not one of the training file's 3 classes (0 to 2)"
        );
        assert_eq!(
            test_error("1,2,0\n1,2,0.5\n"),
            "TEST:2: label `0.5` is not a class index (a whole number: 0, 1, 2, ...)"
        );
        assert_eq!(
            test_error("1,2,0\n1,2\n"),
            "TEST:2: expected 3 columns, found 2"
        );
        assert_eq!(test_error(""), "TEST: the file is empty");
        assert_eq!(test_error("a,b,c\n"), "TEST: a header but no data rows");
    }

    #[test]
    fn csv_read_failures() {
        let missing = std::env::temp_dir().join("tbtrain-no-such-file.csv");
        let err = load(&missing).unwrap_err();
        assert!(matches!(&err, Error::Open { source, .. }
            if source.kind() == std::io::ErrorKind::NotFound));
        assert!(err
            .to_string()
            .starts_with(&format!("cannot read {}: ", missing.display())));

        let message = error_of(b"1,2,0\n1,\xff,1\n");
        assert!(
            message.starts_with("FILE:2: cannot read: not UTF-8"),
            "{message}"
        );
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            load(dir.path()).unwrap_err().to_string(),
            format!(
                "cannot read {}: a directory, not a regular file",
                dir.path().display()
            )
        );
    }
}
