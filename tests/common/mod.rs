//! Shared helpers for the integration tests that check our event files against the REAL
//! TensorBoard (the Python package, started as a subprocess), not a re-implementation.
//!
//! Each test file includes this module with `mod common;`. What it offers:
//! - [`harness`]: the runner of the `harness = false` test targets, and the one place
//!   that decides what a test does when what it needs (TensorBoard, its Python writers,
//!   a browser) is missing: reported as ignored with the reason, or a failure when
//!   `TBTRAIN_REQUIRE_TENSORBOARD=1` / `TBTRAIN_REQUIRE_BROWSER=1` (as in CI);
//! - discovery of the Python virtualenv made by `scripts/setup-venv.sh`: [`venv_dir`],
//!   [`python`], [`tensorboard_bin`];
//! - [`TensorBoard`]: one server on 127.0.0.1 and an OS-chosen free port, reading one
//!   logdir with either loader (`--load_fast=true`, the Rust data server, or `false`, the
//!   Python one), its output captured to a file, always killed by pid when dropped;
//! - a minimal HTTP/1.0 client on [`std::net::TcpStream`] and one helper per route the
//!   TensorBoard web page itself calls (routes read from the installed plugins'
//!   `get_plugin_apps`), returning the parsed JSON (or text, or bytes);
//! - [`TensorBoard::server_log_problems`]: the server's log lines that mention a read,
//!   CRC or other error, so a test can assert TensorBoard read every record cleanly.
//!
//! Every wait is bounded; every failure panics with what was expected, what was seen, and
//! the tail of the server's log.

#![allow(dead_code)]

#[cfg(feature = "train")]
pub mod fashion;
pub mod harness;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Environment variable naming the virtualenv; default `<CARGO_MANIFEST_DIR>/.venv`.
pub const VENV_ENV: &str = "TBTRAIN_VENV";
/// How long starting the server, or any other wait, may take before the test fails.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Socket read/write timeout of one HTTP request.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between two polls of the server.
const POLL_EVERY: Duration = Duration::from_millis(100);
/// Lines of the server log quoted in panic messages.
const LOG_TAIL_LINES: usize = 40;
/// Case-insensitive words that make a server log line a problem (see
/// [`TensorBoard::server_log_problems`]).
const PROBLEM_WORDS: [&str; 8] = [
    "crc",
    "checksum",
    "corrupt",
    "truncat",
    "dataloss",
    "error",
    "exception",
    "traceback",
];

/// The virtualenv directory: `$TBTRAIN_VENV` if set and not empty, else
/// `<CARGO_MANIFEST_DIR>/.venv` (where `scripts/setup-venv.sh` puts it).
pub fn venv_dir() -> PathBuf {
    match std::env::var_os(VENV_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"),
    }
}

/// The venv's Python interpreter, `<venv>/bin/python` (may not exist).
pub fn python() -> PathBuf {
    venv_dir().join("bin").join("python")
}

/// The venv's `tensorboard` entry point, `<venv>/bin/tensorboard` (may not exist).
pub fn tensorboard_bin() -> PathBuf {
    venv_dir().join("bin").join("tensorboard")
}

/// Percent-encodes `params` into a query string `k1=v1&k2=v2` (RFC 3986 unreserved
/// characters stay as they are), e.g. `query(&[("run", "a b"), ("tag", "x/y")])` is
/// `run=a%20b&tag=x%2Fy`.
pub fn query(params: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(key, &mut out);
        out.push('=');
        percent_encode_into(value, &mut out);
    }
    out
}

fn percent_encode_into(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// One HTTP response: status code, headers (names lower-cased) and the body with any
/// chunked transfer encoding removed.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, or an error naming what could not be parsed.
    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "body is not JSON ({e}): {}",
                truncate(&self.text(), 500).trim_end()
            )
        })
    }
}

/// Sends one HTTP/1.0 request (`Connection: close`) to `127.0.0.1:port` and reads the
/// whole response. `body` is sent with `Content-Type: application/json` (the hparams
/// plugin reads the raw body only for that kind of content; a form content type makes
/// it see an empty body).
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> Result<Response, String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(HTTP_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(HTTP_TIMEOUT)))
        .map_err(|e| format!("set timeouts on {addr}: {e}"))?;
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: */*\r\n"
    );
    if let Some(body) = body {
        let _ = write!(
            request,
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    stream
        .write_all(&bytes)
        .map_err(|e| format!("send {method} {path}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("read response to {method} {path}: {e}"))?;
    parse_response(&raw).map_err(|e| format!("{method} {path}: {e}"))
}

/// Parses a complete raw HTTP response (status line, headers, body); removes chunked
/// transfer encoding and checks `Content-Length` against the body received.
pub fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut response = Response {
        status,
        headers,
        body: raw[head_end + 4..].to_vec(),
    };
    if response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        response.body = dechunk(&response.body)?;
    } else if let Some(len) = response.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad Content-Length {len:?}"))?;
        if response.body.len() != len {
            return Err(format!(
                "Content-Length says {len} bytes, got {}",
                response.body.len()
            ));
        }
    }
    Ok(response)
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("chunk size line without CRLF")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            return Err(format!("chunk of {size} bytes truncated"));
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// Parses the port out of TensorBoard's start-up line
/// `TensorBoard 2.21.0 at http://127.0.0.1:PORT/ (Press CTRL+C to quit)`.
pub fn port_from_log(log: &str) -> Option<u16> {
    const MARK: &str = " at http://127.0.0.1:";
    log.lines()
        .filter(|line| line.starts_with("TensorBoard "))
        .find_map(|line| {
            let rest = &line[line.find(MARK)? + MARK.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
}

/// Is this server-log line a sign of a read problem? (See [`PROBLEM_WORDS`]; also absl's
/// error prefix `E<mmdd> `.)
pub fn is_problem_line(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    let absl_error = line.len() > 5
        && line.starts_with('E')
        && line[1..5].bytes().all(|b| b.is_ascii_digit())
        && line[5..].starts_with(' ');
    absl_error || PROBLEM_WORDS.iter().any(|word| lower.contains(word))
}

/// A running TensorBoard server, killed (by pid) when dropped, also while a test panics.
///
/// Flags: `--logdir <logdir> --host 127.0.0.1 --port 0 --load_fast=<true|false>
/// --reload_interval 1`, plus, so that read problems reach the log:
/// - with `load_fast=true`: `--extra_data_server_flags=--checksum` (the Rust data server
///   then checks every record's CRC and logs `WARN ... Read error in <file>:
///   ...ChecksumError` for a bad one; without it a record that still parses is accepted);
/// - with `load_fast=false`: `--verbosity 1`, because the Python loader logs
///   `Truncated record in <file> (... failed event crc32 check)` only at debug level.
///
/// `--port 0` lets the OS pick a free port (no race between choosing and binding it);
/// the port is read back from TensorBoard's start-up line. The child's `TMPDIR` is a
/// private temporary directory, so the `.tensorboard-info` file and the data server's
/// port file do not outlive the test.
pub struct TensorBoard {
    child: Child,
    port: u16,
    load_fast: bool,
    logdir: PathBuf,
    log_path: PathBuf,
    /// Holds the server log and the child's TMPDIR; removed on drop.
    scratch: tempfile::TempDir,
}

impl TensorBoard {
    /// Starts TensorBoard on `logdir` and waits (up to [`DEFAULT_TIMEOUT`]) until it
    /// serves `/data/runs` with status 200. Panics if the venv is missing (a test that
    /// starts one declares [`harness::Need::TensorBoard`]), if the server exits, or on
    /// timeout, quoting the log.
    pub fn start(logdir: &Path, load_fast: bool) -> TensorBoard {
        Self::start_with_args(logdir, load_fast, &[])
    }

    /// Like [`TensorBoard::start`] with `extra_args` appended to the command line (e.g.
    /// `["--samples_per_plugin", "scalars=0"]` or `["--reload_multifile=true"]`).
    pub fn start_with_args(logdir: &Path, load_fast: bool, extra_args: &[&str]) -> TensorBoard {
        let program = tensorboard_bin();
        assert!(
            program.is_file(),
            "TensorBoard::start: {} does not exist; run scripts/setup-venv.sh (and declare \
             Need::TensorBoard in the test's trial!)",
            program.display()
        );
        let scratch = tempfile::Builder::new()
            .prefix("tbtrain-tensorboard-")
            .tempdir()
            .expect("create a temporary directory for the TensorBoard log");
        let log_path = scratch.path().join("server.log");
        let tmp = scratch.path().join("tmp");
        fs::create_dir(&tmp).expect("create the child's TMPDIR");
        let log = File::create(&log_path).expect("create the TensorBoard log file");
        let log_err = log
            .try_clone()
            .expect("clone the TensorBoard log file handle");

        let mut command = Command::new(&program);
        command
            .arg("--logdir")
            .arg(logdir)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .arg(format!("--load_fast={load_fast}"))
            .args(["--reload_interval", "1"]);
        if load_fast {
            command.arg("--extra_data_server_flags=--checksum");
        } else {
            command.args(["--verbosity", "1"]);
        }
        command
            .args(extra_args)
            .env("TMPDIR", &tmp)
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));

        let mut server = TensorBoard {
            child,
            port: 0,
            load_fast,
            logdir: logdir.to_path_buf(),
            log_path,
            scratch,
        };
        server.port = server.wait_until("the start-up line with the port", DEFAULT_TIMEOUT, |s| {
            port_from_log(&s.log_text())
        });
        server.wait_until("/data/runs to answer 200", DEFAULT_TIMEOUT, |s| {
            s.try_get("/data/runs").ok().filter(|r| r.status == 200)
        });
        server
    }

    /// The port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL, `http://127.0.0.1:<port>`, for messages.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server process's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Which loader this server uses.
    pub fn load_fast(&self) -> bool {
        self.load_fast
    }

    /// The logdir it reads.
    pub fn logdir(&self) -> &Path {
        &self.logdir
    }

    /// A short label for messages: `TensorBoard(load_fast=true, http://127.0.0.1:1234)`.
    pub fn label(&self) -> String {
        format!("TensorBoard(load_fast={}, {})", self.load_fast, self.url())
    }

    /// Everything the server has printed so far (stdout and stderr together).
    pub fn log_text(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|e| format!("<cannot read {}: {e}>", self.log_path.display()))
    }

    /// The last `n` lines of the server log.
    pub fn log_tail(&self, n: usize) -> String {
        let text = self.log_text();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// The server-log lines that mention CRC, checksum, corrupt, truncated, DataLoss,
    /// error, exception or Traceback (case-insensitive), or carry absl's error prefix.
    /// Empty means TensorBoard reported no read, CRC or request error.
    ///
    /// The logdir's and the server's scratch paths are blanked out before matching, so a
    /// random temporary name such as `/tmp/.tmpxCRc12` cannot make a clean line a problem;
    /// run names are not, so don't name runs with those words.
    /// Fails the test unless every dashboard tbtrain writes for (scalars, histograms,
    /// distributions, images, text, graphs, hparams, custom scalars) is enabled, i.e.
    /// has data.
    pub fn assert_every_plugin_has_data(&self) {
        let listing = self.plugins_listing();
        for plugin in [
            "scalars",
            "histograms",
            "distributions",
            "images",
            "text",
            "graphs",
            "hparams",
            "custom_scalars",
        ] {
            assert_eq!(
                listing[plugin]["enabled"],
                true,
                "{}: plugin {plugin} has no data: {}",
                self.label(),
                listing[plugin]
            );
        }
    }

    /// Fails the test when [`TensorBoard::server_log_problems`] finds any.
    pub fn assert_log_clean(&self) {
        let problems = self.server_log_problems();
        assert!(
            problems.is_empty(),
            "{}: the server logged problems:\n{}",
            self.label(),
            problems.join("\n")
        );
    }

    pub fn server_log_problems(&self) -> Vec<String> {
        let logdir = self.logdir.display().to_string();
        let scratch = self.scratch.path().display().to_string();
        self.log_text()
            .lines()
            .filter(|line| {
                is_problem_line(
                    &line
                        .replace(&logdir, "<logdir>")
                        .replace(&scratch, "<scratch>"),
                )
            })
            .map(str::to_string)
            .collect()
    }

    /// Panics, quoting the log's tail, with `message` prefixed by the server's label.
    pub fn fail(&self, message: &str) -> ! {
        panic!(
            "{}: {message}\n--- last {LOG_TAIL_LINES} lines of the server log ---\n{}\n---",
            self.label(),
            self.log_tail(LOG_TAIL_LINES)
        )
    }

    /// Polls `probe` every 100 ms until it returns `Some`, and returns that value; panics
    /// naming `what` (plus the log tail) after `timeout` or if the server process exits.
    pub fn wait_until<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut probe: impl FnMut(&Self) -> Option<T>,
    ) -> T {
        let start = Instant::now();
        loop {
            if let Some(value) = probe(self) {
                return value;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.fail(&format!(
                    "server exited ({status}) while waiting for {what}"
                ));
            }
            if start.elapsed() > timeout {
                self.fail(&format!("gave up after {timeout:?} waiting for {what}"));
            }
            thread::sleep(POLL_EVERY);
        }
    }

    /// Waits (up to `timeout`) until `/data/runs` lists every run in `expected` and
    /// returns the full list the server gave. Panics with both lists on timeout.
    pub fn wait_for_runs(&mut self, expected: &[&str], timeout: Duration) -> Vec<String> {
        let mut last_seen: Vec<String> = Vec::new();
        let start = Instant::now();
        loop {
            if let Ok(runs) = self.try_get_json("/data/runs") {
                last_seen = serde_json::from_value(runs).unwrap_or_default();
                if expected.iter().all(|r| last_seen.iter().any(|s| s == r)) {
                    return last_seen;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.fail(&format!(
                    "server exited ({status}) while waiting for runs {expected:?}"
                ));
            }
            if start.elapsed() > timeout {
                self.fail(&format!(
                    "gave up after {timeout:?} waiting for runs {expected:?}; /data/runs last \
                     listed {last_seen:?}"
                ));
            }
            thread::sleep(POLL_EVERY);
        }
    }

    /// Waits (up to `timeout`) until `GET path` answers 200 with JSON for which `ready`
    /// holds, and returns that JSON. Use it after [`TensorBoard::wait_for_runs`]: a run
    /// is listed as soon as its directory is found, possibly before its events are read.
    pub fn wait_for_json(
        &mut self,
        path: &str,
        timeout: Duration,
        ready: impl Fn(&Value) -> bool,
    ) -> Value {
        let what = format!("GET {path} to satisfy the test's condition");
        self.wait_until(&what, timeout, |s| {
            s.try_get_json(path).ok().filter(|value| ready(value))
        })
    }

    // ---- HTTP -----------------------------------------------------------------------

    /// `GET path` (path includes any query), or a description of what failed.
    pub fn try_get(&self, path: &str) -> Result<Response, String> {
        http_request(self.port, "GET", path, None)
    }

    /// `GET path`; panics (with the log tail) if the request fails at the socket level.
    /// Any status is returned.
    pub fn get(&self, path: &str) -> Response {
        self.try_get(path).unwrap_or_else(|e| self.fail(&e))
    }

    /// `GET path` answering 200 with JSON, or why not.
    pub fn try_get_json(&self, path: &str) -> Result<Value, String> {
        let response = self.try_get(path)?;
        ok_json(path, &response)
    }

    /// `GET path`, which must answer 200 with JSON; returns the parsed JSON.
    pub fn get_json(&self, path: &str) -> Value {
        self.try_get_json(path).unwrap_or_else(|e| self.fail(&e))
    }

    /// `GET path`, which must answer 200; returns the body bytes.
    pub fn get_bytes(&self, path: &str) -> Vec<u8> {
        let response = self.get(path);
        if response.status != 200 {
            self.fail(&format!(
                "GET {path}: status {}: {}",
                response.status,
                truncate(&response.text(), 500)
            ));
        }
        response.body
    }

    /// `POST path` with a JSON body; returns the response (any status).
    pub fn post(&self, path: &str, body: &Value) -> Response {
        let bytes = serde_json::to_vec(body).expect("serialize request JSON");
        http_request(self.port, "POST", path, Some(&bytes)).unwrap_or_else(|e| self.fail(&e))
    }

    /// `POST path` with a JSON body, which must answer 200 with JSON; returns the JSON.
    pub fn post_json(&self, path: &str, body: &Value) -> Value {
        let response = self.post(path, body);
        ok_json(path, &response).unwrap_or_else(|e| self.fail(&e))
    }

    // ---- the routes the web page uses --------------------------------------------------

    /// `GET /data/runs`: every run (directory with event files, relative to the logdir,
    /// `.` for the logdir itself).
    pub fn runs(&self) -> Vec<String> {
        serde_json::from_value(self.get_json("/data/runs")).expect("/data/runs is a list")
    }

    /// `GET /data/plugins_listing`: `{plugin: {"enabled": bool, "tab_name": ..., ...}}`;
    /// `enabled` is whether the web page shows that plugin's tab as having data.
    pub fn plugins_listing(&self) -> Value {
        self.get_json("/data/plugins_listing")
    }

    /// `GET /data/plugin/<plugin>/tags` (for `scalars`, `histograms`, `images`, `text`):
    /// `{run: {tag: {...}}}` (text: `{run: [tag, ...]}`).
    pub fn tags(&self, plugin: &str) -> Value {
        self.get_json(&format!("/data/plugin/{plugin}/tags"))
    }

    /// `GET /data/plugin/scalars/scalars?run=&tag=`: `[(wall_time, step, value)]` in step
    /// order. The value is the f32 widened to f64, so `value == x as f64` is exact.
    pub fn scalars(&self, run: &str, tag: &str) -> Vec<(f64, i64, f64)> {
        let path = format!(
            "/data/plugin/scalars/scalars?{}",
            query(&[("run", run), ("tag", tag)])
        );
        let json = self.get_json(&path);
        serde_json::from_value(json.clone())
            .unwrap_or_else(|e| self.fail(&format!("{path}: unexpected shape ({e}): {json}")))
    }

    /// `GET /data/plugin/histograms/histograms?run=&tag=`:
    /// `[(wall_time, step, [[left, right, count], ...])]`. The Python loader drops empty
    /// buckets at both ends and uses the histogram's min/max as the outer edges; the Rust
    /// loader keeps every bucket (its first left edge is min, its last right edge max).
    pub fn histograms(&self, run: &str, tag: &str) -> Vec<(f64, i64, Vec<[f64; 3]>)> {
        let path = format!(
            "/data/plugin/histograms/histograms?{}",
            query(&[("run", run), ("tag", tag)])
        );
        let json = self.get_json(&path);
        serde_json::from_value(json.clone())
            .unwrap_or_else(|e| self.fail(&format!("{path}: unexpected shape ({e}): {json}")))
    }

    /// `GET /data/plugin/images/images?run=&tag=`: `[{"wall_time", "step", "query"}]`,
    /// where `query` is what [`TensorBoard::individual_image`] needs.
    pub fn images(&self, run: &str, tag: &str) -> Vec<Value> {
        let path = format!(
            "/data/plugin/images/images?{}",
            query(&[("run", run), ("tag", tag)])
        );
        let json = self.get_json(&path);
        serde_json::from_value(json.clone())
            .unwrap_or_else(|e| self.fail(&format!("{path}: unexpected shape ({e}): {json}")))
    }

    /// `GET /data/plugin/images/individualImage?<query>`: the encoded image bytes (PNG for
    /// our writer), `query` being an entry's `"query"` from [`TensorBoard::images`].
    pub fn individual_image(&self, image_query: &str) -> Vec<u8> {
        self.get_bytes(&format!(
            "/data/plugin/images/individualImage?{image_query}"
        ))
    }

    /// `GET /data/plugin/text/text?run=&tag=`: `[(step, html)]`; the markdown is rendered
    /// to HTML by TensorBoard (`*x*` becomes `<em>x</em>`).
    pub fn text(&self, run: &str, tag: &str) -> Vec<(i64, String)> {
        let path = format!(
            "/data/plugin/text/text?{}",
            query(&[("run", run), ("tag", tag)])
        );
        let json = self.get_json(&path);
        let entries = json
            .as_array()
            .unwrap_or_else(|| self.fail(&format!("{path}: not a list: {json}")));
        entries
            .iter()
            .map(|e| match (e["step"].as_i64(), e["text"].as_str()) {
                (Some(step), Some(text)) => (step, text.to_string()),
                _ => self.fail(&format!("{path}: entry without step/text: {e}")),
            })
            .collect()
    }

    /// `GET /data/plugin/graphs/info`: `{run: {"run", "tags", "run_graph": bool}}`.
    pub fn graphs_info(&self) -> Value {
        self.get_json("/data/plugin/graphs/info")
    }

    /// `GET /data/plugin/graphs/graph?run=`: the run's GraphDef as protobuf text format
    /// (`node { name: "layer1/MatMul" op: "MatMul" input: "..." }`).
    pub fn graph_pbtxt(&self, run: &str) -> String {
        let path = format!("/data/plugin/graphs/graph?{}", query(&[("run", run)]));
        String::from_utf8_lossy(&self.get_bytes(&path)).into_owned()
    }

    /// `POST /data/plugin/hparams/experiment` with `{"experimentName": ""}`: the
    /// `Experiment` proto as JSON (camelCase: `hparamInfos[].{name, type, domainDiscrete |
    /// domainInterval{minValue,maxValue}}`, `metricInfos[].name.{tag, group}`).
    pub fn hparams_experiment(&self) -> Value {
        self.post_json(
            "/data/plugin/hparams/experiment",
            &json!({ "experimentName": "" }),
        )
    }

    /// `POST /data/plugin/hparams/session_groups` asking for every status, no filters,
    /// the first 1000 groups: `{"sessionGroups": [{"name", "hparams": {name: value},
    /// "metricValues", "sessions": [{"name", "status": "STATUS_SUCCESS", ...}]}],
    /// "totalSize"}`. A session is a run holding `_hparams_/session_start_info`; its group
    /// is the start info's `group_name`, or the session's own name when that is empty.
    pub fn hparams_session_groups(&self) -> Value {
        self.post_json(
            "/data/plugin/hparams/session_groups",
            &json!({
                "experimentName": "",
                "allowedStatuses": [
                    "STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"
                ],
                "colParams": [],
                "startIndex": 0,
                "sliceSize": 1000
            }),
        )
    }

    /// `GET /data/plugin/pr_curves/pr_curves?run=&tag=`: the run's entries, one per step,
    /// each `{"wall_time", "step", "precision", "recall", "true_positives", ...,
    /// "thresholds"}` (cut after the last threshold with a prediction at or above it).
    pub fn pr_curves(&self, run: &str, tag: &str) -> Vec<Value> {
        let path = format!(
            "/data/plugin/pr_curves/pr_curves?{}",
            query(&[("run", run), ("tag", tag)])
        );
        let json = self.get_json(&path);
        json[run]
            .as_array()
            .cloned()
            .unwrap_or_else(|| self.fail(&format!("{path}: no list for run {run}: {json}")))
    }

    /// `GET /data/plugin/projector/<route>?run=&name=` (`tensor`, `metadata`,
    /// `sprite_image`), which must answer 200: the body's bytes.
    pub fn projector(&self, route: &str, run: &str, name: &str) -> Vec<u8> {
        self.get_bytes(&format!(
            "/data/plugin/projector/{route}?{}",
            query(&[("run", run), ("name", name)])
        ))
    }

    /// `GET /data/plugin/custom_scalars/layout`: the merged `Layout` of all runs as JSON
    /// (`{"category": [{"title", "chart": [{"title", "multiline": {"tag": [...]}}]}]}`),
    /// `{}` when no run has one.
    pub fn custom_scalars_layout(&self) -> Value {
        self.get_json("/data/plugin/custom_scalars/layout")
    }
}

/// Runs `check` against a server of each loader (`--load_fast=true` and `false`, at
/// their default settings) reading `logdir`, concurrently, each its own server, then
/// fails the test if either logged a problem ([`TensorBoard::assert_log_clean`]).
pub fn with_both_loaders(logdir: &Path, check: impl Fn(&mut TensorBoard) + Sync) {
    let check = &check;
    thread::scope(|s| {
        let handles = [true, false].map(|load_fast| {
            s.spawn(move || {
                let mut tb = TensorBoard::start(logdir, load_fast);
                check(&mut tb);
                tb.assert_log_clean();
            })
        });
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

/// The width and height of a PNG (from its IHDR chunk), or why `bytes` is not one.
pub fn png_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    if bytes.len() < 24 || bytes[..8] != SIGNATURE || &bytes[12..16] != b"IHDR" {
        let head = &bytes[..bytes.len().min(16)];
        return Err(format!(
            "not a PNG ({} bytes, starting {head:?})",
            bytes.len()
        ));
    }
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Ok((be(16), be(20)))
}

fn ok_json(path: &str, response: &Response) -> Result<Value, String> {
    if response.status != 200 {
        return Err(format!(
            "{path}: status {}: {}",
            response.status,
            truncate(&response.text(), 500).trim_end()
        ));
    }
    response.json().map_err(|e| format!("{path}: {e}"))
}

/// The pids of `pid`'s direct children (Linux `/proc`; empty elsewhere).
pub fn child_pids(pid: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return pids;
    };
    for task in tasks.flatten() {
        if let Ok(text) = fs::read_to_string(task.path().join("children")) {
            pids.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
    }
    pids
}

/// Is `pid` still running (present in `/proc` and not a zombie)?
pub fn is_running(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

impl Drop for TensorBoard {
    /// Kills the server by pid (SIGKILL) and reaps it. With `load_fast=true` its child,
    /// the Rust data server, exits by itself when its stdin (a pipe from the server)
    /// closes; if it is still running 5 s later it is killed by pid too. When the test is
    /// panicking, the log's tail is printed to stderr first.
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!(
                "{}: test failed; last {LOG_TAIL_LINES} lines of the server log:\n{}",
                self.label(),
                self.log_tail(LOG_TAIL_LINES)
            );
        }
        let children = child_pids(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(5);
        for pid in children {
            while is_running(pid) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(50));
            }
            if is_running(pid) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
    }
}
