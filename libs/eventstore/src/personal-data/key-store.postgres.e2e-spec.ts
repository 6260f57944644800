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
