/**
 * Benchmark: GET /v1/authz/forward (what a gateway calls on every request) and the gateway path through the
 * real nginx. Two comparisons, each measured in the same run:
 *
 *   1. forward-auth as a server: the product (standalone, SQLite, seeded organizations) answering
 *      forward-auth for organization-scoped user tokens, against a bare Fastify handler answering the same
 *      shape (200 + identity headers) with fixed values. Same method as bench/authz-check.bench.ts: each
 *      server in its own child process, the client (autocannon) in this one. The product runs twice: with
 *      its default settings (LOG_LEVEL unset, so `info`) and with LOG_LEVEL=error. Its stdout is a pipe this
 *      process drains, as under a container runtime.
 *   2. nginx + auth_request + upstream against nginx proxying the same upstream without auth_request: the
 *      deploy/gateway template rendered with the product as the organization service and a small Node
 *      upstream for app-packaging, requests to /v1/organizations/{id}/apps. Same client, one run.
 *
 *   npm run bench:forward-auth
 *   Environment: BENCH_ORGS=2000 BENCH_MEMBERS_PER_ORG=10 BENCH_DURATION=10 BENCH_WARMUP=2 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3
 *                BENCH_NGINX_PORT=58095 (and +1)  BENCH_UPSTREAM_PORT=58180
 *
 *   BENCH_PROFILE=1: instead, one window of the product with its default settings under the V8 CPU profiler
 *   (started and stopped in the product's child around the window only), then the profile's summary
 *   (bench/cpu-profile.ts)
 *
 * Prints figures and ratios; asserts no timings. Needs nginx (/usr/sbin/nginx or NGINX_BIN) for part 2.
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '@lib/contracts';
import { NewEvent, SqliteEventStore } from '@lib/eventstore';
import { sortableId } from '@lib/platform';
import { OrganizationEvent, organizationStream } from '../apps/organization/src/organizations/organization.events';
import { mainConf, renderGateway } from '../test/deploy/support/gateway-nginx';
import { startNginx } from '../test/support/real-nginx';
import { summarizeCpuProfile } from './cpu-profile';

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface Result {
  requests: Histogram & { total: number };
  latency: Histogram;
  errors: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
  /** set by alternate(): the server process's CPU µs per request in this window */
  cpuUsPerRequest?: number;
}
interface Request {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  setupRequest?: (req: Request) => Request;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<Result>;

const env = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const ORGS = env('BENCH_ORGS', 2000);
const MEMBERS_PER_ORG = env('BENCH_MEMBERS_PER_ORG', 10);
const DURATION = env('BENCH_DURATION', 10);
const WARMUP = env('BENCH_WARMUP', 2);
const CONNECTIONS = env('BENCH_CONNECTIONS', 50);
const ROUNDS = env('BENCH_ROUNDS', 3);
const NGINX_PORT = env('BENCH_NGINX_PORT', 58095);
const UPSTREAM_PORT = env('BENCH_UPSTREAM_PORT', 58180);
const PATH = '/v1/authz/forward';
const log = (msg: string) => process.stderr.write(`[forward-auth-bench] ${msg}\n`);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

interface Probe {
  token: string;
  uri: string;
  /** the status the product must answer */
  status: number;
}

// ------------------------------------------------------------------------------------------------ children
type ChildMessage = { type: 'ready'; port: number; probes?: Probe[] } | { type: 'error'; message: string };

async function serveProduct() {
  const { createStandalone } = await import('../apps/standalone/src/standalone');
  const childEnv: NodeJS.ProcessEnv = { DATA_DIR: process.env.BENCH_DATA_DIR!, OPERATOR_TOKEN: process.env.BENCH_OPERATOR_TOKEN! };
  if (process.env.BENCH_LOG_LEVEL) childEnv.LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
  const s = await createStandalone(childEnv, { logger: false });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  // the seeded log is new to the relays and projections: let them catch up so the window measures requests
  for (let stable = 0; stable < 3; ) {
    const caught = (await s.organization.relay.lag()) === 0 && (await s.identity.relay.lag()) === 0;
    stable = caught ? stable + 1 : 0;
    await new Promise((r) => setTimeout(r, 200));
  }
  // tokens as identity mints them after POST /v1/sessions/organization, for seeded members
  const seeded = JSON.parse(readFileSync(join(process.env.BENCH_DATA_DIR!, 'seeded.json'), 'utf8')) as { id: string; members: { userId: string; role: Role }[] }[];
  const { SigningKeys } = await import('../apps/identity/src/keys/signing-keys');
  const keys = s.identity.get(SigningKeys);
  const probes: Probe[] = [];
  for (let i = 0; i < 2000; i++) {
    const org = pick(seeded);
    // about 10 % denials: Agents asking for members.read (which every other role has), or audit.read by non-Admins
    const deny = Math.random() < 0.1;
    const candidates = org.members.filter((x) => (deny ? x.role === 'Agent' : x.role !== 'Agent'));
    const m = candidates.length > 0 ? pick(candidates) : org.members[0];
    const audit = deny && m.role !== 'Agent';
    const allowed = audit ? m.role === 'Admin' : m.role !== 'Agent';
    const claims = { email: `${m.userId}@bench.example`, org: org.id, region: 'us' };
    const token = await keys.sign(claims, m.userId, 3600, randomUUID());
    probes.push({ token, uri: `/v1/organizations/${org.id}/${audit ? 'audit' : 'members'}`, status: allowed ? 200 : 403 });
  }
  const address = s.app.getHttpServer().address();
  process.send!({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0, probes } satisfies ChildMessage);
  const { Session } = await import('node:inspector');
  const session = new Session();
  let profileFile = '';
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  process.on('message', (m: { type: string; file?: string }) => {
    if (m.type === 'stop') void s.app.close().then(() => process.exit(0));
    if (m.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() });
    if (m.type === 'profile-start') {
      // only the measured window: not the start-up (ts-node compiling) or the catch-up of the seeded log
      session.connect();
      profileFile = m.file!;
      void post('Profiler.enable')
        .then(() => post('Profiler.start'))
        .then(() => process.send!({ type: 'profiling' }));
    }
    if (m.type === 'profile-stop') {
      void post('Profiler.stop').then((result) => {
        writeFileSync(profileFile, JSON.stringify((result as { profile: unknown }).profile));
        process.send!({ type: 'profiled' });
      });
    }
  });
}

async function serveBare() {
  const Fastify = (await import('fastify')).default;
  const app = Fastify({ logger: false });
  const headers = { 'x-user-id': 'usr-01jq7m3k9x2v5w8z4c6n1b0hya', 'x-organization-id': 'org-us-01jq7m3k9x2v5w8z4c6n1b0hya', 'x-role': 'Developer', 'x-region': 'us' };
  app.get(PATH, async (_req, reply) => reply.headers(headers).send(''));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.send!({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 } satisfies ChildMessage);
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop') void app.close().then(() => process.exit(0));
    if (m.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() });
  });
}

// ------------------------------------------------------------------------------------------------ parent
async function seed(dataDir: string) {
  const store = new SqliteEventStore({ filename: join(dataDir, 'organization', 'events.sqlite') });
  const orgs: { id: string; members: { userId: string; role: Role }[] }[] = [];
  const metadata = { at: new Date().toISOString(), actor: 'operator' };
  for (let i = 0; i < ORGS; i++) {
    const id = `org-us-${sortableId()}`;
    const members = Array.from({ length: MEMBERS_PER_ORG }, (_, k) => ({
      userId: `usr-${sortableId()}`,
      role: (k === 0 ? 'Admin' : pick(['Admin', 'Developer', 'Developer', 'Agent'])) as Role,
    }));
    const events: OrganizationEvent[] = [
      { type: 'OrganizationProvisioned', data: { organizationId: id, name: `Bench ${i}`, region: 'us' } },
      ...members.map((m): OrganizationEvent => ({ type: 'MemberAdded', data: { organizationId: id, userId: m.userId, email: `${m.userId}@bench.example`, role: m.role, via: 'invitation' } })),
    ];
    await store.append(organizationStream(id), events.map((e): NewEvent => ({ type: e.type, data: e.data, metadata })), { expectedRevision: 'no_stream' });
    orgs.push({ id, members });
  }
  await store.close();
  return orgs;
}

function startChild(mode: 'product' | 'bare', childEnv: Record<string, string>): Promise<{ child: ChildProcess; port: number; probes?: Probe[] }> {
  // the product's own default unless a run sets BENCH_LOG_LEVEL
  const { LOG_LEVEL: _ignored, ...inherited } = process.env;
  const child = fork(__filename, [`--serve-${mode}`], {
    env: { ...inherited, ...childEnv },
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout!.resume(); // the log pipe, drained
  return new Promise((resolve, reject) => {
    child.once('message', (m: ChildMessage) => (m.type === 'ready' ? resolve({ child, port: m.port, probes: m.probes }) : reject(new Error(m.message))));
    child.once('exit', (code) => reject(new Error(`${mode} exited with ${code}`)));
  });
}

async function stopChild(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** `seconds` of load, or with `amount`, exactly that many requests (every probe once: a token's first use) */
function load(port: number, probes: Probe[], seconds: number, forward: boolean, amount?: number): Promise<Result> {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    pipelining: 1,
    ...(amount ? { amount } : { duration: seconds }),
    requests: [
      {
        method: 'GET',
        setupRequest: (req: Request) => {
          const p = probes[next++ % probes.length];
          const headers = { authorization: `Bearer ${p.token}` };
          return forward
            ? { ...req, path: PATH, headers: { ...headers, 'x-original-method': 'GET', 'x-original-uri': p.uri } }
            : { ...req, path: `${p.uri.replace(/\/(members|audit)$/, '')}/apps`, headers };
        },
      },
    ],
  });
}

/** a few probes checked against the seeded roles, so a run of 401s or 500s cannot pass for a fast one */
async function sanity(port: number, probes: Probe[]) {
  for (const p of probes.slice(0, 50)) {
    const res = await fetch(`http://127.0.0.1:${port}${PATH}`, { headers: { authorization: `Bearer ${p.token}`, 'x-original-method': 'GET', 'x-original-uri': p.uri } });
    if (res.status !== p.status) throw new Error(`sanity: ${p.uri} answered ${res.status}, expected ${p.status}`);
  }
}

const row = (name: string, r: Result) =>
  `${name.padEnd(44)} ${Math.round(r.requests.average).toString().padStart(7)} req/s   p50 ${r.latency.p50.toFixed(1).padStart(5)} ms   p99 ${r.latency.p99
    .toFixed(1)
    .padStart(5)} ms   codes ${JSON.stringify(Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])))} errors ${r.errors}`;

/** one warm-up per server, then ROUNDS rounds of one window per server, the order rotating each round */
/** the server child's CPU time (user + system, µs) so far */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: { type: string; usage?: NodeJS.CpuUsage }) => {
      if (m.type !== 'cpu') return;
      child.off('message', on);
      resolve(m.usage!.user + m.usage!.system);
    };
    child.on('message', on);
    child.send({ type: 'cpu' });
  });
}

async function alternate(servers: { name: string; port: number; probes: Probe[]; child?: ChildProcess }[], forward: boolean) {
  // every token once first: a gateway's client sends its token for its whole lifetime (15 min), so in steady
  // state almost every check is of a token seen before; the windows then measure that, not 2,000 first uses
  for (const x of servers) await load(x.port, x.probes, 0, forward, x.probes.length);
  for (const x of servers) await load(x.port, x.probes, WARMUP, forward);
  const rounds: Record<string, Result>[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const round: Record<string, Result> = {};
    for (let k = 0; k < servers.length; k++) {
      const x = servers[(i + k) % servers.length];
      const cpuBefore = x.child ? await cpuOf(x.child) : 0;
      round[x.name] = await load(x.port, x.probes, DURATION, forward);
      // CPU time per answered request in the server's own process: what the load on the machine changes least
      if (x.child) round[x.name].cpuUsPerRequest = ((await cpuOf(x.child)) - cpuBefore) / Math.max(1, round[x.name].requests.total);
      log(`round ${i + 1}/${ROUNDS} ${row(x.name, round[x.name])}${x.child ? `   CPU ${round[x.name].cpuUsPerRequest!.toFixed(0)} us/req` : ''}`);
    }
    rounds.push(round);
  }
  return rounds;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** medians over the rounds: rate, p50, p99, and the ratio to the baseline's window of the same round */
function summary(names: string[], rounds: Record<string, Result>[], baseline: string) {
  return names.map((name) => {
    const rate = median(rounds.map((r) => r[name].requests.average));
    const p50 = median(rounds.map((r) => r[name].latency.p50));
    const p99 = median(rounds.map((r) => r[name].latency.p99));
    const ratios = rounds.map((r) => r[name].requests.average / r[baseline].requests.average);
    const codes: Record<string, number> = {};
    for (const r of rounds) for (const [k, v] of Object.entries(r[name].statusCodeStats ?? {})) codes[k] = (codes[k] ?? 0) + v.count;
    const errors = rounds.reduce((n, r) => n + r[name].errors, 0);
    const cpu = rounds.every((r) => r[name].cpuUsPerRequest !== undefined) ? median(rounds.map((r) => r[name].cpuUsPerRequest!)) : undefined;
    const cpuRatio = cpu !== undefined && rounds.every((r) => r[baseline].cpuUsPerRequest !== undefined) ? median(rounds.map((r) => r[baseline].cpuUsPerRequest!)) / cpu : undefined;
    const cpuText = cpu === undefined ? '' : `   CPU ${cpu.toFixed(0)} us/req (bare's / this: ${cpuRatio!.toFixed(2)})`;
    return `  ${name.padEnd(44)} ${Math.round(rate).toString().padStart(7)} req/s   p50 ${p50.toFixed(1).padStart(5)} ms   p99 ${p99.toFixed(1).padStart(6)} ms   ratio ${median(ratios).toFixed(2)} (rounds ${ratios.map((x) => x.toFixed(2)).join(' ')})${cpuText}   codes ${JSON.stringify(codes)} errors ${errors}`;
  });
}

async function main() {
  const dataDirs: string[] = [];
  const seededDir = mkdtempSync(join(tmpdir(), 'ocp-fwd-bench-'));
  log(`seeding ${ORGS} organizations x ${MEMBERS_PER_ORG} members`);
  const orgs = await seed(seededDir);
  writeFileSync(join(seededDir, 'seeded.json'), JSON.stringify(orgs.slice(0, 500)));
  const common = { BENCH_OPERATOR_TOKEN: `op_${randomBytes(24).toString('hex')}` };
  const productEnv = (level?: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'ocp-fwd-bench-'));
    dataDirs.push(dir);
    rmSync(dir, { recursive: true });
    cpSync(seededDir, dir, { recursive: true });
    return { ...common, BENCH_DATA_DIR: dir, ...(level ? { BENCH_LOG_LEVEL: level } : {}) };
  };
  const lines: string[] = [];
  if (process.env.BENCH_PROFILE === '1') {
    const file = join(mkdtempSync(join(tmpdir(), 'ocp-fwd-prof-')), 'forward-auth.cpuprofile');
    const product = await startChild('product', productEnv());
    await sanity(product.port, product.probes!);
    await load(product.port, product.probes!, WARMUP, true);
    const next = () => new Promise((r) => product.child.once('message', r));
    const started = next();
    product.child.send({ type: 'profile-start', file });
    await started;
    const r = await load(product.port, product.probes!, DURATION, true);
    const written = next();
    product.child.send({ type: 'profile-stop' });
    await written;
    await stopChild(product.child);
    console.log(`${row('product, default settings, profiled', r)}\nprofile: ${file}`);
    console.log(summarizeCpuProfile(file, { top: 30, perRequests: r.requests.total }));
    for (const d of [seededDir, ...dataDirs]) rmSync(d, { recursive: true, force: true });
    return;
  }
  try {
    // ---------------------------------------------------------------- 1. forward-auth vs bare Fastify
    // all three servers up at once, measured in alternating windows (ROUNDS rounds, the order rotating), so
    // that on a shared machine each gets the same mix of quiet and busy moments; the ratio is the median of
    // the rounds' ratios (each taken against the bare window of the same round)
    const bare = await startChild('bare', {});
    // each product signs its own tokens (its own identity key): every server is asked with the probes of its own
    const servers: { name: string; port: number; child: ChildProcess; probes: Probe[] }[] = [];
    for (const [name, level] of [['product, default settings (LOG_LEVEL unset)', undefined], ['product, LOG_LEVEL=error', 'error']] as const) {
      const product = await startChild('product', productEnv(level));
      await sanity(product.port, product.probes!);
      servers.push({ name, port: product.port, child: product.child, probes: product.probes! });
    }
    const probes = servers[0].probes;
    servers.push({ name: 'bare Fastify, same answer', port: bare.port, child: bare.child, probes });
    const rounds = await alternate(servers, true);
    lines.push(`forward-auth as a server (GET /v1/authz/forward, organization routes, scoped user tokens, about 10 % denied), ${CONNECTIONS} connections:`);
    lines.push(...summary(servers.map((x) => x.name), rounds, 'bare Fastify, same answer'));
    for (const x of servers.slice(1)) await stopChild(x.child);

    // ---------------------------------------------------------------- 2. through the real nginx
    const product = servers[0];
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"items":[]}');
    });
    await new Promise<void>((r) => upstream.listen(UPSTREAM_PORT, '127.0.0.1', () => r()));
    const prefix = mkdtempSync(join(tmpdir(), 'ocp-fwd-nginx-'));
    chmodSync(prefix, 0o755);
    const target = (name: string) => (name.endsWith('-app-packaging') ? `127.0.0.1:${UPSTREAM_PORT}` : `127.0.0.1:${product.port}`);
    const withAuth = renderGateway('us', NGINX_PORT, target);
    // the same gateway without the auth_request lines: nginx proxying the same upstream
    const withoutAuth = renderGateway('us', NGINX_PORT + 1, target)
      .split('\n')
      .filter((l) => !/^\s*(auth_request|auth_request_set|error_page 40[13])\b/.test(l))
      .join('\n');
    const gateways = [
      await startNginx(mainConf(withAuth, join(prefix, 'auth'), { accessLog: false }), { prefix: join(prefix, 'auth') }),
      await startNginx(mainConf(withoutAuth, join(prefix, 'plain'), { accessLog: false }), { prefix: join(prefix, 'plain') }),
    ];
    const allowed = probes.filter((p) => p.uri.endsWith('/members') && p.status === 200);
    const check = await fetch(`http://127.0.0.1:${NGINX_PORT}${allowed[0].uri.replace(/\/members$/, '/apps')}`, { headers: { authorization: `Bearer ${allowed[0].token}` } });
    if (check.status !== 200) throw new Error(`nginx sanity: ${check.status}`);
    const names = ['nginx + auth_request + upstream', 'nginx proxy, no auth_request'];
    const nginxRounds = await alternate(
      [
        { name: names[0], port: NGINX_PORT, probes: allowed },
        { name: names[1], port: NGINX_PORT + 1, probes: allowed },
      ],
      false,
    );
    for (const g of gateways) await g.stop();
    await new Promise((r) => upstream.close(r));
    await stopChild(product.child);
    rmSync(prefix, { recursive: true, force: true });
    lines.push(`through the real nginx (GET /v1/organizations/{id}/apps, allowed tokens, Node upstream), ${CONNECTIONS} connections:`);
    lines.push(...summary(names, nginxRounds, names[1]));
  } finally {
    for (const d of [seededDir, ...dataDirs]) rmSync(d, { recursive: true, force: true });
  }
  console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s windows (alternating) after ${WARMUP} s warm-up`);
  for (const l of lines) console.log(l);
}

const mode = process.argv[2];
if (mode === '--serve-product') serveProduct().catch((e) => process.send!({ type: 'error', message: String(e?.stack ?? e) }));
else if (mode === '--serve-bare') serveBare().catch((e) => process.send!({ type: 'error', message: String(e?.stack ?? e) }));
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
