#!/usr/bin/env node
// The browser test's checker: opens a running TensorBoard in headless Chromium, at its
// default settings, and checks what a person would see:
//
// - Time Series: for every --scalars tag, its chart draws one line per --runs run, in
//   that run's colour from the run list, through at least 2 points and across at least
//   half the chart's width (the runs cover the same steps): drawn lines, not a title;
// - Images: for every --runs run and --images tag, the image is there, loaded, with a
//   non-zero natural size, and laid out on the page;
// - Graphs: a box for every --graph-nodes name, laid out with a non-zero size;
// - for --test-runs RUN,SUB (a run with a held-out test set and the sub-run SUB its
//   curves and pictures go to): every --test-scalars chart draws RUN's and SUB's lines
//   as above (the card the training and the test curve share), every
//   --test-images image of SUB is shown as above, PR Curves draws a curve on the card
//   of every --pr-curves tag of SUB, and the Projector shows SUB's --embedding tensor,
//   its points counted and its canvas laid out.
//
// A dashboard is checked when its arguments are given. Each is checked in its own fresh
// page, at the same time, each waiting up to --timeout-ms for TensorBoard to draw;
// --screenshots DIR keeps a picture of each page as it was judged (timeseries.png,
// images.png, graphs.png, pr_curves.png, projector.png), failed or not.
//
// Prints one line per dashboard checked and exits 0 when everything is there; else one
// `browser check FAILED: <dashboard>: <what is missing>; <what TensorBoard shows>` line
// per failing dashboard on stderr and exit 1. Exit 2: bad usage.
//
// `check.js --probe` prints what this machine lacks to run the check (one line each)
// and exits 1, or the versions it found and exits 0. The Rust test asks it first.
//
// Usage: check.js --url http://127.0.0.1:PORT [--runs relu,sigmoid --scalars cost
//                 --images decision_boundary --graph-nodes layer1,layer2]
//                 [--test-runs RUN,SUB --test-scalars accuracy --test-images TAGS
//                  --pr-curves TAGS --embedding TAG]
//                 [--screenshots DIR] [--timeout-ms 60000]
'use strict';

const fs = require('fs');
const path = require('path');
const tb = require('./tensorboard');

const USAGE =
  'usage: check.js --url URL [--runs A,B --scalars TAGS --images TAGS --graph-nodes NAMES] ' +
  '[--test-runs RUN,SUB --test-scalars TAGS --test-images TAGS --pr-curves TAGS --embedding TAG] ' +
  '[--screenshots DIR] [--timeout-ms MS] | check.js --probe';

class Usage extends Error {}

function parseArgs(argv) {
  const opts = { timeoutMs: 60000, screenshots: null };
  const lists = {
    '--runs': 'runs',
    '--scalars': 'scalars',
    '--images': 'images',
    '--graph-nodes': 'graphNodes',
    '--test-runs': 'testRuns',
    '--test-scalars': 'testScalars',
    '--test-images': 'testImages',
    '--pr-curves': 'prCurves',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--probe') {
      opts.probe = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Usage(`${flag} needs a value`);
    i++;
    if (flag in lists) {
      opts[lists[flag]] = value.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (flag === '--url') {
      opts.url = value.replace(/\/+$/, '');
    } else if (flag === '--embedding') {
      opts.embedding = value;
    } else if (flag === '--screenshots') {
      opts.screenshots = value;
    } else if (flag === '--timeout-ms') {
      opts.timeoutMs = Number(value);
      if (!(opts.timeoutMs > 0)) throw new Usage(`--timeout-ms must be a positive number, not ${value}`);
    } else {
      throw new Usage(`unknown argument ${flag}`);
    }
  }
  if (opts.probe) return opts;
  if (opts.url === undefined) throw new Usage('--url is required');
  for (const key of Object.values(lists)) opts[key] = opts[key] || [];
  const given = (key) => opts[key].length > 0;
  for (const [flag, needs, keys] of [
    ['--runs', 'runs', ['scalars', 'images']],
    ['--test-runs', 'testRuns', ['testScalars', 'testImages', 'prCurves', 'embedding']],
  ]) {
    if (!given(needs) && keys.some((k) => (k === 'embedding' ? opts.embedding : given(k)))) {
      throw new Usage(`the checks asked for need ${flag}`);
    }
  }
  if (given('testRuns') && opts.testRuns.length !== 2) throw new Usage('--test-runs takes a run and its test sub-run');
  if (!['scalars', 'images', 'graphNodes', 'testScalars', 'testImages', 'prCurves'].some(given) && !opts.embedding) {
    throw new Usage('nothing to check');
  }
  opts.testSubRun = opts.testRuns[1];
  return opts;
}

// A dashboard that did not show what it should.
class Missing extends Error {}

// What TensorBoard's page says, in a few words, for a failure message: its "No ... data
// was found" notice if it shows one, else the first lines of text after the tab bar.
async function pageSays(page) {
  const lines = await tb.visibleText(page);
  const notice = lines.find((l) => /^No .*(found|active)/i.test(l));
  if (notice) return `TensorBoard shows "${notice}"`;
  return `TensorBoard shows: ${JSON.stringify(lines.slice(0, 12).join(' | ').slice(0, 300))}`;
}

async function screenshot(page, opts, name) {
  if (!opts.screenshots) return;
  fs.mkdirSync(opts.screenshots, { recursive: true });
  await page.screenshot({ path: path.join(opts.screenshots, name) }).catch(() => {});
}

// ---- Time Series ----------------------------------------------------------------------

// In the page: each run's colour in the run list, and for `tag`'s chart, every drawn
// line per run: its number of points and the share of the chart's width it spans.
function timeSeriesState({ tag, runs }) {
  const colours = {};
  for (const row of document.querySelectorAll('tb-data-table-content-row[data-id]')) {
    const id = row.getAttribute('data-id');
    const swatch = row.querySelector('.run-color-swatch');
    if (swatch) colours[id.slice(id.indexOf('/') + 1)] = getComputedStyle(swatch).backgroundColor;
  }
  const listed = Object.keys(colours);
  const title = [...document.querySelectorAll('scalar-card tb-truncated-path')].find(
    (t) => t.getAttribute('title') === tag,
  );
  if (!title) {
    return { ok: false, detail: `no \`${tag}\` chart; the run list shows ${JSON.stringify(listed)}` };
  }
  const card = title.closest('scalar-card');
  const lines = [];
  for (const p of card.querySelectorAll('line-chart .series-view svg path')) {
    const stroke = getComputedStyle(p).stroke;
    if (!stroke || stroke === 'none') continue;
    const points = ((p.getAttribute('d') || '').match(/[ML]/g) || []).length;
    const chart = p.ownerSVGElement.getBoundingClientRect();
    const width = p.getBoundingClientRect().width;
    lines.push({ stroke, points, share: chart.width > 0 ? width / chart.width : 0 });
  }
  const perRun = runs.map((run) => {
    const colour = colours[run];
    if (!colour) return { run, ok: false, text: `${run}: not in the run list ${JSON.stringify(listed)}` };
    const mine = lines.filter((l) => l.stroke === colour);
    if (mine.length === 0) return { run, ok: false, text: `${run}: no line in its colour ${colour}` };
    const best = mine.reduce((a, b) => (b.points > a.points ? b : a));
    const ok = best.points >= 2 && best.share >= 0.5;
    const pct = Math.round(best.share * 100);
    return { run, ok, text: `${run}: ${best.points} points across ${pct}% of the chart` };
  });
  return {
    ok: perRun.every((r) => r.ok),
    detail: `\`${tag}\` chart: ${perRun.map((r) => r.text).join(', ')}`,
  };
}

async function checkTimeSeries(browser, opts) {
  const page = await tb.open(browser, opts.url, '?forceSVG=true#timeseries');
  const charts = opts.scalars.map((tag) => ({ tag, runs: opts.runs }));
  for (const tag of opts.testScalars) charts.push({ tag, runs: opts.testRuns });
  try {
    const found = [];
    for (const { tag, runs } of charts) {
      // Cards are drawn only once on screen: bring the tag's group (its first path
      // component, TensorBoard's default grouping) into view.
      const group = tag.split('/')[0];
      const state = await tb.poll(page, opts.timeoutMs, async () => {
        const card = page.locator('scalar-card', { has: page.locator(`tb-truncated-path[title="${cssString(tag)}"]`) });
        const heading = page.locator('.group-title').filter({ hasText: new RegExp(`^${escapeRegExp(group)}$`) });
        const target = (await card.count()) > 0 ? card : heading;
        if ((await target.count()) > 0) await target.first().scrollIntoViewIfNeeded().catch(() => {});
        return page.evaluate(timeSeriesState, { tag, runs });
      });
      if (!state.ok) throw new Missing(`${state.detail}; ${await pageSays(page)}`);
      found.push(state.detail);
    }
    return found.join('; ');
  } finally {
    await screenshot(page, opts, 'timeseries.png');
    await page.context().close();
  }
}

function cssString(text) {
  return text.replace(/["\\]/g, '\\$&');
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- Images ---------------------------------------------------------------------------

async function checkImages(browser, opts) {
  const page = await tb.open(browser, opts.url, '#images');
  try {
    const state = await tb.poll(page, opts.timeoutMs, async () => {
      const cards = await page.locator('tf-image-loader').evaluateAll((els) =>
        els.map((el) => {
          const img = (el.shadowRoot || el).querySelector('img');
          const box = img ? img.getBoundingClientRect() : { width: 0, height: 0 };
          return {
            run: el.run,
            tag: el.tag,
            loaded: Boolean(img && img.complete && img.naturalWidth > 0 && img.naturalHeight > 0),
            size: img ? `${img.naturalWidth}x${img.naturalHeight}` : 'no <img>',
            shown: box.width > 0 && box.height > 0,
          };
        }),
      );
      const results = [];
      const wanted = opts.images.flatMap((tag) => opts.runs.map((run) => [run, tag]));
      for (const tag of opts.testImages) wanted.push([opts.testSubRun, tag]);
      for (const [run, tag] of wanted) {
        const card = cards.find((c) => c.run === run && c.tag === tag);
        let text;
        let ok = false;
        if (!card) text = `${run}/${tag}: no image card`;
        else if (!card.loaded) text = `${run}/${tag}: image not loaded (${card.size})`;
        else if (!card.shown) text = `${run}/${tag}: ${card.size} but not laid out on the page`;
        else {
          ok = true;
          text = `${run}/${tag} ${card.size}`;
        }
        results.push({ ok, text });
      }
      const seen = cards.map((c) => `${c.run}/${c.tag}`);
      const problems = results.filter((r) => !r.ok).map((r) => r.text);
      return {
        ok: problems.length === 0,
        detail:
          problems.length === 0
            ? results.map((r) => r.text).join(', ')
            : `${problems.join(', ')} (image cards on the page: ${JSON.stringify(seen)})`,
      };
    });
    if (!state.ok) throw new Missing(`${state.detail}; ${await pageSays(page)}`);
    return state.detail;
  } finally {
    await screenshot(page, opts, 'images.png');
    await page.context().close();
  }
}

// ---- Graphs ---------------------------------------------------------------------------

async function checkGraphs(browser, opts) {
  const page = await tb.open(browser, opts.url, '#graphs');
  try {
    const state = await tb.poll(page, opts.timeoutMs, async () => {
      const nodes = await page.locator('g.node[data-name]').evaluateAll((els) =>
        els.map((el) => {
          const box = el.getBoundingClientRect();
          return { name: el.getAttribute('data-name'), drawn: box.width > 0 && box.height > 0 };
        }),
      );
      const drawn = new Set(nodes.filter((n) => n.drawn).map((n) => n.name));
      const missing = opts.graphNodes.filter((name) => !drawn.has(name));
      return {
        ok: missing.length === 0,
        detail:
          missing.length === 0
            ? `${opts.graphNodes.length} boxes ${opts.graphNodes[0]} ... ${opts.graphNodes[opts.graphNodes.length - 1]}`
            : `no box for ${missing.join(', ')} (boxes drawn: ${JSON.stringify([...drawn])})`,
      };
    });
    if (!state.ok) throw new Missing(`${state.detail}; ${await pageSays(page)}`);
    return state.detail;
  } finally {
    await screenshot(page, opts, 'graphs.png');
    await page.context().close();
  }
}

// ---- PR Curves ------------------------------------------------------------------------

// In the page: for each PR-curve card of `cards`, its tag, runs, whether it is laid
// out, and its drawn curves (Plottable's `path.line` with a stroke, through at least 2
// points).
function prCurveCards(cards) {
  return cards.map((el) => {
    const curves = [];
    const walk = (node) => {
      if (node.shadowRoot) walk(node.shadowRoot);
      for (const child of node.children || []) {
        if (child.tagName === 'path' && child.classList.contains('line')) {
          const points = ((child.getAttribute('d') || '').match(/[ML]/g) || []).length;
          const stroke = getComputedStyle(child).stroke;
          if (points >= 2 && stroke && stroke !== 'none') curves.push(points);
        }
        walk(child);
      }
    };
    walk(el);
    const box = el.getBoundingClientRect();
    return { tag: el.tag, runs: el.runs || [], shown: box.width > 0 && box.height > 0, curves };
  });
}

async function checkPrCurves(browser, opts) {
  const page = await tb.open(browser, opts.url, '#pr_curves');
  try {
    const state = await tb.poll(page, opts.timeoutMs, async () => {
      const cards = await page.locator('tf-pr-curve-card').evaluateAll(prCurveCards);
      const results = opts.prCurves.map((tag) => {
        const card = cards.find((c) => c.tag === tag);
        if (!card) return { ok: false, text: `${tag}: no card` };
        if (!card.runs.includes(opts.testSubRun)) {
          return { ok: false, text: `${tag}: not for ${opts.testSubRun} (runs ${JSON.stringify(card.runs)})` };
        }
        if (!card.shown) return { ok: false, text: `${tag}: not laid out on the page` };
        if (card.curves.length === 0) return { ok: false, text: `${tag}: no curve drawn` };
        return { ok: true, text: `${tag}: ${Math.max(...card.curves)} points` };
      });
      const problems = results.filter((r) => !r.ok).map((r) => r.text);
      return {
        ok: problems.length === 0,
        detail:
          problems.length === 0
            ? `${opts.testSubRun}: ${results.length} curves drawn (${results[0].text}, ...)`
            : `${problems.join(', ')} (cards on the page: ${JSON.stringify(cards.map((c) => c.tag))})`,
      };
    });
    if (!state.ok) throw new Missing(`${state.detail}; ${await pageSays(page)}`);
    return state.detail;
  } finally {
    await screenshot(page, opts, 'pr_curves.png');
    await page.context().close();
  }
}

// ---- Projector ------------------------------------------------------------------------

// In the Projector's frame: the tensor names it offers, its status bar's point count,
// and the size of its drawing canvases.
function projectorState() {
  const texts = [];
  const canvases = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.trim();
      if (text) texts.push({ text, around: (node.parentElement && node.parentElement.textContent) || '' });
      return;
    }
    if (node.tagName === 'CANVAS') {
      const box = node.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) canvases.push(`${Math.round(box.width)}x${Math.round(box.height)}`);
    }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body);
  const status = texts.find((t) => t.text === 'Points:');
  const match = status ? /Points:\s*(\d+)/.exec(status.around.replace(/\s+/g, ' ')) : null;
  return { texts: texts.map((t) => t.text), points: match ? Number(match[1]) : 0, canvases };
}

async function checkProjector(browser, opts) {
  const page = await tb.open(browser, opts.url, '#projector');
  try {
    const state = await tb.poll(page, opts.timeoutMs, async () => {
      // The plugin runs in frames of its own: the innermost draws.
      const frame = page.frames().find((f) => f.url().includes('/data/plugin/projector/'));
      if (!frame) return { ok: false, detail: 'no Projector frame on the page' };
      const s = await frame.evaluate(projectorState).catch((e) => ({ error: String(e) }));
      if (s.error) return { ok: false, detail: `cannot read the Projector's frame: ${s.error}` };
      const tensor = s.texts.find((t) => t.startsWith(`${opts.embedding}:`));
      const ok = Boolean(tensor) && s.points > 0 && s.canvases.length > 0;
      return {
        ok,
        detail: ok
          ? `${tensor}: ${s.points} points drawn on ${s.canvases[0]}`
          : `no ${opts.embedding} shown: tensor ${JSON.stringify(tensor || null)}, ${s.points} points, ` +
            `canvases ${JSON.stringify(s.canvases)}; it shows ${JSON.stringify(s.texts.slice(0, 8).join(' | '))}`,
      };
    });
    if (!state.ok) throw new Missing(`${state.detail}; ${await pageSays(page)}`);
    return state.detail;
  } finally {
    await screenshot(page, opts, 'projector.png');
    await page.context().close();
  }
}

// ---- main -----------------------------------------------------------------------------

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    console.error(`browser check: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts.probe) {
    const missing = tb.probe();
    for (const line of missing) console.log(line);
    if (missing.length === 0) console.log(`browser: ${tb.describe()}`);
    return missing.length === 0 ? 0 : 1;
  }
  const missing = tb.probe();
  if (missing.length > 0) {
    console.error(`browser check FAILED: cannot run: ${missing.join('; ')}`);
    return 1;
  }
  const browser = await tb.launch();
  try {
    const checks = [
      ['Time Series', checkTimeSeries, opts.scalars.length + opts.testScalars.length > 0],
      ['Images', checkImages, opts.images.length + opts.testImages.length > 0],
      ['Graphs', checkGraphs, opts.graphNodes.length > 0],
      ['PR Curves', checkPrCurves, opts.prCurves.length > 0],
      ['Projector', checkProjector, Boolean(opts.embedding)],
    ].filter(([, , asked]) => asked);
    const results = await Promise.allSettled(checks.map(([, check]) => check(browser, opts)));
    let failed = 0;
    results.forEach((result, i) => {
      const name = checks[i][0];
      if (result.status === 'fulfilled') {
        console.log(`browser check: ${name}: ${result.value}`);
      } else {
        failed++;
        const e = result.reason;
        const why = e instanceof Missing ? e.message : `could not check: ${e && e.stack ? e.stack : e}`;
        console.error(`browser check FAILED: ${name}: ${why}`);
      }
    });
    if (opts.screenshots) console.log(`browser check: screenshots in ${opts.screenshots}`);
    console.log(`browser check: ${checks.length - failed} of ${checks.length} dashboards as expected at ${opts.url}`);
    return failed === 0 ? 0 : 1;
  } finally {
    await browser.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`browser check FAILED: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
