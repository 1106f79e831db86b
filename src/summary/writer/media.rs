//! The adders of what is not a scalar: histograms (bucketed here, or on the background
//! thread of a non-blocking writer), RGB images (checked here, PNG-encoded in the core),
//! markdown text and the graph. Each takes the tag's description on its first event.

use prost::Message;

use super::{check_tag, closed, Sink, SummaryWriter};
use crate::events::writer::now;
use crate::proto::{event, Event, GraphDef, HistogramProto};
use crate::summary::background::{Job, Stamp};
use crate::summary::Error;

impl SummaryWriter {
    /// Logs the histogram of `values`: 30 equal buckets, NaN and infinities skipped; no
    /// finite values gives an empty histogram with `num == 0` (see [`mod@crate::summary::histogram`]).
    /// A non-blocking writer buckets them on its thread.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_histogram("layer1/weights", &[0.1, -0.3, 0.7, 0.2], 0)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_histogram(&mut self, tag: &str, values: &[f32], step: i64) -> Result<(), Error> {
        self.reported()?;
        check_tag(tag, "tag")?;
        let description = self.first_use(tag);
        let wall_time = now(self.clock);
        match &mut self.sink {
            Sink::Direct(core) => {
                core.histogram(tag, values, step, wall_time, description.as_deref())
            }
            Sink::Background(bg) => {
                let values = bg.copy_values(values);
                bg.push(Job::Histogram {
                    tag: tag.to_string(),
                    values,
                    at: Stamp::new(step, wall_time, description),
                })
            }
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Logs a histogram computed elsewhere, as given.
    ///
    /// ```
    /// use tbtrain::proto::HistogramProto;
    ///
    /// let histo = HistogramProto {
    ///     min: 0.0,
    ///     max: 2.0,
    ///     num: 3.0,
    ///     sum: 3.0,
    ///     sum_squares: 5.0,
    ///     bucket_limit: vec![1.0, 2.0],
    ///     bucket: vec![1.0, 2.0],
    /// };
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_histogram_raw("counts", &histo, 0)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_histogram_raw(
        &mut self,
        tag: &str,
        histo: &HistogramProto,
        step: i64,
    ) -> Result<(), Error> {
        self.reported()?;
        check_tag(tag, "tag")?;
        let description = self.first_use(tag);
        let wall_time = now(self.clock);
        match &mut self.sink {
            Sink::Direct(core) => {
                core.histogram_raw(tag, histo, step, wall_time, description.as_deref())
            }
            Sink::Background(bg) => bg.push(Job::HistogramRaw {
                tag: tag.to_string(),
                histo: histo.clone(),
                at: Stamp::new(step, wall_time, description),
            }),
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Logs an 8-bit RGB image (`rgb.len()` must be `width * height * 3`, row by row) as
    /// PNG. A non-blocking writer checks the size here and encodes on its thread.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// let red_then_blue = [255, 0, 0, 0, 0, 255];
    /// w.add_image("pixels", &red_then_blue, 2, 1, 0)?;
    /// assert!(w.add_image("pixels", &red_then_blue, 3, 1, 1).is_err()); // 3x1 needs 9 bytes
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image(
        &mut self,
        tag: &str,
        rgb: &[u8],
        width: u32,
        height: u32,
        step: i64,
    ) -> Result<(), Error> {
        self.reported()?;
        check_tag(tag, "tag")?;
        crate::summary::image::check(tag, rgb, width, height)?;
        let description = self.first_use(tag);
        let wall_time = now(self.clock);
        match &mut self.sink {
            Sink::Direct(core) => core.image(
                tag,
                rgb,
                width,
                height,
                step,
                wall_time,
                description.as_deref(),
            ),
            Sink::Background(bg) => {
                let rgb = bg.copy_bytes(rgb);
                bg.push(Job::Image {
                    tag: tag.to_string(),
                    rgb,
                    width,
                    height,
                    at: Stamp::new(step, wall_time, description),
                })
            }
            Sink::Closed => Err(closed(&self.event_file)),
        }
    }

    /// Logs an image already encoded as PNG (by the caller's own encoder or plotting
    /// library), as is: TensorBoard shows the PNG itself, and its width and height are
    /// read from its header. Bytes that do not start like a PNG are an error
    /// ([`Error::NotPng`]).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// let png = tbtrain::summary::image::encode_png(&[255, 0, 0, 0, 0, 255], 2, 1)?;
    /// w.add_png("pixels", &png, 0)?;
    /// assert!(w.add_png("pixels", b"GIF89a", 1).is_err());
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_png(&mut self, tag: &str, png: &[u8], step: i64) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        let summary = crate::summary::image::png(tag, png.to_vec())?;
        let description = self.first_use(tag);
        self.summary(step, summary, description)
    }

    /// Logs markdown text.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_text("notes", "| layer | norm |\n|---|---|\n| 1 | 5e-7 |", 0)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_text(&mut self, tag: &str, markdown: &str, step: i64) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        let description = self.first_use(tag);
        self.summary(step, crate::summary::text::text(tag, markdown), description)
    }

    /// Logs the run's graph (shown by the graphs dashboard), at step 0.
    ///
    /// ```
    /// use tbtrain::proto::{GraphDef, NodeDef};
    ///
    /// let graph = GraphDef {
    ///     node: vec![NodeDef { name: "x".into(), op: "Placeholder".into(), ..Default::default() }],
    ///     ..Default::default()
    /// };
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_graph(&graph)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_graph(&mut self, graph: &GraphDef) -> Result<(), Error> {
        let event = Event {
            wall_time: now(self.clock),
            step: 0,
            what: Some(event::What::GraphDef(graph.encode_to_vec())),
            source_metadata: None,
        };
        self.write_event(event)
    }
}
