#!/usr/bin/env node
// Gzips the JavaScript that index.html loads up front (entry <script type="module"> and
// <link rel="modulepreload">) and fails (exit 1) when it exceeds the first-screen budget.
// Usage: node scripts/check-bundle-size.mjs [distDir] [budgetKB]
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.argv[2] ? process.argv[2] : join(root, 'dist');
const budgetKB = Number(process.argv[3] ?? 150);

const indexPath = join(dist, 'index.html');
if (!existsSync(indexPath)) {
  console.error(`check-bundle-size: ${indexPath} not found; run \`npm run build\` first.`);
  process.exit(1);
}
const html = readFileSync(indexPath, 'utf8');
const refs = new Set();
for (const m of html.matchAll(/<script\b[^>]*\btype=["']module["'][^>]*\bsrc=["']([^"']+)["']/gi)) refs.add(m[1]);
for (const m of html.matchAll(/<script\b[^>]*\bsrc=["']([^"']+)["'][^>]*\btype=["']module["']/gi)) refs.add(m[1]);
for (const m of html.matchAll(/<link\b[^>]*\brel=["']modulepreload["'][^>]*\bhref=["']([^"']+)["']/gi)) refs.add(m[1]);
for (const m of html.matchAll(/<link\b[^>]*\bhref=["']([^"']+)["'][^>]*\brel=["']modulepreload["']/gi)) refs.add(m[1]);

if (refs.size === 0) {
  console.error('check-bundle-size: no entry scripts found in index.html');
  process.exit(1);
}
for (const r of refs) {
  if (/^(https?:)?\/\//i.test(r)) {
    console.error(`check-bundle-size: index.html loads a script from another host: ${r}`);
    process.exit(1);
  }
}

let total = 0;
for (const ref of refs) {
  const file = join(dist, ref.replace(/^\//, ''));
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`${ref}: ${(raw.length / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped`);
}
// CSS is reported for information; the budget is for JavaScript.
for (const m of html.matchAll(/<link\b[^>]*\brel=["']stylesheet["'][^>]*\bhref=["']([^"']+)["']/gi)) {
  const raw = readFileSync(join(dist, m[1].replace(/^\//, '')));
  console.log(`${m[1]} (css): ${(gzipSync(raw, { level: 9 }).length / 1024).toFixed(1)} KB gzipped`);
}
const kb = total / 1024;
console.log(`first-screen JS: ${kb.toFixed(1)} KB gzipped (budget ${budgetKB} KB)`);
if (kb > budgetKB) {
  console.error('check-bundle-size: over budget');
  process.exit(1);
}
