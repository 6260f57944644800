/**
 * First-load JavaScript of the built Console, gzip-compressed: the scripts and module preloads index.html names.
 * `npm run console:size` (after `npm run console:build`) prints the figures and exits 1 above the budget.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const FIRST_LOAD_BUDGET_BYTES = 200 * 1024;

export function firstLoadJs(dir: string): { files: { file: string; raw: number; gzip: number }[]; gzipTotal: number } {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const sources = [
    ...[...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]),
    ...[...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]),
  ];
  if (sources.length === 0) throw new Error(`${dir}/index.html names no script`);
  const files = sources.map((src) => {
    const body = readFileSync(join(dir, src.replace(/^\.?\//, '')));
    return { file: src, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  return { files, gzipTotal: files.reduce((sum, f) => sum + f.gzip, 0) };
}

if (require.main === module) {
  const dir = resolve(process.argv[2] ?? 'dist/console');
  const { files, gzipTotal } = firstLoadJs(dir);
  for (const f of files) console.log(`${f.file}: ${(f.raw / 1024).toFixed(1)} KB, ${(f.gzip / 1024).toFixed(1)} KB gzip`);
  console.log(`first-load JS: ${(gzipTotal / 1024).toFixed(1)} KB gzip (budget ${FIRST_LOAD_BUDGET_BYTES / 1024} KB)`);
  if (gzipTotal > FIRST_LOAD_BUDGET_BYTES) {
    console.error('over budget');
    process.exit(1);
  }
}
