//! Text from files, made safe to print on a terminal.
//!
//! A tag, a run name, an hparam value or a CSV field is whatever bytes a file held: an
//! ESC starts a sequence that moves the cursor or recolours the screen, a CR or a
//! backspace overwrites what was printed, a newline fakes a line of our own output, and
//! the bidirectional overrides (U+202A to U+202E, U+2066 to U+2069) reorder what
//! follows. [`for_terminal`] writes each such character as a visible escape (`\x1b`,
//! `\r`, `\u{202e}`) and leaves everything else as it is; it is the one function every
//! printed text from a file goes through.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` can change what a terminal shows beyond printing itself: C0 controls,
/// DEL, C1 controls, and the bidirectional embeddings, overrides, isolates and marks.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every [unsafe](is_unsafe) character escaped, newlines included: the
/// result is one line that prints as it reads. Borrowed when nothing needed escaping.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// Like [`for_terminal`] for a text of several lines: `\n` is kept (as a line break),
/// every other unsafe character is escaped.
pub fn lines_for_terminal(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_here = |c: char| is_unsafe(c) && !(keep_newlines && c == '\n');
    if !text.chars().any(unsafe_here) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !unsafe_here(c) {
            out.push(c);
            continue;
        }
        let _ = match c {
            '\n' => out.write_str("\\n"),
            '\r' => out.write_str("\\r"),
            '\t' => out.write_str("\\t"),
            c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32),
            c => write!(out, "\\u{{{:x}}}", c as u32),
        };
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert_eq!(
            for_terminal("a\x1b[2J\x1b]0;t\x07b"),
            "a\\x1b[2J\\x1b]0;t\\x07b"
        );
        assert_eq!(
            for_terminal("ok\rfake\x08\x7f\tz\n"),
            "ok\\rfake\\x08\\x7f\\tz\\n"
        );
        assert_eq!(for_terminal("\u{9b}31m\u{85}"), "\\u{9b}31m\\u{85}");
        assert_eq!(
            for_terminal("x\u{202e}gnp.exe\u{2066}\u{2069}\u{202a}"),
            "x\\u{202e}gnp.exe\\u{2066}\\u{2069}\\u{202a}"
        );
        assert_eq!(for_terminal("\u{200f}\u{061c}"), "\\u{200f}\\u{61c}");
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in [
            "cost",
            "grad_norm/layer1",
            "act=relu,seed=3",
            "é ü 日本 ∇",
            "",
        ] {
            assert!(matches!(for_terminal(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn lines_keep_their_breaks_only() {
        assert_eq!(lines_for_terminal("a\nb\x1b[1A\r\n"), "a\nb\\x1b[1A\\r\n");
    }
}
