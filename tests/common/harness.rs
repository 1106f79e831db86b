//! The test runner of the test targets whose tests need something `cargo test` alone
//! does not bring: the real TensorBoard (the venv of `scripts/setup-venv.sh`), its
//! Python writers, or a browser. Those targets are `harness = false` in Cargo.toml and
//! their `main` hands [`main`] one [`Trial`] per test (the [`trial!`] macro);
//! [libtest-mimic](libtest_mimic) gives them libtest's command line (`cargo test NAME`,
//! `--exact`, `--skip`, `--list`, `--ignored`, `--include-ignored`, `--test-threads`)
//! and its output.
//!
//! This is the one place that decides what a test whose [`Need`] is missing does:
//! - by default it is reported as **ignored, with the reason and the fix**, never `ok`:
//!   `test name ... ignored (needs the real TensorBoard: ...)`;
//! - with the need's variable set to 1 (`TBTRAIN_REQUIRE_TENSORBOARD=1`,
//!   `TBTRAIN_REQUIRE_BROWSER=1`, as `.ci/run` sets them) it **fails** with that reason;
//! - asked for by `--ignored` or `--include-ignored` it fails with that reason too: it
//!   was asked to run and cannot. `--ignored` selects exactly the tests that would be
//!   ignored on this machine.
//!
//! Tests with no need run as usual. Unlike libtest, libtest-mimic does not capture a
//! test's output: what a test prints shows as it runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Completion, Conclusion, Failed};

/// Environment variable that turns a missing TensorBoard (or its Python writers) from
/// an ignored test into a failure.
pub const REQUIRE_TENSORBOARD_ENV: &str = "TBTRAIN_REQUIRE_TENSORBOARD";
/// Environment variable that turns a missing browser from an ignored test into a failure.
pub const REQUIRE_BROWSER_ENV: &str = "TBTRAIN_REQUIRE_BROWSER";
/// Environment variable that turns a tmpfs that cannot be mounted from an ignored test
/// into a failure.
pub const REQUIRE_TMPFS_ENV: &str = "TBTRAIN_REQUIRE_TMPFS";
/// Environment variable that turns a missing Fashion-MNIST (Debian's
/// `dataset-fashion-mnist`) from an ignored test into a failure.
pub const REQUIRE_FASHION_MNIST_ENV: &str = "TBTRAIN_REQUIRE_FASHION_MNIST";

/// Something a test needs from the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The venv's `python` and `tensorboard` ([`super::tensorboard_bin`]).
    TensorBoard,
    /// The venv's Python, able to import tensorboardX, tensorboard and numpy (to write
    /// event files with other people's writers).
    PythonWriters,
    /// `node`, playwright-core installed in `scripts/browser` and Chromium: what the
    /// browser driver's own probe (`scripts/browser/check.js --probe`) asks for.
    Browser,
    /// `mount -t tmpfs` works (root, with the right to mount): a small file system to fill.
    Tmpfs,
    /// Debian's Fashion-MNIST files (`apt-get install dataset-fashion-mnist`), where
    /// `tbtrain::data::idx::fashion_mnist_files` looks for them.
    FashionMnist,
}

impl Need {
    /// The variable that makes this need's absence a failure.
    pub fn require_env(self) -> &'static str {
        match self {
            Need::TensorBoard | Need::PythonWriters => REQUIRE_TENSORBOARD_ENV,
            Need::Browser => REQUIRE_BROWSER_ENV,
            Need::Tmpfs => REQUIRE_TMPFS_ENV,
            Need::FashionMnist => REQUIRE_FASHION_MNIST_ENV,
        }
    }

    /// Is its absence a failure (its [`Need::require_env`] is `1`)?
    pub fn required(self) -> bool {
        std::env::var(self.require_env()).is_ok_and(|v| v.trim() == "1")
    }

    /// Why this machine lacks it, with the fix; `None` when it is there. Looked at once
    /// per test process.
    pub fn missing(self) -> Option<String> {
        static TENSORBOARD: OnceLock<Option<String>> = OnceLock::new();
        static PYTHON_WRITERS: OnceLock<Option<String>> = OnceLock::new();
        static BROWSER: OnceLock<Option<String>> = OnceLock::new();
        static TMPFS: OnceLock<Option<String>> = OnceLock::new();
        static FASHION_MNIST: OnceLock<Option<String>> = OnceLock::new();
        match self {
            Need::TensorBoard => TENSORBOARD.get_or_init(tensorboard_missing),
            Need::PythonWriters => PYTHON_WRITERS.get_or_init(python_writers_missing),
            Need::Browser => BROWSER.get_or_init(browser_missing),
            Need::Tmpfs => TMPFS.get_or_init(tmpfs_missing),
            Need::FashionMnist => FASHION_MNIST.get_or_init(fashion_mnist_missing),
        }
        .clone()
    }
}

fn tensorboard_missing() -> Option<String> {
    let (python, tensorboard) = (super::python(), super::tensorboard_bin());
    let absent = [&python, &tensorboard].into_iter().find(|p| !p.is_file())?;
    Some(format!(
        "needs the real TensorBoard: {} is missing; run scripts/setup-venv.sh (venv from ${}, \
         default <repo>/.venv)",
        absent.display(),
        super::VENV_ENV
    ))
}

fn python_writers_missing() -> Option<String> {
    let python = super::python();
    let fix = "run scripts/setup-venv.sh";
    if !python.is_file() {
        return Some(format!(
            "needs tensorboardX, tensorboard and numpy: {} is missing; {fix}",
            python.display()
        ));
    }
    let why = match Command::new(&python)
        .args(["-c", "import tensorboardX, tensorboard, numpy"])
        .output()
    {
        Ok(out) if out.status.success() => return None,
        Ok(out) => String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("import failed")
            .trim()
            .to_string(),
        Err(e) => format!("cannot run it: {e}"),
    };
    Some(format!(
        "needs tensorboardX, tensorboard and numpy in {}: {why}; {fix}",
        python.display()
    ))
}

fn tmpfs_missing() -> Option<String> {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return Some(format!("needs a tmpfs: cannot make a directory ({e})")),
    };
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(dir.path())
        .output();
    match mounted {
        Ok(out) if out.status.success() => {
            let _ = Command::new("umount").arg("-l").arg(dir.path()).status();
            None
        }
        Ok(out) => Some(format!(
            "needs to mount a tmpfs (root with the right to mount; in Docker, --privileged): \
             `mount -t tmpfs` said: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Some(format!("needs to mount a tmpfs: cannot run mount ({e})")),
    }
}

/// The library's own answer (its message names the missing file and the package).
#[cfg(feature = "train")]
fn fashion_mnist_missing() -> Option<String> {
    let err = tbtrain::data::idx::fashion_mnist_files().err()?;
    Some(format!("needs dataset-fashion-mnist: {err}"))
}

#[cfg(not(feature = "train"))]
fn fashion_mnist_missing() -> Option<String> {
    Some("needs the `train` feature to find Fashion-MNIST".to_string())
}

/// The browser driver's directory, `scripts/browser`.
pub fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser")
}

fn browser_missing() -> Option<String> {
    let checker = browser_dir().join("check.js");
    let why = match Command::new("node").arg(&checker).arg("--probe").output() {
        Ok(out) if out.status.success() => return None,
        Ok(out) => {
            let said = String::from_utf8_lossy(&out.stdout)
                .trim()
                .replace('\n', "; ");
            if said.is_empty() {
                format!(
                    "`node {} --probe` failed: {}",
                    checker.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                )
            } else {
                said
            }
        }
        Err(e) => format!("cannot run node ({e}); install Node.js >= 20 and npm"),
    };
    Some(format!("needs a browser: {why}"))
}

/// What the runner does with a test, given its needs.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Run,
    Ignore(String),
    Fail(String),
}

/// The decision for a test needing `needs`, when `asked` (`--ignored` or
/// `--include-ignored` given): run it when nothing is missing; else fail if a missing
/// need is required or the test was asked for, or ignore it, naming every missing need.
pub fn verdict(needs: &[Need], asked: bool) -> Verdict {
    let missing: Vec<(Need, String)> = needs
        .iter()
        .filter_map(|&need| need.missing().map(|why| (need, why)))
        .collect();
    if missing.is_empty() {
        return Verdict::Run;
    }
    let reasons = missing
        .iter()
        .map(|(_, why)| why.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    if let Some((need, _)) = missing.iter().find(|(need, _)| need.required()) {
        return Verdict::Fail(format!(
            "{reasons} [{}=1 makes this a failure]",
            need.require_env()
        ));
    }
    if asked {
        return Verdict::Fail(format!(
            "{reasons} [asked to run by --ignored/--include-ignored]"
        ));
    }
    Verdict::Ignore(reasons)
}

/// One test: its name, what it needs, and its body (which fails by panicking).
pub struct Trial {
    name: &'static str,
    needs: &'static [Need],
    body: fn(),
}

impl Trial {
    pub fn new(name: &'static str, needs: &'static [Need], body: fn()) -> Trial {
        Trial { name, needs, body }
    }
}

/// `trial!(test_fn)` or `trial!(test_fn, Need::TensorBoard, ...)`: a [`Trial`] named
/// after the function.
#[macro_export]
macro_rules! trial {
    ($body:ident $(, $need:expr)* $(,)?) => {
        $crate::common::harness::Trial::new(stringify!($body), &[$($need),*], $body)
    };
}

/// Runs `trials` with the command line's arguments and returns the result (for a
/// `main` that cleans up before [`Conclusion::exit`]).
pub fn run(trials: Vec<Trial>) -> Conclusion {
    let args = Arguments::from_args();
    let asked = args.ignored || args.include_ignored;
    let trials = trials
        .into_iter()
        .map(|trial| {
            let Trial { name, needs, body } = trial;
            // Only for `--ignored`'s selection: otherwise the verdict is given as the
            // test runs, so an ignored test is printed with its reason.
            let ignored = args.ignored && matches!(verdict(needs, false), Verdict::Ignore(_));
            libtest_mimic::Trial::ignorable_test(name, move || match verdict(needs, asked) {
                Verdict::Run => {
                    body();
                    Ok(Completion::Completed)
                }
                Verdict::Ignore(why) => Ok(Completion::ignored_with(why)),
                Verdict::Fail(why) => Err(Failed::from(why)),
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    libtest_mimic::run(&args, trials)
}

/// Runs `trials` and exits with libtest's exit code.
pub fn main(trials: Vec<Trial>) -> ! {
    run(trials).exit()
}
