//! Text: a markdown string in a rank-0 `DT_STRING` tensor, plugin `text`.
//!
//! This is what `tensorboard.plugins.text.summary_v2.text_pb` writes: the tag is used as
//! given (tensorboardX appends `/text_summary` and uses shape `[1]`; we follow TensorBoard),
//! and the plugin content is an empty `TextPluginData` (version 0 encodes to no bytes).

use crate::proto::{summary, DataType, Summary, TensorProto, TensorShapeProto};

/// A summary holding `markdown` for the text dashboard.
pub fn text(tag: &str, markdown: &str) -> Summary {
    let metadata = super::plugin_metadata(super::plugin::TEXT, Vec::new());
    let tensor = string_tensor(markdown.as_bytes().to_vec());
    super::single(tag, Some(metadata), summary::value::Value::Tensor(tensor))
}

/// A rank-0 `DT_STRING` tensor holding `bytes` (shape present but with no dimensions).
pub(crate) fn string_tensor(bytes: Vec<u8>) -> TensorProto {
    TensorProto {
        dtype: DataType::DtString as i32,
        tensor_shape: Some(TensorShapeProto::default()),
        string_val: vec![bytes],
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn bytes_match_tensorboard_text_pb() {
        // `text_pb("notes", "# hi").SerializeToString()` from TensorBoard 2.21.
        let expected = [
            0x0a, 0x1d, 0x0a, 0x05, b'n', b'o', b't', b'e', b's', 0x42, 0x0a, 0x08, 0x07, 0x12,
            0x00, 0x42, 0x04, b'#', b' ', b'h', b'i', 0x4a, 0x08, 0x0a, 0x06, 0x0a, 0x04, b't',
            b'e', b'x', b't',
        ];
        assert_eq!(text("notes", "# hi").encode_to_vec(), expected);
    }
}
