/**
 * Benchmark: how fast a fresh stack catches up on an organization log it has never relayed (a new replica,
 * identity rebuilt after losing its volume, `npm start` on a large data directory).
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/catch-up.bench.ts
 *   (or npm run bench:catch-up)
 *
 * 1. Seed: BENCH_ORGS organizations, each provisioned with BENCH_MEMBERS_PER_ORG members (the first an Admin),
 *    over BENCH_USERS users, written straight into organization's SQLite store as the authz benchmark does
 *    (one append per organization). Nothing is relayed yet.
 * 2. Three runs, each on its own copy of the seeded data directory, one after the other in this process:
 *    - per message (the baseline, what the product did before batching): the three runtimes on an in-process
 *      bus, identity's and app-packaging's consumers subscribed with `consume()` and their single-event
 *      handlers (one `handle()`, one SQLite transaction, per message);
 *    - batched: the same runtimes as `start()` wires them (`consumeBatches`, one `appendMany` per batch);
 *    - standalone: `createStandalone()` + `listen()`, the product as `npm start` runs it, until
 *      `/health/ready` answers 200 and every relay and projection has caught up.
 *    Caught up = every relay's lag is 0 and the read models have reached their log's head, checked every 250 ms.
 *    Rate = organization events / time from start to caught up.
 *
 * Environment: BENCH_ORGS (10000), BENCH_MEMBERS_PER_ORG (10), BENCH_USERS (3 x orgs), BENCH_SKIP_BASELINE=1
 * (the baseline takes minutes on a large log), BENCH_TIMEOUT_S (1800). Prints figures; never asserts timings.
 */
import 'reflect-metadata';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role, ORGANIZATION_EVENTS_TOPIC } from '@lib/contracts';
import { NewEvent, SqliteEventStore } from '@lib/eventstore';
import { consume, InProcessMessageBus } from '@lib/messaging';
import { configureLogger, loadConfig, sortableId } from '@lib/platform';
import { OrganizationEvent, organizationStream } from '../apps/organization/src/organizations/organization.events';
import { OrganizationRuntime } from '../apps/organization/src/organization.runtime';
import { IdentityRuntime } from '../apps/identity/src/identity.runtime';
import { PackagingRuntime } from '../apps/app-packaging/src/app-packaging.runtime';
import * as identityConsumer from '../apps/identity/src/directory/organization.consumer';
import * as packagingConsumer from '../apps/app-packaging/src/directory/organization.consumer';
import { createStandalone, standaloneConfigSchema } from '../apps/standalone/src/standalone';

const env = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const ORGS = env('BENCH_ORGS', 10_000);
const MEMBERS = env('BENCH_MEMBERS_PER_ORG', 10);
const USERS = env('BENCH_USERS', 3 * ORGS);
const TIMEOUT_MS = env('BENCH_TIMEOUT_S', 1800) * 1000;
const TOKEN = `op_bench_${sortableId()}`;
const log = (m: string) => process.stderr.write(`[catch-up] ${m}\n`);

async function seed(dir: string): Promise<number> {
  const t0 = Date.now();
  const users = Array.from({ length: USERS }, () => `usr-${sortableId()}`);
  const store = new SqliteEventStore({ filename: join(dir, 'organization', 'events.sqlite') });
  const base = Date.now() - 30 * 24 * 3600 * 1000;
  for (let i = 0; i < ORGS; i++) {
    const id = `org-us-${sortableId()}`;
    const metadata = { at: new Date(base + i * 1000).toISOString(), actor: 'operator' };
    const chosen = new Set<string>();
    while (chosen.size < Math.min(MEMBERS, USERS)) chosen.add(users[Math.floor(Math.random() * users.length)]);
    const events: OrganizationEvent[] = [
      { type: 'OrganizationProvisioned', data: { organizationId: id, name: `Bench organization ${i}`, region: 'us' } },
      ...[...chosen].map(
        (userId, k): OrganizationEvent => ({
          type: 'MemberAdded',
          data: { organizationId: id, userId, email: `${userId}@bench.example`, role: (k === 0 ? 'Admin' : 'Developer') as Role, via: k === 0 ? 'provisioning' : 'invitation' },
        }),
      ),
    ];
    await store.append(organizationStream(id), events.map((e): NewEvent => ({ type: e.type, data: e.data, metadata })), { expectedRevision: 'no_stream' });
    if ((i + 1) % 20_000 === 0) log(`seeded ${i + 1}/${ORGS} organizations`);
  }
  const head = await store.headPosition();
  await store.close();
  log(`seeded ${head} events (${ORGS} organizations x ${MEMBERS} members, ${USERS} users) in ${Date.now() - t0} ms`);
  return head;
}

interface Runtimes {
  identity: IdentityRuntime;
  organization: OrganizationRuntime;
  packaging: PackagingRuntime;
}

async function caughtUp(r: Runtimes): Promise<boolean> {
  const [orgHead, pkgHead] = await Promise.all([r.organization.store.headPosition(), r.packaging.store.headPosition()]);
  const lags = await Promise.all([r.organization.relay.lag(), r.identity.relay.lag(), r.packaging.relay.lag()]);
  return lags.every((l) => l === 0) && r.organization.projections.checkpoint >= orgHead && r.packaging.projections.checkpoint >= pkgHead;
}

async function waitCaughtUp(r: Runtimes, started: number, label: string) {
  let lastLog = Date.now();
  while (!(await caughtUp(r))) {
    if (Date.now() - started > TIMEOUT_MS) throw new Error(`${label}: not caught up in ${TIMEOUT_MS / 1000} s`);
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      const p = await r.organization.relay.progress();
      log(`${label}: organization relay at ${p.position}/${p.head}, ${p.ratePerSecond} events/s, ETA ${p.etaSeconds ?? '?'} s`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  return Date.now() - started;
}

/** what identity and app-packaging recorded: the same in every run, or a run lost or doubled something */
async function recorded(r: Runtimes) {
  return { identity: await r.identity.store.headPosition(), packaging: await r.packaging.store.headPosition() };
}

async function runtimesRun(seeded: string, mode: 'per message' | 'batched') {
  const dir = mkdtempSync(join(tmpdir(), 'catch-up-run-'));
  cpSync(seeded, dir, { recursive: true });
  const config = loadConfig(standaloneConfigSchema, { DATA_DIR: dir, PORT: '0', OPERATOR_TOKEN: TOKEN, LOG_LEVEL: 'error' });
  const bus = new InProcessMessageBus();
  const started = Date.now();
  const r: Runtimes = {
    identity: await IdentityRuntime.open(config, bus, TOKEN),
    organization: OrganizationRuntime.open(config, bus, TOKEN),
    packaging: PackagingRuntime.open(config, bus, TOKEN),
  };
  if (mode === 'batched') {
    await r.identity.start();
    await r.packaging.start();
  } else {
    const parse = identityConsumer.parseOrganizationMessage;
    await consume({ bus, topic: ORGANIZATION_EVENTS_TOPIC, group: 'identity', parse, handle: (e) => identityConsumer.handleOrganizationMessage(r.identity, e) });
    r.packaging.projections.start();
    await consume({ bus, topic: ORGANIZATION_EVENTS_TOPIC, group: 'app-packaging', parse, handle: (e) => packagingConsumer.handleOrganizationMessage(r.packaging, e) });
  }
  await r.organization.start();
  for (const s of [r.identity, r.organization, r.packaging]) s.startRelay();
  const ms = await waitCaughtUp(r, started, mode);
  const counts = await recorded(r);
  await Promise.all([r.identity.relay.stop(), r.organization.relay.stop(), r.packaging.relay.stop()]);
  await Promise.all([r.organization.projections.stop(), r.packaging.projections.stop()]);
  await Promise.all([r.identity.store.close(), r.organization.store.close(), r.packaging.store.close()]);
  rmSync(dir, { recursive: true, force: true });
  return { ms, counts };
}

async function standaloneRun(seeded: string) {
  const dir = mkdtempSync(join(tmpdir(), 'catch-up-standalone-'));
  cpSync(seeded, dir, { recursive: true });
  const started = Date.now();
  const s = await createStandalone({ DATA_DIR: dir, PORT: '0', OPERATOR_TOKEN: TOKEN, LOG_LEVEL: 'error' }, { logger: false });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  const address = s.app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
    if (res?.status === 200 && (await caughtUp(s))) break;
    if (Date.now() - started > TIMEOUT_MS) throw new Error('standalone not ready in time');
    await new Promise((r) => setTimeout(r, 250));
  }
  const ms = Date.now() - started;
  const counts = await recorded(s);
  await s.app.close();
  rmSync(dir, { recursive: true, force: true });
  return { ms, counts };
}

async function main() {
  configureLogger('error'); // the consumers log a line per batch at info
  log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
  const seeded = mkdtempSync(join(tmpdir(), 'catch-up-seed-'));
  try {
    const events = await seed(seeded);
    const rows: [string, { ms: number; counts: { identity: number; packaging: number } }][] = [];
    if (process.env.BENCH_SKIP_BASELINE !== '1') {
      rows.push(['per message (before: one append per message)', await runtimesRun(seeded, 'per message')]);
      log(`per message done; load average ${loadavg()[0].toFixed(2)}`);
    }
    rows.push(['batched (consumeBatches + appendMany)', await runtimesRun(seeded, 'batched')]);
    log(`batched done; load average ${loadavg()[0].toFixed(2)}`);
    rows.push(['standalone: createStandalone → /health/ready and caught up', await standaloneRun(seeded)]);
    const lines = [
      '',
      `catch-up on a log of ${events} organization events (${ORGS} organizations x ${MEMBERS} members); load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      '| run | seconds | organization events/s | identity events | app-packaging events |',
      '|---|---:|---:|---:|---:|',
      ...rows.map(([name, r]) => `| ${name} | ${(r.ms / 1000).toFixed(1)} | ${Math.round(events / (r.ms / 1000))} | ${r.counts.identity} | ${r.counts.packaging} |`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    rmSync(seeded, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
