//! Histograms: bucketing raw values the way TensorBoard does, stored as `HistogramProto`.
//!
//! Buckets follow `tensorboard.plugins.histogram.summary_v2.histogram_pb`: 30 buckets of
//! equal width between the smallest and largest value; a value goes to bucket
//! `floor((x - min) / width)`, the maximum to the last one. All values equal: every bucket
//! is `[x, x]` and only the last one counts them. No values: 30 empty buckets at 0 with
//! `num == 0` (we still write it, as TensorBoard does, so the step shows up).
//!
//! In a `HistogramProto`, `bucket_limit` holds each bucket's right edge; TensorBoard's
//! loaders take `min` as the first bucket's left edge and `max` as the last one's right
//! edge, so these buckets arrive in the dashboard exactly as computed here.
//!
//! Values that are NaN or infinite are skipped: they are counted nowhere, not in `num`,
//! not in `sum` (TensorFlow rejects them; dropping them keeps a diverging run loggable).

use crate::proto::{summary, HistogramProto, Summary};

/// Number of buckets TensorBoard's own histogram summary uses.
pub const DEFAULT_BUCKETS: usize = 30;

/// A summary holding the histogram of `values` (see the module doc for the buckets).
pub fn histogram(tag: &str, values: &[f32]) -> Summary {
    histogram_raw_owned(tag, bucketize(values, DEFAULT_BUCKETS))
}

/// A summary holding a histogram computed elsewhere.
pub fn histogram_raw(tag: &str, histo: &HistogramProto) -> Summary {
    histogram_raw_owned(tag, histo.clone())
}

pub(crate) fn histogram_raw_owned(tag: &str, histo: HistogramProto) -> Summary {
    super::single(tag, None, summary::value::Value::Histo(histo))
}

/// Most buckets [`bucketize`] makes (a larger request is reduced to it).
pub const MAX_BUCKETS: usize = 65_536;

/// Buckets the finite `values` into `buckets` equal-width buckets (1 to [`MAX_BUCKETS`]).
pub fn bucketize(values: &[f32], buckets: usize) -> HistogramProto {
    let k = buckets.clamp(1, MAX_BUCKETS);
    let mut num = 0u64;
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut sum, mut sum_squares) = (0.0f64, 0.0f64);
    for &v in values.iter().filter(|v| v.is_finite()) {
        let x = f64::from(v);
        num += 1;
        if x < min {
            min = x;
        }
        if x > max {
            max = x;
        }
        sum += x;
        sum_squares += x * x;
    }
    let mut bucket = vec![0.0; k];
    let bucket_limit = if num == 0 {
        min = 0.0;
        max = 0.0;
        vec![0.0; k]
    } else if min == max {
        if let Some(last) = bucket.last_mut() {
            *last = num as f64;
        }
        vec![min; k]
    } else {
        let width = (max - min) / k as f64;
        let mut counts = vec![0u64; k];
        for &v in values.iter().filter(|v| v.is_finite()) {
            // `(x - min) / width` is finite and >= 0, so truncating is `floor` (and the
            // cast cannot wrap); `min` puts the maximum in the last bucket.
            let i = (((f64::from(v) - min) / width) as usize).min(k - 1);
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
        for (b, c) in bucket.iter_mut().zip(&counts) {
            *b = *c as f64;
        }
        (1..=k)
            .map(|i| if i == k { max } else { min + i as f64 * width })
            .collect()
    };
    HistogramProto {
        min,
        max,
        num: num as f64,
        sum,
        sum_squares,
        bucket_limit,
        bucket,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_buckets_literal() {
        let h = bucketize(&[0.0, 1.0, 1.5, 2.0, 4.0], 4);
        assert_eq!(h.min, 0.0);
        assert_eq!(h.max, 4.0);
        assert_eq!(h.num, 5.0);
        assert_eq!(h.sum, 8.5);
        assert_eq!(h.sum_squares, 0.0 + 1.0 + 2.25 + 4.0 + 16.0);
        assert_eq!(h.bucket_limit, vec![1.0, 2.0, 3.0, 4.0]);
        // [0,1): 0.0  [1,2): 1.0 1.5  [2,3): 2.0  [3,4]: 4.0
        assert_eq!(h.bucket, vec![1.0, 2.0, 1.0, 1.0]);
    }

    #[test]
    fn default_is_thirty_buckets() {
        let values: Vec<f32> = (0..=30).map(|i| i as f32).collect();
        let h = bucketize(&values, DEFAULT_BUCKETS);
        assert_eq!(h.bucket.len(), 30);
        assert_eq!(h.bucket_limit.len(), 30);
        assert_eq!(h.bucket_limit[0], 1.0);
        assert_eq!(h.bucket_limit[29], 30.0);
        // Each bucket [i, i+1) holds i; the last also holds the maximum 30.
        assert_eq!(h.bucket[0], 1.0);
        assert_eq!(h.bucket[28], 1.0);
        assert_eq!(h.bucket[29], 2.0);
        assert_eq!(h.bucket.iter().sum::<f64>(), 31.0);
    }

    #[test]
    fn non_finite_values_are_skipped() {
        let h = bucketize(&[f32::NAN, -1.0, f32::INFINITY, 1.0, f32::NEG_INFINITY], 2);
        assert_eq!((h.min, h.max, h.num), (-1.0, 1.0, 2.0));
        assert_eq!((h.sum, h.sum_squares), (0.0, 2.0));
        assert_eq!(h.bucket_limit, vec![0.0, 1.0]);
        assert_eq!(h.bucket, vec![1.0, 1.0]);
    }

    #[test]
    fn equal_values_fill_the_last_bucket() {
        let h = bucketize(&[2.5, 2.5, 2.5], 3);
        assert_eq!((h.min, h.max, h.num), (2.5, 2.5, 3.0));
        assert_eq!(h.bucket_limit, vec![2.5, 2.5, 2.5]);
        assert_eq!(h.bucket, vec![0.0, 0.0, 3.0]);
    }

    #[test]
    fn empty_input_is_an_empty_histogram() {
        for values in [&[][..], &[f32::NAN][..]] {
            let h = bucketize(values, 3);
            assert_eq!(
                (h.min, h.max, h.num, h.sum, h.sum_squares),
                (0.0, 0.0, 0.0, 0.0, 0.0)
            );
            assert_eq!(h.bucket_limit, vec![0.0; 3]);
            assert_eq!(h.bucket, vec![0.0; 3]);
        }
    }

    #[test]
    fn bucket_count_is_clamped() {
        let h = bucketize(&[1.0, 3.0], 0);
        assert_eq!(h.bucket_limit, vec![3.0]);
        assert_eq!(h.bucket, vec![2.0]);
        let h = bucketize(&[1.0, 3.0], usize::MAX);
        assert_eq!(h.bucket.len(), 65_536);
        assert_eq!(h.bucket_limit.len(), 65_536);
    }

    #[test]
    fn extreme_values_stay_in_range() {
        let h = bucketize(&[f32::MIN, f32::MAX, 0.0], 30);
        assert_eq!(h.bucket.iter().sum::<f64>(), 3.0);
        assert_eq!(h.bucket[0], 1.0);
        assert_eq!(h.bucket[15], 1.0);
        assert_eq!(h.bucket[29], 1.0);
        assert_eq!(h.bucket_limit[29], f64::from(f32::MAX));
    }

    #[test]
    fn summary_holds_histo_without_metadata() {
        let s = histogram("w", &[1.0, 2.0]);
        assert_eq!(s.value.len(), 1);
        assert_eq!(s.value[0].tag, "w");
        assert!(s.value[0].metadata.is_none());
        match &s.value[0].value {
            Some(summary::value::Value::Histo(h)) => assert_eq!(h.num, 2.0),
            other => panic!("{other:?}"),
        }
    }
}
