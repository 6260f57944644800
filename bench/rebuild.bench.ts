/**
 * Benchmark: rebuilding the organization service's read models from its event log, against a no-op read
 * of the same log.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/rebuild.bench.ts
 *   (or npm run bench:rebuild)
 *
 * Generates BENCH_EVENTS (default 1,000,000) organization events into a temporary SQLite event store:
 * about 100 events per organization (so 10,000 organizations by default), with the event shapes of
 * organization.events.ts: provisioning, invitations created / accepted / revoked, members added, role
 * changes, removals, renames, suspensions. The organizations' streams are interleaved in the global log
 * (appended in rounds of BENCH_CHUNK events per organization), as they are in a live system.
 *
 * Then measures, in the same process:
 *   (a) a no-op read of the whole log: store.readAll({ after, maxCount: 5000 }) in a loop; it decodes the
 *       JSON of every event as the rebuild does, so the difference is the projections' own work;
 *   (b) new ProjectionRunner(store, new ReadModelDatabase(file), organizationProjections).rebuild().
 * Prints events/s of each and the ratio rebuild / no-op (goal >= 0.30). Never asserts timings.
 *
 * Environment: BENCH_EVENTS (default 1000000), BENCH_ORGS (default BENCH_EVENTS / 100), BENCH_CHUNK (25),
 * BENCH_PROFILE=1 to CPU-profile the rebuild and print where its time goes.
 */
import 'reflect-metadata';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Role, ROLES } from '@lib/contracts';
import { NewEvent, ProjectionRunner, ReadModelDatabase, SqliteEventStore } from '@lib/eventstore';
import { sortableId } from '@lib/platform';
import { OrganizationEvent, organizationStream } from '../apps/organization/src/organizations/organization.events';
import { organizationProjections } from '../apps/organization/src/organizations/projections/organization-read-models';
import { summarizeCpuProfile } from './cpu-profile';

const env = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
};
const TOTAL = env('BENCH_EVENTS', 1_000_000);
const ORGS = Math.min(env('BENCH_ORGS', Math.max(1, Math.round(TOTAL / 100))), Math.floor(TOTAL / 2));
const CHUNK = env('BENCH_CHUNK', 25);
const BATCH = 5000;
const GOAL = 0.3;
const PROFILE = process.env.BENCH_PROFILE === '1';

const log = (msg: string) => process.stderr.write(`[rebuild-bench] ${msg}\n`);
const rand = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(xs: readonly T[]) => xs[rand(xs.length)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------------------
// generation: one small state machine per organization, so that every event is one the decider could emit

interface OrgGen {
  id: string;
  name: string;
  target: number;
  emitted: number;
  members: Map<string, { email: string; role: Role }>;
  admins: number;
  pending: Map<string, { email: string; role: Role }>;
  suspended: boolean;
  clock: number;
}

/** what the generator knows should be in the read models once rebuilt */
const expected = { organizations: 0, members: 0, invitations: 0 };
let userSeq = 0;

const ACTIONS = [
  { name: 'invite', weight: 30 },
  { name: 'accept', weight: 25 },
  { name: 'revoke', weight: 5 },
  { name: 'role', weight: 10 },
  { name: 'remove', weight: 6 },
  { name: 'rename', weight: 2 },
  { name: 'suspend', weight: 1 },
] as const;
const WEIGHT = ACTIONS.reduce((s, a) => s + a.weight, 0);

function newOrg(target: number, i: number): OrgGen {
  return {
    id: `org-us-${sortableId()}`,
    name: `Organization ${i}`,
    target,
    emitted: 0,
    members: new Map(),
    admins: 0,
    pending: new Map(),
    suspended: false,
    clock: Date.UTC(2024, 0, 1) + i * 60_000,
  };
}

/** the next events of one organization (one command's worth: 1 or 2 events) with their actor */
function nextEvents(o: OrgGen): { events: OrganizationEvent[]; actor: string } {
  const organizationId = o.id;
  if (o.emitted === 0) {
    const userId = `usr-${sortableId()}`;
    const email = `user${++userSeq}@example.com`;
    o.members.set(userId, { email, role: 'Admin' });
    o.admins = 1;
    expected.organizations += 1;
    expected.members += 1;
    return {
      actor: 'operator',
      events: [
        { type: 'OrganizationProvisioned', data: { organizationId, name: o.name, region: 'us' } },
        { type: 'MemberAdded', data: { organizationId, userId, email, role: 'Admin', via: 'provisioning' } },
      ],
    };
  }
  if (o.suspended) {
    o.suspended = false;
    return { actor: 'operator', events: [{ type: 'OrganizationReactivated', data: { organizationId } }] };
  }
  const admin = [...o.members.entries()].find(([, m]) => m.role === 'Admin')?.[0] ?? 'operator';
  for (;;) {
    let r = rand(WEIGHT);
    const action = ACTIONS.find((a) => (r -= a.weight) < 0)!.name;
    switch (action) {
      case 'invite': {
        const invitationId = `inv-${sortableId()}`;
        const email = `user${++userSeq}@example.com`;
        const role = pick(ROLES);
        o.pending.set(invitationId, { email, role });
        expected.invitations += 1;
        const expiresAt = new Date(o.clock + 7 * 24 * 3600 * 1000).toISOString();
        return { actor: admin, events: [{ type: 'InvitationCreated', data: { organizationId, invitationId, email, role, expiresAt } }] };
      }
      case 'accept': {
        if (o.pending.size === 0 || o.emitted + 2 > o.target) continue;
        const [invitationId, { email, role }] = o.pending.entries().next().value!;
        o.pending.delete(invitationId);
        const userId = `usr-${sortableId()}`;
        o.members.set(userId, { email, role });
        if (role === 'Admin') o.admins += 1;
        expected.members += 1;
        return {
          actor: userId,
          events: [
            { type: 'InvitationAccepted', data: { organizationId, invitationId, email, userId } },
            { type: 'MemberAdded', data: { organizationId, userId, email, role, via: 'invitation' } },
          ],
        };
      }
      case 'revoke': {
        if (o.pending.size === 0) continue;
        const [invitationId, { email }] = o.pending.entries().next().value!;
        o.pending.delete(invitationId);
        return { actor: admin, events: [{ type: 'InvitationRevoked', data: { organizationId, invitationId, email } }] };
      }
      case 'role': {
        if (o.members.size < 2) continue;
        const [userId, m] = pick([...o.members.entries()]);
        const to = pick(ROLES.filter((x) => x !== m.role));
        if (m.role === 'Admin' && o.admins <= 1) continue;
        if (m.role === 'Admin') o.admins -= 1;
        if (to === 'Admin') o.admins += 1;
        const from = m.role;
        m.role = to;
        return { actor: admin, events: [{ type: 'MemberRoleChanged', data: { organizationId, userId, from, to } }] };
      }
      case 'remove': {
        if (o.members.size < 3) continue;
        const [userId, m] = pick([...o.members.entries()]);
        if (m.role === 'Admin' && o.admins <= 1) continue;
        if (m.role === 'Admin') o.admins -= 1;
        o.members.delete(userId);
        expected.members -= 1;
        const by = Math.random() < 0.3 ? 'self' : 'admin';
        return {
          actor: by === 'self' ? userId : admin,
          events: [{ type: 'MemberRemoved', data: { organizationId, userId, email: m.email, role: m.role, by } }],
        };
      }
      case 'rename': {
        const previousName = o.name;
        o.name = `${previousName.split(' (')[0]} (${o.emitted})`;
        return { actor: admin, events: [{ type: 'OrganizationRenamed', data: { organizationId, name: o.name, previousName } }] };
      }
      case 'suspend': {
        if (o.emitted + 2 > o.target) continue;
        o.suspended = true;
        return { actor: 'operator', events: [{ type: 'OrganizationSuspended', data: { organizationId, reason: 'billing' } }] };
      }
    }
  }
}

async function generate(store: SqliteEventStore) {
  const t0 = performance.now();
  const orgs: OrgGen[] = [];
  const per = Math.floor(TOTAL / ORGS);
  for (let i = 0; i < ORGS; i++) orgs.push(newOrg(per + (i < TOTAL - per * ORGS ? 1 : 0), i));
  let written = 0;
  let appends = 0;
  let nextReport = 100_000;
  const counts = new Map<string, number>();
  while (written < TOTAL) {
    for (const o of orgs) {
      if (o.emitted >= o.target) continue;
      const batch: NewEvent[] = [];
      const goal = Math.min(o.target, o.emitted + CHUNK);
      while (o.emitted < goal) {
        const { events, actor } = nextEvents(o);
        o.clock += 1000 + rand(3_600_000);
        const metadata = { at: new Date(o.clock).toISOString(), actor };
        for (const e of events) {
          batch.push({ type: e.type, data: e.data, metadata });
          counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
        }
        o.emitted += events.length;
      }
      // one append = one transaction (the store's own), like a command's append but bigger
      await store.append(organizationStream(o.id), batch);
      appends += 1;
      written += batch.length;
      if (written >= nextReport) {
        const s = (performance.now() - t0) / 1000;
        log(`generated ${fmt(written)}/${fmt(TOTAL)} events (${fmt(written / s)} events/s)`);
        nextReport += 100_000;
      }
    }
  }
  const ms = performance.now() - t0;
  log(`generated ${fmt(written)} events in ${fmt(appends)} appends (${ORGS} organizations) in ${(ms / 1000).toFixed(1)} s`);
  return { written, ms, counts };
}

// ---------------------------------------------------------------------------------------------------------
// measurements

async function noopRead(store: SqliteEventStore) {
  const t0 = performance.now();
  let after = 0;
  let n = 0;
  let checksum = 0;
  for (;;) {
    const batch = await store.readAll({ after, maxCount: BATCH });
    if (batch.length === 0) break;
    for (const e of batch) checksum += e.revision + (e.data ? 1 : 0);
    n += batch.length;
    after = batch[batch.length - 1].position;
  }
  const ms = performance.now() - t0;
  return { n, ms, eps: (n / ms) * 1000, checksum };
}

/** rows only, no JSON decoding: shows what decoding costs (information, not the baseline) */
function rawRead(store: SqliteEventStore) {
  const t0 = performance.now();
  let after = 0;
  let n = 0;
  for (;;) {
    const rows = store.readAllRaw(after, BATCH);
    if (rows.length === 0) break;
    n += rows.length;
    after = rows[rows.length - 1].position;
  }
  const ms = performance.now() - t0;
  return { n, ms, eps: (n / ms) * 1000 };
}

function profiler() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const inspector = require('node:inspector') as typeof import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (err: Error | null, res?: unknown) => (err ? reject(err) : resolve(res))),
    );
  return {
    async start() {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 250 });
      await post('Profiler.start');
    },
    async stop(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

async function rebuild(store: SqliteEventStore, file: string) {
  const readModels = new ReadModelDatabase(file);
  const runner = new ProjectionRunner(store, readModels, organizationProjections);
  let nextReport = 200_000;
  const t0 = performance.now();
  const result = await runner.rebuild((p) => {
    if (p.done >= nextReport) {
      log(`rebuild: ${fmt(p.done)}/${fmt(p.total)} events (${fmt((p.done / (performance.now() - t0)) * 1000)} events/s)`);
      nextReport += 200_000;
    }
  });
  const ms = performance.now() - t0;
  const count = (table: string) => (readModels.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const rows = { organizations: count('org_organizations'), members: count('org_members'), invitations: count('org_invitations') };
  readModels.close();
  return { n: result.events, ms, eps: (result.events / ms) * 1000, rows };
}

function dirSize(dir: string) {
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-bench-'));
  const eventsFile = join(dir, 'events', 'events.sqlite');
  let store: SqliteEventStore | null = null;
  try {
    log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
    store = new SqliteEventStore({ filename: eventsFile });
    const gen = await generate(store);
    // a fresh connection, as a restarted service would read it (the generator's WAL is checkpointed on close)
    await store.close();
    store = new SqliteEventStore({ filename: eventsFile });
    const logBytes = dirSize(join(dir, 'events'));

    log('no-op read #1 (warm-up: page cache)');
    const warm = await noopRead(store);
    log(`no-op read #1: ${fmt(warm.eps)} events/s`);
    const raw = rawRead(store);
    log(`raw read (no JSON): ${fmt(raw.eps)} events/s`);
    const noop1 = await noopRead(store);
    log(`no-op read #2: ${fmt(noop1.eps)} events/s`);

    const prof = PROFILE ? profiler() : null;
    const profileFile = join(tmpdir(), `rebuild-bench-${Date.now()}.cpuprofile`);
    if (prof) await prof.start();
    log('rebuild');
    const rb = await rebuild(store, join(dir, 'read-models', 'read-models.sqlite'));
    if (prof) await prof.stop(profileFile);
    log(`rebuild: ${fmt(rb.eps)} events/s`);

    const noop2 = await noopRead(store);
    log(`no-op read #3: ${fmt(noop2.eps)} events/s`);
    const noopEps = (noop1.eps + noop2.eps) / 2;
    const ratio = rb.eps / noopEps;
    const rowsOk =
      rb.rows.organizations === expected.organizations &&
      rb.rows.members === expected.members &&
      rb.rows.invitations === expected.invitations;

    const mix = [...gen.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([t, c]) => `${t} ${((100 * c) / gen.written).toFixed(1)}%`)
      .join(', ');
    const lines = [
      '',
      `organization event log: ${fmt(gen.written)} events, ${fmt(ORGS)} organizations, ${(logBytes / 1e6).toFixed(0)} MB SQLite;`,
      `  mix: ${mix}`,
      `  generated in ${(gen.ms / 1000).toFixed(1)} s (${fmt((gen.written / gen.ms) * 1000)} events/s, ${CHUNK}-event appends, interleaved)`,
      `node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}; batches of ${BATCH} events`,
      '',
      `${'measurement'.padEnd(50)} ${'events'.padStart(10)} ${'seconds'.padStart(8)} ${'events/s'.padStart(10)}`,
      ...[
        ['raw read, no JSON decoding (readAllRaw, info)', raw],
        ['(a) no-op read, readAll() #2', noop1],
        ['(a) no-op read, readAll() #3 (after the rebuild)', noop2],
        ['(b) rebuild, ProjectionRunner.rebuild()', rb],
      ].map(
        ([name, m]) =>
          `${String(name).padEnd(50)} ${fmt((m as { n: number }).n).padStart(10)} ${((m as { ms: number }).ms / 1000).toFixed(2).padStart(8)} ${fmt((m as { eps: number }).eps).padStart(10)}`,
      ),
      '',
      `ratio rebuild / no-op read (mean of #2 and #3: ${fmt(noopEps)} events/s): ${ratio.toFixed(3)}   goal >= ${GOAL}: ${ratio >= GOAL ? 'met' : 'NOT met'}`,
      `read models after the rebuild: ${fmt(rb.rows.organizations)} organizations, ${fmt(rb.rows.members)} members, ${fmt(rb.rows.invitations)} invitations` +
        ` (${rowsOk ? 'as generated' : `MISMATCH: generated ${JSON.stringify(expected)}`})`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    if (prof) {
      process.stdout.write(`\n=== CPU profile of the rebuild: ${profileFile}\n`);
      process.stdout.write(summarizeCpuProfile(profileFile, { top: 20 }));
    }
  } finally {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
