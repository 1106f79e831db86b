#!/usr/bin/env bash
# Regenerates the README's pictures, docs/images/*.png: what a user sees in the REAL
# TensorBoard after the lesson's two runs (11-layer sigmoid net vs 11-layer ReLU net on XOR).
#
# What it does: builds the release binary, trains the two runs into a temporary logdir,
# starts the venv's TensorBoard on 127.0.0.1 and a free port, drives headless Chromium
# with playwright-core (some pictures need clicks: closing a side pane, log scale, zoom,
# expanding a graph node), cuts each picture off below the part that makes its point,
# and stops TensorBoard and the browser (by pid) on every exit path.
#
# Needs, besides the project's own toolchain and venv (scripts/setup-venv.sh):
#   - chromium        Debian: `apt-get install -y chromium` (or set CHROMIUM=/path)
#   - node and npm    playwright-core is installed into a temporary directory, never
#                     into the repository (set PLAYWRIGHT_DIR to reuse an install)
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
chromium="${CHROMIUM:-$(command -v chromium || true)}"
playwright_version=1.65.1
pictures="cost-accuracy.png vanishing-gradient.png decision-boundary.png gradient-distributions.png graph.png hparams.png"

die() {
    echo "screenshots: $*" >&2
    exit 1
}
[ -x "$venv/bin/tensorboard" ] || die "no TensorBoard at $venv/bin/tensorboard (run scripts/setup-venv.sh)"
[ -n "$chromium" ] && [ -x "$chromium" ] || die "chromium not found (apt-get install -y chromium, or set CHROMIUM)"
command -v node >/dev/null || die "node not found"

work="$(mktemp -d)"
tb_pid=""
cleanup() {
    if [ -n "$tb_pid" ] && kill -0 "$tb_pid" 2>/dev/null; then
        kill "$tb_pid" 2>/dev/null || true
        wait "$tb_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "screenshots: building and training the lesson's two runs"
cargo build --release --quiet
logs="$work/logs"
target/release/tbtrain --depth 11 --act sigmoid --seed 1 --logdir "$logs/sig" --quiet
target/release/tbtrain --depth 11 --act relu --seed 1 --logdir "$logs/relu" --quiet

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# Started from $work with a relative --logdir: the dashboards show "logs", not a temp path.
(cd "$work" && exec "$venv/bin/tensorboard" --logdir logs --host 127.0.0.1 --port "$port") >"$work/tensorboard.log" 2>&1 &
tb_pid=$!
url="http://127.0.0.1:$port"
echo "screenshots: TensorBoard pid $tb_pid at $url"
listed=""
for _ in $(seq 1 300); do
    runs="$("$venv/bin/python" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' "$url/data/runs" 2>/dev/null || true)"
    case "$runs" in *'"sig"'*'"relu"'* | *'"relu"'*'"sig"'*) listed=yes && break ;; esac
    kill -0 "$tb_pid" 2>/dev/null || die "TensorBoard exited: $(tail -5 "$work/tensorboard.log")"
    sleep 0.2
done
[ -n "$listed" ] || die "TensorBoard did not list both runs (sig, relu) in time: $runs"

pw_dir="${PLAYWRIGHT_DIR:-$work/pw}"
if [ ! -d "$pw_dir/node_modules/playwright-core" ]; then
    echo "screenshots: installing playwright-core@$playwright_version into $pw_dir"
    mkdir -p "$pw_dir"
    npm install --prefix "$pw_dir" --silent --no-save --no-audit --no-fund --no-package-lock \
        "playwright-core@$playwright_version" >/dev/null
fi

cat >"$work/shots.js" <<'JS'
// Takes the pictures. argv: playwright dir, chromium, TensorBoard URL, output dir.
const [pwDir, chromiumPath, base, outDir] = process.argv.slice(2);
const { chromium } = require(pwDir + '/node_modules/playwright-core');
const path = require('path');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MARGIN = 16;

// A fresh page (no state from an earlier picture) at `route`, settled.
async function open(browser, route, width, height) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.goto(base + '/' + route);
  await settle(page);
  return page;
}

async function settle(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1500);
}

// Saves the page's full width from the top down to the bottom of `locator`'s elements,
// so TensorBoard's header (which tab this is) stays in the picture.
async function shoot(page, locator, name) {
  const boxes = [];
  for (const el of await locator.all()) {
    const b = await el.boundingBox();
    if (b) boxes.push(b);
  }
  if (boxes.length === 0) throw new Error(name + ': nothing to frame');
  const vp = page.viewportSize();
  const bottom = Math.min(vp.height, Math.max(...boxes.map(b => b.y + b.height)) + MARGIN);
  await page.screenshot({ path: path.join(outDir, name), clip: { x: 0, y: 0, width: vp.width, height: bottom } });
  console.log('screenshots: ' + name);
  await page.context().close();
}

(async () => {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: FLAGS });
  try {
    // Time Series, the tab TensorBoard opens on: cost and accuracy of both runs. forceSVG
    // draws the lines without WebGL, which headless Chromium without a GPU lacks.
    let page = await open(browser,
      '?forceSVG=true&tagFilter=' + encodeURIComponent('^(cost|accuracy)$') + '#timeseries', 1400, 900);
    // Wider cards (the settings pane's "Card Width" slider), then close that pane.
    await page.locator('metrics-dashboard-settings-component input[type="range"]').first().fill('500');
    await page.locator('button[aria-label="Close side pane"]').click();
    await settle(page);
    await shoot(page, page.locator('scalar-card'), 'cost-accuracy.png');

    // Custom Scalars: the "vanishing gradient" chart, full width, log scale, raw values,
    // zoomed by a drag to the first 500 steps, where the sigmoid net's layers fan out.
    page = await open(browser, '#custom_scalars', 1400, 900);
    await page.getByText('Ignore outliers in chart scaling').click();
    const smoothing = page.locator('tf-smoothing-input input').first();
    await smoothing.fill('0');
    await smoothing.press('Enter');
    const card = page.locator('tf-custom-scalar-multi-line-chart-card').first();
    await card.locator('paper-icon-button[icon="fullscreen"]').click();
    await card.locator('paper-icon-button[title="Toggle y-axis log scale"]').click();
    await settle(page);
    const tick = async (label) => {
      const b = await card.locator('text.tick-label', { hasText: new RegExp('^' + label + '$') }).first().boundingBox();
      return { x: b.x + b.width / 2, y: b.y };
    };
    const t0 = await tick('0');
    const t1k = await tick('1k');
    const plot = await card.locator('svg').first().boundingBox();
    await page.mouse.move(t0.x - (t1k.x - t0.x) / 40, plot.y + 30);
    await page.mouse.down();
    await page.mouse.move(t0.x + (t1k.x - t0.x) / 4, plot.y + 150, { steps: 5 });
    await page.mouse.move(t0.x + (t1k.x - t0.x) / 2, t0.y - 20, { steps: 5 });
    await page.mouse.up();
    await settle(page);
    await shoot(page, card, 'vanishing-gradient.png');

    // Images: the last decision boundary of each run.
    page = await open(browser, '#images', 1400, 900);
    await shoot(page, page.locator('tf-image-loader'), 'decision-boundary.png');

    // Distributions (the histograms over time) of the first and last layer's gradients.
    page = await open(browser,
      '#distributions&tagFilter=' + encodeURIComponent('^layer(1|11)/gradients$'), 1400, 900);
    await shoot(page, page.locator('tf-category-paginated-view').first(), 'gradient-distributions.png');

    // Graphs: one scope per layer; layer1 expanded to show its ops.
    page = await open(browser, '#graphs', 1400, 1050);
    await page.locator('g.node[data-name="layer1"]').first().dblclick();
    await settle(page);
    await page.getByText('Fit to screen').click();
    await settle(page);
    await shoot(page, page.locator('tf-graph-board'), 'graph.png');

    // HParams: one row per run, the hparams that differ and the final metrics.
    page = await open(browser, '#hparams', 1700, 480);
    await shoot(page, page.locator('tf-hparams-query-pane'), 'hparams.png');
  } finally {
    await browser.close();
  }
})().catch(err => { console.error('screenshots: ' + err.message); process.exit(1); });
JS

node "$work/shots.js" "$pw_dir" "$chromium" "$url" "$out_dir"

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
