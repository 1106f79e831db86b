//! The order TensorBoard's dashboards list tags in: numbers inside names compare as
//! numbers (`layer2` before `layer10`), and `/`, `_` and digits break a name into parts
//! that sort before any other character (`a/b` before `a+/b`).
//!
//! This is `compareTagNames` of TensorBoard's frontend (`webapp/metrics/utils.ts`, the
//! same as `components/vz_sorting/sorting.ts`), rewritten: characters compare as
//! JavaScript compares strings, by UTF-16 code unit; a number is the longest run
//! `digits[.digits][e[+-]digits]` read as JavaScript's `Number()` reads it (`1e` is
//! NaN, which is neither less nor greater than anything).

use std::cmp::Ordering;

/// TensorBoard's tag order (see the module doc). Runs are listed in this order too.
pub fn compare_tag_names(a: &str, b: &str) -> Ordering {
    let a: Vec<u16> = a.encode_utf16().collect();
    let b: Vec<u16> = b.encode_utf16().collect();
    let (mut ai, mut bi) = (0, 0);
    loop {
        let (Some(&ca), Some(&cb)) = (a.get(ai), b.get(bi)) else {
            return match (ai >= a.len(), bi >= b.len()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                _ => Ordering::Greater,
            };
        };
        if is_digit(ca) && is_digit(cb) {
            let (a_start, b_start) = (ai, bi);
            ai = consume_number(&a, ai + 1);
            bi = consume_number(&b, bi + 1);
            let an = number(&a[a_start..ai]);
            let bn = number(&b[b_start..bi]);
            if an < bn {
                return Ordering::Less;
            }
            if an > bn {
                return Ordering::Greater;
            }
            continue;
        }
        if is_break(ca) {
            if !is_break(cb) {
                return Ordering::Less;
            }
        } else if is_break(cb) {
            return Ordering::Greater;
        } else if ca != cb {
            return ca.cmp(&cb);
        }
        ai += 1;
        bi += 1;
    }
}

fn is_digit(c: u16) -> bool {
    (u16::from(b'0')..=u16::from(b'9')).contains(&c)
}

fn is_break(c: u16) -> bool {
    c == u16::from(b'/') || c == u16::from(b'_') || is_digit(c)
}

/// The end of the number starting before `i` (the frontend's `consumeNumber`).
fn consume_number(s: &[u16], mut i: usize) -> usize {
    #[derive(PartialEq)]
    enum State {
        Natural,
        Real,
        ExponentSign,
        Exponent,
    }
    let is = |c: u16, ch: u8| c == u16::from(ch);
    let mut state = State::Natural;
    while let Some(&c) = s.get(i) {
        match state {
            State::Natural if is(c, b'.') => state = State::Real,
            State::Natural | State::Real if is(c, b'e') || is(c, b'E') => {
                state = State::ExponentSign
            }
            State::Natural | State::Real if !is_digit(c) => break,
            State::ExponentSign if is_digit(c) || is(c, b'+') || is(c, b'-') => {
                state = State::Exponent
            }
            State::ExponentSign => break,
            State::Exponent if !is_digit(c) => break,
            _ => {}
        }
        i += 1;
    }
    i
}

/// JavaScript's `Number(text)` for the texts `consume_number` delimits: ASCII digits,
/// `.`, `e`, signs. What Rust cannot parse (`1e`, `1e+`) is NaN, as in JavaScript.
fn number(text: &[u16]) -> f64 {
    let text: String = text
        .iter()
        .filter_map(|&c| char::from_u32(u32::from(c)))
        .collect();
    text.parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| compare_tag_names(a, b));
        v
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert_eq!(
            sorted(&["layer10", "layer2", "layer1", "layer0/weights", "cost"]),
            ["cost", "layer0/weights", "layer1", "layer2", "layer10"]
        );
        assert_eq!(sorted(&["a10b", "a2b", "a2a"]), ["a2a", "a2b", "a10b"]);
        // Fixed point and exponents: 1.5 < 2 < 1e1 = 10.
        assert_eq!(sorted(&["x1e1", "x2", "x1.5"]), ["x1.5", "x2", "x1e1"]);
        // Leading zeros: 007 = 7 < 10; equal numbers go on to the rest.
        assert_eq!(sorted(&["n10", "n007b", "n7a"]), ["n7a", "n007b", "n10"]);
    }

    #[test]
    fn slashes_and_underscores_break_before_other_characters() {
        // '+' (0x2b) < '/' (0x2f) in ASCII, but a break sorts first.
        assert_eq!(sorted(&["a+/a", "a/a"]), ["a/a", "a+/a"]);
        assert_eq!(sorted(&["a_b", "a-b", "ab"]), ["a_b", "a-b", "ab"]);
        // A prefix sorts first.
        assert_eq!(sorted(&["loss/train", "loss"]), ["loss", "loss/train"]);
    }

    #[test]
    fn a_number_that_javascript_reads_as_nan_is_neither_less_nor_greater() {
        // "1e" is NaN: the comparison goes on after it, as in the frontend.
        assert_eq!(compare_tag_names("x1ea", "x2eb"), Ordering::Less);
        assert_eq!(compare_tag_names("x1e", "x1e"), Ordering::Equal);
    }

    #[test]
    fn characters_compare_by_utf16_code_unit_as_in_javascript() {
        // U+FF5E is one unit 0xFF5E; U+1F600 is the surrogate pair 0xD83D 0xDE00:
        // JavaScript puts the emoji first, code-point order would not.
        assert_eq!(compare_tag_names("\u{1F600}", "\u{FF5E}"), Ordering::Less);
        assert_eq!(compare_tag_names("B", "a"), Ordering::Less);
    }
}
