//! Scalars: the `simple_value` summary, and a direct encoder for the hot path.
//!
//! `simple_value` needs no metadata: TensorBoard's loaders assign it to the `scalars`
//! plugin themselves, so a scalar event is just a tag and a float. [`encode_event`]
//! writes the serialized `Event` for one scalar straight into a reused buffer, with no
//! allocation and no intermediate message; it produces exactly the bytes prost does for
//! `event(wall_time, step, scalar(tag, value))` (a test checks).

use prost::encoding::encoded_len_varint;

use crate::proto::{summary, Summary};

/// Field keys (field number << 3 | wire type) used below.
const EVENT_WALL_TIME: u8 = 1 << 3 | 1; // double
const EVENT_STEP: u8 = 2 << 3; // varint
const EVENT_SUMMARY: u8 = 5 << 3 | 2; // message
const SUMMARY_VALUE: u8 = 1 << 3 | 2; // message
const VALUE_TAG: u8 = 1 << 3 | 2; // string
const VALUE_SIMPLE: u8 = 2 << 3 | 5; // float

/// A summary holding one scalar as `simple_value`.
pub fn scalar(tag: &str, value: f32) -> Summary {
    super::single(tag, None, summary::value::Value::SimpleValue(value))
}

/// Appends the serialized `Event { wall_time, step, summary: scalar(tag, value) }` to `out`.
///
/// Default-valued fields are left out, as every protobuf encoder does (`wall_time` 0,
/// `step` 0, an empty tag); the value itself is part of a `oneof`, so it is always written.
pub fn encode_event(wall_time: f64, step: i64, tag: &str, value: f32, out: &mut Vec<u8>) {
    let tag_len = tag.len();
    // Up to this tag length every length prefix is a one-byte varint
    // (the summary's is 1 + 1 + (1 + 1 + 100 + 5) = 109 < 128).
    const SHORT_TAG: usize = 100;
    out.reserve(9 + 11 + 3 * 11 + tag_len + 5);
    if wall_time != 0.0 {
        let [a, b, c, d, e, f, g, h] = wall_time.to_le_bytes();
        out.extend_from_slice(&[EVENT_WALL_TIME, a, b, c, d, e, f, g, h]);
    }
    if step != 0 {
        out.push(EVENT_STEP);
        // int64 is encoded as the two's-complement u64 (negative steps take 10 bytes).
        push_varint(step as u64, out);
    }
    if tag_len != 0 && tag_len <= SHORT_TAG {
        let value_len = 2 + tag_len as u8 + 5;
        let summary_len = 2 + value_len;
        out.extend_from_slice(&[
            EVENT_SUMMARY,
            summary_len,
            SUMMARY_VALUE,
            value_len,
            VALUE_TAG,
            tag_len as u8,
        ]);
    } else {
        let tag_field = if tag_len == 0 {
            0
        } else {
            1 + encoded_len_varint(tag_len as u64) + tag_len
        };
        let value_len = tag_field + 5;
        let summary_len = 1 + encoded_len_varint(value_len as u64) + value_len;
        out.push(EVENT_SUMMARY);
        push_varint(summary_len as u64, out);
        out.push(SUMMARY_VALUE);
        push_varint(value_len as u64, out);
        if tag_len != 0 {
            out.push(VALUE_TAG);
            push_varint(tag_len as u64, out);
        }
    }
    out.extend_from_slice(tag.as_bytes());
    let [v0, v1, v2, v3] = value.to_le_bytes();
    out.extend_from_slice(&[VALUE_SIMPLE, v0, v1, v2, v3]);
}

/// Appends `v` as a protobuf varint (7 bits a byte, low bits first).
fn push_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::event;
    use prost::Message;

    fn via_prost(wall_time: f64, step: i64, tag: &str, value: f32) -> Vec<u8> {
        event(wall_time, step, scalar(tag, value)).encode_to_vec()
    }

    #[test]
    fn literal_bytes() {
        let mut out = Vec::new();
        encode_event(1.5, 7, "loss", 0.25, &mut out);
        let mut expected = vec![0x09];
        expected.extend_from_slice(&1.5f64.to_le_bytes());
        expected.extend_from_slice(&[0x10, 7, 0x2a, 13, 0x0a, 11, 0x0a, 4]);
        expected.extend_from_slice(b"loss");
        expected.push(0x15);
        expected.extend_from_slice(&0.25f32.to_le_bytes());
        assert_eq!(out, expected);
    }

    #[test]
    fn matches_prost_for_edge_cases() {
        let long_tag = "t".repeat(300);
        let cases: [(f64, i64, &str, f32); 8] = [
            (0.0, 0, "a", 0.0),
            (1.7e9, 1, "loss", 1.0),
            (1.7e9, -1, "x/y", -2.5),
            (1.7e9, i64::MAX, "x", f32::NAN),
            (1.7e9, i64::MIN, "x", f32::INFINITY),
            (-0.0, 300, "", 3.0),
            (1.7e9, 127, &long_tag, 1e-30),
            (1.7e9, 128, "été", f32::MIN_POSITIVE),
        ];
        let boundary: Vec<String> = [99, 100, 101, 120, 121, 122, 127, 128]
            .iter()
            .map(|n| "b".repeat(*n))
            .collect();
        for t in &boundary {
            let mut out = Vec::new();
            encode_event(1.7e9, 5, t, 1.0, &mut out);
            assert_eq!(out, via_prost(1.7e9, 5, t, 1.0), "tag of {} bytes", t.len());
        }
        for (w, s, t, v) in cases {
            let mut out = vec![0xff]; // appends, never clears
            encode_event(w, s, t, v, &mut out);
            assert_eq!(
                &out[1..],
                via_prost(w, s, t, v).as_slice(),
                "{w} {s} {t:?} {v}"
            );
        }
    }
}
