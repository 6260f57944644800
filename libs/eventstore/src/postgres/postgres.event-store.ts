import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Client, Pool, PoolClient } from 'pg';
import {
  AppendOptions,
  AppendResult,
  DuplicateEventIdError,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  assertAppendMany,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { pollingSubscription } from '../subscription';
import { migrateSchema } from './postgres.schema';
import { Row, toRecorded } from './postgres.rows';

export interface PostgresEventStoreOptions {
  /** postgres://user:password@host:port/database */
  connectionString: string;
  /** schema that holds this log (one per service, like one SQLite file per service); created when missing */
  schema: string;
  /** connections in the pool (appends and reads); LISTEN uses one more */
  poolSize?: number;
  /** fallback poll of a subscription when no notification arrives (a lost LISTEN connection, a missed wake-up) */
  pollIntervalMs?: number;
  /** how long one `readAll` waits for in-flight appends before answering with what is final so far */
  inFlightWaitMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Shared event store on PostgreSQL: one `events` table per service schema, positions from a sequence
 * (`bigserial`), `UNIQUE (stream, revision)` and `UNIQUE (id)`. Any number of replicas append to it.
 *
 * Appends: one transaction per append. A transaction-scoped advisory lock on the stream name serialises
 * writers of one stream (so `any` never fails on a race and the expected-revision check reads the latest
 * committed revision); the unique constraints stay as the last line of defence. The transaction NOTIFYs
 * the schema's channel; PostgreSQL delivers it at commit, which wakes every replica's subscriptions
 * (a fallback poll covers a dropped LISTEN connection).
 *
 * The late-commit trap: positions come from a sequence, so they are handed out in the order appends reach
 * the INSERT, but transactions become visible in the order they commit. If append A takes position 10 and
 * append B takes 11 and commits first, a reader that sees 11 and moves its checkpoint to 11 would never see
 * 10. `readAll` (and so every subscription, which reads through it) only ever answers a prefix of the log
 * that is final, i.e. into which no later commit can land:
 *  1. every append takes its transaction id (`pg_current_xact_id()`) BEFORE it takes a position, so a
 *     transaction that holds a position always has an xid by then;
 *  2. a read takes the rows after the checkpoint and, in the same statement (one snapshot), the ids of the
 *     transactions in flight at that snapshot (`pg_snapshot_xip(pg_current_snapshot())`);
 *  3. rows whose positions follow the checkpoint without a gap are final (no position can appear between
 *     two visible consecutive positions); if nothing was in flight, every gap is permanent (a rolled-back
 *     append, a conflict, a sequence jump after a crash) and the whole batch is final;
 *  4. otherwise the read waits until every transaction in flight at its snapshot has ended, then reads
 *     again: any transaction that could still commit a position below the highest position of the first
 *     read had its xid before the first snapshot (it took its xid, then its position, before the append
 *     with the higher position committed), so it was in that in-flight list; once they have all ended,
 *     everything up to that highest position is final.
 * This is the high-water-mark idea of Marten's async daemon and emmett's PostgreSQL store (which orders by
 * transaction id), kept here with one strictly increasing position so checkpoints stay a single number.
 * The wait is bounded (`inFlightWaitMs`): a read that times out answers the final prefix (maybe empty) and
 * the subscription tries again. In-flight transactions of other databases on the same server only delay a
 * read past a gap; they never make it skip anything.
 */
export class PostgresEventStore implements EventStore {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly table: string;
  private readonly channel: string;
  private readonly appended = new EventEmitter();
  private readonly pollIntervalMs: number;
  private readonly inFlightWaitMs: number;
  private ready: Promise<void> | null = null;
  private listener: Client | null = null;
  private listenerRetry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: PostgresEventStoreOptions) {
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`postgres event store: invalid schema name ${JSON.stringify(options.schema)}`);
    this.schema = options.schema;
    this.table = `"${options.schema}".events`;
    this.channel = `events_${options.schema}`;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.inFlightWaitMs = options.inFlightWaitMs ?? 500;
    this.pool = new Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
    // an idle connection that dies (server restart) must not crash the process; the next query reconnects
    this.pool.on('error', () => undefined);
    this.appended.setMaxListeners(0);
  }

  /** creates the schema and table once per process; replicas starting together are serialised (postgres.schema.ts) */
  private init(): Promise<void> {
    this.ready ??= migrateSchema(this.pool, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (
          position BIGSERIAL PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          stream TEXT NOT NULL,
          revision INTEGER NOT NULL,
          type TEXT NOT NULL,
          data JSON NOT NULL,
          metadata JSON NOT NULL,
          recorded_at TEXT NOT NULL,
          UNIQUE (stream, revision)
        )`,
    ]).catch((error) => {
      this.ready = null; // try again on the next call
      throw error;
    });
    return this.ready;
  }

  async append(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new Error('append needs at least one event');
    await this.init();
    const expected = options.expectedRevision ?? 'any';
    const client = await this.pool.connect();
    let result: AppendResult;
    try {
      await client.query('BEGIN');
      try {
        result = await this.appendTx(client, streamName, events, expected);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw await this.translate(error, streamName, events, expected);
      }
    } finally {
      client.release();
    }
    this.appended.emit('appended');
    return result;
  }

  /**
   * Several streams in one transaction. The stream locks are taken up front in sorted order (after the xid,
   * as the late-commit rule wants), so two batches touching the same streams in another order cannot
   * deadlock; `appendTx` takes each lock again, which PostgreSQL grants at once to the same transaction.
   */
  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    assertAppendMany(appends);
    if (appends.length === 0) return [];
    await this.init();
    const client = await this.pool.connect();
    const results: AppendResult[] = [];
    try {
      await client.query('BEGIN');
      let current: StreamAppend = appends[0];
      try {
        const sorted = appends.map((a) => a.streamName).sort();
        await client.query('SELECT pg_current_xact_id(), pg_advisory_xact_lock(hashtextextended(s, 0)) FROM unnest($1::text[]) AS s ORDER BY s', [sorted]);
        for (const a of appends) {
          current = a;
          results.push(await this.appendTx(client, a.streamName, a.events, a.expectedRevision ?? 'any'));
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw await this.translate(error, current.streamName, current.events, current.expectedRevision ?? 'any');
      }
    } finally {
      client.release();
    }
    this.appended.emit('appended');
    return results;
  }

  private async appendTx(client: PoolClient, streamName: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    // step 1 of the late-commit rule: the xid first, then the stream lock, then positions
    await client.query('SELECT pg_current_xact_id(), pg_advisory_xact_lock(hashtextextended($1, 0))', [streamName]);
    const retried = await this.retriedAppend(client, streamName, events);
    if (retried) return retried;
    const current = await this.currentRevision(client, streamName);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === null) ||
      (expected === 'stream_exists' && current !== null) ||
      (typeof expected === 'number' && current === expected);
    if (!ok) throw new WrongExpectedRevisionError(streamName, expected, current);
    const first = (current ?? -1) + 1;
    const now = new Date().toISOString();
    const inserted = await client.query<{ position: string; revision: number }>(
      `INSERT INTO ${this.table} (id, stream, revision, type, data, metadata, recorded_at)
       SELECT id, $2, $3::int + (ord - 1)::int, type, data::json, metadata::json, $4
       FROM unnest($1::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS t(id, type, data, metadata, ord)
       ORDER BY ord
       RETURNING position, revision`,
      [
        events.map((e) => e.id ?? randomUUID()),
        streamName,
        first,
        now,
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data ?? null)),
        events.map((e) => JSON.stringify(e.metadata ?? {})),
      ],
    );
    await client.query('SELECT pg_notify($1, $2)', [this.channel, '']);
    const last = inserted.rows.reduce((a, b) => (Number(b.position) > Number(a.position) ? b : a));
    return { nextExpectedRevision: first + events.length - 1, position: Number(last.position) };
  }

  private async currentRevision(client: PoolClient | Pool, streamName: string): Promise<number | null> {
    const { rows } = await client.query<{ r: number | null }>(`SELECT MAX(revision) AS r FROM ${this.table} WHERE stream = $1`, [streamName]);
    return rows[0]?.r ?? null;
  }

  /** the same ids appended again to the same stream in the same order: answer the first append's result */
  private async retriedAppend(client: PoolClient, streamName: string, events: NewEvent[]): Promise<AppendResult | null> {
    const ids = events.map((e) => e.id).filter((id): id is string => !!id);
    if (ids.length === 0) return null;
    const { rows } = await client.query<{ id: string; stream: string; revision: number; position: string }>(
      `SELECT id, stream, revision, position FROM ${this.table} WHERE id = ANY($1::text[])`,
      [ids],
    );
    if (rows.length === 0) return null;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const first = events[0].id ? byId.get(events[0].id) : undefined;
    if (!first) throw new DuplicateEventIdError(rows[0].id, streamName);
    let last = first;
    for (let i = 0; i < events.length; i++) {
      const id = events[i].id;
      const found = id ? byId.get(id) : undefined;
      if (!found || found.stream !== streamName || found.revision !== first.revision + i) {
        throw new DuplicateEventIdError(id ?? first.id, streamName);
      }
      last = found;
    }
    return { nextExpectedRevision: last.revision, position: Number(last.position) };
  }

  /** a unique violation that slipped past the checks (a writer that does not take the stream lock) */
  private async translate(error: unknown, streamName: string, events: NewEvent[], expected: ExpectedRevision): Promise<unknown> {
    const pgError = error as { code?: string; constraint?: string };
    if (pgError?.code !== '23505') return error;
    if (pgError.constraint?.endsWith('_id_key')) return new DuplicateEventIdError(events[0].id ?? '?', streamName);
    return new WrongExpectedRevisionError(streamName, expected, await this.currentRevision(this.pool, streamName).catch(() => null));
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    await this.init();
    const max = options.maxCount ?? 2_147_483_647;
    const backwards = options.direction === 'backwards';
    const { rows } = await this.pool.query<Row>(
      backwards
        ? `SELECT * FROM ${this.table} WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`
        : `SELECT * FROM ${this.table} WHERE stream = $1 AND revision >= $2 ORDER BY revision ASC LIMIT $3`,
      [streamName, options.fromRevision ?? (backwards ? 2_147_483_647 : 0), max],
    );
    return rows.map(toRecorded);
  }

  async streamRevision(streamName: string): Promise<number | null> {
    this.assertOpen();
    await this.init();
    return this.currentRevision(this.pool, streamName);
  }

  /** the final prefix of the log after `after` (see the class comment: it never skips a late commit) */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    await this.init();
    const after = options.after ?? 0;
    const maxCount = options.maxCount ?? 1000;
    const deadline = Date.now() + this.inFlightWaitMs;
    let finalUpTo = after;
    for (;;) {
      const { rows } = await this.pool.query<Row & { xip: string[] }>(
        `SELECT e.*, s.xip FROM ${this.table} e,
           (SELECT ARRAY(SELECT pg_snapshot_xip(pg_current_snapshot()))::text[] AS xip) s
         WHERE e.position > $1 ORDER BY e.position LIMIT $2`,
        [after, maxCount],
      );
      if (rows.length === 0) return [];
      const inFlight = rows[0].xip;
      if (inFlight.length === 0) return rows.map(toRecorded);
      const out: RecordedEvent[] = [];
      let previous = after;
      for (const row of rows) {
        const position = Number(row.position);
        if (position > finalUpTo && position !== previous + 1) break;
        out.push(toRecorded(row));
        previous = position;
      }
      if (out.length > 0) return out;
      if (!(await this.waitForEnd(inFlight, deadline))) return [];
      finalUpTo = Number(rows[rows.length - 1].position);
    }
  }

  /** true once none of these transactions is in progress; false at the deadline */
  private async waitForEnd(xids: string[], deadline: number): Promise<boolean> {
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      const { rows } = await this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM unnest($1::xid8[]) x WHERE pg_xact_status(x) = 'in progress'`,
        [xids],
      );
      if (rows[0].n === 0) return true;
      if (Date.now() >= deadline || this.closed) return false;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    await this.init();
    const { rows } = await this.pool.query<{ p: string | null }>(`SELECT MAX(position) AS p FROM ${this.table}`);
    return Number(rows[0]?.p ?? 0);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.listen();
    return pollingSubscription(this, options, {
      pollIntervalMs: this.pollIntervalMs,
      onAppend: (wake) => {
        this.appended.on('appended', wake);
        return () => this.appended.off('appended', wake);
      },
    });
  }

  /** one LISTEN connection per store, shared by its subscriptions; reconnects after a loss */
  private listen() {
    if (this.listener || this.listenerRetry || this.closed) return;
    const client = new Client({ connectionString: this.options.connectionString });
    this.listener = client;
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = null;
      client.removeAllListeners();
      client.end().catch(() => undefined);
      if (!this.closed) {
        this.listenerRetry = setTimeout(() => {
          this.listenerRetry = null;
          this.listen();
        }, 1000);
      }
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => this.appended.emit('appended'));
    client
      .connect()
      .then(() => client.query(`LISTEN "${this.channel}"`))
      // appends made while the connection was down: wake the subscriptions once
      .then(() => this.appended.emit('appended'))
      .catch(lost);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.pool.query('SELECT 1');
    await this.init();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.listenerRetry) clearTimeout(this.listenerRetry);
    const listener = this.listener;
    this.listener = null;
    if (listener) {
      listener.removeAllListeners();
      listener.on('error', () => undefined);
      // a connection still being set up may not answer end() promptly: do not let close() hang on it
      await Promise.race([listener.end().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.appended.emit('closed');
    await this.pool.end();
  }

  private assertOpen() {
    if (this.closed) throw new Error('event store is closed');
  }
}
