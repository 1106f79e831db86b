//! The run's pictures, drawn on a thread of their own.
//!
//! One picture step costs about 0.8 ms: the network over the decision boundary's
//! lattice, that picture, the vanishing-gradient chart, and their PNG encodings. That
//! is a quarter of a default run, and none of it is needed by the next training step.
//! So the loop hands a copy of what a picture shows (the network's parameters, this
//! step's and step 0's gradient norms: a few hundred floats) to a drawing thread and
//! goes on training; the PNGs come back through a channel and are written by the loop's
//! own [`SummaryWriter`], which alone touches the event file. The thread starts with
//! the first picture, so a run that draws none starts none.
//!
//! The queue to the thread is bounded: at most [`WAITING`] picture steps wait beside the
//! one being drawn. When training asks for pictures faster than they can be drawn
//! (`--image-every 1` on a small network: a step takes microseconds, a picture about a
//! millisecond), the loop waits for the thread: every picture step asked for is drawn
//! and written (a TensorBoard user who asks for a picture at a step expects it there),
//! and training slows to the pictures' pace instead of queueing a copy of the network
//! per step without bound (which grew memory by hundreds of MB a second). A stop (a
//! signal) then waits for at most the pictures already queued: milliseconds.
//!
//! Pictures are drawn and written in the order they were asked for, so each image
//! tag's steps stay in order, as TensorBoard needs. Where they fall among the other
//! records of the file depends on when the drawing thread finishes them. Each picture
//! is written at a later picture step or by [`Pictures::finish`], which waits for the
//! rest; an error of the thread (a picture that could not be drawn) is returned there or
//! at the next [`Pictures::draw`], and training stops.

use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::thread::{self, JoinHandle};

use super::{boundary, tags, vanishing, Error};
use crate::nn::Mlp;
use crate::summary::{image, SummaryWriter};

/// Picture steps that may wait for the drawing thread beside the one it draws; the loop
/// waits to ask for another. One is enough to keep the thread busy while the loop runs
/// to its next picture step.
const WAITING: usize = 1;

/// What one picture step shows.
struct Request {
    step: u64,
    mlp: Mlp,
    /// Each layer's gradient norm at this step and at step 0.
    now: Vec<f32>,
    start: Vec<f32>,
}

/// One picture step's pictures, encoded as PNG.
struct Drawn {
    step: u64,
    /// The decision boundary, [`boundary::SIZE`] squared; none without two features.
    boundary: Option<Vec<u8>>,
    /// The gradient chart, [`vanishing::WIDTH`] x [`vanishing::HEIGHT`].
    vanishing: Vec<u8>,
}

/// The drawing thread, started by the first picture.
struct Worker {
    requests: SyncSender<Request>,
    drawn: Receiver<Result<Drawn, Error>>,
    handle: JoinHandle<()>,
}

/// Pictures being drawn for one run.
pub(super) struct Pictures {
    /// The decision-boundary painter, until the thread takes it (none for data
    /// without two features).
    painter: Option<boundary::Painter>,
    worker: Option<Worker>,
}

impl Pictures {
    pub(super) fn new(painter: Option<boundary::Painter>) -> Pictures {
        Pictures {
            painter,
            worker: None,
        }
    }

    /// Asks for the pictures of `step` (`mlp` now, every layer's gradient norm `now`
    /// and at step 0), waiting while [`WAITING`] others wait to be drawn, and writes
    /// those already drawn.
    pub(super) fn draw(
        &mut self,
        writer: &mut SummaryWriter,
        mlp: &Mlp,
        now: Vec<f32>,
        start: &[f32],
        step: u64,
    ) -> Result<(), Error> {
        let request = Request {
            step,
            mlp: mlp.clone(),
            now,
            start: start.to_vec(),
        };
        let worker = match &mut self.worker {
            Some(worker) => worker,
            None => self.worker.insert(start_worker(self.painter.take())?),
        };
        if worker.requests.send(request).is_err() {
            // The thread has ended: it failed on an earlier picture.
            return Err(failure(&worker.drawn));
        }
        loop {
            match worker.drawn.try_recv() {
                Ok(drawn) => write(writer, drawn?)?,
                Err(TryRecvError::Empty) => return Ok(()),
                // The thread ended before drawing what was asked: it failed.
                Err(TryRecvError::Disconnected) => return Err(failure(&worker.drawn)),
            }
        }
    }

    /// Waits for the pictures still being drawn, writes them, and ends the thread.
    pub(super) fn finish(mut self, writer: &mut SummaryWriter) -> Result<(), Error> {
        let Some(Worker {
            requests,
            drawn,
            handle,
        }) = self.worker.take()
        else {
            return Ok(());
        };
        // No more requests: the thread ends when it has drawn the last one.
        drop(requests);
        // The channel ends when the thread does: after the last picture, its first
        // error, or a panic.
        let mut first_error = None;
        for result in drawn.iter() {
            if first_error.is_none() {
                first_error = result.and_then(|drawn| write(writer, drawn)).err();
            }
        }
        if handle.join().is_err() {
            first_error.get_or_insert(Error::PictureThread);
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Why the drawing thread ended early: the error it sent, or (if it sent none: it
/// panicked) [`Error::PictureThread`].
fn failure(drawn: &Receiver<Result<Drawn, Error>>) -> Error {
    drawn
        .try_iter()
        .find_map(Result::err)
        .unwrap_or(Error::PictureThread)
}

/// Starts the drawing thread, which owns `painter`.
fn start_worker(mut painter: Option<boundary::Painter>) -> Result<Worker, Error> {
    let (requests, inbox) = mpsc::sync_channel::<Request>(WAITING);
    let (outbox, drawn) = mpsc::channel();
    let handle = thread::Builder::new()
        .name("tbtrain-pictures".into())
        .spawn(move || {
            for request in inbox {
                let result = paint(painter.as_mut(), &request);
                let failed = result.is_err();
                // The run stopped waiting (it failed elsewhere): nothing to draw for.
                if outbox.send(result).is_err() || failed {
                    return;
                }
            }
        })
        .map_err(Error::PictureThreadStart)?;
    Ok(Worker {
        requests,
        drawn,
        handle,
    })
}

/// Draws one request's pictures and encodes them.
fn paint(painter: Option<&mut boundary::Painter>, request: &Request) -> Result<Drawn, Error> {
    let boundary = match painter {
        Some(painter) => {
            let rgb = painter.paint(&request.mlp)?;
            let size = boundary::SIZE as u32;
            Some(image::encode(tags::DECISION_BOUNDARY, &rgb, size, size)?)
        }
        None => None,
    };
    let rgb = vanishing::render(&request.now, &request.start, request.step)?;
    let (width, height) = (vanishing::WIDTH, vanishing::HEIGHT);
    let vanishing = image::encode(tags::VANISHING_GRADIENT, &rgb, width, height)?;
    Ok(Drawn {
        step: request.step,
        boundary,
        vanishing,
    })
}

/// Writes one picture step's images.
fn write(writer: &mut SummaryWriter, drawn: Drawn) -> Result<(), Error> {
    let step = drawn.step as i64;
    if let Some(png) = &drawn.boundary {
        writer.add_png(tags::DECISION_BOUNDARY, png, step)?;
    }
    writer.add_png(tags::VANISHING_GRADIENT, &drawn.vanishing, step)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventReader;
    use crate::nn::{Activation, Init, MlpConfig};
    use crate::proto::{event, summary::value::Value};
    use rand::SeedableRng;

    fn net(depth: usize) -> Mlp {
        let config = MlpConfig {
            inputs: 2,
            width: 5,
            depth,
            hidden: Activation::Sigmoid,
            init: Init::Uniform,
            classes: 2,
        };
        Mlp::new(&config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).unwrap()
    }

    /// `(tag, step, PNG width)` of every image in `writer`'s file, in file order.
    fn images(dir: &std::path::Path) -> Vec<(String, i64, i32)> {
        let file = std::fs::read_dir(dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let mut out = Vec::new();
        for record in EventReader::open(file).unwrap() {
            let (_, event) = record.unwrap();
            if let Some(event::What::Summary(summary)) = event.what {
                for value in summary.value {
                    if let Some(Value::Image(image)) = value.value {
                        out.push((value.tag, event.step, image.width));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_picture_asked_for_is_written_in_step_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SummaryWriter::new(dir.path()).unwrap();
        let mlp = net(3);
        let painter = boundary::Painter::new(&crate::data::xor(), &mlp).unwrap();
        let mut pictures = Pictures::new(painter);
        for step in [0, 3, 10] {
            pictures
                .draw(&mut writer, &mlp, vec![0.1; 3], &[0.2; 3], step)
                .unwrap();
        }
        pictures.finish(&mut writer).unwrap();
        writer.close().unwrap();
        let found = images(dir.path());
        let of = |tag: &str| -> Vec<(i64, i32)> {
            found
                .iter()
                .filter(|(t, _, _)| t == tag)
                .map(|&(_, step, width)| (step, width))
                .collect()
        };
        let size = boundary::SIZE as i32;
        assert_eq!(
            of(tags::DECISION_BOUNDARY),
            [(0, size), (3, size), (10, size)]
        );
        let width = vanishing::WIDTH as i32;
        assert_eq!(
            of(tags::VANISHING_GRADIENT),
            [(0, width), (3, width), (10, width)]
        );
        assert_eq!(found.len(), 6);
    }

    #[test]
    fn without_two_features_only_the_chart_is_drawn() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SummaryWriter::new(dir.path()).unwrap();
        let mut pictures = Pictures::new(None);
        pictures
            .draw(&mut writer, &net(2), vec![1e-3; 2], &[1e-2; 2], 7)
            .unwrap();
        pictures.finish(&mut writer).unwrap();
        writer.close().unwrap();
        let width = vanishing::WIDTH as i32;
        assert_eq!(
            images(dir.path()),
            [(tags::VANISHING_GRADIENT.to_string(), 7, width)]
        );
    }

    #[test]
    fn a_run_without_pictures_starts_no_thread() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SummaryWriter::new(dir.path()).unwrap();
        let pictures = Pictures::new(None);
        assert!(pictures.worker.is_none());
        pictures.finish(&mut writer).unwrap();
    }

    #[test]
    fn a_picture_that_cannot_be_drawn_is_an_error_not_a_panic() {
        // The painter is made for a 3-layer net; a 2-layer one does not fit it.
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SummaryWriter::new(dir.path()).unwrap();
        let painter = boundary::Painter::new(&crate::data::xor(), &net(3)).unwrap();
        let mut pictures = Pictures::new(painter);
        let other = net(2);
        // The first request may or may not have failed yet; a later one, or finishing,
        // reports the painter's error.
        let first = pictures.draw(&mut writer, &other, vec![0.1; 2], &[0.2; 2], 0);
        let error = match first {
            Err(e) => e,
            Ok(()) => match pictures.draw(&mut writer, &other, vec![0.1; 2], &[0.2; 2], 1) {
                Err(e) => e,
                Ok(()) => pictures.finish(&mut writer).unwrap_err(),
            },
        };
        assert!(matches!(error, Error::Model(_)), "{error:?}");
        writer.close().unwrap();
        assert_eq!(images(dir.path()), []);
    }
}
