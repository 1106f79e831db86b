//! Helpers shared by the failure-mode tests (`crash`, `write_failures`, `bad_args`,
//! `divergence_interrupt`, `concurrent`, `overwrite`, `resume`): running the `tbtrain`
//! binary, signalling it and waiting for it, checking that a failure is one clean line,
//! listing what a run left on disk, and reading event files back through the library's
//! own reader.
//!
//! Each test file includes it with `mod support;`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::thread;
use std::time::{Duration, Instant};

use prost::Message;
use tbtrain::events::reader::Problem;
use tbtrain::proto::hparams::{h_params_plugin_data, HParamsPluginData, Status};
use tbtrain::proto::{event, summary};
use tbtrain::train::result::RunResult;
use tbtrain::EventReader;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tbtrain");

/// A `tbtrain` command run in `dir`, with the environment's `RUST_BACKTRACE` removed so
/// that a panic would print its default "note: run with `RUST_BACKTRACE=1`" line.
pub fn tbtrain(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).env_remove("RUST_BACKTRACE");
    command
}

/// Runs `tbtrain args...` in `dir` and returns its output.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    tbtrain(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"))
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a clean failure: exit `code`, a first stderr line containing every one of
/// `needles`, and no sign of a panic or backtrace anywhere in stderr. Returns that line.
pub fn assert_clean_failure(what: &str, output: &Output, code: i32, needles: &[&str]) -> String {
    let err = stderr(output);
    let first = err.lines().next().unwrap_or("").to_string();
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(
            !err.contains(bad),
            "{what}: stderr contains {bad:?}:\n{err}"
        );
    }
    assert_eq!(
        output.status.code(),
        Some(code),
        "{what}: exit status {:?}, stderr:\n{err}",
        output.status
    );
    for needle in needles {
        assert!(
            first.contains(needle),
            "{what}: first stderr line {first:?} lacks {needle:?}; stderr:\n{err}"
        );
    }
    first
}

/// Like [`assert_clean_failure`], for commands that print one line per finished run on
/// stderr before their verdict: checks the *last* stderr line. Returns that line.
pub fn assert_clean_last_line(what: &str, output: &Output, code: i32, needles: &[&str]) -> String {
    let err = stderr(output);
    let last = err.lines().last().unwrap_or("").to_string();
    let mut reversed = output.clone();
    reversed.stderr = format!("{last}\n{err}").into_bytes();
    assert_clean_failure(what, &reversed, code, needles);
    last
}

/// Every file and directory under `root`, as `/`-separated relative paths (directories
/// end in `/`), sorted.
pub fn tree(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                out.push(format!("{rel}/"));
                walk(root, &path, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// The event files directly in `dir`, sorted by name.
pub fn event_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("tfevents")
        })
        .collect();
    files.sort();
    files
}

/// What [`read_file`] found in one event file.
#[derive(Debug, Default)]
pub struct FileContents {
    /// Complete events read.
    pub events: usize,
    /// Each scalar tag's steps, in file order.
    pub scalars: BTreeMap<String, Vec<i64>>,
    /// Each image tag's steps, in file order.
    pub images: BTreeMap<String, Vec<i64>>,
    /// Each hparams session-end status found.
    pub session_end: Vec<Status>,
    /// Each run result the trainer recorded at its end, with its step.
    pub results: Vec<(i64, RunResult)>,
    /// Every problem, as `(is a truncation, message)`.
    pub problems: Vec<(bool, String)>,
    /// Bytes the reader consumed: the file's length when it read every byte.
    pub consumed: u64,
}

impl FileContents {
    /// The one result recorded, panicking if there is not exactly one.
    pub fn result(&self) -> &RunResult {
        match self.results.as_slice() {
            [(_, r)] => r,
            other => panic!("expected one run result, found {other:?}"),
        }
    }

    /// The steps of scalar `tag` (empty if never logged).
    pub fn steps(&self, tag: &str) -> &[i64] {
        self.scalars.get(tag).map_or(&[], Vec::as_slice)
    }
}

/// Reads every record of `path` with [`EventReader`].
pub fn read_file(path: &Path) -> FileContents {
    let mut contents = FileContents::default();
    let mut reader = EventReader::open(path).unwrap_or_else(|e| panic!("{e}"));
    for item in reader.by_ref() {
        match item {
            Ok((_, ev)) => {
                contents.events += 1;
                let Some(event::What::Summary(s)) = ev.what else {
                    continue;
                };
                for value in s.value {
                    // A scalar is a `simple_value`, or (the first point of a described
                    // tag) a rank-0 tensor of the scalars plugin.
                    let scalars_plugin = value
                        .metadata
                        .as_ref()
                        .and_then(|m| m.plugin_data.as_ref())
                        .is_some_and(|p| p.plugin_name == "scalars");
                    let is_scalar = match value.value {
                        Some(summary::value::Value::SimpleValue(_)) => true,
                        Some(summary::value::Value::Tensor(_)) => scalars_plugin,
                        _ => false,
                    };
                    if is_scalar {
                        contents
                            .scalars
                            .entry(value.tag.clone())
                            .or_default()
                            .push(ev.step);
                    }
                    if let Some(summary::value::Value::Image(_)) = value.value {
                        contents
                            .images
                            .entry(value.tag.clone())
                            .or_default()
                            .push(ev.step);
                    }
                    if value.tag == "_hparams_/session_end_info" {
                        contents.session_end.push(session_end_status(&value));
                    }
                    if let Some(result) = RunResult::read(&value) {
                        contents.results.push((ev.step, result));
                    }
                }
            }
            Err(e) => contents.problems.push((
                matches!(e.problem, Problem::Truncated { .. }),
                e.to_string(),
            )),
        }
    }
    contents.consumed = reader.offset();
    contents
}

/// The status in a `_hparams_/session_end_info` value's plugin data.
fn session_end_status(value: &summary::Value) -> Status {
    let content = value
        .metadata
        .as_ref()
        .and_then(|m| m.plugin_data.as_ref())
        .map(|p| p.content.as_slice())
        .expect("session_end_info carries its plugin data");
    let data = HParamsPluginData::decode(content).expect("HParamsPluginData decodes");
    match data.data {
        Some(h_params_plugin_data::Data::SessionEndInfo(info)) => {
            Status::try_from(info.status).expect("a known status")
        }
        other => panic!("session_end_info holds {other:?}"),
    }
}

/// Reads the one event file of run directory `dir`.
pub fn read_run(dir: &Path) -> FileContents {
    let files = event_files(dir);
    assert_eq!(files.len(), 1, "{}: expected one event file", dir.display());
    read_file(&files[0])
}

/// Sends signal `signal` (e.g. `libc::SIGTERM`) to `child`.
#[cfg(unix)]
pub fn send_signal(child: &Child, signal: i32) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(
        unsafe { libc::kill(pid, signal) },
        0,
        "kill({pid}, {signal})"
    );
}

/// Waits up to `timeout` for `child` to exit (killing it and panicking after that).
pub fn wait_with_timeout(child: &mut Child, timeout: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("tbtrain did not exit within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `child` (started with piped stdout and stderr) and returns its output.
pub fn output_with_timeout(mut child: Child, timeout: Duration) -> Output {
    use std::io::Read;
    fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
        // Read while the child runs, so that a full pipe does not block it.
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_with_timeout(&mut child, timeout);
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Waits up to `timeout` until `ready()` holds, polling every 10 ms; panics naming `what`.
pub fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > timeout {
            panic!("not {what} after {timeout:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `dir` holds an event file of at least `bytes` bytes.
pub fn has_event_file_of(dir: &Path, bytes: u64) -> bool {
    fs::read_dir(dir).ok().is_some_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name().to_string_lossy().contains("tfevents")
                && e.metadata().is_ok_and(|m| m.len() >= bytes)
        })
    })
}

/// Waits until `dir` holds an event file of at least `bytes` bytes (20 s at most).
pub fn wait_for_event_file(dir: &Path, bytes: u64) {
    wait_until(
        &format!("an event file of {bytes} bytes in {}", dir.display()),
        Duration::from_secs(20),
        || has_event_file_of(dir, bytes),
    );
}

/// Every event file under `root` (one directory level down and the root itself) with
/// its bytes: what a test compares to show runs were left untouched.
pub fn event_file_bytes(root: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(root)
        .into_iter()
        .filter(|rel| rel.contains("tfevents"))
        .map(|rel| {
            let bytes = fs::read(root.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}
