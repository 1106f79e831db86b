//! `inspect` on damaged event files: every problem is reported with its file and byte
//! offset, every complete event before it still counts, and nothing panics or allocates
//! what a corrupt length field claims.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tbtrain::events::record;
use tbtrain::events::EventReader;
use tbtrain::inspect::{self, RunReport, TagKind};
use tbtrain::proto::{event, summary, Event, Summary};
use tbtrain::EventWriter;

/// Writes a run of `n` scalar events (`loss` = step / 4 at steps 0, 10, 20, ...) and
/// returns the file and the byte offset of every record in it (file_version first).
fn scalar_run(dir: &Path, n: i64) -> (PathBuf, Vec<u64>) {
    let mut w = EventWriter::create(dir).unwrap();
    for i in 0..n {
        let step = i * 10;
        w.write_event(&Event {
            wall_time: 100.0 + i as f64,
            step,
            what: Some(event::What::Summary(Summary {
                value: vec![summary::Value {
                    tag: "loss".into(),
                    value: Some(summary::value::Value::SimpleValue(step as f32 / 4.0)),
                    ..Default::default()
                }],
            })),
            source_metadata: None,
        })
        .unwrap();
    }
    let path = w.path().to_path_buf();
    w.close().unwrap();
    let offsets: Vec<u64> = EventReader::open(&path)
        .unwrap()
        .map(|item| item.unwrap().0)
        .collect();
    assert_eq!(offsets.len() as i64, n + 1);
    (path, offsets)
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn run<'a>(reports: &'a [RunReport], name: &str) -> &'a RunReport {
    reports
        .iter()
        .find(|r| r.run == name)
        .unwrap_or_else(|| panic!("no run {name} in {reports:?}"))
}

/// (count, first step, last step, last value) of the `loss` tag.
fn loss(report: &RunReport) -> (u64, i64, i64, Option<f64>) {
    let tag = &report.tags[0];
    assert_eq!((tag.tag.as_str(), tag.kind), ("loss", TagKind::Scalar));
    (tag.count, tag.first_step, tag.last_step, tag.last_value)
}

#[test]
fn every_problem_is_reported_with_its_file_and_offset() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();

    // Intact.
    scalar_run(&root.join("good"), 5);

    // Last record cut 7 bytes short.
    let (path, offsets) = scalar_run(&root.join("truncated"), 5);
    let bytes = fs::read(&path).unwrap();
    let last = offsets[5];
    let record_len = bytes.len() as u64 - last;
    fs::write(&path, &bytes[..bytes.len() - 7]).unwrap();
    let truncated = format!(
        "{}: truncated record at byte {last} (needs {record_len} bytes, {} present)",
        name(&path),
        record_len - 7
    );

    // Data CRC of the third scalar record flipped.
    let (path, offsets) = scalar_run(&root.join("data_crc"), 5);
    let mut bytes = fs::read(&path).unwrap();
    let crc_at = (offsets[4] - 1) as usize; // last byte of record 3, its data CRC
    bytes[crc_at] ^= 0x40;
    fs::write(&path, &bytes).unwrap();
    let data_crc = format!(
        "{}: corrupt record data at byte {} (checksum mismatch); record skipped",
        name(&path),
        offsets[3]
    );

    // Length CRC of the second scalar record flipped: the rest is unreadable.
    let (path, offsets) = scalar_run(&root.join("length_crc"), 5);
    let mut bytes = fs::read(&path).unwrap();
    bytes[offsets[2] as usize + 8] ^= 0x01;
    fs::write(&path, &bytes).unwrap();
    let length_crc = format!(
        "{}: corrupt length field at byte {} (checksum mismatch); rest of file unreadable",
        name(&path),
        offsets[2]
    );

    // A record claiming 2^60 bytes (with a valid length CRC) after 3 good scalars.
    let (path, _) = scalar_run(&root.join("huge"), 3);
    let mut bytes = fs::read(&path).unwrap();
    let huge_at = bytes.len() as u64;
    bytes.extend_from_slice(&record::header(1 << 60));
    bytes.extend_from_slice(&[0x5a; 10]);
    fs::write(&path, &bytes).unwrap();
    let huge = format!(
        "{}: truncated record at byte {huge_at} (needs {} bytes, 22 present)",
        name(&path),
        (1u64 << 60) + 16
    );

    // Random bytes and an empty file.
    fs::create_dir_all(root.join("junk")).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let junk: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    fs::write(root.join("junk/events.out.tfevents.1.random"), &junk).unwrap();
    fs::write(root.join("junk/events.out.tfevents.2.empty"), b"").unwrap();

    let start = Instant::now();
    let reports = inspect::scan(root).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );

    let names: Vec<&str> = reports.iter().map(|r| r.run.as_str()).collect();
    assert_eq!(
        names,
        [
            "data_crc",
            "good",
            "huge",
            "junk",
            "length_crc",
            "truncated"
        ]
    );

    let good = run(&reports, "good");
    assert_eq!(loss(good), (5, 0, 40, Some(10.0)));
    assert!(good.problems.is_empty());

    let r = run(&reports, "truncated");
    assert_eq!(r.problems, std::slice::from_ref(&truncated));
    assert_eq!(loss(r), (4, 0, 30, Some(7.5)));

    let r = run(&reports, "data_crc");
    assert_eq!(r.problems, [data_crc]);
    assert_eq!(loss(r), (4, 0, 40, Some(10.0)));

    let r = run(&reports, "length_crc");
    assert_eq!(r.problems, [length_crc]);
    assert_eq!(loss(r), (1, 0, 0, Some(0.0)));

    let r = run(&reports, "huge");
    assert_eq!(r.problems, [huge]);
    assert_eq!(loss(r), (3, 0, 20, Some(5.0)));

    let r = run(&reports, "junk");
    assert_eq!(r.files, 2);
    assert!(r.tags.is_empty());
    assert_eq!(
        r.problems,
        ["events.out.tfevents.1.random: corrupt length field at byte 0 (checksum mismatch); rest of file unreadable"]
    );

    // Both renderings carry the problems.
    let text = inspect::render_text(&reports);
    assert!(text.contains(&format!("    {truncated}\n")), "{text}");
    #[cfg(feature = "json")]
    {
        let json: serde_json::Value =
            serde_json::from_str(&inspect::render_json(&reports)).unwrap();
        assert_eq!(json["runs"][5]["run"], "truncated");
        assert_eq!(json["runs"][5]["problems"][0], truncated.as_str());
        assert_eq!(json["runs"][5]["tags"][0]["last_value"], 7.5);
    }

    // last_scalars keeps what was readable.
    let last = inspect::last_scalars(&root.join("truncated")).unwrap();
    assert_eq!(
        last.into_iter().collect::<Vec<_>>(),
        [("loss".to_string(), (30, 7.5))]
    );
    assert!(inspect::last_scalars(&root.join("junk"))
        .unwrap()
        .is_empty());
}

#[test]
fn directories_and_dangling_links_named_tfevents_are_not_event_files() {
    let root = tempfile::tempdir().unwrap();
    // A directory whose name says "tfevents" is not a file, so not an event file...
    fs::create_dir_all(root.path().join("run/events.out.tfevents.dir")).unwrap();
    let err = inspect::scan(root.path()).unwrap_err();
    assert!(matches!(err, inspect::Error::NoEventFiles { .. }), "{err}");
    // ...and a dangling symbolic link is not read but listed as the run's problem.
    std::os::unix::fs::symlink(
        root.path().join("absent"),
        root.path().join("run/events.out.tfevents.link"),
    )
    .unwrap();
    let runs = inspect::scan(root.path()).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].run.as_str(), runs[0].files), ("run", 0));
    assert_eq!(
        runs[0].problems,
        ["events.out.tfevents.link: cannot read: No such file or directory (os error 2)"]
    );
}
