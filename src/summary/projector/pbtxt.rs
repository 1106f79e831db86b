//! The tokens of protobuf's text format, as Python's `text_format.Parse` reads them:
//! field names, `#` comments, `:`, messages in `{}` or `<>`, `,` or `;` after a field,
//! strings (single or double quotes, adjacent ones concatenated, C escapes: octal, `\x`,
//! `\u`, `\U`), and `uint32`s (decimal or `0x`, alone or as a `[a, b]` list). What a
//! field means is [`super::config`]'s business.

use super::config::ParseError;

/// Singular fields already given in the current message.
#[derive(Default)]
pub(super) struct Seen(Vec<String>);

impl Seen {
    pub(super) fn once(&mut self, p: &Parser<'_>, name: &str) -> Result<(), ParseError> {
        if self.0.iter().any(|n| n == name) {
            return Err(p.error(format!("field {name:?} is given twice")));
        }
        self.0.push(name.to_string());
        Ok(())
    }
}

pub(super) struct Parser<'a> {
    s: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str) -> Parser<'a> {
        Parser {
            s: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    pub(super) fn error(&self, message: String) -> ParseError {
        ParseError {
            line: self.line,
            message,
        }
    }

    pub(super) fn unknown(&self, name: &str, message: &str) -> ParseError {
        self.error(format!("{message} has no field {name:?}"))
    }

    /// Skips whitespace and `#` comments.
    fn skip(&mut self) {
        while let Some(&c) = self.s.get(self.at) {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {}
                b'#' => {
                    while self.s.get(self.at).is_some_and(|&c| c != b'\n') {
                        self.at += 1;
                    }
                    continue;
                }
                _ => return,
            }
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip();
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("{:?}", c as char)))
        }
    }

    /// "expected `what`, found ..." at the next token.
    fn unexpected(&mut self, what: &str) -> ParseError {
        let found = match self.peek() {
            None => "the end of the file".to_string(),
            Some(c) if c.is_ascii_graphic() => format!("{:?}", c as char),
            Some(c) => format!("byte 0x{c:02x}"),
        };
        self.error(format!("expected {what}, found {found}"))
    }

    /// The next field's name, or `None` at the end of the input.
    pub(super) fn field_name(&mut self) -> Result<Option<String>, ParseError> {
        match self.peek() {
            None => Ok(None),
            Some(_) => self.identifier().map(Some),
        }
    }

    pub(super) fn identifier(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        while self
            .s
            .get(self.at)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.at += 1;
        }
        if start == self.at || self.s[start].is_ascii_digit() {
            self.at = start;
            return Err(self.unexpected("a field name"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.at]).into_owned())
    }

    /// An optional `,` or `;` after a field.
    pub(super) fn separator(&mut self) {
        if !self.eat(b',') {
            self.eat(b';');
        }
    }

    /// `[:] { fields }` or `[:] < fields >`, each field handled by `field`.
    pub(super) fn message<T: Default>(
        &mut self,
        field: fn(&mut Self, &mut T, &mut Seen, &str) -> Result<(), ParseError>,
    ) -> Result<T, ParseError> {
        self.eat(b':');
        let close = if self.eat(b'{') {
            b'}'
        } else if self.eat(b'<') {
            b'>'
        } else {
            return Err(self.unexpected("'{' or '<'"));
        };
        let mut value = T::default();
        let mut seen = Seen::default();
        while !self.eat(close) {
            if self.peek().is_none() {
                return Err(self.error(format!("expected {:?} before the end", close as char)));
            }
            let name = self.identifier()?;
            field(self, &mut value, &mut seen, &name)?;
            self.separator();
        }
        Ok(value)
    }

    /// `: "a" 'b' ...` (adjacent strings are concatenated), as UTF-8.
    pub(super) fn string_value(&mut self) -> Result<String, ParseError> {
        self.expect(b':')?;
        let mut bytes = Vec::new();
        let mut any = false;
        while let Some(q @ (b'"' | b'\'')) = self.peek() {
            self.at += 1;
            self.string_body(q, &mut bytes)?;
            any = true;
        }
        if !any {
            return Err(self.unexpected("a string"));
        }
        String::from_utf8(bytes).map_err(|_| self.error("a string is not UTF-8".to_string()))
    }

    fn string_body(&mut self, quote: u8, out: &mut Vec<u8>) -> Result<(), ParseError> {
        loop {
            let Some(&c) = self.s.get(self.at) else {
                return Err(self.error("a string is not closed".to_string()));
            };
            self.at += 1;
            match c {
                b'\n' => return Err(self.error("a string is not closed on its line".to_string())),
                c if c == quote => return Ok(()),
                b'\\' => self.escape(out)?,
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), ParseError> {
        let Some(&c) = self.s.get(self.at) else {
            return Err(self.error("a string ends with '\\'".to_string()));
        };
        self.at += 1;
        let simple = match c {
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(11),
            b'\\' | b'\'' | b'"' | b'?' => Some(c),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            return Ok(());
        }
        let (radix, max_digits, first) = match c {
            b'0'..=b'7' => (8, 3, Some(c)),
            b'x' => (16, 2, None),
            b'u' => (16, 4, None),
            b'U' => (16, 8, None),
            _ => return Err(self.error(format!("unknown escape '\\{}'", c as char))),
        };
        let mut digits = String::new();
        digits.extend(first.map(char::from));
        while digits.len() < max_digits {
            match self.s.get(self.at) {
                Some(&d) if (d as char).is_digit(radix) => {
                    digits.push(d as char);
                    self.at += 1;
                }
                _ => break,
            }
        }
        let fixed = matches!(c, b'u' | b'U');
        if digits.is_empty() || (fixed && digits.len() != max_digits) {
            return Err(self.error(format!("escape '\\{}' needs digits", c as char)));
        }
        let value = u32::from_str_radix(&digits, radix)
            .map_err(|_| self.error(format!("bad escape '\\{}{digits}'", c as char)))?;
        if fixed {
            let ch = char::from_u32(value)
                .ok_or_else(|| self.error(format!("'\\{}{digits}' is no character", c as char)))?;
            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
        } else {
            // Octal up to \377 and hex up to \xff: one byte.
            out.push(
                u8::try_from(value).map_err(|_| self.error(format!("bad escape '\\{digits}'")))?,
            );
        }
        Ok(())
    }

    /// `: n` or `: [n, m, ...]`, appended to `out`.
    pub(super) fn numbers(&mut self, out: &mut Vec<u32>) -> Result<(), ParseError> {
        self.expect(b':')?;
        if !self.eat(b'[') {
            out.push(self.number()?);
            return Ok(());
        }
        if self.eat(b']') {
            return Ok(());
        }
        loop {
            out.push(self.number()?);
            if self.eat(b']') {
                return Ok(());
            }
            self.expect(b',')?;
        }
    }

    /// A `uint32`: decimal or `0x` hexadecimal.
    fn number(&mut self) -> Result<u32, ParseError> {
        self.skip();
        let start = self.at;
        while self
            .s
            .get(self.at)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-' || c == b'+')
        {
            self.at += 1;
        }
        let token = String::from_utf8_lossy(&self.s[start..self.at]).into_owned();
        let parsed = match token
            .strip_prefix("0x")
            .or_else(|| token.strip_prefix("0X"))
        {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None if token.len() > 1 && token.starts_with('0') => None,
            None => token.parse::<u32>().ok(),
        };
        match parsed {
            Some(n) => Ok(n),
            None if token.is_empty() => Err(self.unexpected("a number")),
            None => Err(self.error(format!("{token:?} is not a uint32"))),
        }
    }
}
