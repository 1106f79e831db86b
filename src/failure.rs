//! Errors on their way to the terminal: one line and an exit code. This is where the
//! library's errors, which name settings and values, are told in the command line's
//! terms (the flag to change, `--overwrite`).

use tbtrain::nn::Init;
use tbtrain::sweep::{self, SpecError};
use tbtrain::train::{self, ConfigError, Divergence, Setting, TrainConfig, Value};

/// Exit code for bad usage (clap uses it too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for data, I/O and training failures.
pub const EXIT_FAILURE: u8 = 1;

/// What `--overwrite` is for, appended to "already holds event files".
const LOGDIR_HINT: &str = "pass --overwrite to replace them, or choose another --logdir";

/// An error on its way to the terminal.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn usage(message: impl ToString) -> Self {
        Failure {
            message: message.to_string(),
            code: EXIT_USAGE,
        }
    }

    pub fn data(message: impl ToString) -> Self {
        Failure {
            message: message.to_string(),
            code: EXIT_FAILURE,
        }
    }
}

/// Why a run diverged, in the user's terms (see `tbtrain::train::diagnosis`): at step 0
/// the cost is that of the initial weights, before any update; later, initial weights
/// that amplify the signal layer by layer are named, and the learning rate when the
/// updates alone blew the network up.
pub fn divergence_cause(cause: Divergence, config: &TrainConfig, limit: f32) -> String {
    let (lr, init) = (config.lr, config.init.name());
    let other_init = if config.init == Init::Xavier {
        "another --init or a smaller --depth".to_string()
    } else {
        "--init xavier, which keeps them level".to_string()
    };
    let amplify = |gain: f32| {
        format!(
            "the initial weights (--init {init}) amplify the signal layer by layer: before \
             any update the last hidden layer's activations were {} times the first's",
            number(gain)
        )
    };
    match cause {
        Divergence::BeforeAnyUpdate => format!(
            "the initial weights' cost was NaN, infinite or above {:e}, before any update: \
             the data and the initialization give it, not --lr (check the data's scale, or \
             try another --init or a smaller --depth or --width)",
            train::FIRST_COST_LIMIT
        ),
        Divergence::InitialWeights { gain } => format!(
            "the cost became NaN, infinite or above {limit:.0}: {}, and training compounded \
             it (the initialization, not --lr {lr}: try {other_init})",
            amplify(gain)
        ),
        Divergence::Both { gain, step_size } => format!(
            "the cost became NaN, infinite or above {limit:.0}: --lr {lr} is too large (its \
             first step was {} times the size of the weights), and {} (try a smaller --lr \
             and {other_init})",
            number(step_size),
            amplify(gain)
        ),
        Divergence::LearningRate | Divergence::NotRecorded => format!(
            "the cost became NaN, infinite or above {limit:.0} (--lr {lr} is too large; try a \
             smaller --lr)"
        ),
    }
}

/// A ratio for a message: `2.6`, `1200`, `2.4e5`.
fn number(x: f32) -> String {
    if x >= 10_000.0 {
        format!("{x:.1e}")
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// Refuses settings given on the command line that change none of `configs` (see
/// `Setting::matters`): `--leaky-slope 0.2` for sigmoid runs would be ignored, or, in a
/// sweep, name identical runs as different ones. `runs` says which runs (`this run`).
pub fn refuse_unused(given: &[Value], configs: &[TrainConfig], runs: &str) -> Result<(), Failure> {
    for value in given {
        let setting = value.setting();
        if !setting.changes_any(configs) {
            return Err(Failure::usage(format!(
                "{} {value} changes {runs}: only {} use it",
                flag(setting),
                setting.used_by().unwrap_or("some runs")
            )));
        }
    }
    Ok(())
}

/// The flag of a setting (`--depth`).
pub fn flag(setting: Setting) -> String {
    format!("--{}", setting.key())
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        match &e {
            ConfigError::Invalid { setting, problem } => {
                Failure::usage(format!("{} {problem}", flag(*setting)))
            }
            ConfigError::TooLarge { .. } => Failure::usage(format!(
                "{e}: use a smaller {}, {} or {}",
                flag(Setting::Width),
                flag(Setting::Depth),
                flag(Setting::Batch)
            )),
        }
    }
}

impl From<train::Error> for Failure {
    fn from(e: train::Error) -> Self {
        match e {
            train::Error::Config(e) => e.into(),
            train::Error::LogdirInUse { .. } => Failure::data(format!("{e}; {LOGDIR_HINT}")),
            train::Error::NotOurEventFile { .. } => {
                Failure::data(format!("{e}; --overwrite removes only those: move it away"))
            }
            other => Failure::data(other),
        }
    }
}

impl From<SpecError> for Failure {
    fn from(e: SpecError) -> Self {
        let list = |setting: Setting| match setting {
            Setting::Seed => "--seeds".to_string(),
            other => flag(other),
        };
        Failure::usage(match &e {
            SpecError::Repeated { setting } => format!("{} is given twice", list(*setting)),
            SpecError::Duplicate { setting, value } => {
                format!("{}: '{value}' is listed twice", list(*setting))
            }
            SpecError::Mixed { setting } => {
                format!("{}: a list holds values of another setting", list(*setting))
            }
            SpecError::Unused {
                setting,
                values,
                used_by,
            } => format!(
                "{} {values} changes no run of the sweep: only {used_by} use it",
                list(*setting)
            ),
            _ => e.to_string(),
        })
    }
}

impl From<sweep::Error> for Failure {
    fn from(e: sweep::Error) -> Self {
        match e {
            sweep::Error::Spec(e) => e.into(),
            sweep::Error::Train(e) => e.into(),
            sweep::Error::LogdirInUse { .. } => Failure::data(format!("{e}; {LOGDIR_HINT}")),
            sweep::Error::ResumeMismatch { .. }
            | sweep::Error::ResumeOtherSweep { .. }
            | sweep::Error::ResumeOtherRun { .. } => Failure::data(format!(
                "{e}; --resume continues the same sweep: pass --overwrite to redo every run, \
                 or choose another --logdir"
            )),
            sweep::Error::Data { .. } => Failure::data(format!("--{e}")),
            other => Failure::data(other),
        }
    }
}
