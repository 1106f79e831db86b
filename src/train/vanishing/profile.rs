//! Where each layer's norm lands on the log axis, and how a profile is drawn: the
//! line, its markers, and the off-axis marks (beyond the range, zero, NaN).

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
// Not `BackendStyle`: its `stroke_width` would clash with plotters' `Color`'s.

use super::*;

/// Where a norm is drawn, on the log axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mark {
    /// Inside the range: log10 of the norm.
    At(f64),
    /// Positive but below 10^Y_MIN.
    Below,
    /// Above 10^Y_MAX (or +infinity).
    Above,
    /// Exactly zero: a dead layer.
    Zero,
    /// NaN, or a negative value (no norm is).
    Invalid,
}

impl Mark {
    pub(super) fn of(norm: f32) -> Mark {
        let v = f64::from(norm);
        if v.is_nan() || v < 0.0 {
            Mark::Invalid
        } else if v == 0.0 {
            Mark::Zero
        } else {
            let log = v.log10();
            if log < f64::from(Y_MIN) {
                Mark::Below
            } else if log > f64::from(Y_MAX) {
                Mark::Above
            } else {
                Mark::At(log)
            }
        }
    }

    /// The y coordinate the profile's line goes through; `None` breaks the line.
    pub(super) fn line_y(self) -> Option<f64> {
        match self {
            Mark::At(y) => Some(y),
            Mark::Below => Some(f64::from(Y_MIN) + EDGE_INSET),
            Mark::Above => Some(f64::from(Y_MAX) - EDGE_INSET),
            Mark::Zero | Mark::Invalid => None,
        }
    }
}

/// How one profile is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) struct Series {
    colour: RGBColor,
    /// The colour of its zero and NaN markers.
    special: RGBColor,
    /// Line width in pixels.
    width: u32,
    /// Marker radius in pixels.
    radius: i32,
}

impl Series {
    /// The current step: bold.
    pub(super) const NOW: Series = Series {
        colour: NOW,
        special: SPECIAL,
        width: 2,
        radius: 3,
    };
    /// Step 0, for reference: faint.
    pub(super) const START: Series = Series {
        colour: START,
        special: START,
        width: 1,
        radius: 2,
    };
    pub(super) fn line(&self) -> ShapeStyle {
        self.colour.stroke_width(self.width)
    }

    /// The same, in its colour for zero and NaN.
    pub(super) fn special(&self) -> Series {
        Series {
            colour: self.special,
            ..*self
        }
    }
}

/// A marker's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Marker {
    /// A value on the axis.
    Dot,
    /// Below the axis: a triangle pointing down.
    Below,
    /// Above the axis: a triangle pointing up.
    Above,
    /// Zero: a ring.
    Zero,
    /// NaN: a cross.
    Invalid,
}

/// Draws `marker` centred at `at`, in `series`'s colour and size.
pub(super) fn draw_marker<CT: CoordTranslate>(
    area: &DrawingArea<Canvas<'_>, CT>,
    at: CT::From,
    marker: Marker,
    series: &Series,
) -> Result<(), Error> {
    let fill = series.colour.filled();
    let r = series.radius;
    let t = r + 1;
    let origin = EmptyElement::at(at);
    match marker {
        Marker::Dot => area.draw(&(origin + Circle::new((0, 0), r, fill)))?,
        Marker::Below => {
            area.draw(&(origin + Polygon::new(vec![(-t, -t), (t, -t), (0, t)], fill)))?
        }
        Marker::Above => {
            area.draw(&(origin + Polygon::new(vec![(-t, t), (t, t), (0, -t)], fill)))?
        }
        Marker::Zero => area.draw(&(origin + Circle::new((0, 0), t, series.line())))?,
        Marker::Invalid => area.draw(&(origin + Cross::new((0, 0), t, series.line())))?,
    }
    Ok(())
}

/// Which edge markers a picture holds, for its key.
#[derive(Debug, Default)]
pub(super) struct Used {
    below: bool,
    above: bool,
    zero: bool,
    invalid: bool,
}

impl Used {
    pub(super) fn key(&self) -> Vec<(Marker, Series, &'static str)> {
        let mut key = Vec::new();
        if self.below {
            key.push((Marker::Below, Series::NOW, "<1e-10"));
        }
        if self.above {
            key.push((Marker::Above, Series::NOW, ">1e1"));
        }
        if self.zero {
            key.push((Marker::Zero, Series::NOW.special(), "0"));
        }
        if self.invalid {
            key.push((Marker::Invalid, Series::NOW.special(), "NaN"));
        }
        key
    }
}

/// A linear axis whose ticks (grid lines and labels) are given: plotters' own
/// `with_key_points` drops the value formatter that `configure_mesh` needs.
pub(super) struct Axis {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Axis {
    pub(super) fn new(range: Range<f64>, ticks: Vec<f64>) -> Axis {
        Axis {
            linear: range.into(),
            ticks,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold lines only: one per tick.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}

type Chart<'a, 'b> = ChartContext<'a, Canvas<'b>, Cartesian2d<Axis, Axis>>;

/// One profile: its line (broken at zero and NaN), a marker per layer, and the edge
/// markers for what the axis cannot show.
pub(super) fn draw_profile(
    chart: &Chart<'_, '_>,
    norms: &[f32],
    series: Series,
    used: &mut Used,
) -> Result<(), Error> {
    let marks: Vec<(f64, Mark)> = norms
        .iter()
        .enumerate()
        .map(|(k, &n)| ((k + 1) as f64, Mark::of(n)))
        .collect();
    let area = chart.plotting_area();
    for run in marks.split(|(_, m)| m.line_y().is_none()) {
        let points: Vec<(f64, f64)> = run
            .iter()
            .filter_map(|&(x, m)| m.line_y().map(|y| (x, y)))
            .collect();
        if points.len() > 1 {
            area.draw(&PathElement::new(points, series.line()))?;
        }
    }
    let bottom = f64::from(Y_MIN) + EDGE_INSET;
    let top = f64::from(Y_MAX) - EDGE_INSET;
    for &(x, m) in &marks {
        let (y, marker, series) = match m {
            Mark::At(y) => (y, Marker::Dot, series),
            Mark::Below => {
                used.below = true;
                (bottom, Marker::Below, series)
            }
            Mark::Above => {
                used.above = true;
                (top, Marker::Above, series)
            }
            Mark::Zero => {
                used.zero = true;
                (bottom, Marker::Zero, series.special())
            }
            Mark::Invalid => {
                used.invalid = true;
                (top, Marker::Invalid, series.special())
            }
        };
        draw_marker(area, (x, y), marker, &series)?;
    }
    Ok(())
}
