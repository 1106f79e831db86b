//! The adders a classifier needs: PR curves (an event, like the other summaries) and
//! embeddings for the Projector (files in the run directory, written before the call
//! returns, also by a non-blocking writer).

use super::{check_tag, SummaryWriter};
use crate::summary::pr_curve::{self, PrCurveData};
use crate::summary::projector::{self, Embedding};
use crate::summary::Error;

impl SummaryWriter {
    /// Logs the precision-recall curve of binary `labels` against `predictions` (each a
    /// probability in `[0, 1]`) at `num_thresholds` thresholds `i / (num_thresholds - 1)`,
    /// counted and written as TensorBoard's own `pr_curves` summary (see
    /// [`mod@crate::summary::pr_curve`]; TensorBoard's default is
    /// [`pr_curve::DEFAULT_NUM_THRESHOLDS`], 201). A prediction that is NaN or outside
    /// `[0, 1]`, lengths that differ, or fewer than 2 or more than
    /// [`pr_curve::MAX_NUM_THRESHOLDS`] thresholds are an error
    /// ([`Error::PrCurve`]), and nothing is written.
    ///
    /// One tag per class, for a classifier: its labels are "is this class" and its
    /// predictions that class's probability.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// let is_cat = [true, false, true, false];
    /// let p_cat = [0.9, 0.4, 0.6, 0.1];
    /// w.add_pr_curve("pr/cat", &is_cat, &p_cat, 0, 11)?;
    /// assert!(w.add_pr_curve("pr/cat", &is_cat, &[0.9, 0.4, 1.5, 0.1], 1, 11).is_err());
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_pr_curve(
        &mut self,
        tag: &str,
        labels: &[bool],
        predictions: &[f32],
        step: i64,
        num_thresholds: u32,
    ) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        let summary = pr_curve::pr_curve(tag, labels, predictions, num_thresholds)?;
        let description = self.first_use(tag);
        self.summary(step, summary, description)
    }

    /// Logs a PR curve whose counts were computed elsewhere: the six rows of
    /// [`PrCurveData`] (true and false positives, true and false negatives, precision,
    /// recall), one value per threshold, all of one length `N` (thresholds
    /// `i / (N - 1)`). Counts must be finite and not negative, precision and recall in
    /// `[0, 1]` ([`PrCurveData::check`]).
    ///
    /// ```
    /// use tbtrain::summary::PrCurveData;
    ///
    /// let curve = PrCurveData {
    ///     true_positives: vec![3.0, 2.0, 0.0],
    ///     false_positives: vec![2.0, 1.0, 0.0],
    ///     true_negatives: vec![0.0, 1.0, 2.0],
    ///     false_negatives: vec![0.0, 1.0, 3.0],
    ///     precision: vec![0.6, 2.0 / 3.0, 0.0],
    ///     recall: vec![1.0, 2.0 / 3.0, 0.0],
    /// };
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_pr_curve_raw("pr/dog", &curve, 0)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_pr_curve_raw(
        &mut self,
        tag: &str,
        curve: &PrCurveData,
        step: i64,
    ) -> Result<(), Error> {
        check_tag(tag, "tag")?;
        let summary = pr_curve::pr_curve_raw(tag, curve)?;
        let description = self.first_use(tag);
        self.summary(step, summary, description)
    }

    /// Writes `embedding` for TensorBoard's Projector into this writer's run directory,
    /// as the tensor `<tag>:<step>` ([`projector::tensor_name`]): `projector_config.pbtxt`
    /// and the tensor, metadata and sprite files under `projector/` (see
    /// [`mod@crate::summary::projector`] for the layout). Each step logged is its own
    /// tensor in the Projector; the same tag and step again replace it. The files are
    /// written before this returns, by a non-blocking writer too.
    ///
    /// Everything is checked before a file is touched (the shape, finite values, at most
    /// [`projector::MAX_EMBEDDING_VALUES`] floats, one metadata value per point, no
    /// blank metadata row, one image per point, a sprite within 8192 pixels a side).
    /// A file that cannot be written is [`Error::Embedding`] naming it with the OS
    /// error; what this call wrote is removed, the config is left as it was, and the
    /// writer goes on (the event file is not touched).
    ///
    /// ```
    /// use tbtrain::summary::{Embedding, Sprite};
    ///
    /// let features = [0.1, 0.9, 0.8, 0.2, 0.7, 0.3]; // 3 points of 2 dimensions
    /// let digits = [0u8, 255, 255, 0, 255, 0, 0, 255, 9, 9, 9, 9]; // three 2x2 grey images
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// let points = Embedding::new(&features, 2)
    ///     .column("class", ["zero", "one", "one"])
    ///     .column("correct", ["yes", "no", "yes"]) // two columns: a header row
    ///     .sprite(Sprite::grey(&digits, 2, 2));
    /// w.add_embedding("hidden", &points, 100)?;
    /// assert!(dir.path().join("projector_config.pbtxt").is_file());
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_embedding(
        &mut self,
        tag: &str,
        embedding: &Embedding<'_>,
        step: i64,
    ) -> Result<(), Error> {
        self.reported()?;
        check_tag(tag, "tag")?;
        projector::write(&self.logdir, tag, step, embedding)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::tests::{read_events, summary_value};
    use super::*;
    use crate::events::WriterOptions;
    use crate::proto::summary::value::Value;
    use crate::proto::DataClass;
    use crate::summary::projector::Sprite;

    const LABELS: [bool; 4] = [true, false, true, false];
    const PREDICTIONS: [f32; 4] = [0.9, 0.4, 0.6, 0.1];

    fn fixed_clock() -> f64 {
        1_700_000_000.5
    }

    #[test]
    fn pr_curves_send_metadata_once_with_the_description() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        w.set_description("pr/a", "class *a*").unwrap();
        w.add_pr_curve("pr/a", &LABELS, &PREDICTIONS, 0, 5).unwrap();
        w.add_pr_curve("pr/a", &LABELS, &PREDICTIONS, 1, 5).unwrap();
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        let events = read_events(&path);
        assert_eq!(events.len(), 3);
        let first = summary_value(&events[1]);
        let md = first.metadata.as_ref().unwrap();
        assert_eq!(md.summary_description, "class *a*");
        assert_eq!(md.data_class, DataClass::Tensor as i32);
        assert_eq!(md.plugin_data.as_ref().unwrap().plugin_name, "pr_curves");
        let second = summary_value(&events[2]);
        assert_eq!(second.metadata, None);
        assert_eq!((events[1].step, events[2].step), (0, 1));
        let expected = pr_curve::pr_curve("pr/a", &LABELS, &PREDICTIONS, 5).unwrap();
        assert_eq!(second.value, expected.value[0].value);
        assert!(matches!(second.value, Some(Value::Tensor(_))));
    }

    #[test]
    fn a_refused_pr_curve_writes_nothing_and_leaves_the_tag_unused() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SummaryWriter::new(dir.path()).unwrap();
        let e = w
            .add_pr_curve("pr/a", &LABELS, &[0.9, f32::NAN, 0.6, 0.1], 0, 5)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "PR curve \"pr/a\": prediction 1 is NaN, not a probability in [0, 1]"
        );
        assert!(matches!(
            w.add_pr_curve("", &LABELS, &PREDICTIONS, 0, 5),
            Err(Error::EmptyTag { .. })
        ));
        let short = PrCurveData::default();
        assert!(w.add_pr_curve_raw("pr/a", &short, 0).is_err());
        // The tag's first event is still to come, so a description is still in time.
        w.set_description("pr/a", "d").unwrap();
        let path = w.event_file().to_path_buf();
        w.close().unwrap();
        assert_eq!(read_events(&path).len(), 1);
    }

    /// Every file under `dir` (event files by directory), with its bytes.
    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                out.extend(
                    files(&path)
                        .into_iter()
                        .map(|(n, b)| (format!("{name}/{n}"), b)),
                );
            } else if name.contains("tfevents") {
                out.push(("<events>".to_string(), std::fs::read(&path).unwrap()));
            } else {
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn non_blocking_writes_the_same_files() {
        let [a, b] = [(); 2].map(|()| tempfile::tempdir().unwrap());
        for (dir, non_blocking) in [(&a, false), (&b, true)] {
            let options = WriterOptions {
                non_blocking,
                wall_clock: Some(fixed_clock),
                ..Default::default()
            };
            let mut w = SummaryWriter::with_options(dir.path(), options).unwrap();
            let pixels = [7u8; 4 * 3];
            let points = Embedding::new(&[1.0, 2.0, 3.0, 4.0], 1)
                .labels(["a", "b", "c", "d"])
                .sprite(Sprite::rgb(&pixels, 1, 1));
            for step in 0..3 {
                w.add_pr_curve("pr", &LABELS, &PREDICTIONS, step, 11)
                    .unwrap();
                w.add_scalar("loss", 0.5, step).unwrap();
            }
            w.add_pr_curve_raw(
                "raw",
                &PrCurveData::from_predictions("raw", &LABELS, &PREDICTIONS, 3).unwrap(),
                9,
            )
            .unwrap();
            w.add_embedding("hidden", &points, 2).unwrap();
            w.close().unwrap();
        }
        let (fa, fb) = (files(a.path()), files(b.path()));
        let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "<events>",
                "projector/hidden-2/metadata.tsv",
                "projector/hidden-2/sprite.png",
                "projector/hidden-2/tensors.tsv",
                "projector_config.pbtxt"
            ]
        );
        assert!(fa == fb, "the non-blocking writer wrote other bytes");
    }
}
