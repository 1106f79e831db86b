//! [`EmbeddingError`]: what is wrong with an embedding, or could not be written.

use std::path::PathBuf;

use super::{MAX_EMBEDDING_VALUES, MAX_SPRITE_SIDE};

/// What is wrong with an embedding, or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddingError {
    /// The features are empty or do not split into rows of `dim`.
    #[error("embedding {tag:?}: {len} values do not make rows of {dim} (need at least one row)")]
    Shape {
        /// The tag.
        tag: String,
        /// Number of features given.
        len: usize,
        /// Dimensions per row.
        dim: usize,
    },
    /// More than [`MAX_EMBEDDING_VALUES`] floats.
    #[error("embedding {tag:?}: {len} values, more than the {MAX_EMBEDDING_VALUES} allowed")]
    TooLarge {
        /// The tag.
        tag: String,
        /// Number of features given.
        len: usize,
    },
    /// A feature is NaN or infinite.
    #[error("embedding {tag:?}: value {value} at row {row}, column {column} is not finite")]
    NotFinite {
        /// The tag.
        tag: String,
        /// Its row (point), from 0.
        row: usize,
        /// Its column (dimension), from 0.
        column: usize,
        /// The value.
        value: f32,
    },
    /// A metadata column does not have one value per point.
    #[error("embedding {tag:?}: metadata column {column:?} has {len} values for {rows} points")]
    MetadataLength {
        /// The tag.
        tag: String,
        /// The column's name.
        column: String,
        /// Its number of values.
        len: usize,
        /// Number of points.
        rows: usize,
    },
    /// Two metadata columns share a name, or one has none (with several columns).
    #[error("embedding {tag:?}: metadata column name {name:?} {problem}")]
    ColumnName {
        /// The tag.
        tag: String,
        /// The name.
        name: String,
        /// `is empty` or `is given twice`.
        problem: &'static str,
    },
    /// A metadata row is empty or white space only.
    #[error(
        "embedding {tag:?}: metadata row {row} is blank; the Projector skips blank lines, \
         which would move every later label to the wrong point"
    )]
    BlankRow {
        /// The tag.
        tag: String,
        /// The point, from 0.
        row: usize,
    },
    /// The sprite's pixels are not one image of the given size per point.
    #[error(
        "embedding {tag:?}: a sprite of {rows} {width}x{height} images of {channels} \
         channel(s) needs {expected} bytes, got {actual}"
    )]
    SpriteSize {
        /// The tag.
        tag: String,
        /// Number of points.
        rows: usize,
        /// One image's width.
        width: u32,
        /// One image's height.
        height: u32,
        /// 1 (grey) or 3 (RGB).
        channels: u8,
        /// `rows * width * height * channels` (saturating).
        expected: u64,
        /// Bytes given.
        actual: usize,
    },
    /// The sprite would be larger than the Projector takes (or an image is 0 wide or high).
    #[error(
        "embedding {tag:?}: {per_side}x{per_side} images of {width}x{height} make a sprite \
         of {side_w}x{side_h} pixels; the Projector takes 1 to {MAX_SPRITE_SIDE} a side"
    )]
    SpriteTooLarge {
        /// The tag.
        tag: String,
        /// Images per side of the square grid.
        per_side: u64,
        /// One image's width.
        width: u32,
        /// One image's height.
        height: u32,
        /// The sprite's width.
        side_w: u64,
        /// The sprite's height.
        side_h: u64,
    },
    /// A file or directory of the Projector could not be written (or read).
    #[error("cannot write the Projector's {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A path the Projector's files go to is not a directory (or the config not a file).
    #[error("the Projector's {} is {found}; nothing was written", path.display())]
    NotOurs {
        /// The path.
        path: PathBuf,
        /// What is there (`a symbolic link`, `a FIFO`, ...).
        found: &'static str,
    },
    /// The existing config could not be read whole: it is left as it is.
    #[error("{}:{line}: {message}; the config is left as it is", path.display())]
    Config {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong there.
        message: String,
    },
    /// The sprite's PNG encoder failed.
    #[error("embedding {tag:?}: PNG encoding of the sprite failed: {source}")]
    Png {
        /// The tag.
        tag: String,
        /// The encoder's error.
        source: png::EncodingError,
    },
}
