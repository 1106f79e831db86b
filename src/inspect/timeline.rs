//! Which of a run's points TensorBoard shows: the rules of both loaders, applied in two
//! streaming passes over the run's files.
//!
//! A point is a summary value of a tag (a time series) at a step. TensorBoard 2.21
//! drops points in two ways (`reservoir.rs`, `run.rs`, `plugin_event_accumulator.py`):
//!
//! - **Preemption** (the Rust data server, the default loader): a point at step `s`
//!   drops every point of its series read before it at step `>= s`. So a step logged
//!   twice keeps its last value, and a resumed run's re-logged series lose their stale
//!   tail. A value the server cannot decode for the series' data class still preempts
//!   (a "data loss" tombstone, never served); an event whose wall time is not finite is
//!   dropped whole.
//! - **Restart purge** (the Python loader, `--load_fast=false`): in a run whose
//!   `file_version` is 2 or more, every `SessionLog START` after the run's first drops
//!   every point of every series read before it at step `>= s`, its step.
//!
//! A point is **shown** here when neither rule drops it: what both loaders show
//! (they agree on tbtrain's own resumes, `events::resume`). Where they differ (a
//! tensorboardX `purge_step` purges nothing in Python and only re-logged series in
//! Rust; a step logged twice is shown twice by Python) the point is kept only if both
//! show it. Reservoir *sampling* is not reproduced: every shown point is given.
//!
//! A point is dropped only by a later point or START, so a single pass cannot know;
//! [`Cuts`] is the first pass: per series, the steps at which it went back (a kill:
//! a point at a step `<=` the series' previous point's), kept as a stack of those that
//! are still the smallest after them; and the same for the restart STARTs. A point at
//! position `p` and step `s` is dropped iff the first kill after `p` has a step `<= s`.
//! Memory: per series its name and a few numbers, plus 16 bytes per going-back that no
//! later one undoes, whatever the number of points.

use std::collections::HashMap;

use super::wire::{EventView, Payload, ValueView, Values, WhatView};
use crate::proto::{DataClass, DataType, TensorProto};

/// `SessionLog.status` START.
const START: i32 = 1;

/// The data class the Rust data server gives a series, from its first value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Not served by any route.
    Unknown,
    Scalar,
    Tensor,
    Blob,
}

/// A series' class and plugin, decided by its first value (`SummaryValue::initial_metadata`
/// in the data server).
pub(crate) fn class_of(v: &ValueView<'_>) -> (Class, String) {
    let by_data_class = |dc: i32| match DataClass::try_from(dc) {
        Ok(DataClass::Scalar) => Some(Class::Scalar),
        Ok(DataClass::Tensor) => Some(Class::Tensor),
        Ok(DataClass::BlobSequence) => Some(Class::Blob),
        _ => None,
    };
    if let Some(meta) = v.meta {
        if let Some(class) = by_data_class(meta.data_class) {
            return (class, meta.plugin_name.to_string());
        }
    }
    match v.payload {
        Payload::Simple(_) => return (Class::Scalar, "scalars".into()),
        Payload::Image => return (Class::Blob, "images".into()),
        Payload::Histo(_) => return (Class::Tensor, "histograms".into()),
        _ => {}
    }
    let Some(meta) = v.meta else {
        return (Class::Unknown, String::new());
    };
    let class = match meta.plugin_name {
        "scalars" => Class::Scalar,
        "histograms" | "text" | "hparams" | "pr_curves" | "mesh" | "custom_scalars" => {
            Class::Tensor
        }
        "images"
        | "audio"
        | "graph_run_metadata"
        | "graph_run_metadata_graph"
        | "graph_keras_model" => Class::Blob,
        _ => Class::Unknown,
    };
    (class, meta.plugin_name.to_string())
}

/// The value of a point of a scalar series, as the data server reads it
/// (`into_scalar`): a `simple_value`, or a rank-0 `DT_FLOAT` tensor of one value.
pub(crate) fn scalar_of(payload: Payload<'_>) -> Option<f32> {
    match payload {
        Payload::Simple(v) => Some(v),
        Payload::Tensor(t) => tensor_scalar(t),
        _ => None,
    }
}

fn tensor_scalar(t: &TensorProto) -> Option<f32> {
    if t.tensor_shape.as_ref().is_some_and(|s| !s.dim.is_empty()) {
        return None;
    }
    if DataType::try_from(t.dtype) != Ok(DataType::DtFloat) {
        return None;
    }
    match t.float_val.as_slice() {
        [v] => Some(*v),
        [] => <[u8; 4]>::try_from(t.tensor_content.as_slice())
            .ok()
            .map(f32::from_le_bytes),
        _ => None,
    }
}

/// Whether the data server serves a point of a `class` series (else it is a tombstone).
pub(crate) fn is_served(class: Class, payload: Payload<'_>) -> bool {
    match class {
        Class::Unknown => false,
        Class::Scalar => scalar_of(payload).is_some(),
        Class::Tensor => match payload {
            Payload::Tensor(_) | Payload::Empty => true,
            Payload::Histo(h) => h.bucket.len() == h.bucket_limit.len(),
            _ => false,
        },
        Class::Blob => match payload {
            Payload::Image => true,
            Payload::Tensor(t) => {
                DataType::try_from(t.dtype) == Ok(DataType::DtString)
                    && t.tensor_shape.as_ref().is_some_and(|s| s.dim.len() == 1)
            }
            _ => false,
        },
    }
}

/// One series after the first pass.
#[derive(Debug)]
#[cfg_attr(not(feature = "export"), allow(dead_code))]
pub(crate) struct Series {
    pub class: Class,
    pub plugin: String,
    /// Points offered (shown or not).
    pub points: u64,
    /// Bytes of their records' values, roughly (for planning buffers).
    pub bytes: u64,
    last_step: i64,
    /// Kills still the smallest after them: positions and steps both increasing.
    kills: Vec<(u64, i64)>,
    /// The series' number in the run, in the order first seen.
    pub id: u32,
    /// For the caller of the first pass (export: whether the series is exported).
    pub selected: Option<bool>,
    /// For the caller of the second pass (export: the group the series is read in).
    pub group: u32,
    /// For the caller of the second pass (export: the series' rank in tag order).
    pub order: u32,
    /// The second pass's place in `kills`.
    cursor: usize,
}

/// The first pass over a run: every series and where points get dropped.
#[derive(Debug, Default)]
pub(crate) struct Cuts {
    pub series: HashMap<String, Series>,
    /// Restart STARTs still the smallest after them.
    starts: Vec<(u64, i64)>,
    start_cursor: usize,
    /// Position of the next point or START (both passes count alike).
    position: u64,
    file_version: Option<f64>,
    seen_start: bool,
}

/// Pushes `(position, step)` on a stack of kills, dropping those it makes redundant.
fn push_kill(stack: &mut Vec<(u64, i64)>, position: u64, step: i64) {
    while stack.last().is_some_and(|&(_, s)| s >= step) {
        stack.pop();
    }
    stack.push((position, step));
}

/// Python's `event_util.ParseFileVersion`: the number after `brain.Event:`.
fn parse_file_version(text: &str) -> f64 {
    let last = text.rsplit("brain.Event:").next().unwrap_or(text);
    last.trim().parse().unwrap_or(-1.0)
}

impl Cuts {
    /// Whether an event is a restart START, tracking the run's file version and
    /// STARTs (the Python loader's `_CheckForRestartAndMaybePurge`).
    fn restart(&mut self, event: &EventView<'_>) -> bool {
        match event.what {
            WhatView::FileVersion(v) => {
                self.file_version = Some(parse_file_version(v));
                false
            }
            WhatView::SessionLog(START) if self.file_version.is_some_and(|v| v >= 2.0) => {
                std::mem::replace(&mut self.seen_start, true)
            }
            _ => false,
        }
    }

    /// The first pass: reads one event.
    pub fn scan(&mut self, event: &EventView<'_>) {
        self.scan_with(event, |_, _, _, _, _| {});
    }

    /// [`Cuts::scan`], calling `each` with every point read, its position, series, step
    /// and wall time (whether a later point drops it is known only after the last
    /// event: [`Cuts::dropped`]).
    pub fn scan_with<'e>(
        &mut self,
        event: &EventView<'e>,
        mut each: impl FnMut(u64, &mut Series, ValueView<'e>, i64, f64),
    ) {
        if self.restart(event) {
            push_kill(&mut self.starts, self.position, event.step);
            self.position += 1;
        }
        let WhatView::Summary(values) = event.what else {
            return;
        };
        if !event.wall_time.is_finite() {
            return;
        }
        let step = event.step;
        values.for_each(|v| {
            let position = self.position;
            self.position += 1;
            let count = self.series.len() as u32;
            let series = match self.series.get_mut(v.tag) {
                Some(series) => series,
                None => {
                    let (class, plugin) = class_of(&v);
                    self.series.entry(v.tag.to_string()).or_insert(Series {
                        id: count,
                        selected: None,
                        class,
                        plugin,
                        points: 0,
                        bytes: 0,
                        last_step: i64::MAX,
                        kills: Vec::new(),
                        cursor: 0,
                        group: u32::MAX,
                        order: u32::MAX,
                    })
                }
            };
            if series.points > 0 && step <= series.last_step {
                push_kill(&mut series.kills, position, step);
            }
            series.points += 1;
            series.bytes += payload_bytes(v.payload);
            series.last_step = step;
            each(position, series, v, step, event.wall_time);
        });
    }

    /// After [`Cuts::rewind`], with positions in increasing order: whether a later
    /// point or START drops the point of `tag` at `position` and `step`.
    #[cfg_attr(not(feature = "export"), allow(dead_code))]
    pub fn dropped(&mut self, tag: &str, position: u64, step: i64) -> bool {
        while self
            .starts
            .get(self.start_cursor)
            .is_some_and(|&(p, _)| p <= position)
        {
            self.start_cursor += 1;
        }
        if self
            .starts
            .get(self.start_cursor)
            .is_some_and(|&(_, s)| s <= step)
        {
            return true;
        }
        let Some(series) = self.series.get_mut(tag) else {
            return true;
        };
        while series
            .kills
            .get(series.cursor)
            .is_some_and(|&(p, _)| p <= position)
        {
            series.cursor += 1;
        }
        series
            .kills
            .get(series.cursor)
            .is_some_and(|&(_, s)| s <= step)
    }

    /// Gets ready for a second pass (which may be run several times).
    pub fn rewind(&mut self) {
        self.position = 0;
        self.start_cursor = 0;
        self.file_version = None;
        self.seen_start = false;
        for series in self.series.values_mut() {
            series.cursor = 0;
        }
    }

    /// The second pass: calls `shown` with each point of `event` that neither rule
    /// drops and that `keep` keeps ([`is_served`]: what TensorBoard shows), with its
    /// series, step and wall time, until `shown` returns false (then false).
    pub fn shown<'e>(
        &mut self,
        event: &EventView<'e>,
        keep: impl Fn(&Series, Payload<'_>) -> bool,
        mut shown: impl FnMut(&Series, ValueView<'e>, i64, f64) -> bool,
    ) -> bool {
        if self.restart(event) {
            self.position += 1;
        }
        let WhatView::Summary(values) = event.what else {
            return true;
        };
        if !event.wall_time.is_finite() {
            return true;
        }
        let step = event.step;
        let mut go_on = true;
        self.each_value(values, |this, position, v| {
            while this
                .starts
                .get(this.start_cursor)
                .is_some_and(|&(p, _)| p <= position)
            {
                this.start_cursor += 1;
            }
            let purged = this
                .starts
                .get(this.start_cursor)
                .is_some_and(|&(_, s)| s <= step);
            // A series the first pass did not see (a file that grew since) is not shown.
            let Some(series) = this.series.get_mut(v.tag) else {
                return;
            };
            while series
                .kills
                .get(series.cursor)
                .is_some_and(|&(p, _)| p <= position)
            {
                series.cursor += 1;
            }
            let preempted = series
                .kills
                .get(series.cursor)
                .is_some_and(|&(_, s)| s <= step);
            if go_on && !purged && !preempted && keep(series, v.payload) {
                go_on = shown(series, v, step, event.wall_time);
            }
        });
        go_on
    }

    fn each_value<'e>(
        &mut self,
        values: Values<'e>,
        mut f: impl FnMut(&mut Self, u64, ValueView<'e>),
    ) {
        values.for_each(|v| {
            let position = self.position;
            self.position += 1;
            f(self, position, v);
        });
    }
}

/// Roughly the bytes a point takes once read (for planning memory).
pub(crate) fn payload_bytes(payload: Payload<'_>) -> u64 {
    let n = match payload {
        Payload::Tensor(t) => {
            t.tensor_content.len()
                + 4 * t.float_val.len()
                + 8 * t.double_val.len()
                + t.string_val.iter().map(|s| s.len() + 24).sum::<usize>()
        }
        Payload::Histo(h) => 24 * h.bucket.len(),
        _ => 0,
    };
    // The point as export buffers it (its row) and its payload.
    n as u64 + 56
}

#[cfg(test)]
mod tests;
