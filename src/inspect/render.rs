//! Rendering [`RunReport`]s: a table for people, one JSON object for programs.

use std::fmt::Write as _;

#[cfg(feature = "json")]
use serde::Serialize;

use super::{RunReport, TagReport};
use crate::escape::for_terminal;
use crate::table::{Align, Table};

/// A human-readable table: per run its files and graph, then one line per tag, then
/// the problems. Everything that came from a file (run names, tags, problems quoting
/// file content) goes through [`for_terminal`]: it cannot move the cursor or fake a
/// line.
pub fn render_text(reports: &[RunReport]) -> String {
    let mut out = String::new();
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "run {}: {} event file{}, graph: {}",
            for_terminal(&report.run),
            report.files,
            if report.files == 1 { "" } else { "s" },
            if report.graph { "yes" } else { "no" }
        );
        if report.tags.is_empty() {
            out.push_str("  (no summaries)\n");
        } else {
            render_tags(&report.tags, &mut out);
        }
        if !report.problems.is_empty() {
            let _ = writeln!(out, "  problems ({}):", report.problems.len());
            for problem in &report.problems {
                let _ = writeln!(out, "    {}", for_terminal(problem));
            }
        }
    }
    out
}

fn render_tags(tags: &[TagReport], out: &mut String) {
    let header = ["tag", "kind", "count", "steps", "last value"].map(String::from);
    let (l, r) = (Align::Left, Align::Right);
    let mut table = Table::new(header.to_vec(), vec![l, l, r, l, l]);
    for t in tags {
        table.push(vec![
            for_terminal(&t.tag).into_owned(),
            t.kind.to_string(),
            t.count.to_string(),
            format!("{}..{}", t.first_step, t.last_step),
            t.last_value.map_or_else(|| "-".to_string(), format_value),
        ]);
    }
    out.push_str(&table.plain("  ", "  "));
}

/// Six significant-looking decimals for ordinary magnitudes, scientific otherwise.
fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let magnitude = v.abs();
    if v == 0.0 || (1e-4..1e6).contains(&magnitude) {
        let fixed = format!("{v:.6}");
        fixed
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        format!("{v:.4e}")
    }
}

/// Exactly one JSON object, `{"runs":[...]}`, one entry per [`RunReport`]. Non-finite
/// scalar values (NaN, infinities) become `null`, since JSON cannot hold them.
#[cfg(feature = "json")]
pub fn render_json(reports: &[RunReport]) -> String {
    #[derive(Serialize)]
    struct Output<'a> {
        runs: &'a [RunReport],
    }
    match serde_json::to_string(&Output { runs: reports }) {
        Ok(json) => json,
        // Unreachable for these types (string keys only); still one JSON object.
        Err(e) => serde_json::json!({ "error": e.to_string() }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::TagKind;

    fn sample() -> Vec<RunReport> {
        vec![RunReport {
            run: "sig".into(),
            name: "sig".into(),
            files: 1,
            graph: true,
            tags: vec![
                TagReport {
                    tag: "cost".into(),
                    kind: TagKind::Scalar,
                    count: 10001,
                    first_step: 0,
                    last_step: 10000,
                    last_value: Some(0.7012),
                },
                TagReport {
                    tag: "layer0/weights".into(),
                    kind: TagKind::Histogram,
                    count: 101,
                    first_step: 0,
                    last_step: 10000,
                    last_value: None,
                },
            ],
            problems: vec!["events.out.tfevents.1.h: truncated record at byte 1234 (needs 40 bytes, 12 present)".into()],
        }]
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_shape() {
        assert_eq!(
            render_json(&sample()),
            r#"{"runs":[{"run":"sig","files":1,"graph":true,"tags":[{"tag":"cost","kind":"scalar","count":10001,"first_step":0,"last_step":10000,"last_value":0.7012},{"tag":"layer0/weights","kind":"histogram","count":101,"first_step":0,"last_step":10000,"last_value":null}],"problems":["events.out.tfevents.1.h: truncated record at byte 1234 (needs 40 bytes, 12 present)"]}]}"#
        );
        assert_eq!(render_json(&[]), r#"{"runs":[]}"#);
        let mut nan = sample();
        nan[0].tags[0].last_value = Some(f64::NAN);
        assert!(render_json(&nan).contains(r#""last_value":null}"#));
    }

    #[test]
    fn text_table() {
        let mut reports = sample();
        reports.push(RunReport {
            run: "relu".into(),
            name: "relu".into(),
            files: 2,
            graph: false,
            tags: vec![],
            problems: vec![],
        });
        assert_eq!(
            render_text(&reports),
            "run sig: 1 event file, graph: yes\n\
             \x20 tag             kind       count  steps     last value\n\
             \x20 cost            scalar     10001  0..10000  0.7012\n\
             \x20 layer0/weights  histogram    101  0..10000  -\n\
             \x20 problems (1):\n\
             \x20   events.out.tfevents.1.h: truncated record at byte 1234 (needs 40 bytes, 12 present)\n\
             \n\
             run relu: 2 event files, graph: no\n\
             \x20 (no summaries)\n"
        );
    }

    #[test]
    fn value_formatting() {
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(0.701247180), "0.701247");
        assert_eq!(format_value(-12.5), "-12.5");
        assert_eq!(format_value(3.0e-7), "3.0000e-7");
        assert_eq!(format_value(2.5e9), "2.5000e9");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::NEG_INFINITY), "-inf");
    }
}
