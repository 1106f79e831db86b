//! Sweeps: many trainings over lists and ranges of settings, run in parallel, summarised
//! as success rates over seeds, and comparable side by side in TensorBoard.
//!
//! - [`syntax`]: the `a,b,c` / `1..20` value lists and `--shard K/N`;
//! - [`spec`]: the settings a sweep varies and the runs in a stable order;
//! - [`experiment`]: the hparams experiment all its runs carry (one, shared);
//! - [`name`]: run directory names (`act=relu,depth=11,seed=3`), readable and parseable;
//! - [`exec`]: `--jobs` threads taking runs from one queue; used by `compare` too;
//! - [`record`]: one run's settings, outcome and results, trained or read back;
//! - [`summary`]: one row per configuration (success rate, medians, failures), rendered
//!   as markdown and CSV by `render`;
//! - [`disk`]: reading the runs back (`--summarize-only`), the summary run, the files;
//! - [`resume`]: which runs `--resume` keeps (those that finished) and which it redoes.
//!
//! A [`Sweep`] writes each run into `<logdir>/<name>` with its own hparams session,
//! grouped by configuration (the name without its seed), and the sweep's hparams
//! experiment, whose domains hold every value the runs take, so the HParams
//! tab has one clean column per setting and one row per configuration. At the end it
//! writes its summary run `<logdir>/summary`: the `summary` text, `summary.md` and
//! `summary.csv`. A sharded sweep (N > 1) writes only its runs: the shards share the log
//! directory, and `--summarize-only` ([`summarize`]) writes the summary once they are
//! all done. With `--resume` ([`SweepOptions::resume`]) a
//! sweep run again into its log directory keeps every run that finished and trains the
//! others again, replacing only their own event files, so that its summary is the one an
//! uninterrupted sweep writes.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub mod disk;
mod error;
pub mod exec;
pub mod experiment;
pub mod name;
pub mod record;
mod render;
pub mod resume;
pub mod spec;
pub mod summary;
pub mod syntax;

pub use error::Error;
pub use exec::{execute, BatchProgress, RunError, RunResult};
pub use record::{RecordOutcome, RunRecord};
pub use spec::{Run, SpecError, SweepSpec};
pub use summary::Summary;
pub use syntax::{parse_list, Ranges, Shard};

use crate::events::DirLock;
use crate::{data, inspect, train};

/// The HParams group of a sweep's runs when only the seed varies (one configuration).
pub const ALL_SEEDS_GROUP: &str = "all seeds";

/// How a sweep is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepOptions {
    /// Which runs this process does.
    pub shard: Shard,
    /// Trainings at once (at least 1).
    pub jobs: usize,
    /// Replace event files already in the run directories (and the root's).
    pub overwrite: bool,
    /// Keep the runs already in the log directory that finished (see
    /// [`disk::finished_run`]) and train the others again, replacing their event files.
    pub resume: bool,
}

/// A sweep ready to run: its spec and this shard's runs.
#[derive(Debug)]
pub struct Sweep {
    /// The sweep's log directory.
    logdir: PathBuf,
    options: SweepOptions,
    runs: Vec<Run>,
    /// With `resume`: the name of every run of the sweep, all shards (what may be found
    /// in its directory).
    all_names: HashSet<String>,
}

/// What a sweep did.
#[derive(Debug)]
pub struct SweepReport {
    /// Every run that started, in enumeration order.
    pub records: Vec<RunRecord>,
    pub summary: Summary,
    /// Runs not started because the sweep was stopped.
    pub not_started: usize,
    /// Runs that had finished before and were kept (`--resume`); among `records`.
    pub kept: usize,
    /// Whether the root run and the summary files were written (not for a shard).
    pub wrote_summary: bool,
}

impl Sweep {
    pub fn new(spec: SweepSpec, options: SweepOptions) -> Sweep {
        let logdir = spec.base().logdir.clone();
        // One experiment, shared by every run's configuration (a copy per run made a
        // sweep's set-up grow with the square of its size).
        let experiment = std::sync::Arc::new(spec.experiment());
        let all_names = if options.resume {
            spec.runs().iter().map(|r| r.name.clone()).collect()
        } else {
            HashSet::new()
        };
        let runs = spec
            .into_runs()
            .into_iter()
            .filter(|r| options.shard.contains(r.index))
            .map(|mut r| {
                r.config.experiment = Some(std::sync::Arc::clone(&experiment));
                let group = r.group();
                r.config.hparams_group = Some(if group.is_empty() {
                    ALL_SEEDS_GROUP.to_string()
                } else {
                    group
                });
                r
            })
            .collect();
        Sweep {
            logdir,
            options,
            runs,
            all_names,
        }
    }

    /// This shard's runs, in enumeration order.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// Training steps of all this shard's runs.
    pub fn total_steps(&self) -> u64 {
        self.runs.iter().map(|r| r.config.steps).sum()
    }

    /// The sweep's log directory.
    pub fn logdir(&self) -> &Path {
        &self.logdir
    }

    /// Whether this process writes the root run and the summary files (unsharded).
    pub fn writes_summary(&self) -> bool {
        self.options.shard.count == 1
    }

    /// Checks, before anything is written, that no run directory (nor, unsharded, the
    /// root) holds event files unless `overwrite` (the root's are then removed; the
    /// runs' are removed by each training) or `resume` (which keeps the runs that
    /// finished, after checking they were made with this sweep's settings, and redoes
    /// the others), and that the datasets of the runs to train load.
    ///
    /// The root is locked (alone unsharded, shared by the shards of one sweep) before it
    /// is checked and for as long as the plan lives: two sweeps started at the same
    /// instant into one logdir never both write; each run's directory is locked by its
    /// training.
    pub fn prepare(&self) -> Result<Plan<'_>, Error> {
        // Every check a single run makes before it creates a file, made for every run
        // before any file exists: the data loads, and the network fits (a dataset's
        // shape is the same for every seed). Kept runs are checked too (cheap).
        let mut shapes: HashMap<(String, Option<PathBuf>), data::Shape> = HashMap::new();
        for run in &self.runs {
            let key = (run.config.dataset.to_string(), run.config.test_csv.clone());
            let shape = match shapes.get(&key) {
                Some(&shape) => shape,
                None => {
                    let shape = exec::load_data(&run.config)
                        .map_err(|source| Error::Data {
                            dataset: key.0.clone(),
                            source,
                        })?
                        .shape();
                    shapes.insert(key, shape);
                    shape
                }
            };
            run.config
                .validate(&shape)
                .map_err(|e| Error::Train(train::Error::Config(e)))?;
        }
        let root = self.logdir();
        fs::create_dir_all(root).map_err(|source| Error::CreateDir {
            path: root.to_path_buf(),
            source,
        })?;
        let lock = if self.writes_summary() {
            DirLock::exclusive(root)?
        } else {
            DirLock::shared(root)?
        };
        let kept = if self.options.resume {
            let kept = resume::finished_runs(&self.runs)?;
            resume::check_same_sweep(root, &self.runs, &self.all_names)?;
            kept
        } else {
            self.check_unused()?;
            vec![None; self.runs.len()]
        };
        if self.writes_summary() && (self.options.overwrite || self.options.resume) {
            disk::remove_summary_events(self.logdir())?;
        }
        Ok(Plan {
            sweep: self,
            kept,
            _lock: lock,
        })
    }

    /// Refuses run directories (and, unsharded, a root) already holding event files,
    /// unless `overwrite`.
    fn check_unused(&self) -> Result<(), Error> {
        let mut in_use = Vec::new();
        for run in &self.runs {
            match train::check_logdir(&run.config.logdir, false) {
                Ok(_) => {}
                Err(train::Error::LogdirInUse { path }) => in_use.push(path),
                Err(e) => return Err(e.into()),
            }
        }
        let summary = disk::summary_event_files(self.logdir())?;
        if self.writes_summary() && !summary.is_empty() {
            in_use.insert(0, disk::summary_dir(self.logdir()));
        }
        match in_use.first() {
            Some(first) if !self.options.overwrite => Err(Error::LogdirInUse {
                path: first.clone(),
                others: in_use.len() - 1,
            }),
            _ => Ok(()),
        }
    }

    /// Prepares, then trains this shard's runs, `jobs` at a time, until done or `stop`
    /// is set (see [`Plan::run`]).
    pub fn run(
        &self,
        stop: &AtomicBool,
        progress: &dyn BatchProgress,
    ) -> Result<SweepReport, Error> {
        self.prepare()?.run(stop, progress)
    }
}

/// A prepared sweep: the runs kept from an earlier try (`--resume`) and those to train.
#[derive(Debug)]
pub struct Plan<'a> {
    sweep: &'a Sweep,
    /// Per run of the shard, in order: the record of a finished run that is kept.
    kept: Vec<Option<RunRecord>>,
    /// The root's lock, held until the plan has run.
    _lock: DirLock,
}

impl Plan<'_> {
    /// Runs kept because they had finished.
    pub fn kept(&self) -> usize {
        self.kept.iter().flatten().count()
    }

    /// Runs to train.
    pub fn to_train(&self) -> usize {
        self.kept.len() - self.kept()
    }

    /// Training steps of the runs to train.
    pub fn total_steps(&self) -> u64 {
        self.sweep
            .runs
            .iter()
            .zip(&self.kept)
            .filter(|(_, kept)| kept.is_none())
            .map(|(r, _)| r.config.steps)
            .sum()
    }

    /// Trains the runs not kept, `jobs` at a time, until done or `stop` is set;
    /// summarises them with the kept ones and, unsharded, writes the summary files and
    /// the root run. A run that fails is recorded in the summary; only writing the
    /// sweep's own files is an error.
    pub fn run(
        self,
        stop: &AtomicBool,
        progress: &dyn BatchProgress,
    ) -> Result<SweepReport, Error> {
        let sweep = self.sweep;
        let options = sweep.options;
        let kept_records = self.kept;
        let configs: Vec<train::TrainConfig> = sweep
            .runs
            .iter()
            .zip(&kept_records)
            .filter(|(_, kept)| kept.is_none())
            .map(|(r, _)| {
                let mut c = r.config.clone();
                // Resumed: a run not kept may hold the files of its stopped try.
                c.overwrite = options.overwrite || options.resume;
                c
            })
            .collect();
        let mut results = execute(&configs, options.jobs, stop, progress).into_iter();
        let kept = kept_records.iter().flatten().count();
        let mut records = Vec::new();
        let mut not_started = 0;
        for (run, kept) in sweep.runs.iter().zip(kept_records) {
            // The results come in the order of the runs to train.
            let record = match kept {
                Some(record) => Some(record),
                None => results
                    .next()
                    .flatten()
                    .map(|result| RunRecord::from_result(run, &result)),
            };
            match record {
                Some(record) => records.push(record),
                None => not_started += 1,
            }
        }
        let summary = Summary::from_records(&records);
        if sweep.writes_summary() {
            disk::write_summary(sweep.logdir(), &summary)?;
        }
        Ok(SweepReport {
            records,
            summary,
            not_started,
            kept,
            wrote_summary: sweep.writes_summary(),
        })
    }
}

/// What `--summarize-only` found.
#[derive(Debug)]
pub struct Rebuilt {
    pub records: Vec<RunRecord>,
    pub summary: Summary,
    /// Subdirectories with event files but no hparams session (not summarised).
    pub skipped: Vec<PathBuf>,
}

/// Rebuilds the summary of the sweep in `logdir` from its event files, and writes it as
/// a sweep does, replacing the summary run's event files (and nothing else).
pub fn summarize(logdir: &Path) -> Result<Rebuilt, Error> {
    if !logdir.is_dir() {
        return Err(inspect::Error::NotFound {
            path: logdir.to_path_buf(),
        }
        .into());
    }
    let _lock = DirLock::exclusive(logdir)?;
    let (records, skipped) = disk::read_records(logdir)?;
    if records.is_empty() {
        return Err(Error::NoRuns {
            path: logdir.to_path_buf(),
        });
    }
    let summary = Summary::from_records(&records);
    disk::remove_summary_events(logdir)?;
    disk::write_summary(logdir, &summary)?;
    Ok(Rebuilt {
        records,
        summary,
        skipped,
    })
}
