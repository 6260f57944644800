import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CatchUpProgress } from './catch-up';
import { CheckpointedProcessor } from './checkpointed-processor';
import { EventStore, RecordedEvent } from './event-store.port';

/**
 * A read model kept in SQLite. `apply` runs inside the runner's transaction, together with the checkpoint
 * update, so a projection is idempotent: an event at or below the stored checkpoint is never applied twice.
 * Bump `version` when the schema or logic changes: the runner drops and rebuilds it from the log.
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  /** event types this projection reads; the checkpoint moves past every other type */
  readonly handles: readonly string[];
  setup(db: Database.Database): void;
  drop(db: Database.Database): void;
  apply(event: RecordedEvent, db: Database.Database): void;
}

/** The SQLite file that holds a service's read models and the checkpoints of its log readers. */
export class ReadModelDatabase {
  readonly db: Database.Database;
  private readonly getCheckpoint;
  private readonly putCheckpoint;

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // rows a rebuild drops are overwritten, not left in free pages: a read model that forgot personal data forgot it on disk too
    this.db.pragma('secure_delete = ON');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 0)',
    );
    this.getCheckpoint = this.db.prepare<[string], { position: number; version: number }>(
      'SELECT position, version FROM checkpoints WHERE name = ?',
    );
    this.putCheckpoint = this.db.prepare(
      'INSERT INTO checkpoints (name, position, version) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position, version = excluded.version',
    );
  }

  checkpoint(name: string): { position: number; version: number } | null {
    return this.getCheckpoint.get(name) ?? null;
  }

  saveCheckpoint(name: string, position: number, version = 0) {
    this.putCheckpoint.run(name, position, version);
  }

  close() {
    if (this.db.open) this.db.close();
  }
}

export interface RebuildProgress {
  done: number;
  total: number;
  position: number;
}

/**
 * Runs a service's projections from one catch-up subscription (a CheckpointedProcessor). Each batch is
 * applied to every projection whose checkpoint is behind, in one transaction with the checkpoints.
 */
export class ProjectionRunner {
  private position = 0;
  private waiters: { position: number; resolve: () => void }[] = [];
  private readonly handled: Map<string, Set<string>>;
  private readonly processor: CheckpointedProcessor;

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelDatabase,
    readonly projections: readonly Projection[],
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.handled = new Map(projections.map((p) => [p.name, new Set(p.handles)]));
    this.processor = new CheckpointedProcessor({
      name: 'projections',
      store,
      checkpoint: () => this.position,
      handle: (events) => this.applyBatch(events),
      batchSize: 1000,
      backoff: { initialMs: 1000, maxMs: 30_000 },
      onError: (error) => this.onError(error),
    });
  }

  /** prepares tables (rebuilding projections whose version changed) and starts following the log */
  start() {
    const db = this.readModels.db;
    for (const p of this.projections) {
      const cp = this.readModels.checkpoint(`projection:${p.name}`);
      if (cp && cp.version !== p.version) {
        db.transaction(() => {
          p.drop(db);
          this.readModels.saveCheckpoint(`projection:${p.name}`, 0, p.version);
        })();
      }
      p.setup(db);
      if (!cp) this.readModels.saveCheckpoint(`projection:${p.name}`, 0, p.version);
    }
    this.position = Math.min(...this.projections.map((p) => this.readModels.checkpoint(`projection:${p.name}`)!.position));
    this.processor.start();
  }

  /** apply a batch synchronously (the subscription and the rebuild both use it) */
  applyBatch(events: RecordedEvent[]) {
    const db = this.readModels.db;
    db.transaction(() => {
      for (const p of this.projections) {
        const name = `projection:${p.name}`;
        const from = this.readModels.checkpoint(name)!.position;
        const types = this.handled.get(p.name)!;
        for (const event of events) {
          if (event.position > from && types.has(event.type)) p.apply(event, db);
        }
        this.readModels.saveCheckpoint(name, events[events.length - 1].position, p.version);
      }
    })();
    this.position = events[events.length - 1].position;
    this.waiters = this.waiters.filter((w) => {
      if (w.position <= this.position) w.resolve();
      return w.position > this.position;
    });
  }

  get checkpoint() {
    return this.position;
  }

  get failed(): unknown {
    return this.processor.error;
  }

  /** events behind the log's head, recent rate and estimated time to catch up */
  progress(): Promise<CatchUpProgress> {
    return this.processor.progress();
  }

  /** resolves once every projection has applied the log up to `position` (read-your-writes) */
  waitFor(position: number, timeoutMs = 5000): Promise<void> {
    if (position <= this.position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read models did not reach position ${position} in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  stop(): Promise<void> {
    return this.processor.stop();
  }

  /** drop every read model and replay the whole log; safe to interrupt (checkpoints move with the data) */
  async rebuild(onProgress?: (p: RebuildProgress) => void, batchSize = 5000) {
    const running = this.processor.running;
    await this.stop();
    const db = this.readModels.db;
    db.transaction(() => {
      for (const p of this.projections) {
        p.drop(db);
        p.setup(db);
        this.readModels.saveCheckpoint(`projection:${p.name}`, 0, p.version);
      }
    })();
    this.position = 0;
    const total = await this.store.headPosition();
    let done = 0;
    for (;;) {
      const batch = await this.store.readAll({ after: this.position, maxCount: batchSize });
      if (batch.length === 0) break;
      this.applyBatch(batch);
      done += batch.length;
      onProgress?.({ done, total, position: this.position });
    }
    if (running) this.start();
    return { events: done, position: this.position };
  }
}

/**
 * A read model's query statements, prepared on first use (the runner has created the tables by then) and
 * again if the database was reopened: what every read-model class holds instead of preparing per call.
 */
export class PreparedQueries<Q> {
  private prepared: Q | null = null;
  private preparedOn: Database.Database | null = null;

  constructor(
    private readonly readModels: ReadModelDatabase,
    private readonly prepare: (db: Database.Database) => Q,
  ) {}

  get q(): Q {
    if (this.prepared === null || this.preparedOn !== this.readModels.db) {
      this.prepared = this.prepare(this.readModels.db);
      this.preparedOn = this.readModels.db;
    }
    return this.prepared;
  }
}
