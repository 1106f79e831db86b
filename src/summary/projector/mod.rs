//! Embeddings for TensorBoard's Projector: the files it reads from a run directory.
//!
//! The Projector reads no events. For each run (a directory TensorBoard lists because it
//! holds an event file, plus the logdir itself) it reads `projector_config.pbtxt`, a
//! text-format `ProjectorConfig` ([`config`]), whose `embeddings` entries name the files
//! of each tensor. [`write()`] (and `SummaryWriter::add_embedding`) writes, for the tag
//! `t` at step `s`:
//!
//! ```text
//! <run>/projector_config.pbtxt                 one `embeddings` entry per (tag, step)
//! <run>/projector/<t'>-<s>/tensors.tsv         rows of tab-separated floats
//! <run>/projector/<t'>-<s>/metadata.tsv        labels, or a header row and columns
//! <run>/projector/<t'>-<s>/sprite.png          the images tiled into a square
//! ```
//!
//! where `t'` is the tag reduced to lower-case ASCII letters, digits, `-`, `_` and `.`
//! (`-2`, `-3`, ... added when that directory exists). Every path in the config is
//! relative and inside the run directory: TensorBoard 2.21 refuses any other.
//!
//! - **Names**: the entry is named `<tag>:<step, 5 digits>` ([`tensor_name`]), as
//!   tensorboardX names them, so each step logged is its own tensor in the Projector's
//!   list (the Projector shows one tensor per name). The same tag at the same step again
//!   replaces that entry, in place in the list.
//! - **Tensor**: TSV, one row per point, each value the shortest decimal of the `f32`
//!   widened to `f64`, which Python's `float` reads back to that very `f64` and NumPy
//!   rounds to the very `f32` (TensorBoard reads a tensor file as TSV and falls back to
//!   raw `float32` only when the text is not UTF-8, and raw floats can happen to be
//!   UTF-8). NaN and infinities are refused: the Projector's PCA and t-SNE cannot place them.
//! - **Metadata**: one column is written without a header (the Projector calls it
//!   `label`), several with a header row, as the Projector requires. Tabs, line feeds and
//!   carriage returns inside a value are written as `\t`, `\n`, `\r` (they would split
//!   it). A row that would be blank is refused: the Projector skips blank lines, which
//!   would move every later label onto the wrong point.
//! - **Sprite**: grey or RGB images of one size, in the points' order, tiled row by row
//!   into a square grid of `ceil(sqrt(n))` images a side; the Projector refuses a sprite
//!   larger than 8192 pixels a side ([`MAX_SPRITE_SIDE`]), and so do we.
//! - **Atomic**: the files go into a directory made for this call; the config is written
//!   to a temporary name and renamed over the old one only once they are all on disk.
//!   A kill leaves the old config or the new one, never part of one; what it can leave
//!   is a directory or temporary file no config names. A failure removes what this call
//!   wrote and leaves the config as it was (nothing of the event file is touched); the
//!   files of a replaced entry are removed once the new config is in place.
//! - **Existing configs** (an earlier session of the run, a resume): their entries are
//!   kept. A config that cannot be read whole ([`config`]) is left untouched and is an
//!   error, so no one's entries are lost.
//!
//! Sizes are bounded before anything is written: at most [`MAX_EMBEDDING_VALUES`] floats.

use std::fs;
use std::path::{Path, PathBuf};

pub mod config;
mod error;
mod files;
mod pbtxt;

use config::{EmbeddingInfo, ProjectorConfig, SpriteMetadata};
pub use error::EmbeddingError;

/// The file the Projector reads in each run directory (`metadata.PROJECTOR_FILENAME`).
pub const CONFIG_FILE: &str = "projector_config.pbtxt";
/// The directory of the run that holds the embeddings' files.
pub const ASSETS_DIR: &str = "projector";
/// The Projector's largest sprite, in pixels a side (its `MAX_SPRITE_IMAGE_SIZE_PX`, a
/// browser texture limit).
pub const MAX_SPRITE_SIDE: u64 = 8192;
/// The most floats one embedding may hold (`rows x dimensions`): 2^25, e.g. 100,000
/// points of 335 dimensions. TensorBoard parses the TSV into Python floats (tens of
/// bytes each) and the browser holds the whole tensor.
pub const MAX_EMBEDDING_VALUES: usize = 1 << 25;

/// The Projector's name for `tag` at `step`: `<tag>:<step>` with at least 5 digits
/// (tensorboardX's `"{tag}:{step:05}"`).
///
/// ```
/// assert_eq!(tbtrain::summary::projector::tensor_name("hidden", 42), "hidden:00042");
/// ```
pub fn tensor_name(tag: &str, step: i64) -> String {
    format!("{tag}:{step:05}")
}

/// Points to show in the Projector: features, metadata, and images for a sprite.
///
/// ```
/// use tbtrain::summary::projector::{Embedding, Sprite};
///
/// let features = [0.0, 1.0, 1.0, 0.0, 0.5, 0.5]; // 3 points of 2 dimensions
/// let images = [0u8, 255, 255, 0, 128, 128, 0, 0, 255, 255, 255, 255]; // three 2x2 grey
/// let e = Embedding::new(&features, 2)
///     .labels(["cat", "dog", "cat"])
///     .sprite(Sprite::grey(&images, 2, 2));
/// assert_eq!(e.rows(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct Embedding<'a> {
    features: &'a [f32],
    dim: usize,
    columns: Vec<(String, Vec<String>)>,
    sprite: Option<Sprite<'a>>,
}

/// One image per point, all of one size, concatenated in the points' order (each row by
/// row; RGB as `r, g, b` per pixel).
#[derive(Debug, Clone, Copy)]
pub struct Sprite<'a> {
    pixels: &'a [u8],
    width: u32,
    height: u32,
    channels: u8,
}

impl<'a> Sprite<'a> {
    /// 8-bit grey images of `width x height`.
    pub fn grey(pixels: &'a [u8], width: u32, height: u32) -> Sprite<'a> {
        Sprite {
            pixels,
            width,
            height,
            channels: 1,
        }
    }

    /// 8-bit RGB images of `width x height`.
    pub fn rgb(pixels: &'a [u8], width: u32, height: u32) -> Sprite<'a> {
        Sprite {
            pixels,
            width,
            height,
            channels: 3,
        }
    }
}

impl<'a> Embedding<'a> {
    /// Points of `dim` dimensions, row after row in `features` (`rows * dim` values).
    pub fn new(features: &'a [f32], dim: usize) -> Embedding<'a> {
        Embedding {
            features,
            dim,
            columns: Vec::new(),
            sprite: None,
        }
    }

    /// Adds the metadata column `label`, one value per point (alone, it is written without
    /// a header, as the Projector wants a single column).
    pub fn labels<S: Into<String>>(self, labels: impl IntoIterator<Item = S>) -> Embedding<'a> {
        self.column("label", labels)
    }

    /// Adds a metadata column `name`, one value per point. With several columns the
    /// metadata file starts with a header row of their names.
    pub fn column<S: Into<String>>(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Embedding<'a> {
        let values = values.into_iter().map(Into::into).collect();
        self.columns.push((name.into(), values));
        self
    }

    /// Adds images, one per point, for the Projector to draw the points with.
    pub fn sprite(mut self, sprite: Sprite<'a>) -> Embedding<'a> {
        self.sprite = Some(sprite);
        self
    }

    /// Number of points (`features.len() / dim`; 0 if `dim` is 0).
    pub fn rows(&self) -> usize {
        self.features.len().checked_div(self.dim).unwrap_or(0)
    }

    /// Checks everything before a file is touched; returns the sprite's images per side.
    fn check(&self, tag: &str) -> Result<Option<u64>, EmbeddingError> {
        let rows = self.rows();
        if rows == 0 || !self.features.len().is_multiple_of(self.dim) {
            return Err(EmbeddingError::Shape {
                tag: tag.to_string(),
                len: self.features.len(),
                dim: self.dim,
            });
        }
        if self.features.len() > MAX_EMBEDDING_VALUES {
            return Err(EmbeddingError::TooLarge {
                tag: tag.to_string(),
                len: self.features.len(),
            });
        }
        if let Some(i) = self.features.iter().position(|v| !v.is_finite()) {
            return Err(EmbeddingError::NotFinite {
                tag: tag.to_string(),
                row: i / self.dim,
                column: i % self.dim,
                value: self.features[i],
            });
        }
        files::check_metadata(tag, &self.columns, rows)?;
        self.sprite
            .as_ref()
            .map(|s| files::check_sprite(tag, s, rows))
            .transpose()
    }
}

/// Writes `embedding` for the Projector into `run_dir` as `tag` at `step` (see the module
/// doc for the files and the guarantees). TensorBoard shows it only if `run_dir` is the
/// logdir or a run, i.e. holds an event file; `SummaryWriter::add_embedding` calls this
/// with its own run directory.
pub fn write(
    run_dir: &Path,
    tag: &str,
    step: i64,
    embedding: &Embedding<'_>,
) -> Result<(), EmbeddingError> {
    let per_side = embedding.check(tag)?;
    let config_path = run_dir.join(CONFIG_FILE);
    let mut config = files::read_config(&config_path)?;
    let assets = run_dir.join(ASSETS_DIR);
    files::ensure_dir(&assets)?;
    let (dir_name, dir) = files::fresh_dir(&assets, &slug(tag), step)?;
    let written = write_assets(&dir, &dir_name, tag, step, embedding, per_side).and_then(|entry| {
        let old = upsert(&mut config, entry);
        files::replace(&config_path, config.to_text().as_bytes()).map(|()| old)
    });
    match written {
        Ok(old) => {
            // The replaced entry's files, if they are ours: nothing names them any more.
            if let Some(old_dir) = old.as_ref().and_then(|e| our_dir(run_dir, &e.tensor_path)) {
                let _ = fs::remove_dir_all(old_dir);
            }
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&dir);
            Err(e)
        }
    }
}

/// Writes the files into the fresh `dir` and returns the config entry naming them.
fn write_assets(
    dir: &Path,
    dir_name: &str,
    tag: &str,
    step: i64,
    e: &Embedding<'_>,
    per_side: Option<u64>,
) -> Result<EmbeddingInfo, EmbeddingError> {
    let rel = |file: &str| format!("{ASSETS_DIR}/{dir_name}/{file}");
    files::write_tensor(&dir.join(files::TENSOR_FILE), e.features, e.dim)?;
    let mut entry = EmbeddingInfo {
        tensor_name: tensor_name(tag, step),
        tensor_shape: vec![e.rows() as u32, e.dim as u32],
        tensor_path: rel(files::TENSOR_FILE),
        ..Default::default()
    };
    if !e.columns.is_empty() {
        files::write_metadata(&dir.join(files::METADATA_FILE), &e.columns, e.rows())?;
        entry.metadata_path = rel(files::METADATA_FILE);
    }
    if let (Some(sprite), Some(per_side)) = (&e.sprite, per_side) {
        files::write_sprite(&dir.join(files::SPRITE_FILE), tag, sprite, per_side)?;
        entry.sprite = Some(SpriteMetadata {
            image_path: rel(files::SPRITE_FILE),
            single_image_dim: vec![sprite.width, sprite.height],
        });
    }
    Ok(entry)
}

/// Puts `entry` in place of the one of the same name, or at the end; returns the one
/// it replaced.
fn upsert(config: &mut ProjectorConfig, entry: EmbeddingInfo) -> Option<EmbeddingInfo> {
    match config
        .embeddings
        .iter_mut()
        .find(|e| e.tensor_name == entry.tensor_name)
    {
        Some(old) => Some(std::mem::replace(old, entry)),
        None => {
            config.embeddings.push(entry);
            None
        }
    }
}

/// The directory `projector/<name>` of a `tensor_path` we wrote, if it is one.
fn our_dir(run_dir: &Path, tensor_path: &str) -> Option<PathBuf> {
    let mut parts = tensor_path.split('/');
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    let ours = a == ASSETS_DIR
        && c == files::TENSOR_FILE
        && parts.next().is_none()
        && !b.is_empty()
        && !b.starts_with('.')
        && b.bytes().all(slug_byte);
    ours.then(|| run_dir.join(ASSETS_DIR).join(b))
}

fn slug_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b)
}

/// `tag` as a directory name: lower-case ASCII letters, digits, `-`, `_`, `.` (others
/// become `_`), no leading `.`, at most 48 bytes.
fn slug(tag: &str) -> String {
    let mut s: String = tag
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .map(|b| if slug_byte(b) { b as char } else { '_' })
        .take(48)
        .collect();
    if s.is_empty() || s.starts_with('.') {
        s.replace_range(..s.len().min(1), "_");
    }
    s
}

#[cfg(test)]
mod tests;
