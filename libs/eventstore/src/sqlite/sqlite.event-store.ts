import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
  StreamAppend,
  SubscribeOptions,
  assertAppendMany,
  Subscription,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { pollingSubscription } from '../subscription';

export interface SqliteEventStoreOptions {
  /** file path, or ':memory:' */
  filename: string;
  /** FULL survives power loss; NORMAL (default) survives a process crash, which is what WAL guarantees */
  synchronous?: 'NORMAL' | 'FULL';
  /** how often a subscription looks for appends made by another process on the same file */
  pollIntervalMs?: number;
}

/** how many recently appended streams keep their own change token (see streamChangeToken) */
const STREAM_TOKENS_KEPT = 100_000;

interface Row {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

/** Embedded event store: one SQLite file in WAL mode. Appends are serialised by SQLite's write lock. */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private readonly pollIntervalMs: number;
  private readonly stmt: ReturnType<SqliteEventStore['prepare']>;
  private closed = false;
  private localAppends = 0;
  /** the local append counter when each recently appended stream was last appended to (bounded, oldest out) */
  private readonly streamAppends = new Map<string, number>();
  /** the highest counter value dropped from streamAppends: a stream not in the map may have changed up to it */
  private forgottenAppends = 0;
  /** the streams the running transaction wrote to (a retried append writes nothing) */
  private written: string[] = [];
  private readonly dataVersion: Database.Statement<[], { data_version: number }>;

  constructor(options: SqliteEventStoreOptions) {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        stream TEXT NOT NULL,
        revision INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        metadata TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        UNIQUE (stream, revision)
      );
    `);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.appended.setMaxListeners(0);
    this.stmt = this.prepare();
    this.dataVersion = this.db.prepare('PRAGMA data_version');
  }

  private otherWriters = { version: 0, checkedAt: -Infinity };

  /**
   * Local appends, plus SQLite's data_version, which changes when another connection commits to the file.
   * Reading data_version takes a read lock (~10 µs), so it is read at most every 2 ms: an append by another
   * process is seen within 2 ms (one process writes a service's file in production; a writer with a stale
   * view is still stopped by the expected revision).
   */
  changeToken(): string {
    const now = performance.now();
    if (now - this.otherWriters.checkedAt > 2) {
      this.otherWriters = { version: this.dataVersion.get()!.data_version, checkedAt: now };
    }
    return `${this.localAppends}:${this.otherWriters.version}`;
  }

  /**
   * One stream's token: the local append counter at its last local append (or, for a stream appended too long
   * ago to be remembered, the highest counter forgotten since), plus data_version as in changeToken. Appends
   * to other streams leave it as it is, so a cached fold stays valid while a consumer records into other
   * aggregates. Conservative by construction: when in doubt the token changes and the cache reads the tail.
   */
  streamChangeToken(streamName: string): string {
    this.changeToken(); // refreshes data_version (at most every 2 ms)
    return `${this.streamAppends.get(streamName) ?? this.forgottenAppends}:${this.otherWriters.version}`;
  }

  private noteAppended(streams: string[]) {
    if (streams.length === 0) return;
    this.localAppends += 1;
    for (const stream of streams) {
      this.streamAppends.delete(stream);
      this.streamAppends.set(stream, this.localAppends);
    }
    while (this.streamAppends.size > STREAM_TOKENS_KEPT) {
      const [oldest, at] = this.streamAppends.entries().next().value as [string, number];
      this.streamAppends.delete(oldest);
      this.forgottenAppends = Math.max(this.forgottenAppends, at);
    }
  }

  private prepare() {
    return {
      revision: this.db.prepare<[string], { r: number | null }>('SELECT MAX(revision) AS r FROM events WHERE stream = ?'),
      byId: this.db.prepare<[string], { stream: string; revision: number; position: number }>(
        'SELECT stream, revision, position FROM events WHERE id = ?',
      ),
      insert: this.db.prepare(
        'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      forwards: this.db.prepare<[string, number, number], Row>(
        'SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?',
      ),
      backwards: this.db.prepare<[string, number, number], Row>(
        'SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?',
      ),
      all: this.db.prepare<[number, number], Row>('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      head: this.db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM events'),
    };
  }

  private readonly appendTx = (streamName: string, events: NewEvent[], expected: ExpectedRevision): AppendResult => {
    const current = this.stmt.revision.get(streamName)?.r ?? null;
    const retried = this.retriedAppend(streamName, events);
    if (retried) return retried;
    this.written.push(streamName);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === null) ||
      (expected === 'stream_exists' && current !== null) ||
      (typeof expected === 'number' && current === expected);
    if (!ok) throw new WrongExpectedRevisionError(streamName, expected, current);
    let revision = current ?? -1;
    let position = 0;
    const now = new Date().toISOString();
    for (const event of events) {
      revision += 1;
      const info = this.stmt.insert.run(
        event.id ?? randomUUID(),
        streamName,
        revision,
        event.type,
        JSON.stringify(event.data ?? null),
        JSON.stringify(event.metadata ?? {}),
        now,
      );
      position = Number(info.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position };
  };

  /** the same ids appended again to the same stream in the same order: answer the first append's result */
  private retriedAppend(streamName: string, events: NewEvent[]): AppendResult | null {
    const first = events[0]?.id;
    if (!first) return null;
    const existing = this.stmt.byId.get(first);
    if (!existing) {
      for (const e of events.slice(1)) if (e.id && this.stmt.byId.get(e.id)) throw new DuplicateEventIdError(e.id, streamName);
      return null;
    }
    let last = existing;
    for (let i = 0; i < events.length; i++) {
      const id = events[i].id;
      const found = id ? this.stmt.byId.get(id) : undefined;
      if (!found || found.stream !== streamName || found.revision !== existing.revision + i) {
        throw new DuplicateEventIdError(id ?? first, streamName);
      }
      last = found;
    }
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  async append(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new Error('append needs at least one event');
    const tx = this.db.transaction(this.appendTx);
    this.written = [];
    const result = tx.immediate(streamName, events, options.expectedRevision ?? 'any');
    this.noteAppended(this.written);
    this.appended.emit('appended', result.position);
    return { ...result, token: this.streamChangeToken(streamName) };
  }

  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    assertAppendMany(appends);
    if (appends.length === 0) return [];
    const tx = this.db.transaction((list: StreamAppend[]) => list.map((a) => this.appendTx(a.streamName, a.events, a.expectedRevision ?? 'any')));
    this.written = [];
    const results = tx.immediate(appends);
    this.noteAppended(this.written);
    this.appended.emit('appended', Math.max(...results.map((r) => r.position)));
    return results.map((r, i) => ({ ...r, token: this.streamChangeToken(appends[i].streamName) }));
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const rows =
      options.direction === 'backwards'
        ? this.stmt.backwards.all(streamName, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max)
        : this.stmt.forwards.all(streamName, options.fromRevision ?? 0, max);
    return rows.map(toRecorded);
  }

  async streamRevision(streamName: string): Promise<number | null> {
    this.assertOpen();
    return this.stmt.revision.get(streamName)?.r ?? null;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.stmt.all.all(options.after ?? 0, options.maxCount ?? 1000).map(toRecorded);
  }

  /** rows without JSON decoding: used by the benchmark's no-op baseline */
  readAllRaw(after: number, maxCount: number): Row[] {
    return this.stmt.all.all(after, maxCount);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.stmt.head.get()?.p ?? 0;
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return pollingSubscription(this, options, {
      pollIntervalMs: this.pollIntervalMs,
      onAppend: (wake) => {
        this.appended.on('appended', wake);
        return () => this.appended.off('appended', wake);
      },
    });
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.emit('closed');
    this.db.close();
  }

  private assertOpen() {
    if (this.closed) throw new Error('event store is closed');
  }
}

function toRecorded(row: Row): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    streamName: row.stream,
    revision: row.revision,
    position: row.position,
    recordedAt: row.recorded_at,
  };
}
