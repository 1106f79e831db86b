//! What one shown point becomes in each kind's rows.
//!
//! - A scalar: its float32 (the data server's reading: `simple_value`, or a rank-0
//!   `DT_FLOAT` tensor).
//! - A histogram: its buckets as `(left, right, count)`, as the data server serves
//!   them: from a `HistogramProto`, the left edges are `min` then each bucket limit but
//!   the last, the right edges each limit but the last then `max`, every bucket kept
//!   (the Python loader drops empty buckets at both ends); from a `[k, 3]` tensor (what
//!   `tf.summary.histogram` writes), its rows.
//! - A text: each string of its `DT_STRING` tensor, in row-major order (one for the usual
//!   rank-0 text), as bytes.

use super::Kind;
use crate::inspect::timeline::scalar_of;
use crate::inspect::wire::Payload;
use crate::proto::{DataType, HistogramProto, TensorProto};

/// One point, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Row {
    Scalar(f32),
    Buckets(Vec<[f64; 3]>),
    Texts(Vec<Vec<u8>>),
}

impl Row {
    /// The row of a point of `kind`; `None` when the payload holds nothing of it.
    pub fn of(kind: Kind, payload: Payload<'_>) -> Option<Row> {
        match kind {
            Kind::Scalars => scalar_of(payload).map(Row::Scalar),
            Kind::Histograms => match payload {
                Payload::Histo(h) => Some(Row::Buckets(histogram_buckets(h))),
                Payload::Tensor(t) => Some(Row::Buckets(tensor_buckets(t))),
                _ => None,
            },
            Kind::Text => match payload {
                Payload::Tensor(t) if t.dtype == DataType::DtString as i32 => {
                    Some(Row::Texts(t.string_val.clone()))
                }
                _ => None,
            },
            Kind::Hparams => None,
        }
    }
}

fn histogram_buckets(h: &HistogramProto) -> Vec<[f64; 3]> {
    let k = h.bucket.len();
    if h.bucket_limit.len() != k {
        return Vec::new();
    }
    let edges = &h.bucket_limit[..k.saturating_sub(1)];
    let lefts = std::iter::once(h.min).chain(edges.iter().copied());
    let rights = edges.iter().copied().chain(std::iter::once(h.max));
    lefts
        .zip(rights)
        .zip(&h.bucket)
        .map(|((l, r), c)| [l, r, *c])
        .collect()
}

/// The rows of a `[k, 3]` float or double tensor (from its typed values or its
/// little-endian content); nothing for any other shape.
fn tensor_buckets(t: &TensorProto) -> Vec<[f64; 3]> {
    let dims: Vec<i64> = t
        .tensor_shape
        .as_ref()
        .map_or_else(Vec::new, |s| s.dim.iter().map(|d| d.size).collect());
    let [k, 3] = dims.as_slice() else {
        return Vec::new();
    };
    let Ok(k) = usize::try_from(*k) else {
        return Vec::new();
    };
    let values: Vec<f64> = match DataType::try_from(t.dtype) {
        Ok(DataType::DtDouble) if !t.double_val.is_empty() => t.double_val.clone(),
        Ok(DataType::DtDouble) => t
            .tensor_content
            .chunks_exact(8)
            .filter_map(|b| <[u8; 8]>::try_from(b).ok())
            .map(f64::from_le_bytes)
            .collect(),
        Ok(DataType::DtFloat) if !t.float_val.is_empty() => {
            t.float_val.iter().map(|&x| f64::from(x)).collect()
        }
        Ok(DataType::DtFloat) => t
            .tensor_content
            .chunks_exact(4)
            .filter_map(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| f64::from(f32::from_le_bytes(b)))
            .collect(),
        _ => Vec::new(),
    };
    if values.len() != k.saturating_mul(3) {
        return Vec::new();
    }
    values.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{tensor_shape_proto::Dim, TensorShapeProto};

    #[test]
    fn histogram_buckets_take_min_and_max_as_outer_edges_and_keep_empty_ones() {
        let h = HistogramProto {
            min: -1.0,
            max: 2.0,
            bucket_limit: vec![0.0, 1.0, 5.0],
            bucket: vec![0.0, 3.0, 4.0],
            ..Default::default()
        };
        assert_eq!(
            Row::of(Kind::Histograms, Payload::Histo(&h)),
            Some(Row::Buckets(vec![
                [-1.0, 0.0, 0.0],
                [0.0, 1.0, 3.0],
                [1.0, 2.0, 4.0]
            ]))
        );
        let t = TensorProto {
            dtype: DataType::DtDouble as i32,
            tensor_shape: Some(TensorShapeProto {
                dim: [2, 3]
                    .map(|size| Dim {
                        size,
                        name: String::new(),
                    })
                    .to_vec(),
                unknown_rank: false,
            }),
            tensor_content: [0.0f64, 0.5, 2.0, 0.5, 1.0, 7.0]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect(),
            ..Default::default()
        };
        assert_eq!(
            Row::of(Kind::Histograms, Payload::Tensor(&t)),
            Some(Row::Buckets(vec![[0.0, 0.5, 2.0], [0.5, 1.0, 7.0]]))
        );
    }

    #[test]
    fn texts_are_the_strings_as_bytes() {
        let t = TensorProto {
            dtype: DataType::DtString as i32,
            string_val: vec![b"a,b".to_vec(), b"\xff".to_vec()],
            ..Default::default()
        };
        assert_eq!(
            Row::of(Kind::Text, Payload::Tensor(&t)),
            Some(Row::Texts(vec![b"a,b".to_vec(), b"\xff".to_vec()]))
        );
        assert_eq!(Row::of(Kind::Text, Payload::Simple(1.0)), None);
    }
}
