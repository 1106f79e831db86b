//! CSV files of feature columns followed by a 0/1 label, with an optional header row.
//! Every problem is reported with the file and the 1-based line (and column) where it
//! is; line numbers come from byte offsets, so blank and multi-line quoted rows count.

use std::path::Path;

use ndarray::Array2;

use super::{Dataset, Error};

/// Most columns a row may have. A run's first layer and its decision-boundary lattice
/// grow with the features, so `train::limits` refuses far fewer (about 116,000 with the
/// lattice alone); this bounds what reading holds before that check.
pub const MAX_COLUMNS: usize = 1 << 17;
/// Most numbers (features and labels) the rows may hold: `train::limits`'s
/// `MAX_WORKING_FLOATS`, which counts the dataset too.
pub const MAX_VALUES: usize = 1 << 28;

/// Reads a CSV of feature columns then a 0/1 label. The first row is a header if any of
/// its fields is not a number. Every row must have the first row's column count. Only a
/// regular file is read (a FIFO would block), and reading stops at the first row past
/// [`MAX_COLUMNS`] or [`MAX_VALUES`].
pub(super) fn load(path: &Path) -> Result<Dataset, Error> {
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
    let bytes = std::fs::read(path).map_err(open_error)?;
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
    let mut labels: Vec<u32> = Vec::new();
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
        if record.len() > MAX_COLUMNS {
            return Err(Error::TooManyColumns {
                path: path.to_path_buf(),
                line,
                found: record.len(),
            });
        }
        if features.len().saturating_add(labels.len()) > MAX_VALUES - record.len() {
            return Err(Error::TooManyValues {
                path: path.to_path_buf(),
                line,
            });
        }
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
            Ok(label) if label == 0.0 || label == 1.0 => labels.push(label as u32),
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
    Dataset::new(x, labels, 2)
}

/// Reads a held-out test CSV for `train`: the same number of features, and classes
/// among the training set's.
pub(super) fn load_test(path: &Path, train: &Dataset) -> Result<Dataset, Error> {
    let test = load(path)?;
    if test.features() != train.features() {
        return Err(Error::Ragged {
            path: path.to_path_buf(),
            line: 1,
            expected: train.features() + 1,
            found: test.features() + 1,
        });
    }
    Ok(test)
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
    use crate::data::{load, Dataset, DatasetSpec, Error};
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
        (load(&spec, 0).map(|split| split.train), path)
    }

    fn rows(ds: &Dataset) -> Vec<Vec<f32>> {
        (0..ds.len()).map(|i| ds.row(i).unwrap()).collect()
    }

    fn error_of(contents: &str) -> String {
        let (result, path) = load_text(contents);
        let message = result.unwrap_err().to_string();
        message.replace(&path, "FILE")
    }

    #[test]
    fn csv_with_and_without_header() {
        let (ds, _) = load_text("x1,x2,label\n0.5,-1,1\n2,3e-1,0\n");
        let ds = ds.unwrap();
        assert_eq!(rows(&ds), [[0.5, -1.0], [2.0, 0.3]]);
        assert_eq!(ds.labels(), [1, 0]);
        // A UTF-8 byte-order mark does not turn the first row into a header.
        let (ds, _) = load_text("\u{feff}1,2,0\n3,4,1\n");
        assert_eq!(ds.unwrap().len(), 2);
        let (ds, _) = load_text(" 1 , 2 , 3 , 1.0 \r\n4,5,6,0\r\n");
        let ds = ds.unwrap();
        assert_eq!(rows(&ds), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        assert_eq!(ds.labels(), [1, 0]);
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
