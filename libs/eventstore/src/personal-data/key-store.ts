import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Pool } from 'pg';
import { migrateSchema } from '../postgres/postgres.schema';

/** one data key as the key store keeps it: wrapped (AES-256-GCM) with the service's master key */
export interface StoredDataKey {
  keyId: string;
  wrapped: string;
}

/**
 * The personal-data key store port: per-subject data keys kept OUTSIDE the event log. A subject is named by a
 * keyed hash (never the email itself); `forget` deletes its keys for good, which is what makes the personal data
 * sealed with them in past events unreadable (crypto-shredding). Adapters: SQLite file, PostgreSQL table.
 */
export interface PersonalDataKeyStore {
  /** the subject's key, created with `candidate` when it has none yet (the first writer wins) */
  getOrCreate(subject: string, candidate: StoredDataKey): Promise<StoredDataKey>;
  /** the key with this id, or null when it was forgotten (or never existed) */
  get(keyId: string): Promise<StoredDataKey | null>;
  /** deletes every key of these subjects; answers how many were deleted */
  forget(subjects: string[]): Promise<number>;
  /**
   * optional: a master key shared by the replicas through the store (the first candidate wins), for a shared
   * store without PERSONAL_DATA_MASTER_KEY; a per-replica generated file would seal what other replicas cannot open
   */
  sharedMasterKey?(candidate: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * SQLite adapter: its own file next to the service's log (DATA_DIR/<service>/personal-data-keys.sqlite).
 * `secure_delete` overwrites a forgotten key's bytes, and a forget checkpoints the WAL, so no copy of the key
 * stays in free pages or the write-ahead log.
 */
export class SqlitePersonalDataKeyStore implements PersonalDataKeyStore {
  private readonly db: Database.Database;

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true, mode: 0o700 });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS personal_data_keys (subject TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, wrapped TEXT NOT NULL)',
    );
  }

  async getOrCreate(subject: string, candidate: StoredDataKey) {
    this.db
      .prepare('INSERT INTO personal_data_keys (subject, key_id, wrapped) VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING')
      .run(subject, candidate.keyId, candidate.wrapped);
    const row = this.db.prepare('SELECT key_id, wrapped FROM personal_data_keys WHERE subject = ?').get(subject) as { key_id: string; wrapped: string };
    return { keyId: row.key_id, wrapped: row.wrapped };
  }

  async get(keyId: string) {
    const row = this.db.prepare('SELECT key_id, wrapped FROM personal_data_keys WHERE key_id = ?').get(keyId) as { key_id: string; wrapped: string } | undefined;
    return row ? { keyId: row.key_id, wrapped: row.wrapped } : null;
  }

  async forget(subjects: string[]) {
    const del = this.db.prepare('DELETE FROM personal_data_keys WHERE subject = ?');
    const count = this.db.transaction(() => subjects.reduce((n, s) => n + del.run(s).changes, 0))();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return count;
  }

  async close() {
    this.db.close();
  }
}

/** PostgreSQL adapter: `<schema>.personal_data_keys`, shared by the service's replicas */
export class PostgresPersonalDataKeyStore implements PersonalDataKeyStore {
  private readonly pool: Pool;
  private ready: Promise<void> | null = null;

  constructor(private readonly options: { connectionString: string; schema: string }) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new Error(`personal data keys: invalid schema name ${JSON.stringify(options.schema)}`);
    this.pool = new Pool({ connectionString: options.connectionString, max: 4, connectionTimeoutMillis: 5000, allowExitOnIdle: true });
    this.pool.on('error', () => undefined);
  }

  private get table() {
    return `"${this.options.schema}".personal_data_keys`;
  }

  private init() {
    this.ready ??= migrateSchema(this.pool, this.options.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (subject TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, wrapped TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS "${this.options.schema}".personal_data_master (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL)`,
    ]).catch((error) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  async getOrCreate(subject: string, candidate: StoredDataKey) {
    await this.init();
    await this.pool.query(`INSERT INTO ${this.table} (subject, key_id, wrapped) VALUES ($1, $2, $3) ON CONFLICT (subject) DO NOTHING`, [
      subject,
      candidate.keyId,
      candidate.wrapped,
    ]);
    const { rows } = await this.pool.query<{ key_id: string; wrapped: string }>(`SELECT key_id, wrapped FROM ${this.table} WHERE subject = $1`, [subject]);
    return { keyId: rows[0].key_id, wrapped: rows[0].wrapped };
  }

  async get(keyId: string) {
    await this.init();
    const { rows } = await this.pool.query<{ key_id: string; wrapped: string }>(`SELECT key_id, wrapped FROM ${this.table} WHERE key_id = $1`, [keyId]);
    return rows[0] ? { keyId: rows[0].key_id, wrapped: rows[0].wrapped } : null;
  }

  async forget(subjects: string[]) {
    await this.init();
    const { rowCount } = await this.pool.query(`DELETE FROM ${this.table} WHERE subject = ANY($1::text[])`, [subjects]);
    return rowCount ?? 0;
  }

  async sharedMasterKey(candidate: string) {
    await this.init();
    const table = `"${this.options.schema}".personal_data_master`;
    await this.pool.query(`INSERT INTO ${table} (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [candidate]);
    const { rows } = await this.pool.query<{ key: string }>(`SELECT key FROM ${table} WHERE id = 1`);
    return rows[0].key;
  }

  async close() {
    await this.pool.end();
  }
}
