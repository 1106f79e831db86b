//! `add_embedding` into a run directory it cannot write (issue 22, class 10): one typed
//! error naming the file or directory and the OS error, nothing half-written (no file,
//! directory or temporary file of the call left, the config as it was), and the writer
//! goes on writing its event file.
//!
//! Read-only here is `chmod 555`. Root ignores permission bits through the capability
//! `CAP_DAC_OVERRIDE`, so when the tests run as root the thread that makes the call
//! drops it from its effective set for that call (Linux capabilities are per thread)
//! and takes it back after; as any other user the mode alone does it.
#![cfg(target_os = "linux")]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tbtrain::proto::event;
use tbtrain::summary::projector::{EmbeddingError, CONFIG_FILE};
use tbtrain::summary::{self, Embedding};
use tbtrain::{EventReader, SummaryWriter};

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

#[test]
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

#[test]
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
