/**
 * Benchmark: POST /v1/authz/check of the whole product (standalone: Nest + Fastify, SQLite event store,
 * in-process bus) against a bare Fastify 5 server answering the same JSON shape with a fixed object.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/authz-check.bench.ts
 *   (or npm run bench:authz)
 *
 * Each server runs in its own child process; the load generator (autocannon) runs in this process, so on a
 * 2-core machine the server and the client each get a core. Same client settings for both servers.
 *
 * Environment (all optional):
 *   BENCH_ORGS=10000  BENCH_MEMBERS_PER_ORG=10  BENCH_USERS=30000
 *   BENCH_DURATION=10 (s)  BENCH_WARMUP=2 (s)  BENCH_CONNECTIONS=50
 *   BENCH_ROUNDS=1    measured windows per server, alternating product / bare (the ratio is the median)
 *   BENCH_BARE_FASTIFY=nest  run the bare server on the fastify copy Nest uses (default: the project's own)
 *   BENCH_PROFILE=1   after the measured rounds, one more window per server with the V8 CPU profiler on;
 *                     prints self time by category, heaviest functions and frames (files kept in the OS temp dir)
 *
 * Prints figures and a ratio measured in the same run; never asserts timings.
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { PERMISSIONS } from '@lib/auth';
import { Role } from '@lib/contracts';
import { NewEvent, SqliteEventStore } from '@lib/eventstore';
import { sortableId } from '@lib/platform';
import { OrganizationEvent, organizationStream } from '../apps/organization/src/organizations/organization.events';
import { summarizeCpuProfile } from './cpu-profile';

// ---------------------------------------------------------------------------------------------------------
// autocannon has no bundled types: the few fields used here
interface AutocannonHistogram {
  average: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface AutocannonResult {
  requests: AutocannonHistogram & { total: number; sent: number };
  latency: AutocannonHistogram;
  throughput: AutocannonHistogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: Autocannon = require('autocannon');

// ---------------------------------------------------------------------------------------------------------
const env = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const ORGS = env('BENCH_ORGS', 10_000);
const MEMBERS_PER_ORG = env('BENCH_MEMBERS_PER_ORG', 10);
const USERS = env('BENCH_USERS', 30_000);
const DURATION = env('BENCH_DURATION', 10);
const WARMUP = env('BENCH_WARMUP', 2);
const CONNECTIONS = env('BENCH_CONNECTIONS', 50);
const PROFILE = process.env.BENCH_PROFILE === '1';
const ROUNDS = env('BENCH_ROUNDS', 1);
const GOAL = 0.5;
const PATH = '/v1/authz/check';

const log = (msg: string) => process.stderr.write(`[authz-bench] ${msg}\n`);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

// ---------------------------------------------------------------------------------------------------------
// child processes: the servers

type ParentMessage =
  | { type: 'stop' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; file: string }
  | { type: 'usage' }
  | { type: 'breakdown'; bodies: string[]; token: string };
interface BreakdownItem {
  name: string;
  /** CPU time of the process per call (user + system), so time given to other processes is not counted */
  cpuUs: number | null;
  wallUs: number;
}
type ChildMessage =
  | { type: 'ready'; port: number; startupMs: number; catchUpMs: number; fastify: string }
  | { type: 'profile-started' }
  | { type: 'profile-written'; file: string }
  | { type: 'usage'; cpuUs: number; wallMs: number; eluIdleMs: number; eluActiveMs: number; gcMs: number }
  | { type: 'breakdown'; items: BreakdownItem[] }
  | { type: 'error'; message: string };

function send(message: ChildMessage) {
  process.send?.(message);
}

/** CPU profiling of a chosen window only (node:inspector), driven by the parent */
function profilerControl() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const inspector = require('node:inspector') as typeof import('node:inspector');
  let session: import('node:inspector').Session | null = null;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session!.post(method, params ?? {}, (err: Error | null, res?: unknown) => (err ? reject(err) : resolve(res))),
    );
  return {
    async start() {
      session = new inspector.Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 250 });
      await post('Profiler.start');
    },
    async stop(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      session!.disconnect();
      session = null;
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

/** runs `fn` `n` times (after a warm-up) and measures the CPU and wall time per call */
async function timed(name: string, n: number, fn: (i: number) => unknown): Promise<BreakdownItem> {
  for (let i = 0; i < Math.min(n, 3000); i++) await fn(i);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const cpu = process.cpuUsage(cpu0);
  return { name, cpuUs: (cpu.user + cpu.system) / n, wallUs: ((performance.now() - t0) * 1000) / n };
}

function handleParentMessages(close: () => Promise<void>, breakdown: (bodies: string[], token: string) => Promise<BreakdownItem[]>) {
  const profiler = profilerControl();
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m: ParentMessage) => {
    void (async () => {
      try {
        if (m.type === 'usage') {
          const cpu = process.cpuUsage();
          const elu = performance.eventLoopUtilization();
          send({ type: 'usage', cpuUs: cpu.user + cpu.system, wallMs: performance.now(), eluIdleMs: elu.idle, eluActiveMs: elu.active, gcMs });
        } else if (m.type === 'breakdown') {
          send({ type: 'breakdown', items: await breakdown(m.bodies, m.token) });
        } else if (m.type === 'profile-start') {
          await profiler.start();
          send({ type: 'profile-started' });
        } else if (m.type === 'profile-stop') {
          await profiler.stop(m.file);
          send({ type: 'profile-written', file: m.file });
        } else if (m.type === 'stop') {
          await close();
          process.exit(0);
        }
      } catch (error) {
        send({ type: 'error', message: String((error as Error).stack ?? error) });
        process.exit(1);
      }
    })();
  });
}

async function serveProduct() {
  const started = Date.now();
  // imported here so that the parent and the bare child do not load Nest at all
  const { createStandalone } = await import('../apps/standalone/src/standalone');
  const s = await createStandalone(
    { DATA_DIR: process.env.BENCH_DATA_DIR!, PORT: '0', OPERATOR_TOKEN: process.env.BENCH_OPERATOR_TOKEN!, LOG_LEVEL: 'error' },
    { logger: false },
  );
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  const startupMs = Date.now() - started;
  // the seeded log is new to the outbox relays (identity records every membership) and to the projections:
  // let them catch up before measuring, so that the benchmark measures steady-state request handling
  const catchUpStart = Date.now();
  for (let stable = 0; stable < 3; ) {
    const orgHead = await s.organization.store.headPosition();
    const caughtUp =
      (await s.organization.relay.lag()) === 0 &&
      (await s.identity.relay.lag()) === 0 &&
      s.organization.projections!.checkpoint >= orgHead;
    stable = caughtUp ? stable + 1 : 0;
    await new Promise((r) => setTimeout(r, caughtUp ? 100 : 250));
    if (Date.now() - catchUpStart > 10 * 60_000) throw new Error('relays/projections did not catch up in 10 minutes');
  }
  const address = s.app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  handleParentMessages(
    async () => {
      await s.app.close();
    },
    async (bodies, token) => {
      // the same request, piece by piece, in this process and without sockets
      const { OrganizationsService } = await import('../apps/organization/src/organizations/organizations.service');
      const { AuthzCheckDto } = await import('../apps/organization/src/organizations/organization.dto');
      const { validationPipe } = await import('@lib/platform');
      const service = s.app.get(OrganizationsService, { strict: false });
      const parsed = bodies.map((b) => JSON.parse(b) as { userId: string; organizationId: string; permission: string });
      const at = (i: number) => parsed[i % parsed.length];
      const pipe = validationPipe();
      const n = 20_000;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const inject = (i: number) => s.app.inject({ method: 'POST', url: PATH, headers, payload: bodies[i % bodies.length] });
      const items: BreakdownItem[] = [];
      items.push(await timed('app.inject(): whole Nest + Fastify pipeline, no socket', n, inject));
      // the same, timing the event store read inside the pipeline (diagnostic wrapper, removed afterwards)
      const store = s.organization.store as SqliteEventStore;
      const readStream = store.readStream;
      let inside = 0n;
      let calls = 0;
      store.readStream = async function (this: SqliteEventStore, ...args: Parameters<SqliteEventStore['readStream']>) {
        const t = process.hrtime.bigint();
        try {
          return await readStream.apply(this, args);
        } finally {
          inside += process.hrtime.bigint() - t;
          calls += 1;
        }
      };
      await timed('', n, inject);
      store.readStream = readStream;
      // the same with the aggregate load stubbed: what is left is Nest + Fastify + validation + guard
      const { OrganizationRepository } = await import('../apps/organization/src/organizations/organization.repository');
      const repo = s.organization.get(OrganizationRepository);
      const load = repo.load;
      const fixed = await load.call(repo, at(0).organizationId);
      repo.load = async () => fixed;
      items.push(await timed('  the same with AggregateRepository.load stubbed (no event store)', n, inject));
      repo.load = load;
      items.push(
        await timed('  ValidationPipe.transform (class-transformer + class-validator)', n, (i) =>
          pipe.transform(JSON.parse(bodies[i % bodies.length]), { type: 'body', metatype: AuthzCheckDto, data: undefined }),
        ),
        await timed('  OrganizationsService.check alone (all domain work)', n, (i) => service.check(at(i).userId, at(i).organizationId, at(i).permission)),
        await timed('    AggregateRepository.load alone (cached state + tail read)', n, (i) => repo.load(at(i).organizationId)),
        await timed('      SqliteEventStore.readStream of the empty tail, alone', n, (i) =>
          s.organization.store.readStream(organizationStream(at(i).organizationId), { fromRevision: 11 }),
        ),
        { name: '      SqliteEventStore.readStream inside the pipeline (wall)', cpuUs: null, wallUs: Number(inside) / 1000 / Math.max(calls, 1) },
      );
      return items;
    },
  );
  send({ type: 'ready', port, startupMs, catchUpMs: Date.now() - catchUpStart, fastify: versionOf(nestFastifyDir()) });
}

/** the fastify the product runs on: @nestjs/platform-fastify may bring its own copy */
function nestFastifyDir() {
  return dirname(require.resolve('fastify/package.json', { paths: [dirname(require.resolve('@nestjs/platform-fastify'))] }));
}
const versionOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;

async function serveBare() {
  const started = Date.now();
  // default: the project's own fastify (devDependency); BENCH_BARE_FASTIFY=nest: the copy Nest runs on
  const dir = process.env.BENCH_BARE_FASTIFY === 'nest' ? nestFastifyDir() : dirname(require.resolve('fastify/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Fastify = require(dir) as typeof import('fastify').default;
  const app = Fastify({ logger: false });
  const answer = { allowed: true, role: 'Developer' };
  app.post(PATH, async () => answer);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  handleParentMessages(
    async () => {
      await app.close();
    },
    async (bodies, token) => {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      return [
        await timed('app.inject(): bare Fastify, no socket', 20_000, (i) =>
          app.inject({ method: 'POST', url: PATH, headers, payload: bodies[i % bodies.length] }),
        ),
      ];
    },
  );
  send({ type: 'ready', port, startupMs: Date.now() - started, catchUpMs: 0, fastify: versionOf(dir) });
}

// ---------------------------------------------------------------------------------------------------------
// the parent: seed, start servers, drive them

interface Seeded {
  orgs: { id: string; members: { userId: string; role: Role }[] }[];
  users: string[];
}

async function seed(dataDir: string): Promise<Seeded> {
  const t0 = Date.now();
  const users = Array.from({ length: USERS }, () => `usr-${sortableId()}`);
  const store = new SqliteEventStore({ filename: join(dataDir, 'organization', 'events.sqlite') });
  const orgs: Seeded['orgs'] = [];
  const base = Date.now() - 30 * 24 * 3600 * 1000;
  for (let i = 0; i < ORGS; i++) {
    const id = `org-us-${sortableId()}`;
    const at = new Date(base + i * 1000).toISOString();
    const metadata = { at, actor: 'operator' };
    const chosen = new Set<string>();
    while (chosen.size < Math.min(MEMBERS_PER_ORG, USERS)) chosen.add(pick(users));
    const members = [...chosen].map((userId, k) => ({
      userId,
      role: (k === 0 ? 'Admin' : Math.random() < 0.1 ? 'Admin' : Math.random() < 0.6 ? 'Developer' : 'Agent') as Role,
    }));
    const events: OrganizationEvent[] = [
      { type: 'OrganizationProvisioned', data: { organizationId: id, name: `Bench organization ${i}`, region: 'us' } },
      ...members.map(
        (m, k): OrganizationEvent => ({
          type: 'MemberAdded',
          data: {
            organizationId: id,
            userId: m.userId,
            email: `${m.userId}@bench.example`,
            role: m.role,
            via: k === 0 ? 'provisioning' : 'invitation',
          },
        }),
      ),
    ];
    await store.append(
      organizationStream(id),
      events.map((e): NewEvent => ({ type: e.type, data: e.data, metadata })),
      { expectedRevision: 'no_stream' },
    );
    orgs.push({ id, members });
    if ((i + 1) % 2000 === 0) log(`seeded ${i + 1}/${ORGS} organizations`);
  }
  const head = await store.headPosition();
  await store.close();
  log(`seeded ${ORGS} organizations, ${ORGS * MEMBERS_PER_ORG} memberships (${head} events) in ${Date.now() - t0} ms`);
  return { orgs, users };
}

type Kind = 'member' | 'non-member' | 'unknown-org';
interface Check {
  kind: Kind;
  body: string;
  expectedRole: Role | null;
}

/** 70 % members, 20 % non-members of an existing organization, 10 % well-formed ids of no organization */
function requestBodies(seeded: Seeded, count: number): Check[] {
  const out: Check[] = [];
  for (let i = 0; i < count; i++) {
    const r = Math.random();
    const permission = pick(PERMISSIONS);
    const org = pick(seeded.orgs);
    if (r < 0.7) {
      const m = pick(org.members);
      out.push({ kind: 'member', body: JSON.stringify({ userId: m.userId, organizationId: org.id, permission }), expectedRole: m.role });
    } else if (r < 0.9) {
      let userId = pick(seeded.users);
      while (org.members.some((m) => m.userId === userId)) userId = pick(seeded.users);
      out.push({ kind: 'non-member', body: JSON.stringify({ userId, organizationId: org.id, permission }), expectedRole: null });
    } else {
      const body = JSON.stringify({ userId: pick(seeded.users), organizationId: `org-us-${sortableId()}`, permission });
      out.push({ kind: 'unknown-org', body, expectedRole: null });
    }
  }
  return out;
}

function startChild(mode: 'product' | 'bare', extraEnv: Record<string, string>) {
  return fork(__filename, [`--serve-${mode}`], {
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function nextMessage<T extends ChildMessage['type']>(child: ChildProcess, type: T, timeoutMs = 15 * 60_000) {
  return new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new Error(`no ${type} from the server in ${timeoutMs} ms`))), timeoutMs);
    const onMessage = (m: ChildMessage) => {
      if (m.type === 'error') finish(() => reject(new Error(`server failed: ${m.message}`)));
      else if (m.type === type) finish(() => resolve(m as Extract<ChildMessage, { type: T }>));
    };
    const onExit = (code: number | null) => finish(() => reject(new Error(`server exited with ${code} before ${type}`)));
    const finish = (f: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      f();
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' } satisfies ParentMessage);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(url: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready in 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** a few requests checked against the seeded data, so that a benchmark of 401s or 400s cannot pass unnoticed */
async function sanityCheck(name: string, port: number, token: string, checks: Check[], exact: boolean) {
  const byKind = new Map<Kind, Check>();
  for (const c of checks) if (!byKind.has(c.kind)) byKind.set(c.kind, c);
  for (const c of byKind.values()) {
    const res = await fetch(`http://127.0.0.1:${port}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: c.body,
    });
    const json = (await res.json()) as { allowed?: boolean; role?: Role | null };
    if (res.status !== 200 || typeof json.allowed !== 'boolean' || (exact && json.role !== c.expectedRole)) {
      throw new Error(`${name}: sanity check failed for a ${c.kind} request: ${res.status} ${JSON.stringify(json)} (expected role ${c.expectedRole})`);
    }
    log(`${name}: sanity ${c.kind}: ${res.status} ${JSON.stringify(json)}`);
  }
}

function load(port: number, token: string, checks: Check[], seconds: number): Promise<AutocannonResult> {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: PATH,
        setupRequest: (req: AutocannonRequest) => {
          req.body = checks[next++ % checks.length].body;
          return req;
        },
      },
    ],
  });
}

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  startupMs: number;
  catchUpMs: number;
  fastify: string;
}

interface Window {
  result: AutocannonResult;
  /** server CPU time (user + system) per answered request */
  cpuUsPerRequest: number;
  /** share of the window the server's event loop was busy */
  elu: number;
  /** time in garbage collection pauses per answered request */
  gcUsPerRequest: number;
  /** 1-minute load average of the machine at the end of the window (other processes skew the figures) */
  loadavg: number;
}

async function startServer(name: string, mode: 'product' | 'bare', childEnv: Record<string, string>): Promise<Server> {
  log(`${name}: starting server`);
  const child = startChild(mode, childEnv);
  const ready = await nextMessage(child, 'ready');
  log(`${name}: listening on ${ready.port} (startup ${ready.startupMs} ms, catch-up ${ready.catchUpMs} ms)`);
  return { name, child, port: ready.port, startupMs: ready.startupMs, catchUpMs: ready.catchUpMs, fastify: ready.fastify };
}

async function usage(server: Server) {
  server.child.send({ type: 'usage' } satisfies ParentMessage);
  return nextMessage(server.child, 'usage');
}

async function measureWindow(server: Server, token: string, checks: Check[], seconds: number): Promise<Window> {
  const before = await usage(server);
  const result = await load(server.port, token, checks, seconds);
  const after = await usage(server);
  const active = after.eluActiveMs - before.eluActiveMs;
  const idle = after.eluIdleMs - before.eluIdleMs;
  return {
    result,
    cpuUsPerRequest: (after.cpuUs - before.cpuUs) / Math.max(result.requests.total, 1),
    elu: active / Math.max(active + idle, 1),
    gcUsPerRequest: ((after.gcMs - before.gcMs) * 1000) / Math.max(result.requests.total, 1),
    loadavg: loadavg()[0],
  };
}

async function profileWindow(server: Server, token: string, checks: Check[], seconds: number) {
  const file = join(tmpdir(), `authz-bench-${server.name.split(' ')[0]}-${Date.now()}.cpuprofile`);
  server.child.send({ type: 'profile-start' } satisfies ParentMessage);
  await nextMessage(server.child, 'profile-started');
  const result = await load(server.port, token, checks, seconds);
  server.child.send({ type: 'profile-stop', file } satisfies ParentMessage);
  await nextMessage(server.child, 'profile-written');
  return { file, result };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function report(product: Server, bare: Server, rounds: { product: Window; bare: Window }[]) {
  const header = `${'server'.padEnd(22)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'requests'.padStart(9)} ${'non2xx'.padStart(6)} ${'errors'.padStart(6)} ${'CPU us/req'.padStart(10)} ${'GC us/req'.padStart(9)} ${'loop busy'.padStart(9)} ${'loadavg'.padStart(7)}`;
  const row = (name: string, w: Window) => {
    const r = w.result;
    return [
      name.padEnd(22),
      r.requests.average.toFixed(0).padStart(9),
      r.latency.p50.toFixed(1).padStart(7),
      r.latency.p99.toFixed(1).padStart(7),
      r.latency.max.toFixed(0).padStart(7),
      String(r.requests.total).padStart(9),
      String(r.non2xx).padStart(6),
      String(r.errors + r.timeouts).padStart(6),
      w.cpuUsPerRequest.toFixed(0).padStart(10),
      w.gcUsPerRequest.toFixed(0).padStart(9),
      `${(w.elu * 100).toFixed(0)}%`.padStart(9),
      w.loadavg.toFixed(2).padStart(7),
    ].join(' ');
  };
  const lines = [
    '',
    `POST ${PATH}: ${ORGS} organizations, ${ORGS * MEMBERS_PER_ORG} memberships, ${USERS} users;`,
    `  requests: 70% members, 20% non-members, 10% unknown organizations; random permission`,
    `autocannon connections=${CONNECTIONS} pipelining=1 duration=${DURATION}s x ${rounds.length} round(s), after ${WARMUP}s warm-up each;`,
    `node ${process.version}, ${cpus().length} cores; client in this process, each server in its own child process;`,
    `fastify ${product.fastify} under Nest (product), fastify ${bare.fastify} (bare)`,
    '',
    header,
  ];
  rounds.forEach((r, i) => {
    const tag = rounds.length > 1 ? ` #${i + 1}` : '';
    lines.push(row(`product (standalone)${tag}`, r.product), row(`bare fastify 5${tag}`, r.bare));
  });
  const ratios = rounds.map((r) => r.product.result.requests.average / r.bare.result.requests.average);
  const cpuRatios = rounds.map((r) => r.bare.cpuUsPerRequest / r.product.cpuUsPerRequest);
  const ratio = median(ratios);
  const p50 = median(rounds.map((r) => r.product.result.latency.p50));
  const p50bare = median(rounds.map((r) => r.bare.result.latency.p50));
  lines.push(
    '',
    `ratio product/bare, req/s${rounds.length > 1 ? ' (median of rounds)' : ''}: ${ratio.toFixed(3)}   goal >= ${GOAL}: ${ratio >= GOAL ? 'met' : 'NOT met'}`,
    `ratio bare/product, server CPU per request (less sensitive to other load on the machine): ${median(cpuRatios).toFixed(3)}`,
    `p50 latency: product ${p50.toFixed(1)} ms, bare ${p50bare.toFixed(1)} ms`,
    `product startup ${product.startupMs} ms (includes the relays catching up on the seeded log), further catch-up ${product.catchUpMs} ms`,
    '',
  );
  process.stdout.write(lines.join('\n'));
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'authz-bench-'));
  const token = `op_bench_${randomBytes(24).toString('hex')}`;
  const servers: Server[] = [];
  try {
    log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
    const seeded = await seed(dataDir);
    const checks = requestBodies(seeded, 50_000);

    const product = await startServer('product (standalone)', 'product', { BENCH_DATA_DIR: dataDir, BENCH_OPERATOR_TOKEN: token });
    servers.push(product);
    await waitReady(`http://127.0.0.1:${product.port}/health/ready`);
    await sanityCheck(product.name, product.port, token, checks, true);
    const bare = await startServer('bare fastify 5', 'bare', {});
    servers.push(bare);
    await sanityCheck(bare.name, bare.port, token, checks, false);

    for (const s of [product, bare]) {
      log(`${s.name}: warm-up ${WARMUP} s`);
      await load(s.port, token, checks, WARMUP);
    }
    const rounds: { product: Window; bare: Window }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      log(`round ${i + 1}/${ROUNDS}: product ${DURATION} s`);
      const p = await measureWindow(product, token, checks, DURATION);
      log(`round ${i + 1}/${ROUNDS}: bare ${DURATION} s`);
      const b = await measureWindow(bare, token, checks, DURATION);
      rounds.push({ product: p, bare: b });
    }
    report(product, bare, rounds);

    if (PROFILE) {
      const bodies = checks.slice(0, 5000).map((c) => c.body);
      const items: BreakdownItem[] = [];
      for (const srv of [product, bare]) {
        log(`${srv.name}: in-process breakdown`);
        srv.child.send({ type: 'breakdown', bodies, token } satisfies ParentMessage);
        items.push(...(await nextMessage(srv.child, 'breakdown')).items);
      }
      const perSocket = (w: Window) => w.cpuUsPerRequest;
      process.stdout.write(
        [
          '',
          'where the time goes: the same request in the server process, piece by piece (CPU time per call; 20k calls each)',
          ...items.map(
            (it) =>
              `  ${it.name.padEnd(70)} ${it.cpuUs === null ? '       -   ' : `${it.cpuUs.toFixed(1).padStart(7)} us`} CPU ${it.wallUs.toFixed(1).padStart(7)} us wall`,
          ),
          `  over real sockets under load (from the rounds above): product ${median(rounds.map((r) => perSocket(r.product))).toFixed(0)} us CPU/req, bare ${median(rounds.map((r) => perSocket(r.bare))).toFixed(0)} us CPU/req`,
          '',
        ].join('\n'),
      );
      // a separate window, so the profiler's overhead does not touch the figures above
      for (const s of [product, bare]) {
        log(`${s.name}: profiling ${DURATION} s`);
        const { file, result } = await profileWindow(s, token, checks, DURATION);
        process.stdout.write(`\n=== CPU profile of ${s.name} (${result.requests.total} requests, ${result.requests.average.toFixed(0)} req/s while profiling): ${file}\n`);
        process.stdout.write(summarizeCpuProfile(file, { top: 20, perRequests: result.requests.total }));
      }
    }
  } finally {
    for (const s of servers) await stopChild(s.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export { seed, requestBodies };

if (require.main === module) {
  const mode = process.argv[2];
  const run = mode === '--serve-product' ? serveProduct : mode === '--serve-bare' ? serveBare : main;
  run().catch((error) => {
    if (mode) send({ type: 'error', message: String((error as Error).stack ?? error) });
    console.error(error);
    process.exit(1);
  });
}
