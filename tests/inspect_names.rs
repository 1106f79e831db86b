//! `inspect`'s runs and tags: run names that differ only in bytes that are not UTF-8 stay
//! two runs, a run below a path longer than PATH_MAX is reported, tags come in
//! TensorBoard's order.

mod support;

use std::ffi::{CString, OsStr};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use tbtrain::events::record;
use tbtrain::proto::{event, summary, Event, Summary};

use support::{run, stderr};

fn scalar_event(step: i64, tags: &[&str]) -> Vec<u8> {
    let e = Event {
        wall_time: 1.0,
        step,
        what: Some(event::What::Summary(Summary {
            value: tags
                .iter()
                .map(|tag| summary::Value {
                    tag: tag.to_string(),
                    value: Some(summary::value::Value::SimpleValue(1.0)),
                    ..Default::default()
                })
                .collect(),
        })),
        source_metadata: None,
    };
    let mut bytes = Vec::new();
    record::encode_into(&prost::Message::encode_to_vec(&e), &mut bytes);
    bytes
}

fn write_run(dir: &Path, tags: &[&str]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("events.out.tfevents.1.h"), scalar_event(3, tags)).unwrap();
}

#[test]
fn runs_that_differ_only_in_bytes_that_are_not_utf8_are_two_runs() {
    let dir = tempfile::tempdir().unwrap();
    for name in [&b"run\xff"[..], b"run\xfe", b"run\xef\xbf\xbd"] {
        write_run(
            &dir.path().join("logs").join(OsStr::from_bytes(name)),
            &["loss"],
        );
    }
    let out = run(dir.path(), &["inspect", "logs", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs: Vec<&str> = json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"].as_str().unwrap())
        .collect();
    // Each byte that is not UTF-8 shown as \xNN; U+FFFD itself is a real name.
    assert_eq!(runs, ["run\u{fffd}", "run\\xfe", "run\\xff"]);
    let out = run(dir.path(), &["inspect", "logs"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["run \"run\\xfe\"", "run \"run\\xff\""] {
        let plain = name.replace('"', "");
        assert!(text.contains(&format!("{plain}: 1 event file")), "{text}");
    }
    // export writes the bytes themselves, one run each.
    let out = run(dir.path(), &["export", "logs"]);
    let rows: Vec<&[u8]> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        rows,
        [
            &b"run,tag,step,wall_time,value"[..],
            b"run\xef\xbf\xbd,loss,3,1.0,1.0",
            b"run\xfe,loss,3,1.0,1.0",
            b"run\xff,loss,3,1.0,1.0",
        ]
    );
}

/// Makes `depth` nested directories named `name` under `root` with `mkdirat` (each
/// step a short relative path), then an event file in the deepest; returns the length
/// of its full path.
fn deep_run(root: &Path, name: &str, depth: usize) -> usize {
    let c = |s: &str| CString::new(s).unwrap();
    let root_c = CString::new(root.as_os_str().as_bytes()).unwrap();
    // SAFETY: plain system calls on descriptors this function opens and closes.
    unsafe {
        let mut fd = libc::open(root_c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
        assert!(fd >= 0);
        for _ in 0..depth {
            assert_eq!(libc::mkdirat(fd, c(name).as_ptr(), 0o755), 0);
            let next = libc::openat(fd, c(name).as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        let file = libc::openat(
            fd,
            c("events.out.tfevents.1.h").as_ptr(),
            libc::O_WRONLY | libc::O_CREAT,
            0o644,
        );
        assert!(file >= 0);
        let bytes = scalar_event(1, &["deep"]);
        assert_eq!(
            libc::write(file, bytes.as_ptr().cast(), bytes.len()),
            bytes.len() as isize
        );
        libc::close(file);
        libc::close(fd);
    }
    root.as_os_str().len() + depth * (name.len() + 1)
}

#[test]
fn a_run_below_a_path_longer_than_path_max_is_reported_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write_run(&logs.join("shallow"), &["loss"]);
    let name = "d".repeat(200);
    let length = deep_run(&logs, &name, 25);
    assert!(length > libc::PATH_MAX as usize, "{length}");
    let out = run(dir.path(), &["inspect", "logs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("run shallow: 1 event file"), "{text}");
    // The deepest directory that can be read names the entry it cannot.
    assert!(
        text.contains(&format!(
            "{name}: cannot read: File name too long (os error 36)"
        )),
        "{text}"
    );
    // export says it on standard error and exports the rest.
    let out = run(dir.path(), &["export", "logs"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("cannot read: File name too long (os error 36)"),
        "{}",
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("shallow,loss,3,1.0,1.0"));
}

#[test]
fn tags_are_listed_in_tensorboards_order() {
    let dir = tempfile::tempdir().unwrap();
    let tags = [
        "layer10/w",
        "layer2/w",
        "layer1/w",
        "cost",
        "a+/b",
        "a/b",
        "layer2_w",
    ];
    write_run(&dir.path().join("logs/r"), &tags);
    let expected = [
        "a/b",
        "a+/b",
        "cost",
        "layer1/w",
        "layer2/w",
        "layer2_w",
        "layer10/w",
    ];
    let out = run(dir.path(), &["inspect", "logs", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = json["runs"][0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag"].as_str().unwrap())
        .collect();
    assert_eq!(listed, expected);
    let out = run(dir.path(), &["export", "logs"]);
    let exported: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(exported, expected);
}
