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
//! ([`read_dir`]); [`read_fashion_mnist`] reads Debian's `dataset-fashion-mnist`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::Error;

/// Where Debian's `dataset-fashion-mnist` installs Fashion-MNIST.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";
/// The package that installs it.
pub const FASHION_MNIST_PACKAGE: &str = "dataset-fashion-mnist";
/// Fashion-MNIST's ten classes, by label.
pub const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// The training images' file name (MNIST's).
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// The training labels' file name.
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// The test images' file name.
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// The test labels' file name.
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";
/// The four files of a directory, in the order [`IdxFiles`] holds them.
pub const FILE_NAMES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];
/// What a compressed file's name adds: `train-images-idx3-ubyte.gz`.
pub const GZ_SUFFIX: &str = ".gz";

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

/// Images and their labels, as many of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub images: Images,
    /// One class index per image.
    pub labels: Vec<u8>,
}

/// A directory's training and test sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxData {
    pub train: Split,
    pub test: Split,
    /// Classes: the largest training label plus one (2 or more); every test label is
    /// below it.
    pub classes: usize,
}

/// The four files of a directory, each `NAME` or `NAME.gz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxFiles {
    pub train_images: PathBuf,
    pub train_labels: PathBuf,
    pub test_images: PathBuf,
    pub test_labels: PathBuf,
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

/// Finds the four MNIST-named files in `dir`, each `NAME` or `NAME.gz`; when both are
/// there, `NAME` (already inflated, and what `gunzip -k` leaves beside the original).
/// A directory missing any of them is one error naming every missing file.
pub fn find_files(dir: &Path) -> Result<IdxFiles, Error> {
    let meta = std::fs::metadata(dir).map_err(|source| Error::Open {
        path: dir.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut found = Vec::with_capacity(FILE_NAMES.len());
    let mut missing = Vec::new();
    for name in FILE_NAMES {
        let raw = dir.join(name);
        let gz = dir.join(format!("{name}{GZ_SUFFIX}"));
        // A link counts as present even when dangling: reading it then says why.
        match [raw, gz].into_iter().find(|p| p.symlink_metadata().is_ok()) {
            Some(path) => found.push(path),
            None => missing.push(name),
        }
    }
    match (missing.is_empty(), <[PathBuf; 4]>::try_from(found)) {
        (true, Ok([train_images, train_labels, test_images, test_labels])) => Ok(IdxFiles {
            train_images,
            train_labels,
            test_images,
            test_labels,
        }),
        _ => Err(Error::IdxMissing {
            dir: dir.to_path_buf(),
            missing,
        }),
    }
}

/// Reads a directory's four files ([`find_files`]) and checks them together: as many
/// labels as images within the training and within the test set, training and test
/// images of one size, at least two classes, every test label one of the training
/// set's classes.
pub fn read_dir(dir: &Path) -> Result<IdxData, Error> {
    read_files(&find_files(dir)?)
}

/// Reads the four files of [`IdxFiles`], checked as [`read_dir`] says.
pub fn read_files(files: &IdxFiles) -> Result<IdxData, Error> {
    let train = read_split(&files.train_images, &files.train_labels)?;
    let test = read_split(&files.test_images, &files.test_labels)?;
    let shape = |s: &Split| (s.images.rows, s.images.cols);
    if shape(&train) != shape(&test) {
        return Err(Error::IdxShapeMismatch {
            test: files.test_images.clone(),
            train: files.train_images.clone(),
            test_shape: shape(&test),
            train_shape: shape(&train),
        });
    }
    let classes = train.labels.iter().max().map_or(0, |&m| usize::from(m) + 1);
    if classes < 2 {
        return Err(Error::TooFewClasses {
            path: files.train_labels.clone(),
        });
    }
    if let Some((index, &label)) = test
        .labels
        .iter()
        .enumerate()
        .find(|&(_, &l)| usize::from(l) >= classes)
    {
        return Err(Error::IdxTestLabel {
            path: files.test_labels.clone(),
            index,
            label,
            classes,
        });
    }
    Ok(IdxData {
        train,
        test,
        classes,
    })
}

/// Debian's Fashion-MNIST files ([`FASHION_MNIST_DIR`]), or
/// [`Error::FashionMnistMissing`] naming the first missing one.
pub fn fashion_mnist_files() -> Result<IdxFiles, Error> {
    fashion_mnist_files_in(Path::new(FASHION_MNIST_DIR))
}

/// Reads Debian's Fashion-MNIST ([`read_dir`] of [`FASHION_MNIST_DIR`]).
pub fn read_fashion_mnist() -> Result<IdxData, Error> {
    read_files(&fashion_mnist_files()?)
}

/// [`fashion_mnist_files`] of another directory (for tests).
fn fashion_mnist_files_in(dir: &Path) -> Result<IdxFiles, Error> {
    let missing: Vec<&str> = match find_files(dir) {
        Ok(files) => return Ok(files),
        Err(Error::IdxMissing { missing, .. }) => missing,
        Err(Error::Open { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            FILE_NAMES.to_vec()
        }
        Err(other) => return Err(other),
    };
    let first = missing.first().copied().unwrap_or(TRAIN_IMAGES);
    Err(Error::FashionMnistMissing {
        path: dir.join(format!("{first}{GZ_SUFFIX}")),
        more: missing.len().saturating_sub(1),
    })
}

/// One set's images and labels, as many of each.
fn read_split(images: &Path, labels: &Path) -> Result<Split, Error> {
    let split = Split {
        images: read_images(images)?,
        labels: read_labels(labels)?,
    };
    if split.images.count != split.labels.len() {
        return Err(Error::IdxCountMismatch {
            images: images.to_path_buf(),
            labels: labels.to_path_buf(),
            image_count: split.images.count,
            label_count: split.labels.len(),
        });
    }
    Ok(split)
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
                    "it ends before its end marker (the file is cut short)".to_string()
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

impl Source<'_> {
    fn header_truncated(&self, needed: usize, found: usize) -> Error {
        Error::IdxHeaderTruncated {
            path: self.path(),
            needed: needed as u64,
            found: found as u64,
            compressed: self.compressed,
        }
    }
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
pub(super) fn type_name(code: u8) -> String {
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
pub(super) fn dims_text(dims: &[u32]) -> String {
    let parts: Vec<String> = dims.iter().map(u32::to_string).collect();
    parts.join(" x ")
}

/// How much a file held, for messages: raw sizes are the file's, gzip ones inflated.
pub(super) fn held(found: u64, compressed: bool) -> String {
    if compressed {
        format!("the file inflates to {found}")
    } else {
        format!("the file holds {found}")
    }
}

/// The missing files of a directory, for messages: `NAME(.gz) and NAME(.gz)`.
pub(super) fn missing_text(missing: &[&str]) -> String {
    let names: Vec<String> = missing.iter().map(|n| format!("{n}(.gz)")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}
