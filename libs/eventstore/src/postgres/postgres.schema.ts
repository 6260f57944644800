import { Pool } from 'pg';

/**
 * Creates a service schema's objects once, whoever asks first (the event store, the leases, several replicas
 * starting together). Everything runs in ONE transaction under a transaction-scoped advisory lock on the
 * schema's name: DDL is transactional in PostgreSQL, and an error (of any kind) rolls back and releases the
 * lock with it. A session-level lock here once leaked: a `CREATE SCHEMA IF NOT EXISTS` that lost a race with
 * another creator failed with 23505 between lock and unlock, the pooled connection kept the lock, and every
 * other replica's first query then waited on it forever (not ready, "no answer in 2000 ms").
 */
export async function migrateSchema(pool: Pool, schema: string, statements: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`eventstore-migrate:${schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      for (const statement of statements) await client.query(statement);
      await client.query('COMMIT');
      return;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // a creator that does not take the lock (an older version during a rollout) won the race: look again
      if ((error as { code?: string }).code === '23505' && attempt < 3) continue;
      throw error;
    } finally {
      client.release();
    }
  }
}
