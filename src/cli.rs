//! Command-line definitions. Training is the default command, so
//! `tbtrain --depth 11 --act sigmoid` and `tbtrain train --depth 11 --act sigmoid` are
//! the same. Every value is checked here, before any file is created; a bad one stops
//! the program with exit code 2 and a message naming the flag.
//!
//! The training settings' flags are not written out here: [`Settings`] makes one
//! `--<key>` flag per [`Setting`] of the library's table (its help, value name and
//! parser; its default is [`TrainConfig::lesson`]'s value), and [`Lists`] makes the
//! sweep's list-valued twin of each. The rest (output, logdir, jobs, ...) is clap derive.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Arg, ArgMatches, Args, FromArgMatches, Parser, Subcommand};

use tbtrain::sweep::spec::{experiment_for, owned_hparams};
use tbtrain::sweep::{parse_list, Ranges, Shard, SweepSpec};
use tbtrain::train::{Budget, Every, Schedule, Setting, TrainConfig, Value};

const EXAMPLES: &str = "\
Examples:
  tbtrain --depth 11 --act sigmoid --logdir logs/sig    # the lesson: collapses to 0.5
  tbtrain --depth 11 --act relu --logdir logs/relu      # ReLU learns XOR again
  tensorboard --logdir logs                             # then open http://localhost:6006";

const COMPARE_EXAMPLES: &str = "\
Examples:
  tbtrain compare                                   # sigmoid vs relu, depth 11, into logs/
  tbtrain compare --acts sigmoid,relu,tanh --depth 6 --logdir logs/d6
  tensorboard --logdir logs";

const SWEEP_EXAMPLES: &str = "\
Examples:
  tbtrain sweep --act sigmoid,relu,leaky-relu,tanh --depth 2,3,6,11 --seeds 1..20
  tbtrain sweep --act relu --init uniform,xavier,he --seeds 1..10 --logdir logs/init
  tbtrain sweep ... --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT   # one array task
  tbtrain sweep --summarize-only --logdir logs/sweep                        # after all shards
  tbtrain sweep ... --resume             # after a stop: keep what finished, redo the rest

Runs go to <logdir>/<varied settings and seed>, e.g. logs/sweep/act=relu,depth=11,seed=3.
A run that diverges or fails is counted and named in the summary; the exit code is 0
whenever the sweep itself ran (2: bad flags; 1: logdir in use or files not writable;
130, 143, 129: stopped by SIGINT, SIGTERM, SIGHUP, after writing the summary of what
finished).";

/// Train deep networks and log everything to TensorBoard event files.
#[derive(Debug, Parser)]
#[command(
    name = "tbtrain",
    version,
    about,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub train: TrainArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train one network (the default command).
    #[command(after_help = EXAMPLES)]
    Train(TrainArgs),
    /// Summarise the event files under a path: runs, tags, steps, problems.
    Inspect(InspectArgs),
    /// Write every scalar (or histogram bucket, text, HParams session) TensorBoard shows
    /// under a path, as CSV or JSON Lines.
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(ExportArgs),
    /// Train the same network with several hidden activations, side by side.
    #[command(after_help = COMPARE_EXAMPLES)]
    Compare(CompareArgs),
    /// Train every combination of lists of settings over seeds, in parallel, and
    /// summarise the success rate of each configuration.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep(SweepArgs),
    /// Print a shell completion script (e.g. `tbtrain completions bash > ~/.local/share/bash-completion/completions/tbtrain`).
    Completions(CompletionsArgs),
    /// Print the manual page in roff (e.g. `tbtrain man > ~/.local/share/man/man1/tbtrain.1`).
    Man,
}

/// Flags of `tbtrain completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Flags of one training run.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub settings: Settings<true>,
    /// Run directory for the event files [default: logs/<act>-d<depth>-<timestamp>].
    #[arg(long)]
    pub logdir: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What a run writes and prints (shared by train, compare and sweep).
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Write scalars every N steps (0: never) [default: at most 1000 steps, every step
    /// at first, then sparser; 200 in a sweep].
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = period)]
    pub log_every: Option<u64>,
    /// Write histograms every N steps (0: never) [default: at most 30 steps, dense at
    /// first; the first and last step in a sweep].
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = period)]
    pub hist_every: Option<u64>,
    /// Draw the images every N steps (0: never; every picture step asked for is drawn:
    /// training waits when it asks faster than they are drawn) [default: at most 10
    /// steps, dense at first; the first and last step in a sweep].
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = period)]
    pub image_every: Option<u64>,
    /// Longest time, in seconds, before logged data reaches the file.
    #[arg(
        long,
        value_name = "S",
        allow_negative_numbers = true,
        default_value_t = tbtrain::train::DEFAULT_FLUSH_INTERVAL.as_secs_f64(),
        value_parser = seconds
    )]
    pub flush_secs: f64,
    /// Replace the event files already in the run directories (only those files are removed).
    #[arg(long)]
    pub overwrite: bool,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Flags of `tbtrain compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Hidden activations to train side by side, identical otherwise.
    #[arg(long, value_name = "A,B", default_value = "sigmoid,relu", value_parser = acts)]
    pub acts: ValueList,
    #[command(flatten)]
    pub settings: Settings<false>,
    /// Parent directory: each run goes to <logdir>/<act>.
    #[arg(long, default_value = "logs")]
    pub logdir: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Trainings at once [default: the number of cores].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,
}

/// Flags of `tbtrain sweep`: every training setting takes a list `a,b,c`; whole-number
/// ones also take inclusive ranges `1..20` (mixable: `1..3,8`). A setting not given
/// keeps the lesson's value.
#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub lists: Lists,
    /// Sweep directory: one run directory per run, named by its settings.
    #[arg(long, default_value = "logs/sweep")]
    pub logdir: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Trainings at once [default: the number of cores].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,
    /// Run only the runs whose index modulo N is K (K from 0), e.g. one Slurm array task.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Keep the runs in --logdir that finished (completed or diverged) and train the
    /// others again (interrupted, killed, never started), replacing only their files.
    #[arg(long, conflicts_with_all = ["overwrite", "summarize_only"])]
    pub resume: bool,
    /// Train nothing: rebuild the summary (its run `summary` and files) from the logs in --logdir.
    #[arg(long, conflicts_with_all = ["jobs", "shard"])]
    pub summarize_only: bool,
}

/// Flags of `tbtrain inspect`.
#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// A run directory, a directory of runs, or anything above them.
    pub path: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

const EXPORT_EXAMPLES: &str = "\
Examples:
  tbtrain export logs > scalars.csv               # run,tag,step,wall_time,value
  tbtrain export logs --tag '^cost$' --steps 1000.. --format jsonl
  tbtrain export logs --kind hparams --out sessions.csv

Points are those TensorBoard shows: a resumed run's purged points and a step logged
again are left out. Problems in the files go to standard error; the export goes on.";

/// Flags of `tbtrain export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// A run directory, a directory of runs, or anything above them.
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// What to write: scalars (run,tag,step,wall_time,value), histograms (one row per
    /// bucket: ...,left,right,count), text (...,text) or hparams (one row per session:
    /// run,status,<hparams>,<metrics>).
    #[arg(long, value_enum, default_value_t = ExportKind::Scalars)]
    pub kind: ExportKind,
    /// Write to FILE instead of standard output: whole or not at all (written under a
    /// temporary name beside it, renamed at the end).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Only the runs whose name matches REGEX.
    #[arg(long, value_name = "REGEX", value_parser = regex_arg)]
    pub run: Option<regex::Regex>,
    /// Only the tags that match REGEX.
    #[arg(long, value_name = "REGEX", value_parser = regex_arg)]
    pub tag: Option<regex::Regex>,
    /// Only steps A to B, both included (`100..`, `..500`, `-5..5`).
    #[arg(long, value_name = "A..B", allow_hyphen_values = true, value_parser = step_range)]
    pub steps: Option<std::ops::RangeInclusive<i64>>,
}

/// `--format` of `tbtrain export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// `--kind` of `tbtrain export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKind {
    Scalars,
    Histograms,
    Text,
    Hparams,
}

impl ExportArgs {
    /// The library's options; `terminal`: standard output is a terminal.
    pub fn options(&self, terminal: bool) -> tbtrain::export::Options {
        use tbtrain::export::{Format, Kind, Options};
        let kind = match self.kind {
            ExportKind::Scalars => Kind::Scalars,
            ExportKind::Histograms => Kind::Histograms,
            ExportKind::Text => Kind::Text,
            ExportKind::Hparams => Kind::Hparams,
        };
        let format = match self.format {
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Jsonl => Format::JsonLines,
        };
        let mut options = Options::new(kind, format);
        options.terminal = terminal && self.out.is_none();
        options.runs = self
            .run
            .clone()
            .map(|re| Box::new(move |name: &str| re.is_match(name)) as tbtrain::export::NameFilter);
        options.tags = self
            .tag
            .clone()
            .map(|re| Box::new(move |name: &str| re.is_match(name)) as tbtrain::export::NameFilter);
        if let Some(steps) = &self.steps {
            options.steps = steps.clone();
        }
        options
    }
}

fn regex_arg(text: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(text).map_err(|e| {
        e.to_string()
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .to_string()
    })
}

/// `--steps A..B`: either end may be left out.
fn step_range(text: &str) -> Result<std::ops::RangeInclusive<i64>, String> {
    let Some((a, b)) = text.split_once("..") else {
        return Err(format!(
            "'{text}' is not a range A..B (e.g. 100..500, 100.., ..500)"
        ));
    };
    let end = |s: &str, default: i64| -> Result<i64, String> {
        if s.is_empty() {
            return Ok(default);
        }
        s.parse()
            .map_err(|_| format!("'{s}' is not a whole number of steps"))
    };
    let (from, to) = (end(a, i64::MIN)?, end(b, i64::MAX)?);
    if from > to {
        return Err(format!("{from}..{to} holds no step"));
    }
    Ok(from..=to)
}

/// The training settings as flags, one `--<key>` per [`Setting`] (all of them, or all
/// but `--act` when `WITH_ACT` is false, as in `compare`), each defaulting to the
/// lesson's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings<const WITH_ACT: bool> {
    /// One value per setting, in [`Setting::ALL`] order.
    pub values: Vec<Value>,
    /// The values given on the command line (not defaults), in [`Setting::ALL`] order.
    pub given: Vec<Value>,
}

/// A list-valued flag's values (a newtype, so clap takes the whole list as one value).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueList(pub Vec<Value>);

/// The sweep's lists, one optional `--<key>` list per [`Setting`] (`--seeds` for the
/// seed, `--seed` also accepted).
#[derive(Debug, Clone, PartialEq)]
pub struct Lists {
    /// One list per setting given, in [`Setting::ALL`] order.
    pub axes: Vec<Vec<Value>>,
}

/// The flag of a setting's list in `sweep` (the key, but `seeds` for the seed).
fn list_flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Seed => "seeds",
        other => other.key(),
    }
}

impl<const WITH_ACT: bool> Settings<WITH_ACT> {
    fn selected() -> impl Iterator<Item = Setting> {
        Setting::ALL
            .into_iter()
            .filter(|&s| WITH_ACT || s != Setting::Act)
    }

    /// Sets every value in `config`.
    pub fn apply(&self, config: &mut TrainConfig) {
        for value in &self.values {
            value.apply(config);
        }
    }
}

/// The flag `--<key>` of one setting, with its help, parser and the lesson's default.
fn setting_arg(setting: Setting, lesson: &TrainConfig) -> Arg {
    let arg = Arg::new(setting.key())
        .long(setting.key())
        .value_name(setting.value_name())
        .help(setting.help())
        .help_heading("Training settings")
        .default_value(setting.get(lesson).to_string());
    match setting.choices() {
        Some(names) => arg.value_parser(
            PossibleValuesParser::new(names).try_map(move |name: String| setting.parse(&name)),
        ),
        None => arg
            .allow_negative_numbers(true)
            .value_parser(move |text: &str| setting.parse(text)),
    }
}

/// The list flag of one setting in `sweep`.
fn list_arg(setting: Setting, lesson: &TrainConfig) -> Arg {
    let ranges = if setting.takes_ranges() {
        Ranges::Allowed
    } else {
        Ranges::Refused
    };
    let form = match (setting.choices(), ranges) {
        (Some(names), _) => format!("a list of {}", names.join(", ")),
        (None, Ranges::Allowed) => "a list a,b,c; ranges 1..20 too".to_string(),
        (None, Ranges::Refused) => "a list a,b,c".to_string(),
    };
    let mut arg = Arg::new(setting.key())
        .long(list_flag(setting))
        .value_name(setting.value_name())
        .help(format!(
            "{} ({form}) [default: {}]",
            setting.help(),
            setting.get(lesson)
        ))
        .help_heading("Training settings")
        .allow_negative_numbers(true)
        .conflicts_with("summarize_only")
        .value_parser(move |text: &str| {
            parse_list(text, ranges, |item| setting.parse(item)).map(ValueList)
        });
    if setting == Setting::Seed {
        arg = arg.visible_alias("seed");
    }
    arg
}

impl<const WITH_ACT: bool> Args for Settings<WITH_ACT> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let lesson = TrainConfig::lesson("");
        Self::selected().fold(cmd, |cmd, s| cmd.arg(setting_arg(s, &lesson)))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl<const WITH_ACT: bool> FromArgMatches for Settings<WITH_ACT> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let values = Self::selected()
            .map(|s| {
                matches.get_one::<Value>(s.key()).cloned().ok_or_else(|| {
                    clap::Error::raw(
                        clap::error::ErrorKind::MissingRequiredArgument,
                        format!("--{} has no value", s.key()),
                    )
                })
            })
            .collect::<Result<Vec<Value>, _>>()?;
        let given = values
            .iter()
            .filter(|v| {
                matches!(
                    matches.value_source(v.setting().key()),
                    Some(clap::parser::ValueSource::CommandLine)
                )
            })
            .cloned()
            .collect();
        Ok(Settings { values, given })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for Lists {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let lesson = TrainConfig::lesson("");
        Setting::ALL
            .into_iter()
            .fold(cmd, |cmd, s| cmd.arg(list_arg(s, &lesson)))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for Lists {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let axes = Setting::ALL
            .into_iter()
            .filter_map(|s| matches.get_one::<ValueList>(s.key()))
            .map(|list| list.0.clone())
            .collect();
        Ok(Lists { axes })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl OutputArgs {
    /// The schedule: a fixed period where a flag gives one, else `auto`'s.
    fn schedule(&self, auto: Schedule) -> Schedule {
        let every = |flag: Option<u64>, auto: Every| match flag {
            None => auto,
            Some(0) => Every::Never,
            Some(n) => Every::Steps(n),
        };
        Schedule {
            scalars: every(self.log_every, auto.scalars),
            histograms: every(self.hist_every, auto.histograms),
            images: every(self.image_every, auto.images),
            // The test set is evaluated at the schedule's own steps and every epoch's
            // end; its pictures follow --image-every (see `plan`).
            tests: auto.tests,
        }
    }

    /// Sets the output settings of `config`, with `auto` for the kinds not given.
    fn apply(&self, config: &mut TrainConfig, auto: Schedule) {
        config.schedule = self.schedule(auto);
        config.flush_interval = Duration::from_secs_f64(self.flush_secs);
        config.overwrite = self.overwrite;
    }
}

impl TrainArgs {
    /// The run's configuration; `now` names the default log directory.
    pub fn to_config(&self, now: chrono::DateTime<chrono::Local>) -> TrainConfig {
        let mut config = TrainConfig::lesson(PathBuf::new());
        self.settings.apply(&mut config);
        self.output.apply(&mut config, Budget::LESSON);
        config.logdir = self.logdir.clone().unwrap_or_else(|| {
            PathBuf::from("logs").join(format!(
                "{}-d{}-{}",
                config.act.name(),
                config.depth,
                now.format("%Y%m%d-%H%M%S")
            ))
        });
        config
    }
}

impl CompareArgs {
    /// One configuration per activation, into `<logdir>/<act>`, all with the same
    /// hparams experiment (its `act` domain lists every activation compared).
    pub fn to_configs(&self) -> Vec<TrainConfig> {
        let mut configs: Vec<TrainConfig> = self
            .acts
            .0
            .iter()
            .map(|act| {
                let mut config = TrainConfig::lesson(PathBuf::new());
                self.settings.apply(&mut config);
                act.apply(&mut config);
                self.output.apply(&mut config, Budget::LESSON);
                config.logdir = self.logdir.join(act.to_string());
                config
            })
            .collect();
        let hparams: Vec<_> = configs.iter().map(owned_hparams).collect();
        let experiment = std::sync::Arc::new(experiment_for(&hparams));
        for config in &mut configs {
            config.experiment = Some(std::sync::Arc::clone(&experiment));
        }
        configs
    }
}

impl SweepArgs {
    /// The sweep's specification: the lesson's configuration with `--logdir` and the
    /// output flags, varied by every list given.
    pub fn to_spec(&self) -> Result<SweepSpec, tbtrain::sweep::SpecError> {
        let mut base = TrainConfig::lesson(self.logdir.clone());
        self.output.apply(&mut base, Budget::SWEEP);
        SweepSpec::new(base, self.lists.axes.clone())
    }
}

/// `--acts`: a list of activation names.
fn acts(text: &str) -> Result<ValueList, String> {
    parse_list(text, Ranges::Refused, |item| Setting::Act.parse(item)).map(ValueList)
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse()
}

/// `--log-every` and its kin: a whole number of steps, 0 or more.
fn period(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("'{s}' is not a whole number of steps"))
}

/// `--flush-secs`: a finite number of seconds, 0 or more.
fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..1.0e9).contains(&v) => Ok(v),
        Ok(_) => Err("must be a finite number of seconds, 0 or more".into()),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("tbtrain").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn no_flags_is_the_lesson() {
        let cli = parse(&[]);
        let now = chrono::Local::now();
        let config = cli.train.to_config(now);
        let mut lesson = TrainConfig::lesson(config.logdir.clone());
        lesson.logdir = config.logdir.clone();
        assert_eq!(config, lesson);
        assert!(config.logdir.starts_with("logs"));
    }

    #[test]
    fn every_setting_has_a_flag_and_a_list() {
        let train = <TrainArgs as clap::Args>::augment_args(clap::Command::new("t"));
        let sweep = <SweepArgs as clap::Args>::augment_args(clap::Command::new("s"));
        for s in Setting::ALL {
            assert!(
                train.get_arguments().any(|a| a.get_long() == Some(s.key())),
                "{s}"
            );
            assert!(
                sweep
                    .get_arguments()
                    .any(|a| a.get_long() == Some(list_flag(s))),
                "{s}"
            );
        }
    }

    #[test]
    fn flags_set_the_config() {
        let cli = parse(&[
            "--act",
            "relu",
            "--depth",
            "3",
            "--lr",
            "0.5",
            "--batch",
            "2",
            "--log-every",
            "0",
            "--hist-every",
            "7",
            "--logdir",
            "x",
        ]);
        let c = cli.train.to_config(chrono::Local::now());
        assert_eq!(
            (c.act.name(), c.depth, c.lr, c.batch),
            ("relu", 3, 0.5, Some(2))
        );
        assert_eq!(c.schedule.scalars, Every::Never);
        assert_eq!(c.schedule.histograms, Every::Steps(7));
        assert_eq!(c.schedule.images, Budget::LESSON.images);
        assert_eq!(c.logdir, PathBuf::from("x"));
    }

    #[test]
    fn export_step_ranges() {
        assert_eq!(step_range("5..7"), Ok(5..=7));
        assert_eq!(step_range("-5.."), Ok(-5..=i64::MAX));
        assert_eq!(step_range("..0"), Ok(i64::MIN..=0));
        assert!(step_range("7..5").is_err());
        assert!(step_range("5").is_err());
        assert!(step_range("a..b").is_err());
    }

    #[test]
    fn a_single_slope_applies_to_every_leaky_run() {
        let cli = parse(&["sweep", "--act", "relu,leaky-relu", "--leaky-slope", "0.2"]);
        let Some(Command::Sweep(args)) = cli.command else {
            panic!("not a sweep")
        };
        let spec = args.to_spec().unwrap();
        let leaky = spec
            .runs()
            .iter()
            .find(|r| r.config.act.name() == "leaky-relu")
            .unwrap();
        assert_eq!(leaky.config.leaky_slope, 0.2);
        assert_eq!(spec.base().schedule, Budget::SWEEP);
    }
}
