//! Custom scalars: the `Layout` of the custom-scalars dashboard and its summary.
//!
//! The plugin reads the tag `custom_scalars__config__` (plugin `custom_scalars`) from
//! every run, takes the first value's tensor, a rank-0 `DT_STRING` holding a serialized
//! `Layout`, and merges the categories of all runs. Charts match tags by regular expression.

use prost::Message;

use crate::proto::{chart, summary, Category, Chart, Layout, MultilineChartContent, Summary};

/// The tag the custom-scalars plugin looks for.
pub const CONFIG_TAG: &str = "custom_scalars__config__";

/// A layout with one category `category` holding one multiline chart per `(title, tag
/// regexes)` pair.
pub fn multiline(category: &str, charts: &[(&str, Vec<String>)]) -> Layout {
    let chart = charts
        .iter()
        .map(|(title, tags)| Chart {
            title: (*title).to_string(),
            content: Some(chart::Content::Multiline(MultilineChartContent {
                tag: tags.clone(),
            })),
        })
        .collect();
    Layout {
        version: 0,
        category: vec![Category {
            title: category.to_string(),
            chart,
            closed: false,
        }],
    }
}

/// The summary carrying `layout` under [`CONFIG_TAG`].
pub fn custom_scalars(layout: &Layout) -> Summary {
    let metadata = super::plugin_metadata(super::plugin::CUSTOM_SCALARS, Vec::new());
    let tensor = super::text::string_tensor(layout.encode_to_vec());
    super::single(
        CONFIG_TAG,
        Some(metadata),
        summary::value::Value::Tensor(tensor),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiline_layout_bytes() {
        let l = multiline("training", &[("loss", vec!["loss/.*".to_string()])]);
        // Layout{category: [Category{title, chart: [Chart{title, multiline{tag}}]}]}
        let expected = [
            0x12, 0x1d, 0x0a, 0x08, b't', b'r', b'a', b'i', b'n', b'i', b'n', b'g', 0x12, 0x11,
            0x0a, 0x04, b'l', b'o', b's', b's', 0x12, 0x09, 0x0a, 0x07, b'l', b'o', b's', b's',
            b'/', b'.', b'*',
        ];
        assert_eq!(l.encode_to_vec(), expected);
    }

    #[test]
    fn custom_scalars_summary_holds_the_layout() {
        let l = multiline("c", &[("t", vec!["a".to_string(), "b".to_string()])]);
        let s = custom_scalars(&l);
        let v = &s.value[0];
        assert_eq!(v.tag, "custom_scalars__config__");
        let md = v.metadata.as_ref().unwrap().plugin_data.as_ref().unwrap();
        assert_eq!(md.plugin_name, "custom_scalars");
        assert!(md.content.is_empty());
        match &v.value {
            Some(summary::value::Value::Tensor(t)) => {
                assert_eq!(t.dtype, 7);
                assert_eq!(t.tensor_shape, Some(Default::default()));
                assert_eq!(Layout::decode(t.string_val[0].as_slice()).unwrap(), l);
            }
            other => panic!("{other:?}"),
        }
    }
}
