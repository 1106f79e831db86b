//! `tbtrain completions SHELL` and `tbtrain man`: scripts and a manual page that know
//! every flag, written to standard output; and help text into a full standard output is
//! an error, not a silent success.

mod support;

use std::fs::File;
use std::process::Stdio;

use support::{run, stderr, tbtrain};

#[test]
fn completion_scripts_know_the_commands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_tbtrain()"),
        ("zsh", "#compdef tbtrain"),
        ("fish", "complete -c tbtrain"),
    ] {
        let out = run(dir.path(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        for word in [
            "sweep",
            "compare",
            "inspect",
            "depth",
            "leaky-slope",
            "seeds",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        // The choices of --act are offered.
        assert!(script.contains("leaky-relu"), "{shell}");
    }
    let out = run(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'tcsh'"),
        "{}",
        stderr(&out)
    );
    assert!(support::tree(dir.path()).is_empty(), "nothing is created");
}

#[test]
fn the_manual_page_lists_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH tbtrain 1"), "{page}");
    for flag in ["depth", "act", "lr", "log\\-every", "overwrite"] {
        assert!(
            page.contains(&format!("\\-\\-{flag}")),
            "man page lacks --{flag}"
        );
    }
}

#[test]
fn help_into_a_full_stdout_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["--help"][..], &["--version"], &["sweep", "--help"]] {
        let out = tbtrain(dir.path())
            .args(args)
            .stdout(Stdio::from(File::create("/dev/full").unwrap()))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(
            err.trim_end(),
            "tbtrain: cannot write to standard output: No space left on device (os error 28)",
            "{args:?}"
        );
    }
}

/// The README documents every flag: each `--flag` in the `--help` of every command
/// appears in README.md as `` `--flag `` (a flag added to the settings table without a
/// line in the README fails here).
#[test]
fn the_readme_names_every_flag_of_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut missing = Vec::new();
    for command in ["train", "compare", "sweep", "inspect", "completions", "man"] {
        let out = run(dir.path(), &[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
        let help = String::from_utf8(out.stdout).unwrap();
        for word in help.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            let Some(name) = word.strip_prefix("--") else {
                continue;
            };
            if name.is_empty() || name == "help" || name == "version" {
                continue;
            }
            if !readme.contains(&format!("`--{name}")) {
                missing.push(format!("{command} --{name}"));
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "README.md lacks: {missing:?}");
}
