// Headless Chromium over the real TensorBoard, shared by the browser test's checker
// (check.js) and the README's pictures (screenshots.js), so both see TensorBoard the
// same way: Debian's Chromium driven by playwright-core.
//
// - Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's `chromium` package).
// - Flags: without the background-networking ones Chromium keeps trying to reach
//   Google's hosts, which a closed network refuses; as root it needs --no-sandbox; no
//   GPU, so Time Series is opened with ?forceSVG=true (its WebGL charts draw nothing
//   without one).
// - Profile: playwright-core's launch() gives every browser a fresh, empty
//   --user-data-dir of its own (a new temporary directory, removed on close), and every
//   page here gets a new context: no setting, pin or cache carries over from an earlier
//   page, so TensorBoard is seen at its default settings.
// - playwright-core is required only when a browser is launched, so probe() can say
//   what is missing on a machine without it.
'use strict';

const fs = require('fs');
const { spawnSync } = require('child_process');
const path = require('path');

const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// The npm package this directory's package.json pins.
const PLAYWRIGHT = 'playwright-core';
// The install command that provides it (package-lock.json pins the exact build).
const INSTALL = 'npm ci --prefix scripts/browser';
// How long loading a page may take (a shared 2-core machine can be slow), apart from
// how long a check then waits for TensorBoard to draw.
const NAVIGATION_TIMEOUT_MS = 60000;
// Oldest Node.js major playwright-core supports (its `engines`).
const NODE_MAJOR = 20;

function chromiumPath() {
  return process.env.CHROMIUM || DEFAULT_CHROMIUM;
}

// What this machine lacks to run a browser here, one sentence each; empty when nothing.
function probe() {
  const missing = [];
  const major = Number(process.versions.node.split('.')[0]);
  if (major < NODE_MAJOR) {
    missing.push(`node ${process.versions.node} is older than ${NODE_MAJOR} (playwright-core needs >= ${NODE_MAJOR})`);
  }
  try {
    require.resolve(PLAYWRIGHT);
  } catch (_) {
    missing.push(`${PLAYWRIGHT} is not installed in ${__dirname} (run \`${INSTALL}\`)`);
  }
  const exe = chromiumPath();
  try {
    fs.accessSync(exe, fs.constants.X_OK);
  } catch (_) {
    missing.push(`no Chromium at ${exe} (apt-get install chromium, or set CHROMIUM=/path/to/chromium)`);
  }
  return missing;
}

// What probe() found, for logs: `node v20.1.0, playwright-core 1.65.1, Chromium 156...`.
function describe() {
  const { version } = require(`${PLAYWRIGHT}/package.json`);
  const out = spawnSync(chromiumPath(), ['--version'], { encoding: 'utf8', timeout: 30000 });
  const chromium = (out.stdout || '').trim() || `${chromiumPath()} (no --version: ${out.error || out.stderr})`;
  return `node ${process.version}, ${PLAYWRIGHT} ${version}, ${chromium} (${chromiumPath()})`;
}

// A headless Chromium with FLAGS and a fresh profile.
async function launch() {
  const { chromium } = require(PLAYWRIGHT);
  return chromium.launch({ executablePath: chromiumPath(), args: FLAGS, headless: true });
}

// Waits until the page has made no request for 500 ms, then a little longer for the
// charts to draw.
async function settle(page, extraMs = 1500) {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(extraMs);
}

// A new page in a new context (nothing carried over) at `base + '/' + route`, settled.
async function open(browser, base, route, { width = 1400, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  context.setDefaultTimeout(NAVIGATION_TIMEOUT_MS);
  const page = await context.newPage();
  await page.goto(base + '/' + route);
  await settle(page);
  return page;
}

// The text a person reads on the page, shadow DOMs included (TensorBoard's older
// dashboards are Polymer elements, whose text document.body.innerText does not reach),
// as trimmed lines without blanks.
async function visibleText(page) {
  return page.evaluate(() => {
    const lines = [];
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) {
        const parent = node.parentElement;
        const text = node.textContent.trim();
        if (text && parent && !['STYLE', 'SCRIPT', 'TEMPLATE'].includes(parent.tagName)) {
          const box = parent.getBoundingClientRect();
          if (box.width > 0 && box.height > 0) lines.push(text);
        }
        return;
      }
      if (node.shadowRoot) walk(node.shadowRoot);
      for (const child of node.childNodes) walk(child);
    };
    walk(document.body);
    return lines;
  });
}

// Calls `probe` (async, returning `{ ok, detail }`) every 250 ms until `ok`, at most
// `timeoutMs`; returns the last result either way.
async function poll(page, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result.ok || Date.now() >= deadline) return result;
    await page.waitForTimeout(250);
  }
}

module.exports = {
  DEFAULT_CHROMIUM,
  FLAGS,
  INSTALL,
  chromiumPath,
  probe,
  describe,
  launch,
  settle,
  open,
  visibleText,
  poll,
  dir: path.resolve(__dirname),
};
