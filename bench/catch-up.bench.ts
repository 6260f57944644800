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
 * 2. Two runs of the standalone as `npm start` runs it (`createStandalone()` + `listen()`), each on its own copy
 *    of the seeded data directory, one after the other in this process, until `/health/ready` answers 200 and
 *    everything has caught up:
 *    - per message (the baseline, what the product did before batching): identity's and app-packaging's
 *      consumers without their `handleBatch`, so the service kit subscribes them with `consume()` (one
 *      `handle()`, one SQLite transaction, per message);
 *    - batched: the product as it is (`consumeBatches`, each batch decided in order and appended with one
 *      `appendMany`).
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
import { Role } from '@lib/contracts';
import { NewEvent, SqliteEventStore } from '@lib/eventstore';
import { configureLogger, sortableId } from '@lib/platform';
import { OrganizationEvent, organizationStream } from '../apps/organization/src/organizations/organization.events';
import { OrganizationEventsConsumer as IdentityOrganizationConsumer } from '../apps/identity/src/directory/organization.consumer';
import { OrganizationEventsConsumer as PackagingOrganizationConsumer } from '../apps/app-packaging/src/directory/organization.consumer';
import { createStandalone, Standalone } from '../apps/standalone/src/standalone';

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

type Runtimes = Pick<Standalone, 'identity' | 'organization' | 'packaging'>;

async function caughtUp(r: Runtimes): Promise<boolean> {
  const [orgHead, pkgHead] = await Promise.all([r.organization.store.headPosition(), r.packaging.store.headPosition()]);
  const lags = await Promise.all([r.organization.relay.lag(), r.identity.relay.lag(), r.packaging.relay.lag()]);
  return (
    lags.every((l) => l === 0) &&
    (r.organization.projections?.checkpoint ?? orgHead) >= orgHead &&
    (r.packaging.projections?.checkpoint ?? pkgHead) >= pkgHead
  );
}

/** what identity and app-packaging recorded: the same in every run, or a run lost or doubled something */
async function recorded(r: Runtimes) {
  return { identity: await r.identity.store.headPosition(), packaging: await r.packaging.store.headPosition() };
}

/**
 * The baseline: the same consumers without their handleBatch, so the service kit subscribes them one message
 * at a time (`consume()`, one `handle()` and one SQLite transaction per message), as before batching.
 */
function withoutBatches<T>(run: () => Promise<T>): Promise<T> {
  const classes = [IdentityOrganizationConsumer, PackagingOrganizationConsumer] as { prototype: { handleBatch?: unknown } }[];
  const saved = classes.map((c) => c.prototype.handleBatch);
  for (const c of classes) c.prototype.handleBatch = undefined;
  return run().finally(() => classes.forEach((c, i) => (c.prototype.handleBatch = saved[i])));
}

/** the standalone as `npm start` runs it, on a copy of the seeded directory, until ready and caught up */
async function standaloneRun(seeded: string, label: string) {
  const dir = mkdtempSync(join(tmpdir(), 'catch-up-run-'));
  cpSync(seeded, dir, { recursive: true });
  const started = Date.now();
  const s = await createStandalone({ DATA_DIR: dir, PORT: '0', OPERATOR_TOKEN: TOKEN, LOG_LEVEL: 'error' }, { logger: false });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  const address = s.app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let lastLog = Date.now();
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
    if (res?.status === 200 && (await caughtUp(s))) break;
    if (Date.now() - started > TIMEOUT_MS) throw new Error(`${label}: not ready in ${TIMEOUT_MS / 1000} s`);
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      const p = await s.organization.relay.progress();
      log(`${label}: organization relay at ${p.position}/${p.head}, ${p.ratePerSecond} events/s, ETA ${p.etaSeconds ?? '?'} s`);
    }
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
      rows.push(['standalone, consumers per message (before)', await withoutBatches(() => standaloneRun(seeded, 'per message'))]);
      log(`per message done; load average ${loadavg()[0].toFixed(2)}`);
    }
    rows.push(['standalone, batched consumers (consumeBatches + appendMany)', await standaloneRun(seeded, 'batched')]);
    log(`batched done; load average ${loadavg()[0].toFixed(2)}`);
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
