//! Training data: the XOR truth table, generated 2-D sets, and CSV files.
//!
//! Every set is a matrix of features `x` (`[n, d]`) and a vector of 0/1 labels `y`.
//! Generated sets (circles, moons, spirals) are drawn from a ChaCha stream seeded by
//! the run's seed, so a run is reproducible. CSV files hold feature columns then a 0/1
//! label; a first row with any non-numeric field is a header. Every problem in a file is
//! reported with its path and 1-based line.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Points in each generated set.
pub const GENERATED_POINTS: usize = 200;

/// A training set: features and 0/1 labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Features, one row per example.
    pub x: Array2<f32>,
    /// Labels, 0.0 or 1.0.
    pub y: Array1<f32>,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Number of feature columns.
    pub fn features(&self) -> usize {
        self.x.ncols()
    }

    /// The part of the plane a decision-boundary picture shows, `[xmin, xmax, ymin,
    /// ymax]`, from the first two features: the bounding box plus a margin of a tenth
    /// of its width, at least 0.5, on each side (for XOR exactly
    /// `[-0.5, 1.5, -0.5, 1.5]`, the lesson's square).
    pub fn plane(&self) -> [f32; 4] {
        let col = |j: usize| -> (f32, f32) {
            if j >= self.features() {
                return (0.0, 1.0);
            }
            let c = self.x.column(j);
            let lo = c.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = c.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            if lo.is_finite() && hi.is_finite() {
                (lo, hi)
            } else {
                (0.0, 1.0)
            }
        };
        let widen = |(lo, hi): (f32, f32)| {
            let margin = ((hi - lo) * 0.1).max(0.5);
            (lo - margin, hi + margin)
        };
        let (x0, x1) = widen(col(0));
        let (y0, y1) = widen(col(1));
        [x0, x1, y0, y1]
    }
}

/// Which data to train on, as `--dataset` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetSpec {
    /// The four XOR points (the lesson's).
    Xor,
    /// Two concentric rings.
    Circles,
    /// Two interleaved half-moons.
    Moons,
    /// Two interleaved spirals.
    Spirals,
    /// A CSV file: feature columns, then a 0/1 label.
    Csv(PathBuf),
}

impl FromStr for DatasetSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "xor" => Ok(DatasetSpec::Xor),
            "circles" => Ok(DatasetSpec::Circles),
            "moons" => Ok(DatasetSpec::Moons),
            "spirals" => Ok(DatasetSpec::Spirals),
            _ => match s.strip_prefix("csv:") {
                Some("") => Err(Error::UnknownSpec(s.to_string())),
                Some(path) => Ok(DatasetSpec::Csv(PathBuf::from(path))),
                None => Err(Error::UnknownSpec(s.to_string())),
            },
        }
    }
}

impl fmt::Display for DatasetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatasetSpec::Xor => f.write_str("xor"),
            DatasetSpec::Circles => f.write_str("circles"),
            DatasetSpec::Moons => f.write_str("moons"),
            DatasetSpec::Spirals => f.write_str("spirals"),
            DatasetSpec::Csv(p) => write!(f, "csv:{}", p.display()),
        }
    }
}

/// What can go wrong choosing or loading data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--dataset` names no known set.
    #[error("unknown dataset '{0}': expected xor, circles, moons, spirals or csv:PATH")]
    UnknownSpec(String),
    /// The CSV file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A row could not be parsed as CSV.
    #[error("{}:{line}: {message}", path.display())]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A field is not a number.
    #[error("{}:{line}: column {column}: '{text}' is not a number", path.display())]
    Number {
        path: PathBuf,
        line: u64,
        column: usize,
        text: String,
    },
    /// A value is NaN or infinite.
    #[error("{}:{line}: column {column}: '{text}' is not finite", path.display())]
    NotFinite {
        path: PathBuf,
        line: u64,
        column: usize,
        text: String,
    },
    /// The label column holds something other than 0 or 1.
    #[error("{}:{line}: label '{text}' must be 0 or 1", path.display())]
    Label {
        path: PathBuf,
        line: u64,
        text: String,
    },
    /// A row has a different number of columns from the first.
    #[error("{}:{line}: expected {expected} columns, found {found}", path.display())]
    Ragged {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
    },
    /// Fewer than two columns: no feature and a label.
    #[error("{}:{line}: need at least one feature column and a label, found {found} column(s)", path.display())]
    TooFewColumns {
        path: PathBuf,
        line: u64,
        found: usize,
    },
    /// No data rows.
    #[error("{}: no data rows", path.display())]
    Empty { path: PathBuf },
}

/// Loads or generates the data `spec` names; `seed` drives generated sets.
pub fn load(spec: &DatasetSpec, seed: u64) -> Result<Dataset, Error> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Ok(match spec {
        DatasetSpec::Xor => xor(),
        DatasetSpec::Circles => circles(&mut rng, GENERATED_POINTS),
        DatasetSpec::Moons => moons(&mut rng, GENERATED_POINTS),
        DatasetSpec::Spirals => spirals(&mut rng, GENERATED_POINTS),
        DatasetSpec::Csv(path) => return load_csv(path),
    })
}

/// The XOR truth table: `[[0,0],[0,1],[1,0],[1,1]]`, labels `[0,1,1,0]`.
pub fn xor() -> Dataset {
    Dataset {
        x: ndarray::arr2(&[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
        y: ndarray::arr1(&[0.0, 1.0, 1.0, 0.0]),
    }
}

fn from_points(points: Vec<(f32, f32, f32)>) -> Dataset {
    let n = points.len();
    let mut x = Array2::zeros((n, 2));
    let mut y = Array1::zeros(n);
    for (i, (a, b, label)) in points.into_iter().enumerate() {
        x[[i, 0]] = a;
        x[[i, 1]] = b;
        y[i] = label;
    }
    Dataset { x, y }
}

fn noise(rng: &mut ChaCha8Rng, scale: f32) -> f32 {
    (rng.random::<f32>() - 0.5) * 2.0 * scale
}

/// Two rings: label 0 on radius 1, label 1 on radius 0.5.
fn circles(rng: &mut ChaCha8Rng, n: usize) -> Dataset {
    let pts = (0..n)
        .map(|i| {
            let label = (i % 2) as f32;
            let r = if label > 0.5 { 0.5 } else { 1.0 };
            let t = rng.random::<f32>() * std::f32::consts::TAU;
            (
                r * t.cos() + noise(rng, 0.08),
                r * t.sin() + noise(rng, 0.08),
                label,
            )
        })
        .collect();
    from_points(pts)
}

/// Two interleaved half-moons.
fn moons(rng: &mut ChaCha8Rng, n: usize) -> Dataset {
    let pts = (0..n)
        .map(|i| {
            let label = (i % 2) as f32;
            let t = rng.random::<f32>() * std::f32::consts::PI;
            let (a, b) = if label > 0.5 {
                (1.0 - t.cos(), 0.5 - t.sin())
            } else {
                (t.cos(), t.sin())
            };
            (a + noise(rng, 0.1), b + noise(rng, 0.1), label)
        })
        .collect();
    from_points(pts)
}

/// Two spirals, one turn and a half each, the second rotated by half a turn.
fn spirals(rng: &mut ChaCha8Rng, n: usize) -> Dataset {
    let pts = (0..n)
        .map(|i| {
            let label = (i % 2) as f32;
            let u = rng.random::<f32>();
            let t = 0.25 + u * 3.0 * std::f32::consts::PI;
            let r = t / (3.0 * std::f32::consts::PI);
            let phase = if label > 0.5 {
                std::f32::consts::PI
            } else {
                0.0
            };
            (
                r * (t + phase).cos() + noise(rng, 0.03),
                r * (t + phase).sin() + noise(rng, 0.03),
                label,
            )
        })
        .collect();
    from_points(pts)
}

/// Reads a CSV file of feature columns and a 0/1 label.
pub fn load_csv(path: &Path) -> Result<Dataset, Error> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let mut columns: Option<usize> = None;
    let mut values: Vec<f32> = Vec::new();
    let mut labels: Vec<f32> = Vec::new();
    let mut first = true;
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if first {
            first = false;
            if record.iter().any(|f| f.parse::<f32>().is_err()) {
                // A header row: names, not numbers.
                columns = Some(record.len());
                if record.len() < 2 {
                    return Err(Error::TooFewColumns {
                        path: path.to_path_buf(),
                        line,
                        found: record.len(),
                    });
                }
                continue;
            }
        }
        let expected = *columns.get_or_insert(record.len());
        if record.len() != expected {
            return Err(Error::Ragged {
                path: path.to_path_buf(),
                line,
                expected,
                found: record.len(),
            });
        }
        if expected < 2 {
            return Err(Error::TooFewColumns {
                path: path.to_path_buf(),
                line,
                found: expected,
            });
        }
        for (j, field) in record.iter().enumerate() {
            let column = j + 1;
            let v: f32 = field.parse().map_err(|_| Error::Number {
                path: path.to_path_buf(),
                line,
                column,
                text: field.to_string(),
            })?;
            if !v.is_finite() {
                return Err(Error::NotFinite {
                    path: path.to_path_buf(),
                    line,
                    column,
                    text: field.to_string(),
                });
            }
            if column == expected {
                if v != 0.0 && v != 1.0 {
                    return Err(Error::Label {
                        path: path.to_path_buf(),
                        line,
                        text: field.to_string(),
                    });
                }
                labels.push(v);
            } else {
                values.push(v);
            }
        }
    }
    let n = labels.len();
    if n == 0 {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    let d = values.len() / n;
    let x = Array2::from_shape_vec((n, d), values).map_err(|e| Error::Csv {
        path: path.to_path_buf(),
        line: 0,
        message: e.to_string(),
    })?;
    Ok(Dataset {
        x,
        y: Array1::from(labels),
    })
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        _ => Error::Csv {
            path: path.to_path_buf(),
            line,
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn err(text: &str) -> String {
        let (_dir, path) = csv_file(text);
        let e = load_csv(&path).unwrap_err().to_string();
        e.replace(&path.display().to_string(), "F")
    }

    #[test]
    fn xor_is_the_truth_table() {
        let d = load(&DatasetSpec::Xor, 7).unwrap();
        assert_eq!(
            d.x,
            ndarray::arr2(&[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        );
        assert_eq!(d.y, ndarray::arr1(&[0.0, 1.0, 1.0, 0.0]));
        assert_eq!(d.plane(), [-0.5, 1.5, -0.5, 1.5]);
    }

    #[test]
    fn spec_round_trips_and_rejects_unknown() {
        for s in ["xor", "circles", "moons", "spirals", "csv:data/a.csv"] {
            assert_eq!(s.parse::<DatasetSpec>().unwrap().to_string(), s);
        }
        assert_eq!(
            "iris".parse::<DatasetSpec>().unwrap_err().to_string(),
            "unknown dataset 'iris': expected xor, circles, moons, spirals or csv:PATH"
        );
        assert!("csv:".parse::<DatasetSpec>().is_err());
    }

    #[test]
    fn generated_sets_are_deterministic_and_balanced() {
        for spec in [
            DatasetSpec::Circles,
            DatasetSpec::Moons,
            DatasetSpec::Spirals,
        ] {
            let a = load(&spec, 3).unwrap();
            let b = load(&spec, 3).unwrap();
            let c = load(&spec, 4).unwrap();
            assert_eq!(a, b, "{spec}");
            assert_ne!(a.x, c.x, "{spec}");
            assert_eq!(a.len(), GENERATED_POINTS);
            assert_eq!(a.features(), 2);
            assert_eq!(
                a.y.iter().filter(|&&v| v == 1.0).count(),
                GENERATED_POINTS / 2
            );
        }
    }

    #[test]
    fn csv_with_and_without_header() {
        let (_d, p) = csv_file("x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
        let d = load_csv(&p).unwrap();
        assert_eq!(d, xor());
        let (_d, p) = csv_file("0.5, 2, 1\n-1.25, 3, 0\n\n");
        let d = load_csv(&p).unwrap();
        assert_eq!(d.x, ndarray::arr2(&[[0.5, 2.0], [-1.25, 3.0]]));
        assert_eq!(d.y, ndarray::arr1(&[1.0, 0.0]));
    }

    #[test]
    fn csv_errors_name_file_and_line() {
        assert_eq!(
            err("a,b,label\n1,2,0\n1,x,1\n"),
            "F:3: column 2: 'x' is not a number"
        );
        assert_eq!(err("1,2,0\n1,2,2\n"), "F:2: label '2' must be 0 or 1");
        assert_eq!(err("1,2,0\n1,2\n"), "F:2: expected 3 columns, found 2");
        assert_eq!(err(""), "F: no data rows");
        assert_eq!(err("a,b,label\n"), "F: no data rows");
        assert_eq!(
            err("1\n0\n"),
            "F:1: need at least one feature column and a label, found 1 column(s)"
        );
        assert_eq!(err("1,inf,0\n"), "F:1: column 2: 'inf' is not finite");
        assert_eq!(err("1,2,0.5\n"), "F:1: label '0.5' must be 0 or 1");
    }

    #[test]
    fn missing_csv_names_path_and_os_error() {
        let e = load(&DatasetSpec::Csv(PathBuf::from("/nonexistent/d.csv")), 0).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("cannot read /nonexistent/d.csv: "), "{msg}");
        assert!(msg.contains("No such file"), "{msg}");
    }
}
