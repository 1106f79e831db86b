//! The decision-boundary picture: the network's output over the input plane.
//!
//! The model is evaluated on a coarse `grid x grid` lattice of the plane (cheap even for
//! deep nets), and the picture is drawn at full size by bilinear interpolation of those
//! probabilities through a diverging colour map: blue for an output of 0, light grey
//! for 0.5, red for 1. A collapsed network therefore shows a flat grey field; one that
//! learned XOR shows the checkerboard. The training points are drawn on top in their label's colour.

use ndarray::{Array2, Axis};

use crate::data::Dataset;
use crate::nn::{self, Mlp, Workspace};

/// Lattice points per side at which the model is evaluated.
pub const GRID: usize = 48;
/// Picture width and height in pixels.
pub const SIZE: usize = 192;

/// The `grid * grid` lattice points of `plane` (`[xmin, xmax, ymin, ymax]`), row-major,
/// first row at the top (`ymax`), as `[x, y]` pairs flattened.
pub fn lattice(plane: [f32; 4], grid: usize) -> Vec<f32> {
    let [x0, x1, y0, y1] = plane;
    let step = |lo: f32, hi: f32, i: usize| {
        if grid <= 1 {
            (lo + hi) / 2.0
        } else {
            lo + (hi - lo) * i as f32 / (grid - 1) as f32
        }
    };
    let mut out = Vec::with_capacity(grid * grid * 2);
    for r in 0..grid {
        let y = step(y1, y0, r);
        for c in 0..grid {
            out.push(step(x0, x1, c));
            out.push(y);
        }
    }
    out
}

/// A training point to draw: position and 0/1 label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
    pub label: f32,
}

/// Draws the picture: `probs` holds the model's output at each [`lattice`] point
/// (`grid * grid` values). Returns `size * size` RGB pixels.
pub fn render(
    probs: &[f32],
    grid: usize,
    plane: [f32; 4],
    points: &[Point],
    size: usize,
) -> Vec<u8> {
    let mut rgb = vec![0u8; size * size * 3];
    if grid == 0 || probs.len() < grid * grid || size == 0 {
        return rgb;
    }
    let scale = if size > 1 {
        (grid - 1) as f32 / (size - 1) as f32
    } else {
        0.0
    };
    // Where each pixel column (and row: the picture is square) falls between two
    // lattice points, worked out once: `(lower, upper, weight of upper)`.
    let taps: Vec<(usize, usize, f32)> = (0..size)
        .map(|i| {
            let g = i as f32 * scale;
            // `g >= 0`, so truncation is the floor.
            let lo = (g as usize).min(grid - 1);
            (lo, (lo + 1).min(grid - 1), g - lo as f32)
        })
        .collect();
    // Bilinear interpolation, separated: first between two lattice rows, for every
    // lattice column, then along the pixel row.
    let mut line = vec![0.0f32; grid];
    for (&(r0, r1, fy), row) in taps.iter().zip(rgb.chunks_exact_mut(size * 3)) {
        let top = &probs[r0 * grid..(r0 + 1) * grid];
        let bottom = &probs[r1 * grid..(r1 + 1) * grid];
        for ((l, &t), &b) in line.iter_mut().zip(top).zip(bottom) {
            *l = t * (1.0 - fy) + b * fy;
        }
        for (&(c0, c1, fx), px) in taps.iter().zip(row.chunks_exact_mut(3)) {
            let v = line[c0] * (1.0 - fx) + line[c1] * fx;
            px.copy_from_slice(&colour(v));
        }
    }
    let [x0, x1, y0, y1] = plane;
    let radius = (size as f32 / 40.0).max(2.0);
    for pt in points {
        let cx = (pt.x - x0) / (x1 - x0) * (size - 1) as f32;
        let cy = (y1 - pt.y) / (y1 - y0) * (size - 1) as f32;
        let fill = if pt.label > 0.5 {
            [200, 30, 40]
        } else {
            [30, 70, 200]
        };
        draw_disc(&mut rgb, size, cx, cy, radius, fill);
    }
    rgb
}

/// Diverging colour map: 0 blue, 0.5 light grey, 1 red. Non-finite values are black.
pub fn colour(p: f32) -> [u8; 3] {
    if !p.is_finite() {
        return [0, 0, 0];
    }
    const BLUE: [f32; 3] = [59.0, 76.0, 192.0];
    const MID: [f32; 3] = [221.0, 221.0, 221.0];
    const RED: [f32; 3] = [180.0, 4.0, 38.0];
    let p = p.clamp(0.0, 1.0);
    let (a, b, t) = if p < 0.5 {
        (BLUE, MID, p * 2.0)
    } else {
        (MID, RED, (p - 0.5) * 2.0)
    };
    // Every channel lies in [4, 221], so adding 0.5 and truncating rounds it (half up),
    // without a call to `roundf`.
    let mix = |i: usize| (a[i] + (b[i] - a[i]) * t + 0.5) as u8;
    [mix(0), mix(1), mix(2)]
}

fn draw_disc(rgb: &mut [u8], size: usize, cx: f32, cy: f32, r: f32, fill: [u8; 3]) {
    let lo_y = (cy - r - 1.0).floor().max(0.0) as usize;
    let hi_y = ((cy + r + 1.0).ceil().max(0.0) as usize).min(size.saturating_sub(1));
    let lo_x = (cx - r - 1.0).floor().max(0.0) as usize;
    let hi_x = ((cx + r + 1.0).ceil().max(0.0) as usize).min(size.saturating_sub(1));
    for y in lo_y..=hi_y {
        for x in lo_x..=hi_x {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
            let o = (y * size + x) * 3;
            if d <= r - 1.0 {
                rgb[o..o + 3].copy_from_slice(&fill);
            } else if d <= r + 0.5 {
                rgb[o..o + 3].copy_from_slice(&[255, 255, 255]);
            }
        }
    }
}

/// Draws a network's decision boundary over its dataset's plane. The model is evaluated
/// one lattice row at a time through a [`Workspace`] made once for [`GRID`] points: its
/// buffers stay small enough for the CPU's nearest cache, and a picture allocates
/// nothing but its probabilities and pixels.
#[derive(Debug)]
pub struct Painter {
    /// The [`lattice`] points, `[GRID * GRID, 2]`, row by row.
    lattice: Array2<f32>,
    /// Buffers for one lattice row.
    ws: Workspace,
    plane: [f32; 4],
    points: Vec<Point>,
}

impl Painter {
    /// A painter for `mlp` trained on `data`; `None` unless the data has exactly two
    /// features (there is no plane to draw otherwise).
    pub fn new(data: &Dataset, mlp: &Mlp) -> Result<Option<Painter>, nn::Error> {
        if data.features() != 2 {
            return Ok(None);
        }
        let plane = data.plane();
        let flat = lattice(plane, GRID);
        let lattice = Array2::from_shape_fn((GRID * GRID, 2), |(i, c)| flat[2 * i + c]);
        let points = (0..data.len())
            .filter_map(|i| {
                let row = data.row(i)?;
                Some(Point {
                    x: row[0],
                    y: row[1],
                    label: *data.labels().get(i)? as f32,
                })
            })
            .collect();
        Ok(Some(Painter {
            ws: Workspace::new(mlp, GRID)?,
            lattice,
            plane,
            points,
        }))
    }

    /// `mlp`'s output at every [`lattice`] point, row by row (an error only for a network
    /// other than the one the painter was made for).
    pub fn probabilities(&mut self, mlp: &Mlp) -> Result<Vec<f32>, nn::Error> {
        let mut probs = Vec::with_capacity(GRID * GRID);
        for row in self.lattice.axis_chunks_iter(Axis(0), GRID) {
            self.ws.predict(mlp, row)?;
            probs.extend(self.ws.output());
        }
        Ok(probs)
    }

    /// The picture of `mlp`'s output now: [`SIZE`] x [`SIZE`] RGB pixels (an error only
    /// for a network other than the one the painter was made for).
    pub fn paint(&mut self, mlp: &Mlp) -> Result<Vec<u8>, nn::Error> {
        let probs = self.probabilities(mlp)?;
        Ok(render(&probs, GRID, self.plane, &self.points, SIZE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_corners() {
        let l = lattice([-0.5, 1.5, -0.5, 1.5], 3);
        assert_eq!(l.len(), 18);
        assert_eq!(&l[..2], &[-0.5, 1.5]); // top-left
        assert_eq!(&l[2..4], &[0.5, 1.5]);
        assert_eq!(&l[16..], &[1.5, -0.5]); // bottom-right
    }

    #[test]
    fn colour_map_ends_and_middle() {
        assert_eq!(colour(0.0), [59, 76, 192]);
        assert_eq!(colour(0.5), [221, 221, 221]);
        assert_eq!(colour(1.0), [180, 4, 38]);
        assert_eq!(colour(f32::NAN), [0, 0, 0]);
    }

    #[test]
    fn flat_field_is_flat_grey_away_from_points() {
        let grid = 4;
        let probs = vec![0.5; grid * grid];
        let img = render(&probs, grid, [-0.5, 1.5, -0.5, 1.5], &[], 16);
        assert_eq!(img.len(), 16 * 16 * 3);
        assert!(img.chunks(3).all(|px| px == [221, 221, 221]));
    }

    #[test]
    fn points_are_drawn_at_their_place() {
        let grid = 2;
        let probs = vec![0.5; 4];
        let pts = [
            Point {
                x: 1.0,
                y: 1.0,
                label: 1.0,
            },
            Point {
                x: 0.0,
                y: 0.0,
                label: 0.0,
            },
        ];
        let size = 81;
        let img = render(&probs, grid, [-0.5, 1.5, -0.5, 1.5], &pts, size);
        let at = |x: usize, y: usize| &img[(y * size + x) * 3..(y * size + x) * 3 + 3];
        // (1, 1) maps to pixel (60, 20); (0, 0) to (20, 60).
        assert_eq!(at(60, 20), &[200, 30, 40]);
        assert_eq!(at(20, 60), &[30, 70, 200]);
        assert_eq!(at(40, 40), &[221, 221, 221]);
    }

    #[test]
    fn separated_interpolation_matches_the_bilinear_formula() {
        // A 3x3 lattice with distinct values, drawn at 9x9: every pixel is the colour of
        // the plain bilinear interpolation at its place (lattice step = 4 pixels).
        let probs = [0.0, 0.1, 0.2, 0.3, 0.5, 0.55, 0.7, 0.9, 1.0];
        let img = render(&probs, 3, [0.0, 1.0, 0.0, 1.0], &[], 9);
        for py in 0..9 {
            for px in 0..9 {
                let (gy, gx) = (py as f32 / 4.0, px as f32 / 4.0);
                let (r0, c0) = ((gy as usize).min(2), (gx as usize).min(2));
                let (r1, c1) = ((r0 + 1).min(2), (c0 + 1).min(2));
                let (fy, fx) = (gy - r0 as f32, gx - c0 as f32);
                let p = |r: usize, c: usize| probs[r * 3 + c];
                let top = p(r0, c0) * (1.0 - fx) + p(r0, c1) * fx;
                let bottom = p(r1, c0) * (1.0 - fx) + p(r1, c1) * fx;
                let want = colour(top * (1.0 - fy) + bottom * fy);
                let o = (py * 9 + px) * 3;
                assert_eq!(img[o..o + 3], want, "pixel ({px}, {py})");
            }
        }
        // Spot values: the lattice points themselves.
        assert_eq!(img[(4 * 9 + 4) * 3..(4 * 9 + 4) * 3 + 3], colour(0.5));
        assert_eq!(img[(8 * 9 + 8) * 3..(8 * 9 + 8) * 3 + 3], [180, 4, 38]);
    }

    #[test]
    fn colour_rounds_half_up() {
        // 0.25: halfway from blue to grey: 59 + 162 * 0.5 = 140, 76 + 145 * 0.5 = 148.5,
        // 192 + 29 * 0.5 = 206.5.
        assert_eq!(colour(0.25), [140, 149, 207]);
        assert_eq!(colour(-3.0), [59, 76, 192]);
        assert_eq!(colour(7.0), [180, 4, 38]);
    }

    #[test]
    fn gradient_interpolates() {
        // Left column 0, right column 1: the middle pixel of the picture is grey.
        let probs = vec![0.0, 1.0, 0.0, 1.0];
        let img = render(&probs, 2, [0.0, 1.0, 0.0, 1.0], &[], 3);
        assert_eq!(&img[..3], &[59, 76, 192]);
        assert_eq!(&img[3..6], &[221, 221, 221]);
        assert_eq!(&img[6..9], &[180, 4, 38]);
    }

    #[test]
    fn painter_rows_give_the_outputs_of_the_whole_lattice_at_once() {
        use rand::SeedableRng;
        let data = crate::data::xor();
        let config = nn::MlpConfig {
            inputs: 2,
            width: 5,
            depth: 11,
            hidden: nn::Activation::Relu,
            init: nn::Init::Uniform,
            classes: 2,
        };
        let mlp = Mlp::new(&config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3)).unwrap();
        let mut painter = Painter::new(&data, &mlp).unwrap().unwrap();
        let probs = painter.probabilities(&mlp).unwrap();
        let whole = mlp.predict(painter.lattice.view()).unwrap();
        assert_eq!(probs.len(), GRID * GRID);
        assert_eq!(probs, whole.to_vec());
        // Another shape of network is refused.
        let other = Mlp::new(
            &nn::MlpConfig { depth: 3, ..config },
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(3),
        )
        .unwrap();
        assert!(painter.probabilities(&other).is_err());
    }
}
