//! How export writes a row: CSV (RFC 4180 quoting) or JSON Lines, numbers exact.
//!
//! - A float32 is written as the shortest text that reads back as the same float32
//!   (`0.1`, not `0.10000000149011612`), a float64 likewise; non-finite values are
//!   `nan`, `inf` and `-inf` (in JSON, as strings: `"nan"`, JSON has no such numbers).
//! - A CSV field is quoted when it holds `,`, `"`, CR or LF, with `"` doubled; names
//!   and texts are written byte for byte (a run directory's name need not be UTF-8: its
//!   bytes are written as they are). Records end with LF.
//! - A JSON string escapes `"`, `\` and the controls; a byte that is not part of UTF-8
//!   is written `\udcNN` (U+DC00 + the byte, Python's `surrogateescape`): Python's
//!   `json.loads` then `os.fsencode` give the original bytes back.
//! - With `terminal`, names and texts are first made safe to print
//!   ([`crate::escape::for_terminal`]): used when standard output is a terminal.

use std::io::{self, Write};

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

/// A number for a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    I64(i64),
    F32(f32),
    F64(f64),
}

/// Writes rows of named columns.
pub(crate) struct RowWriter<W: Write> {
    out: W,
    format: Format,
    terminal: bool,
    columns: Vec<String>,
    /// Reused text buffers.
    ryu: ryu::Buffer,
    itoa: itoa::Buffer,
}

/// A field of a row: text given as bytes (already encoded with [`RowWriter::text`]) or
/// a number.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'a> {
    Encoded(&'a [u8]),
    Num(Num),
    /// `true` or `false`, in both formats.
    Bool(bool),
    /// No value: an empty CSV field, JSON `null`.
    Null,
}

impl<W: Write> RowWriter<W> {
    pub fn new(out: W, format: Format, terminal: bool) -> Self {
        RowWriter {
            out,
            format,
            terminal,
            columns: Vec::new(),
            ryu: ryu::Buffer::new(),
            itoa: itoa::Buffer::new(),
        }
    }

    /// Sets the columns; CSV writes its header row.
    pub fn columns(&mut self, columns: &[&str]) -> io::Result<()> {
        self.columns = columns.iter().map(|c| c.to_string()).collect();
        if self.format == Format::Csv {
            let encoded: Vec<Vec<u8>> = columns.iter().map(|c| self.text(c.as_bytes())).collect();
            for (i, c) in encoded.iter().enumerate() {
                if i > 0 {
                    self.out.write_all(b",")?;
                }
                self.out.write_all(c)?;
            }
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// A text field encoded once, to be written in many rows.
    pub fn text(&self, bytes: &[u8]) -> Vec<u8> {
        let safe;
        let bytes = if self.terminal {
            safe = crate::escape::for_terminal(&crate::inspect::text_of_bytes(bytes)).into_owned();
            safe.as_bytes()
        } else {
            bytes
        };
        match self.format {
            Format::Csv => csv_field(bytes),
            Format::JsonLines => json_string(bytes),
        }
    }

    /// Writes one row; `fields` are in the order of the columns.
    pub fn row(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        let json = self.format == Format::JsonLines;
        if json {
            self.out.write_all(b"{")?;
        }
        for (i, field) in fields.iter().enumerate() {
            if json {
                if i > 0 {
                    self.out.write_all(b",")?;
                }
                let name = self.columns.get(i).map_or("", String::as_str);
                self.out.write_all(&json_string(name.as_bytes()))?;
                self.out.write_all(b":")?;
            } else if i > 0 {
                self.out.write_all(b",")?;
            }
            match *field {
                Field::Encoded(bytes) => self.out.write_all(bytes)?,
                Field::Num(n) => self.number(n, json)?,
                Field::Bool(b) => self.out.write_all(if b { b"true" } else { b"false" })?,
                Field::Null if json => self.out.write_all(b"null")?,
                Field::Null => {}
            }
        }
        self.out.write_all(if json { b"}\n" } else { b"\n" })
    }

    fn number(&mut self, n: Num, json: bool) -> io::Result<()> {
        let finite = |x: f64| -> Option<&'static str> {
            if x.is_nan() {
                Some("nan")
            } else if x == f64::INFINITY {
                Some("inf")
            } else if x == f64::NEG_INFINITY {
                Some("-inf")
            } else {
                None
            }
        };
        let special = match n {
            Num::I64(_) => None,
            Num::F32(x) => finite(f64::from(x)),
            Num::F64(x) => finite(x),
        };
        if let Some(word) = special {
            return if json {
                write!(self.out, "\"{word}\"")
            } else {
                self.out.write_all(word.as_bytes())
            };
        }
        let text = match n {
            Num::I64(x) => self.itoa.format(x),
            Num::F32(x) => self.ryu.format_finite(x),
            Num::F64(x) => self.ryu.format_finite(x),
        };
        self.out.write_all(text.as_bytes())
    }

    /// Flushes and gives the sink back.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `bytes` as one CSV field (RFC 4180).
pub(crate) fn csv_field(bytes: &[u8]) -> Vec<u8> {
    if !bytes
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'"');
    for &b in bytes {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
    out
}

/// `bytes` as one JSON string (see the module doc for bytes that are not UTF-8).
pub(crate) fn json_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                c if u32::from(c) < 0x20 => {
                    out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes())
                }
                c => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        for &b in chunk.invalid() {
            out.extend_from_slice(format!("\\udc{b:02x}").as_bytes());
        }
    }
    out.push(b'"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(format: Format, terminal: bool) -> String {
        let mut w = RowWriter::new(Vec::new(), format, terminal);
        w.columns(&["run", "tag", "step", "wall_time", "value"])
            .unwrap();
        let run = w.text(b"r\xff,\"x\"");
        let tag = w.text("a\nb\x1b".as_bytes());
        for (step, v) in [
            (0, 0.1f32),
            (-3, f32::NAN),
            (7, f32::INFINITY),
            (8, -f32::INFINITY),
        ] {
            w.row(&[
                Field::Encoded(&run),
                Field::Encoded(&tag),
                Field::Num(Num::I64(step)),
                Field::Num(Num::F64(1.7e9 + 0.25)),
                Field::Num(Num::F32(v)),
            ])
            .unwrap();
        }
        String::from_utf8_lossy(&w.finish().unwrap()).into_owned()
    }

    #[test]
    fn csv_quotes_and_keeps_bytes() {
        let mut w = RowWriter::new(Vec::new(), Format::Csv, false);
        let run = w.text(b"r\xff,\"x\"");
        assert_eq!(run, b"\"r\xff,\"\"x\"\"\"");
        w.columns(&["a"]).unwrap();
        assert_eq!(
            rows(Format::Csv, false),
            "run,tag,step,wall_time,value\n\
             \"r\u{fffd},\"\"x\"\"\",\"a\nb\x1b\",0,1700000000.25,0.1\n\
             \"r\u{fffd},\"\"x\"\"\",\"a\nb\x1b\",-3,1700000000.25,nan\n\
             \"r\u{fffd},\"\"x\"\"\",\"a\nb\x1b\",7,1700000000.25,inf\n\
             \"r\u{fffd},\"\"x\"\"\",\"a\nb\x1b\",8,1700000000.25,-inf\n"
        );
        // On a terminal: the controls and the byte are visible escapes.
        assert!(rows(Format::Csv, true).contains("\"r\\xff,\"\"x\"\"\",a\\nb\\x1b,0,"));
    }

    #[test]
    fn json_lines_escape_and_spell_non_finite_values_as_strings() {
        let text = rows(Format::JsonLines, false);
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            r#"{"run":"r\udcff,\"x\"","tag":"a\nb\u001b","step":0,"wall_time":1700000000.25,"value":0.1}"#
        );
        assert!(text.contains(r#""value":"nan"}"#));
        assert!(text.contains(r#""value":"-inf"}"#));
        assert_eq!(text.lines().count(), 4);
    }

    #[test]
    fn float32_texts_read_back_as_the_same_float32() {
        let mut w = RowWriter::new(Vec::new(), Format::Csv, false);
        for bits in [
            1u32,
            0x3dcc_cccd,
            0x7f7f_ffff,
            0x8000_0000,
            0x0080_0000,
            0x4049_0fdb,
        ] {
            let x = f32::from_bits(bits);
            w.row(&[Field::Num(Num::F32(x))]).unwrap();
        }
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        let back: Vec<u32> = out
            .lines()
            .map(|l| l.parse::<f32>().unwrap().to_bits())
            .collect();
        assert_eq!(
            back,
            [
                1,
                0x3dcc_cccd,
                0x7f7f_ffff,
                0x8000_0000,
                0x0080_0000,
                0x4049_0fdb
            ]
        );
        assert!(out.starts_with("1e-45\n0.1\n3.4028235e38\n-0.0\n"), "{out}");
    }
}
