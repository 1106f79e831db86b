//! The set of tags a writer has written: asked on every call (a description must go on a
//! tag's first event, and a late description is an error), so asking is made cheap.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The tags a writer has written, asked on every call, so asking is made cheap for the
/// common case of a loop passing the same string (a literal, or a `String` kept for the
/// run) each time: a small table remembers, by the string's address, which tag was last
/// seen there, and a hit costs one comparison of the bytes (never trusted without it: a
/// freed string's address can come back holding another tag). A miss asks the set.
#[derive(Debug, Default)]
pub(super) struct SeenTags {
    set: HashMap<Box<str>, u32, BuildHasherDefault<TagHasher>>,
    /// Every tag, by its index in `set`.
    tags: Vec<Box<str>>,
    /// `(address, index + 1)` of recently asked strings; 0 is empty.
    recent: [(usize, u32); SeenTags::RECENT],
}

impl SeenTags {
    const RECENT: usize = 32;

    fn slot(tag: &str) -> usize {
        let addr = tag.as_ptr() as usize;
        ((addr >> 3) ^ (addr >> 11) ^ tag.len()) % Self::RECENT
    }

    /// Whether `tag` was seen (without recording it).
    pub(super) fn contains(&self, tag: &str) -> bool {
        self.set.contains_key(tag)
    }

    /// Records `tag`; returns whether it had been seen before.
    #[inline]
    pub(super) fn check_in(&mut self, tag: &str) -> bool {
        let slot = Self::slot(tag);
        let (addr, index) = self.recent[slot];
        if addr == tag.as_ptr() as usize && index > 0 {
            if let Some(known) = self.tags.get(index as usize - 1) {
                if **known == *tag {
                    return true;
                }
            }
        }
        self.check_in_slow(tag, slot)
    }

    /// [`Self::check_in`] when the table does not know the string.
    #[cold]
    #[inline(never)]
    fn check_in_slow(&mut self, tag: &str, slot: usize) -> bool {
        let (seen, index) = match self.set.get(tag) {
            Some(&index) => (true, index),
            None => {
                let index = self.tags.len() as u32;
                self.tags.push(Box::from(tag));
                self.set.insert(Box::from(tag), index);
                (false, index)
            }
        };
        self.recent[slot] = (tag.as_ptr() as usize, index + 1);
        seen
    }
}

/// A fast hash for the set of tags seen (a multiply and a rotate per 8 bytes): tags come
/// from the program, not from an adversary, and `add_scalar` looks one up on every call.
#[derive(Debug, Default, Clone, Copy)]
struct TagHasher(u64);

impl TagHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for TagHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ (rest.len() as u64) << 59);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_tags_are_told_apart_even_at_a_reused_address() {
        let mut seen = SeenTags::default();
        assert!(!seen.check_in("loss"));
        assert!(seen.check_in("loss"));
        let mut buf = String::with_capacity(16);
        buf.push_str("layer1");
        assert!(!seen.check_in(&buf));
        assert!(seen.check_in(&buf));
        // Same address and length, other bytes: not taken for the tag seen there before.
        buf.clear();
        buf.push_str("layer2");
        assert!(!seen.check_in(&buf));
        assert!(seen.contains("layer1") && seen.contains("layer2") && !seen.contains("x"));
        // More tags than the table has slots.
        let many: Vec<String> = (0..200).map(|i| format!("t{i}")).collect();
        for t in &many {
            assert!(!seen.check_in(t));
        }
        for t in &many {
            assert!(seen.check_in(t));
            assert!(seen.check_in(&t.clone()));
        }
    }

    #[test]
    fn tag_hasher_tells_tags_apart() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<TagHasher>::default();
        let tags = [
            "a",
            "b",
            "ab",
            "grad_norm/layer1",
            "grad_norm/layer11",
            "",
            "abcdefgh",
        ];
        let hashes: std::collections::HashSet<u64> =
            tags.iter().map(|t| build.hash_one(t)).collect();
        assert_eq!(hashes.len(), tags.len());
    }
}
