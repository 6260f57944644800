/**
 * Benchmark: exporting and importing app packages of 1, 10 and 50 MB (time and peak memory), against `zip`
 * and `unzip` of the same files.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/packages.bench.ts
 *
 * For each size this process writes an app to a temp directory: definition.json (JSON, ~3% of the size),
 * assets/i18n/*.json (JSON, ~7%) and assets/media/*.bin (random, incompressible bytes, the rest, files of at
 * most 1 MB). "MB" is 1,000,000 bytes throughout (the default PACKAGE_LIMITS.maxBytes is 50 MiB, so a
 * "50 MB" package of mostly random bytes still fits). Then, each operation in its OWN child process so that
 * its peak RSS is its own:
 *
 *   export  (child)  definition + assets already in memory (as buildPackage's input would be); then
 *                    buildPackageStream(input) piped into storage.put(key, stream) of createObjectStorage({
 *                    OBJECT_STORAGE: 'filesystem', dataDir }) (the product's adapter, fsync on), as
 *                    AppsService.export does (node:zlib deflate level 6; entries that do not compress stored,
 *                    or with BENCH_METHOD=deflate every entry deflated, as zip(1) does);
 *   import  (child)  storage.get(key) spooled to a temp file (spoolUpload: counted, sha256) + readPackage({ path },
 *                    DEFAULT_PACKAGE_LIMITS, { assets: 'verify' }) (every check: scan, header sizes, manifest
 *                    schema, each entry inflated with node:zlib, CRC/sha256), as AppImportService.import does
 *                    (appending the events is not measured);
 *   zip     (here)   `zip -q -r out.zip definition.json assets` in the app directory (deflate level 6 of every
 *                    file; a file that came out larger is then stored);
 *   unzip   (here)   `unzip -q -o out.zip -d <empty dir>`.
 *
 * The children are `node --expose-gc -r ts-node/register/transpile-only -r tsconfig-paths/register
 * bench/packages.bench.ts --child export|import <MB>`. Each loads its modules, its input and runs a tiny
 * warm-up package through the same code, then gc()s until its RSS stops falling (V8 releases freed buffers
 * asynchronously). Just before the operation it resets the kernel's RSS high-water mark (writes 5 to
 * /proc/self/clear_refs) and takes its baseline, process.memoryUsage().rss; after the operation it reads
 * process.resourceUsage().maxRSS: peak growth = maxRSS - baseline. Without the reset maxRSS
 * would be the higher of the operation's peak and the start-up peak (ts-node compiling), and a spawned
 * process's maxRSS also starts from its parent's RSS at fork time (Linux copies it at exec); the child is
 * therefore started through /usr/bin/time (a small process that forks again), which also reports its %M. If
 * the reset is refused the child says so and the figure is an upper bound.
 *
 * zip / unzip: timed with process.hrtime around execFileSync, peak RSS from `/usr/bin/time -f %M` (the
 * whole process's peak: zip and unzip start at 1-3 MB). Without /usr/bin/time their peak is not reported
 * (Node 20's spawnSync gives no rusage of the child).
 *
 * Environment: BENCH_METHOD=auto|deflate (export, see above)  BENCH_SIZES=1,10,50 (MB)  BENCH_RUNS=3 (figures are the median of the runs, each run a fresh
 * child)  BENCH_KEEP=1 keeps the temp directory. Prints figures measured in this run; never asserts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const MB = 1_000_000;
/** issue 12: peak RSS growth at most 1x the package, for export and for import */
const GOAL_MULTIPLE = 1;
const ROOT = resolve(__dirname, '..');
const SELF = relative(ROOT, __filename);
const KEY = (size: number) => `exports/org-eu-bench/exp-bench-${size}mb.zip`;
const log = (msg: string) => process.stderr.write(`[packages-bench] ${msg}\n`);

// ---------------------------------------------------------------------------------------------------------
// the app on disk

const WORDS = 'app page form field button label title submit cancel save customer order invoice total status open closed pending review approve reject name email phone address city country notes'.split(' ');
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];
const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

/** plausible app JSON of about `bytes` bytes once stringified (compresses ~4-6x, like real definitions) */
function jsonOfSize(bytes: number, kind: 'definition' | 'strings'): unknown {
  const items: unknown[] = [];
  let length = 64;
  for (let i = 0; length < bytes; i++) {
    const item =
      kind === 'definition'
        ? {
            id: `cmp-${i.toString(36)}-${randomBytes(4).toString('hex')}`,
            type: pick(['text', 'number', 'date', 'select', 'table', 'button', 'chart']),
            label: sentence(3),
            bind: `$.data.${pick(WORDS)}[${i % 50}].${pick(WORDS)}`,
            visible: { when: `${pick(WORDS)} == '${pick(WORDS)}'` },
            props: { width: 40 + (i % 300), required: i % 3 === 0, help: sentence(8) },
          }
        : { key: `${pick(WORDS)}.${pick(WORDS)}.${i}`, text: sentence(6 + (i % 10)) };
    length += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return kind === 'definition' ? { schema: 3, name: 'Bench app', pages: [{ id: 'main', components: items }] } : { locale: 'xx', strings: items };
}

interface AppOnDisk {
  dir: string;
  files: string[];
  bytes: number;
}

/** writes the app of `size` MB under `dir`; never holds more than 1 MB of random bytes */
function writeApp(dir: string, size: number): AppOnDisk {
  const total = size * MB;
  mkdirSync(join(dir, 'assets', 'i18n'), { recursive: true });
  mkdirSync(join(dir, 'assets', 'media'), { recursive: true });
  const files: string[] = [];
  let written = 0;
  const put = (path: string, data: Buffer | string) => {
    writeFileSync(join(dir, path), data);
    files.push(path);
    written += Buffer.byteLength(data);
  };
  put('definition.json', JSON.stringify(jsonOfSize(Math.min(Math.round(total * 0.03), 4 * MB), 'definition')));
  const stringsFiles = Math.max(1, Math.min(5, size));
  for (let i = 0; i < stringsFiles; i++) put(`assets/i18n/lang-${i}.json`, JSON.stringify(jsonOfSize(Math.round((total * 0.07) / stringsFiles), 'strings')));
  for (let i = 0; written < total; i++) put(`assets/media/blob-${String(i).padStart(3, '0')}.bin`, randomBytes(Math.min(MB, total - written)));
  return { dir, files, bytes: written };
}

// ---------------------------------------------------------------------------------------------------------
// child: one operation, measured from inside

interface ChildResult {
  op: 'export' | 'import';
  size: number;
  ms: number;
  /** bytes */
  baselineRss: number;
  /** resourceUsage().maxRSS before the reset, i.e. the start-up peak (bytes) */
  startupMaxRss: number;
  /** resourceUsage().maxRSS after the operation (bytes) */
  maxRss: number;
  peakGrowth: number;
  hwmReset: boolean;
  packageBytes: number;
  contentBytes: number;
}

function resetHighWaterMark(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function child(op: string, size: number): Promise<void> {
  const work = process.env.BENCH_WORKDIR;
  if (!work) throw new Error('BENCH_WORKDIR is not set');
  const { buildPackage, buildPackageStream, readPackage, DEFAULT_PACKAGE_LIMITS } = await import('../apps/app-packaging/src/packages/package-format');
  const { createObjectStorage } = await import('@lib/object-storage');
  const { spoolUpload } = await import('../apps/app-packaging/src/packages/package-upload');
  type BuildInput = Parameters<typeof buildPackage>[0];
  const storage = createObjectStorage({ OBJECT_STORAGE: 'filesystem', dataDir: join(work, 'data') });
  const manifest: BuildInput['manifest'] = {
    app: { name: `Bench app ${size} MB`, version: 7 },
    exportedAt: new Date().toISOString(),
    exportedBy: 'usr-bench',
    source: { organizationId: 'org-eu-bench', organizationName: 'Bench Org', region: 'eu' },
    requirements: [
      { slot: 'orders', kind: 'database', hint: { name: 'Orders DB', kind: 'database' } },
      { slot: 'mail', kind: 'smtp' },
    ],
  };

  // warm-up through the same code (lazy module state, JIT of the first calls), then the input
  const tiny = await buildPackage({ manifest, definition: { warm: true }, assets: [{ path: 'assets/w.bin', content: randomBytes(4096) }] });
  await storage.put('warmup/w.zip', tiny, { contentType: 'application/zip', size: tiny.length });
  const warm = await spoolUpload(await storage.get('warmup/w.zip'), DEFAULT_PACKAGE_LIMITS.maxBytes, join(work, 'uploads'));
  await readPackage({ path: warm.path }, { ...DEFAULT_PACKAGE_LIMITS }, { assets: 'verify' });
  await warm.dispose();
  await storage.delete('warmup/w.zip');

  let input: BuildInput | undefined;
  let contentBytes = 0;
  if (op === 'export') {
    const dir = join(work, `app-${size}mb`);
    const definitionText = readFileSync(join(dir, 'definition.json'), 'utf8');
    const assets = readdirSync(join(dir, 'assets'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
      .sort()
      .map((file) => ({ path: relative(dir, file).split('\\').join('/'), content: readFileSync(file) }));
    input = { manifest, definition: JSON.parse(definitionText), assets };
    contentBytes = Buffer.byteLength(definitionText) + assets.reduce((sum, asset) => sum + asset.content.length, 0);
  }

  // settle: gc, and let V8 release freed buffers (done after the gc, asynchronously) until RSS stops falling
  for (let i = 0, last = Infinity; i < 20; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 100));
    const rss = process.memoryUsage().rss;
    if (last - rss < 256 * 1024) break;
    last = rss;
  }
  const startupMaxRss = process.resourceUsage().maxRSS * 1024;
  const hwmReset = resetHighWaterMark();
  const baselineRss = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  let packageBytes: number;
  let keep: unknown;
  if (op === 'export') {
    // as AppsService.export: the ZIP is streamed into storage, never held whole
    const method = process.env.BENCH_METHOD === 'deflate' ? 'deflate' : 'auto';
    const stored = await storage.put(KEY(size), buildPackageStream(input!, DEFAULT_PACKAGE_LIMITS, { method }), { contentType: 'application/zip' });
    packageBytes = stored.size;
    keep = stored;
  } else {
    // as AppImportService.import: the upload (here the stored object's stream) spooled to a temp file, counted
    // and hashed; then read from the file by random access, assets verified (inflated, counted, CRC and sha256
    // checked) and dropped
    const upload = await spoolUpload(await storage.get(KEY(size)), DEFAULT_PACKAGE_LIMITS.maxBytes, join(work, 'uploads'));
    const pkg = await readPackage({ path: upload.path }, { ...DEFAULT_PACKAGE_LIMITS }, { assets: 'verify' });
    const packageSha256 = upload.sha256;
    packageBytes = upload.size;
    await upload.dispose();
    contentBytes = Buffer.byteLength(JSON.stringify(pkg.definition)) + pkg.manifest.files.reduce((sum, file) => sum + (file.path === 'definition.json' ? 0 : file.size), 0);
    keep = [pkg, packageSha256];
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  void keep;
  await storage.close();
  const result: ChildResult = {
    op: op as ChildResult['op'],
    size,
    ms,
    baselineRss,
    startupMaxRss,
    maxRss,
    peakGrowth: maxRss - baselineRss,
    hwmReset,
    packageBytes,
    contentBytes,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// parent

function hasGnuTime(): boolean {
  if (!existsSync('/usr/bin/time')) return false;
  const probe = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+\s*$/m.test(probe.stderr);
}

/** runs `cmd args` (through /usr/bin/time when available); wall time around execFileSync and the peak RSS */
function timed(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }, gnuTime: boolean, rssFile: string) {
  const [file, argv] = gnuTime ? ['/usr/bin/time', ['-o', rssFile, '-f', '%M', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const stdout = execFileSync(file, argv, { ...options, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MB });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const peak = gnuTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) * 1024 : NaN;
  return { ms, peak, stdout };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (bytes: number) => (bytes / MB).toFixed(1);

interface Row {
  size: number;
  contentBytes: number;
  packageBytes: number;
  zipBytes: number;
  export: { ms: number; growth: number; baseline: number };
  import: { ms: number; growth: number; baseline: number };
  zip: { ms: number; peak: number };
  unzip: { ms: number; peak: number };
  hwmReset: boolean;
}

async function parent(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number).filter((n) => n > 0);
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 3);
  const gnuTime = hasGnuTime();
  const work = mkdtempSync(join(tmpdir(), 'pkg-bench-'));
  const rssFile = join(work, 'time.out');
  log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}; sizes ${sizes.join(', ')} MB; ${runs} run(s) each; work dir ${work}`);
  log(gnuTime ? 'peak RSS of zip/unzip and the children via /usr/bin/time -f %M' : '/usr/bin/time not found: zip/unzip peak RSS not reported');

  const runChild = (op: 'export' | 'import', size: number): ChildResult => {
    const node = [process.execPath, '--expose-gc', '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', SELF, '--child', op, String(size)];
    const { stdout } = timed(node[0], node.slice(1), { cwd: ROOT, env: { ...process.env, BENCH_WORKDIR: work } }, gnuTime, rssFile);
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) throw new Error(`child ${op} ${size} printed no result:\n${stdout}`);
    return JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult;
  };

  const rows: Row[] = [];
  try {
    for (const size of sizes) {
      const app = writeApp(join(work, `app-${size}mb`), size);
      log(`${size} MB: ${app.files.length} files, ${app.bytes} bytes`);
      const exports: ChildResult[] = [];
      const imports: ChildResult[] = [];
      const zips: { ms: number; peak: number }[] = [];
      const unzips: { ms: number; peak: number }[] = [];
      const zipFile = join(work, `zip-${size}mb.zip`);
      const outDir = join(work, `unzip-${size}mb`);
      for (let run = 0; run < runs; run++) {
        exports.push(runChild('export', size));
        imports.push(runChild('import', size));
        rmSync(zipFile, { force: true });
        zips.push(timed('zip', ['-q', '-r', zipFile, 'definition.json', 'assets'], { cwd: app.dir }, gnuTime, rssFile));
        rmSync(outDir, { recursive: true, force: true });
        mkdirSync(outDir);
        unzips.push(timed('unzip', ['-q', '-o', zipFile, '-d', outDir], {}, gnuTime, rssFile));
        const e = exports[run];
        const i = imports[run];
        log(
          `${size} MB run ${run + 1}: export ${e.ms.toFixed(0)} ms +${mb(e.peakGrowth)} MB | import ${i.ms.toFixed(0)} ms +${mb(i.peakGrowth)} MB | ` +
            `zip ${zips[run].ms.toFixed(0)} ms ${mb(zips[run].peak)} MB | unzip ${unzips[run].ms.toFixed(0)} ms ${mb(unzips[run].peak)} MB`,
        );
        if (i.contentBytes !== e.contentBytes) throw new Error(`import read back ${i.contentBytes} content bytes, export wrote ${e.contentBytes}`);
      }
      rows.push({
        size,
        contentBytes: app.bytes,
        packageBytes: exports[0].packageBytes,
        zipBytes: statSync(zipFile).size,
        export: { ms: median(exports.map((r) => r.ms)), growth: median(exports.map((r) => r.peakGrowth)), baseline: median(exports.map((r) => r.baselineRss)) },
        import: { ms: median(imports.map((r) => r.ms)), growth: median(imports.map((r) => r.peakGrowth)), baseline: median(imports.map((r) => r.baselineRss)) },
        zip: { ms: median(zips.map((r) => r.ms)), peak: median(zips.map((r) => r.peak)) },
        unzip: { ms: median(unzips.map((r) => r.ms)), peak: median(unzips.map((r) => r.peak)) },
        hwmReset: [...exports, ...imports].every((r) => r.hwmReset),
      });
      rmSync(outDir, { recursive: true, force: true });
    }
  } finally {
    if (process.env.BENCH_KEEP === '1') log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }

  const x = (growth: number, pkg: number) => `${(growth / pkg).toFixed(2)}x`;
  const verdict = (growth: number, pkg: number) => (growth <= GOAL_MULTIPLE * pkg ? 'yes' : 'NO');
  const lines = [
    `Goal: peak RSS growth of an export or an import at most ${GOAL_MULTIPLE}x the package size, time within 2x of zip/unzip. MB = 10^6 bytes; median of ${runs} run(s), each in a fresh process; export method ${process.env.BENCH_METHOD === 'deflate' ? 'deflate (every entry)' : 'auto (incompressible entries stored)'}.`,
    '',
    `| size | package | export ms | export peak growth | ≤ ${GOAL_MULTIPLE}x | zip ms | export/zip | import ms | import peak growth | ≤ ${GOAL_MULTIPLE}x | unzip ms | import/unzip | zip / unzip peak RSS |`,
    '|---:|---:|---:|---:|:-:|---:|---:|---:|---:|:-:|---:|---:|---:|',
    ...rows.map((r) =>
      [
        `${r.size} MB`,
        `${mb(r.packageBytes)} MB`,
        r.export.ms.toFixed(0),
        `${mb(r.export.growth)} MB (${x(r.export.growth, r.packageBytes)})`,
        verdict(r.export.growth, r.packageBytes),
        r.zip.ms.toFixed(0),
        `${(r.export.ms / r.zip.ms).toFixed(1)}x`,
        r.import.ms.toFixed(0),
        `${mb(r.import.growth)} MB (${x(r.import.growth, r.packageBytes)})`,
        verdict(r.import.growth, r.packageBytes),
        r.unzip.ms.toFixed(0),
        `${(r.import.ms / r.unzip.ms).toFixed(1)}x`,
        gnuTime ? `${mb(r.zip.peak)} / ${mb(r.unzip.peak)} MB` : 'n/a',
      ].join(' | ').replace(/^/, '| ').replace(/$/, ' |'),
    ),
    '',
    ...rows.map(
      (r) =>
        `${r.size} MB: content ${mb(r.contentBytes)} MB, product package ${r.packageBytes} bytes, zip(1) archive ${r.zipBytes} bytes; ` +
        `child baseline RSS export ${mb(r.export.baseline)} MB (input in memory), import ${mb(r.import.baseline)} MB` +
        (r.hwmReset ? '' : '; RSS high-water mark NOT reset: growth is an upper bound'),
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const childAt = process.argv.indexOf('--child');
(childAt >= 0 ? child(process.argv[childAt + 1], Number(process.argv[childAt + 2])) : parent()).catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
