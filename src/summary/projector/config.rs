//! `projector_config.pbtxt`: TensorBoard's `ProjectorConfig` message in protobuf text
//! format, read and written without a protobuf text library.
//!
//! Written as Python's `text_format.MessageToString` writes it (protobuf 7, TensorBoard
//! 2.21's venv): fields in field-number order, two spaces per level, strings in double
//! quotes with `\"`, `\'`, `\\`, `\t`, `\n`, `\r` and three-digit octal escapes for the
//! other ASCII control characters and DEL, other characters as UTF-8 (a test compares
//! the bytes). Read: the whole `ProjectorConfig` schema (every field TensorBoard 2.21
//! knows) in the syntax `text_format.Parse` accepts: `#` comments, `:` optional before a
//! message, `{}` or `<>`, `,` or `;` after a field, `[a, b]` lists for repeated numbers,
//! adjacent strings concatenated, single or double quotes, C escapes (octal, `\x`, `\u`,
//! `\U`), decimal or `0x` numbers. Anything else (an unknown field, a second value of a
//! singular field) is an error: a config we cannot read whole is never rewritten, so
//! no entry of someone else's is lost.

use std::fmt::Write as _;

use super::pbtxt::{Parser, Seen};

/// `tensorboard.projector.ProjectorConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectorConfig {
    /// Field 1.
    pub model_checkpoint_path: String,
    /// Field 2.
    pub embeddings: Vec<EmbeddingInfo>,
    /// Field 3.
    pub model_checkpoint_dir: String,
}

/// `tensorboard.projector.EmbeddingInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbeddingInfo {
    /// Field 1: the name the Projector lists.
    pub tensor_name: String,
    /// Field 2: the metadata TSV, relative to the config's directory.
    pub metadata_path: String,
    /// Field 3.
    pub bookmarks_path: String,
    /// Field 4: `[rows, dimensions]`.
    pub tensor_shape: Vec<u32>,
    /// Field 5.
    pub sprite: Option<SpriteMetadata>,
    /// Field 6: the tensor TSV, relative to the config's directory.
    pub tensor_path: String,
}

/// `tensorboard.projector.SpriteMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpriteMetadata {
    /// Field 1: the sprite PNG, relative to the config's directory.
    pub image_path: String,
    /// Field 2: `[width, height]` of one image.
    pub single_image_dim: Vec<u32>,
}

/// Why a config could not be read: the line and what was found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl ProjectorConfig {
    /// The text `text_format.MessageToString` writes for this message.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        string_field(
            &mut out,
            0,
            "model_checkpoint_path",
            &self.model_checkpoint_path,
        );
        for e in &self.embeddings {
            out.push_str("embeddings {\n");
            string_field(&mut out, 1, "tensor_name", &e.tensor_name);
            string_field(&mut out, 1, "metadata_path", &e.metadata_path);
            string_field(&mut out, 1, "bookmarks_path", &e.bookmarks_path);
            for d in &e.tensor_shape {
                let _ = writeln!(out, "  tensor_shape: {d}");
            }
            if let Some(s) = &e.sprite {
                out.push_str("  sprite {\n");
                string_field(&mut out, 2, "image_path", &s.image_path);
                for d in &s.single_image_dim {
                    let _ = writeln!(out, "    single_image_dim: {d}");
                }
                out.push_str("  }\n");
            }
            string_field(&mut out, 1, "tensor_path", &e.tensor_path);
            out.push_str("}\n");
        }
        string_field(
            &mut out,
            0,
            "model_checkpoint_dir",
            &self.model_checkpoint_dir,
        );
        out
    }

    /// Parses `text` (see the module doc for the syntax accepted).
    pub fn parse(text: &str) -> Result<ProjectorConfig, ParseError> {
        let mut p = Parser::new(text);
        let mut config = ProjectorConfig::default();
        let mut seen = Seen::default();
        while let Some(name) = p.field_name()? {
            match name.as_str() {
                "model_checkpoint_path" => {
                    seen.once(&p, &name)?;
                    config.model_checkpoint_path = p.string_value()?;
                }
                "model_checkpoint_dir" => {
                    seen.once(&p, &name)?;
                    config.model_checkpoint_dir = p.string_value()?;
                }
                "embeddings" => config.embeddings.push(p.message(embedding_field)?),
                _ => return Err(p.unknown(&name, "ProjectorConfig")),
            }
            p.separator();
        }
        Ok(config)
    }
}

fn embedding_field(
    p: &mut Parser<'_>,
    e: &mut EmbeddingInfo,
    seen: &mut Seen,
    name: &str,
) -> Result<(), ParseError> {
    match name {
        "tensor_name" | "metadata_path" | "bookmarks_path" | "tensor_path" => {
            seen.once(p, name)?;
            let value = p.string_value()?;
            *match name {
                "tensor_name" => &mut e.tensor_name,
                "metadata_path" => &mut e.metadata_path,
                "bookmarks_path" => &mut e.bookmarks_path,
                _ => &mut e.tensor_path,
            } = value;
        }
        "tensor_shape" => p.numbers(&mut e.tensor_shape)?,
        "sprite" => {
            seen.once(p, name)?;
            e.sprite = Some(p.message(sprite_field)?);
        }
        _ => return Err(p.unknown(name, "EmbeddingInfo")),
    }
    Ok(())
}

fn sprite_field(
    p: &mut Parser<'_>,
    s: &mut SpriteMetadata,
    seen: &mut Seen,
    name: &str,
) -> Result<(), ParseError> {
    match name {
        "image_path" => {
            seen.once(p, name)?;
            s.image_path = p.string_value()?;
        }
        "single_image_dim" => p.numbers(&mut s.single_image_dim)?,
        _ => return Err(p.unknown(name, "SpriteMetadata")),
    }
    Ok(())
}

/// `  name: "escaped"\n` at `depth`, unless `value` is empty (proto3 leaves it out).
fn string_field(out: &mut String, depth: usize, name: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push_str(name);
    out.push_str(": \"");
    for c in value.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 32 || c as u32 == 127 => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push_str("\"\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> ProjectorConfig {
        ProjectorConfig {
            embeddings: vec![
                EmbeddingInfo {
                    tensor_name: "hidden:00010".into(),
                    metadata_path: "projector/hidden-10/metadata.tsv".into(),
                    tensor_shape: vec![3, 2],
                    sprite: Some(SpriteMetadata {
                        image_path: "projector/hidden-10/sprite.png".into(),
                        single_image_dim: vec![28, 28],
                    }),
                    tensor_path: "projector/hidden-10/tensors.tsv".into(),
                    ..Default::default()
                },
                EmbeddingInfo {
                    tensor_name: "we\"ird\\ 'tag'\t\u{e9}\u{2028}\u{1}:00000".into(),
                    tensor_shape: vec![1, 1],
                    tensor_path: "projector/we_ird_tag-0/tensors.tsv".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    /// `text_format.MessageToString(c)` of the same `ProjectorConfig`, built field by
    /// field in the venv's Python (protobuf 7.36, TensorBoard 2.21's
    /// `projector_config_pb2`), printed with `repr`.
    const PYTHON: &str = "embeddings {\n  tensor_name: \"hidden:00010\"\n  metadata_path: \
        \"projector/hidden-10/metadata.tsv\"\n  tensor_shape: 3\n  tensor_shape: 2\n  sprite {\n    \
        image_path: \"projector/hidden-10/sprite.png\"\n    single_image_dim: 28\n    \
        single_image_dim: 28\n  }\n  tensor_path: \"projector/hidden-10/tensors.tsv\"\n}\n\
        embeddings {\n  tensor_name: \"we\\\"ird\\\\ \\'tag\\'\\t\u{e9}\u{2028}\\001:00000\"\n  \
        tensor_shape: 1\n  tensor_shape: 1\n  tensor_path: \"projector/we_ird_tag-0/tensors.tsv\"\n}\n";

    #[test]
    fn text_matches_python_text_format() {
        assert_eq!(example().to_text(), PYTHON);
    }

    #[test]
    fn what_we_write_reads_back() {
        assert_eq!(ProjectorConfig::parse(&example().to_text()), Ok(example()));
        let mut c = example();
        c.model_checkpoint_path = "ckpt\u{7f}".into();
        c.model_checkpoint_dir = "d".into();
        c.embeddings[0].bookmarks_path = "b.txt".into();
        assert!(c
            .to_text()
            .starts_with("model_checkpoint_path: \"ckpt\\177\"\n"));
        assert_eq!(ProjectorConfig::parse(&c.to_text()), Ok(c));
    }

    #[test]
    fn reads_the_syntax_python_accepts() {
        // The same input gave, in Python's text_format.Parse: model_checkpoint_path "ab",
        // tensor_name "xAAé", tensor_shape [1, 2], single_image_dim [3, 4].
        let text = "# comment\nmodel_checkpoint_path: 'a' \"b\"\nembeddings < tensor_name: \
                    \"x\\x41\\101\\u00e9\" tensor_shape: [1, 0x2] ; sprite { single_image_dim: 3, \
                    single_image_dim: 4 } >\n";
        let c = ProjectorConfig::parse(text).unwrap();
        assert_eq!(c.model_checkpoint_path, "ab");
        let e = &c.embeddings[0];
        assert_eq!(e.tensor_name, "xAA\u{e9}");
        assert_eq!(e.tensor_shape, [1, 2]);
        assert_eq!(e.sprite.as_ref().unwrap().single_image_dim, [3, 4]);
        assert_eq!(ProjectorConfig::parse(""), Ok(ProjectorConfig::default()));
        assert_eq!(
            ProjectorConfig::parse("embeddings: { }")
                .unwrap()
                .embeddings,
            [EmbeddingInfo::default()]
        );
    }

    #[test]
    fn what_we_cannot_read_whole_is_an_error_with_its_line() {
        for (text, line, message) in [
            ("\nfoo: 1", 2, "ProjectorConfig has no field \"foo\""),
            (
                "embeddings {\n tensor_name: \"a\"\n tensor_name: \"b\" }",
                3,
                "field \"tensor_name\" is given twice",
            ),
            (
                "embeddings {\n  bad: 1 }",
                2,
                "EmbeddingInfo has no field \"bad\"",
            ),
            (
                "embeddings {\n  tensor_name: \"a",
                2,
                "a string is not closed",
            ),
            ("embeddings {", 1, "expected '}' before the end"),
            (
                "embeddings { tensor_shape: -1 }",
                1,
                "\"-1\" is not a uint32",
            ),
            (
                "embeddings { tensor_shape: 4294967296 }",
                1,
                "\"4294967296\" is not a uint32",
            ),
            (
                "embeddings { tensor_name: \"\\xff\" }",
                1,
                "a string is not UTF-8",
            ),
            (
                "embeddings { tensor_name: \"\\q\" }",
                1,
                "unknown escape '\\q'",
            ),
            ("model_checkpoint_path 'a'", 1, "expected ':', found '\\''"),
            ("{", 1, "expected a field name, found '{'"),
        ] {
            assert_eq!(
                ProjectorConfig::parse(text),
                Err(ParseError {
                    line,
                    message: message.to_string()
                }),
                "{text:?}"
            );
        }
    }
}
