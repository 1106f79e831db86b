#!/usr/bin/env node
// Takes the README's pictures (docs/images/*.png) of a running TensorBoard that shows the
// lesson's two runs; scripts/screenshots.sh trains them, starts TensorBoard and calls
// this. Same browser, flags and fresh pages as the browser test (tensorboard.js).
//
// Usage: screenshots.js TENSORBOARD_URL OUT_DIR
'use strict';

const path = require('path');
const tb = require('./tensorboard');

const [base, outDir] = process.argv.slice(2);
if (!base || !outDir) {
  console.error('usage: screenshots.js TENSORBOARD_URL OUT_DIR');
  process.exit(2);
}
const MARGIN = 16;

const open = (browser, route, width, height) => tb.open(browser, base, route, { width, height });
const settle = (page) => tb.settle(page);

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
  const browser = await tb.launch();
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
      '#distributions&tagFilter=' + encodeURIComponent('^gradients/layer(1|11)$'), 1400, 900);
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