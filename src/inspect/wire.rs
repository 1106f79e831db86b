//! Reading an `Event` record without decoding all of it, for speed, with the same
//! result as decoding it.
//!
//! Most records of a training log are one event holding scalars (`wall_time`, `step`,
//! a `Summary` of values that are a tag, a `simple_value` and sometimes metadata
//! naming a plugin). [`with_event`] reads those straight from the record's bytes,
//! without an allocation, checking everything prost would check on them (wire types,
//! varints, lengths, UTF-8 of every string). A record holding any other field (a
//! tensor, a histogram, an image, a repeated message that protobuf would merge, an
//! unknown field) is decoded by prost instead, so what is accepted, rejected and seen
//! is always exactly what a full decode gives.

use crate::proto::{event, summary, Event, HistogramProto, TensorProto};
use prost::Message;

/// A summary value's metadata: the fields TensorBoard's loaders use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MetaView<'a> {
    pub plugin_name: &'a str,
    pub content: &'a [u8],
    pub data_class: i32,
}

/// A summary value's payload (the `value` oneof).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Payload<'a> {
    /// No value set.
    Empty,
    Simple(f32),
    Tensor(&'a TensorProto),
    Histo(&'a HistogramProto),
    Image,
    /// `obsolete_old_style_histogram`, or anything else.
    Other,
}

/// One value of a `Summary`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ValueView<'a> {
    pub tag: &'a str,
    pub meta: Option<MetaView<'a>>,
    pub payload: Payload<'a>,
}

/// What an event holds, as far as reading summaries goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum WhatView<'a> {
    None,
    FileVersion(&'a str),
    Summary(Values<'a>),
    /// A `SessionLog` with its status.
    SessionLog(i32),
    GraphDef,
    Other,
}

/// An event, borrowed from a record or from its prost decoding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EventView<'a> {
    pub wall_time: f64,
    pub step: i64,
    pub what: WhatView<'a>,
}

/// A summary's values: an already checked byte slice, or prost's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Values<'a> {
    /// The only value (most events hold one): read once.
    One(ValueView<'a>),
    Wire(&'a [u8]),
    Decoded(&'a [summary::Value]),
}

impl<'a> Values<'a> {
    /// Calls `f` with each value, in order.
    pub fn for_each(self, mut f: impl FnMut(ValueView<'a>)) {
        match self {
            Values::One(view) => f(view),
            Values::Wire(bytes) => {
                let mut fields = Fields::new(bytes);
                while let Some(Ok((1, Field::Len(value)))) = fields.next() {
                    if let Some(view) = fast_value(value) {
                        f(view);
                    }
                }
            }
            Values::Decoded(values) => values.iter().for_each(|v| f(view_of(v))),
        }
    }
}

/// Decodes `record` as an `Event` and calls `f` with it; the error is prost's.
pub(crate) fn with_event<R>(
    record: &[u8],
    f: impl FnOnce(EventView<'_>) -> R,
) -> Result<R, prost::DecodeError> {
    if let Some(view) = fast_event(record) {
        return Ok(f(view));
    }
    let event = Event::decode(record)?;
    Ok(f(view_of_event(&event)))
}

fn view_of_event(e: &Event) -> EventView<'_> {
    use event::What as W;
    let what = match &e.what {
        None => WhatView::None,
        Some(W::FileVersion(v)) => WhatView::FileVersion(v),
        Some(W::Summary(s)) => WhatView::Summary(Values::Decoded(&s.value)),
        Some(W::SessionLog(s)) => WhatView::SessionLog(s.status),
        Some(W::GraphDef(_)) => WhatView::GraphDef,
        Some(_) => WhatView::Other,
    };
    EventView {
        wall_time: e.wall_time,
        step: e.step,
        what,
    }
}

fn view_of(v: &summary::Value) -> ValueView<'_> {
    use summary::value::Value as V;
    ValueView {
        tag: &v.tag,
        meta: v.metadata.as_ref().map(|m| MetaView {
            plugin_name: m.plugin_data.as_ref().map_or("", |p| &p.plugin_name),
            content: m.plugin_data.as_ref().map_or(&[][..], |p| &p.content),
            data_class: m.data_class,
        }),
        payload: match &v.value {
            None => Payload::Empty,
            Some(V::SimpleValue(x)) => Payload::Simple(*x),
            Some(V::Tensor(t)) => Payload::Tensor(t),
            Some(V::Histo(h)) => Payload::Histo(h),
            Some(V::Image(_)) => Payload::Image,
            Some(_) => Payload::Other,
        },
    }
}

// ---- the fast path -------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Field<'a> {
    Varint(u64),
    Fixed64(u64),
    Len(&'a [u8]),
    Fixed32(u32),
}

/// The fields of a message, in order; `Err` on anything the fast path does not handle
/// (groups, bad wire types, bad varints, field number 0, a length past the end).
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Fields { rest: bytes }
    }

    #[inline]
    fn varint(&mut self) -> Result<u64, ()> {
        if let Some((&b, rest)) = self.rest.split_first() {
            if b < 0x80 {
                self.rest = rest;
                return Ok(u64::from(b));
            }
        }
        let mut value = 0u64;
        for i in 0..10 {
            let (&b, rest) = self.rest.split_first().ok_or(())?;
            self.rest = rest;
            // The tenth byte may only carry the top bit of a u64.
            if i == 9 && b > 1 {
                return Err(());
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ()> {
        if n > self.rest.len() {
            return Err(());
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Field<'a>), ()>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let mut read = || -> Result<(u32, Field<'a>), ()> {
            let key = self.varint()?;
            let number = u32::try_from(key >> 3).map_err(|_| ())?;
            if number == 0 {
                return Err(());
            }
            let field = match key & 7 {
                0 => Field::Varint(self.varint()?),
                1 => Field::Fixed64(u64::from_le_bytes(
                    self.take(8)?.try_into().map_err(|_| ())?,
                )),
                2 => {
                    let len = usize::try_from(self.varint()?).map_err(|_| ())?;
                    Field::Len(self.take(len)?)
                }
                5 => Field::Fixed32(u32::from_le_bytes(
                    self.take(4)?.try_into().map_err(|_| ())?,
                )),
                _ => return Err(()),
            };
            Ok((number, field))
        };
        let item = read();
        if item.is_err() {
            self.rest = &[];
        }
        Some(item)
    }
}

fn utf8(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// The event, when every field of the record is one the fast path reads.
fn fast_event(record: &[u8]) -> Option<EventView<'_>> {
    let mut view = EventView {
        wall_time: 0.0,
        step: 0,
        what: WhatView::None,
    };
    let mut what_seen = false;
    for field in Fields::new(record) {
        let (number, field) = field.ok()?;
        match (number, field) {
            (1, Field::Fixed64(bits)) => view.wall_time = f64::from_bits(bits),
            (2, Field::Varint(v)) => view.step = v as i64,
            (3 | 5 | 7, Field::Len(bytes)) if !what_seen => {
                what_seen = true;
                view.what = match number {
                    3 => WhatView::FileVersion(utf8(bytes)?),
                    5 => WhatView::Summary(fast_summary(bytes)?),
                    _ => WhatView::SessionLog(fast_session_log(bytes)?),
                };
            }
            _ => return None,
        }
    }
    Some(view)
}

fn fast_summary(bytes: &[u8]) -> Option<Values<'_>> {
    let mut first = None;
    let mut count = 0;
    for field in Fields::new(bytes) {
        match field.ok()? {
            (1, Field::Len(value)) => {
                let view = fast_value(value)?;
                count += 1;
                if count == 1 {
                    first = Some(view);
                }
            }
            _ => return None,
        }
    }
    Some(match (count, first) {
        (1, Some(view)) => Values::One(view),
        _ => Values::Wire(bytes),
    })
}

fn fast_value(bytes: &[u8]) -> Option<ValueView<'_>> {
    let mut view = ValueView {
        tag: "",
        meta: None,
        payload: Payload::Empty,
    };
    for field in Fields::new(bytes) {
        match field.ok()? {
            (1, Field::Len(tag)) => view.tag = utf8(tag)?,
            (2, Field::Fixed32(bits)) => view.payload = Payload::Simple(f32::from_bits(bits)),
            (9, Field::Len(meta)) if view.meta.is_none() => view.meta = Some(fast_meta(meta)?),
            _ => return None,
        }
    }
    Some(view)
}

fn fast_meta(bytes: &[u8]) -> Option<MetaView<'_>> {
    let mut meta = MetaView {
        plugin_name: "",
        content: &[],
        data_class: 0,
    };
    let mut plugin_seen = false;
    for field in Fields::new(bytes) {
        match field.ok()? {
            (1, Field::Len(plugin)) if !plugin_seen => {
                plugin_seen = true;
                for field in Fields::new(plugin) {
                    match field.ok()? {
                        (1, Field::Len(name)) => meta.plugin_name = utf8(name)?,
                        (2, Field::Len(content)) => meta.content = content,
                        _ => return None,
                    }
                }
            }
            (2 | 3, Field::Len(text)) => {
                utf8(text)?;
            }
            (4, Field::Varint(v)) => meta.data_class = v as i32,
            _ => return None,
        }
    }
    Some(meta)
}

fn fast_session_log(bytes: &[u8]) -> Option<i32> {
    let mut status = 0;
    for field in Fields::new(bytes) {
        match field.ok()? {
            (1, Field::Varint(v)) => status = v as i32,
            (2 | 3, Field::Len(text)) => {
                utf8(text)?;
            }
            _ => return None,
        }
    }
    Some(status)
}

#[cfg(test)]
mod tests;
