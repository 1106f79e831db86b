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
    png(tag, encode(tag, rgb, width, height)?)
}

/// [`check`]s `rgb` and encodes it as PNG ([`encode_png`]), with errors naming `tag`.
pub fn encode(tag: &str, rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, Error> {
    check(tag, rgb, width, height)?;
    encode_png(rgb, width, height).map_err(|source| Error::Png {
        tag: tag.to_string(),
        source,
    })
}

/// A summary holding `png`, an image already encoded as PNG, as is. Its width, height
/// and colorspace are read from the header every PNG starts with (the signature, then
/// the `IHDR` chunk); anything else is [`Error::NotPng`].
pub fn png(tag: &str, png: Vec<u8>) -> Result<Summary, Error> {
    let Some(header) = PngHeader::read(&png) else {
        return Err(Error::NotPng {
            tag: tag.to_string(),
        });
    };
    let img = summary::Image {
        height: header.height,
        width: header.width,
        colorspace: header.colorspace,
        encoded_image_string: png,
    };
    Ok(super::single(tag, None, summary::value::Value::Image(img)))
}

/// The eight bytes every PNG file starts with.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// What `Summary.Image` needs from a PNG's `IHDR` chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PngHeader {
    width: i32,
    height: i32,
    /// `Summary.Image.colorspace`: 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA.
    colorspace: i32,
}

impl PngHeader {
    /// The header of `png`: the signature, then the `IHDR` chunk (length 13), whose data
    /// starts with the width and height (big-endian, 1 to 2^31 - 1) and holds the colour
    /// type at byte 9.
    fn read(png: &[u8]) -> Option<PngHeader> {
        let bytes = png.get(..26)?;
        if bytes[..8] != PNG_SIGNATURE || bytes[8..12] != [0, 0, 0, 13] || &bytes[12..16] != b"IHDR"
        {
            return None;
        }
        let dimension = |at: usize| {
            let be = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
            i32::try_from(be).ok().filter(|&d| d > 0)
        };
        // PNG colour types: 0 grey, 2 RGB, 3 palette (RGB entries), 4 grey and alpha, 6 RGBA.
        let colorspace = match bytes[25] {
            0 => 1,
            4 => 2,
            2 | 3 => COLORSPACE_RGB,
            6 => 4,
            _ => return None,
        };
        Some(PngHeader {
            width: dimension(16)?,
            height: dimension(20)?,
            colorspace,
        })
    }
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
    encode_png_as(rgb, width, height, png::ColorType::Rgb)
}

/// Encodes 8-bit `pixels` of `colour` (grey or RGB) as a PNG.
pub(crate) fn encode_png_as(
    pixels: &[u8],
    width: u32,
    height: u32,
    colour: png::ColorType,
) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    // Fast deflate: a training run draws many pictures, and the default level costs
    // ~30x the CPU for files only a little smaller (measured on the decision boundary:
    // 191M vs 6M instructions for 11 images, ~1.8 KB larger each).
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
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

    /// The signature and an `IHDR` chunk of `width` x `height`, colour type `colour`
    /// (the chunk's CRC and the image data left out: only the header is read).
    fn header(width: u32, height: u32, colour: u8) -> Vec<u8> {
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend([0, 0, 0, 13]);
        png.extend(b"IHDR");
        png.extend(width.to_be_bytes());
        png.extend(height.to_be_bytes());
        png.extend([8, colour, 0, 0, 0]);
        png
    }

    #[test]
    fn png_takes_the_size_and_colorspace_from_the_header() {
        let encoded = encode_png(&[0; 3 * 2 * 3], 3, 2).unwrap();
        let s = png("pic", encoded.clone()).unwrap();
        let v = &s.value[0];
        assert_eq!(v.tag, "pic");
        match &v.value {
            Some(summary::value::Value::Image(img)) => {
                assert_eq!((img.width, img.height, img.colorspace), (3, 2, 3));
                assert_eq!(img.encoded_image_string, encoded);
            }
            other => panic!("{other:?}"),
        }
        // What `image` writes for the same pixels.
        assert_eq!(s, image("pic", &[0; 3 * 2 * 3], 3, 2).unwrap());
        // Literal headers: 256 x 1 RGBA, 1 x 70000 grey, grey with alpha, a palette.
        let read = |b: &[u8]| PngHeader::read(b).map(|h| (h.width, h.height, h.colorspace));
        assert_eq!(read(&header(256, 1, 6)), Some((256, 1, 4)));
        assert_eq!(read(&header(1, 70_000, 0)), Some((1, 70_000, 1)));
        assert_eq!(read(&header(5, 5, 4)), Some((5, 5, 2)));
        assert_eq!(read(&header(5, 5, 3)), Some((5, 5, 3)));
    }

    #[test]
    fn bytes_that_do_not_start_like_a_png_are_refused() {
        let mut wrong_chunk = header(2, 2, 2);
        wrong_chunk[12..16].copy_from_slice(b"IDAT");
        let mut wrong_length = header(2, 2, 2);
        wrong_length[11] = 12;
        let cases: [Vec<u8>; 8] = [
            Vec::new(),
            b"GIF89a".to_vec(),
            header(2, 2, 2)[..25].to_vec(),
            header(0, 2, 2),
            header(2, 1 << 31, 2),
            header(2, 2, 5),
            wrong_chunk,
            wrong_length,
        ];
        for bytes in cases {
            let e = png("pic", bytes.clone()).unwrap_err();
            assert!(
                matches!(&e, Error::NotPng { tag } if tag == "pic"),
                "{bytes:?}"
            );
        }
        assert_eq!(
            png("pic", Vec::new()).unwrap_err().to_string(),
            "image \"pic\": not a PNG (it does not start with the PNG signature and an IHDR header)"
        );
    }
}
