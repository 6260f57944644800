/**
 * Two replicas of one service on a real PostgreSQL server: exactly one publishes; when it goes (a clean
 * stop, or its lease connection killed as in a crash), the other resumes from the shared checkpoint.
 * Needs POSTGRES_URL (scripts/infra/pg-start.sh prints it).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore, PostgresLeases, ReadModelDatabase, RecordedEvent } from '@lib/eventstore';
import { BusMessage, MessageBus } from './message-bus.port';
import { OutboxRelay } from './outbox.relay';

const connectionString = process.env.POSTGRES_URL;
if (!connectionString) throw new Error('POSTGRES_URL is not set: start PostgreSQL with scripts/infra/pg-start.sh');
const url: string = connectionString;
jest.setTimeout(30_000);

/** records what each replica published, by event position */
class RecordingBus implements MessageBus {
  readonly published: number[] = [];
  async publish(messages: BusMessage[]) {
    for (const m of messages) this.published.push(JSON.parse(m.value).position);
  }
  async subscribe() {}
  async subscribeBatch() {}
  async ping() {}
  async close() {}
}

const toMessage = (event: RecordedEvent): BusMessage => ({
  topic: 't',
  key: event.streamName,
  value: JSON.stringify({ position: event.position }),
  headers: {},
});

async function until(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('outbox relay with a PostgreSQL lease: one publisher among replicas', () => {
  const schema = `relay_test_${randomBytes(5).toString('hex')}`;
  const replicas: { store: PostgresEventStore; leases: PostgresLeases; local: ReadModelDatabase; bus: RecordingBus; relay: OutboxRelay }[] = [];

  const replica = () => {
    const store = new PostgresEventStore({ connectionString: url, schema, pollIntervalMs: 200 });
    const leases = new PostgresLeases({ connectionString: url, schema });
    const local = new ReadModelDatabase(':memory:');
    const bus = new RecordingBus();
    const relay = new OutboxRelay({ name: 'svc', store, bus, checkpoints: local, toMessage, leadership: leases, leaseRetryMs: 100, retryDelayMs: 100 });
    const r = { store, leases, local, bus, relay };
    replicas.push(r);
    return r;
  };

  afterAll(async () => {
    for (const r of replicas) {
      await r.relay.stop().catch(() => undefined);
      await r.leases.close();
      await r.store.close();
      r.local.close();
    }
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('publishes every event once while both run, then hands over on stop and on a lost connection', async () => {
    const a = replica();
    const b = replica();
    const append = async (n: number) => {
      const positions: number[] = [];
      for (let i = 0; i < n; i++) positions.push((await a.store.append(`s-${i % 3}`, [{ type: 'E', data: { i } }])).position);
      return positions;
    };
    a.relay.start();
    await until(() => a.relay.isLeader, 5000, 'a leads');
    b.relay.start();
    const first = await append(20);
    await until(() => a.bus.published.length === 20, 5000, 'a publishes');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.relay.isLeader).toBe(false);
    expect(b.bus.published).toEqual([]);
    expect(a.bus.published).toEqual(first);

    // a clean stop releases the lease: b resumes after a's checkpoint
    await a.relay.stop();
    const second = await append(10);
    await until(() => b.bus.published.length >= 10, 5000, 'b takes over');
    expect(b.bus.published).toEqual(second);

    // a crash: the server ends b's lease connection; c (a fresh replica) takes over from the shared checkpoint
    const c = replica();
    c.relay.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(c.relay.isLeader).toBe(false);
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
         AND (classid::bigint << 32 | objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)`,
      [`lease:${schema}:relay:svc`],
    );
    await admin.end();
    await until(() => !b.relay.isLeader, 5000, 'b notices its lost lease');
    const third = await append(10);
    await until(() => c.bus.published.length >= 10, 8000, 'c takes over');
    // at-least-once: c starts at the shared checkpoint, so it publishes nothing b had already published
    expect(c.bus.published).toEqual(third);
    expect(new Set([...a.bus.published, ...b.bus.published, ...c.bus.published]).size).toBe(40);
    expect(await c.leases.checkpoint('relay:svc')).toBe(third[third.length - 1]);
  });
});
