//! A run's name as bytes: directory names need not be UTF-8, and two runs whose names
//! differ only in such bytes are two runs.

use std::ffi::OsStr;
use std::fmt;

/// A run: its directory's path relative to the scanned path, `/`-separated, byte for
/// byte (`.` for the scanned path itself). Ordered by bytes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunName(Vec<u8>);

impl RunName {
    /// The scanned path itself: `.`.
    pub fn root() -> Self {
        RunName(b".".to_vec())
    }

    /// A name from bytes (`/`-separated).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        RunName(bytes.into())
    }

    /// One directory's name, as the operating system holds it.
    pub fn from_os(name: &OsStr) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            RunName(name.as_bytes().to_vec())
        }
        #[cfg(not(unix))]
        {
            RunName(name.to_string_lossy().into_owned().into_bytes())
        }
    }

    /// Whether this is the scanned path itself.
    pub fn is_root(&self) -> bool {
        self.0 == b"."
    }

    /// The subdirectory `sub` of this run's directory.
    pub fn join(&self, sub: &RunName) -> RunName {
        if self.is_root() {
            return sub.clone();
        }
        let mut bytes = self.0.clone();
        bytes.push(b'/');
        bytes.extend_from_slice(&sub.0);
        RunName(bytes)
    }

    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The name, when it is UTF-8 (TensorBoard's run name then).
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The name as text: UTF-8 as it is, every byte that is not part of UTF-8 as
    /// `\xNN` (so that two names that differ only there still read differently).
    pub fn to_text(&self) -> String {
        text_of_bytes(&self.0)
    }
}

/// `bytes` as text: valid UTF-8 as it is, every other byte as `\xNN`.
pub fn text_of_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

impl fmt::Display for RunName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for RunName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_text())
    }
}

#[cfg(feature = "json")]
impl serde::Serialize for RunName {
    /// The [text](RunName::to_text) of the name.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

impl From<&str> for RunName {
    fn from(name: &str) -> Self {
        RunName(name.as_bytes().to_vec())
    }
}

impl PartialEq<str> for RunName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for RunName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_join_and_show_bytes_that_are_not_utf8() {
        let a = RunName::from_bytes(b"r\xff".to_vec());
        let b = RunName::from_bytes(b"r\xfe".to_vec());
        assert_ne!(a, b);
        assert_eq!(a.to_text(), "r\\xff");
        assert_eq!(b.to_text(), "r\\xfe");
        assert_eq!(a.to_str(), None);
        assert_eq!(RunName::root().join(&a), a);
        assert_eq!(
            a.join(&RunName::from_bytes("é")).as_bytes(),
            b"r\xff/\xc3\xa9"
        );
        assert_eq!(RunName::root(), ".");
    }
}
