//! The `evaluation/confusion_matrix` picture: how the test set's examples of each class were
//! classified, as a grid of cells, one row per true class and one column per predicted
//! class, each cell shaded by the fraction of its row and labelled with it in percent.
//!
//! A network that learns puts its mass on the diagonal; the collapsed deep sigmoid net
//! predicts one class for every input, which shows as one dark column. The picture is
//! [`WIDTH`] pixels wide (narrower than a TensorBoard card, so it is only ever enlarged)
//! for up to [`MAX_LABELLED`] classes; with more, the cells get no numbers and
//! shrink to fit; past [`MAX_CLASSES`] there is no picture ([`render`] gives `None`).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, Error};

/// Picture width in pixels.
pub const WIDTH: u32 = 320;
/// Most classes whose cells carry their percentage and whose rows their names.
pub const MAX_LABELLED: usize = 12;
/// Most classes drawn at all (a cell is at least 2 pixels).
pub const MAX_CLASSES: usize = 120;

const TITLE: u32 = 22;
const HEADER: u32 = 16;
const FOOTER: u32 = 18;
const MARGIN: u32 = 6;
const NAME_AREA: u32 = 96;

const TEXT: RGBColor = RGBColor(40, 40, 40);
const LIGHT_TEXT: RGBColor = RGBColor(250, 250, 250);
const GRID: RGBColor = RGBColor(200, 200, 200);
const DIAGONAL: RGBColor = RGBColor(30, 120, 60);

/// The picture of `counts` (`names.len()` squared, row-major: row = true class, column
/// = predicted), as RGB pixels with their size; `None` for more than [`MAX_CLASSES`]
/// classes or counts that are not a square of the names.
pub fn render(counts: &[u64], names: &[String]) -> Result<Option<(Vec<u8>, u32, u32)>, Error> {
    let k = names.len();
    if k == 0 || k > MAX_CLASSES || counts.len() != k * k {
        return Ok(None);
    }
    let labelled = k <= MAX_LABELLED;
    let name_area = if labelled { NAME_AREA } else { MARGIN };
    let cell_w = ((WIDTH - name_area - MARGIN) as usize / k).max(2) as u32;
    let cell_h = if labelled { 18 } else { cell_w };
    let grid_w = cell_w * k as u32;
    let grid_h = cell_h * k as u32;
    let height = TITLE + HEADER + grid_h + FOOTER;
    let mut rgb = vec![255u8; WIDTH as usize * height as usize * 3];
    let left = name_area as i32;
    let top = (TITLE + HEADER) as i32;
    canvas::draw_on(&mut rgb, (WIDTH, height), |root| {
        root.draw(&Text::new(
            "confusion matrix (% of each true class)",
            (MARGIN as i32, TITLE as i32 / 2),
            canvas::font(13.0, &TEXT).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        for truth in 0..k {
            let row: Vec<u64> = counts[truth * k..(truth + 1) * k].to_vec();
            let total: u64 = row.iter().sum();
            let y = top + (truth as u32 * cell_h) as i32;
            if labelled {
                root.draw(&Text::new(
                    format!("{truth} {}", names[truth]),
                    (left - 4, y + cell_h as i32 / 2),
                    canvas::font(11.0, &TEXT).pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
            for (predicted, &count) in row.iter().enumerate() {
                let share = if total == 0 {
                    0.0
                } else {
                    count as f64 / total as f64
                };
                let x = left + (predicted as u32 * cell_w) as i32;
                let corner = (x + cell_w as i32, y + cell_h as i32);
                root.draw(&Rectangle::new([(x, y), corner], shade(share).filled()))?;
                if labelled && total > 0 {
                    let percent = (share * 100.0).round() as u64;
                    let colour = if share > 0.5 { &LIGHT_TEXT } else { &TEXT };
                    root.draw(&Text::new(
                        percent.to_string(),
                        (x + cell_w as i32 / 2, y + cell_h as i32 / 2),
                        canvas::font(10.0, colour).pos(Pos::new(HPos::Center, VPos::Center)),
                    ))?;
                }
                if predicted == truth {
                    root.draw(&Rectangle::new([(x, y), corner], DIAGONAL.stroke_width(1)))?;
                }
            }
        }
        if labelled {
            for predicted in 0..k {
                let x = left + (predicted as u32 * cell_w + cell_w / 2) as i32;
                root.draw(&Text::new(
                    predicted.to_string(),
                    (x, top - HEADER as i32 / 2),
                    canvas::font(11.0, &TEXT).pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
        }
        root.draw(&Rectangle::new(
            [(left, top), (left + grid_w as i32, top + grid_h as i32)],
            GRID.stroke_width(1),
        ))?;
        let caption = if labelled {
            "rows: true class; columns: predicted class"
        } else {
            "rows: true class; columns: predicted (in class order)"
        };
        root.draw(&Text::new(
            caption,
            (MARGIN as i32, (height - FOOTER / 2) as i32),
            canvas::font(11.0, &TEXT).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        Ok(())
    })?;
    Ok(Some((rgb, WIDTH, height)))
}

/// The cell colour of a share of its row: white at 0, deep blue at 1.
fn shade(share: f64) -> RGBColor {
    let s = if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    };
    let mix = |white: f64, full: f64| (white + (full - white) * s).round() as u8;
    RGBColor(mix(255.0, 25.0), mix(255.0, 70.0), mix(255.0, 150.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("class {i}")).collect()
    }

    fn pixel(rgb: &[u8], width: u32, x: u32, y: u32) -> [u8; 3] {
        let o = (y * width + x) as usize * 3;
        [rgb[o], rgb[o + 1], rgb[o + 2]]
    }

    #[test]
    fn cells_are_shaded_by_the_share_of_their_row() {
        // Class 0: all right; class 1: all predicted as 0 (a collapsed net's column).
        let (rgb, w, h) = render(&[10, 0, 7, 0], &names(2)).unwrap().unwrap();
        assert_eq!(w, WIDTH);
        assert_eq!(h, TITLE + HEADER + 2 * 18 + FOOTER);
        assert_eq!(rgb.len(), (w * h * 3) as usize);
        let cell_w = (WIDTH - NAME_AREA - MARGIN) / 2;
        let top = TITLE + HEADER;
        // A corner of each cell, inside the border, away from its number.
        let at =
            |row: u32, col: u32| pixel(&rgb, w, NAME_AREA + col * cell_w + 3, top + row * 18 + 3);
        assert_eq!(at(0, 0), [25, 70, 150]);
        assert_eq!(at(0, 1), [255, 255, 255]);
        assert_eq!(at(1, 0), [25, 70, 150]);
        assert_eq!(at(1, 1), [255, 255, 255]);
    }

    #[test]
    fn sizes_past_the_labelled_ones_shrink_and_past_the_limit_draw_nothing() {
        let k = 50;
        let mut counts = vec![0u64; k * k];
        for i in 0..k {
            counts[i * k + i] = 3;
        }
        let (rgb, w, h) = render(&counts, &names(k)).unwrap().unwrap();
        let cell = (WIDTH - 2 * MARGIN) / k as u32;
        assert_eq!((w, h), (WIDTH, TITLE + HEADER + cell * k as u32 + FOOTER));
        assert_eq!(rgb.len(), (w * h * 3) as usize);
        assert!(render(&vec![0; 121 * 121], &names(121)).unwrap().is_none());
        assert!(render(&[1, 2, 3], &names(2)).unwrap().is_none());
    }

    #[test]
    fn shades_run_from_white_to_blue() {
        assert_eq!(shade(0.0), RGBColor(255, 255, 255));
        assert_eq!(shade(1.0), RGBColor(25, 70, 150));
        assert_eq!(shade(f64::NAN), RGBColor(255, 255, 255));
    }
}
