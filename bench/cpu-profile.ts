/**
 * Summary of a V8 .cpuprofile (as written by node --cpu-prof or the inspector Profiler): self time by
 * category (package, project folder, node core, GC, idle), the heaviest functions by self time, and the
 * heaviest frames by inclusive time. Used by the benchmarks with BENCH_PROFILE=1; also runnable alone:
 *
 *   npx ts-node --transpile-only bench/cpu-profile.ts some.cpuprofile [filter-substring]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = process.cwd();

export function categoryOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (idle) (garbage collector) (program) (root)
    return 'native (C++ / builtins)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `pkg ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    const mod = parts[0] === 'internal' ? parts.slice(1, parts.length > 2 ? 2 : 2).join('/') : parts[0];
    return `node:${mod.replace(/\.js$/, '')}`;
  }
  const path = url.replace(/^file:\/\//, '');
  const rel = path.startsWith(ROOT) ? path.slice(ROOT.length + 1) : path;
  const segs = rel.split('/');
  if (segs[0] === 'libs' || segs[0] === 'apps') return `project ${segs[0]}/${segs[1]}`;
  return `other ${rel}`;
}

function label(n: ProfileNode) {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '').replace(/.*node_modules\//, '');
  return `${f.functionName || '(anonymous)'} ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim();
}

export function summarizeCpuProfile(file: string, options: { top?: number; filter?: string; perRequests?: number } = {}): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const top = options.top ?? 25;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const per = options.perRequests;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms${per ? ` ${(us / per).toFixed(1).padStart(6)} us/req` : ''}`;

  const byCategory = new Map<string, number>();
  const bySelfLabel = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const cat = categoryOf(n.callFrame.url, n.callFrame.functionName);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
    const l = label(n);
    bySelfLabel.set(l, (bySelfLabel.get(l) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  const out: string[] = [];
  out.push(`\nprofile: ${(total / 1e6).toFixed(2)} s sampled${per ? `, ${per} requests` : ''}`);
  out.push('\nself time by category:');
  for (const [k, v] of sorted(byCategory).slice(0, top)) out.push(`  ${pct(v)} ${ms(v)}  ${k}`);
  out.push('\nheaviest functions by self time:');
  for (const [k, v] of sorted(bySelfLabel).slice(0, top)) out.push(`  ${pct(v)} ${ms(v)}  ${k}`);
  out.push('\nheaviest frames by inclusive time:');
  const incl = sorted(inclusive).filter(([k]) => !options.filter || k.includes(options.filter));
  for (const [k, v] of incl.slice(0, top * 2)) out.push(`  ${pct(v)} ${ms(v)}  ${k}`);
  return `${out.join('\n')}\n`;
}

if (require.main === module) {
  const [file, filter] = process.argv.slice(2);
  if (!file) {
    console.error('usage: cpu-profile.ts <file.cpuprofile> [filter]');
    process.exit(2);
  }
  process.stdout.write(summarizeCpuProfile(file, { filter, top: Number(process.env.TOP) || 25 }));
}
