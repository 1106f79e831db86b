//! `--kind hparams`: one row per HParams session, as the HParams dashboard's table.
//!
//! A session is a run holding `_hparams_/session_start_info`; its hparams are that
//! tag's plugin content (from the tag's first value, as the loaders keep metadata). The
//! columns are `run`, `status` (`success`, `failure`, `running`, `unknown`: from
//! `_hparams_/session_end_info`), then one per hparam and one per metric: those of the
//! first run (by name) holding `_hparams_/experiment`, else every hparam of the sessions
//! (sorted) and every scalar tag of the session runs (TensorBoard's order). A metric
//! `{group, tag}` is named `tag`, or `group/tag` when its group (a sub-run) is not
//! empty; its value is the tag's scalar at the last step TensorBoard shows in the run
//! `<session>/<group>`. A missing value is an empty field (`null` in JSON).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use prost::Message;

use super::format::{Field, Num, RowWriter};
use super::Error;
use crate::inspect::read::RunFilesRead;
use crate::inspect::timeline::{is_served, scalar_of, Class, Cuts};
use crate::inspect::{compare_tag_names, RunFiles, RunName};
use crate::proto::hparams::{h_params_plugin_data::Data, Experiment, HParamsPluginData, Status};
use crate::summary::hparams::{EXPERIMENT_TAG, SESSION_END_INFO_TAG, SESSION_START_INFO_TAG};

/// What one run holds for HParams.
#[derive(Default)]
struct RunInfo {
    experiment: Option<Experiment>,
    start: Option<crate::proto::hparams::SessionStartInfo>,
    status: Option<i32>,
    /// Each scalar tag's value at its last shown step.
    last: HashMap<String, (i64, f32)>,
}

fn read_run(files: Vec<std::path::PathBuf>, problem: &mut impl FnMut(&str)) -> RunInfo {
    let mut info = RunInfo::default();
    let mut files = RunFilesRead::new(files);
    let mut cuts = Cuts::default();
    let mut contents: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    files.read(
        |p| problem(&p),
        |e| {
            cuts.scan(e);
            if let crate::inspect::wire::WhatView::Summary(values) = e.what {
                values.for_each(|v| {
                    for tag in [EXPERIMENT_TAG, SESSION_START_INFO_TAG, SESSION_END_INFO_TAG] {
                        if v.tag == tag && !contents.contains_key(tag) {
                            if let Some(meta) = v.meta.filter(|m| m.plugin_name == "hparams") {
                                contents.insert(tag, meta.content.to_vec());
                            }
                        }
                    }
                });
            }
            true
        },
    );
    let data = |tag| {
        contents
            .get(tag)
            .and_then(|c| HParamsPluginData::decode(c.as_slice()).ok())
            .and_then(|d| d.data)
    };
    if let Some(Data::Experiment(e)) = data(EXPERIMENT_TAG) {
        info.experiment = Some(e);
    }
    if let Some(Data::SessionStartInfo(s)) = data(SESSION_START_INFO_TAG) {
        info.start = Some(s);
    }
    if let Some(Data::SessionEndInfo(s)) = data(SESSION_END_INFO_TAG) {
        info.status = Some(s.status);
    }
    let last = &mut info.last;
    files.shown(
        &mut cuts,
        |s, p| s.class == Class::Scalar && s.plugin == "scalars" && is_served(s.class, p),
        |_, v, step, _| {
            if let Some(x) = scalar_of(v.payload) {
                last.insert(v.tag.to_string(), (step, x));
            }
            true
        },
    );
    info
}

fn status_name(status: Option<i32>) -> &'static str {
    match status.and_then(|s| Status::try_from(s).ok()) {
        Some(Status::Success) => "success",
        Some(Status::Failure) => "failure",
        Some(Status::Running) => "running",
        _ => "unknown",
    }
}

/// Writes the header and one row per session; returns the number of rows.
pub(super) fn export<W: Write>(
    runs: Vec<(RunName, RunFiles)>,
    w: &mut RowWriter<W>,
    problem: &mut impl FnMut(&RunName, &str),
) -> Result<u64, Error> {
    let mut infos: BTreeMap<RunName, RunInfo> = BTreeMap::new();
    for (run, found) in runs {
        for p in &found.problems {
            problem(&run, p);
        }
        let info = read_run(found.files, &mut |p| problem(&run, p));
        infos.insert(run, info);
    }
    let experiment = infos.values().find_map(|i| i.experiment.as_ref());
    let sessions: Vec<(&RunName, &RunInfo)> =
        infos.iter().filter(|(_, i)| i.start.is_some()).collect();
    let (hparams, metrics): (Vec<String>, Vec<(String, String)>) = match experiment {
        Some(e) => (
            e.hparam_infos.iter().map(|h| h.name.clone()).collect(),
            e.metric_infos
                .iter()
                .filter_map(|m| m.name.as_ref())
                .map(|n| (n.group.clone(), n.tag.clone()))
                .collect(),
        ),
        None => {
            let names: BTreeSet<String> = sessions
                .iter()
                .filter_map(|(_, i)| i.start.as_ref())
                .flat_map(|s| s.hparams.keys().cloned())
                .collect();
            let mut tags: Vec<String> = sessions
                .iter()
                .flat_map(|(_, i)| i.last.keys().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            tags.sort_by(|a, b| compare_tag_names(a, b).then_with(|| a.cmp(b)));
            (
                names.into_iter().collect(),
                tags.into_iter().map(|t| (String::new(), t)).collect(),
            )
        }
    };
    let mut columns: Vec<String> = vec!["run".into(), "status".into()];
    columns.extend(hparams.iter().cloned());
    columns.extend(metrics.iter().map(|(group, tag)| {
        if group.is_empty() {
            tag.clone()
        } else {
            format!("{group}/{tag}")
        }
    }));
    let column_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    w.columns(&column_refs).map_err(Error::Write)?;
    let mut rows = 0;
    for (run, info) in sessions {
        let Some(start) = &info.start else { continue };
        let mut texts: Vec<Vec<u8>> = vec![
            w.text(run.as_bytes()),
            w.text(status_name(info.status).as_bytes()),
        ];
        let mut values: Vec<Value> = Vec::new();
        for name in &hparams {
            use prost_types::value::Kind as K;
            values.push(
                match start.hparams.get(name).and_then(|v| v.kind.as_ref()) {
                    Some(K::NumberValue(x)) => Value::Number(*x),
                    Some(K::StringValue(s)) => {
                        texts.push(w.text(s.as_bytes()));
                        Value::Text(texts.len() - 1)
                    }
                    Some(K::BoolValue(b)) => Value::Bool(*b),
                    _ => Value::Null,
                },
            );
        }
        for (group, tag) in &metrics {
            let metric_run = if group.is_empty() {
                run.clone()
            } else {
                run.join(&RunName::from(group.as_str()))
            };
            values.push(match infos.get(&metric_run).and_then(|i| i.last.get(tag)) {
                Some((_, x)) => Value::Float32(*x),
                None => Value::Null,
            });
        }
        let mut fields = vec![Field::Encoded(&texts[0]), Field::Encoded(&texts[1])];
        fields.extend(values.iter().map(|v| match v {
            Value::Number(x) => Field::Num(Num::F64(*x)),
            Value::Float32(x) => Field::Num(Num::F32(*x)),
            Value::Text(i) => Field::Encoded(&texts[*i]),
            Value::Bool(b) => Field::Bool(*b),
            Value::Null => Field::Null,
        }));
        w.row(&fields).map_err(Error::Write)?;
        rows += 1;
    }
    Ok(rows)
}

/// A cell of a session's row.
enum Value {
    Number(f64),
    Float32(f32),
    /// An index into the row's encoded texts.
    Text(usize),
    Bool(bool),
    Null,
}
