#!/usr/bin/env bash
# Regenerates the README's pictures, docs/images/*.png: what a user sees in the REAL
# TensorBoard after the lesson's two runs (11-layer sigmoid net vs 11-layer ReLU net on XOR),
# and after the same two nets on Fashion-MNIST (the views of a held-out test set: train and
# test accuracy, confusion matrix, test images, PR curves, the Projector).
#
# What it does: builds the release binary, trains the XOR runs into a temporary logdir
# and the Fashion-MNIST runs into another, starts the venv's TensorBoard on each
# (127.0.0.1, a free port: two TensorBoards, as the two sets of runs are two
# experiments with different step ranges and dashboards), drives headless Chromium
# with playwright-core (some pictures need clicks: closing a side pane, log scale, zoom,
# expanding a graph node), cuts each picture off below the part that makes its point,
# and stops TensorBoard and the browser (by pid) on every exit path.
#
# The browser part is scripts/browser/screenshots.js, on the same driver as the browser
# test (scripts/browser/tensorboard.js: Chromium, its flags, a fresh profile per run).
#
# Needs, besides the project's own toolchain and venv (scripts/setup-venv.sh):
#   - chromium        Debian: `apt-get install -y chromium` (or set CHROMIUM=/path)
#   - node and npm    playwright-core, pinned in scripts/browser/package-lock.json, is
#                     installed with `npm ci --prefix scripts/browser` when missing
#   - Fashion-MNIST   Debian: `apt-get install -y dataset-fashion-mnist`
# The venv's Pillow (a TensorBoard dependency) shrinks the PNGs to a 256-colour palette.
#
# Not part of CI: the pictures are checked in; rerun this after a change that alters
# what TensorBoard shows, then look at every picture before committing it.
#
# Usage: scripts/screenshots.sh [OUT_DIR]    (default: docs/images)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
out_dir="$(mkdir -p "${1:-docs/images}" && cd "${1:-docs/images}" && pwd)"
venv="${TBTRAIN_VENV:-$repo_root/.venv}"
pictures="cost-accuracy.png vanishing-gradient.png decision-boundary.png gradient-distributions.png graph.png hparams.png"
pictures="$pictures fashion-accuracy.png confusion-matrix.png test-images.png pr-curves.png projector-sigmoid.png projector-relu.png"

die() {
    echo "screenshots: $*" >&2
    exit 1
}
[ -x "$venv/bin/tensorboard" ] || die "no TensorBoard at $venv/bin/tensorboard (run scripts/setup-venv.sh)"
command -v node >/dev/null || die "node not found"
if [ ! -d scripts/browser/node_modules/playwright-core ]; then
    echo "screenshots: npm ci --prefix scripts/browser (playwright-core, pinned by its package-lock.json)"
    npm ci --prefix scripts/browser --silent --no-audit --no-fund
fi
# The browser driver says what it lacks (Chromium, playwright-core, a recent node).
missing="$(node scripts/browser/check.js --probe)" || die "cannot drive a browser: $missing"

work="$(mktemp -d)"
tb_pids=""
cleanup() {
    for pid in $tb_pids; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "screenshots: building and training the lesson's two runs, on XOR and on Fashion-MNIST"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/tbtrain"
logs="$work/logs"
"$bin" --depth 11 --act sigmoid --seed 1 --logdir "$logs/sig" --quiet
"$bin" --depth 11 --act relu --seed 1 --logdir "$logs/relu" --quiet
fashion="$work/fashion"
for act in sigmoid relu; do
    run="$([ "$act" = sigmoid ] && echo sig || echo relu)"
    "$bin" --dataset fashion-mnist --depth 11 --width 64 --init xavier --batch 100 --epochs 5 --lr 0.1 \
        --act "$act" --seed 1 --logdir "$fashion/$run" --quiet
done

# Starts TensorBoard on the logdir $1 (relative to $work, started from there so the
# dashboards show its name, not a temporary path) and waits until it lists the runs
# sig and relu; sets $url.
start_tensorboard() {
    local logdir="$1" port pid runs listed=""
    port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    (cd "$work" && exec "$venv/bin/tensorboard" --logdir "$logdir" --host 127.0.0.1 --port "$port") >"$work/tensorboard-$logdir.log" 2>&1 &
    pid=$!
    tb_pids="$tb_pids $pid"
    url="http://127.0.0.1:$port"
    echo "screenshots: TensorBoard pid $pid at $url on $logdir"
    for _ in $(seq 1 300); do
        runs="$("$venv/bin/python" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' "$url/data/runs" 2>/dev/null || true)"
        case "$runs" in *'"sig"'*'"relu"'* | *'"relu"'*'"sig"'*) listed=yes && break ;; esac
        kill -0 "$pid" 2>/dev/null || die "TensorBoard exited: $(tail -5 "$work/tensorboard-$logdir.log")"
        sleep 0.2
    done
    [ -n "$listed" ] || die "TensorBoard did not list both runs (sig, relu) of $logdir in time: $runs"
}
start_tensorboard logs
lesson_url="$url"
start_tensorboard fashion
fashion_url="$url"

node scripts/browser/screenshots.js "$lesson_url" "$out_dir" "$fashion_url"

"$venv/bin/python" - "$out_dir" $pictures <<'PY'
"""Stores each picture as a 256-colour palette PNG: UI screenshots stay sharp and small."""
import pathlib, sys
from PIL import Image

for png in (pathlib.Path(sys.argv[1]) / name for name in sys.argv[2:]):
    with Image.open(png) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(png, optimize=True)
    print(f"screenshots: {png.name} {small.width}x{small.height} {png.stat().st_size // 1024} KB")
PY
