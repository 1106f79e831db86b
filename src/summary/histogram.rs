//! Histograms: bucketing raw values the way TensorBoard does, stored as `HistogramProto`.
//!
//! Buckets follow `tensorboard.plugins.histogram.summary_v2.histogram_pb`: 30 buckets of
//! equal width between the smallest and largest value; a value goes to bucket
//! `floor((x - min) * k / (max - min))` (TensorBoard divides by the width instead, which
//! can differ by one bucket for a value on an edge), the maximum to the last one. All values equal: every bucket
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
    // Four independent accumulators, so the additions do not wait on each other.
    let mut acc = [Moments::EMPTY; 4];
    let chunks = values.chunks_exact(4);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            a.add(v);
        }
    }
    for &v in rest {
        acc[0].add(v);
    }
    let [a, b, c, d] = acc;
    let m = a.merge(b).merge(c.merge(d));
    let (num, mut min, mut max, sum, sum_squares) = (m.num, m.min, m.max, m.sum, m.sum_squares);
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
        let per_unit = k as f64 / (max - min);
        // Two count arrays, alternating, so that runs of values in one bucket do not
        // serialise on a single counter.
        let mut counts = vec![0u32; 2 * k];
        let (even, odd) = counts.split_at_mut(k);
        for (j, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            // `(x - min) * k / (max - min)` is finite and >= 0, so truncating is `floor`
            // (and the cast cannot wrap); `min` puts the maximum in the last bucket.
            let i = (((f64::from(v) - min) * per_unit) as usize).min(k - 1);
            let half = if j.is_multiple_of(2) {
                &mut *even
            } else {
                &mut *odd
            };
            if let Some(c) = half.get_mut(i) {
                *c += 1;
            }
        }
        for (b, (e, o)) in bucket.iter_mut().zip(even.iter().zip(odd.iter())) {
            *b = f64::from(*e) + f64::from(*o);
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

/// Count, extremes and sums of the finite values seen.
#[derive(Clone, Copy)]
struct Moments {
    num: u64,
    min: f64,
    max: f64,
    sum: f64,
    sum_squares: f64,
}

impl Moments {
    const EMPTY: Moments = Moments {
        num: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        sum: 0.0,
        sum_squares: 0.0,
    };

    fn add(&mut self, v: f32) {
        if v.is_finite() {
            let x = f64::from(v);
            self.num += 1;
            self.min = self.min.min(x);
            self.max = self.max.max(x);
            self.sum += x;
            self.sum_squares += x * x;
        }
    }

    fn merge(self, o: Moments) -> Moments {
        Moments {
            num: self.num + o.num,
            min: self.min.min(o.min),
            max: self.max.max(o.max),
            sum: self.sum + o.sum,
            sum_squares: self.sum_squares + o.sum_squares,
        }
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
