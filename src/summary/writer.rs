//! [`SummaryWriter`]: the public logging API over one run directory.
//!
//! One writer owns one event file in its log directory, plus one sub-run per
//! [`SummaryWriter::add_scalars`] series (`logdir/<main_tag>_<series>/`, each with its own
//! event file, created on first use), as tensorboardX does, so that TensorBoard draws the
//! series of one chart as separate runs.
//!
//! Metadata is sent once: a value whose metadata equals what this writer already sent for
//! its tag goes out without it, since every loader (and TensorFlow's own writer) takes a
//! series' metadata from its first event. Metadata that differs is kept. Scalars,
//! histograms and images carry no metadata at all.
//!
//! `add_scalar` is the hot path: it encodes the event straight into a reused buffer
//! ([`super::scalar::encode_event`]) and allocates nothing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use prost::Message;

use super::hparams::{self, ExperimentSpec, HParamValue};
use super::{histogram, Error};
use crate::events::writer::wall_time_now;
use crate::events::{EventWriter, WriterOptions};
use crate::proto::{event, Event, GraphDef, HistogramProto, Layout, Summary, SummaryMetadata};

/// Writes TensorBoard summaries into a run directory.
#[derive(Debug)]
pub struct SummaryWriter {
    logdir: PathBuf,
    options: WriterOptions,
    main: EventWriter,
    /// `add_scalars` sub-runs, by directory name.
    sub_runs: BTreeMap<String, EventWriter>,
    /// The metadata already sent for each tag of the main file.
    sent_metadata: HashMap<String, SummaryMetadata>,
    scratch: Vec<u8>,
    name_buf: String,
}

impl SummaryWriter {
    /// Creates `logdir` if needed and a new event file in it, with default options.
    pub fn new(logdir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::with_options(logdir, WriterOptions::default())
    }

    /// Like [`SummaryWriter::new`]; `options` apply to the sub-runs too.
    pub fn with_options(logdir: impl AsRef<Path>, options: WriterOptions) -> Result<Self, Error> {
        let logdir = logdir.as_ref().to_path_buf();
        let main = EventWriter::with_options(&logdir, options.clone())?;
        Ok(SummaryWriter {
            logdir,
            options,
            main,
            sub_runs: BTreeMap::new(),
            sent_metadata: HashMap::new(),
            scratch: Vec::with_capacity(256),
            name_buf: String::new(),
        })
    }

    /// The run directory.
    pub fn logdir(&self) -> &Path {
        &self.logdir
    }

    /// The event file of the run itself (not of the sub-runs).
    pub fn event_file(&self) -> &Path {
        self.main.path()
    }

    /// Logs one scalar.
    pub fn add_scalar(&mut self, tag: &str, value: f32, step: i64) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        self.scratch.clear();
        super::scalar::encode_event(wall_time_now(), step, tag, value, &mut self.scratch);
        self.main.write_record(&self.scratch)?;
        Ok(())
    }

    /// Logs several scalars as one chart `main_tag`: series `name` goes to the sub-run
    /// `logdir/<main_tag>_<name>/` (see [`scalars_run_name`]) under the tag `main_tag`.
    pub fn add_scalars(
        &mut self,
        main_tag: &str,
        series: &[(&str, f32)],
        step: i64,
    ) -> Result<(), Error> {
        check_tag(main_tag, "tag")?;
        for (name, _) in series {
            check_tag(name, "add_scalars series name")?;
        }
        let wall_time = wall_time_now();
        for (name, value) in series {
            self.name_buf.clear();
            push_scalars_run_name(main_tag, name, &mut self.name_buf);
            if !self.sub_runs.contains_key(self.name_buf.as_str()) {
                let dir = self.logdir.join(&self.name_buf);
                let writer = EventWriter::with_options(dir, self.options.clone())?;
                self.sub_runs.insert(self.name_buf.clone(), writer);
            }
            self.scratch.clear();
            super::scalar::encode_event(wall_time, step, main_tag, *value, &mut self.scratch);
            if let Some(writer) = self.sub_runs.get_mut(self.name_buf.as_str()) {
                writer.write_record(&self.scratch)?;
            }
        }
        Ok(())
    }

    /// Logs the histogram of `values`: 30 equal buckets, NaN and infinities skipped; no
    /// finite values gives an empty histogram with `num == 0` (see [`mod@histogram`]).
    pub fn add_histogram(&mut self, tag: &str, values: &[f32], step: i64) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        let histo = histogram::bucketize(values, histogram::DEFAULT_BUCKETS);
        self.write_summary(step, histogram::histogram_raw_owned(tag, histo))
    }

    /// Logs a histogram computed elsewhere, as given.
    pub fn add_histogram_raw(
        &mut self,
        tag: &str,
        histo: &HistogramProto,
        step: i64,
    ) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        self.write_summary(step, histogram::histogram_raw(tag, histo))
    }

    /// Logs an 8-bit RGB image (`rgb.len()` must be `width * height * 3`) as PNG.
    pub fn add_image(
        &mut self,
        tag: &str,
        rgb: &[u8],
        width: u32,
        height: u32,
        step: i64,
    ) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        let summary = super::image::image(tag, rgb, width, height)?;
        self.write_summary(step, summary)
    }

    /// Logs markdown text.
    pub fn add_text(&mut self, tag: &str, markdown: &str, step: i64) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        self.write_summary(step, super::text::text(tag, markdown))
    }

    /// Logs the run's graph (shown by the graphs dashboard), at step 0.
    pub fn add_graph(&mut self, graph: &GraphDef) -> Result<(), Error> {
        let event = Event {
            wall_time: wall_time_now(),
            step: 0,
            what: Some(event::What::GraphDef(graph.encode_to_vec())),
            source_metadata: None,
        };
        self.write_event(event)
    }

    /// Writes `_hparams_/experiment`: the hparams, their domains and the metric tags.
    pub fn add_hparams_experiment(&mut self, experiment: &ExperimentSpec) -> Result<(), Error> {
        let summary = hparams::experiment(experiment, wall_time_now())?;
        self.write_summary(0, summary)
    }

    /// Writes `_hparams_/session_start_info`: this run's hparam values.
    pub fn add_hparams_start(
        &mut self,
        hparams: &[(&str, HParamValue)],
        group_name: Option<&str>,
    ) -> Result<(), Error> {
        let summary = hparams::session_start(hparams, group_name, wall_time_now())?;
        self.write_summary(0, summary)
    }

    /// Writes `_hparams_/session_end_info`: how this run ended.
    pub fn add_hparams_end(&mut self, status: crate::proto::hparams::Status) -> Result<(), Error> {
        self.write_summary(0, hparams::session_end(status, wall_time_now()))
    }

    /// Writes, in this run, an experiment whose domains are these values (one discrete
    /// value each) and the session start.
    ///
    /// The hparams plugin uses the first experiment it finds among all runs; for a sweep
    /// over several runs, write one [`Self::add_hparams_experiment`] with full domains
    /// and only [`Self::add_hparams_start`] per run, or runs may be filtered out.
    pub fn add_hparams(
        &mut self,
        hparams: &[(&str, HParamValue)],
        metric_tags: &[&str],
    ) -> Result<(), Error> {
        let spec = hparams::infer_experiment(hparams, metric_tags);
        // Validate both before writing either.
        let now = wall_time_now();
        let experiment = hparams::experiment(&spec, now)?;
        let start = hparams::session_start(hparams, None, now)?;
        self.write_summary(0, experiment)?;
        self.write_summary(0, start)
    }

    /// Writes the custom-scalars layout (tag `custom_scalars__config__`), at step 0.
    pub fn add_custom_scalars(&mut self, layout: &Layout) -> Result<(), Error> {
        self.write_summary(0, super::layout::custom_scalars(layout))
    }

    /// Writes `event` to the run's file as given (a non-finite wall time becomes 0).
    pub fn write_event(&mut self, mut event: Event) -> Result<(), Error> {
        if !event.wall_time.is_finite() {
            event.wall_time = 0.0;
        }
        self.scratch.clear();
        event.encode_raw(&mut self.scratch);
        self.main.write_record(&self.scratch)?;
        Ok(())
    }

    /// Hands every buffered record of the run and its sub-runs to the OS. Tries all of
    /// them and returns the first error.
    pub fn flush(&mut self) -> Result<(), Error> {
        let mut first = self.main.flush().err();
        for writer in self.sub_runs.values_mut() {
            if let Err(e) = writer.flush() {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), |e| Err(e.into()))
    }

    /// Flushes and closes every file; returns the first error of any of them.
    pub fn close(self) -> Result<(), Error> {
        let mut first = self.main.close().err();
        for (_, writer) in self.sub_runs {
            if let Err(e) = writer.close() {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), |e| Err(e.into()))
    }

    /// Writes `summary` at `step` and now, leaving out metadata already sent for its tag.
    fn write_summary(&mut self, step: i64, mut summary: Summary) -> Result<(), Error> {
        for value in &mut summary.value {
            if let Some(md) = &value.metadata {
                match self.sent_metadata.get(&value.tag) {
                    Some(sent) if sent == md => value.metadata = None,
                    Some(_) => {}
                    None => {
                        self.sent_metadata.insert(value.tag.clone(), md.clone());
                    }
                }
            }
        }
        self.write_event(super::event(wall_time_now(), step, summary))
    }
}

/// The sub-run directory name of series `series` of `add_scalars(main_tag, ..)`:
/// `<main_tag>_<series>` with `/` and `\` replaced by `_`, so it stays one directory.
pub fn scalars_run_name(main_tag: &str, series: &str) -> String {
    let mut out = String::new();
    push_scalars_run_name(main_tag, series, &mut out);
    out
}

fn push_scalars_run_name(main_tag: &str, series: &str, out: &mut String) {
    let clean = |c: char| if c == '/' || c == '\\' { '_' } else { c };
    out.extend(main_tag.chars().map(clean));
    out.push('_');
    out.extend(series.chars().map(clean));
}

fn check_tag(tag: &str, what: &'static str) -> Result<(), Error> {
    if tag.is_empty() {
        Err(Error::EmptyTag { what })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::record;
    use crate::proto::summary::value::Value;

    /// Reads every event of `path` (the file is well-formed: our own writer made it).
    fn read_events(path: &Path) -> Vec<Event> {
        let bytes = std::fs::read(path).unwrap();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
            let data = &bytes[at + record::HEADER_LEN..at + record::HEADER_LEN + len];
            out.push(Event::decode(data).unwrap());
            at += record::HEADER_LEN + len + record::FOOTER_LEN;
        }
        out
    }

    fn only_file(dir: &Path) -> PathBuf {
        let files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        files[0].clone()
    }

    fn summary_value(e: &Event) -> &crate::proto::summary::Value {
        match &e.what {
            Some(event::What::Summary(s)) => &s.value[0],
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn scalars_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        assert_eq!(w.logdir(), dir.path());
        w.add_scalar("loss", 0.5, 1).unwrap();
        w.add_scalar("loss", 0.25, 2).unwrap();
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        let events = read_events(&path);
        assert_eq!(events.len(), 3);
        for (e, (step, v)) in events[1..].iter().zip([(1, 0.5), (2, 0.25)]) {
            assert_eq!(e.step, step);
            assert!(e.wall_time.is_finite() && e.wall_time > 1.0e9);
            let value = summary_value(e);
            assert_eq!(value.tag, "loss");
            assert_eq!(value.value, Some(Value::SimpleValue(v)));
        }
    }

    #[test]
    fn add_scalars_creates_one_sub_run_per_series() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        w.add_scalars("loss/all", &[("train", 1.0), ("val", 2.0)], 3)
            .unwrap();
        w.add_scalars("loss/all", &[("train", 0.5)], 4).unwrap();
        let main = w.event_file().to_path_buf();
        w.close().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("events.out.tfevents."))
            .collect();
        names.sort();
        assert_eq!(names, ["loss_all_train", "loss_all_val"]);
        assert_eq!(
            read_events(&main).len(),
            1,
            "the run's own file holds no scalars"
        );
        let train = read_events(&only_file(&dir.path().join("loss_all_train")));
        assert_eq!(train.len(), 3);
        assert_eq!(summary_value(&train[1]).tag, "loss/all");
        assert_eq!(
            summary_value(&train[2]).value,
            Some(Value::SimpleValue(0.5))
        );
        assert_eq!(train[2].step, 4);
        let val = read_events(&only_file(&dir.path().join("loss_all_val")));
        assert_eq!(val.len(), 2);
        assert_eq!(summary_value(&val[1]).value, Some(Value::SimpleValue(2.0)));
    }

    #[test]
    fn scalars_run_name_stays_one_directory() {
        assert_eq!(scalars_run_name("a/b", "c/d\\e"), "a_b_c_d_e");
        assert_eq!(scalars_run_name("x", ".."), "x_..");
    }

    #[test]
    fn empty_tags_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        let errs = [
            w.add_scalar("", 1.0, 0).unwrap_err(),
            w.add_scalars("", &[("a", 1.0)], 0).unwrap_err(),
            w.add_scalars("m", &[("a", 1.0), ("", 2.0)], 0).unwrap_err(),
            w.add_histogram("", &[1.0], 0).unwrap_err(),
            w.add_image("", &[0, 0, 0], 1, 1, 0).unwrap_err(),
            w.add_text("", "x", 0).unwrap_err(),
        ];
        for e in &errs {
            assert!(matches!(e, Error::EmptyTag { .. }), "{e:?}");
        }
        assert_eq!(
            errs[2].to_string(),
            "empty add_scalars series name: TensorBoard cannot show a series without a name"
        );
        // Nothing was written, not even the valid first series.
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        assert_eq!(read_events(&path).len(), 1);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn text_metadata_goes_out_once_per_tag() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        w.add_text("notes", "a", 0).unwrap();
        w.add_text("notes", "b", 1).unwrap();
        w.add_text("other", "c", 1).unwrap();
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        let events = read_events(&path);
        let with_md: Vec<bool> = events[1..]
            .iter()
            .map(|e| summary_value(e).metadata.is_some())
            .collect();
        assert_eq!(with_md, [true, false, true]);
    }

    #[test]
    fn every_kind_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        w.add_histogram("h", &[1.0, 2.0, 3.0], 1).unwrap();
        w.add_histogram_raw("hr", &HistogramProto::default(), 1)
            .unwrap();
        w.add_image("img", &[1, 2, 3, 4, 5, 6], 2, 1, 1).unwrap();
        w.add_graph(&GraphDef::default()).unwrap();
        w.add_hparams(&[("lr", HParamValue::Num(0.1))], &["loss"])
            .unwrap();
        w.add_hparams_end(crate::proto::hparams::Status::Success)
            .unwrap();
        let layout = super::super::layout::multiline("c", &[("t", vec!["loss".into()])]);
        w.add_custom_scalars(&layout).unwrap();
        w.write_event(Event {
            wall_time: f64::NAN,
            ..Default::default()
        })
        .unwrap();
        w.flush().unwrap();
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        let events = read_events(&path);
        let tags: Vec<String> = events[1..]
            .iter()
            .map(|e| match &e.what {
                Some(event::What::Summary(s)) => s.value[0].tag.clone(),
                Some(event::What::GraphDef(_)) => "<graph>".to_string(),
                None => "<none>".to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            tags,
            [
                "h",
                "hr",
                "img",
                "<graph>",
                "_hparams_/experiment",
                "_hparams_/session_start_info",
                "_hparams_/session_end_info",
                "custom_scalars__config__",
                "<none>"
            ]
        );
        assert!(events.iter().all(|e| e.wall_time.is_finite()));
        assert_eq!(events[9].wall_time, 0.0);
    }

    #[test]
    fn image_errors_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        let err = w.add_image("img", &[0; 5], 1, 2, 0).unwrap_err();
        assert!(matches!(err, Error::ImageSize { .. }), "{err:?}");
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        assert_eq!(read_events(&path).len(), 1);
    }
}
