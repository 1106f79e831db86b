//! Command-line definitions (clap derive). Training is the default command, so
//! `tbtrain --depth 11 --act sigmoid` and `tbtrain train --depth 11 --act sigmoid` are
//! the same. Every value is checked here, before any file is created; a bad one stops
//! the program with exit code 2 and a message naming the flag.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use tbtrain::data::DatasetSpec;
use tbtrain::nn::{Activation, Init, OptimizerKind};
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
}

/// The activations `--act` accepts.
pub const ACTIVATIONS: [&str; 8] = [
    "sigmoid",
    "relu",
    "leaky-relu",
    "tanh",
    "elu",
    "selu",
    "gelu",
    "swish",
];

/// Flags of one training run. Defaults are the lesson's.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Number of weight layers (11 = 10 hidden layers and the output layer).
    #[arg(long, allow_negative_numbers = true, default_value_t = 11, value_parser = at_least_one)]
    pub depth: usize,
    /// Units in each hidden layer.
    #[arg(long, allow_negative_numbers = true, default_value_t = 5, value_parser = at_least_one)]
    pub width: usize,
    /// Activation of the hidden layers; the output layer is always a sigmoid.
    #[arg(long, default_value = "sigmoid", value_parser = ACTIVATIONS)]
    pub act: String,
    /// Slope of leaky-relu for negative inputs.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.01, value_parser = finite_f32)]
    pub leaky_slope: f32,
    /// Weight initialisation: uniform = U(-1, 1) weights and zero biases (the lesson's).
    #[arg(long, default_value = "uniform", value_parser = ["uniform", "xavier", "he"])]
    pub init: String,
    /// Optimizer.
    #[arg(long, default_value = "sgd", value_parser = ["sgd", "momentum", "adam"])]
    pub optimizer: String,
    /// Learning rate.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.1, value_parser = positive_f32)]
    pub lr: f32,
    /// Training steps (the lesson's 10,001: steps 0 to 10,000).
    #[arg(long, allow_negative_numbers = true, default_value_t = 10_001, value_parser = at_least_one_u64)]
    pub steps: u64,
    /// Seed of the weights, generated data and batches.
    #[arg(long, allow_negative_numbers = true, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Training data: xor, circles, moons, spirals, or csv:PATH (features, then a 0/1 label).
    #[arg(long, default_value = "xor", value_parser = parse_dataset)]
    pub dataset: DatasetSpec,
    /// Rows per step [default: the full batch].
    #[arg(long, allow_negative_numbers = true, value_parser = at_least_one)]
    pub batch: Option<usize>,
    /// Run directory for the event files [default: logs/<act>-d<depth>-<timestamp>].
    #[arg(long)]
    pub logdir: Option<PathBuf>,
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
    /// Replace the event files already in --logdir (only those files are removed).
    #[arg(long)]
    pub overwrite: bool,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
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

impl TrainArgs {
    /// The run's configuration; `now` names the default log directory.
    pub fn to_config(&self, now: chrono::DateTime<chrono::Local>) -> TrainConfig {
        let act = match self.act.as_str() {
            "relu" => Activation::Relu,
            "leaky-relu" => Activation::LeakyRelu {
                slope: self.leaky_slope,
            },
            "tanh" => Activation::Tanh,
            "elu" => Activation::Elu,
            "selu" => Activation::Selu,
            "gelu" => Activation::Gelu,
            "swish" => Activation::Swish,
            _ => Activation::Sigmoid,
        };
        let init = match self.init.as_str() {
            "xavier" => Init::Xavier,
            "he" => Init::He,
            _ => Init::Uniform,
        };
        let optimizer = match self.optimizer.as_str() {
            "momentum" => OptimizerKind::Momentum,
            "adam" => OptimizerKind::Adam,
            _ => OptimizerKind::Sgd,
        };
        let logdir = self.logdir.clone().unwrap_or_else(|| {
            PathBuf::from("logs").join(format!(
                "{}-d{}-{}",
                self.act,
                self.depth,
                now.format("%Y%m%d-%H%M%S")
            ))
        });
        TrainConfig {
            depth: self.depth,
            width: self.width,
            act,
            init,
            optimizer,
            lr: self.lr,
            steps: self.steps,
            seed: self.seed,
            dataset: self.dataset.clone(),
            batch: self.batch,
            logdir,
            plan_every: PlanEvery {
                scalars: self.log_every,
                histograms: self.hist_every,
                images: self.image_every,
            },
            flush_interval: Duration::from_secs_f64(self.flush_secs),
            overwrite: self.overwrite,
            write_experiment: true,
        }
    }
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
