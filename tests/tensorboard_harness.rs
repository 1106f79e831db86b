//! Tests of the live-TensorBoard harness in `tests/common/mod.rs` itself: its HTTP
//! parsing and log scanning on literal text, and, against the real TensorBoard with both
//! loaders, that it reads back exact scalars, that `server_log_problems` does report a
//! CRC error in a corrupted event file (so an empty list elsewhere means something), and
//! that dropping the server kills it and the Rust data server it spawned.

mod common;

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::thread;
use std::time::Duration;

use common::harness::Need;
use common::{TensorBoard, DEFAULT_TIMEOUT};
use tbtrain::proto::{event, summary, Event, Summary};
use tbtrain::EventWriter;

fn main() {
    common::harness::main(vec![
        trial!(query_percent_encodes_everything_but_unreserved_characters),
        trial!(parses_content_length_and_chunked_responses),
        trial!(finds_the_port_and_the_problem_lines_of_a_server_log),
        trial!(
            live_harness_reads_scalars_reports_crc_errors_and_kills_the_server,
            Need::TensorBoard
        ),
    ]);
}

fn query_percent_encodes_everything_but_unreserved_characters() {
    assert_eq!(
        common::query(&[("run", "a b/c"), ("tag", "x_y.z~-")]),
        "run=a%20b%2Fc&tag=x_y.z~-"
    );
}

fn parses_content_length_and_chunked_responses() {
    let plain = common::parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n[]").unwrap();
    assert_eq!((plain.status, plain.body.as_slice()), (200, &b"[]"[..]));
    assert_eq!(plain.header("CONTENT-length"), Some("2"));
    let chunked = common::parse_response(
        b"HTTP/1.1 404 NOT FOUND\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n",
    )
    .unwrap();
    assert_eq!(
        (chunked.status, chunked.body.as_slice()),
        (404, &b"abcd"[..])
    );
    let short = common::parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nab");
    assert_eq!(short.unwrap_err(), "Content-Length says 5 bytes, got 2");
}

fn finds_the_port_and_the_problem_lines_of_a_server_log() {
    let log = "TensorFlow installation not found - running with reduced feature set.\n\
               TensorBoard 2.21.0 at http://127.0.0.1:40123/ (Press CTRL+C to quit)\n";
    assert_eq!(common::port_from_log(log), Some(40123));
    assert_eq!(common::port_from_log("TensorBoard 2.21.0 starting"), None);
    assert!(!log.lines().any(common::is_problem_line));
    assert!(common::is_problem_line(
        "[2026-11-29T18:28:23Z WARN  rustboard_core::run] Read error in /x: \
         InvalidRecord(ChecksumError { got: MaskedCrc(0x5), want: MaskedCrc(0x9) })"
    ));
    assert!(common::is_problem_line(
        "I1129 18:28:15.183048 1403 event_file_loader.py:186] Truncated record in /x \
         (b'/x' failed event crc32 check)"
    ));
    assert!(common::is_problem_line(
        "E1129 18:28:15.183048 1403 application.py:1] boom"
    ));
}

fn scalar_event(tag: &str, value: f32, step: i64) -> Event {
    Event {
        wall_time: 1_700_000_000.0 + step as f64,
        step,
        what: Some(event::What::Summary(Summary {
            value: vec![summary::Value {
                tag: tag.to_string(),
                value: Some(summary::value::Value::SimpleValue(value)),
                ..Default::default()
            }],
        })),
        source_metadata: None,
    }
}

/// Writes `logdir/<run>/events...` with `loss` = `values` at steps 0, 1, ...; returns the
/// file's path.
fn write_run(logdir: &Path, run: &str, values: &[f32]) -> std::path::PathBuf {
    let mut writer = EventWriter::create(logdir.join(run)).unwrap();
    for (step, value) in values.iter().enumerate() {
        writer
            .write_event(&scalar_event("loss", *value, step as i64))
            .unwrap();
    }
    let path = writer.path().to_path_buf();
    writer.close().unwrap();
    path
}

fn live_harness_reads_scalars_reports_crc_errors_and_kills_the_server() {
    let logdir = tempfile::tempdir().unwrap();
    write_run(logdir.path(), "good", &[0.5, 0.1, -3.25]);
    let bad = write_run(logdir.path(), "bad", &[1.0, 2.0]);
    // Flip the last payload byte of the last record: its data CRC no longer matches.
    let mut bytes = fs::read(&bad).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0x01;
    fs::write(&bad, &bytes).unwrap();

    let logdir = logdir.path();
    thread::scope(|s| {
        let handles: Vec<_> = [true, false]
            .map(|load_fast| s.spawn(move || check_loader(logdir, load_fast)))
            .into_iter()
            .collect();
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

fn check_loader(logdir: &Path, load_fast: bool) {
    let mut tb = TensorBoard::start(logdir, load_fast);
    let runs = tb.wait_for_runs(&["good", "bad"], DEFAULT_TIMEOUT);
    assert_eq!(runs.len(), 2, "{}: runs {runs:?}", tb.label());

    let path = format!(
        "/data/plugin/scalars/scalars?{}",
        common::query(&[("run", "good"), ("tag", "loss")])
    );
    tb.wait_for_json(&path, DEFAULT_TIMEOUT, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    });
    let points = tb.scalars("good", "loss");
    let got: Vec<(i64, f64)> = points.iter().map(|&(_, step, v)| (step, v)).collect();
    assert_eq!(
        got,
        vec![(0, 0.5f32 as f64), (1, 0.1f32 as f64), (2, -3.25)],
        "{}",
        tb.label()
    );
    assert_eq!(points[2].0, 1_700_000_002.0, "{}: wall time", tb.label());

    let problems = tb.wait_until("a CRC problem in the log", Duration::from_secs(20), |s| {
        let problems = s.server_log_problems();
        (!problems.is_empty()).then_some(problems)
    });
    assert!(
        problems.iter().all(|line| line.contains("/bad/")
            && line.to_ascii_lowercase().contains("crc")
            || line.contains("ChecksumError")),
        "{}: unexpected problem lines {problems:#?}",
        tb.label()
    );

    let (pid, port) = (tb.pid(), tb.port());
    let children = common::child_pids(pid);
    if load_fast {
        assert_eq!(children.len(), 1, "the Rust data server: {children:?}");
    }
    drop(tb);
    assert!(!common::is_running(pid), "server pid {pid} still running");
    for child in children {
        assert!(
            !common::is_running(child),
            "data server pid {child} still running"
        );
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "port {port} still accepts connections after drop"
    );
}
