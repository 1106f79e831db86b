//! Images: 8-bit RGB pixels encoded as PNG in a legacy `Summary.Image`.
//!
//! TensorBoard's loaders turn a `Summary.Image` into the `images` plugin's blob sequence
//! `[width, height, png]` by themselves, so no metadata is needed. Colorspace 3 means RGB.

use crate::proto::{summary, Summary};

use super::Error;

/// `Summary.Image.colorspace` for RGB.
pub const COLORSPACE_RGB: i32 = 3;

/// A summary holding `rgb` (row-major, 3 bytes per pixel, `width * height * 3` bytes) as PNG.
pub fn image(tag: &str, rgb: &[u8], width: u32, height: u32) -> Result<Summary, Error> {
    let (w, h) = check(tag, rgb, width, height)?;
    let png = encode_png(rgb, width, height).map_err(|source| Error::Png {
        tag: tag.to_string(),
        source,
    })?;
    let img = summary::Image {
        height: h,
        width: w,
        colorspace: COLORSPACE_RGB,
        encoded_image_string: png,
    };
    Ok(super::single(tag, None, summary::value::Value::Image(img)))
}

/// Checks what [`image`] checks (without encoding): `width` and `height` between 1 and
/// `i32::MAX`, and `width * height * 3` bytes. Returns the dimensions as TensorBoard
/// stores them.
pub fn check(tag: &str, rgb: &[u8], width: u32, height: u32) -> Result<(i32, i32), Error> {
    let (w, h) = match (i32::try_from(width), i32::try_from(height)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => {
            return Err(Error::ImageDimensions {
                tag: tag.to_string(),
                width,
                height,
            })
        }
    };
    let expected = u64::from(width) * u64::from(height) * 3;
    if rgb.len() as u64 != expected {
        return Err(Error::ImageSize {
            tag: tag.to_string(),
            width,
            height,
            expected,
            actual: rgb.len(),
        });
    }
    Ok((w, h))
}

/// Encodes `rgb` as an 8-bit RGB PNG.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Fast deflate: a training run draws many pictures, and the default level costs
    // ~30x the CPU for files only a little smaller (measured on the decision boundary:
    // 191M vs 6M instructions for 11 images, ~1.8 KB larger each).
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png_bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn png_round_trip() {
        // 3x2: red, green, blue / black, white, grey.
        let rgb = [
            255, 0, 0, 0, 255, 0, 0, 0, 255, //
            0, 0, 0, 255, 255, 255, 128, 128, 128,
        ];
        let s = image("boundary", &rgb, 3, 2).unwrap();
        let v = &s.value[0];
        assert_eq!(v.tag, "boundary");
        assert!(v.metadata.is_none());
        let img = match &v.value {
            Some(summary::value::Value::Image(img)) => img,
            other => panic!("{other:?}"),
        };
        assert_eq!((img.width, img.height, img.colorspace), (3, 2, 3));
        assert_eq!(&img.encoded_image_string[..8], b"\x89PNG\r\n\x1a\n");
        let (info, pixels) = decode(&img.encoded_image_string);
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        assert_eq!(pixels, rgb);
    }

    #[test]
    fn size_mismatch_is_a_typed_error() {
        let err = image("img", &[0; 11], 2, 2).unwrap_err();
        match &err {
            Error::ImageSize {
                expected, actual, ..
            } => assert_eq!((*expected, *actual), (12, 11)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "image \"img\": 2x2 RGB needs 12 bytes, got 11"
        );
    }

    #[test]
    fn zero_or_huge_dimensions_are_rejected() {
        for (w, h) in [(0, 1), (1, 0), (u32::MAX, 1), (1, 1 << 31)] {
            let err = image("img", &[], w, h).unwrap_err();
            assert!(matches!(err, Error::ImageDimensions { .. }), "{err:?}");
        }
    }
}
