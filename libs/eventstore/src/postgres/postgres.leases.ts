import { Client, Pool } from 'pg';
import { migrateSchema } from './postgres.schema';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Leases and shared checkpoints for the replicas of one service, on the PostgreSQL server that holds its log.
 *
 * A lease is a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated connection: exactly
 * one replica holds it at a time, and the server releases it when that replica's connection ends (a clean
 * stop, a crash, a network cut), so no expiry clock is needed. A replica that sees its lease connection fail
 * hears about it through `onLost` and must stop the work the lease guarded. Between the server noticing a
 * dead connection and the old holder noticing it, both may briefly work: the work guarded here (the outbox
 * relay) is at-least-once and its consumers are idempotent, and a checkpoint only ever moves forward.
 *
 * Checkpoints live in `<schema>.checkpoints`, next to the log, not on a replica's disk: a new leader resumes
 * where the previous one stopped.
 */
export class PostgresLeases {
  private readonly pool: Pool;
  private lockClient: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private readonly held = new Set<string>();
  private readonly lostListeners: ((name: string) => void)[] = [];
  private ready: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: { connectionString: string; schema: string }) {
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`postgres leases: invalid schema name ${JSON.stringify(options.schema)}`);
    // idle connections do not keep a stopping process alive; the lock connection ends with the last lease
    this.pool = new Pool({ connectionString: options.connectionString, max: 2, connectionTimeoutMillis: 5000, allowExitOnIdle: true });
    this.pool.on('error', () => undefined);
  }

  private get table() {
    return `"${this.options.schema}".checkpoints`;
  }

  private key(name: string) {
    return `lease:${this.options.schema}:${name}`;
  }

  private init(): Promise<void> {
    this.ready ??= migrateSchema(this.pool, this.options.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (name TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    ]).catch((error) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  private lockConnection(): Promise<Client> {
    if (this.lockClient) return Promise.resolve(this.lockClient);
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.options.connectionString, keepAlive: true });
      const lost = () => {
        if (this.lockClient !== client) return;
        this.lockClient = null;
        client.removeAllListeners();
        client.on('error', () => undefined);
        client.end().catch(() => undefined);
        const names = [...this.held];
        this.held.clear();
        for (const name of names) for (const listener of this.lostListeners) listener(name);
      };
      client.on('error', lost);
      client.on('end', lost);
      try {
        await client.connect();
      } catch (error) {
        client.removeAllListeners();
        throw error;
      }
      this.lockClient = client;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** true when this process now holds the lease (or already did); never waits for another holder */
  async tryAcquire(name: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.held.has(name)) return true;
    await this.init();
    const client = await this.lockConnection();
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [this.key(name)]);
    if (rows[0].ok) this.held.add(name);
    return rows[0].ok;
  }

  holds(name: string) {
    return this.held.has(name);
  }

  /** called with the lease's name when the connection that held it is lost */
  onLost(listener: (name: string) => void) {
    this.lostListeners.push(listener);
  }

  async release(name: string): Promise<void> {
    if (!this.held.delete(name)) return;
    const client = this.lockClient;
    await client?.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.key(name)]).catch(() => undefined);
    if (client && this.held.size === 0 && this.lockClient === client) {
      this.lockClient = null;
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }

  async checkpoint(name: string): Promise<number | null> {
    await this.init();
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position FROM ${this.table} WHERE name = $1`, [name]);
    return rows[0] ? Number(rows[0].position) : null;
  }

  /** moves the checkpoint forward only: a holder that lost its lease late can never move it back */
  async saveCheckpoint(name: string, position: number): Promise<void> {
    await this.init();
    await this.pool.query(
      `INSERT INTO ${this.table} (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = GREATEST(${this.table}.position, excluded.position), updated_at = now()`,
      [name, position],
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.lockClient;
    this.lockClient = null;
    this.held.clear();
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
    await this.pool.end();
  }
}
