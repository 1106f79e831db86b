//! Hyperparameters: the three summaries the hparams plugin reads.
//!
//! - `_hparams_/experiment`: which hparams exist (name, type, domain) and which scalar
//!   tags are metrics. The plugin takes the first run it finds holding this tag, so in a
//!   sweep write it once, with domains covering every run;
//! - `_hparams_/session_start_info`: the values of one run (a "session");
//! - `_hparams_/session_end_info`: how the run ended.
//!
//! Each is a value whose metadata names plugin `hparams` and carries a serialized
//! `HParamsPluginData` (version 0, which encodes to no bytes) as its content, and whose
//! tensor is the plugin's null tensor (`DT_FLOAT`, shape `[0]`), exactly as
//! `tensorboard.plugins.hparams.summary_v2` writes them. (tensorboardX leaves the value
//! empty; TensorBoard's loader then has no point to keep for the series.)
//!
//! Types follow `summary_v2`: numbers are `DATA_TYPE_FLOAT64`, discrete domains are
//! sorted, an interval must have `min <= max`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use prost_types::value::Kind;

use crate::proto::hparams::{
    h_param_info, h_params_plugin_data, DataType, Experiment, HParamInfo, HParamsPluginData,
    Interval, MetricInfo, MetricName, SessionEndInfo, SessionStartInfo, Status,
};
use crate::proto::{summary, Summary, TensorProto, TensorShapeProto};

use super::Error;
use crate::events::writer::finite_or_zero;

/// Tag of the experiment summary.
pub const EXPERIMENT_TAG: &str = "_hparams_/experiment";
/// Tag of the session start summary.
pub const SESSION_START_INFO_TAG: &str = "_hparams_/session_start_info";
/// Tag of the session end summary.
pub const SESSION_END_INFO_TAG: &str = "_hparams_/session_end_info";
/// `HParamsPluginData.version` the plugin accepts.
pub const PLUGIN_DATA_VERSION: i32 = 0;

/// One hyperparameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum HParamValue {
    /// A string (`act = "relu"`).
    Str(String),
    /// A number, stored as a double (`lr = 0.1`).
    Num(f64),
    /// A boolean.
    Bool(bool),
}

/// The hparams and metrics of an experiment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExperimentSpec {
    /// The hyperparameters, in the order the HParams tab lists them.
    pub hparams: Vec<HParamSpec>,
    /// Scalar series that are metrics.
    pub metrics: Vec<MetricSpec>,
}

/// A metric of an experiment: a scalar tag, in the session's own run (`group` empty) or
/// in the sub-run `group` of it (as Keras writes `validation/epoch_loss`: group
/// `validation`, tag `epoch_loss`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricSpec {
    /// The sub-run, relative to the session's run directory; empty for the run itself.
    pub group: String,
    /// The scalar tag.
    pub tag: String,
}

impl MetricSpec {
    /// The metric `tag` of the sub-run `group`.
    pub fn in_group(group: &str, tag: &str) -> MetricSpec {
        MetricSpec {
            group: group.to_string(),
            tag: tag.to_string(),
        }
    }
}

impl From<&str> for MetricSpec {
    /// The metric `tag` of the session's own run.
    fn from(tag: &str) -> MetricSpec {
        MetricSpec::in_group("", tag)
    }
}

impl From<String> for MetricSpec {
    /// The metric `tag` of the session's own run.
    fn from(tag: String) -> MetricSpec {
        MetricSpec {
            group: String::new(),
            tag,
        }
    }
}

/// One hyperparameter of an experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct HParamSpec {
    /// Its name, as the session start infos give it.
    pub name: String,
    /// The values it may take.
    pub domain: HParamDomain,
    /// Whether its value differs between the experiment's sessions (`HParamInfo.differs`):
    /// the HParams tab shows such columns first. TensorBoard's own writer leaves it unset.
    pub differs: bool,
}

/// The values a hyperparameter may take.
#[derive(Debug, Clone, PartialEq)]
pub enum HParamDomain {
    /// These values (all of one kind), shown as checkboxes.
    Discrete(Vec<HParamValue>),
    /// Any number in `[min, max]`.
    Interval {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Any value of this kind: the type is stated, the domain is not. The HParams tab
    /// then treats a number as numeric (an interval filter, a linear axis in the
    /// parallel-coordinates view); with [`HParamDomain::Unspecified`] it offers no filter
    /// and plots the values as categories.
    Any(HParamKind),
    /// Not stated: type unset, no domain.
    Unspecified,
}

/// The kind of a hyperparameter's values (the experiment's `DataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HParamKind {
    /// Strings (`DATA_TYPE_STRING`).
    Str,
    /// Numbers (`DATA_TYPE_FLOAT64`).
    Num,
    /// Booleans (`DATA_TYPE_BOOL`).
    Bool,
}

impl HParamKind {
    fn data_type(self) -> DataType {
        match self {
            HParamKind::Str => DataType::String,
            HParamKind::Num => DataType::Float64,
            HParamKind::Bool => DataType::Bool,
        }
    }
}

impl HParamValue {
    /// The kind of this value.
    pub fn kind(&self) -> HParamKind {
        match self {
            HParamValue::Str(_) => HParamKind::Str,
            HParamValue::Num(_) => HParamKind::Num,
            HParamValue::Bool(_) => HParamKind::Bool,
        }
    }

    fn kind_name(&self) -> &'static str {
        match self {
            HParamValue::Str(_) => "string",
            HParamValue::Num(_) => "number",
            HParamValue::Bool(_) => "boolean",
        }
    }

    fn data_type(&self) -> DataType {
        self.kind().data_type()
    }

    /// The `google.protobuf.Value` the plugin stores.
    pub fn to_proto(&self) -> prost_types::Value {
        let kind = match self {
            HParamValue::Str(s) => Kind::StringValue(s.clone()),
            HParamValue::Num(x) => Kind::NumberValue(*x),
            HParamValue::Bool(b) => Kind::BoolValue(*b),
        };
        prost_types::Value { kind: Some(kind) }
    }

    /// The value a `google.protobuf.Value` holds, as read back from a file (`None` for
    /// kinds an hparam never takes: null, lists, structs).
    pub fn from_proto(value: &prost_types::Value) -> Option<HParamValue> {
        match value.kind.as_ref()? {
            Kind::StringValue(s) => Some(HParamValue::Str(s.clone())),
            Kind::NumberValue(x) => Some(HParamValue::Num(*x)),
            Kind::BoolValue(b) => Some(HParamValue::Bool(*b)),
            _ => None,
        }
    }

    fn order(&self, other: &Self) -> Ordering {
        match (self, other) {
            (HParamValue::Str(a), HParamValue::Str(b)) => a.cmp(b),
            (HParamValue::Num(a), HParamValue::Num(b)) => a.total_cmp(b),
            (HParamValue::Bool(a), HParamValue::Bool(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }
}

/// The experiment description for `spec`.
pub fn experiment_data(
    spec: &ExperimentSpec,
    time_created_secs: f64,
) -> Result<HParamsPluginData, Error> {
    let mut seen = BTreeSet::new();
    let mut hparam_infos = Vec::with_capacity(spec.hparams.len());
    for hp in &spec.hparams {
        check_name(&hp.name, &mut seen)?;
        hparam_infos.push(hparam_info(hp)?);
    }
    let mut metric_infos = Vec::with_capacity(spec.metrics.len());
    for metric in &spec.metrics {
        if metric.tag.is_empty() {
            return Err(Error::EmptyTag { what: "metric tag" });
        }
        metric_infos.push(MetricInfo {
            name: Some(MetricName {
                group: metric.group.clone(),
                tag: metric.tag.clone(),
            }),
            ..Default::default()
        });
    }
    let experiment = Experiment {
        time_created_secs: finite_or_zero(time_created_secs),
        hparam_infos,
        metric_infos,
        ..Default::default()
    };
    Ok(plugin_data(h_params_plugin_data::Data::Experiment(
        experiment,
    )))
}

/// The `_hparams_/experiment` summary for `spec`.
pub fn experiment(spec: &ExperimentSpec, time_created_secs: f64) -> Result<Summary, Error> {
    Ok(summary_for(
        EXPERIMENT_TAG,
        &experiment_data(spec, time_created_secs)?,
    ))
}

/// The values of one session. `group_name` `None` leaves it empty: the plugin then
/// groups the session by its run name.
pub fn session_start_data(
    hparams: &[(&str, HParamValue)],
    group_name: Option<&str>,
    start_time_secs: f64,
) -> Result<HParamsPluginData, Error> {
    let mut seen = BTreeSet::new();
    let mut map = BTreeMap::new();
    for (name, value) in hparams {
        check_name(name, &mut seen)?;
        map.insert((*name).to_string(), value.to_proto());
    }
    let start = SessionStartInfo {
        hparams: map,
        group_name: group_name.unwrap_or("").to_string(),
        start_time_secs: finite_or_zero(start_time_secs),
        ..Default::default()
    };
    Ok(plugin_data(h_params_plugin_data::Data::SessionStartInfo(
        start,
    )))
}

/// The `_hparams_/session_start_info` summary.
pub fn session_start(
    hparams: &[(&str, HParamValue)],
    group_name: Option<&str>,
    start_time_secs: f64,
) -> Result<Summary, Error> {
    let data = session_start_data(hparams, group_name, start_time_secs)?;
    Ok(summary_for(SESSION_START_INFO_TAG, &data))
}

/// How a session ended.
pub fn session_end_data(status: Status, end_time_secs: f64) -> HParamsPluginData {
    plugin_data(h_params_plugin_data::Data::SessionEndInfo(SessionEndInfo {
        status: status as i32,
        end_time_secs: finite_or_zero(end_time_secs),
    }))
}

/// The `_hparams_/session_end_info` summary.
pub fn session_end(status: Status, end_time_secs: f64) -> Summary {
    summary_for(
        SESSION_END_INFO_TAG,
        &session_end_data(status, end_time_secs),
    )
}

/// An experiment whose domains are the given values (discrete, one value each).
pub fn infer_experiment(hparams: &[(&str, HParamValue)], metric_tags: &[&str]) -> ExperimentSpec {
    ExperimentSpec {
        hparams: hparams
            .iter()
            .map(|(name, value)| HParamSpec {
                name: (*name).to_string(),
                domain: HParamDomain::Discrete(vec![value.clone()]),
                differs: false,
            })
            .collect(),
        metrics: metric_tags.iter().map(|&t| t.into()).collect(),
    }
}

/// The summary holding `data` under `tag`, as the hparams plugin expects it.
pub fn summary_for(tag: &str, data: &HParamsPluginData) -> Summary {
    let metadata = super::plugin_metadata(super::plugin::HPARAMS, data.encode_to_vec());
    super::single(
        tag,
        Some(metadata),
        summary::value::Value::Tensor(null_tensor()),
    )
}

/// The hparams plugin's placeholder value: an empty `DT_FLOAT` tensor of shape `[0]`.
pub fn null_tensor() -> TensorProto {
    TensorProto {
        dtype: crate::proto::DataType::DtFloat as i32,
        tensor_shape: Some(TensorShapeProto {
            dim: vec![crate::proto::tensor_shape_proto::Dim {
                size: 0,
                name: String::new(),
            }],
            unknown_rank: false,
        }),
        ..Default::default()
    }
}

fn plugin_data(data: h_params_plugin_data::Data) -> HParamsPluginData {
    HParamsPluginData {
        version: PLUGIN_DATA_VERSION,
        data: Some(data),
    }
}

/// Rejects an empty name or one already in `seen`, then records it.
fn check_name<'a>(name: &'a str, seen: &mut BTreeSet<&'a str>) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::EmptyTag {
            what: "hyperparameter name",
        });
    }
    if !seen.insert(name) {
        return Err(Error::DuplicateHParam {
            name: name.to_string(),
        });
    }
    Ok(())
}

fn hparam_info(hp: &HParamSpec) -> Result<HParamInfo, Error> {
    let (data_type, domain) = match &hp.domain {
        HParamDomain::Unspecified => (DataType::Unset, None),
        HParamDomain::Any(kind) => (kind.data_type(), None),
        HParamDomain::Interval { min, max } => {
            if !(min.is_finite() && max.is_finite() && min <= max) {
                return Err(Error::BadInterval {
                    name: hp.name.clone(),
                    min: *min,
                    max: *max,
                });
            }
            let interval = Interval {
                min_value: *min,
                max_value: *max,
            };
            (
                DataType::Float64,
                Some(h_param_info::Domain::DomainInterval(interval)),
            )
        }
        HParamDomain::Discrete(values) => {
            let first = values.first().ok_or_else(|| Error::EmptyDomain {
                name: hp.name.clone(),
            })?;
            if let Some(other) = values.iter().find(|v| v.data_type() != first.data_type()) {
                return Err(Error::MixedDomain {
                    name: hp.name.clone(),
                    first: first.kind_name(),
                    other: other.kind_name(),
                });
            }
            let mut sorted = values.clone();
            sorted.sort_by(HParamValue::order);
            let list = prost_types::ListValue {
                values: sorted.iter().map(HParamValue::to_proto).collect(),
            };
            (
                first.data_type(),
                Some(h_param_info::Domain::DomainDiscrete(list)),
            )
        }
    };
    Ok(HParamInfo {
        name: hp.name.clone(),
        r#type: data_type as i32,
        domain,
        differs: hp.differs,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(x: f64) -> prost_types::Value {
        HParamValue::Num(x).to_proto()
    }

    fn content(s: &Summary) -> HParamsPluginData {
        let v = &s.value[0];
        let pd = v.metadata.as_ref().unwrap().plugin_data.as_ref().unwrap();
        assert_eq!(pd.plugin_name, "hparams");
        assert_eq!(v.value, Some(summary::value::Value::Tensor(null_tensor())));
        HParamsPluginData::decode(pd.content.as_slice()).unwrap()
    }

    #[test]
    fn session_start_decodes_back() {
        let hp = [
            ("lr", HParamValue::Num(0.1)),
            ("act", HParamValue::Str("relu".into())),
            ("deep", HParamValue::Bool(true)),
        ];
        let s = session_start(&hp, Some("g"), 100.5).unwrap();
        assert_eq!(s.value[0].tag, "_hparams_/session_start_info");
        let mut expected = BTreeMap::new();
        expected.insert("lr".to_string(), num(0.1));
        expected.insert(
            "act".to_string(),
            prost_types::Value {
                kind: Some(Kind::StringValue("relu".into())),
            },
        );
        expected.insert(
            "deep".to_string(),
            prost_types::Value {
                kind: Some(Kind::BoolValue(true)),
            },
        );
        let want = HParamsPluginData {
            version: 0,
            data: Some(h_params_plugin_data::Data::SessionStartInfo(
                SessionStartInfo {
                    hparams: expected,
                    model_uri: String::new(),
                    monitor_url: String::new(),
                    group_name: "g".into(),
                    start_time_secs: 100.5,
                },
            )),
        };
        assert_eq!(content(&s), want);
    }

    #[test]
    fn experiment_decodes_back_with_sorted_domain() {
        let spec = ExperimentSpec {
            hparams: vec![
                HParamSpec {
                    name: "layers".into(),
                    domain: HParamDomain::Discrete(vec![
                        HParamValue::Num(11.0),
                        HParamValue::Num(2.0),
                    ]),
                    differs: false,
                },
                HParamSpec {
                    name: "lr".into(),
                    domain: HParamDomain::Interval {
                        min: 0.001,
                        max: 1.0,
                    },
                    differs: false,
                },
                HParamSpec {
                    name: "note".into(),
                    domain: HParamDomain::Unspecified,
                    differs: false,
                },
            ],
            metrics: vec!["loss".into()],
        };
        let s = experiment(&spec, 5.0).unwrap();
        assert_eq!(s.value[0].tag, "_hparams_/experiment");
        let exp = match content(&s).data {
            Some(h_params_plugin_data::Data::Experiment(e)) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(exp.time_created_secs, 5.0);
        assert_eq!(exp.hparam_infos.len(), 3);
        let layers = &exp.hparam_infos[0];
        assert_eq!((layers.name.as_str(), layers.r#type), ("layers", 3));
        assert_eq!(
            layers.domain,
            Some(h_param_info::Domain::DomainDiscrete(
                prost_types::ListValue {
                    values: vec![num(2.0), num(11.0)]
                }
            ))
        );
        assert_eq!(exp.hparam_infos[1].r#type, DataType::Float64 as i32);
        assert_eq!(
            exp.hparam_infos[1].domain,
            Some(h_param_info::Domain::DomainInterval(Interval {
                min_value: 0.001,
                max_value: 1.0
            }))
        );
        assert_eq!(
            (exp.hparam_infos[2].r#type, &exp.hparam_infos[2].domain),
            (0, &None)
        );
        assert_eq!(exp.metric_infos.len(), 1);
        assert_eq!(exp.metric_infos[0].name.as_ref().unwrap().tag, "loss");
    }

    #[test]
    fn session_end_decodes_back() {
        let s = session_end(Status::Success, 7.0);
        assert_eq!(s.value[0].tag, "_hparams_/session_end_info");
        assert_eq!(
            content(&s),
            HParamsPluginData {
                version: 0,
                data: Some(h_params_plugin_data::Data::SessionEndInfo(SessionEndInfo {
                    status: 1,
                    end_time_secs: 7.0
                }))
            }
        );
    }

    #[test]
    fn null_tensor_bytes_match_tensorboard() {
        // metadata.NULL_TENSOR.SerializeToString() in TensorBoard 2.21.
        assert_eq!(
            null_tensor().encode_to_vec(),
            [0x08, 0x01, 0x12, 0x02, 0x12, 0x00]
        );
    }

    #[test]
    fn bad_specs_are_typed_errors() {
        let one = |domain| ExperimentSpec {
            hparams: vec![HParamSpec {
                name: "x".into(),
                domain,
                differs: false,
            }],
            metrics: vec![],
        };
        let err = experiment(&one(HParamDomain::Discrete(vec![])), 0.0).unwrap_err();
        assert!(matches!(err, Error::EmptyDomain { .. }), "{err:?}");
        let mixed = HParamDomain::Discrete(vec![HParamValue::Num(1.0), HParamValue::Bool(true)]);
        let err = experiment(&one(mixed), 0.0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "hyperparameter \"x\": discrete domain mixes number and boolean values"
        );
        let err = experiment(&one(HParamDomain::Interval { min: 2.0, max: 1.0 }), 0.0).unwrap_err();
        assert!(matches!(err, Error::BadInterval { .. }), "{err:?}");
        let err = experiment(
            &one(HParamDomain::Interval {
                min: f64::NAN,
                max: 1.0,
            }),
            0.0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::BadInterval { .. }), "{err:?}");
        let dup = [("a", HParamValue::Num(1.0)), ("a", HParamValue::Num(2.0))];
        let err = session_start(&dup, None, 0.0).unwrap_err();
        assert_eq!(err.to_string(), "hyperparameter \"a\" is given twice");
        let err = session_start(&[("", HParamValue::Num(1.0))], None, 0.0).unwrap_err();
        assert!(matches!(err, Error::EmptyTag { .. }), "{err:?}");
    }

    #[test]
    fn any_domain_states_the_type_only() {
        let spec = ExperimentSpec {
            hparams: [
                ("act", HParamKind::Str),
                ("depth", HParamKind::Num),
                ("bn", HParamKind::Bool),
            ]
            .map(|(name, kind)| HParamSpec {
                name: name.into(),
                domain: HParamDomain::Any(kind),
                differs: false,
            })
            .to_vec(),
            metrics: vec![],
        };
        let exp = match experiment_data(&spec, 0.0).unwrap().data {
            Some(h_params_plugin_data::Data::Experiment(e)) => e,
            other => panic!("{other:?}"),
        };
        let got: Vec<(&str, i32, bool)> = exp
            .hparam_infos
            .iter()
            .map(|i| (i.name.as_str(), i.r#type, i.domain.is_some()))
            .collect();
        // DATA_TYPE_STRING = 1, DATA_TYPE_BOOL = 2, DATA_TYPE_FLOAT64 = 3.
        assert_eq!(
            got,
            [("act", 1, false), ("depth", 3, false), ("bn", 2, false)]
        );
        assert_eq!(HParamValue::Str("x".into()).kind(), HParamKind::Str);
        assert_eq!(HParamValue::Num(1.0).kind(), HParamKind::Num);
        assert_eq!(HParamValue::Bool(true).kind(), HParamKind::Bool);
    }

    #[test]
    fn inferred_experiment_has_one_value_domains() {
        let spec = infer_experiment(&[("lr", HParamValue::Num(0.5))], &["loss"]);
        assert_eq!(
            spec,
            ExperimentSpec {
                hparams: vec![HParamSpec {
                    name: "lr".into(),
                    domain: HParamDomain::Discrete(vec![HParamValue::Num(0.5)]),
                    differs: false,
                }],
                metrics: vec!["loss".into()],
            }
        );
    }
}
