//! The `vanishing_gradient` picture and the `gradients` table: each layer's gradient
//! norm, on a log axis, at one step.
//!
//! The lesson in one chart: in the 11-layer sigmoid net the L2 norm of dCost/dW is
//! about 1e-7 at layer 1 and 0.1 at layer 11 (six decades), while ReLU's profile is
//! flat. [`render`] draws that profile (layer on x, log10 of the norm on y) with
//! `plotters` into [`WIDTH`] x [`HEIGHT`] RGB pixels, the caller encodes them as PNG.
//! The y range is fixed ([`Y_MIN`]..[`Y_MAX`] decades) so that pictures of one run
//! at different steps, and of different runs, compare at a glance. [`table`] gives the
//! same numbers as markdown for a text tag.
//!
//! The text is drawn with the font embedded in the binary, on the `Canvas` every
//! picture with text shares (`train::canvas`).
//!
//! Values the axis cannot show are still drawn, distinctly, and never panic: a norm
//! beyond the range as a triangle at that edge pointing out of it, a zero norm (a dead
//! layer) as a ring on the bottom edge, NaN as a cross on the top edge; a key to the
//! markers in use is printed in the bottom-left corner.

use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod profile;

use super::canvas::{self, Canvas};
use profile::*;

/// Picture width in pixels. TensorBoard scales an image to its card's width with
/// nearest-neighbour sampling (`image-rendering: pixelated`): shrunk, one-pixel strokes
/// of the text drop out, so the picture is made narrower than a default card (about
/// 330 px) and is only ever enlarged.
pub const WIDTH: u32 = 320;
/// Picture height in pixels.
pub const HEIGHT: u32 = 224;
/// Bottom of the y axis: log10 of the smallest norm shown (1e-10).
pub const Y_MIN: i32 = -10;
/// Top of the y axis: log10 of the largest norm shown (1e1).
pub const Y_MAX: i32 = 1;

/// Layout, in pixels.
const HEADER: u32 = 24;
const MARGIN_RIGHT: u32 = 12;
const MARGIN_TOP: u32 = 6;
const X_LABEL_AREA: u32 = 34;
const Y_LABEL_AREA: u32 = 46;

const TITLE_SIZE: f64 = 14.0;
const LABEL_SIZE: f64 = 12.0;
const DESC_SIZE: f64 = 13.0;
const KEY_SIZE: f64 = 11.0;

const TEXT: RGBColor = RGBColor(40, 40, 40);
const AXIS: RGBColor = RGBColor(90, 90, 90);
const GRID: RGBColor = RGBColor(228, 228, 228);
/// The current step's profile.
const NOW: RGBColor = RGBColor(25, 90, 170);
/// The step-0 profile.
const START: RGBColor = RGBColor(165, 165, 165);
/// Zero and NaN markers.
const SPECIAL: RGBColor = RGBColor(200, 50, 30);

/// How far inside the plot (in decades) the edge markers sit, so they are whole.
const EDGE_INSET: f64 = 0.25;

pub use super::canvas::Error;

/// Draws the gradient-norm profile of step `step`: `now[k]` is layer `k + 1`'s L2 norm
/// of dCost/dW, bold with markers; `start` (the same at step 0) faint beneath it for
/// reference, unless `step` is 0 or `start` is empty. Returns [`WIDTH`] x [`HEIGHT`]
/// RGB pixels, row-major, ready for [`SummaryWriter::add_image`](crate::SummaryWriter::add_image).
/// Any values are accepted (zero, NaN, infinite, off the axis: see the module doc); the
/// x axis spans the longer of the two profiles.
pub fn render(now: &[f32], start: &[f32], step: u64) -> Result<Vec<u8>, Error> {
    let mut rgb = vec![255u8; WIDTH as usize * HEIGHT as usize * 3];
    canvas::draw_on(&mut rgb, (WIDTH, HEIGHT), |root| {
        draw(root, now, start, step)
    })?;
    Ok(rgb)
}

fn draw(
    root: &DrawingArea<Canvas<'_>, Shift>,
    now: &[f32],
    start: &[f32],
    step: u64,
) -> Result<(), Error> {
    let show_start = step != 0 && !start.is_empty();
    let layers = now
        .len()
        .max(if show_start { start.len() } else { 0 })
        .max(1);
    let (header, body) = root.split_vertically(HEADER);
    let middle = HEADER as i32 / 2 + 1;

    let now_label = format!("step {step}");
    header.draw(&Text::new(
        "gradient norm per layer",
        (8, middle),
        font(TITLE_SIZE, &TEXT).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;

    let x_keys = x_ticks(layers);
    let y_keys: Vec<f64> = (Y_MIN..=Y_MAX).map(f64::from).collect();
    let x_range = Axis::new(0.5..layers as f64 + 0.5, x_keys);
    let y_range = Axis::new(f64::from(Y_MIN)..f64::from(Y_MAX), y_keys);
    let mut chart = ChartBuilder::on(&body)
        .margin_top(MARGIN_TOP)
        .margin_right(MARGIN_RIGHT)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x_range, y_range)?;
    // Whole numbers, negative ones with a real minus sign (U+2212).
    let integer = |v: &f64| format!("{}", v.round() as i64).replace('-', "\u{2212}");
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .label_style(font(LABEL_SIZE, &TEXT))
        .axis_desc_style(font(DESC_SIZE, &TEXT))
        .x_label_formatter(&integer)
        .y_label_formatter(&integer)
        .x_desc("layer")
        .y_desc("log10 |dCost/dW|")
        .draw()?;

    let mut used = Used::default();
    if show_start {
        draw_profile(&chart, start, Series::START, &mut used)?;
    }
    draw_profile(&chart, now, Series::NOW, &mut used)?;

    // The legend, right-aligned in the header: faint "step 0", then bold "step S".
    let mut entries = vec![(now_label, Series::NOW)];
    if show_start {
        entries.insert(0, ("step 0".to_string(), Series::START));
    }
    let mut x = WIDTH as i32 - MARGIN_RIGHT as i32;
    for (label, series) in entries.iter().rev() {
        let text = font(LABEL_SIZE, &TEXT).pos(Pos::new(HPos::Right, VPos::Center));
        let (w, _) = header.estimate_text_size(label, &text)?;
        header.draw(&Text::new(label.clone(), (x, middle), text))?;
        x -= w as i32 + 4;
        header.draw(&PathElement::new(
            vec![(x - 20, middle), (x, middle)],
            series.line(),
        ))?;
        draw_marker(&header, (x - 10, middle), Marker::Dot, series)?;
        x -= 32;
    }

    // The key to the edge markers in use, bottom left, below the y axis's labels.
    let (_, h) = body.dim_in_pixel();
    let y = h as i32 - 8;
    let mut x = 8;
    for (marker, series, label) in used.key() {
        draw_marker(&body, (x, y), marker, &series)?;
        let text = font(KEY_SIZE, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
        let (w, _) = body.estimate_text_size(label, &text)?;
        body.draw(&Text::new(label, (x + 7, y), text))?;
        x += 7 + w as i32 + 10;
    }
    Ok(())
}

fn font(size: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    canvas::font(size, colour)
}

/// The labelled layers: every one up to 12 layers, otherwise layer 1, the multiples of
/// a round step (1, 2, 5, 10, 20, ...) giving at most 10 labels, and the last layer.
fn x_ticks(layers: usize) -> Vec<f64> {
    if layers <= 12 {
        return (1..=layers).map(|k| k as f64).collect();
    }
    let mut step = 1;
    'search: for scale in [1usize, 10, 100, 1000, 10_000, 100_000] {
        for m in [1, 2, 5] {
            step = m * scale;
            if layers / step <= 10 {
                break 'search;
            }
        }
    }
    let mut ticks = vec![1];
    ticks.extend((1..=layers / step).map(|i| i * step).filter(|&k| k > 1));
    // The last layer, unless a tick already sits too close to it to leave room.
    if ticks.last().is_some_and(|&k| layers - k >= step / 2) {
        ticks.push(layers);
    } else if let Some(last) = ticks.last_mut() {
        *last = layers;
    }
    ticks.dedup();
    ticks.into_iter().map(|k| k as f64).collect()
}

/// The `gradients` text: a markdown table with, per layer, its norm at step 0 and at
/// `end_step` (`{:.3e}`), and each divided by the last layer's norm at the same step.
/// A missing value reads `-`, and so does a ratio to a last layer whose norm is zero
/// or not finite. (The two profiles are expected to be of one net, so equally long.)
pub fn table(start: &[f32], end: &[f32], end_step: u64) -> String {
    let layers = start.len().max(end.len());
    let mut md = format!(
        "L2 norm of dCost/dW per layer; ratio: to the last layer's at the same step.\n\n\
         | layer | step 0 | ratio | step {end_step} | ratio |\n\
         |---:|---:|---:|---:|---:|\n"
    );
    let cell = |v: Option<&f32>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3e}"));
    let ratio = |profile: &[f32], k: usize| -> String {
        match (profile.get(k), profile.last()) {
            (Some(&v), Some(&last)) if last > 0.0 && last.is_finite() => {
                format!("{:.3e}", f64::from(v) / f64::from(last))
            }
            _ => "-".to_string(),
        }
    };
    for k in 0..layers {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            k + 1,
            cell(start.get(k)),
            ratio(start, k),
            cell(end.get(k)),
            ratio(end, k),
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Instant;

    use super::*;
    use crate::summary::image::encode_png;

    /// Sigmoid-like at step 0: 1e-7 at layer 1, rising 0.6 decades a layer to 1e-1.
    fn sigmoid_like() -> Vec<f32> {
        (0..11).map(|k| 10f32.powf(-7.0 + 0.6 * k as f32)).collect()
    }

    /// The same, sunk by two decades, as later in the lesson.
    fn sigmoid_sunk() -> Vec<f32> {
        sigmoid_like().iter().map(|v| v * 1e-2).collect()
    }

    fn flat() -> Vec<f32> {
        vec![1e-2; 11]
    }

    fn pixel(rgb: &[u8], x: u32, y: u32) -> [u8; 3] {
        let o = (y as usize * WIDTH as usize + x as usize) * 3;
        [rgb[o], rgb[o + 1], rgb[o + 2]]
    }

    /// The plot area's pixel rectangle `(left, top, right, bottom)`, as the chart lays
    /// it out: the picture less the header, margins and label areas.
    fn plot_area() -> (u32, u32, u32, u32) {
        (
            Y_LABEL_AREA,
            HEADER + MARGIN_TOP,
            WIDTH - MARGIN_RIGHT,
            HEIGHT - X_LABEL_AREA,
        )
    }

    /// The pixel column of layer `k` (1-based) of `n`.
    fn column(k: usize, n: usize) -> u32 {
        let (left, _, right, _) = plot_area();
        let w = f64::from(right - left);
        left + ((k as f64 - 0.5) / n as f64 * w).round() as u32
    }

    /// The middle row of the pixels of colour `c` in column `x` of the plot area (and
    /// its edge markers), if any.
    fn middle_of(rgb: &[u8], x: u32, c: RGBColor) -> Option<f64> {
        let rows = rows_of(rgb, x, c);
        Some(f64::from(*rows.first()? + *rows.last()?) / 2.0)
    }

    /// The rows of the pixels of colour `c` in column `x` of the plot area.
    fn rows_of(rgb: &[u8], x: u32, c: RGBColor) -> Vec<u32> {
        let (_, top, _, bottom) = plot_area();
        (top - 4..=bottom + 4)
            .filter(|&y| pixel(rgb, x, y) == [c.0, c.1, c.2])
            .collect()
    }

    /// Pixels per decade on the y axis.
    fn decade() -> f64 {
        let (_, top, _, bottom) = plot_area();
        f64::from(bottom - top) / f64::from(Y_MAX - Y_MIN)
    }

    #[test]
    fn render_returns_the_picture_size() {
        let rgb = render(&sigmoid_like(), &sigmoid_like(), 0).unwrap();
        assert_eq!(rgb.len(), WIDTH as usize * HEIGHT as usize * 3);
    }

    #[test]
    fn sigmoid_profile_spans_six_decades() {
        let rgb = render(&sigmoid_like(), &sigmoid_like(), 0).unwrap();
        let y1 = middle_of(&rgb, column(1, 11), NOW).unwrap();
        let y11 = middle_of(&rgb, column(11, 11), NOW).unwrap();
        // Layer 1 at 1e-7, layer 11 at 1e-1: six decades apart, layer 1 lower.
        let decades = (y1 - y11) / decade();
        assert!((decades - 6.0).abs() < 0.15, "{decades} decades, want 6");
        // And where the axis puts them: 1e-1 is one decade... two below the top (1e1).
        let (_, top, _, _) = plot_area();
        let from_top = (y11 - f64::from(top)) / decade();
        assert!(
            (from_top - 2.0).abs() < 0.15,
            "layer 11 {from_top} decades down"
        );
    }

    #[test]
    fn flat_profile_is_flat() {
        let rgb = render(&flat(), &flat(), 0).unwrap();
        let y1 = middle_of(&rgb, column(1, 11), NOW).unwrap();
        let y11 = middle_of(&rgb, column(11, 11), NOW).unwrap();
        assert!((y1 - y11).abs() <= 1.0, "{y1} vs {y11}");
        // 1e-2 is three decades below the top.
        let (_, top, _, _) = plot_area();
        let from_top = (y1 - f64::from(top)) / decade();
        assert!((from_top - 3.0).abs() < 0.15, "{from_top} decades down");
    }

    #[test]
    fn start_profile_is_drawn_faint_after_step_0_only() {
        let faint = |rgb: &[u8]| {
            let x = column(1, 11);
            (0..HEIGHT).any(|y| pixel(rgb, x, y) == [START.0, START.1, START.2])
        };
        let later = render(&sigmoid_sunk(), &sigmoid_like(), 500).unwrap();
        assert!(faint(&later));
        let y_now = middle_of(&later, column(1, 11), NOW).unwrap();
        let y_start = middle_of(&later, column(1, 11), START).unwrap();
        assert!(((y_now - y_start) / decade() - 2.0).abs() < 0.2);
        assert!(!faint(
            &render(&sigmoid_like(), &sigmoid_like(), 0).unwrap()
        ));
    }

    #[test]
    fn zero_nan_and_huge_values_are_drawn_at_the_edges() {
        let values = [
            0.0,
            f32::NAN,
            1e30,
            f32::INFINITY,
            1e-30,
            f32::MIN_POSITIVE,
            -1.0,
        ];
        let rgb = render(&values, &[1e-2; 7], 7).unwrap();
        assert_eq!(rgb.len(), WIDTH as usize * HEIGHT as usize * 3);
        let (_, top, _, bottom) = plot_area();
        let n = values.len();
        let red = |k: usize| middle_of(&rgb, column(k, n), SPECIAL);
        // Zero: on the bottom edge; NaN (and -1): on the top edge.
        assert!(red(1).unwrap() > f64::from(bottom) - 8.0);
        assert!(red(2).unwrap() < f64::from(top) + 8.0);
        assert!(red(7).unwrap() < f64::from(top) + 8.0);
        // Beyond the range, either way: a triangle at that edge, pointing out of it.
        for (k, high) in [(3, true), (4, true), (5, false), (6, false)] {
            let rows = rows_of(&rgb, column(k, n), NOW);
            let (first, last) = (rows[0], rows[rows.len() - 1]);
            if high {
                assert!(first <= top + 5, "layer {k}: top pixel at {first}");
            } else {
                assert!(last + 5 >= bottom, "layer {k}: bottom pixel at {last}");
            }
        }
        // Nothing at all, or one layer, or many, draws too.
        for values in [vec![], vec![0.5], vec![1e-3; 200]] {
            let rgb = render(&values, &values, 3).unwrap();
            assert_eq!(rgb.len(), WIDTH as usize * HEIGHT as usize * 3);
        }
    }

    #[test]
    fn pictures_keep_to_a_palette() {
        // Flat colours and coverage snapped to halves: well under the 256
        // colours an indexed PNG holds, whatever the values.
        let special = [
            0.0,
            f32::NAN,
            1e30,
            1e-30,
            1e-3,
            1e-4,
            0.0,
            1e-2,
            1e-1,
            1.0,
            5.0,
        ];
        for (now, start) in [(sigmoid_sunk(), sigmoid_like()), (special.to_vec(), flat())] {
            let rgb = render(&now, &start, 123_456).unwrap();
            let colours: std::collections::HashSet<&[u8]> = rgb.chunks_exact(3).collect();
            assert!(colours.len() <= 128, "{} colours", colours.len());
        }
    }

    #[test]
    fn x_ticks_label_every_layer_up_to_12() {
        assert_eq!(x_ticks(1), [1.0]);
        assert_eq!(x_ticks(12).len(), 12);
        assert_eq!(x_ticks(13), [1.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 13.0]);
        assert_eq!(
            x_ticks(20),
            [1.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0]
        );
        assert_eq!(
            x_ticks(200),
            [1.0, 20.0, 40.0, 60.0, 80.0, 100.0, 120.0, 140.0, 160.0, 180.0, 200.0]
        );
    }

    #[test]
    fn table_text() {
        let start = [5.123e-7, 2.0e-3, 1.7e-1];
        let end = [1.0e-9, 0.0, 2.5e-2];
        assert_eq!(
            table(&start, &end, 10_000),
            "L2 norm of dCost/dW per layer; ratio: to the last layer's at the same step.\n\
             \n\
             | layer | step 0 | ratio | step 10000 | ratio |\n\
             |---:|---:|---:|---:|---:|\n\
             | 1 | 5.123e-7 | 3.014e-6 | 1.000e-9 | 4.000e-8 |\n\
             | 2 | 2.000e-3 | 1.176e-2 | 0.000e0 | 0.000e0 |\n\
             | 3 | 1.700e-1 | 1.000e0 | 2.500e-2 | 1.000e0 |\n"
        );
    }

    #[test]
    fn table_without_a_usable_last_layer() {
        assert_eq!(
            table(&[1.0, 0.0], &[f32::NAN], 5),
            "L2 norm of dCost/dW per layer; ratio: to the last layer's at the same step.\n\
             \n\
             | layer | step 0 | ratio | step 5 | ratio |\n\
             |---:|---:|---:|---:|---:|\n\
             | 1 | 1.000e0 | - | NaN | - |\n\
             | 2 | 0.000e0 | - | - | - |\n"
        );
    }

    /// Writes the example pictures as PNG under the target directory (to look at) and
    /// prints their sizes and the time per render (measured, not asserted).
    #[test]
    fn example_pictures() {
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
            .join("vanishing");
        std::fs::create_dir_all(&dir).unwrap();
        let relu_later: Vec<f32> = (0..11).map(|k| 2e-2 + 1e-3 * k as f32).collect();
        let deep: Vec<f32> = (0..30).map(|k| 10f32.powf(-9.5 + 0.3 * k as f32)).collect();
        let cases: [(&str, Vec<f32>, Vec<f32>, u64); 6] = [
            ("sigmoid_step0", sigmoid_like(), sigmoid_like(), 0),
            ("sigmoid_step1000", sigmoid_sunk(), sigmoid_like(), 1000),
            ("flat_step0", flat(), flat(), 0),
            ("flat_step1000", relu_later, flat(), 1000),
            (
                "special_step7",
                vec![
                    0.0,
                    f32::NAN,
                    1e30,
                    1e-30,
                    1e-3,
                    1e-4,
                    0.0,
                    0.0,
                    1e-2,
                    1e-1,
                    1.0,
                ],
                flat(),
                7,
            ),
            ("deep30_step0", deep.clone(), deep, 0),
        ];
        for (name, now, start, step) in &cases {
            let rgb = render(now, start, *step).unwrap();
            let png = encode_png(&rgb, WIDTH, HEIGHT).unwrap();
            let path = dir.join(format!("{name}.png"));
            std::fs::write(&path, &png).unwrap();
            println!(
                "{}: {} bytes (balanced deflate: {} bytes)",
                path.display(),
                png.len(),
                balanced_png(&rgb).len()
            );
        }
        let runs = 50;
        let (now, start) = (sigmoid_sunk(), sigmoid_like());
        let t = Instant::now();
        for _ in 0..runs {
            render(&now, &start, 1000).unwrap();
        }
        let per_render = t.elapsed().as_secs_f64() / f64::from(runs);
        let rgb = render(&now, &start, 1000).unwrap();
        let t = Instant::now();
        for _ in 0..runs {
            encode_png(&rgb, WIDTH, HEIGHT).unwrap();
        }
        let per_encode = t.elapsed().as_secs_f64() / f64::from(runs);
        let t = Instant::now();
        for _ in 0..runs {
            balanced_png(&rgb);
        }
        let per_balanced = t.elapsed().as_secs_f64() / f64::from(runs);
        println!(
            "render {:.2} ms, PNG encode {:.2} ms (balanced deflate {:.2} ms), each",
            per_render * 1e3,
            per_encode * 1e3,
            per_balanced * 1e3
        );
    }

    /// The picture as PNG at the `png` crate's balanced deflate, for comparison with
    /// the fast deflate `SummaryWriter::add_image` uses.
    fn balanced_png(rgb: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Balanced);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(rgb).unwrap();
        writer.finish().unwrap();
        out
    }
}
