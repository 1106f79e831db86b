//! The checked-in protobuf code (`src/proto/generated/`) is exactly what prost-build makes
//! of `proto/*.proto` today.
//!
//! The crate builds without protox, prost-build or `protoc`: the generated Rust is checked
//! in. This test regenerates it into a temporary directory (protox parses the `.proto`
//! files in pure Rust; prost-build writes the code) and fails on any difference, missing
//! or extra file. After changing a `.proto` file, refresh the checked-in code with
//!
//! ```text
//! TBTRAIN_BLESS=1 cargo test --test proto_generated
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Set to `1` to overwrite the checked-in code with the regenerated one.
const BLESS_ENV: &str = "TBTRAIN_BLESS";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `*.proto` file under `proto/`, sorted.
fn proto_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(manifest_dir().join("proto"))
        .expect("read proto/")
        .map(|e| e.expect("read proto/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "proto"))
        .collect();
    files.sort();
    files
}

/// `*.rs` files of `dir` by name, with their contents.
fn rust_files(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("read directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, text)
        })
        .collect()
}

/// Regenerates the code into `out` exactly as the checked-in code was made.
fn generate(out: &Path) {
    let include = manifest_dir().join("proto");
    let fds = protox::compile(proto_files(), [&include]).expect("protox parses proto/");
    let mut config = prost_build::Config::new();
    // Deterministic map order, so hparams values serialize sorted by name.
    config.btree_map(["."]);
    config.out_dir(out);
    config
        .compile_fds(fds)
        .expect("prost-build writes the code");
}

#[test]
fn checked_in_protobuf_code_matches_proto_files() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path());
    let fresh = rust_files(tmp.path());
    assert!(!fresh.is_empty(), "prost-build wrote no file");
    let checked_in_dir = manifest_dir().join("src/proto/generated");

    if std::env::var(BLESS_ENV).is_ok_and(|v| v == "1") {
        fs::create_dir_all(&checked_in_dir).unwrap();
        for name in rust_files(&checked_in_dir).keys() {
            if !fresh.contains_key(name) {
                fs::remove_file(checked_in_dir.join(name)).unwrap();
            }
        }
        for (name, text) in &fresh {
            fs::write(checked_in_dir.join(name), text).unwrap();
        }
        eprintln!(
            "{BLESS_ENV}=1: wrote {} file(s) to {}",
            fresh.len(),
            checked_in_dir.display()
        );
        return;
    }

    let checked_in = rust_files(&checked_in_dir);
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    let refresh = format!("refresh with `{BLESS_ENV}=1 cargo test --test proto_generated`");
    assert_eq!(
        names(&checked_in),
        names(&fresh),
        "src/proto/generated/ does not hold the files prost-build makes of proto/; {refresh}"
    );
    for (name, text) in &fresh {
        if checked_in[name] != *text {
            let first_diff = checked_in[name]
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .map_or_else(
                    || "a missing or extra line at the end".to_string(),
                    |i| format!("line {}", i + 1),
                );
            panic!(
                "src/proto/generated/{name} differs from what prost-build makes of proto/ \
                 (first difference: {first_diff}); {refresh}"
            );
        }
    }
}
