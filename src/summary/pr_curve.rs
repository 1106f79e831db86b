//! PR curves: the precision-recall summary of TensorBoard's `pr_curves` plugin.
//!
//! What TensorBoard 2.21's own `plugins/pr_curve/summary.py` writes (`pb` and
//! `raw_data_pb`): a `DT_FLOAT` tensor of shape `[6, N]` (in `tensor_content`) whose rows
//! are, in order, true positives, false positives, true negatives, false negatives,
//! precision and recall at the thresholds `i / (N - 1)`, `i = 0..N`; metadata naming the
//! plugin `pr_curves`, with a `PrCurvePluginData { version: 0, num_thresholds: N }` as
//! its content and the tag as its display name. Two differences, both deliberate:
//! - the tag is used as given (`pb(name, ...)` writes `name/pr_curves`; tensorboardX and
//!   PyTorch use the tag as given too);
//! - `data_class` is `DATA_CLASS_TENSOR`: the Rust data server (`--load_fast=true`, the
//!   default) drops a summary of a plugin it does not know unless its metadata names a
//!   data class.
//!
//! Counting ([`PrCurveData::from_predictions`]) follows `pb` step by step: a prediction `p`
//! goes to bucket `floor(p * (N - 1))`, computed in `f32` as NumPy computes it for a
//! `float32` array (so `0.7f32` with `N = 11` lands in bucket 7, not 6); per bucket,
//! positives and negatives are counted; `tp` and `fp` at threshold `i` are the sums over
//! buckets `i..N`; `tn = fp[0] - fp`, `fn = tp[0] - tp`; precision is
//! `tp / max(1e-7, tp + fp)` and recall `tp / max(1e-7, tp + fn)` in `f64` (so 0/0 is 0),
//! rounded to `f32` at the end. A unit test compares the bytes with those of `pb` itself.
//!
//! Predictions must be in `[0, 1]`: NaN or a value outside is an error
//! ([`PrCurveError::Prediction`]), where `pb` would silently leave it out of every count
//! (and TensorFlow's `op` would clamp it). The raw form checks that counts are finite and
//! not negative and that precision and recall are in `[0, 1]`.

use crate::proto::{summary, DataClass, DataType, PrCurvePluginData, Summary, TensorProto};
use crate::proto::{tensor_shape_proto, TensorShapeProto};

/// The number of thresholds TensorBoard's `pr_curves` summary uses by default.
pub const DEFAULT_NUM_THRESHOLDS: u32 = 201;
/// The most thresholds a curve may have (each step of a tag is a `[6, N]` tensor of
/// `24 * N` bytes, and the PR-curves dashboard plots every threshold).
pub const MAX_NUM_THRESHOLDS: u32 = 10_000;
/// TensorBoard's `_MINIMUM_COUNT`: the smallest denominator of precision and recall.
const MINIMUM_COUNT: f64 = 1e-7;

/// The six rows of the tensor, in TensorBoard's order (`metadata.py`'s `*_INDEX`).
pub const ROWS: [&str; 6] = [
    "true_positives",
    "false_positives",
    "true_negatives",
    "false_negatives",
    "precision",
    "recall",
];

/// What is wrong with a PR curve's input.
#[derive(Debug, thiserror::Error)]
pub enum PrCurveError {
    /// Labels and predictions differ in length.
    #[error("PR curve {tag:?}: {labels} labels but {predictions} predictions")]
    Lengths {
        /// The curve's tag.
        tag: String,
        /// Number of labels.
        labels: usize,
        /// Number of predictions.
        predictions: usize,
    },
    /// A prediction is NaN or outside `[0, 1]`.
    #[error("PR curve {tag:?}: prediction {index} is {value}, not a probability in [0, 1]")]
    Prediction {
        /// The curve's tag.
        tag: String,
        /// Its position in the predictions.
        index: usize,
        /// The value.
        value: f32,
    },
    /// The number of thresholds is below 2 or above [`MAX_NUM_THRESHOLDS`].
    #[error(
        "PR curve {tag:?}: {num_thresholds} thresholds; a curve has from 2 to {MAX_NUM_THRESHOLDS}"
    )]
    Thresholds {
        /// The curve's tag.
        tag: String,
        /// The number asked for (for the raw form: the length of its rows).
        num_thresholds: usize,
    },
    /// A row of the raw form is not as long as the first.
    #[error("PR curve {tag:?}: {row} has {len} values, true_positives {expected}")]
    RowLength {
        /// The curve's tag.
        tag: String,
        /// The row's name (one of [`ROWS`]).
        row: &'static str,
        /// Its length.
        len: usize,
        /// The length of `true_positives`.
        expected: usize,
    },
    /// A value of the raw form is out of its range.
    #[error("PR curve {tag:?}: {row}[{index}] is {value}; {rule}")]
    Value {
        /// The curve's tag.
        tag: String,
        /// The row's name (one of [`ROWS`]).
        row: &'static str,
        /// The threshold's index.
        index: usize,
        /// The value.
        value: f32,
        /// What the row's values must be.
        rule: &'static str,
    },
}

/// A PR curve: one value per threshold in each of TensorBoard's six rows (thresholds
/// `i / (N - 1)` from 0 to 1, `N` the length of every row).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrCurveData {
    /// Positives predicted at or above each threshold.
    pub true_positives: Vec<f32>,
    /// Negatives predicted at or above each threshold.
    pub false_positives: Vec<f32>,
    /// Negatives predicted below each threshold.
    pub true_negatives: Vec<f32>,
    /// Positives predicted below each threshold.
    pub false_negatives: Vec<f32>,
    /// `tp / (tp + fp)` at each threshold.
    pub precision: Vec<f32>,
    /// `tp / (tp + fn)` at each threshold.
    pub recall: Vec<f32>,
}

impl PrCurveData {
    /// The curve of binary `labels` against `predictions` in `[0, 1]` at `num_thresholds`
    /// thresholds, counted as TensorBoard's `pb` counts (see the module doc). `tag` only
    /// names the curve in errors.
    ///
    /// ```
    /// use tbtrain::summary::pr_curve::PrCurveData;
    ///
    /// let curve = PrCurveData::from_predictions("cat", &[true, false, true], &[0.9, 0.6, 0.3], 3)?;
    /// assert_eq!(curve.true_positives, [2.0, 1.0, 0.0]); // at thresholds 0, 0.5, 1
    /// assert_eq!(curve.false_positives, [1.0, 1.0, 0.0]);
    /// assert_eq!(curve.precision[1], 0.5);
    /// assert!(PrCurveData::from_predictions("cat", &[true], &[f32::NAN], 3).is_err());
    /// # Ok::<(), tbtrain::summary::pr_curve::PrCurveError>(())
    /// ```
    pub fn from_predictions(
        tag: &str,
        labels: &[bool],
        predictions: &[f32],
        num_thresholds: u32,
    ) -> Result<PrCurveData, PrCurveError> {
        if labels.len() != predictions.len() {
            return Err(PrCurveError::Lengths {
                tag: tag.to_string(),
                labels: labels.len(),
                predictions: predictions.len(),
            });
        }
        let n = check_thresholds(tag, num_thresholds as usize)?;
        // N - 1 < 2^24, so it is exact in f32; NumPy multiplies a float32 array by it in f32.
        let scale = (n - 1) as f32;
        let mut positives = vec![0u64; n];
        let mut negatives = vec![0u64; n];
        for (index, (&label, &p)) in labels.iter().zip(predictions).enumerate() {
            if !(0.0..=1.0).contains(&p) {
                return Err(PrCurveError::Prediction {
                    tag: tag.to_string(),
                    index,
                    value: p,
                });
            }
            // In [0, N - 1]: p <= 1 and the product rounds to at most N - 1.
            let bucket = ((p * scale).floor() as usize).min(n - 1);
            if label {
                positives[bucket] += 1;
            } else {
                negatives[bucket] += 1;
            }
        }
        let mut curve = PrCurveData::with_capacity(n);
        let (mut tp, mut fp) = (vec![0u64; n], vec![0u64; n]);
        let (mut sum_p, mut sum_n) = (0u64, 0u64);
        for i in (0..n).rev() {
            sum_p += positives[i];
            sum_n += negatives[i];
            tp[i] = sum_p;
            fp[i] = sum_n;
        }
        for i in 0..n {
            let (t, f) = (tp[i] as f64, fp[i] as f64);
            let (tn, fneg) = ((fp[0] - fp[i]) as f64, (tp[0] - tp[i]) as f64);
            curve.true_positives.push(t as f32);
            curve.false_positives.push(f as f32);
            curve.true_negatives.push(tn as f32);
            curve.false_negatives.push(fneg as f32);
            curve.precision.push((t / MINIMUM_COUNT.max(t + f)) as f32);
            curve.recall.push((t / MINIMUM_COUNT.max(t + fneg)) as f32);
        }
        Ok(curve)
    }

    fn with_capacity(n: usize) -> PrCurveData {
        PrCurveData {
            true_positives: Vec::with_capacity(n),
            false_positives: Vec::with_capacity(n),
            true_negatives: Vec::with_capacity(n),
            false_negatives: Vec::with_capacity(n),
            precision: Vec::with_capacity(n),
            recall: Vec::with_capacity(n),
        }
    }

    /// The six rows in TensorBoard's order, named as in [`ROWS`].
    pub fn rows(&self) -> [(&'static str, &[f32]); 6] {
        [
            (ROWS[0], &self.true_positives),
            (ROWS[1], &self.false_positives),
            (ROWS[2], &self.true_negatives),
            (ROWS[3], &self.false_negatives),
            (ROWS[4], &self.precision),
            (ROWS[5], &self.recall),
        ]
    }

    /// Checks the raw form: rows of one length `N` (2 to [`MAX_NUM_THRESHOLDS`]), counts
    /// finite and not negative, precision and recall in `[0, 1]`. Returns `N`.
    pub fn check(&self, tag: &str) -> Result<usize, PrCurveError> {
        let expected = self.true_positives.len();
        for (i, (row, values)) in self.rows().into_iter().enumerate() {
            if values.len() != expected {
                return Err(PrCurveError::RowLength {
                    tag: tag.to_string(),
                    row,
                    len: values.len(),
                    expected,
                });
            }
            let (ok, rule): (fn(f32) -> bool, _) = if i < 4 {
                (
                    |v| v.is_finite() && v >= 0.0,
                    "counts must be finite and >= 0",
                )
            } else {
                (|v| (0.0..=1.0).contains(&v), "it must be in [0, 1]")
            };
            if let Some((index, &value)) = values.iter().enumerate().find(|(_, &v)| !ok(v)) {
                return Err(PrCurveError::Value {
                    tag: tag.to_string(),
                    row,
                    index,
                    value,
                    rule,
                });
            }
        }
        check_thresholds(tag, expected)
    }
}

fn check_thresholds(tag: &str, n: usize) -> Result<usize, PrCurveError> {
    if (2..=MAX_NUM_THRESHOLDS as usize).contains(&n) {
        Ok(n)
    } else {
        Err(PrCurveError::Thresholds {
            tag: tag.to_string(),
            num_thresholds: n,
        })
    }
}

/// A summary holding the PR curve of `labels` against `predictions` (see
/// [`PrCurveData::from_predictions`]).
pub fn pr_curve(
    tag: &str,
    labels: &[bool],
    predictions: &[f32],
    num_thresholds: u32,
) -> Result<Summary, PrCurveError> {
    let curve = PrCurveData::from_predictions(tag, labels, predictions, num_thresholds)?;
    Ok(encode(tag, &curve, num_thresholds as usize))
}

/// A summary holding a PR curve computed elsewhere, after [`PrCurveData::check`].
pub fn pr_curve_raw(tag: &str, curve: &PrCurveData) -> Result<Summary, PrCurveError> {
    let n = curve.check(tag)?;
    Ok(encode(tag, curve, n))
}

/// The `[6, n]` tensor and the plugin's metadata (rows already checked to be `n` long).
fn encode(tag: &str, curve: &PrCurveData, n: usize) -> Summary {
    let mut content = Vec::with_capacity(6 * n * 4);
    for (_, row) in curve.rows() {
        for v in row {
            content.extend_from_slice(&v.to_le_bytes());
        }
    }
    let dim = |size| tensor_shape_proto::Dim {
        size,
        name: String::new(),
    };
    let tensor = TensorProto {
        dtype: DataType::DtFloat as i32,
        tensor_shape: Some(TensorShapeProto {
            dim: vec![dim(6), dim(n as i64)],
            ..Default::default()
        }),
        tensor_content: content,
        ..Default::default()
    };
    let plugin_data = PrCurvePluginData {
        version: 0,
        num_thresholds: n as u32,
    };
    let mut metadata = super::plugin_metadata(
        super::plugin::PR_CURVES,
        prost::Message::encode_to_vec(&plugin_data),
    );
    metadata.display_name = tag.to_string();
    metadata.data_class = DataClass::Tensor as i32;
    super::single(tag, Some(metadata), summary::value::Value::Tensor(tensor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// TensorBoard's bytes with our two deliberate differences applied: the tag as given
    /// instead of `<name>/pr_curves`, and the data class set.
    fn as_we_write(python_hex: &str, tag: &str) -> Vec<u8> {
        let mut s = Summary::decode(hex(python_hex).as_slice()).unwrap();
        let v = &mut s.value[0];
        assert_eq!(v.tag, format!("{tag}/pr_curves"));
        v.tag = tag.to_string();
        v.metadata.as_mut().unwrap().data_class = DataClass::Tensor as i32;
        s.encode_to_vec()
    }

    // Made once with TensorBoard 2.21's own `plugins/pr_curve/summary.pb` in the venv,
    // run with a stand-in for the `tensorflow.compat.v1` module it imports, built from
    // TensorBoard's own copies (`compat.proto.summary_pb2.SummaryMetadata` and `Summary`,
    // `util.tensor_util.make_tensor_proto`, `compat.tensorflow_stub.dtypes.float32`):
    //   labels = np.array([True, False, True, True, False, False, True, False, True, False])
    //   preds = np.array([0.0, 0.1, 0.35, 0.5, 0.5, 0.74999994, 0.99999994, 1.0, 0.2, 0.9],
    //                    dtype=np.float32)
    //   summary.pb("cls", labels, preds, num_thresholds=5).SerializeToString().hex()
    const PB_CLS_5: &str = "0ab0010a0d636c732f70725f63757276657342860108011208120208061202\
        080522780000a04000004040000000400000803f000000000000a0400000804000008040000000400000\
        803f000000000000803f0000803f0000404000008040000000000000004000004040000080400000a040\
        0000003fb76ddb3eabaaaa3eabaaaa3e000000000000803f9a99193fcdcccc3ecdcc4c3e000000004a16\
        0a0f0a0970725f637572766573120210051203636c73";

    // The same, with predictions whose product with N - 1 = 10 rounds up to a whole
    // number in f32 (0.7f32 * 10 == 7.0f32, while 0.699999988... * 10 < 7):
    //   labels = np.array([True, True, False, False, True, False, True])
    //   preds = np.array([0.7, 0.9, 0.7, 0.9, 0.05, 0.3, 0.6], dtype=np.float32)
    //   summary.pb("edge", labels, preds, num_thresholds=11)
    const PB_EDGE_11: &str = "0ac3020a0e656467652f70725f63757276657342970208011208120208061202\
        080b22880200008040000040400000404000004040000040400000404000004040000000400000803f00\
        00803f0000000000004040000040400000404000004040000000400000004000000040000000400000803f\
        0000803f00000000000000000000000000000000000000000000803f0000803f0000803f0000803f000000\
        400000004000004040000000000000803f0000803f0000803f0000803f0000803f0000803f000000400000\
        404000004040000080402549123f0000003f0000003f0000003f9a99193f9a99193f9a99193f0000003f00\
        00003f0000003f000000000000803f0000403f0000403f0000403f0000403f0000403f0000403f0000003f\
        0000803e0000803e000000004a170a0f0a0970725f6375727665731202100b120465646765";

    #[test]
    fn bytes_match_tensorboard_pb() {
        let labels = [
            true, false, true, true, false, false, true, false, true, false,
        ];
        let preds = [
            0.0,
            0.1,
            0.35,
            0.5,
            0.5,
            0.749_999_94,
            0.999_999_94,
            1.0,
            0.2,
            0.9,
        ];
        let ours = pr_curve("cls", &labels, &preds, 5).unwrap().encode_to_vec();
        assert_eq!(ours, as_we_write(PB_CLS_5, "cls"));
    }

    #[test]
    fn buckets_are_computed_in_f32_as_numpy_does() {
        let labels = [true, true, false, false, true, false, true];
        let preds = [0.7, 0.9, 0.7, 0.9, 0.05, 0.3, 0.6];
        let ours = pr_curve("edge", &labels, &preds, 11).unwrap();
        assert_eq!(ours.encode_to_vec(), as_we_write(PB_EDGE_11, "edge"));
        let curve = PrCurveData::from_predictions("edge", &labels, &preds, 11).unwrap();
        // 0.7f32 lands in bucket 7: at threshold 0.7 both 0.7s still count.
        assert_eq!(curve.true_positives[7], 2.0);
        assert_eq!(curve.false_positives[7], 2.0);
    }

    #[test]
    fn raw_form_writes_what_the_counting_form_writes() {
        let labels = [true, false, true, true, false];
        let preds = [0.9, 0.8, 0.4, 0.1, 0.0];
        let curve = PrCurveData::from_predictions("t", &labels, &preds, 7).unwrap();
        assert_eq!(
            pr_curve_raw("t", &curve).unwrap(),
            pr_curve("t", &labels, &preds, 7).unwrap()
        );
    }

    #[test]
    fn zero_over_zero_is_zero_and_no_input_is_all_zeros() {
        let curve = PrCurveData::from_predictions("t", &[], &[], 3).unwrap();
        for (_, row) in curve.rows() {
            assert_eq!(row, [0.0; 3]);
        }
        // Only negatives: precision 0 (0 / 1e-7), recall 0.
        let curve = PrCurveData::from_predictions("t", &[false], &[0.5], 2).unwrap();
        assert_eq!(curve.false_positives, [1.0, 0.0]);
        assert_eq!(curve.precision, [0.0, 0.0]);
        assert_eq!(curve.recall, [0.0, 0.0]);
    }

    #[test]
    fn bad_predictions_and_sizes_are_typed_errors() {
        for bad in [
            f32::NAN,
            -0.001,
            1.000_000_1,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            let e = PrCurveData::from_predictions("t", &[true, false], &[0.5, bad], 3).unwrap_err();
            assert!(
                matches!(e, PrCurveError::Prediction { index: 1, value, .. }
                    if value.to_bits() == bad.to_bits()),
                "{e:?}"
            );
        }
        let e = PrCurveData::from_predictions("t", &[true], &[0.5, 0.5], 3).unwrap_err();
        assert_eq!(e.to_string(), "PR curve \"t\": 1 labels but 2 predictions");
        for n in [0, 1, MAX_NUM_THRESHOLDS + 1, u32::MAX] {
            let e = PrCurveData::from_predictions("t", &[true], &[0.5], n).unwrap_err();
            assert!(matches!(e, PrCurveError::Thresholds { .. }), "{e:?}");
        }
        assert!(PrCurveData::from_predictions("t", &[true], &[0.5], MAX_NUM_THRESHOLDS).is_ok());
        // -0.0 is 0.
        assert!(PrCurveData::from_predictions("t", &[true], &[-0.0], 2).is_ok());
    }

    #[test]
    fn raw_rows_are_checked() {
        let good = PrCurveData::from_predictions("t", &[true, false], &[0.9, 0.2], 3).unwrap();
        let mut short = good.clone();
        short.recall.pop();
        let e = pr_curve_raw("t", &short).unwrap_err();
        assert_eq!(
            e.to_string(),
            "PR curve \"t\": recall has 2 values, true_positives 3"
        );
        let mut negative = good.clone();
        negative.true_negatives[1] = -1.0;
        let e = pr_curve_raw("t", &negative).unwrap_err();
        assert_eq!(
            e.to_string(),
            "PR curve \"t\": true_negatives[1] is -1; counts must be finite and >= 0"
        );
        let mut nan = good.clone();
        nan.precision[2] = f32::NAN;
        assert!(matches!(
            pr_curve_raw("t", &nan).unwrap_err(),
            PrCurveError::Value {
                row: "precision",
                index: 2,
                ..
            }
        ));
        let one = PrCurveData {
            true_positives: vec![1.0],
            false_positives: vec![0.0],
            true_negatives: vec![0.0],
            false_negatives: vec![0.0],
            precision: vec![1.0],
            recall: vec![1.0],
        };
        assert!(matches!(
            pr_curve_raw("t", &one).unwrap_err(),
            PrCurveError::Thresholds {
                num_thresholds: 1,
                ..
            }
        ));
    }
}
