//! `--resume`: what a sweep run again into its log directory keeps.
//!
//! Each run of the sweep (of this shard) is read back from its directory; one that
//! finished ([`disk::finished_run`], the single rule) is kept as it is, its record read
//! from its event files, as `--summarize-only` reads it; every other one (interrupted,
//! killed, never started) is trained again, replacing only its own event files. The
//! records read back are the ones a sweep keeps of the runs it trains (see
//! `super::summary`), so the summary of a resumed sweep is that of an uninterrupted one.
//!
//! A kept run must have been made with the settings this sweep gives it: its recorded
//! hparams (every training setting) are compared with the run's configuration, so that
//! `--resume` with, say, another `--steps` is refused instead of mixing two sweeps in one
//! summary.

use super::disk;
use super::record::{hparam_text, RunRecord};
use super::spec::{owned_hparams, Run};
use super::Error;

/// Per run, in order: the record of the run if it finished, `None` if it is to train.
pub fn finished_runs(runs: &[Run]) -> Result<Vec<Option<RunRecord>>, Error> {
    runs.iter()
        .map(|run| {
            let Some(record) = disk::finished_run(&run.config.logdir)? else {
                return Ok(None);
            };
            check_settings(run, &record)?;
            Ok(Some(record))
        })
        .collect()
}

/// Refuses a finished run whose recorded hparams differ from what `run` would record.
fn check_settings(run: &Run, record: &RunRecord) -> Result<(), Error> {
    for (name, wanted) in owned_hparams(&run.config) {
        let found = record.hparams.iter().find(|(n, _)| *n == name);
        if found.map(|(_, v)| v) != Some(&wanted) {
            return Err(Error::ResumeMismatch {
                path: run.config.logdir.clone(),
                found: found.map_or("unset".into(), |(_, v)| hparam_text(v)),
                wanted: hparam_text(&wanted),
                setting: name,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::sweep::{RecordOutcome, SweepSpec};
    use crate::train::{self, Budget, TrainConfig, Value};

    fn runs(dir: &std::path::Path, steps: u64) -> Vec<Run> {
        let mut base = TrainConfig::lesson(dir);
        base.depth = 2;
        base.steps = steps;
        base.schedule = Budget::NONE;
        SweepSpec::new(
            base,
            vec![vec![Value::Seed(1), Value::Seed(2), Value::Seed(3)]],
        )
        .unwrap()
        .into_runs()
    }

    fn train(run: &Run, stop: bool) {
        let data = crate::data::load(&crate::data::DatasetSpec::Xor, 1).unwrap();
        train::train(&run.config, &data, &AtomicBool::new(stop), &mut ()).unwrap();
    }

    #[test]
    fn finished_runs_are_kept_and_the_others_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let runs = runs(dir.path(), 20);
        train(&runs[0], false);
        // Stopped before its first step: a failed session whose result says interrupted.
        train(&runs[1], true);
        // runs[2] never started.
        let kept = finished_runs(&runs).unwrap();
        assert_eq!(kept.len(), 3);
        let first = kept[0].as_ref().unwrap();
        assert_eq!(first.name, "seed=1");
        assert_eq!(first.outcome, RecordOutcome::Completed);
        assert!(kept[1].is_none() && kept[2].is_none());
        assert!(matches!(
            disk::read_run(&runs[1].config.logdir).unwrap(),
            disk::RunOnDisk::Run(RunRecord {
                outcome: RecordOutcome::Interrupted { step: 0 },
                ..
            })
        ));
    }

    #[test]
    fn a_finished_run_with_other_settings_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        train(&runs(dir.path(), 20)[0], false);
        let err = finished_runs(&runs(dir.path(), 30))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "cannot resume: {} holds a finished run with steps 20, where this sweep has \
                 steps 30",
                dir.path().join("seed=1").display()
            )
        );
    }
}
