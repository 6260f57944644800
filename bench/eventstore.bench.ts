/**
 * Benchmark: append and catch-up throughput of the PostgreSQL event store next to SQLite's, same machine,
 * same run, same events.
 *
 *   PG_PORT=25432 POSTGRES_URL="$(scripts/infra/pg-start.sh)" npm run bench:eventstore
 *
 * For each store (SQLite: a file in a temp dir, WAL, synchronous=NORMAL as the services run it; PostgreSQL:
 * a fresh schema on POSTGRES_URL, fsync on, as scripts/infra/pg-start.sh starts it):
 *   (a) appends, one event per append (a command's usual size), by 1 writer and by BENCH_WRITERS
 *       concurrent writers on different streams (several replicas or requests at once);
 *   (b) appends of 100 events per append, 1 writer;
 *   (c) catch-up: a subscription from position 0 to the head (the log of (a) + (b)), batches of 500,
 *       handler doing nothing; then the same read without JSON decoding (SQLite only) as a floor.
 * Events are ~200 bytes of JSON. Prints events/s, never asserts timings. BENCH_EVENTS (default 3000) sets
 * the number of single-event appends per case; (b) appends 10x that.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { EventStore, NewEvent, PostgresEventStore, SqliteEventStore } from '@lib/eventstore';

const url = process.env.POSTGRES_URL;
if (!url) {
  console.error('POSTGRES_URL is not set: PG_PORT=25432 POSTGRES_URL="$(scripts/infra/pg-start.sh)" npm run bench:eventstore');
  process.exit(2);
}
const N = Math.max(100, Number(process.env.BENCH_EVENTS) || 3000);
const WRITERS = Math.max(2, Number(process.env.BENCH_WRITERS) || 8);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const event = (i: number): NewEvent => ({
  type: 'MemberRoleChanged',
  data: { organizationId: `org_${i % 97}`, userId: `usr_${randomBytes(8).toString('hex')}`, role: 'Member', previousRole: 'Viewer' },
  metadata: { actor: 'usr_bench', at: new Date().toISOString(), correlationId: randomBytes(8).toString('hex') },
});

async function timed(fn: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const count = await fn();
  return count / ((performance.now() - started) / 1000);
}

async function measure(name: string, store: EventStore) {
  const single = await timed(async () => {
    for (let i = 0; i < N; i++) await store.append(`single-${i % 50}`, [event(i)]);
    return N;
  });
  const concurrent = await timed(async () => {
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; i < N / WRITERS; i++) await store.append(`writer-${w}-${i % 20}`, [event(i)]);
      }),
    );
    return Math.floor(N / WRITERS) * WRITERS;
  });
  const batched = await timed(async () => {
    for (let i = 0; i < N / 10; i++) await store.append(`batch-${i % 50}`, Array.from({ length: 100 }, (_, j) => event(j)));
    return Math.floor(N / 10) * 100;
  });
  const head = await store.headPosition();
  const catchUp = await timed(
    () =>
      new Promise<number>((resolve, reject) => {
        let seen = 0;
        const sub = store.subscribeToAll({
          after: 0,
          batchSize: 500,
          handler: (events) => {
            seen += events.length;
            if (events[events.length - 1].position >= head) void sub.stop().then(() => resolve(seen));
          },
          onError: reject,
        });
      }),
  );
  return { name, single, concurrent, batched, catchUp, events: head };
}

async function main() {
  console.log(`event store bench: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'es-bench-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const results = [];
  try {
    const sqlite = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
    results.push(await measure('sqlite (WAL, NORMAL)', sqlite));
    const t = performance.now();
    let raw = 0;
    for (let after = 0; ; ) {
      const rows = sqlite.readAllRaw(after, 500);
      if (rows.length === 0) break;
      raw += rows.length;
      after = rows[rows.length - 1].position;
    }
    const rawRate = raw / ((performance.now() - t) / 1000);
    await sqlite.close();

    const pg = new PostgresEventStore({ connectionString: url!, schema, poolSize: WRITERS + 2 });
    await pg.ping();
    results.push(await measure('postgres (fsync on)', pg));
    await pg.close();

    console.log(`\n| store | 1 writer, 1 event/append | ${WRITERS} writers, 1 event/append | 100 events/append | catch-up (subscription) | events |`);
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of results) {
      console.log(`| ${r.name} | ${fmt(r.single)}/s | ${fmt(r.concurrent)}/s | ${fmt(r.batched)}/s | ${fmt(r.catchUp)}/s | ${fmt(r.events)} |`);
    }
    console.log(`\nbaseline: SQLite rows read without JSON decoding ${fmt(rawRate)}/s`);
    const [s, p] = results;
    console.log(
      `postgres / sqlite: single ${(p.single / s.single).toFixed(2)}x, ${WRITERS} writers ${(p.concurrent / s.concurrent).toFixed(2)}x, batched ${(p.batched / s.batched).toFixed(2)}x, catch-up ${(p.catchUp / s.catchUp).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
