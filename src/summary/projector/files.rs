//! The Projector's files: checks of the metadata and the sprite, the TSV and PNG
//! writers, and the file-system steps that make a write all-or-nothing.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::config::ProjectorConfig;
use super::{EmbeddingError, Sprite, MAX_SPRITE_SIDE};

/// The tensor's file in an embedding's directory.
pub(super) const TENSOR_FILE: &str = "tensors.tsv";
/// The metadata's file.
pub(super) const METADATA_FILE: &str = "metadata.tsv";
/// The sprite's file.
pub(super) const SPRITE_FILE: &str = "sprite.png";
/// A config larger than this is not one we could have written: refused, not read.
const MAX_CONFIG_BYTES: u64 = 64 << 20;
/// How many `-2`, `-3`, ... suffixes [`fresh_dir`] tries.
const MAX_SUFFIX: u32 = 1000;

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> EmbeddingError + '_ {
    move |source| EmbeddingError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What `metadata` describes, for messages.
fn kind(metadata: &fs::Metadata) -> &'static str {
    let t = metadata.file_type();
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        crate::special::file_kind(&t)
    }
}

/// The config at `path`, or an empty one if there is none. Only a regular file is read
/// (a FIFO would block), and only up to [`MAX_CONFIG_BYTES`].
pub(super) fn read_config(path: &Path) -> Result<ProjectorConfig, EmbeddingError> {
    let metadata = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ProjectorConfig::default()),
        Err(e) => return Err(io_error(path)(e)),
    };
    if !metadata.is_file() {
        return Err(EmbeddingError::NotOurs {
            path: path.to_path_buf(),
            found: kind(&metadata),
        });
    }
    let mut text = String::new();
    let read =
        File::open(path).and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text));
    let config_error = |line, message: String| EmbeddingError::Config {
        path: path.to_path_buf(),
        line,
        message,
    };
    match read {
        Ok(n) if n as u64 > MAX_CONFIG_BYTES => Err(config_error(
            1,
            format!("larger than {MAX_CONFIG_BYTES} bytes"),
        )),
        Ok(_) => ProjectorConfig::parse(&text).map_err(|e| config_error(e.line, e.message)),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            Err(config_error(1, "not UTF-8 text".to_string()))
        }
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Makes `dir` unless it is there; a symbolic link or a file there is refused.
pub(super) fn ensure_dir(dir: &Path) -> Result<(), EmbeddingError> {
    match fs::create_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let metadata = fs::symlink_metadata(dir).map_err(io_error(dir))?;
            if metadata.is_dir() {
                Ok(())
            } else {
                Err(EmbeddingError::NotOurs {
                    path: dir.to_path_buf(),
                    found: kind(&metadata),
                })
            }
        }
        Err(e) => Err(io_error(dir)(e)),
    }
}

/// Makes a new directory `<slug>-<step>` (or `-2`, `-3`, ... after it) in `assets`;
/// `create_dir` decides, so it never reuses what is there, a link included.
pub(super) fn fresh_dir(
    assets: &Path,
    slug: &str,
    step: i64,
) -> Result<(String, PathBuf), EmbeddingError> {
    let mut last = None;
    for n in 1..=MAX_SUFFIX {
        let name = if n == 1 {
            format!("{slug}-{step}")
        } else {
            format!("{slug}-{step}-{n}")
        };
        let dir = assets.join(&name);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok((name, dir)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((dir, e)),
            Err(e) => return Err(io_error(&dir)(e)),
        }
    }
    let (dir, source) = last.unwrap_or_else(|| {
        let e = io::Error::from(io::ErrorKind::AlreadyExists);
        (assets.join(slug), e)
    });
    Err(EmbeddingError::Io { path: dir, source })
}

/// Creates `path` (which must not exist: it is in a directory made for this call),
/// writes it through `body`, and syncs it to disk.
fn create(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), EmbeddingError> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_error(path))?;
    let mut out = BufWriter::new(file);
    body(&mut out)
        .and_then(|()| out.into_inner().map_err(io::IntoInnerError::into_error))
        .and_then(|file| file.sync_all())
        .map_err(io_error(path))
}

/// Replaces `path` with `bytes` atomically: a temporary file next to it, synced, then
/// renamed over it. On failure the temporary file is removed and `path` is untouched;
/// the error names `path`.
pub(super) fn replace(path: &Path, bytes: &[u8]) -> Result<(), EmbeddingError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    // A leftover of a killed process with our pid; a link is removed, not followed.
    let _ = fs::remove_file(&tmp);
    let result = create(&tmp, |out| out.write_all(bytes))
        .and_then(|()| fs::rename(&tmp, path).map_err(io_error(path)));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(match e {
            EmbeddingError::Io { source, .. } => io_error(path)(source),
            other => other,
        });
    }
    Ok(())
}

/// `tensors.tsv`: one line per row, values separated by tabs, each the shortest decimal
/// of the value widened to `f64` (so Python reads back the same `f64`, hence `f32`).
pub(super) fn write_tensor(
    path: &Path,
    features: &[f32],
    dim: usize,
) -> Result<(), EmbeddingError> {
    create(path, |out| {
        for row in features.chunks_exact(dim) {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    out.write_all(b"\t")?;
                }
                write!(out, "{}", f64::from(*v))?;
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// `value` with tab, line feed and carriage return written as `\t`, `\n`, `\r`.
fn escaped(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\t', '\n', '\r']) {
        value
            .replace('\t', "\\t")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .into()
    } else {
        value.into()
    }
}

/// Is `line` what the Projector skips: empty once JavaScript's `trim()` is done?
fn blank_to_javascript(line: &str) -> bool {
    // JS trims its WhiteSpace and LineTerminator: Unicode's White_Space without U+0085,
    // plus U+FEFF.
    line.chars()
        .all(|c| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}')
}

/// Columns of one value per point, named (when there are several) uniquely.
pub(super) fn check_metadata(
    tag: &str,
    columns: &[(String, Vec<String>)],
    rows: usize,
) -> Result<(), EmbeddingError> {
    for (i, (name, values)) in columns.iter().enumerate() {
        if values.len() != rows {
            return Err(EmbeddingError::MetadataLength {
                tag: tag.to_string(),
                column: name.clone(),
                len: values.len(),
                rows,
            });
        }
        let problem = if columns.len() > 1 && name.is_empty() {
            Some("is empty")
        } else if columns[..i].iter().any(|(other, _)| other == name) {
            Some("is given twice")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(EmbeddingError::ColumnName {
                tag: tag.to_string(),
                name: name.clone(),
                problem,
            });
        }
    }
    if columns.is_empty() {
        return Ok(());
    }
    // A row is blank only if every value is, tabs between them included.
    let blank = (0..rows).find(|&r| {
        columns
            .iter()
            .all(|(_, values)| blank_to_javascript(&escaped(&values[r])))
    });
    match blank {
        Some(row) => Err(EmbeddingError::BlankRow {
            tag: tag.to_string(),
            row,
        }),
        None => Ok(()),
    }
}

/// `metadata.tsv`: a header row of the names if there are several columns, then one
/// line per point.
pub(super) fn write_metadata(
    path: &Path,
    columns: &[(String, Vec<String>)],
    rows: usize,
) -> Result<(), EmbeddingError> {
    create(path, |out| {
        let mut line = |cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
            for (i, cell) in cells.enumerate() {
                if i > 0 {
                    out.write_all(b"\t")?;
                }
                out.write_all(escaped(cell).as_bytes())?;
            }
            out.write_all(b"\n")
        };
        if columns.len() > 1 {
            line(&mut columns.iter().map(|(name, _)| name.as_str()))?;
        }
        for r in 0..rows {
            line(&mut columns.iter().map(|(_, values)| values[r].as_str()))?;
        }
        Ok(())
    })
}

/// One image per point and a square sprite within [`MAX_SPRITE_SIDE`]; returns the
/// number of images per side.
pub(super) fn check_sprite(tag: &str, s: &Sprite<'_>, rows: usize) -> Result<u64, EmbeddingError> {
    let (w, h) = (u64::from(s.width), u64::from(s.height));
    let expected = (rows as u64)
        .saturating_mul(w)
        .saturating_mul(h)
        .saturating_mul(u64::from(s.channels));
    if s.pixels.len() as u64 != expected {
        return Err(EmbeddingError::SpriteSize {
            tag: tag.to_string(),
            rows,
            width: s.width,
            height: s.height,
            channels: s.channels,
            expected,
            actual: s.pixels.len(),
        });
    }
    // ceil(sqrt(rows)), exactly (rows <= 2^25, so the f64 guess is within one).
    let mut per_side = (rows as f64).sqrt() as u64;
    while per_side * per_side < rows as u64 {
        per_side += 1;
    }
    let (side_w, side_h) = (per_side * w, per_side * h);
    if w == 0 || h == 0 || side_w > MAX_SPRITE_SIDE || side_h > MAX_SPRITE_SIDE {
        return Err(EmbeddingError::SpriteTooLarge {
            tag: tag.to_string(),
            per_side,
            width: s.width,
            height: s.height,
            side_w,
            side_h,
        });
    }
    Ok(per_side)
}

/// Tiles the images row by row into a `per_side x per_side` grid (cells past the last
/// image stay black) and writes it as a PNG.
pub(super) fn write_sprite(
    path: &Path,
    tag: &str,
    s: &Sprite<'_>,
    per_side: u64,
) -> Result<(), EmbeddingError> {
    // Within MAX_SPRITE_SIDE (checked), so these fit in u32 and usize.
    let (w, h, c) = (s.width as usize, s.height as usize, usize::from(s.channels));
    let cells = per_side as usize;
    let row_bytes = cells * w * c;
    let mut sprite = vec![0u8; row_bytes * cells * h];
    for (i, image) in s.pixels.chunks_exact(w * h * c).enumerate() {
        let (cell_y, cell_x) = (i / cells, i % cells);
        for (y, line) in image.chunks_exact(w * c).enumerate() {
            let start = (cell_y * h + y) * row_bytes + cell_x * w * c;
            sprite[start..start + w * c].copy_from_slice(line);
        }
    }
    let colour = if c == 1 {
        png::ColorType::Grayscale
    } else {
        png::ColorType::Rgb
    };
    let side = (cells * w) as u32;
    let png = crate::summary::image::encode_png_as(&sprite, side, (cells * h) as u32, colour)
        .map_err(|source| EmbeddingError::Png {
            tag: tag.to_string(),
            source,
        })?;
    create(path, |out| out.write_all(&png))
}
