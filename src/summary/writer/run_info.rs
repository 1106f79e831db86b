//! What describes the run as a whole rather than a step of it, written at step 0: the
//! hparams plugin's experiment and session records (built and validated by
//! [`crate::summary::hparams`]) and the custom-scalars layout.

use crate::events::writer::now;
use crate::proto::Layout;
use crate::summary::hparams::{self, ExperimentSpec, HParamValue};
use crate::summary::Error;

use super::SummaryWriter;

impl SummaryWriter {
    /// Writes `_hparams_/experiment`: the hparams, their domains and the metric tags.
    ///
    /// ```
    /// use tbtrain::summary::{ExperimentSpec, HParamDomain, HParamSpec, HParamValue};
    ///
    /// let spec = ExperimentSpec {
    ///     hparams: vec![HParamSpec {
    ///         name: "act".into(),
    ///         domain: HParamDomain::Discrete(vec![
    ///             HParamValue::Str("relu".into()),
    ///             HParamValue::Str("sigmoid".into()),
    ///         ]),
    ///         differs: true,
    ///     }],
    ///     metrics: vec!["accuracy".into()],
    /// };
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_hparams_experiment(&spec)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams_experiment(&mut self, experiment: &ExperimentSpec) -> Result<(), Error> {
        let summary = hparams::experiment(experiment, now(self.clock))?;
        self.summary(0, summary, None)
    }

    /// Writes `_hparams_/session_start_info`: this run's hparam values.
    ///
    /// ```
    /// use tbtrain::summary::HParamValue;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path().join("relu-seed1"))?;
    /// w.add_hparams_start(&[("act", HParamValue::Str("relu".into()))], Some("relu"))?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams_start(
        &mut self,
        hparams: &[(&str, HParamValue)],
        group_name: Option<&str>,
    ) -> Result<(), Error> {
        let summary = hparams::session_start(hparams, group_name, now(self.clock))?;
        self.summary(0, summary, None)
    }

    /// Writes `_hparams_/session_end_info`: how this run ended.
    ///
    /// ```
    /// use tbtrain::proto::hparams::Status;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_hparams_end(Status::Success)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams_end(&mut self, status: crate::proto::hparams::Status) -> Result<(), Error> {
        let summary = hparams::session_end(status, now(self.clock));
        self.summary(0, summary, None)
    }

    /// Writes, in this run, an experiment whose domains are these values (one discrete
    /// value each) and the session start.
    ///
    /// The hparams plugin uses the first experiment it finds among all runs; for a sweep
    /// over several runs, write one [`Self::add_hparams_experiment`] with full domains
    /// and only [`Self::add_hparams_start`] per run, or runs may be filtered out.
    ///
    /// ```
    /// use tbtrain::summary::HParamValue;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_hparams(&[("lr", HParamValue::Num(0.1))], &["accuracy"])?;
    /// w.add_scalar("accuracy", 1.0, 100)?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_hparams(
        &mut self,
        hparams: &[(&str, HParamValue)],
        metric_tags: &[&str],
    ) -> Result<(), Error> {
        let spec = hparams::infer_experiment(hparams, metric_tags);
        // Validate both before writing either.
        let now = now(self.clock);
        let experiment = hparams::experiment(&spec, now)?;
        let start = hparams::session_start(hparams, None, now)?;
        self.summary(0, experiment, None)?;
        self.summary(0, start, None)
    }

    /// Writes the custom-scalars layout (tag `custom_scalars__config__`), at step 0.
    ///
    /// ```
    /// use tbtrain::summary::layout;
    ///
    /// let charts = [("gradient norm per layer", vec![r"grad_norm/layer\d+".to_string()])];
    /// let dir = tempfile::tempdir()?;
    /// let mut w = tbtrain::SummaryWriter::new(dir.path())?;
    /// w.add_custom_scalars(&layout::multiline("vanishing gradient", &charts))?;
    /// w.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_custom_scalars(&mut self, layout: &Layout) -> Result<(), Error> {
        self.summary(0, crate::summary::layout::custom_scalars(layout), None)
    }
}
