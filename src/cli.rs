//! Command-line definitions (clap derive). Training is the default command, so
//! `tbtrain --depth 11 --act sigmoid` and `tbtrain train --depth 11 --act sigmoid` are
//! the same. Every value is checked here, before any file is created; a bad one stops
//! the program with exit code 2 and a message naming the flag.
//!
//! The flags of one run are split into the activation, [`NetArgs`] (the network and its
//! training) and [`OutputArgs`] (what is written and printed), so that `compare` reuses
//! them as they are and `sweep` gives each training setting a list-valued twin, read by
//! one generic list/range parser around the same item parsers.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use tbtrain::data::DatasetSpec;
use tbtrain::nn::{Activation, ActivationKind, ActivationParams, Init, OptimizerKind};
use tbtrain::sweep::{parse_list, Ranges, Shard, SweepSpec, Value};
use tbtrain::train::{PlanEvery, TrainConfig, DEFAULT_SEED};

const EXAMPLES: &str = "\
Examples:
  tbtrain --depth 11 --act sigmoid --logdir logs/sig    # the lesson: collapses to 0.5
  tbtrain --depth 11 --act relu --logdir logs/relu      # ReLU learns XOR again
  tensorboard --logdir logs                             # then open http://localhost:6006";

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
    /// Train the same network with several hidden activations, side by side.
    #[command(after_help = COMPARE_EXAMPLES)]
    Compare(CompareArgs),
    /// Train every combination of lists of settings over seeds, in parallel, and
    /// summarise the success rate of each configuration.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep(SweepArgs),
}

/// The initialisations `--init` accepts.
pub const INITS: [&str; 3] = ["uniform", "xavier", "he"];

/// The optimizers `--optimizer` accepts.
pub const OPTIMIZERS: [&str; 3] = ["sgd", "momentum", "adam"];

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

Runs go to <logdir>/<varied settings and seed>, e.g. logs/sweep/act=relu,depth=11,seed=3.
A run that diverges or fails is counted and named in the summary; the exit code is 0
whenever the sweep itself ran (2: bad flags; 1: logdir in use or files not writable;
130: interrupted, after writing the summary of what finished).";

/// The activations `--act` accepts: the nn layer's own names, maxout aside until it
/// has its pieces flag.
pub const ACTIVATIONS: [&str; 8] = {
    let mut names = [""; 8];
    let (mut i, mut n) = (0, 0);
    while i < ActivationKind::ALL.len() {
        if !matches!(ActivationKind::ALL[i], ActivationKind::Maxout) {
            names[n] = ActivationKind::ALL[i].name();
            n += 1;
        }
        i += 1;
    }
    names
};

/// Flags of one training run. Defaults are the lesson's.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Activation of the hidden layers; the output layer is always a sigmoid.
    #[arg(long, default_value = "sigmoid", value_parser = ACTIVATIONS)]
    pub act: String,
    #[command(flatten)]
    pub net: NetArgs,
    /// Run directory for the event files [default: logs/<act>-d<depth>-<timestamp>].
    #[arg(long)]
    pub logdir: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The settings of a training run besides the activation (shared by train and compare).
#[derive(Debug, Clone, Args)]
pub struct NetArgs {
    /// Number of weight layers (11 = 10 hidden layers and the output layer).
    #[arg(long, allow_negative_numbers = true, default_value_t = 11, value_parser = at_least_one)]
    pub depth: usize,
    /// Units in each hidden layer.
    #[arg(long, allow_negative_numbers = true, default_value_t = 5, value_parser = at_least_one)]
    pub width: usize,
    /// Slope of leaky-relu for negative inputs.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.01, value_parser = finite_f32)]
    pub leaky_slope: f32,
    /// Weight initialisation: uniform = U(-1, 1) weights and zero biases (the lesson's).
    #[arg(long, default_value = "uniform", value_parser = INITS)]
    pub init: String,
    /// Optimizer.
    #[arg(long, default_value = "sgd", value_parser = OPTIMIZERS)]
    pub optimizer: String,
    /// Learning rate.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.1, value_parser = positive_f32)]
    pub lr: f32,
    /// Training steps (the lesson's 10,001: steps 0 to 10,000).
    #[arg(long, allow_negative_numbers = true, default_value_t = 10_001, value_parser = at_least_one_u64)]
    pub steps: u64,
    /// Seed of the weights, generated data and batches.
    #[arg(long, allow_negative_numbers = true, default_value_t = DEFAULT_SEED, value_parser = whole_u64)]
    pub seed: u64,
    /// Training data: xor, circles, moons, spirals, or csv:PATH (features, then a 0/1 label).
    #[arg(long, default_value = "xor", value_parser = parse_dataset)]
    pub dataset: DatasetSpec,
    /// Rows per step [default: the full batch].
    #[arg(long, allow_negative_numbers = true, value_parser = at_least_one)]
    pub batch: Option<usize>,
}

/// What a run writes and prints (shared by train, compare and sweep).
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Write scalars every N steps (0: never).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
    pub log_every: u64,
    /// Write histograms every N steps (0: never).
    #[arg(long, allow_negative_numbers = true, default_value_t = 100)]
    pub hist_every: u64,
    /// Draw the decision boundary every N steps and at the end (0: never).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000)]
    pub image_every: u64,
    /// Longest time, in seconds, before logged data reaches the file.
    #[arg(long, allow_negative_numbers = true, default_value_t = 2.0, value_parser = non_negative_f64)]
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
    #[arg(long, default_value = "sigmoid,relu", value_parser = list(one_of(&ACTIVATIONS)))]
    pub acts: List<String>,
    #[command(flatten)]
    pub net: NetArgs,
    /// Parent directory: each run goes to <logdir>/<act>.
    #[arg(long, default_value = "logs")]
    pub logdir: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Trainings at once [default: the number of cores].
    #[arg(long, value_parser = at_least_one)]
    pub jobs: Option<usize>,
}

/// Flags of `tbtrain sweep`. Every training flag takes a list `a,b,c`; whole-number
/// flags also take inclusive ranges `1..20` (mixable: `1..3,8`). A flag not given keeps
/// the lesson's value.
#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// Hidden activations [default: sigmoid].
    #[arg(long, value_parser = list(one_of(&ACTIVATIONS)))]
    pub act: Option<List<String>>,
    /// Numbers of weight layers [default: 11].
    #[arg(long, value_parser = range_list(at_least_one))]
    pub depth: Option<List<usize>>,
    /// Units per hidden layer [default: 5].
    #[arg(long, value_parser = range_list(at_least_one))]
    pub width: Option<List<usize>>,
    /// Weight initialisations [default: uniform].
    #[arg(long, value_parser = list(one_of(&INITS)))]
    pub init: Option<List<String>>,
    /// Optimizers [default: sgd].
    #[arg(long, value_parser = list(one_of(&OPTIMIZERS)))]
    pub optimizer: Option<List<String>>,
    /// Learning rates [default: 0.1].
    #[arg(long, value_parser = list(positive_f32))]
    pub lr: Option<List<f32>>,
    /// Training steps [default: 10001].
    #[arg(long, value_parser = range_list(at_least_one_u64))]
    pub steps: Option<List<u64>>,
    /// Seeds, e.g. 1..20 [default: 1].
    #[arg(long, alias = "seed", value_parser = range_list(whole_u64))]
    pub seeds: Option<List<u64>>,
    /// Datasets [default: xor].
    #[arg(long, value_parser = list(parse_dataset))]
    pub dataset: Option<List<DatasetSpec>>,
    /// Rows per step [default: the full batch].
    #[arg(long, value_parser = range_list(at_least_one))]
    pub batch: Option<List<usize>>,
    /// Slopes of leaky-relu [default: 0.01].
    #[arg(long, value_parser = list(finite_f32))]
    pub leaky_slope: Option<List<f32>>,
    /// Sweep directory: one run directory per run, named by its settings.
    #[arg(long, default_value = "logs/sweep")]
    pub logdir: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Trainings at once [default: the number of cores].
    #[arg(long, value_parser = at_least_one)]
    pub jobs: Option<usize>,
    /// Run only the runs whose index modulo N is K (K from 0), e.g. one Slurm array task.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Train nothing: rebuild the summary (and the root run) from the logs in --logdir.
    #[arg(long, conflicts_with_all = [
        "act", "depth", "width", "init", "optimizer", "lr", "steps", "seeds", "dataset",
        "batch", "leaky_slope", "jobs", "shard",
    ])]
    pub summarize_only: bool,
}

/// A list-valued flag's values (a newtype, so clap takes the whole list as one value).
#[derive(Debug, Clone, PartialEq)]
pub struct List<T>(pub Vec<T>);

/// Flags of `tbtrain inspect`.
#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// A run directory, a directory of runs, or anything above them.
    pub path: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl TrainArgs {
    /// The lesson's defaults, as `tbtrain` with no flags has them.
    pub fn defaults() -> Result<TrainArgs, clap::Error> {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            train: TrainArgs,
        }
        Defaults::try_parse_from(["tbtrain"]).map(|d| d.train)
    }

    /// The run's configuration; `now` names the default log directory.
    pub fn to_config(&self, now: chrono::DateTime<chrono::Local>) -> TrainConfig {
        let net = &self.net;
        let logdir = self.logdir.clone().unwrap_or_else(|| {
            PathBuf::from("logs").join(format!(
                "{}-d{}-{}",
                self.act,
                net.depth,
                now.format("%Y%m%d-%H%M%S")
            ))
        });
        let out = &self.output;
        TrainConfig {
            depth: net.depth,
            width: net.width,
            act: activation(&self.act, net.leaky_slope),
            init: init(&net.init),
            optimizer: optimizer(&net.optimizer),
            lr: net.lr,
            steps: net.steps,
            seed: net.seed,
            dataset: net.dataset.clone(),
            batch: net.batch,
            logdir,
            plan_every: PlanEvery {
                scalars: out.log_every,
                histograms: out.hist_every,
                images: out.image_every,
            },
            flush_interval: Duration::from_secs_f64(out.flush_secs),
            overwrite: out.overwrite,
            write_experiment: true,
        }
    }
}

impl CompareArgs {
    /// One configuration per activation, into `<logdir>/<act>`.
    pub fn to_configs(&self, now: chrono::DateTime<chrono::Local>) -> Vec<TrainConfig> {
        self.acts
            .0
            .iter()
            .map(|act| {
                TrainArgs {
                    act: act.clone(),
                    net: self.net.clone(),
                    logdir: Some(self.logdir.join(act)),
                    output: self.output.clone(),
                }
                .to_config(now)
            })
            .collect()
    }
}

impl SweepArgs {
    /// The sweep's specification: the lesson's configuration with `--logdir` and the
    /// output flags, varied by every list given.
    pub fn to_spec(&self, now: chrono::DateTime<chrono::Local>) -> Result<SweepSpec, String> {
        let mut base = TrainArgs::defaults().map_err(|e| e.to_string())?;
        base.logdir = Some(self.logdir.clone());
        base.output = self.output.clone();
        let slope = first(&self.leaky_slope).unwrap_or(base.net.leaky_slope);
        let mut axes: Vec<Vec<Value>> = Vec::new();
        let mut axis = |values: Option<Vec<Value>>| axes.extend(values);
        axis(map(&self.act, |a| Value::Act(activation(a, slope))));
        axis(map(&self.depth, |d| Value::Depth(*d)));
        axis(map(&self.width, |w| Value::Width(*w)));
        axis(map(&self.init, |i| Value::Init(init(i))));
        axis(map(&self.optimizer, |o| Value::Optimizer(optimizer(o))));
        axis(map(&self.lr, |lr| Value::Lr(*lr)));
        axis(map(&self.steps, |s| Value::Steps(*s)));
        axis(map(&self.seeds, |s| Value::Seed(*s)));
        axis(map(&self.dataset, |d| Value::Dataset(d.clone())));
        axis(map(&self.batch, |b| Value::Batch(Some(*b))));
        axis(map(&self.leaky_slope, |s| Value::LeakySlope(*s)));
        SweepSpec::new(base.to_config(now), axes).map_err(|e| e.to_string())
    }
}

fn first<T: Copy>(list: &Option<List<T>>) -> Option<T> {
    list.as_ref().and_then(|l| l.0.first().copied())
}

fn map<T>(list: &Option<List<T>>, f: impl Fn(&T) -> Value) -> Option<Vec<Value>> {
    list.as_ref().map(|l| l.0.iter().map(f).collect())
}

/// The activation named `name` (one of [`ACTIVATIONS`] and a finite slope, both
/// checked by clap, so the fallback is never taken).
fn activation(name: &str, leaky_slope: f32) -> Activation {
    let params = ActivationParams {
        leaky_slope,
        // Not read: maxout is not among ACTIVATIONS yet.
        maxout_pieces: 2,
    };
    name.parse()
        .and_then(|kind| Activation::new(kind, params))
        .unwrap_or(Activation::Sigmoid)
}

/// The initialisation named `name` (one of [`INITS`], checked by clap).
fn init(name: &str) -> Init {
    name.parse().unwrap_or(Init::Uniform)
}

/// The optimizer named `name` (one of [`OPTIMIZERS`], checked by clap).
fn optimizer(name: &str) -> OptimizerKind {
    name.parse().unwrap_or(OptimizerKind::Sgd)
}

/// A clap value parser for a list flag whose items `item` reads (see
/// [`tbtrain::sweep::parse_list`]).
fn list<T, F>(item: F) -> impl Fn(&str) -> Result<List<T>, String> + Clone + Send + Sync + 'static
where
    T: PartialEq,
    F: Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static,
{
    move |text: &str| parse_list(text, Ranges::Refused, &item).map(List)
}

/// Like [`list`], also taking inclusive ranges `A..B` (for whole-number flags).
fn range_list<T, F>(
    item: F,
) -> impl Fn(&str) -> Result<List<T>, String> + Clone + Send + Sync + 'static
where
    T: PartialEq,
    F: Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static,
{
    move |text: &str| parse_list(text, Ranges::Allowed, &item).map(List)
}

/// An item parser accepting one of `names`.
fn one_of(
    names: &'static [&'static str],
) -> impl Fn(&str) -> Result<String, String> + Clone + Send + Sync + 'static {
    move |s: &str| {
        if names.contains(&s) {
            Ok(s.to_string())
        } else {
            Err(format!("'{s}' is not one of {}", names.join(", ")))
        }
    }
}

fn whole_u64(s: &str) -> Result<u64, String> {
    s.parse::<u64>()
        .map_err(|_| format!("'{s}' is not a whole number"))
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse()
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(v) => Ok(v),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

fn at_least_one_u64(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(v) => Ok(v),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

fn finite_f32(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err("must be a finite number".into()),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

fn positive_f32(s: &str) -> Result<f32, String> {
    let v = finite_f32(s)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err("must be greater than 0".into())
    }
}

fn non_negative_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..1.0e9).contains(&v) => Ok(v),
        Ok(_) => Err("must be a finite number of seconds, 0 or more".into()),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

fn parse_dataset(s: &str) -> Result<DatasetSpec, String> {
    s.parse::<DatasetSpec>().map_err(|e| e.to_string())
}
