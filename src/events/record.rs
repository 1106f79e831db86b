//! TFRecord framing, the container format of TensorBoard event files.
//!
//! Each record is laid out as
//!
//! ```text
//! u64 length (little endian)
//! u32 masked CRC-32C of the 8 length bytes (little endian)
//! [u8; length] data (one serialized `Event`)
//! u32 masked CRC-32C of the data (little endian)
//! ```
//!
//! The checksum is CRC-32C (Castagnoli), not CRC-32/IEEE: TensorBoard rejects files
//! checksummed with the latter. "Masking" rotates the CRC right by 15 bits and adds a
//! constant, so that a CRC stored inside the data it covers does not checksum to itself.

/// Bytes of framing before the data: length and length CRC.
pub const HEADER_LEN: usize = 12;
/// Bytes of framing after the data: the data CRC.
pub const FOOTER_LEN: usize = 4;

const MASK_DELTA: u32 = 0xa282_ead8;

/// A masked CRC-32C, as stored in a TFRecord.
#[derive(Debug, Copy, Clone, PartialEq, Eq, Hash)]
pub struct MaskedCrc(pub u32);

impl MaskedCrc {
    /// Masks an unmasked CRC-32C value.
    pub fn from_crc(crc: u32) -> Self {
        MaskedCrc(crc.rotate_right(15).wrapping_add(MASK_DELTA))
    }

    /// Computes the masked CRC-32C of `bytes`.
    pub fn compute(bytes: &[u8]) -> Self {
        Self::from_crc(crc32c::crc32c(bytes))
    }

    /// Reads a masked CRC from its 4 little-endian bytes.
    pub fn from_le_bytes(bytes: [u8; 4]) -> Self {
        MaskedCrc(u32::from_le_bytes(bytes))
    }
}

/// The 12-byte record header for `data_len` bytes of data.
pub fn header(data_len: u64) -> [u8; HEADER_LEN] {
    let len = data_len.to_le_bytes();
    let crc = MaskedCrc::compute(&len).0.to_le_bytes();
    let mut out = [0u8; HEADER_LEN];
    out[..8].copy_from_slice(&len);
    out[8..].copy_from_slice(&crc);
    out
}

/// The 4-byte record footer for `data`.
pub fn footer(data: &[u8]) -> [u8; FOOTER_LEN] {
    MaskedCrc::compute(data).0.to_le_bytes()
}

/// Appends one framed record holding `data` to `out`.
pub fn encode_into(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(HEADER_LEN + data.len() + FOOTER_LEN);
    out.extend_from_slice(&header(data.len() as u64));
    out.extend_from_slice(data);
    out.extend_from_slice(&footer(data));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_check_value() {
        // The CRC-32C check value: CRC of ASCII "123456789".
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn masking_matches_tensorflow() {
        // masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8
        assert_eq!(MaskedCrc::from_crc(0).0, 0xa282_ead8);
        assert_eq!(MaskedCrc::from_crc(0xe306_9283).0, 0xc78a_b0e5);
    }

    #[test]
    fn empty_record_bytes() {
        let mut out = Vec::new();
        encode_into(b"", &mut out);
        let len_crc = MaskedCrc::compute(&[0; 8]).0.to_le_bytes();
        let data_crc = MaskedCrc::compute(b"").0.to_le_bytes();
        let mut expected = vec![0u8; 8];
        expected.extend_from_slice(&len_crc);
        expected.extend_from_slice(&data_crc);
        assert_eq!(out, expected);
        // Empty data: CRC-32C of nothing is 0, masked is the delta.
        assert_eq!(data_crc, [0xd8, 0xea, 0x82, 0xa2]);
    }

    #[test]
    fn record_layout() {
        let mut out = Vec::new();
        encode_into(b"abc", &mut out);
        assert_eq!(out.len(), HEADER_LEN + 3 + FOOTER_LEN);
        assert_eq!(&out[..8], &3u64.to_le_bytes());
        assert_eq!(&out[12..15], b"abc");
        assert_eq!(&out[15..], &MaskedCrc::compute(b"abc").0.to_le_bytes());
    }
}
