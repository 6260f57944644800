/**
 * The personal-data key store contract against a real PostgreSQL server. Needs POSTGRES_URL (e.g. from
 * `PG_PORT=20432 scripts/infra/pg-start.sh`, which prints it); `.ci/run` starts one.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresPersonalDataKeyStore } from './key-store';
import { keyStoreContract } from './key-store.contract';

const connectionString = process.env.POSTGRES_URL;
if (!connectionString) {
  throw new Error('POSTGRES_URL is not set: start PostgreSQL with scripts/infra/pg-start.sh (see scripts/infra/README.md)');
}
const url: string = connectionString;
const schemas: string[] = [];

afterAll(async () => {
  const client = new Client({ connectionString: url });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

keyStoreContract('postgres', async () => {
  const schema = `pdk_test_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return new PostgresPersonalDataKeyStore({ connectionString: url, schema });
});

describe('personal data vaults of two replicas on one PostgreSQL schema, without PERSONAL_DATA_MASTER_KEY', () => {
  it('share the master key through the store: one replica opens what the other sealed; a forget reaches every replica once its key cache (30 s) expires', async () => {
    const { PersonalDataVault, DELETED_USER } = await import('./personal-data-vault');
    const schema = `pdk_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const stores = [0, 1].map(() => new PostgresPersonalDataKeyStore({ connectionString: url, schema }));
    // the file argument is never used when the store shares the key
    const [a, b] = stores.map((s) => PersonalDataVault.forService(undefined, '/nonexistent/personal-data.key', s));
    const sealed = await a.seal('user:usr-1', 'ada@example.com');
    expect(sealed).not.toContain('ada');
    expect(await b.open(sealed)).toBe('ada@example.com');
    expect(await b.pseudonym('ada@example.com')).toBe(await a.pseudonym('ada@example.com'));
    await b.forget(['user:usr-1']);
    expect(await a.open(sealed)).toBe('ada@example.com'); // a's cache: at most the cache's 30 s
    const c = PersonalDataVault.forService(undefined, '/nonexistent/personal-data.key', new PostgresPersonalDataKeyStore({ connectionString: url, schema }));
    expect(await c.open(sealed)).toBe(DELETED_USER);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});
