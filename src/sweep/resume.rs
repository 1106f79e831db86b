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
//! summary. Values are compared as recorded, byte for byte (a CSV path holding a tab is
//! the same path), never as a terminal shows them.
//!
//! And the sweep on disk must be this one ([`check_same_sweep`]): every run of a sweep
//! records its sweep's hparams experiment (every setting with every value it takes), and
//! a run there made by a sweep with other lists (`--lr 0.1,1000000` resumed as `--lr
//! 0.2,1000000`), or a sweep run in the directory that this sweep does not make, is
//! refused, naming the setting whose values differ: resuming would put two sweeps in one
//! directory, and their summary would not be the one `--summarize-only` rebuilds.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use super::disk::{self, RunOnDisk};
use super::record::{hparam_text, RunRecord};
use super::spec::{owned_hparams, Run, MAX_DISCRETE_NUMBERS};
use super::Error;
use crate::proto::hparams::{h_param_info, Experiment, HParamInfo};
use crate::summary::hparams::{experiment_data, ExperimentSpec, HParamValue};

/// Refuses to resume into `logdir` when a run there was made by another sweep than the
/// one `runs` (this shard's runs) belong to, `all_names` naming every run of the sweep
/// (all shards): a run of this shard whose recorded experiment differs from this
/// sweep's, or a sweep run in a subdirectory this sweep does not make.
pub fn check_same_sweep(
    logdir: &Path,
    runs: &[Run],
    all_names: &HashSet<String>,
) -> Result<(), Error> {
    let Some(spec) = runs.first().and_then(|r| r.config.experiment.as_deref()) else {
        return Ok(());
    };
    let wanted = expected(spec)?;
    for run in runs {
        if let Some(found) = disk::read_experiment(&run.config.logdir)? {
            compare(&run.config.logdir, &found, &wanted)?;
        }
    }
    let read_dir = |source| Error::ReadDir {
        path: logdir.to_path_buf(),
        source,
    };
    let mut others = Vec::new();
    for entry in fs::read_dir(logdir).map_err(read_dir)? {
        let entry = entry.map_err(read_dir)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == disk::SUMMARY_RUN || all_names.contains(name.as_ref()) {
            continue;
        }
        others.push(entry.path());
    }
    others.sort();
    for path in others {
        if !matches!(disk::read_run(&path)?, RunOnDisk::Run(_)) {
            continue; // not a sweep run: never summarised
        }
        if let Some(found) = disk::read_experiment(&path)? {
            compare(&path, &found, &wanted)?;
        }
        return Err(Error::ResumeOtherRun { path });
    }
    Ok(())
}

/// The experiment this sweep writes, as it is read back.
fn expected(spec: &ExperimentSpec) -> Result<Experiment, Error> {
    match experiment_data(spec, 0.0)?.data {
        Some(crate::proto::hparams::h_params_plugin_data::Data::Experiment(x)) => Ok(x),
        _ => Ok(Experiment::default()),
    }
}

/// Refuses `found` (recorded by the run at `path`) unless it names the same hparams with
/// the same domains as `wanted`.
fn compare(path: &Path, found: &Experiment, wanted: &Experiment) -> Result<(), Error> {
    let mismatch = |setting: &str, found: Option<&HParamInfo>, wanted: Option<&HParamInfo>| {
        Error::ResumeOtherSweep {
            path: path.to_path_buf(),
            setting: setting.to_string(),
            found: domain_text(found),
            wanted: domain_text(wanted),
        }
    };
    for want in &wanted.hparam_infos {
        let had = found.hparam_infos.iter().find(|h| h.name == want.name);
        let same = had.is_some_and(|h| h.r#type == want.r#type && canonical(h) == canonical(want));
        if !same {
            return Err(mismatch(&want.name, had, Some(want)));
        }
    }
    if let Some(extra) = found
        .hparam_infos
        .iter()
        .find(|h| !wanted.hparam_infos.iter().any(|w| w.name == h.name))
    {
        return Err(mismatch(&extra.name, Some(extra), None));
    }
    Ok(())
}

/// `info`'s domain as this version writes it: a discrete domain of more numbers than
/// [`MAX_DISCRETE_NUMBERS`] (as earlier versions wrote every seed) is their interval, so a
/// sweep started by one of them resumes.
fn canonical(info: &HParamInfo) -> Option<h_param_info::Domain> {
    if let Some(h_param_info::Domain::DomainDiscrete(list)) = &info.domain {
        let numbers: Option<Vec<f64>> = list
            .values
            .iter()
            .map(|v| match v.kind {
                Some(prost_types::value::Kind::NumberValue(x)) => Some(x),
                _ => None,
            })
            .collect();
        if let Some(numbers) = numbers.filter(|n| n.len() > MAX_DISCRETE_NUMBERS) {
            let min = numbers.iter().copied().fold(f64::INFINITY, f64::min);
            let max = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            return Some(h_param_info::Domain::DomainInterval(
                crate::proto::hparams::Interval {
                    min_value: min,
                    max_value: max,
                },
            ));
        }
    }
    info.domain.clone()
}

/// A domain as the command line writes values: `0.1, 1000000`, or `1..3000`.
fn domain_text(info: Option<&HParamInfo>) -> String {
    let Some(info) = info else {
        return "unset".to_string();
    };
    match &info.domain {
        Some(h_param_info::Domain::DomainDiscrete(list)) => list
            .values
            .iter()
            .filter_map(HParamValue::from_proto)
            .map(|v| hparam_text(&v))
            .collect::<Vec<_>>()
            .join(", "),
        Some(h_param_info::Domain::DomainInterval(i)) => format!(
            "{}..{}",
            hparam_text(&HParamValue::Num(i.min_value)),
            hparam_text(&HParamValue::Num(i.max_value))
        ),
        None => "any value".to_string(),
    }
}

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
