//! The `evaluation/test_images` picture: the test set's first images, each with the class the
//! network predicts for it and its true class.
//!
//! Sixteen images in a 4 x 4 grid, each enlarged to [`SCALE`] times its size; under
//! each, the predicted class (green when right, red when wrong) and, in grey, the true
//! one. The same images at every logged step, so the slider shows the predictions
//! change; a collapsed network names one class under every image. The picture is
//! [`WIDTH`] pixels wide for 28 x 28 images (narrower than a TensorBoard card, so it is
//! only ever enlarged, and one-pixel text strokes survive).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, Error};
use crate::data::ImageShape;

/// Images per row and per column.
pub const COLUMNS: usize = 4;
/// Images shown.
pub const SHOWN: usize = COLUMNS * COLUMNS;
/// How much each image is enlarged (each pixel becomes `SCALE` x `SCALE`).
pub const SCALE: usize = 2;
/// Picture width for 28 x 28 images.
pub const WIDTH: u32 = (COLUMNS * CELL_28) as u32;

const CELL_28: usize = 28 * SCALE + 2 * PAD;
const PAD: usize = 12;
const TEXT_LINES: usize = 26;
const TITLE: usize = 22;

const TEXT: RGBColor = RGBColor(40, 40, 40);
const TRUTH: RGBColor = RGBColor(120, 120, 120);
const RIGHT: RGBColor = RGBColor(20, 130, 50);
const WRONG: RGBColor = RGBColor(200, 30, 30);

/// One image to show: its pixels (grey, one byte each, row by row), the predicted
/// class's name and the true one's.
pub struct Shown<'a> {
    pub pixels: &'a [u8],
    pub predicted: &'a str,
    pub truth: &'a str,
}

/// The picture of `images` (at most [`SHOWN`], each `shape`), as RGB pixels with its
/// width and height.
pub fn render(images: &[Shown<'_>], shape: ImageShape) -> Result<(Vec<u8>, u32, u32), Error> {
    let images = &images[..images.len().min(SHOWN)];
    let cell_w = shape.width * SCALE + 2 * PAD;
    let cell_h = shape.height * SCALE + TEXT_LINES + PAD / 2;
    let rows = images.len().div_ceil(COLUMNS).max(1);
    let (width, height) = (COLUMNS * cell_w, TITLE + rows * cell_h);
    let mut rgb = vec![255u8; width * height * 3];
    // The images themselves, each pixel a SCALE x SCALE block.
    for (i, shown) in images.iter().enumerate() {
        let (x0, y0) = ((i % COLUMNS) * cell_w + PAD, TITLE + (i / COLUMNS) * cell_h);
        for (p, &value) in shown
            .pixels
            .iter()
            .take(shape.width * shape.height)
            .enumerate()
        {
            let (px, py) = (p % shape.width, p / shape.width);
            for dy in 0..SCALE {
                let row = (y0 + py * SCALE + dy) * width;
                for dx in 0..SCALE {
                    let o = (row + x0 + px * SCALE + dx) * 3;
                    if let Some(out) = rgb.get_mut(o..o + 3) {
                        out.fill(value);
                    }
                }
            }
        }
    }
    let size = (width as u32, height as u32);
    canvas::draw_on(&mut rgb, size, |root| {
        root.draw(&Text::new(
            "test images: predicted / true class",
            (6, TITLE as i32 / 2),
            canvas::font(13.0, &TEXT).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        for (i, shown) in images.iter().enumerate() {
            let x = ((i % COLUMNS) * cell_w + cell_w / 2) as i32;
            let y = (TITLE + (i / COLUMNS) * cell_h + shape.height * SCALE) as i32;
            let colour = if shown.predicted == shown.truth {
                &RIGHT
            } else {
                &WRONG
            };
            let centred =
                |colour| canvas::font(11.0, colour).pos(Pos::new(HPos::Center, VPos::Top));
            root.draw(&Text::new(
                shown.predicted.to_string(),
                (x, y + 2),
                centred(colour),
            ))?;
            root.draw(&Text::new(
                shown.truth.to_string(),
                (x, y + 14),
                centred(&TRUTH),
            ))?;
        }
        Ok(())
    })?;
    Ok((rgb, size.0, size.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_enlarged_in_their_cells_and_the_picture_fits_a_card() {
        let shape = ImageShape {
            height: 28,
            width: 28,
        };
        let mut pixels = vec![0u8; 28 * 28];
        pixels[0] = 200; // top-left pixel
        pixels[28 * 28 - 1] = 100; // bottom-right pixel
        let shown: Vec<Shown> = (0..SHOWN)
            .map(|_| Shown {
                pixels: &pixels,
                predicted: "Bag",
                truth: "Ankle boot",
            })
            .collect();
        let (rgb, w, h) = render(&shown, shape).unwrap();
        assert_eq!(w, WIDTH);
        assert_eq!(w, 320);
        let cell_h = 28 * SCALE + TEXT_LINES + PAD / 2;
        assert_eq!(h as usize, TITLE + 4 * cell_h);
        let at = |x: usize, y: usize| {
            let o = (y * w as usize + x) * 3;
            [rgb[o], rgb[o + 1], rgb[o + 2]]
        };
        // The second image's top-left pixel, enlarged: a 2x2 block.
        let (x0, y0) = (CELL_28 + PAD, TITLE);
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            assert_eq!(at(x0 + dx, y0 + dy), [200, 200, 200]);
        }
        assert_eq!(at(x0 + 2, y0), [0, 0, 0]);
        assert_eq!(at(x0 + 55, y0 + 55), [100, 100, 100]);
        // Left of the image, the cell's padding stays white.
        assert_eq!(at(x0 - 1, y0), [255, 255, 255]);
        // Some pixel under the first image is red (a wrong prediction's text).
        let under = (TITLE + 56..TITLE + 56 + 14)
            .any(|y| (PAD..PAD + 56).any(|x| at(x, y)[0] > 150 && at(x, y)[1] < 100));
        assert!(under);
    }
}
