//! The canvas every picture with text is drawn on: plotters' bitmap backend with its
//! text drawing replaced by glyphs of a font embedded in the binary (DejaVu Sans cut
//! down to ASCII and a few symbols: `fonts/README.md`), laid out and placed by hand, so
//! no system font is looked up at run time. Pictures are flat colours, with
//! antialiasing snapped to half steps: a few dozen colours, which keeps their PNGs
//! small.

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
// Not `BackendStyle`: its `stroke_width` would clash with plotters' `Color`'s.
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

/// What drawing a picture can fail with: what plotters reports, by kind.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// plotters did not accept the embedded font.
    #[error("the embedded chart font is not a usable TrueType font")]
    FontRejected,
    /// Text could not be laid out or drawn with the embedded font.
    #[error("cannot draw the picture's text: {0}")]
    Text(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The bitmap backend failed.
    #[error("cannot draw the picture: {0}")]
    Backend(#[source] BitMapError),
    /// The drawing area was shared while drawing (a plotters invariant).
    #[error("cannot draw the picture: its drawing area is in use")]
    Sharing,
    /// The picture's layout does not fit its size.
    #[error("cannot draw the picture: its layout does not fit")]
    Layout,
}

/// The bitmap backend's error type, named through the backend (it lives in
/// `plotters-bitmap`, which plotters does not re-export).
pub(crate) type BitMapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

type AreaError = DrawingAreaErrorKind<BitMapError>;

impl From<AreaError> for Error {
    fn from(e: AreaError) -> Error {
        match e {
            DrawingAreaErrorKind::BackendError(DrawingErrorKind::DrawingError(e)) => {
                Error::Backend(e)
            }
            DrawingAreaErrorKind::BackendError(DrawingErrorKind::FontError(e)) => Error::Text(e),
            DrawingAreaErrorKind::SharingError => Error::Sharing,
            DrawingAreaErrorKind::LayoutError => Error::Layout,
        }
    }
}

/// The embedded font (see `fonts/README.md`).
pub(crate) const FONT_BYTES: &[u8] = include_bytes!("fonts/DejaVuSans-Basic.ttf");
/// The name the font is registered under with plotters (its font table is global).
pub(crate) const FONT: &str = "tbtrain-dejavu-sans";

/// A text style of the embedded font.
pub(crate) fn font(size: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(colour)
}

/// Draws on `rgb` (`width` x `height` RGB pixels, row-major, as they are: the caller
/// fills the background) with `draw`, through the [`Canvas`].
pub(crate) fn draw_on(
    rgb: &mut [u8],
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<Canvas<'_>, Shift>) -> Result<(), Error>,
) -> Result<(), Error> {
    let font = embedded_font()?;
    let bitmap = BitMapBackend::with_buffer(rgb, (width, height));
    let root = Canvas { bitmap, font }.into_drawing_area();
    draw(&root)?;
    root.present()?;
    Ok(())
}

/// The embedded font, parsed and registered with plotters once per process.
pub(crate) fn embedded_font() -> Result<&'static FontRef<'static>, Error> {
    static FONT_REF: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT_REF
        .get_or_init(|| {
            let font = FontRef::try_from_slice(FONT_BYTES).ok()?;
            plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).ok()?;
            Some(font)
        })
        .as_ref()
        .ok_or(Error::FontRejected)
}

/// plotters' bitmap backend with text drawn where the font puts each glyph.
///
/// plotters 0.3.7 draws `ab_glyph` text with every glyph's ink at its pen position,
/// dropping the glyph's left side bearing ("1" then sits too far left, "step 1000"
/// reads "step 1 000"). This backend lays text out itself with the same font: pen
/// advances and kerning as plotters measures them, each glyph's outline at its place
/// from the baseline. Everything else is the bitmap backend's.
pub(crate) struct Canvas<'a> {
    pub(crate) bitmap: BitMapBackend<'a>,
    pub(crate) font: &'static FontRef<'static>,
}

impl Canvas<'_> {
    /// Glyphs of `text` at `size` px: (glyph, pen x), the line's width and its ascent
    /// and descent (below the baseline, positive) in pixels.
    fn layout(&self, text: &str, size: f64) -> (Vec<(ab_glyph::Glyph, f32)>, f32, f32, f32) {
        let scaled = self.font.as_scaled(PxScale::from(size as f32));
        let mut pen = 0.0f32;
        let mut prev = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            glyphs.push((id.with_scale(scaled.scale()), pen));
            pen += scaled.h_advance(id);
            prev = Some(id);
        }
        (glyphs, pen, scaled.ascent(), -scaled.descent())
    }
}

impl DrawingBackend for Canvas<'_> {
    type ErrorType = BitMapError;

    fn get_size(&self) -> (u32, u32) {
        self.bitmap.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.bitmap.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.bitmap.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        // Partial coverage (antialiased text and thin lines) snaps to 0, 1/2 or 1: the
        // text stays legible, the picture keeps to a few dozen colours (a palette PNG
        // could hold it) and its fast-deflate PNG is about a quarter smaller.
        let alpha = (color.alpha * 2.0).round() / 2.0;
        if alpha == 0.0 {
            return Ok(());
        }
        self.bitmap
            .draw_pixel(point, BackendColor { alpha, ..color })
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.bitmap.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.bitmap.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.bitmap.blit_bitmap(pos, (iw, ih), src)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let (_, width, ascent, descent) = self.layout(text, style.size());
        Ok((width.ceil() as u32, (ascent + descent).ceil() as u32))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let (glyphs, width, ascent, descent) = self.layout(text, style.size());
        let anchor = style.anchor();
        // The text box's top-left corner relative to `pos`, before the transform.
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -(ascent + descent) / 2.0,
            VPos::Bottom => -(ascent + descent),
        };
        let transform = style.transform();
        let (w, h) = self.get_size();
        for (glyph, pen) in glyphs {
            let glyph = ab_glyph::Glyph {
                position: ab_glyph::point(dx + pen, dy + ascent),
                ..glyph
            };
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            let mut result = Ok(());
            outline.draw(|x, y, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (x, y) = transform.transform(
                    bounds.min.x as i32 + x as i32,
                    bounds.min.y as i32 + y as i32,
                );
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                    let c = BackendColor {
                        alpha: colour.alpha * f64::from(coverage.min(1.0)),
                        rgb: colour.rgb,
                    };
                    result = self.draw_pixel((x, y), c);
                }
            });
            result?;
        }
        Ok(())
    }
}
