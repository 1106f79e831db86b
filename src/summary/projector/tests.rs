use std::fs;
use std::path::Path;

use super::*;

/// The names in `dir`, sorted, recursively, as `a/b` (directories end with `/`).
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() && !path.is_symlink() {
                out.push(format!("{rel}/"));
                walk(root, &path, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

fn read(path: impl AsRef<Path>) -> String {
    fs::read_to_string(path).unwrap()
}

fn decode_png(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info, buf)
}

#[test]
fn one_embedding_writes_these_files_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let features = [0.5, -1.0, 0.1, 2.0, 0.0, 3.25];
    let images = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // three 2x2 grey images
    let e = Embedding::new(&features, 2)
        .labels(["cat", "dog", "cat"])
        .sprite(Sprite::grey(&images, 2, 2));
    write(dir.path(), "Hidden/Layer 1", 7, &e).unwrap();
    assert_eq!(
        tree(dir.path()),
        [
            "projector/",
            "projector/hidden_layer_1-7/",
            "projector/hidden_layer_1-7/metadata.tsv",
            "projector/hidden_layer_1-7/sprite.png",
            "projector/hidden_layer_1-7/tensors.tsv",
            "projector_config.pbtxt",
        ]
    );
    assert_eq!(
        read(dir.path().join(CONFIG_FILE)),
        "embeddings {\n  tensor_name: \"Hidden/Layer 1:00007\"\n  metadata_path: \
         \"projector/hidden_layer_1-7/metadata.tsv\"\n  tensor_shape: 3\n  tensor_shape: 2\n  \
         sprite {\n    image_path: \"projector/hidden_layer_1-7/sprite.png\"\n    \
         single_image_dim: 2\n    single_image_dim: 2\n  }\n  tensor_path: \
         \"projector/hidden_layer_1-7/tensors.tsv\"\n}\n"
    );
    let d = dir.path().join("projector/hidden_layer_1-7");
    // 0.1f32 is 0.100000001490116...: its shortest f64 decimal, not "0.1".
    assert_eq!(
        read(d.join("tensors.tsv")),
        "0.5\t-1\n0.10000000149011612\t2\n0\t3.25\n"
    );
    assert_eq!(read(d.join("metadata.tsv")), "cat\ndog\ncat\n");
    let (info, pixels) = decode_png(&fs::read(d.join("sprite.png")).unwrap());
    assert_eq!((info.width, info.height), (4, 4));
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    #[rustfmt::skip]
    assert_eq!(pixels, [
        1, 2, 5, 6,
        3, 4, 7, 8,
        9, 10, 0, 0,
        11, 12, 0, 0,
    ]);
}

#[test]
fn tensor_values_read_back_as_the_same_f32() {
    let dir = tempfile::tempdir().unwrap();
    let values = [
        0.1,
        1.0 / 3.0,
        f32::MAX,
        f32::MIN_POSITIVE,
        1e-45,
        -0.0,
        0.7,
        123_456.79,
        -2.5e-20,
        16_777_217.0,
    ];
    write(dir.path(), "t", 0, &Embedding::new(&values, 1)).unwrap();
    let text = read(dir.path().join("projector/t-0/tensors.tsv"));
    // Python's float() rounds the decimal correctly to f64, as Rust's parse does; NumPy
    // then rounds that f64 to f32.
    let back: Vec<u32> = text
        .lines()
        .map(|l| (l.parse::<f64>().unwrap() as f32).to_bits())
        .collect();
    let expected: Vec<u32> = values.iter().map(|v| v.to_bits()).collect();
    assert_eq!(back, expected, "{text}");
}

#[test]
fn several_columns_get_a_header_row_and_line_breaks_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let e = Embedding::new(&[1.0, 2.0], 1)
        .labels(["a\tb", "c\nd\re"])
        .column("x", ["", "0.5"]);
    write(dir.path(), "t", 3, &e).unwrap();
    assert_eq!(
        read(dir.path().join("projector/t-3/metadata.tsv")),
        "label\tx\na\\tb\t\nc\\nd\\re\t0.5\n"
    );
    // One column: no header, even if it was given a name.
    let e = Embedding::new(&[1.0], 1).column("class", ["\u{e9}t\u{e9}"]);
    write(dir.path(), "u", 3, &e).unwrap();
    assert_eq!(
        read(dir.path().join("projector/u-3/metadata.tsv")),
        "\u{e9}t\u{e9}\n"
    );
}

#[test]
fn rgb_sprites_are_rgb() {
    let dir = tempfile::tempdir().unwrap();
    let red_green = [255u8, 0, 0, 0, 255, 0]; // two 1x1 RGB images
    let e = Embedding::new(&[1.0, 2.0], 1).sprite(Sprite::rgb(&red_green, 1, 1));
    write(dir.path(), "t", 0, &e).unwrap();
    let (info, pixels) =
        decode_png(&fs::read(dir.path().join("projector/t-0/sprite.png")).unwrap());
    assert_eq!(
        (info.width, info.height, info.color_type),
        (2, 2, png::ColorType::Rgb)
    );
    assert_eq!(pixels, [255, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn each_step_is_an_entry_and_the_same_step_again_replaces_it_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let put = |step: i64, v: f32| {
        let features = [v, v];
        write(
            dir.path(),
            "h",
            step,
            &Embedding::new(&features, 2).labels(["x"]),
        )
        .unwrap();
    };
    put(1, 1.0);
    put(2, 2.0);
    put(1, 3.0);
    let config = ProjectorConfig::parse(&read(dir.path().join(CONFIG_FILE))).unwrap();
    let names: Vec<&str> = config
        .embeddings
        .iter()
        .map(|e| e.tensor_name.as_str())
        .collect();
    assert_eq!(names, ["h:00001", "h:00002"]);
    let first = &config.embeddings[0];
    assert_eq!(first.tensor_path, "projector/h-1-2/tensors.tsv");
    assert_eq!(read(dir.path().join(&first.tensor_path)), "3\t3\n");
    // The replaced files are gone; the next replacement takes the free name again.
    assert!(!dir.path().join("projector/h-1").exists());
    put(1, 4.0);
    let config = ProjectorConfig::parse(&read(dir.path().join(CONFIG_FILE))).unwrap();
    assert_eq!(
        config.embeddings[0].tensor_path,
        "projector/h-1/tensors.tsv"
    );
    assert_eq!(
        tree(&dir.path().join("projector")),
        [
            "h-1/",
            "h-1/metadata.tsv",
            "h-1/tensors.tsv",
            "h-2/",
            "h-2/metadata.tsv",
            "h-2/tensors.tsv"
        ]
    );
}

#[test]
fn an_existing_config_keeps_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let theirs = "model_checkpoint_path: \"ckpt\"\nembeddings {\n  tensor_name: \"word\"\n  \
                  bookmarks_path: \"b.txt\"\n  tensor_path: \"mine/words.tsv\"\n}\n";
    fs::write(dir.path().join(CONFIG_FILE), theirs).unwrap();
    write(dir.path(), "h", 0, &Embedding::new(&[1.0], 1)).unwrap();
    let text = read(dir.path().join(CONFIG_FILE));
    assert!(text.starts_with(theirs), "{text}");
    assert!(
        text.ends_with(
            "  tensor_name: \"h:00000\"\n  tensor_shape: 1\n  tensor_shape: 1\n  \
                            tensor_path: \"projector/h-0/tensors.tsv\"\n}\n"
        ),
        "{text}"
    );
}

#[test]
fn a_config_we_cannot_read_whole_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CONFIG_FILE);
    fs::write(
        &path,
        "embeddings {\n  tensor_name: \"a\"\n  colour: 3\n}\n",
    )
    .unwrap();
    let e = write(dir.path(), "h", 0, &Embedding::new(&[1.0], 1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:3: EmbeddingInfo has no field \"colour\"; the config is left as it is",
            path.display()
        )
    );
    assert_eq!(tree(dir.path()), ["projector_config.pbtxt"]);
    fs::write(&path, [b'#', 0xff, b'\n']).unwrap();
    let e = write(dir.path(), "h", 0, &Embedding::new(&[1.0], 1)).unwrap_err();
    assert!(matches!(e, EmbeddingError::Config { line: 1, .. }), "{e}");
}

#[test]
fn a_failed_config_write_removes_what_the_call_wrote() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h", 0, &Embedding::new(&[1.0], 1)).unwrap();
    let before = read(dir.path().join(CONFIG_FILE));
    // The temporary name is taken by a directory: the config cannot be replaced.
    let tmp = dir
        .path()
        .join(format!(".{CONFIG_FILE}.tmp-{}", std::process::id()));
    fs::create_dir(&tmp).unwrap();
    fs::write(tmp.join("x"), "").unwrap();
    let e = write(dir.path(), "h", 1, &Embedding::new(&[2.0], 1)).unwrap_err();
    match &e {
        EmbeddingError::Io { path, source } => {
            assert_eq!(path, &dir.path().join(CONFIG_FILE));
            assert_eq!(source.kind(), std::io::ErrorKind::AlreadyExists);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string().starts_with("cannot write the Projector's "),
        "{e}"
    );
    assert_eq!(read(dir.path().join(CONFIG_FILE)), before);
    assert_eq!(
        tree(&dir.path().join("projector")),
        ["h-0/", "h-0/tensors.tsv"]
    );
}

#[cfg(unix)]
#[test]
fn a_projector_directory_that_is_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(ASSETS_DIR)).unwrap();
    let e = write(dir.path(), "h", 0, &Embedding::new(&[1.0], 1)).unwrap_err();
    assert!(
        matches!(
            &e,
            EmbeddingError::NotOurs {
                found: "a symbolic link",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(tree(elsewhere.path()).is_empty());
    assert_eq!(tree(dir.path()), ["projector"]);
}

#[test]
fn bad_input_is_refused_before_any_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let too_many = vec![0.0f32; MAX_EMBEDDING_VALUES + 2]; // calloc'd: never touched
    let one = [1.0f32];
    let two = [1.0f32, 2.0];
    let cases: Vec<(Embedding<'_>, &str)> =
        vec![
        (Embedding::new(&[1.0; 5], 2), "5 values do not make rows of 2"),
        (Embedding::new(&two, 0), "2 values do not make rows of 0"),
        (Embedding::new(&[], 3), "0 values do not make rows of 3"),
        (Embedding::new(&too_many, 2), "more than the 33554432 allowed"),
        (Embedding::new(&[1.0, f32::NAN], 1), "value NaN at row 1, column 0 is not finite"),
        (Embedding::new(&[1.0, f32::INFINITY], 2), "value inf at row 0, column 1"),
        (Embedding::new(&two, 1).labels(["a"]), "column \"label\" has 1 values for 2 points"),
        (Embedding::new(&two, 1).labels(["a", ""]), "metadata row 1 is blank"),
        (Embedding::new(&two, 1).labels([" \u{feff}\u{3000}", "a"]), "metadata row 0 is blank"),
        (
            Embedding::new(&two, 1).labels(["a", ""]).column("x", ["1", " "]),
            "metadata row 1 is blank",
        ),
        (
            Embedding::new(&two, 1).labels(["a", "b"]).column("label", ["1", "2"]),
            "name \"label\" is given twice",
        ),
        (
            Embedding::new(&two, 1).labels(["a", "b"]).column("", ["1", "2"]),
            "name \"\" is empty",
        ),
        (
            Embedding::new(&two, 1).sprite(Sprite::grey(&[0; 7], 2, 2)),
            "a sprite of 2 2x2 images of 1 channel(s) needs 8 bytes, got 7",
        ),
        (
            Embedding::new(&two, 1).sprite(Sprite::rgb(&[0; 8], 2, 2)),
            "needs 24 bytes, got 8",
        ),
        (
            Embedding::new(&one, 1).sprite(Sprite::grey(&[0; 8193], 8193, 1)),
            "1x1 images of 8193x1 make a sprite of 8193x1 pixels; the Projector takes 1 to 8192",
        ),
        (
            Embedding::new(&two, 1).sprite(Sprite::grey(&[0; 2 * 4097], 1, 4097)),
            "2x2 images of 1x4097 make a sprite of 2x8194 pixels",
        ),
        (
            Embedding::new(&one, 1).sprite(Sprite::grey(&[], 0, 5)),
            "make a sprite of 0x5 pixels",
        ),
        (
            Embedding::new(&one, 1).sprite(Sprite::grey(&[], u32::MAX, u32::MAX)),
            "needs 18446744065119617025 bytes, got 0",
        ),
    ];
    for (e, needle) in cases {
        let err = write(dir.path(), "t", 0, &e).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("embedding \"t\": "), "{text}");
        assert!(text.contains(needle), "{text:?} lacks {needle:?}");
        assert!(
            tree(dir.path()).is_empty(),
            "{text}: {:?}",
            tree(dir.path())
        );
    }
    // The largest sprite the Projector takes is fine: 8192 a side.
    let e = Embedding::new(&two, 1).sprite(Sprite::grey(&[0; 2 * 4096], 1, 4096));
    write(dir.path(), "t", 0, &e).unwrap();
}

#[test]
fn slugs_are_safe_directory_names() {
    assert_eq!(slug("Hidden/Layer 1"), "hidden_layer_1");
    assert_eq!(slug("../x"), "_._x");
    assert_eq!(slug(".x"), "_x");
    assert_eq!(slug(""), "_");
    assert_eq!(slug("\u{e9}"), "__");
    assert_eq!(slug(&"a".repeat(100)).len(), 48);
    assert_eq!(
        our_dir(Path::new("/r"), "projector/h-1/tensors.tsv"),
        Some(Path::new("/r/projector/h-1").to_path_buf())
    );
    for not_ours in [
        "projector/../tensors.tsv",
        "mine/h/tensors.tsv",
        "projector/h/x/tensors.tsv",
        "projector/H/tensors.tsv",
        "projector/.h/tensors.tsv",
    ] {
        assert_eq!(our_dir(Path::new("/r"), not_ours), None, "{not_ours}");
    }
}
