#!/usr/bin/env node
// Takes the README's pictures (docs/images/*.png) of a running TensorBoard that shows the
// lesson's two runs, and, given FASHION_URL, of one that shows the same two nets trained
// on Fashion-MNIST (runs sig and relu, with their test sub-runs); scripts/screenshots.sh
// trains them, starts the TensorBoards and calls this. Same browser, flags and fresh
// pages as the browser test (tensorboard.js).
//
// Usage: screenshots.js TENSORBOARD_URL OUT_DIR [FASHION_URL]
'use strict';

const path = require('path');
const tb = require('./tensorboard');

const [base, outDir, fashionBase] = process.argv.slice(2);
if (!base || !outDir) {
  console.error('usage: screenshots.js TENSORBOARD_URL OUT_DIR [FASHION_URL]');
  process.exit(2);
}
const MARGIN = 16;

const open = (browser, route, width, height, url = base) => tb.open(browser, url, route, { width, height });
const settle = (page) => tb.settle(page);

// The bounding boxes of `locator`'s elements (scrolled into view first when `scroll`);
// an error naming the picture when there is none.
async function boxesOf(locator, name, scroll) {
  const boxes = [];
  for (const el of await locator.all()) {
    if (scroll) await el.scrollIntoViewIfNeeded();
    const b = await el.boundingBox();
    if (b) boxes.push(b);
  }
  if (boxes.length === 0) throw new Error(name + ': nothing to frame');
  return boxes;
}

// Saves the page's full width from the top down to the bottom of `locator`'s elements,
// so TensorBoard's header (which tab this is) stays in the picture.
async function shoot(page, locator, name) {
  const boxes = await boxesOf(locator, name, false);
  const vp = page.viewportSize();
  const bottom = Math.min(vp.height, Math.max(...boxes.map(b => b.y + b.height)) + MARGIN);
  await page.screenshot({ path: path.join(outDir, name), clip: { x: 0, y: 0, width: vp.width, height: bottom } });
  console.log('screenshots: ' + name);
  await page.context().close();
}

// Saves the union of `locator`'s elements with a margin: for cards far down a page.
async function shootCrop(page, locator, name) {
  const boxes = await boxesOf(locator, name, true);
  const vp = page.viewportSize();
  const x = Math.max(0, Math.min(...boxes.map(b => b.x)) - MARGIN);
  const y = Math.max(0, Math.min(...boxes.map(b => b.y)) - MARGIN);
  const right = Math.min(vp.width, Math.max(...boxes.map(b => b.x + b.width)) + MARGIN);
  const bottom = Math.min(vp.height, Math.max(...boxes.map(b => b.y + b.height)) + MARGIN);
  await page.screenshot({ path: path.join(outDir, name), clip: { x, y, width: right - x, height: bottom - y } });
  console.log('screenshots: ' + name);
  await page.context().close();
}

// The Projector's frame (the plugin runs in frames of its own; the innermost draws).
async function projectorFrame(page) {
  const state = await tb.poll(page, 60000, async () => ({
    ok: page.frames().some((f) => f.url().includes('/data/plugin/projector/')),
  }));
  if (!state.ok) throw new Error('no Projector frame');
  return page.frames().find((f) => f.url().includes('/data/plugin/projector/'));
}

// The Projector as it opens on `run`'s embedding (chosen in its run menu when it opens
// on another), its points drawn.
async function shootProjector(browser, run, name) {
  const page = await open(browser, '#projector', 1400, 900, fashionBase);
  const frame = await projectorFrame(page);
  const runMenu = frame.locator('paper-dropdown-menu').first();
  await runMenu.waitFor();
  const chosen = async () => (await runMenu.locator('input').first().inputValue().catch(() => '')).trim();
  if ((await chosen()) !== run) {
    await runMenu.click();
    await frame.locator('paper-item', { hasText: new RegExp(`^\\s*${run.replace('/', '\\/')}\\s*$`) }).first().click();
  }
  await tb.poll(page, 60000, async () => ({ ok: (await chosen()) === run }));
  await settle(page);
  await page.waitForTimeout(3000);
  await page.screenshot({ path: path.join(outDir, name) });
  console.log('screenshots: ' + name);
  await page.context().close();
}

// The Fashion-MNIST runs: the views of a held-out test set.
async function fashionPictures(browser) {
  // Time Series as it opens: the accuracy card, each run's training curve and its test
  // sub-run's curve together.
  let page = await open(browser, '?forceSVG=true#timeseries', 1400, 900, fashionBase);
  await tb.poll(page, 60000, async () => ({ ok: (await page.locator('scalar-card').count()) >= 1 }));
  await settle(page);
  await shoot(page, page.locator('scalar-card').first(), 'fashion-accuracy.png');

  // Images: each test sub-run's confusion matrix, then its test images (the last
  // evaluation, as the cards open).
  for (const [tag, name] of [['evaluation/confusion_matrix', 'confusion-matrix.png'], ['evaluation/test_images', 'test-images.png']]) {
    page = await open(browser, '#images', 1400, 1400, fashionBase);
    await settle(page);
    await shootCrop(page, page.locator('tf-image-loader').filter({ hasText: tag }), name);
  }

  // PR Curves: the first classes' cards, both test sub-runs' curves in each.
  page = await open(browser, '#pr_curves', 1700, 1000, fashionBase);
  const cards = page.locator('tf-pr-curve-card');
  await tb.poll(page, 60000, async () => ({ ok: (await cards.count()) >= 2 }));
  await settle(page);
  await shoot(page, cards.nth(1), 'pr-curves.png');

  // The Projector: the last hidden layer of 1,000 test images, sigmoid then ReLU.
  await shootProjector(browser, 'sig/test', 'projector-sigmoid.png');
  await shootProjector(browser, 'relu/test', 'projector-relu.png');
}

(async () => {
  const browser = await tb.launch();
  try {
    // Every picture is TensorBoard at its default settings: no setting changed, no tag
    // filter, only the navigation a user does (a tab, a graph node opened). forceSVG draws
    // the charts without WebGL, which headless Chromium without a GPU lacks; it changes
    // how lines are drawn, not what is shown.

    // Time Series, the tab TensorBoard opens on: its first groups, accuracy and cost,
    // open, both runs in each card.
    let page = await open(browser, '?forceSVG=true#timeseries', 1400, 900);
    await tb.poll(page, 60000, async () => ({ ok: (await page.locator('scalar-card').count()) >= 2 }));
    await settle(page);
    await shoot(page, page.locator('scalar-card'), 'cost-accuracy.png');

    // Images: the vanishing_gradient picture of each run (its last step, as the card
    // opens), then the decision boundaries.
    page = await open(browser, '#images', 1400, 1400);
    await settle(page);
    const loaders = (tag) => page.locator('tf-image-loader').filter({ hasText: tag });
    await shootCrop(page, loaders('vanishing_gradient'), 'vanishing-gradient.png');
    page = await open(browser, '#images', 1400, 1400);
    await settle(page);
    await shootCrop(page, page.locator('tf-image-loader').filter({ hasText: 'decision_boundary' }),
      'decision-boundary.png');

    // Distributions: its first category, `gradients`, in layer order, each run's card
    // beside the other's.
    // Its first six cards: gradients/layer1, layer2 and layer3 of each run.
    page = await open(browser, '#distributions', 1400, 1100);
    const cards = page.locator('tf-distribution-loader');
    await tb.poll(page, 60000, async () => ({ ok: (await cards.count()) >= 6 }));
    await settle(page);
    await shoot(page, cards.nth(5), 'gradient-distributions.png');

    // Graphs: one scope per layer; layer1 opened to show its ops.
    page = await open(browser, '#graphs', 1400, 1050);
    await page.locator('g.node[data-name="layer1"]').first().dblclick();
    await settle(page);
    await page.getByText('Fit to screen').click();
    await settle(page);
    await shoot(page, page.locator('tf-graph-board'), 'graph.png');

    // HParams: its table as it opens, one row per run with the settings and final metrics.
    page = await open(browser, '#hparams', 1700, 480);
    await shoot(page, page.locator('tf-hparams-query-pane'), 'hparams.png');

    if (fashionBase) await fashionPictures(browser);
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error('screenshots: ' + (err && err.stack || err));
  process.exit(1);
});
