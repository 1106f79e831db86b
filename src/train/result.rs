//! A run's result, recorded in its own event file for programs that read it back (the
//! sweep summary, `sweep --resume`), and invisible in TensorBoard's dashboards.
//!
//! People see a run's end in the `predictions` and `gradients` texts and in the HParams
//! tab; lone points at the last step in Scalars would only repeat them. So the numbers a
//! summary needs (the final cost and accuracy of the final weights, how the run ended,
//! the first step whose cost fell below 0.1) are one JSON object in a `DT_STRING` tensor
//! under tag [`TAG`], whose metadata names plugin [`PLUGIN`]: no TensorBoard plugin
//! reads it, so both loaders keep it out of every dashboard. Non-finite numbers are
//! written as `null` and read back as NaN.

use prost::Message;
use serde::{Deserialize, Serialize};

use super::{Divergence, Outcome, RunReport};
use crate::proto::summary_metadata::PluginData;
use crate::proto::{summary, DataType, Summary, SummaryMetadata, TensorProto, TensorShapeProto};

/// The tag of the result.
pub const TAG: &str = "tbtrain/result";
/// The plugin name of the result (read by no TensorBoard plugin).
pub const PLUGIN: &str = "tbtrain";
/// The plugin content: which layout of the JSON object this is.
const VERSION: &[u8] = b"result-v1";

/// What a run's end records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// `completed`, `diverged` or `interrupted`.
    pub outcome: String,
    /// Steps run.
    pub steps_done: u64,
    /// The step whose cost diverged, if it did.
    pub diverged_at: Option<u64>,
    /// Cost of the final weights on the whole dataset (`None` when not finite).
    pub final_cost: Option<f64>,
    /// Accuracy of the final weights on the whole dataset.
    pub accuracy: Option<f64>,
    /// First step whose cost was below 0.1.
    pub first_step_below_0_1: Option<u64>,
    /// Cost of the final weights on the test set, for data with one (`None` without,
    /// or when not finite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_cost: Option<f64>,
    /// Accuracy of the final weights on the test set, for data with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
}

impl RunResult {
    /// The result of a finished (or stopped) run.
    pub fn of(report: &RunReport) -> RunResult {
        let finite = |x: f32| x.is_finite().then_some(f64::from(x));
        let (outcome, diverged_at) = match report.outcome {
            Outcome::Completed => ("completed", None),
            Outcome::Diverged { step, .. } => ("diverged", Some(step)),
            Outcome::Interrupted { .. } => ("interrupted", None),
        };
        RunResult {
            outcome: outcome.to_string(),
            steps_done: report.steps_done,
            diverged_at,
            final_cost: finite(report.final_cost),
            accuracy: finite(report.accuracy),
            first_step_below_0_1: report.first_step_below_0_1,
            test_cost: report.test.and_then(|t| finite(t.cost)),
            test_accuracy: report.test.and_then(|t| finite(t.accuracy)),
        }
    }

    /// How the run ended, as the trainer reported it.
    pub fn run_outcome(&self) -> Option<Outcome> {
        match (self.outcome.as_str(), self.diverged_at) {
            ("completed", _) => Some(Outcome::Completed),
            ("diverged", Some(step)) => Some(Outcome::Diverged {
                step,
                cause: Divergence::NotRecorded,
            }),
            ("interrupted", _) => Some(Outcome::Interrupted {
                step: self.steps_done,
            }),
            _ => None,
        }
    }

    /// The final cost, NaN when unknown.
    pub fn cost(&self) -> f32 {
        self.final_cost.map_or(f32::NAN, |c| c as f32)
    }

    /// The summary to write (at the run's last step).
    pub fn summary(&self) -> Result<Summary, serde_json::Error> {
        let json = serde_json::to_vec(self)?;
        let metadata = SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: PLUGIN.to_string(),
                content: VERSION.to_vec(),
            }),
            ..Default::default()
        };
        let tensor = TensorProto {
            dtype: DataType::DtString as i32,
            tensor_shape: Some(TensorShapeProto::default()),
            string_val: vec![json],
            ..Default::default()
        };
        Ok(Summary {
            value: vec![summary::Value {
                tag: TAG.to_string(),
                metadata: Some(metadata),
                value: Some(summary::value::Value::Tensor(tensor)),
                ..Default::default()
            }],
        })
    }

    /// The result in `value`, if it is one.
    pub fn read(value: &summary::Value) -> Option<RunResult> {
        if value.tag != TAG {
            return None;
        }
        let Some(summary::value::Value::Tensor(tensor)) = &value.value else {
            return None;
        };
        serde_json::from_slice(tensor.string_val.first()?).ok()
    }

    /// The result in a serialized `Summary`, if it holds one (for tests and tools).
    pub fn read_bytes(summary_bytes: &[u8]) -> Option<RunResult> {
        let summary = Summary::decode(summary_bytes).ok()?;
        summary.value.iter().find_map(RunResult::read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result() -> RunResult {
        RunResult {
            outcome: "diverged".into(),
            steps_done: 8,
            diverged_at: Some(7),
            final_cost: None,
            accuracy: Some(0.5),
            first_step_below_0_1: None,
            test_cost: None,
            test_accuracy: None,
        }
    }

    #[test]
    fn round_trips_through_a_summary() {
        let r = result();
        let bytes = r.summary().unwrap().encode_to_vec();
        assert_eq!(RunResult::read_bytes(&bytes), Some(r.clone()));
        assert_eq!(
            r.run_outcome(),
            Some(Outcome::Diverged {
                step: 7,
                cause: Divergence::NotRecorded
            })
        );
        assert!(r.cost().is_nan());
    }

    #[test]
    fn the_json_is_plain() {
        let s = serde_json::to_string(&result()).unwrap();
        assert_eq!(
            s,
            r#"{"outcome":"diverged","steps_done":8,"diverged_at":7,"final_cost":null,"accuracy":0.5,"first_step_below_0_1":null}"#
        );
    }
}
