//! Errors on their way to the terminal: one line and an exit code. This is where the
//! library's errors, which name settings and values, are told in the command line's
//! terms (the flag to change, `--overwrite`).

use tbtrain::sweep::{self, SpecError};
use tbtrain::train::{self, ConfigError, Setting, TrainConfig, Value};

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

/// Why a run diverged at `step`, in the user's terms: at step 0 the cost is that of the
/// initial weights, before any update, so the learning rate cannot be the cause.
pub fn divergence_cause(step: u64, lr: f32) -> String {
    let limit = train::DIVERGENCE_COST;
    if step == 0 {
        format!(
            "the initial weights' cost was NaN, infinite or above {limit}, before any \
             update: the data and the initialization give it, not --lr (check the data's \
             scale, or try another --init or a smaller --depth or --width)"
        )
    } else {
        format!(
            "the cost became NaN, infinite or above {limit} (--lr {lr} is too large; try a \
             smaller --lr)"
        )
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
