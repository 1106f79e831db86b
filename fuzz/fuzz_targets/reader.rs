//! Feeds arbitrary bytes to `EventReader` as if they were an event file.
//!
//! Besides "no panic, no runaway allocation" (a length field may claim up to 2^64 bytes),
//! it checks what the reader promises: items in increasing offset order, every offset
//! inside the input, a fatal problem only as the last item, and at most one item per
//! 16 bytes (the smallest record) plus a final truncation.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tbtrain::EventReader;

fuzz_target!(|data: &[u8]| {
    let len = data.len() as u64;
    let mut previous: Option<u64> = None;
    let mut items = 0u64;
    let mut stopped = false;
    for item in EventReader::new(data) {
        assert!(!stopped, "an item after a fatal problem");
        items += 1;
        let offset = match item {
            Ok((offset, _event)) => offset,
            Err(e) => {
                stopped = e.problem.is_fatal();
                e.problem.offset()
            }
        };
        assert!(offset < len, "offset {offset} outside {len} bytes");
        if let Some(p) = previous {
            assert!(offset > p, "offset {offset} after {p}");
        }
        previous = Some(offset);
    }
    assert!(items <= len / 16 + 1, "{items} items from {len} bytes");
});
