#!/usr/bin/env bash
# The library's footprint, as a Rust user adding TensorBoard logging to their own
# training loop meets it: a throwaway crate that depends on this repository with
# `default-features = false` (the event-file library, without the trainer or the CLI)
# must compile at most MAX_CRATES crates, its normal and build dependencies counted
# with the crate itself (`cargo tree -e normal,build`, each name and version once).
#
#   scripts/lib-footprint.sh                     count; fail above MAX_CRATES
#   scripts/lib-footprint.sh --build             also build the crate from clean, timed
#   scripts/lib-footprint.sh --test              also run its test: it writes every kind of
#                                                summary, reads the file back with the
#                                                library's reader and scans it with inspect
#   scripts/lib-footprint.sh --default-features  the same with the default features (for
#                                                comparison: no limit applies)
#
# The throwaway crate uses this repository's Cargo.lock, so it counts the versions the
# repository is tested with (for the host's target). It lives in a temporary directory,
# removed on exit.
set -euo pipefail

MAX_CRATES=30

build=""
test=""
features="default-features = false"
for arg in "$@"; do
    case "$arg" in
        --build) build=yes ;;
        --test) test=yes ;;
        --default-features) features="" ;;
        *)
            echo "usage: $0 [--build] [--test] [--default-features]" >&2
            exit 2
            ;;
    esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir "$work/src"
cat >"$work/Cargo.toml" <<EOF
[package]
name = "tbtrain-downstream"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tbtrain = { path = "$repo_root"${features:+, $features} }

# Not a member of any workspace around the temporary directory.
[workspace]
EOF
cat >"$work/src/lib.rs" <<'EOF'
//! Uses the writer, so that building this crate builds everything it needs.
pub fn log(logdir: &std::path::Path) -> Result<(), tbtrain::summary::Error> {
    let mut writer = tbtrain::SummaryWriter::new(logdir)?;
    writer.add_scalar("loss", 0.5, 0)?;
    writer.close()
}
EOF
mkdir "$work/tests"
cat >"$work/tests/roundtrip.rs" <<'EOF'
//! The library as a downstream crate uses it: write, read back, scan.
use tbtrain::proto::event::What;
use tbtrain::proto::summary::value::Value;

#[test]
fn writes_reads_and_scans() {
    let logdir = std::env::temp_dir().join(format!("tbtrain-downstream-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&logdir);
    let run = logdir.join("run");
    let mut w = tbtrain::SummaryWriter::new(&run).unwrap();
    for step in 0..10 {
        w.add_scalar("loss", 1.0 / (1.0 + step as f32), step).unwrap();
    }
    w.add_histogram("weights", &[0.1, -0.3, 0.7], 9).unwrap();
    w.add_image("red", &[255u8, 0, 0].repeat(4), 2, 2, 9).unwrap();
    w.add_text("notes", "done", 9).unwrap();
    w.close().unwrap();

    let files: Vec<_> = std::fs::read_dir(&run).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let mut losses = Vec::new();
    for event in tbtrain::EventReader::open(&files[0]).unwrap() {
        if let Some(What::Summary(summary)) = event.unwrap().1.what {
            for value in summary.value.iter().filter(|v| v.tag == "loss") {
                if let Some(Value::SimpleValue(x)) = value.value {
                    losses.push(x);
                }
            }
        }
    }
    assert_eq!(losses.len(), 10);
    assert_eq!(losses[9], 0.1);

    let runs = tbtrain::inspect::scan(&logdir).unwrap();
    assert_eq!(runs.len(), 1);
    let tags: Vec<&str> = runs[0].tags.iter().map(|t| t.tag.as_str()).collect();
    for tag in ["loss", "weights", "red", "notes"] {
        assert!(tags.contains(&tag), "{tags:?}");
    }
    assert!(runs[0].problems.is_empty(), "{:?}", runs[0].problems);
    std::fs::remove_dir_all(&logdir).unwrap();
}
EOF
cp "$repo_root/Cargo.lock" "$work/Cargo.lock"

# `--prefix none` prints one crate a line; a crate met again is marked `(*)`, a
# proc-macro `(proc-macro)`, a path dependency with its path: keep the name and version.
# Offline first: after a build of this repository the local registry index holds every
# crate of its Cargo.lock, so no network is needed; online only when something is missing.
tree() {
    (cd "$work" && cargo tree -q -e normal,build --prefix none "$@")
}
if ! listing="$(tree --offline 2>/dev/null)"; then
    echo "(the local registry cache lacks a crate of Cargo.lock: resolving online)" >&2
    listing="$(tree)"
fi
crates="$(printf '%s\n' "$listing" | awk '{print $1, $2}' | sort -u)"
count="$(printf '%s\n' "$crates" | wc -l)"
printf '%s\n' "$crates" | sed 's/^/  /'
echo "tbtrain${features:+ with $features}: a downstream crate compiles $count crates (itself included)"

if [ -n "$build" ]; then
    export CARGO_TARGET_DIR="$work/target"
    start="$(date +%s.%N)"
    (cd "$work" && cargo build -q)
    end="$(date +%s.%N)"
    awk -v s="$start" -v e="$end" -v load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" \
        'BEGIN { printf "clean debug build of the downstream crate: %.1f s (load average %s)\n", e - s, load }'
fi

if [ -n "$test" ]; then
    export CARGO_TARGET_DIR="$work/target"
    if ! (cd "$work" && cargo test -q >"$work/test.log" 2>&1); then
        cat "$work/test.log" >&2
        echo "error: the downstream crate's test failed" >&2
        exit 1
    fi
    grep -E "^test result" "$work/test.log" | sed 's/^/downstream crate: /'
fi

if [ -n "$features" ] && [ "$count" -gt "$MAX_CRATES" ]; then
    echo "error: more than $MAX_CRATES crates: a dependency of the library leaked in (make it optional, behind a feature)" >&2
    exit 1
fi
