//! Run directory names: the varied settings and the seed as `key=value` pairs joined by
//! `,` (`act=relu,depth=11,seed=3`), values as on the command line with any byte outside
//! `A-Z a-z 0-9 . _ + -` escaped as `%XX`, so names are filesystem-safe, readable, and
//! parse back ([`parse_run_name`]).

use crate::train::Setting;

/// The directory name of a run with these `(setting, value)` pairs.
pub fn run_name(pairs: &[(Setting, String)]) -> String {
    let mut name = String::new();
    for (i, (setting, value)) in pairs.iter().enumerate() {
        if i > 0 {
            name.push(',');
        }
        name.push_str(setting.key());
        name.push('=');
        escape_into(value, &mut name);
    }
    name
}

/// The `(setting, value)` pairs of a run name made by [`run_name`], or `None` if `name`
/// is not one.
pub fn parse_run_name(name: &str) -> Option<Vec<(Setting, String)>> {
    name.split(',')
        .map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((Setting::from_key(key)?, unescape(value)?))
        })
        .collect()
}

fn is_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"._+-".contains(&byte)
}

fn escape_into(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if is_plain(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

fn unescape(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = tail.get(..2)?;
            let hex = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = tail.get(2..)?;
        } else if is_plain(b) {
            bytes.push(b);
            rest = tail;
        } else {
            return None;
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_escape_unsafe_bytes_and_parse_back() {
        let pairs = vec![
            (Setting::Dataset, "csv:data/x,y=1 %.csv".to_string()),
            (Setting::Lr, "0.001".to_string()),
            (Setting::Seed, "3".to_string()),
        ];
        let name = run_name(&pairs);
        assert_eq!(
            name,
            "dataset=csv%3Adata%2Fx%2Cy%3D1%20%25.csv,lr=0.001,seed=3"
        );
        assert_eq!(parse_run_name(&name).unwrap(), pairs);
        assert_eq!(parse_run_name("depth=2,bogus=1"), None);
        assert_eq!(parse_run_name("depth=%2"), None);
        assert_eq!(parse_run_name("depth=a/b"), None);
    }
}
