//! CSV fields streamed from a reader, with the line each record starts on: csv's own
//! parser (`csv-core`) into a fixed buffer, so a field longer than
//! [`MAX_FIELD_BYTES`] is refused after reading that much of it, never held whole.

use std::io::BufRead;
use std::path::Path;

use csv_core::ReadFieldResult;

use super::{Error, MAX_FIELD_BYTES};

/// The field buffer's size: one byte more than a field may hold.
const FIELD_BUFFER: usize = MAX_FIELD_BYTES + 1;
/// A UTF-8 byte-order mark, skipped at the start of a stream.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// A CSV stream read field by field, with line numbers.
pub(super) struct Fields<'a, R> {
    path: &'a Path,
    input: R,
    parser: csv_core::Reader,
    /// One byte more than a field may hold: filling it means the field is too long.
    field: Box<[u8; FIELD_BUFFER]>,
    lines: Lines,
}

impl<'a, R: BufRead> Fields<'a, R> {
    /// The stream, past a UTF-8 byte-order mark if it starts with one.
    pub(super) fn new(path: &'a Path, mut input: R) -> Result<Self, Error> {
        let starts_with_bom = input
            .fill_buf()
            .map_err(|e| read_error(path, 1, e.to_string()))?
            .starts_with(BOM);
        if starts_with_bom {
            input.consume(BOM.len());
        }
        Ok(Fields {
            path,
            input,
            parser: csv_core::Reader::new(),
            field: Box::new([0; FIELD_BUFFER]),
            lines: Lines::default(),
        })
    }

    /// Reads the next record, handing each field (trimmed) to `each` with its 0-based
    /// index; returns the line the record starts on and its number of fields, or `None`
    /// at the end. Blank lines are skipped (and counted), as the parser skips them.
    pub(super) fn next_record(
        &mut self,
        mut each: impl FnMut(usize, &str),
    ) -> Result<Option<(u64, usize)>, Error> {
        self.skip_line_ends()?;
        let line = self.lines.line;
        let mut count = 0usize;
        let mut len = 0usize;
        loop {
            let input = self
                .input
                .fill_buf()
                .map_err(|e| read_error(self.path, line, e.to_string()))?;
            let at_end = input.is_empty();
            let out = self.field.get_mut(len..).unwrap_or(&mut []);
            let (result, nin, nout) = self.parser.read_field(input, out);
            self.lines.count(input.get(..nin).unwrap_or(&[]));
            self.input.consume(nin);
            len += nout;
            match result {
                ReadFieldResult::InputEmpty if !at_end => {}
                ReadFieldResult::OutputFull => {
                    return Err(Error::FieldTooLong {
                        path: self.path.to_path_buf(),
                        line,
                        column: count + 1,
                    })
                }
                ReadFieldResult::Field { record_end } => {
                    let bytes = self.field.get(..len).unwrap_or(&[]);
                    let text = std::str::from_utf8(bytes)
                        .map_err(|e| read_error(self.path, line, format!("not UTF-8 ({e})")))?;
                    each(count, text.trim());
                    count += 1;
                    len = 0;
                    if record_end {
                        return Ok(Some((line, count)));
                    }
                }
                ReadFieldResult::End | ReadFieldResult::InputEmpty => {
                    return Ok((count > 0).then_some((line, count)));
                }
            }
        }
    }

    /// Consumes the line ends before a record, counting them.
    fn skip_line_ends(&mut self) -> Result<(), Error> {
        loop {
            let input = self
                .input
                .fill_buf()
                .map_err(|e| read_error(self.path, self.lines.line, e.to_string()))?;
            let ends = input
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            self.lines.count(input.get(..ends).unwrap_or(&[]));
            let more = ends > 0 && ends == input.len();
            self.input.consume(ends);
            if !more {
                return Ok(());
            }
        }
    }
}

/// A running 1-based line count: a CR, an LF or a CRLF ends a line, as the parser's
/// record terminator (`csv_core::Terminator::CRLF`) splits records.
#[derive(Debug)]
struct Lines {
    line: u64,
    after_cr: bool,
}

impl Default for Lines {
    fn default() -> Self {
        Lines {
            line: 1,
            after_cr: false,
        }
    }
}

impl Lines {
    /// Counts the line ends in the next bytes of the stream.
    fn count(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\r' => self.line += 1,
                b'\n' if !self.after_cr => self.line += 1,
                _ => {}
            }
            self.after_cr = b == b'\r';
        }
    }
}

pub(super) fn read_error(path: &Path, line: u64, message: String) -> Error {
    Error::Read {
        path: path.to_path_buf(),
        line,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn line_counts_split_crlf_across_reads() {
        let mut lines = Lines::default();
        for chunk in [&b"a\r"[..], b"\nb\r", b"", b"\r\n", b"\n"] {
            lines.count(chunk);
        }
        assert_eq!(lines.line, 5);
        // And through a reader handing out one byte at a time.
        let text = b"1,2,0\r\n3,4,1\r\n\r\n5,6,x\r\n";
        let reader = BufReader::with_capacity(1, &text[..]);
        let mut fields = Fields::new(Path::new("f"), reader).unwrap();
        let mut lines = Vec::new();
        while let Some((line, n)) = fields.next_record(|_, _| {}).unwrap() {
            lines.push((line, n));
        }
        assert_eq!(lines, [(1, 3), (2, 3), (4, 3)]);
    }
}
