//! `tbtrain export --out` on a disk that fills up: one line, exit 1, and nothing left
//! that looks whole (neither the file nor its temporary name); the old file, if any,
//! untouched. Needs a tmpfs to fill (root), reported as ignored otherwise.

mod common;
mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use tbtrain::events::EventWriter;
use tbtrain::proto::{event, summary, Event, Summary};

use common::harness::Need;

fn main() {
    common::harness::main(vec![trial!(
        out_on_a_full_disk_is_one_line_and_leaves_no_file,
        Need::Tmpfs
    )]);
}

/// A tmpfs on a fresh temporary directory, unmounted (lazily) when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(options: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "Need::Tmpfs: a tmpfs mounts here");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn out_on_a_full_disk_is_one_line_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = EventWriter::create(dir.path().join("logs/run")).unwrap();
    for step in 0..50_000 {
        let e = Event {
            wall_time: 1.0,
            step,
            what: Some(event::What::Summary(Summary {
                value: vec![summary::Value {
                    tag: "loss".into(),
                    value: Some(summary::value::Value::SimpleValue(0.5)),
                    ..Default::default()
                }],
            })),
            source_metadata: None,
        };
        w.write_event(&e).unwrap();
    }
    w.close().unwrap();
    // 256 KiB: the export (about 1 MB) does not fit.
    let disk = Tmpfs::mount("size=256k");
    let out_file = disk.path().join("rows.csv");
    fs::write(&out_file, b"the old file\n").unwrap();
    let output = support::tbtrain(dir.path())
        .args(["export", "logs", "--out"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        support::stderr(&output),
        format!(
            "tbtrain: cannot write {}: No space left on device (os error 28)\n",
            out_file.display()
        )
    );
    assert_eq!(fs::read(&out_file).unwrap(), b"the old file\n");
    let left: Vec<String> = fs::read_dir(disk.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["rows.csv"]);
}
