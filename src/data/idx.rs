//! MNIST's IDX files, as MNIST and Fashion-MNIST ship them: images and labels of a
//! classifier, raw or gzip-compressed.
//!
//! An IDX file is a 4-byte magic number `00 00 TT ND` (`TT` the element type, `ND` the
//! number of dimensions), `ND` big-endian `u32` sizes, then the data, row-major. A
//! classifier needs unsigned bytes (`TT = 0x08`): images of 3 dimensions (count, rows,
//! cols) and labels of 1 (count). Whether a file is gzip is decided by its first two
//! bytes (`1f 8b`), not by its name.
//!
//! Files are hostile until read: every problem is one [`Error`] naming the file and what
//! is wrong. Nothing is allocated on the header's word alone: the header's promise is
//! bounded ([`MAX_BYTES`]) and by what the file could hold (its size, or its size times
//! DEFLATE's largest ratio), and the buffer grows as data arrives. Inflating stops one
//! byte past the promise, so a small gzip file that inflates to gigabytes costs no more
//! than the header said. Pixels stay bytes in memory (47 MB for Fashion-MNIST's
//! training set); the trainer scales them.
//!
//! A directory of the four MNIST-named files is a training and a test set
//! ([`read_dir`], in `dir.rs`); [`read_fashion_mnist`] reads Debian's
//! `dataset-fashion-mnist`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::Error;

pub(in crate::data) mod dir;

pub use dir::{
    fashion_mnist_files, find_files, read_dir, read_fashion_mnist, read_files, IdxData, IdxFiles,
    Split, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_PACKAGE, FILE_NAMES, GZ_SUFFIX,
    TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS,
};

/// Most data bytes one file may promise: 1 GiB, as a run's working memory
/// (`train::limits::MAX_WORKING_FLOATS` numbers) is bounded.
pub const MAX_BYTES: u64 = 1 << 30;

/// A gzip stream's first two bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The element type of unsigned bytes.
const UNSIGNED_BYTE: u8 = 0x08;
/// DEFLATE's largest ratio: a 258-byte match costs at least 2 bits, so no stream
/// inflates to more than about 1032 times its size.
const MAX_INFLATE_RATIO: u64 = 1032;
/// The smallest step by which the data buffer grows.
const GROWTH_STEP: usize = 1 << 20;

/// What a file holds: images or labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Images: 3 dimensions (count, rows, cols).
    Images,
    /// Labels: 1 dimension (count).
    Labels,
}

impl Kind {
    /// The number of dimensions it has.
    pub fn rank(self) -> u8 {
        match self {
            Kind::Images => 3,
            Kind::Labels => 1,
        }
    }

    /// Its dimensions, in words.
    pub fn dimensions(self) -> &'static str {
        match self {
            Kind::Images => "count, rows, cols",
            Kind::Labels => "count",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Images => "images",
            Kind::Labels => "labels",
        })
    }
}

/// Grey images of one size, as bytes (0 black to 255 white in Fashion-MNIST).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Images {
    /// Number of images.
    pub count: usize,
    /// Rows of each image.
    pub rows: usize,
    /// Columns of each image.
    pub cols: usize,
    /// `count * rows * cols` bytes, image after image, each row-major.
    pub pixels: Vec<u8>,
}

impl Images {
    /// Pixels of one image: `rows * cols`.
    pub fn pixels_per_image(&self) -> usize {
        self.rows * self.cols
    }

    /// Image `index`'s pixels, row-major; `None` past the last.
    pub fn image(&self, index: usize) -> Option<&[u8]> {
        let n = self.pixels_per_image();
        let start = index.checked_mul(n)?;
        self.pixels.get(start..start.checked_add(n)?)
    }
}

/// Reads an images file: unsigned bytes, 3 dimensions.
pub fn read_images(path: &Path) -> Result<Images, Error> {
    let (dims, pixels) = read_file(path, Kind::Images)?;
    let size = |i: usize| dims.get(i).map_or(0, |&d| d as usize);
    Ok(Images {
        count: size(0),
        rows: size(1),
        cols: size(2),
        pixels,
    })
}

/// Reads a labels file: unsigned bytes, 1 dimension.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, Error> {
    read_file(path, Kind::Labels).map(|(_, labels)| labels)
}

/// Where the bytes come from, for messages and for bounding the first allocation.
struct Source<'a> {
    path: &'a Path,
    /// Gzip: the sizes in messages are inflated sizes.
    compressed: bool,
    /// Most bytes the (inflated) file could hold.
    could_hold: u64,
}

impl Source<'_> {
    /// A read error: in a gzip file, an invalid or cut-short stream is a corrupt one.
    fn io(&self, source: io::Error) -> Error {
        use io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
        match source.kind() {
            InvalidData | InvalidInput | UnexpectedEof if self.compressed => Error::IdxGzip {
                path: self.path.to_path_buf(),
                message: if source.kind() == UnexpectedEof {
                    "it ends part-way through (is the file cut short?)".to_string()
                } else {
                    source.to_string()
                },
            },
            _ => Error::IdxRead {
                path: self.path.to_path_buf(),
                source,
            },
        }
    }

    fn path(&self) -> PathBuf {
        self.path.to_path_buf()
    }

    /// The stream ended after `found` bytes, inside a header of `needed`.
    fn header_truncated(&self, needed: usize, found: usize) -> Error {
        Error::IdxHeaderTruncated {
            path: self.path(),
            needed: needed as u64,
            found: found as u64,
            compressed: self.compressed,
        }
    }
}

/// Reads a regular file of `kind`: its dimensions and data.
fn read_file(path: &Path, kind: Kind) -> Result<(Vec<u32>, Vec<u8>), Error> {
    let open_error = |source| Error::Open {
        path: path.to_path_buf(),
        source,
    };
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(open_error)?;
    if !meta.is_file() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
            what: crate::special::file_kind(&meta.file_type()),
        });
    }
    let mut file = File::open(path).map_err(open_error)?;
    let mut head = [0u8; 2];
    let raw = Source {
        path,
        compressed: false,
        could_hold: meta.len(),
    };
    let n = read_up_to(&mut file, &mut head).map_err(|e| raw.io(e))?;
    let head = head.get(..n).unwrap_or(&[]);
    let stream = head.chain(file);
    if head == GZIP_MAGIC {
        let source = Source {
            compressed: true,
            could_hold: meta.len().saturating_mul(MAX_INFLATE_RATIO),
            ..raw
        };
        parse(&source, MultiGzDecoder::new(stream), kind)
    } else {
        parse(&raw, stream, kind)
    }
}

/// Parses an IDX stream of `kind` (already inflated): the header, checked, then exactly
/// the data it promises, reading at most one byte more.
fn parse<R: Read>(src: &Source, mut r: R, kind: Kind) -> Result<(Vec<u32>, Vec<u8>), Error> {
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut r, &mut magic).map_err(|e| src.io(e))?;
    if n < magic.len() {
        return Err(src.header_truncated(magic.len(), n));
    }
    let [zero0, zero1, element_type, rank] = magic;
    if zero0 != 0 || zero1 != 0 {
        return Err(Error::IdxMagic {
            path: src.path(),
            magic,
            compressed: src.compressed,
        });
    }
    if element_type != UNSIGNED_BYTE {
        return Err(Error::IdxType {
            path: src.path(),
            code: element_type,
        });
    }
    if rank != kind.rank() {
        return Err(Error::IdxRank {
            path: src.path(),
            found: rank,
            kind,
        });
    }
    let mut sizes = [0u8; 12];
    let sizes = sizes.get_mut(..4 * usize::from(rank)).unwrap_or(&mut []);
    let n = read_up_to(&mut r, sizes).map_err(|e| src.io(e))?;
    let header = magic.len() + sizes.len();
    if n < sizes.len() {
        return Err(src.header_truncated(header, magic.len() + n));
    }
    let dims: Vec<u32> = sizes
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let product = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(u64::from(d)))
        .and_then(|p| usize::try_from(p).ok().map(|_| p));
    let Some(promise) = product else {
        return Err(Error::IdxOverflow {
            path: src.path(),
            dims,
        });
    };
    if promise == 0 {
        return Err(Error::IdxEmpty {
            path: src.path(),
            dims,
        });
    }
    if promise > MAX_BYTES {
        return Err(Error::IdxTooLarge {
            path: src.path(),
            dims,
            bytes: promise,
        });
    }
    // Both fit in usize: `promise` was checked above, `initial` is at most `promise`.
    let initial = promise.min(src.could_hold.saturating_sub(header as u64));
    let data = read_data(src, &mut r, promise as usize, initial as usize)?;
    Ok((dims, data))
}

/// Reads exactly `promise` bytes, then checks that nothing follows (reading one byte
/// more, never further). The buffer starts at `initial` bytes and doubles as data
/// arrives, never past `promise`.
fn read_data<R: Read>(
    src: &Source,
    r: &mut R,
    promise: usize,
    initial: usize,
) -> Result<Vec<u8>, Error> {
    let mut data: Vec<u8> = Vec::new();
    let mut filled = 0usize;
    while filled < promise {
        if filled == data.len() {
            let next = if data.is_empty() {
                initial.max(1)
            } else {
                data.len().saturating_mul(2).max(GROWTH_STEP)
            }
            .min(promise);
            data.try_reserve_exact(next - data.len()).map_err(|_| {
                src.io(io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    format!("cannot allocate {next} bytes for its data"),
                ))
            })?;
            data.resize(next, 0);
        }
        let room = data.get_mut(filled..).unwrap_or(&mut []);
        match r.read(room) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(src.io(e)),
        }
    }
    data.truncate(filled);
    if filled < promise {
        return Err(Error::IdxTruncated {
            path: src.path(),
            expected: promise as u64,
            found: filled as u64,
            compressed: src.compressed,
        });
    }
    let mut probe = [0u8; 1];
    if read_up_to(r, &mut probe).map_err(|e| src.io(e))? > 0 {
        return Err(Error::IdxTrailing {
            path: src.path(),
            expected: promise as u64,
            compressed: src.compressed,
        });
    }
    Ok(data)
}

/// Fills `buf` or reaches the end; returns the bytes read.
fn read_up_to<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(room) = buf.get_mut(filled..).filter(|room| !room.is_empty()) {
        match r.read(room) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// An element type's code and name, for messages: `0x0D (f32)`.
pub(in crate::data) fn type_name(code: u8) -> String {
    let name = match code {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "i16",
        0x0C => "i32",
        0x0D => "f32",
        0x0E => "f64",
        _ => "not an IDX type",
    };
    format!("0x{code:02X} ({name})")
}

/// Dimensions for messages: `60000 x 28 x 28`.
pub(in crate::data) fn dims_text(dims: &[u32]) -> String {
    let parts: Vec<String> = dims.iter().map(u32::to_string).collect();
    parts.join(" x ")
}

/// How much a file held, for messages: raw sizes are the file's, gzip ones inflated.
pub(in crate::data) fn held(found: u64, compressed: bool) -> String {
    if compressed {
        format!("the file inflates to {found}")
    } else {
        format!("the file holds {found}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    /// An IDX file: the magic `00 00 ty rank`, the dimensions, then `data`.
    pub(super) fn idx(ty: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0, 0, ty, dims.len() as u8];
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes.extend_from_slice(data);
        bytes
    }

    pub(super) fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// Two 2x3 images and their labels.
    pub(super) const PIXELS: [u8; 12] = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];

    pub(super) fn images() -> Vec<u8> {
        idx(0x08, &[2, 2, 3], &PIXELS)
    }

    pub(super) fn labels(values: &[u8]) -> Vec<u8> {
        idx(0x08, &[values.len() as u32], values)
    }

    pub(super) fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The message of reading `bytes` as `kind` from a file, its path written `FILE`.
    fn error_of(kind: Kind, bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "f", bytes);
        let err = match kind {
            Kind::Images => read_images(&path).map(|_| ()),
            Kind::Labels => read_labels(&path).map(|_| ()),
        };
        err.unwrap_err()
            .to_string()
            .replace(&path.display().to_string(), "FILE")
    }

    #[test]
    fn good_files_raw_and_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let want = Images {
            count: 2,
            rows: 2,
            cols: 3,
            pixels: PIXELS.to_vec(),
        };
        for (name, bytes) in [("raw", images()), ("packed", gz(&images()))] {
            let got = read_images(&write(dir.path(), name, &bytes)).unwrap();
            assert_eq!(got, want, "{name}");
            assert_eq!(got.image(1), Some(&PIXELS[6..]));
            assert_eq!(got.image(2), None);
        }
        for bytes in [labels(&[3, 0, 9]), gz(&labels(&[3, 0, 9]))] {
            let got = read_labels(&write(dir.path(), "l", &bytes)).unwrap();
            assert_eq!(got, [3, 0, 9]);
        }
        // gzip is told by its magic, not by its name.
        let named_gz = write(dir.path(), "raw.gz", &labels(&[1]));
        assert_eq!(read_labels(&named_gz).unwrap(), [1]);
        // Several gzip members, as `cat a.gz b.gz` makes, are one stream.
        let all = labels(&[1, 2, 3, 4]);
        let (a, b) = all.split_at(6);
        let joined = [gz(a), gz(b)].concat();
        let path = write(dir.path(), "joined", &joined);
        assert_eq!(read_labels(&path).unwrap(), [1, 2, 3, 4]);
    }

    #[test]
    fn truncated_files_say_both_numbers() {
        let cut = &images()[..16 + 7];
        assert_eq!(
            error_of(Kind::Images, cut),
            "FILE: truncated: the header promises 12 bytes of data, the file holds 7"
        );
        assert_eq!(
            error_of(Kind::Images, &gz(cut)),
            "FILE: truncated: the header promises 12 bytes of data, the file inflates to 7"
        );
        assert_eq!(
            error_of(Kind::Images, &images()[..9]),
            "FILE: truncated: the IDX header needs 16 bytes, the file holds 9"
        );
        assert_eq!(
            error_of(Kind::Labels, &[0, 0]),
            "FILE: truncated: the IDX header needs 4 bytes, the file holds 2"
        );
        assert_eq!(
            error_of(Kind::Labels, &[]),
            "FILE: truncated: the IDX header needs 4 bytes, the file holds 0"
        );
        assert_eq!(
            error_of(Kind::Labels, &gz(&[0, 0, 8, 1, 0])),
            "FILE: truncated: the IDX header needs 8 bytes, the file inflates to 5"
        );
    }

    #[test]
    fn wrong_magic_is_not_an_idx_file() {
        assert_eq!(
            error_of(Kind::Images, b"\x89PNG\r\n\x1a\n"),
            "FILE: not an IDX file: it starts with 89 50 4e 47, not 00 00 then a type and a rank"
        );
        assert_eq!(
            error_of(Kind::Labels, &gz(b"label\n1\n")),
            "FILE: not an IDX file: it starts with 6c 61 62 65 once inflated, \
             not 00 00 then a type and a rank"
        );
        assert_eq!(
            error_of(Kind::Labels, &[0, 1, 8, 1, 0, 0, 0, 1, 7]),
            "FILE: not an IDX file: it starts with 00 01 08 01, not 00 00 then a type and a rank"
        );
    }

    #[test]
    fn every_type_but_unsigned_bytes_is_refused() {
        for (code, name) in [
            (0x09, "0x09 (signed byte)"),
            (0x0B, "0x0B (i16)"),
            (0x0C, "0x0C (i32)"),
            (0x0D, "0x0D (f32)"),
            (0x0E, "0x0E (f64)"),
            (0x00, "0x00 (not an IDX type)"),
            (0x07, "0x07 (not an IDX type)"),
            (0xFF, "0xFF (not an IDX type)"),
        ] {
            for kind in [Kind::Images, Kind::Labels] {
                let file = idx(code, &[1, 1, 1], &[0; 8]);
                assert_eq!(
                    error_of(kind, &file),
                    format!(
                        "FILE: element type {name} is not supported: \
                         images and labels must be unsigned bytes (0x08)"
                    )
                );
            }
        }
    }

    #[test]
    fn the_rank_must_be_the_kinds() {
        assert_eq!(
            error_of(Kind::Images, &labels(&[1, 2])),
            "FILE: 1 dimension(s), but images have 3 (count, rows, cols)"
        );
        assert_eq!(
            error_of(Kind::Labels, &images()),
            "FILE: 3 dimension(s), but labels have 1 (count)"
        );
        assert_eq!(
            error_of(Kind::Images, &idx(0x08, &[], &[5])),
            "FILE: 0 dimension(s), but images have 3 (count, rows, cols)"
        );
        assert_eq!(
            error_of(Kind::Images, &idx(0x08, &[1, 1, 1, 1], &[5])),
            "FILE: 4 dimension(s), but images have 3 (count, rows, cols)"
        );
    }

    #[test]
    fn dimensions_that_overflow_or_promise_too_much_are_refused_before_reading() {
        let max = u32::MAX;
        assert_eq!(
            error_of(Kind::Images, &idx(0x08, &[max, max, max], &[])),
            "FILE: dimensions 4294967295 x 4294967295 x 4294967295 overflow: \
             their product is past what memory can address"
        );
        // (2^32 - 1) x 2^31 x 4 is past 2^64.
        assert_eq!(
            error_of(Kind::Images, &idx(0x08, &[max, 1 << 31, 4], &[])),
            "FILE: dimensions 4294967295 x 2147483648 x 4 overflow: \
             their product is past what memory can address"
        );
        assert_eq!(
            error_of(Kind::Images, &idx(0x08, &[1, 65536, 16385], &[])),
            "FILE: dimensions 1 x 65536 x 16385 make 1073807360 bytes, \
             more than the 1073741824 a run can hold"
        );
        assert_eq!(
            error_of(Kind::Labels, &idx(0x08, &[max], &[])),
            "FILE: dimensions 4294967295 make 4294967295 bytes, \
             more than the 1073741824 a run can hold"
        );
        assert_eq!(
            error_of(Kind::Images, &idx(0x08, &[0, 28, 28], &[])),
            "FILE: dimensions 0 x 28 x 28: no data"
        );
        assert_eq!(
            error_of(Kind::Labels, &gz(&idx(0x08, &[0], &[]))),
            "FILE: dimensions 0: no data"
        );
    }

    /// A reader that counts the bytes it hands out and remembers the largest read asked.
    struct Counting<R> {
        inner: R,
        count: u64,
        first_ask: Option<usize>,
        largest_ask: usize,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.largest_ask = self.largest_ask.max(buf.len());
            // The header's reads are 4 and 4 x rank bytes; the data's start after them.
            if buf.len() > 12 && self.first_ask.is_none() {
                self.first_ask = Some(buf.len());
            }
            let n = self.inner.read(buf)?;
            self.count += n as u64;
            Ok(n)
        }
    }

    fn counting<R: Read>(inner: R) -> Counting<R> {
        Counting {
            inner,
            count: 0,
            first_ask: None,
            largest_ask: 0,
        }
    }

    #[test]
    fn a_header_promising_more_than_the_file_holds_allocates_what_the_file_can_hold() {
        // 1 GiB promised, 100 bytes there: the buffer starts at what the file can hold,
        // and grows by a step of 1 MiB once that is full.
        let file = idx(0x08, &[1, 32768, 32768], &[7; 100]);
        let path = Path::new("big");
        let raw = Source {
            path,
            compressed: false,
            could_hold: file.len() as u64,
        };
        let mut reader = counting(&file[..]);
        let err = parse(&raw, &mut reader, Kind::Images).unwrap_err();
        assert_eq!(
            err.to_string(),
            "big: truncated: the header promises 1073741824 bytes of data, the file holds 100"
        );
        assert_eq!(reader.first_ask, Some(100));
        assert_eq!(reader.largest_ask, GROWTH_STEP - 100);
        // Compressed: what the file could inflate to, at most.
        let packed = gz(&idx(0x08, &[1, 32768, 32768], &[7; 3 << 20]));
        let source = Source {
            path,
            compressed: true,
            could_hold: packed.len() as u64 * MAX_INFLATE_RATIO,
        };
        assert!(source.could_hold < 1 << 30);
        let mut reader = counting(MultiGzDecoder::new(&packed[..]));
        let err = parse(&source, &mut reader, Kind::Images).unwrap_err();
        assert_eq!(
            err.to_string(),
            "big: truncated: the header promises 1073741824 bytes of data, \
             the file inflates to 3145728"
        );
        assert_eq!(reader.first_ask, Some(source.could_hold as usize - 16));
    }

    #[test]
    fn trailing_data_is_refused() {
        let mut long = images();
        long.push(0);
        assert_eq!(
            error_of(Kind::Images, &long),
            "FILE: trailing data: the file holds more than the 12 bytes of data the header promises"
        );
        assert_eq!(
            error_of(Kind::Images, &gz(&long)),
            "FILE: trailing data: the file inflates to more than the 12 bytes of data \
             the header promises"
        );
    }

    #[test]
    fn corrupt_gzip_is_one_line() {
        let packed = gz(&images());
        // Garbage after the gzip member: not another member.
        let garbage = [packed.clone(), b"junk after the stream".to_vec()].concat();
        assert_eq!(
            error_of(Kind::Images, &garbage),
            "FILE: corrupt gzip stream: invalid gzip header"
        );
        let short = [packed.clone(), b"junk".to_vec()].concat();
        assert_eq!(
            error_of(Kind::Images, &short),
            "FILE: corrupt gzip stream: it ends part-way through (is the file cut short?)"
        );
        // A flipped bit in the stored CRC-32.
        let mut crc = packed.clone();
        let at = crc.len() - 8;
        crc[at] ^= 1;
        assert_eq!(
            error_of(Kind::Images, &crc),
            "FILE: corrupt gzip stream: corrupt gzip stream does not have a matching checksum"
        );
        // Cut inside the deflate data.
        assert_eq!(
            error_of(Kind::Images, &packed[..packed.len() - 12]),
            "FILE: corrupt gzip stream: it ends part-way through (is the file cut short?)"
        );
        // A deflate block of reserved type 3 right after the gzip header.
        let bad_block = [&packed[..10], &[0xff, 0xff, 0xff]].concat();
        assert_eq!(
            error_of(Kind::Images, &bad_block),
            "FILE: corrupt gzip stream: corrupt deflate stream"
        );
    }

    /// A gzip stream of an images header promising 10 images of 28x28, then `zeros`
    /// bytes of zeros.
    fn bomb(zeros: usize) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(&idx(0x08, &[10, 28, 28], &[])).unwrap();
        let block = vec![0u8; 1 << 20];
        let mut left = zeros;
        while left > 0 {
            let n = left.min(block.len());
            encoder.write_all(&block[..n]).unwrap();
            left -= n;
        }
        encoder.finish().unwrap()
    }

    #[test]
    fn a_gzip_bomb_is_stopped_one_byte_past_the_promise() {
        let packed = bomb(1 << 30);
        assert!(packed.len() < 8 << 20, "{}", packed.len());
        let source = Source {
            path: Path::new("bomb.gz"),
            compressed: true,
            could_hold: packed.len() as u64 * MAX_INFLATE_RATIO,
        };
        let mut reader = counting(MultiGzDecoder::new(&packed[..]));
        let err = parse(&source, &mut reader, Kind::Images).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bomb.gz: trailing data: the file inflates to more than the 7840 bytes of data \
             the header promises"
        );
        // Header, the promise, and the one byte that shows there is more.
        assert_eq!(reader.count, 16 + 7840 + 1);
        // The same through a file.
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "bomb.gz", &packed);
        assert!(matches!(
            read_images(&path),
            Err(Error::IdxTrailing {
                expected: 7840,
                compressed: true,
                ..
            })
        ));
    }

    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            read_images(&fifo).unwrap_err().to_string(),
            format!(
                "cannot read {}: a FIFO (named pipe), not a regular file",
                fifo.display()
            )
        );
        assert_eq!(
            read_labels(dir.path()).unwrap_err().to_string(),
            format!(
                "cannot read {}: a directory, not a regular file",
                dir.path().display()
            )
        );
        let missing = dir.path().join("none");
        let err = read_labels(&missing).unwrap_err();
        assert!(matches!(&err, Error::Open { source, .. }
            if source.kind() == io::ErrorKind::NotFound));
    }
}
