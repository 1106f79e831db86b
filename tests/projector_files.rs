//! The Projector's files under failure:
//! - `add_embedding` into a run directory it cannot write (issue 22, class 10): one typed
//!   error naming the file or directory and the OS error, nothing half-written (no file,
//!   directory or temporary file of the call left, the config as it was), and the writer
//!   goes on writing its event file;
//! - a process killed with SIGKILL while it writes embeddings, again and again into one
//!   run: the config always reads whole, and every file it names is complete.
//!
//! Read-only here is `chmod 555`. Root ignores permission bits through the capability
//! `CAP_DAC_OVERRIDE`, so when the tests run as root the thread that makes the call
//! drops it from its effective set for that call (Linux capabilities are per thread)
//! and takes it back after; as any other user the mode alone does it.
#![cfg(target_os = "linux")]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tbtrain::proto::event;
use tbtrain::summary::projector::config::ProjectorConfig;
use tbtrain::summary::projector::{self, EmbeddingError, CONFIG_FILE};
use tbtrain::summary::{self, Embedding, Sprite};
use tbtrain::{EventReader, SummaryWriter};

/// Set (to a run directory) in the child process of the kill test.
const CHILD_ENV: &str = "TBTRAIN_TEST_PROJECTOR_CHILD";

fn main() {
    if let Some(run) = std::env::var_os(CHILD_ENV) {
        write_embeddings_until_killed(Path::new(&run));
    }
    common::harness::main(vec![
        trial!(a_read_only_run_directory_is_one_error_and_the_event_file_goes_on),
        trial!(a_run_directory_made_read_only_later_keeps_its_config_as_it_was),
        trial!(sigkill_while_writing_embeddings_never_leaves_a_broken_config),
    ]);
}

const EACCES: i32 = 13;
const CAP_DAC_OVERRIDE: u32 = 1;
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn capabilities() -> [CapData; 2] {
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget writes two CapData for version 3 into `data`, which holds two.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) };
    assert_eq!(rc, 0, "capget: {}", std::io::Error::last_os_error());
    data
}

fn set_capabilities(data: &[CapData; 2]) {
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    // SAFETY: capset reads two CapData for version 3 from `data`; pid 0 is this thread.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
    assert_eq!(rc, 0, "capset: {}", std::io::Error::last_os_error());
}

/// `dir` in mode 555, and this thread without `CAP_DAC_OVERRIDE`, until dropped.
struct ReadOnly {
    dir: PathBuf,
    saved: [CapData; 2],
}

impl ReadOnly {
    fn new(dir: &Path) -> ReadOnly {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
        let saved = capabilities();
        let mut dropped = saved;
        dropped[0].effective &= !(1 << CAP_DAC_OVERRIDE);
        set_capabilities(&dropped);
        let probe = dir.join(".probe");
        assert!(
            fs::File::create(&probe).is_err(),
            "{} is still writable: the test cannot make it read-only",
            dir.display()
        );
        ReadOnly {
            dir: dir.to_path_buf(),
            saved,
        }
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        set_capabilities(&self.saved);
        let _ = fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o755));
    }
}

/// Names under `dir`, recursively, sorted (`a/`, `a/b`), event files as `<events>`.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            out.push(format!("{name}/"));
            out.extend(tree(&path).into_iter().map(|n| format!("{name}/{n}")));
        } else if name.starts_with("events.out.tfevents.") {
            out.push("<events>".to_string());
        } else {
            out.push(name);
        }
    }
    out.sort();
    out
}

/// The (tag, step) of every summary in `path`, which must read without a problem.
fn summaries(path: &Path) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for record in EventReader::open(path).unwrap() {
        let (_, e) = record.unwrap_or_else(|p| panic!("{}: {p}", path.display()));
        if let Some(event::What::Summary(s)) = &e.what {
            out.extend(s.value.iter().map(|v| (v.tag.clone(), e.step)));
        }
    }
    out
}

fn points(value: f32) -> Vec<f32> {
    vec![value, value + 1.0, value + 2.0, value + 3.0]
}

fn io_error(e: &summary::Error) -> (&Path, Option<i32>) {
    match e {
        summary::Error::Embedding(EmbeddingError::Io { path, source }) => {
            (path.as_path(), source.raw_os_error())
        }
        other => panic!("expected the Projector's I/O error, got {other:?}"),
    }
}

fn a_read_only_run_directory_is_one_error_and_the_event_file_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut w = SummaryWriter::new(&run).unwrap();
    w.add_scalar("loss", 1.0, 0).unwrap();
    let features = points(1.0);
    let embedding = Embedding::new(&features, 2).labels(["a", "b"]);
    {
        let _ro = ReadOnly::new(&run);
        let e = w.add_embedding("hidden", &embedding, 1).unwrap_err();
        let projector = run.join("projector");
        assert_eq!(io_error(&e), (projector.as_path(), Some(EACCES)));
        assert_eq!(
            e.to_string(),
            format!(
                "cannot write the Projector's {}: Permission denied (os error 13)",
                projector.display()
            )
        );
        assert_eq!(tree(&run), ["<events>"]);
        w.add_scalar("loss", 0.5, 1).unwrap();
        w.flush().unwrap();
    }
    w.add_scalar("loss", 0.25, 2).unwrap();
    let path = w.event_file().to_path_buf();
    w.close().unwrap();
    let expected: Vec<(String, i64)> = (0..3).map(|s| ("loss".to_string(), s)).collect();
    assert_eq!(summaries(&path), expected);
}

fn a_run_directory_made_read_only_later_keeps_its_config_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut w = SummaryWriter::new(&run).unwrap();
    let first = points(1.0);
    w.add_embedding("hidden", &Embedding::new(&first, 2), 1)
        .unwrap();
    let config = run.join(CONFIG_FILE);
    let before = fs::read(&config).unwrap();
    let second = points(5.0);
    {
        // The run directory is read-only, `projector/` is not: the new entry's files can
        // be written, the config cannot be replaced; the files are removed again.
        let _ro = ReadOnly::new(&run);
        let e = w
            .add_embedding("hidden", &Embedding::new(&second, 2), 2)
            .unwrap_err();
        assert_eq!(io_error(&e), (config.as_path(), Some(EACCES)));
        w.add_scalar("loss", 0.5, 2).unwrap();
    }
    assert_eq!(fs::read(&config).unwrap(), before);
    let layout = [
        "<events>",
        "projector/",
        "projector/hidden-1/",
        "projector/hidden-1/tensors.tsv",
        "projector_config.pbtxt",
    ];
    assert_eq!(tree(&run), layout);
    {
        // `projector/` read-only: the entry's directory cannot be made.
        let projector = run.join("projector");
        let _ro = ReadOnly::new(&projector);
        let e = w
            .add_embedding("hidden", &Embedding::new(&second, 2), 2)
            .unwrap_err();
        assert_eq!(
            io_error(&e),
            (projector.join("hidden-2").as_path(), Some(EACCES))
        );
    }
    assert_eq!(fs::read(&config).unwrap(), before);
    assert_eq!(tree(&run), layout);
    // Writable again: the same call works.
    w.add_embedding("hidden", &Embedding::new(&second, 2), 2)
        .unwrap();
    let path = w.event_file().to_path_buf();
    w.close().unwrap();
    assert_eq!(summaries(&path), [("loss".to_string(), 2)]);
    let text = fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("hidden:00001") && text.contains("hidden:00002"),
        "{text}"
    );
}

// ---- SIGKILL ----------------------------------------------------------------------------

const KILL_ROWS: usize = 300;
const KILL_DIM: usize = 32;
/// Kills, each after its own delay.
const KILLS: u64 = 12;
/// Calls a child makes at most (it is meant to be killed long before).
const CHILD_CALLS: i64 = 100_000;

/// The features of the embedding logged at `step` (steps 0, 1, 2 in turn).
fn kill_features(step: i64) -> Vec<f32> {
    (0..KILL_ROWS * KILL_DIM)
        .map(|i| i as f32 / 7.0 + step as f32 * 1000.0)
        .collect()
}

/// The child: one writer, embeddings at steps 0, 1, 2, 0, 1, ... (so entries are both
/// added and replaced) until it is killed.
fn write_embeddings_until_killed(run: &Path) -> ! {
    let mut w = SummaryWriter::new(run).unwrap();
    let labels: Vec<String> = (0..KILL_ROWS).map(|i| format!("point {i}")).collect();
    let images = vec![77u8; KILL_ROWS * 8 * 8];
    for call in 0..CHILD_CALLS {
        let step = call % 3;
        let features = kill_features(step);
        let e = Embedding::new(&features, KILL_DIM)
            .labels(labels.iter().cloned())
            .sprite(Sprite::grey(&images, 8, 8));
        w.add_embedding("hidden", &e, step).unwrap();
    }
    std::process::exit(0)
}

/// The config, if any, reads whole and every file it names is complete.
fn check_after_kill(run: &Path, kill: u64) -> usize {
    let config = run.join(CONFIG_FILE);
    let Ok(text) = fs::read_to_string(&config) else {
        return 0;
    };
    let parsed = ProjectorConfig::parse(&text)
        .unwrap_or_else(|e| panic!("kill {kill}: the config does not read: {e:?}\n{text}"));
    for entry in &parsed.embeddings {
        let step: i64 = entry
            .tensor_name
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(entry.tensor_name, projector::tensor_name("hidden", step));
        let tensor = fs::read_to_string(run.join(&entry.tensor_path))
            .unwrap_or_else(|e| panic!("kill {kill}: {}: {e}", entry.tensor_path));
        let values: Vec<f32> = tensor
            .split(['\t', '\n'])
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<f64>().unwrap() as f32)
            .collect();
        assert!(
            values == kill_features(step),
            "kill {kill}: {} is not whole",
            entry.tensor_path
        );
        let metadata = fs::read_to_string(run.join(&entry.metadata_path)).unwrap();
        assert_eq!(metadata.lines().count(), KILL_ROWS, "kill {kill}");
        let sprite = entry.sprite.as_ref().expect("a sprite entry");
        let png_bytes = fs::read(run.join(&sprite.image_path)).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (18 * 8, 18 * 8), "kill {kill}");
    }
    parsed.embeddings.len()
}

fn sigkill_while_writing_embeddings_never_leaves_a_broken_config() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut entries_seen = 0;
    for kill in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(CHILD_ENV, &run)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // Delays spread over 40..290 ms: the kill lands at other points of a write.
        std::thread::sleep(Duration::from_millis(40 + kill * 53 % 250));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "kill {kill}: the child ended by itself: {status}"
        );
        entries_seen = entries_seen.max(check_after_kill(&run, kill));
    }
    // Not a test that tested nothing: the children wrote entries.
    assert!(entries_seen > 0, "no child wrote a config before its kill");
    let leftovers: Vec<String> = tree(&run)
        .into_iter()
        .filter(|n| n.contains(".tmp-"))
        .collect();
    eprintln!(
        "{KILLS} kills: up to {entries_seen} entries; temporary files a kill left: {}",
        leftovers.len()
    );
}
